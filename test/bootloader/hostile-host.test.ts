/**
 * Whatever a host sends, the device keeps a way to be updated and never runs a half image: a property test
 * (fast-check) over random sessions on the Node simulation: NUCLEO-F411RE most, a board of each other family
 * and the two-slot F411 a few each.
 *
 * A session is a random sequence of what hosts really send (test/support/hostile-sessions.ts). After the
 * session the device must have:
 *   - locked the flash controller again (whatever ended the session: idle, reset, application);
 *   - written nothing outside the application, config and slot regions;
 *   - at the next power-on, either started a complete application (the old one or the whole new one, byte
 *     for byte) or stayed in the bootloader;
 *   - accepted a clean update afterwards, and started it.
 * TSBOOT_HOSTILE_RUNS=n runs n sessions on each board, TSBOOT_HOSTILE_SEED=s another seed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadBoardLayout } from "../../boards/layout";
import { nucleoF411Layout, type BoardLayout } from "../../hal-bindings/sim/board-layout";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { Command, encodeFrame } from "../../host/frames";
import { hostileActions, hostileFixture, scheduleOf } from "../support/hostile-sessions";
import { concat, f411Slots, makeApplication, makeImage, updateFrames } from "./fixtures";
import { runBootloaderInNode } from "./node-run";

/** The boards: one of each family, and a two-slot one (its trial watchdog off); F411 gets the most sessions. */
const BOARDS: { layout: BoardLayout; runs: number }[] = [
  { layout: nucleoF411Layout(), runs: 25 },
  { layout: loadBoardLayout("nucleo-f072rb"), runs: 6 },
  { layout: loadBoardLayout("nucleo-l476rg"), runs: 6 },
  { layout: loadBoardLayout("nucleo-h743zi2"), runs: 6 },
  { layout: f411Slots(), runs: 6 },
];
const RUNS_OVERRIDE = process.env.TSBOOT_HOSTILE_RUNS ? Number(process.env.TSBOOT_HOSTILE_RUNS) : null;
const SEED = Number(process.env.TSBOOT_HOSTILE_SEED ?? 20261201);

const inRegion = (address: number, r: { start: number; size: number }) => address >= r.start && address < r.start + r.size;

/** Addresses that changed outside the regions an update may write: application, config, and the slots'. */
function writtenOutside(board: BoardLayout, before: Uint8Array, after: Uint8Array): number[] {
  const writable = [board.app, board.config, ...(board.slots ? [board.slots.secondary, board.slots.scratch] : [])];
  const changed: number[] = [];
  for (let i = 0; i < before.length && changed.length < 4; i++) {
    const address = board.flashBase + i;
    if (before[i] !== after[i] && !writable.some((r) => inRegion(address, r))) changed.push(address);
  }
  return changed;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;
const appHolds = (sim: Simulation, payload: Uint8Array) => {
  const at = sim.board.app.start - sim.board.flashBase;
  return Buffer.from(sim.flash.bytes.subarray(at, at + payload.length)).equals(Buffer.from(payload));
};

const INSTALL_PERMANENT = 1;

/** A clean update as the flasher sends it: the frames, INSTALL (permanent) on a two-slot board, then BOOT. */
function cleanUpdate(board: BoardLayout, payload: Uint8Array, version: string): Uint8Array {
  const frames = updateFrames(makeImage(board, payload, version), 1024, false);
  if (board.slots) frames.push(encodeFrame(Command.Install, 200, Uint8Array.of(INSTALL_PERMANENT)));
  frames.push(encodeFrame(Command.Boot, 201));
  return concat(frames);
}

/** The old application, installed by a clean update and started once. */
async function installedDevice(board: BoardLayout, oldApp: Uint8Array): Promise<Simulation> {
  const sim = new Simulation(board);
  sim.uart.deliver(cleanUpdate(board, oldApp, "1.0.0"), 0);
  expect((await runBootloaderInNode(sim)).kind).toBe("application");
  expect(appHolds(sim, oldApp)).toBe(true);
  return sim.rebooted();
}

describe("a hostile host never strands the device and never gets a half image started", () => {
  it.each(BOARDS.map(({ layout, runs }) => [layout.name, layout, RUNS_OVERRIDE ?? runs] as const))("%s: holds for random sessions", async (_, board, runs) => {
    const { oldApp, newApp, update } = hostileFixture(board);
    const installed = await installedDevice(board, oldApp);
    const factory = { bytes: installed.flash.bytes.slice(), state: installed.nextBootState() };
    await fc.assert(
      fc.asyncProperty(hostileActions(update), fc.boolean(), fc.integer({ min: 0, max: board.listenWindowMs * 1000 }), async (actions, byPin, startUs) => {
        // The session: the update trigger held from power-on, or the host's first bytes at startUs (inside the
        // listen window, or at its very end), then whatever the host sends.
        const sim = Simulation.resume(board, factory.bytes, factory.state);
        sim.triggerPressed = byPin;
        for (const chunk of scheduleOf(actions, update, startUs)) sim.uart.deliver(chunk.bytes, chunk.atUs);
        const outcome = await runBootloaderInNode(sim);
        expect(["idle", "application", "reset"], `session ended in ${outcome.kind}`).toContain(outcome.kind);
        expect(sim.flash.locked, `flash left unlocked after ${outcome.kind}`).toBe(true);
        expect(writtenOutside(board, factory.bytes, sim.flash.bytes).map(hex), "written outside the application, config and slot regions").toEqual([]);

        // The next power-on, nothing sent: a complete application or the bootloader, never a part of one.
        const next = sim.rebooted();
        const boot = await runBootloaderInNode(next);
        if (boot.kind === "application") {
          expect(appHolds(next, oldApp) || appHolds(next, newApp), "a started application is the old or the new one, whole").toBe(true);
        } else {
          expect(boot.kind, "no application: the device waits in the bootloader").toBe("idle");
        }

        // And a clean update still goes through.
        const third = makeApplication(board, 2000, 3);
        const recover = next.rebooted();
        recover.triggerPressed = true;
        recover.uart.deliver(cleanUpdate(board, third, "3.0.0"), 1_000);
        expect((await runBootloaderInNode(recover)).kind, "a clean update after the session").toBe("application");
        expect(appHolds(recover, third)).toBe(true);
      }),
      { numRuns: runs, seed: SEED, endOnFailure: true },
    );
  }, 600_000);
});
