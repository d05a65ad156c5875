/**
 * Issue 11 on the device, in Node: a bootloader built with a public key takes only images whose Ed25519
 * signature over header ‖ payload verifies, refuses the rest with a specific status, and keeps the
 * installed application (two slots) or stays updatable (one slot). AN3155, which cannot carry a
 * signature, may not write or erase. The tampered images fix every CRC, so only the signature catches them.
 */
import { describe, expect, it } from "vitest";
import { nucleoF411Layout, type BoardLayout } from "../../hal-bindings/sim/board-layout";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { Command, encodeFrame } from "../../host/frames";
import { concat, f411Slots, textOf, updateFrames } from "./fixtures";
import { runBootloaderInNode } from "./node-run";
import { application, headerBitFlipped, keyed, lastInfo, newKeyPair, payloadBitFlipped, signatureBitFlipped, signedImage, statusesOf } from "./signing-fixtures";
import { ACK, NACK, address, cmd } from "./an3155-requests";

const key = newKeyPair();
const otherKey = newKeyPair();
const single = keyed(nucleoF411Layout(), key);
const slots = keyed(f411Slots(), key);

const download = (image: Uint8Array, extra: Uint8Array[] = []) => concat([...updateFrames(image, 1024, false), ...extra]);

/** Which application a boot starts: "v1", "v2" (by their first bytes), or how else the run ended. */
async function runs(sim: Simulation, apps: Record<string, Uint8Array>): Promise<string> {
  const outcome = await runBootloaderInNode(sim);
  if (outcome.kind !== "application") return outcome.kind;
  const head = Buffer.from(sim.flash.view(sim.board.app.start, 64));
  return Object.entries(apps).find(([, app]) => head.equals(Buffer.from(app.subarray(0, 64))))?.[0] ?? "unknown";
}

/** A device running signed v1 (installed permanently on a slot board). */
async function deviceWithV1(board: BoardLayout) {
  const v1 = application(board, 6000, 1);
  const sim = new Simulation(board);
  const install = board.slots ? [encodeFrame(Command.Install, 90, Uint8Array.of(1))] : [];
  sim.uart.deliver(download(signedImage(board, v1, { version: "1.0.0", counter: 1, key }), install), 0);
  await runBootloaderInNode(sim);
  const tx = sim.uart.takeTx();
  expect(statusesOf(tx, Command.End)).toEqual(["ok"]);
  const next = sim.rebooted();
  expect(await runs(next, { v1 })).toBe("v1");
  return { sim: next.rebooted(), v1 };
}

describe("a bootloader built with a public key", () => {
  it("accepts a signed image, boots it, and says in INFO that it requires signatures", async () => {
    const sim = new Simulation(single);
    const app = application(single, 9000, 7);
    sim.uart.deliver(download(signedImage(single, app, { key, counter: 4 }), [encodeFrame(Command.Info, 99)]), 0);
    await runBootloaderInNode(sim);
    const tx = sim.uart.takeTx();
    expect(statusesOf(tx, Command.End)).toEqual(["ok"]);
    expect(lastInfo(tx)).toMatchObject({ signatureRequired: true, securityCounter: 4, appValid: true });
    expect(await runs(sim.rebooted(), { app })).toBe("app");
  });

  it("refuses an unsigned image at BEGIN (signature required) before erasing anything: the application still runs", async () => {
    const { sim, v1 } = await deviceWithV1(single);
    sim.triggerPressed = true;
    const v2 = application(single, 5000, 2);
    sim.uart.deliver(download(signedImage(single, v2, { version: "2.0.0", counter: 1, key: null })), 0);
    const before = sim.flash.operations;
    await runBootloaderInNode(sim);
    expect(statusesOf(sim.uart.takeTx(), Command.Begin)).toEqual(["signature required"]);
    expect(sim.flash.operations).toBe(before);
    const next = sim.rebooted();
    next.triggerPressed = false;
    expect(await runs(next, { v1, v2 })).toBe("v1");
  });

  it("refuses an image signed with another key (bad signature) and never starts it: the device stays updatable", async () => {
    const sim = new Simulation(single);
    const bad = application(single, 5000, 3);
    sim.uart.deliver(download(signedImage(single, bad, { key: otherKey })), 0);
    await runBootloaderInNode(sim);
    expect(statusesOf(sim.uart.takeTx(), Command.End)).toEqual(["bad signature"]);
    // The payload is in flash, CRC and vectors sound, but it was never recorded: the next boot stays.
    const after = sim.rebooted();
    expect(await runs(after, { bad })).toBe("idle");
    expect(textOf(after.uart.takeTx())).toContain("update: no valid application");
    const again = after.rebooted();
    const good = application(single, 5000, 4);
    again.uart.deliver(download(signedImage(single, good, { key }), [encodeFrame(Command.Boot, 98)]), 0);
    expect(await runs(again, { good })).toBe("good");
  });

  const tampered: Array<[string, (image: Uint8Array) => Uint8Array]> = [
    ["a payload bit (CRCs fixed)", (image) => payloadBitFlipped(image, 3210)],
    ["a signature bit", (image) => signatureBitFlipped(image, 40)],
    ["a header bit: the version (header CRC fixed)", (image) => headerBitFlipped(image, 22)],
    ["a header bit: the security counter (header CRC fixed)", (image) => headerBitFlipped(image, 32, 4)],
  ];
  for (const [what, tamper] of tampered) {
    it(`refuses an image with ${what} flipped (bad signature); the installed application keeps running`, async () => {
      const { sim, v1 } = await deviceWithV1(slots);
      sim.triggerPressed = true;
      const v2 = application(slots, 5000, 2);
      const image = tamper(signedImage(slots, v2, { version: "2.0.0", counter: 1, key }));
      sim.uart.deliver(download(image, [encodeFrame(Command.Install, 90, Uint8Array.of(1)), encodeFrame(Command.Info, 91)]), 0);
      await runBootloaderInNode(sim);
      const tx = sim.uart.takeTx();
      expect(statusesOf(tx, Command.Begin)).toEqual(["ok"]); // every check but the signature passes
      expect(statusesOf(tx, Command.End)).toEqual(["bad signature"]);
      expect(statusesOf(tx, Command.Install)).toEqual(["no valid application"]);
      expect(lastInfo(tx).slots).toMatchObject({ secondary: "empty" });
      const next = sim.rebooted();
      next.triggerPressed = false;
      expect(await runs(next, { v1, v2 })).toBe("v1");
    });
  }
});

describe("a bootloader built without a key", () => {
  it("says so in INFO and accepts an unsigned image", async () => {
    const plain = nucleoF411Layout();
    const sim = new Simulation(plain);
    const app = application(plain, 4000, 5);
    sim.uart.deliver(download(signedImage(plain, app, { key: null }), [encodeFrame(Command.Boot, 99)]), 0);
    expect(await runs(sim, { app })).toBe("app");
    expect(lastInfo(sim.uart.takeTx())).toMatchObject({ signatureRequired: false, securityCounter: 0 });
  });
});


describe("AN3155 on a bootloader built with a key", () => {
  it("refuses WRITE MEMORY and EXTENDED ERASE (nothing changes) but reads, and GO starts the signed application", async () => {
    const { sim, v1 } = await deviceWithV1(single);
    sim.triggerPressed = true;
    const data = new Uint8Array(16).fill(0x42);
    const write = [...cmd(0x31), ...address(single.app.start + 0x10000), data.length - 1, ...data, data.reduce((x, b) => x ^ b, data.length - 1)];
    const massErase = [...cmd(0x44), 0xff, 0xff, 0x00];
    const sectorErase = [...cmd(0x44), 0x00, 0x00, 0x00, 0x05, 0x05];
    const read = [...cmd(0x11), ...address(single.app.start), 15, 15 ^ 0xff];
    sim.uart.deliver([0x7f, ...write, ...massErase.slice(0, 2), ...sectorErase.slice(0, 2), ...read, ...cmd(0x21), ...address(single.app.start)], 0);
    const before = Buffer.from(sim.flash.bytes);
    const operations = sim.flash.operations;
    const outcome = await runBootloaderInNode(sim);
    const tx = [...sim.uart.takeTx()];
    const answers = tx.slice(tx.indexOf(ACK));
    expect(answers.slice(0, 5)).toEqual([ACK, ACK, ACK, NACK, NACK]); // sync; write: command, address, then refused; erase refused
    expect(answers[5]).toBe(NACK); // the second erase too
    expect(answers.slice(6, 9)).toEqual([ACK, ACK, ACK]); // read: command, address, length
    expect(Uint8Array.from(answers.slice(9, 25))).toEqual(v1.subarray(0, 16));
    expect(answers.slice(25)).toEqual([ACK, ACK]); // GO
    expect(outcome.kind).toBe("application");
    expect(sim.flash.operations).toBe(operations);
    expect(Buffer.from(sim.flash.bytes).equals(before)).toBe(true);
  });
});
