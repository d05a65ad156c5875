/**
 * Issue 10 in Node: two slots, install by swap, trial boot, confirm and revert — the scenarios a device
 * in the field goes through, on NUCLEO-F411RE's flash with the two-slot map (docs/slots.md).
 */
import { describe, expect, it } from "vitest";
import type { BoardLayout } from "../../hal-bindings/sim/board-layout";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { Command, encodeFrame, EVENT_PROGRESS, REPLY_BIT, STATUS_NAMES } from "../../host/frames";
import { decodeInfo } from "../../host/flasher/flasher";
import { confirmStub } from "../../host/image/status-log";
import { concat, f411Slots, makeApplication, makeImage, repliesIn, textOf, updateFrames } from "./fixtures";
import { runBootloaderInNode } from "./node-run";

const board = f411Slots();
const INSTALL_TEST = 0;
const INSTALL_PERMANENT = 1;

/** Frames of a download (INFO, BEGIN, WRITEs, END) then INSTALL (mode), then BOOT if asked. */
function downloadAndInstall(image: Uint8Array, mode: number | null, boot: boolean): Uint8Array {
  const frames = updateFrames(image, 1024, false);
  if (mode !== null) frames.push(encodeFrame(Command.Install, 90, Uint8Array.of(mode)));
  if (boot) frames.push(encodeFrame(Command.Boot, 91));
  return concat(frames);
}

const finals = (tx: Uint8Array) => repliesIn(tx).filter((f) => f.command !== EVENT_PROGRESS);
const statusOf = (tx: Uint8Array, command: number) => finals(tx).filter((f) => f.command === (command | REPLY_BIT)).map((f) => STATUS_NAMES[f.payload[0]]);
function infoOf(tx: Uint8Array) {
  const r = repliesIn(tx).filter((f) => f.command === (Command.Info | REPLY_BIT)).pop();
  expect(r, "an INFO reply").toBeDefined();
  return decodeInfo(r!.payload.subarray(1));
}

/** The application running after `sim` boots: its image's first bytes identify it. */
async function bootAndSee(sim: Simulation): Promise<{ kind: string; app: Uint8Array | null }> {
  const outcome = await runBootloaderInNode(sim);
  return { kind: outcome.kind, app: outcome.kind === "application" ? sim.flash.view(board.app.start, 64).slice() : null };
}

/** v1 installed permanently, running: the starting point of every scenario. */
async function deviceWithV1() {
  const sim = new Simulation(board);
  const v1 = makeApplication(board, 40_000, 1);
  sim.uart.deliver(downloadAndInstall(makeImage(board, v1, "1.0.0"), INSTALL_PERMANENT, true), 0);
  expect((await runBootloaderInNode(sim)).kind).toBe("application");
  expect(statusOf(sim.uart.takeTx(), Command.Install)).toEqual(["ok"]);
  return { sim: sim.rebooted(), v1 };
}

/** Downloads v2 and installs it for a test, then boots it (a trial). */
async function trialOfV2(sim: Simulation) {
  const v2 = makeApplication(board, 50_000, 2);
  sim.triggerPressed = true;
  sim.uart.deliver(downloadAndInstall(makeImage(board, v2, "2.0.0"), INSTALL_TEST, true), 0);
  const outcome = await runBootloaderInNode(sim);
  expect(outcome.kind).toBe("application");
  expect(statusOf(sim.uart.takeTx(), Command.Install)).toEqual(["ok"]);
  expect(sim.flash.view(board.app.start, v2.length)).toEqual(v2);
  const next = sim.rebooted();
  next.triggerPressed = false;
  return { sim: next, v2 };
}

/** What tsboot_confirm() does in the application: the published confirmation written into the log. */
function applicationConfirms(sim: Simulation): void {
  const { address, id } = sim.trialPublished;
  expect(address).not.toBe(0);
  const stub = confirmStub(id);
  const at = address - board.flashBase;
  expect(sim.flash.bytes.subarray(at, at + 96).every((b) => b === 0xff)).toBe(true);
  for (let i = 0; i < stub.length; i++) sim.flash.bytes[at + i] &= stub[i];
}

describe("install by swap with trial boot, confirm and revert", () => {
  it("a download goes to the secondary slot: the running application is untouched until INSTALL", async () => {
    const { sim, v1 } = await deviceWithV1();
    sim.triggerPressed = true;
    const v2 = makeApplication(board, 50_000, 2);
    sim.uart.deliver(concat([...updateFrames(makeImage(board, v2, "2.0.0"), 1024, false), encodeFrame(Command.Info, 80)]), 0);
    await runBootloaderInNode(sim);
    const tx = sim.uart.takeTx();
    expect(statusOf(tx, Command.End)).toEqual(["ok"]);
    expect(sim.flash.view(board.app.start, v1.length)).toEqual(v1);
    const info = infoOf(tx);
    expect(info).toMatchObject({ appValid: true, appVersionText: "1.0.0", slots: { secondary: "pending", secondaryVersion: "2.0.0" } });
    // Without INSTALL, the next boot still runs v1.
    const after = await bootAndSee(sim.rebooted());
    expect(after.app).toEqual(v1.subarray(0, 64));
  });

  it("a good update, confirmed by the application, stays after every later reset", async () => {
    const { sim } = await deviceWithV1();
    const { sim: trial, v2 } = await trialOfV2(sim);
    expect(trial.trialPublished.address).not.toBe(0);
    applicationConfirms(trial);
    for (let i = 0; i < 3; i++) {
      const r = await bootAndSee(i === 0 ? trial : trial.rebooted());
      expect(r.app).toEqual(v2.subarray(0, 64));
    }
    const ask = trial.rebooted();
    ask.triggerPressed = true;
    ask.uart.deliver(encodeFrame(Command.Info, 1), 0);
    await runBootloaderInNode(ask);
    expect(infoOf(ask.uart.takeTx()).slots).toMatchObject({ trial: "none", lastEvent: "confirmed", secondary: "previous", secondaryVersion: "1.0.0" });
  });

  it("an update whose application crashes before confirming is reverted at the next boot", async () => {
    const { sim, v1 } = await deviceWithV1();
    const { sim: crashed } = await trialOfV2(sim);
    crashed.fault = { kind: 1, detail: 0x08020301 }; // the trial image hard-faulted; the handler reset
    crashed.resetCauseBits = 0x04;
    const r = await bootAndSee(crashed);
    expect(r.app).toEqual(v1.subarray(0, 64));
    const ask = crashed.rebooted();
    ask.triggerPressed = true;
    ask.uart.deliver(encodeFrame(Command.Info, 1), 0);
    await runBootloaderInNode(ask);
    expect(infoOf(ask.uart.takeTx()).slots).toMatchObject({ lastEvent: "reverted", lastReason: "not confirmed", secondaryVersion: "2.0.0" });
  });

  it("an update whose application never confirms and is reset by the watchdog is reverted", async () => {
    const { sim, v1 } = await deviceWithV1();
    const { sim: hung } = await trialOfV2(sim);
    hung.resetCauseBits = 0x08; // independent watchdog
    const r = await bootAndSee(hung);
    expect(r.app).toEqual(v1.subarray(0, 64));
  });

  it("an installed trial image that turns out invalid before it starts is reverted", async () => {
    const { sim, v1 } = await deviceWithV1();
    sim.triggerPressed = true;
    sim.uart.deliver(downloadAndInstall(makeImage(board, makeApplication(board, 50_000, 2), "2.0.0"), INSTALL_TEST, false), 0);
    await runBootloaderInNode(sim);
    const rotten = sim.rebooted();
    rotten.triggerPressed = false;
    rotten.flash.bytes[board.app.start - board.flashBase + 20_000] ^= 0x10; // the trial image rots before its first start
    expect((await bootAndSee(rotten)).app).toEqual(v1.subarray(0, 64));
    const ask = rotten.rebooted();
    ask.triggerPressed = true;
    ask.uart.deliver(encodeFrame(Command.Info, 1), 0);
    await runBootloaderInNode(ask);
    expect(infoOf(ask.uart.takeTx()).slots).toMatchObject({ lastEvent: "reverted", lastReason: "invalid" });
  });

  it("the trial watchdog is armed before a trial boot when the board data asks", async () => {
    const withWatchdog: BoardLayout = { ...board, slots: { ...board.slots!, trialWatchdogMs: 8000 } };
    const sim = new Simulation(withWatchdog);
    sim.uart.deliver(downloadAndInstall(makeImage(withWatchdog, makeApplication(withWatchdog, 4000, 3), "1.0.0"), INSTALL_TEST, true), 0);
    expect((await runBootloaderInNode(sim)).kind).toBe("application");
    expect(sim.watchdog).toMatchObject({ running: true, periodMs: 8000 });
  });

  it("an application that asks for update mode during its trial can be confirmed by the host", async () => {
    const { sim } = await deviceWithV1();
    const { sim: trial, v2 } = await trialOfV2(sim);
    trial.updateFlag = 0x55425354; // the application requests an update: not a crash, no revert yet
    trial.uart.deliver(concat([encodeFrame(Command.Confirm, 1), encodeFrame(Command.Boot, 2)]), 0);
    const r = await bootAndSee(trial);
    expect(statusOf(trial.uart.takeTx(), Command.Confirm)).toEqual(["ok"]);
    expect(r.app).toEqual(v2.subarray(0, 64));
    expect((await bootAndSee(trial.rebooted())).app).toEqual(v2.subarray(0, 64)); // confirmed: no revert
  });

  it("REVERT brings the previous image back on request", async () => {
    const { sim, v1 } = await deviceWithV1();
    const { sim: trial } = await trialOfV2(sim);
    applicationConfirms(trial);
    const asked = trial.rebooted();
    asked.triggerPressed = true;
    asked.uart.deliver(concat([encodeFrame(Command.Revert, 1), encodeFrame(Command.Boot, 2)]), 0);
    const r = await bootAndSee(asked);
    expect(statusOf(asked.uart.takeTx(), Command.Revert)).toEqual(["ok"]);
    expect(r.app).toEqual(v1.subarray(0, 64));
  });

  it("INSTALL refuses a damaged download: nothing is swapped", async () => {
    const { sim, v1 } = await deviceWithV1();
    sim.triggerPressed = true;
    const v2 = makeApplication(board, 50_000, 2);
    sim.uart.deliver(concat(updateFrames(makeImage(board, v2, "2.0.0"), 1024, false)), 0);
    await runBootloaderInNode(sim);
    const damaged = sim.rebooted();
    damaged.flash.bytes[board.slots!.secondary.start - board.flashBase + 1000] ^= 0x01; // the secondary rots
    damaged.triggerPressed = true;
    damaged.uart.deliver(concat([encodeFrame(Command.Install, 1, Uint8Array.of(INSTALL_TEST)), encodeFrame(Command.Boot, 2)]), 0);
    const r = await bootAndSee(damaged);
    expect(statusOf(damaged.uart.takeTx(), Command.Install)).toEqual(["no valid application"]);
    expect(r.app).toEqual(v1.subarray(0, 64));
  });

  it("a download interrupted at every 10% leaves the old application running", async () => {
    const { sim, v1 } = await deviceWithV1();
    const v2 = makeApplication(board, 50_000, 2);
    const frames = updateFrames(makeImage(board, v2, "2.0.0"), 1024, false);
    for (let tenth = 1; tenth <= 9; tenth++) {
      const cut = 2 + Math.floor(((frames.length - 3) * tenth) / 10);
      const attempt = sim.rebooted();
      attempt.triggerPressed = true;
      attempt.uart.deliver(concat(frames.slice(0, cut)), 0);
      await runBootloaderInNode(attempt);
      const r = await bootAndSee(attempt.rebooted());
      expect(r.app, `after ${tenth * 10}%`).toEqual(v1.subarray(0, 64));
    }
  });

  it("says which mode the device is in and what each slot holds", async () => {
    const sim = new Simulation(board);
    sim.uart.deliver(encodeFrame(Command.Info, 1), 0);
    await runBootloaderInNode(sim);
    const tx = sim.uart.takeTx();
    expect(infoOf(tx).slots).toMatchObject({ mode: "swap", trial: "none", secondary: "empty", lastEvent: "none" });
    expect(textOf(tx)).toContain("update: no valid application");
  });
});
