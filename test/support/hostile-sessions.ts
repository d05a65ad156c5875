/**
 * Random sessions of a hostile host, for property tests (fast-check): what hosts really send, in any order.
 * A valid update cut short after any frame, a whole one, one whose payload was damaged after packaging, a
 * frame with a flipped byte, any command with any payload (valid framing), raw line noise, BOOT, INSTALL (test,
 * permanent or any mode), pauses, and AN3155 requests (stm32flash's protocol) without GO. The
 * bytes are scheduled at line rate, each action once the previous one's bytes are on the wire: a host that
 * does not wait for replies, so some arrive while the device erases or programs.
 *
 * Used on the Node simulation (test/bootloader/hostile-host.test.ts) and to compare the C bootloader with
 * the Node one (test/host-sim/hostile-parity.test.ts).
 */
import fc from "fast-check";
import { Command, encodeFrame } from "../../host/frames";
import type { BoardLayout } from "../../hal-bindings/sim/board-layout";
import { cmd, extendedErase, readMemory, writeMemory } from "../bootloader/an3155-requests";
import { makeApplication, makeImage, updateFrames } from "../bootloader/fixtures";

export type HostileAction =
  | { kind: "prefix"; frames: number }
  | { kind: "whole" }
  | { kind: "damaged" }
  | { kind: "flipped"; frame: number; at: number }
  | { kind: "any"; command: number; seq: number; payload: Uint8Array }
  | { kind: "noise"; bytes: Uint8Array }
  | { kind: "boot" }
  | { kind: "install"; mode: number }
  | { kind: "pause"; ms: number }
  | { kind: "an3155"; bytes: number[] };

/** The update the actions draw on: its frames (INFO, BEGIN, WRITEs, END), and the same with a damaged payload. */
export interface HostileUpdate {
  frames: Uint8Array[];
  damaged: Uint8Array[];
  /** Where the application region starts and how many erase units the flash has (AN3155 requests aim there). */
  appStart: number;
  units: number;
}

/**
 * A board's sessions: the old application the device starts with (installed as `installed`, version 1.0.0),
 * and the new one (2.0.0) the sessions' updates carry, whole or damaged (one payload bit flipped after
 * packaging: the header and its CRC of the intact payload unchanged).
 */
export function hostileFixture(layout: BoardLayout): { oldApp: Uint8Array; newApp: Uint8Array; installed: Uint8Array; update: HostileUpdate } {
  const oldApp = makeApplication(layout, 3000, 1);
  const newApp = makeApplication(layout, 2600, 2);
  const damaged = makeImage(layout, newApp, "2.0.0");
  damaged[64 + 1500] ^= 0x10;
  return {
    oldApp,
    newApp,
    installed: makeImage(layout, oldApp, "1.0.0"),
    update: { appStart: layout.app.start, units: layout.sectors.length, frames: updateFrames(makeImage(layout, newApp, "2.0.0"), 512, false), damaged: updateFrames(damaged, 512, false) },
  };
}

/** One timed chunk on the line: the same shape as host/sim/script.ts's ScriptEntry. */
export interface TimedChunk {
  atUs: number;
  bytes: Uint8Array;
}

const BYTE_US = 87; // 10 bits at 115200 baud
const commands = [...Object.values(Command), 0x00, 0x7f, 0xff];

export function hostileActions(update: HostileUpdate): fc.Arbitrary<HostileAction[]> {
  const last = update.frames.length - 1;
  const action: fc.Arbitrary<HostileAction> = fc.oneof(
    fc.record({ kind: fc.constant("prefix" as const), frames: fc.integer({ min: 1, max: last }) }),
    fc.constant({ kind: "whole" as const }),
    fc.constant({ kind: "damaged" as const }),
    fc.record({ kind: fc.constant("flipped" as const), frame: fc.nat(last), at: fc.nat() }),
    fc.record({ kind: fc.constant("any" as const), command: fc.constantFrom(...commands), seq: fc.nat(255), payload: fc.uint8Array({ maxLength: 80 }) }),
    fc.record({ kind: fc.constant("noise" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
    fc.constant({ kind: "boot" as const }),
    fc.record({ kind: fc.constant("install" as const), mode: fc.oneof(fc.constantFrom(0, 1), fc.nat(255)) }),
    fc.record({ kind: fc.constant("pause" as const), ms: fc.integer({ min: 1, max: 3000 }) }),
  );
  return fc.array(fc.oneof({ arbitrary: action, weight: 8 }, { arbitrary: an3155Request(update), weight: 2 }), { minLength: 1, maxLength: 8 });
}

/**
 * What stm32flash and the ROM's other clients send (AN3155), never GO: its sync byte, GET, ERASE of any units,
 * WRITE MEMORY of a few bytes into the application region (or anywhere), READ MEMORY. A raw image written this
 * way and never started with GO must not start at the next power-on (docs/protocol.md).
 */
function an3155Request(update: HostileUpdate): fc.Arbitrary<HostileAction> {
  const anywhere = fc.oneof(fc.integer({ min: update.appStart, max: update.appStart + 0x4000 }).map((a) => a & ~3), fc.nat().map((a) => 0x08000000 + (a % 0x80000)), fc.nat());
  const request = fc.oneof(
    fc.constant([0x7f]),
    fc.constant(cmd(0x00)),
    fc.array(fc.nat(update.units + 2), { minLength: 1, maxLength: 4 }).map((units) => extendedErase(units)),
    fc.tuple(anywhere, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([at, data]) => writeMemory(at, data)),
    fc.tuple(anywhere, fc.integer({ min: 1, max: 256 })).map(([at, length]) => readMemory(at, length)),
  );
  return fc.array(request, { minLength: 1, maxLength: 4 }).map((requests) => ({ kind: "an3155" as const, bytes: requests.flat() }));
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

function bytesOf(a: HostileAction, update: HostileUpdate): Uint8Array | null {
  switch (a.kind) {
    case "prefix":
      return concat(update.frames.slice(0, a.frames));
    case "whole":
      return concat(update.frames);
    case "damaged":
      return concat(update.damaged);
    case "flipped": {
      const frame = update.frames[a.frame].slice();
      frame[a.at % frame.length] ^= 0x01;
      return frame;
    }
    case "any":
      return encodeFrame(a.command, a.seq, a.payload);
    case "noise":
      return a.bytes;
    case "boot":
      return encodeFrame(Command.Boot, 0);
    case "install":
      return encodeFrame(Command.Install, 0, Uint8Array.of(a.mode));
    case "pause":
      return null;
    case "an3155":
      return Uint8Array.from(a.bytes);
  }
}

/** The actions as timed chunks, from startUs on. */
export function scheduleOf(actions: HostileAction[], update: HostileUpdate, startUs = 1_000): TimedChunk[] {
  const chunks: TimedChunk[] = [];
  let atUs = startUs;
  for (const a of actions) {
    const bytes = bytesOf(a, update);
    if (bytes === null) {
      atUs += (a as { ms: number }).ms * 1000;
      continue;
    }
    chunks.push({ atUs, bytes });
    atUs += bytes.length * BYTE_US + 2_000;
  }
  return chunks;
}
