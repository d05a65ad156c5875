/** Test applications and scripted host sessions for the bootloader tests. */
import { buildImage, encodeVersion } from "../../host/image-format";
import { Command, encodeFrame, FrameDecoder, u32le, type Frame } from "../../host/frames";
import type { BoardLayout } from "../../hal-bindings/sim/board-layout";
import type { Simulation } from "../../hal-bindings/sim/simulation";
import { loadBoardLayout } from "../../boards/layout";
import { fakeApplication } from "../support/fake-app";

/** A fake application: a sane vector table (SP at the top of RAM, a Thumb reset handler) then pseudo-random bytes. */
export function makeApplication(board: BoardLayout, size: number, seed = 1): Uint8Array {
  return fakeApplication({ ramTop: board.ram.start + board.ram.size, appStart: board.app.start }, size, seed);
}

export function makeImage(board: BoardLayout, payload: Uint8Array, version = "1.2.3", overrides: Partial<{ boardId: number; loadAddress: number }> = {}): Uint8Array {
  return buildImage(payload, {
    appVersion: encodeVersion(version),
    boardId: overrides.boardId ?? board.boardId,
    loadAddress: overrides.loadAddress ?? board.app.start,
  });
}

/** BEGIN's payload: the image's header and the payload's first 8 bytes (its vector table's SP and reset). */
export function beginPayload(image: Uint8Array): Uint8Array {
  return concat([image.subarray(0, 64), image.subarray(64, 72)]);
}

/** The frames of a complete update: INFO, BEGIN, WRITEs of `chunk` bytes, END, then BOOT if asked. */
export function updateFrames(image: Uint8Array, chunk = 1024, boot = true): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let seq = 0;
  frames.push(encodeFrame(Command.Info, seq++));
  frames.push(encodeFrame(Command.Begin, seq++, beginPayload(image)));
  const payload = image.subarray(64);
  for (let offset = 0; offset < payload.length; offset += chunk) {
    const data = payload.subarray(offset, Math.min(payload.length, offset + chunk));
    const body = new Uint8Array(4 + data.length);
    body.set(u32le(offset), 0);
    body.set(data, 4);
    frames.push(encodeFrame(Command.Write, seq++, body));
  }
  frames.push(encodeFrame(Command.End, seq++));
  if (boot) frames.push(encodeFrame(Command.Boot, seq++));
  return frames;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The reply frames in a UART transcript (the banner and other text are skipped). */
export function repliesIn(transcript: Uint8Array): Frame[] {
  return new FrameDecoder().push(transcript);
}

export function textOf(transcript: Uint8Array): string {
  return Buffer.from(transcript).toString("latin1");
}

/** NUCLEO-F411RE with two slots (boards/nucleo-f411re-ab.json), without its trial watchdog unless a test asks. */
export function f411Slots(): BoardLayout {
  const layout = loadBoardLayout("nucleo-f411re-ab");
  return { ...layout, slots: { ...layout.slots!, trialWatchdogMs: 0 } };
}

/**
 * A power-cut phase prepared once: the device whose boot ended just before the phase, what its next boot
 * needs (pins, the update flag) and what that boot is sent.
 */
export interface PreparedPhase {
  before: Simulation;
  start?: (sim: Simulation) => void;
  input: Uint8Array;
}

/** A fresh run of a prepared phase: a reboot of the prepared device (rebooted() copies its flash), set up and fed. */
export function phaseStart(prepared: PreparedPhase): Simulation {
  const sim = prepared.before.rebooted();
  prepared.start?.(sim);
  sim.uart.deliver(prepared.input, 0);
  return sim;
}
