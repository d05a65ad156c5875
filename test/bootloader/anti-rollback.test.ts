/**
 * Issue 11's anti-rollback on the device, in Node: the counter in the status log is raised only by a
 * confirmed image (on a slot board: an image installed permanently or confirmed after its trial; on one
 * slot: an installed image), is never lowered, and an image whose security counter is below it is refused
 * at BEGIN, at INSTALL and at REVERT — no host command overrides it.
 */
import { describe, expect, it } from "vitest";
import { nucleoF411Layout } from "../../hal-bindings/sim/board-layout";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { Command, encodeFrame } from "../../host/frames";
import { confirmStub } from "../../host/image/status-log";
import { concat, f411Slots, updateFrames } from "./fixtures";
import { runBootloaderInNode } from "./node-run";
import { application, keyed, lastInfo, newKeyPair, signedImage, statusesOf } from "./signing-fixtures";

const key = newKeyPair();
const slots = keyed(f411Slots(), key);
const single = keyed(nucleoF411Layout(), key);
const INSTALL_TEST = 0;
const INSTALL_PERMANENT = 1;

const v1 = application(slots, 4000, 1);
const v2 = application(slots, 5000, 2);
const v3 = application(slots, 4500, 3);
const apps = { v1, v2, v3 };
const image = (app: Uint8Array, version: string, counter: number) => signedImage(slots, app, { version, counter, key });
const install = (mode: number) => encodeFrame(Command.Install, 90, Uint8Array.of(mode));
const download = (img: Uint8Array, extra: Uint8Array[] = []) => concat([...updateFrames(img, 1024, false), ...extra]);

async function runs(sim: Simulation): Promise<string> {
  const outcome = await runBootloaderInNode(sim);
  if (outcome.kind !== "application") return outcome.kind;
  const head = Buffer.from(sim.flash.view(sim.board.app.start, 64));
  return Object.entries(apps).find(([, app]) => head.equals(Buffer.from(app.subarray(0, 64))))?.[0] ?? "unknown";
}

/** Runs one session with the trigger held (`input`, then INFO) and returns its transcript; the device after it. */
async function session(sim: Simulation, input: Uint8Array[]): Promise<{ tx: Uint8Array; next: Simulation }> {
  sim.triggerPressed = true;
  sim.uart.deliver(concat([...input, encodeFrame(Command.Info, 120)]), 0);
  await runBootloaderInNode(sim);
  const next = sim.rebooted();
  next.triggerPressed = false;
  return { tx: sim.uart.takeTx(), next };
}

/** The application's own tsboot_confirm(): its published stub written into the log. */
function applicationConfirms(sim: Simulation): void {
  const { address, id } = sim.trialPublished;
  expect(address).not.toBe(0);
  const stub = confirmStub(id);
  for (let i = 0; i < stub.length; i++) sim.flash.bytes[address - sim.board.flashBase + i] &= stub[i];
}

/** Slot board: v1 (counter 1) installed permanently, then v2 (counter 5) installed for a test and started. */
async function trialOfV2(): Promise<Simulation> {
  const first = await session(new Simulation(slots), [download(image(v1, "1.0.0", 1), [install(INSTALL_PERMANENT)])]);
  expect(statusesOf(first.tx, Command.Install)).toEqual(["ok"]);
  expect(lastInfo(first.tx).securityCounter).toBe(1);
  const second = await session(first.next, [download(image(v2, "2.0.0", 5), [install(INSTALL_TEST)])]);
  expect(statusesOf(second.tx, Command.Install)).toEqual(["ok"]);
  expect(lastInfo(second.tx).securityCounter, "a trial does not raise the counter").toBe(1);
  const trial = second.next;
  expect(await runs(trial)).toBe("v2");
  return trial.rebooted();
}

describe("anti-rollback on a slot board (nucleo-f411re-ab)", () => {
  it("an unconfirmed trial never raises the counter: after its revert an image at the old counter is still accepted", async () => {
    const afterTrial = await trialOfV2();
    expect(await runs(afterTrial)).toBe("v1"); // not confirmed: reverted
    const { tx } = await session(afterTrial.rebooted(), [download(image(v3, "1.5.0", 1), [install(INSTALL_PERMANENT)])]);
    expect(statusesOf(tx, Command.Begin)).toEqual(["ok"]);
    expect(statusesOf(tx, Command.Install)).toEqual(["ok"]);
    expect(lastInfo(tx).securityCounter).toBe(1);
  });

  it("the application's confirmation raises the counter; a lower one is refused at BEGIN before any erase", async () => {
    const trial = await trialOfV2();
    applicationConfirms(trial);
    expect(await runs(trial)).toBe("v2"); // this boot sees the confirmation and raises the counter
    const device = trial.rebooted();
    const operations = device.flash.operations;
    const { tx, next } = await session(device, [download(image(v3, "3.0.0", 4))]);
    expect(statusesOf(tx, Command.Begin)).toEqual(["security counter too low"]);
    expect(device.flash.operations).toBe(operations);
    expect(lastInfo(tx).securityCounter).toBe(5);
    expect(await runs(next)).toBe("v2");
  });

  it("REVERT cannot bring back a confirmed image's predecessor whose counter is lower", async () => {
    const trial = await trialOfV2();
    const confirmed = await session(trial, [encodeFrame(Command.Confirm, 100)]);
    expect(statusesOf(confirmed.tx, Command.Confirm)).toEqual(["ok"]);
    expect(lastInfo(confirmed.tx).securityCounter).toBe(5);
    const { tx, next } = await session(confirmed.next, [encodeFrame(Command.Revert, 101)]);
    expect(statusesOf(tx, Command.Revert)).toEqual(["security counter too low"]);
    expect(await runs(next)).toBe("v2");
  });

  it("INSTALL checks again: an image downloaded while the counter was lower is refused once a confirmation raised it", async () => {
    const trial = await trialOfV2();
    trial.updateFlag = 0x55425354; // the trial application asks for update mode
    const pending = await session(trial, [download(image(v3, "3.0.0", 3))]);
    expect(statusesOf(pending.tx, Command.End)).toEqual(["ok"]);
    expect(lastInfo(pending.tx).slots).toMatchObject({ secondary: "pending" });
    const { tx, next } = await session(pending.next, [encodeFrame(Command.Confirm, 100), install(INSTALL_PERMANENT)]);
    expect(statusesOf(tx, Command.Confirm)).toEqual(["ok"]);
    expect(statusesOf(tx, Command.Install)).toEqual(["security counter too low"]);
    expect(lastInfo(tx).securityCounter).toBe(5);
    expect(await runs(next)).toBe("v2");
  });
});

describe("anti-rollback on a single slot (nucleo-f411re)", () => {
  const img = (app: Uint8Array, counter: number) => signedImage(single, app, { counter, key });

  it("an installed image sets the counter; an equal one is accepted, a lower one refused at BEGIN", async () => {
    const first = await session(new Simulation(single), [download(img(v1, 7))]);
    expect(lastInfo(first.tx).securityCounter).toBe(7);
    const same = await session(first.next, [download(img(v2, 7))]);
    expect(statusesOf(same.tx, Command.End)).toEqual(["ok"]);
    const operations = same.next.flash.operations;
    const lower = await session(same.next, [download(img(v3, 6))]);
    expect(statusesOf(lower.tx, Command.Begin)).toEqual(["security counter too low"]);
    expect(same.next.flash.operations).toBe(operations);
    expect(await runs(lower.next)).toBe("v2");
  });

  it("a power cut between the image's record and its counter entry: the next boot raises the counter", async () => {
    const reference = new Simulation(single);
    reference.uart.deliver(download(img(v1, 9)), 0);
    await runBootloaderInNode(reference);
    const total = reference.flash.operations;
    const sim = new Simulation(single);
    sim.uart.deliver(download(img(v1, 9)), 0);
    sim.flash.cutPowerAt = total; // before the last operation: the counter entry
    expect((await runBootloaderInNode(sim)).kind).toBe("power-cut");
    const after = sim.rebooted();
    after.flash.cutPowerAt = 0;
    expect(await runs(after)).toBe("v1"); // the image was recorded
    const { tx } = await session(after.rebooted(), []);
    expect(lastInfo(tx).securityCounter).toBe(9);
  });
});
