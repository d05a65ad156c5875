/**
 * verifyAtBoot (board data) in Node: the installed image's signature is checked at every boot too, so an
 * image changed in flash after its install is not started — even one whose CRCs were all fixed up, which
 * the CRC check alone lets through — and the device stays in update mode, ready for a signed image. And
 * power cuts during a signed install leave an image that boots (and verifies).
 */
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { nucleoF411Layout, type BoardLayout } from "../../hal-bindings/sim/board-layout";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { Command, encodeFrame } from "../../host/frames";
import { concat, f411Slots, textOf, updateFrames } from "./fixtures";
import { runBootloaderInNode } from "./node-run";
import { application, keyed, lastInfo, newKeyPair, signedImage } from "./signing-fixtures";

const key = newKeyPair();
const ENTRY_SIZE = 96;

const v1 = application(nucleoF411Layout(), 6000, 1);
const v2 = application(nucleoF411Layout(), 7000, 2);
/** The same two applications, linked for the slot board's primary slot. */
const slotV1 = application(f411Slots(), 6000, 1);
const slotV2 = application(f411Slots(), 7000, 2);
const apps = { v1, v2, slotV1, slotV2 };
const download = (image: Uint8Array, extra: Uint8Array[] = []) => concat([...updateFrames(image, 1024, false), ...extra]);

async function runs(sim: Simulation): Promise<string> {
  const outcome = await runBootloaderInNode(sim);
  if (outcome.kind !== "application") return outcome.kind;
  const head = Buffer.from(sim.flash.view(sim.board.app.start, 64));
  return Object.entries(apps).find(([, app]) => head.equals(Buffer.from(app.subarray(0, 64))))?.[0] ?? "unknown";
}

/** A single-slot device with signed v1 installed. */
async function installedV1(board: BoardLayout): Promise<Simulation> {
  const sim = new Simulation(board);
  sim.uart.deliver(download(signedImage(board, v1, { key, counter: 1 })), 0);
  await runBootloaderInNode(sim);
  return sim.rebooted();
}

/**
 * What an attacker with write access to the flash does: flips a payload bit and fixes the payload CRC in
 * the status log's record of the header, the header's CRC and the log entry's CRC, so every CRC matches.
 */
function tamperInstalledPayload(sim: Simulation, at: number): void {
  const board = sim.board;
  const bytes = sim.flash.bytes;
  const app = board.app.start - board.flashBase;
  bytes[app + at] ^= 0x04;
  const config = board.config.start - board.flashBase;
  let patched = 0;
  for (let e = config; e + ENTRY_SIZE <= config + board.config.size; e += ENTRY_SIZE) {
    const entry = Buffer.from(bytes.buffer, bytes.byteOffset + e, ENTRY_SIZE);
    if (entry.readUInt16LE(0) !== 0x4c53 || entry[2] !== 2 || entry[3] !== 0) continue; // an Image entry, primary slot
    const header = entry.subarray(8, 72);
    const size = header.readUInt32LE(8);
    header.writeUInt32LE(crc32(bytes.subarray(app, app + size)) >>> 0, 16);
    header.writeUInt32LE(crc32(header.subarray(0, 60)) >>> 0, 60);
    entry.writeUInt32LE(crc32(entry.subarray(0, 92)) >>> 0, 92);
    patched++;
  }
  expect(patched, "the primary's record in the log").toBeGreaterThan(0);
}

describe("verifyAtBoot: the installed image's signature at every boot", () => {
  const tampers: Array<[string, (sim: Simulation) => void]> = [
    ["a flipped signature bit", (sim) => (sim.flash.bytes[sim.board.app.start - sim.board.flashBase + v1.length + 10] ^= 0x01)],
    ["a flipped payload bit with every CRC fixed", (sim) => tamperInstalledPayload(sim, 4000)],
  ];
  for (const [what, tamper] of tampers) {
    it(`an installed image with ${what} is not started; the device stays updatable`, async () => {
      const board = keyed(nucleoF411Layout(), key, true);
      const sim = await installedV1(board);
      expect(await runs(sim)).toBe("v1");
      const tampered = sim.rebooted();
      tamper(tampered);
      expect(await runs(tampered)).toBe("idle");
      expect(textOf(tampered.uart.takeTx())).toContain("update: no valid application");
      const next = tampered.rebooted();
      next.uart.deliver(download(signedImage(board, v2, { key, counter: 1 }), [encodeFrame(Command.Boot, 99)]), 0);
      expect(await runs(next)).toBe("v2");
    });

    it(`without verifyAtBoot the same change (${what}) goes unseen: the check is what stops it`, async () => {
      const sim = await installedV1(keyed(nucleoF411Layout(), key, false));
      tamper(sim);
      expect(await runs(sim)).toBe("v1");
    });
  }
});

describe("power cuts during a signed install leave an image that boots", () => {
  it("two slots, verifyAtBoot: a cut anywhere in END (verification, record) or the swap runs the old or the new image", async () => {
    const board = keyed(f411Slots(), key, true);
    const old = signedImage(board, slotV1, { version: "1.0.0", counter: 1, key });
    const next = signedImage(board, slotV2, { version: "2.0.0", counter: 2, key });
    const setup = async () => {
      const sim = new Simulation(board);
      sim.uart.deliver(download(old, [encodeFrame(Command.Install, 90, Uint8Array.of(1))]), 0);
      await runBootloaderInNode(sim);
      const device = sim.rebooted();
      device.triggerPressed = true;
      return device;
    };
    const session = download(next, [encodeFrame(Command.Install, 91, Uint8Array.of(1))]);
    const operationsOf = async (input: Uint8Array) => {
      const reference = await setup();
      const start = reference.flash.operations;
      reference.uart.deliver(input, 0);
      await runBootloaderInNode(reference);
      return reference.flash.operations - start;
    };
    const downloaded = await operationsOf(download(next)); // up to END's record, after the verification
    const total = await operationsOf(session); // then the swap and the counter entry
    expect(total).toBeGreaterThan(downloaded);
    const swap = total - downloaded;
    const cuts = [downloaded - 1, downloaded, downloaded + 1, downloaded + Math.floor(swap / 3), downloaded + Math.floor((2 * swap) / 3), total - 1, total];
    const seen = new Set<string>();
    for (const k of cuts) {
      const sim = await setup();
      sim.uart.deliver(session, 0);
      sim.flash.cutPowerAt = sim.flash.operations + k;
      expect((await runBootloaderInNode(sim)).kind, `cut at ${k} of ${total}`).toBe("power-cut");
      let device = sim.rebooted();
      device.flash.cutPowerAt = 0;
      device.triggerPressed = false;
      for (let boot = 0; boot < 2; boot++) {
        const ran = await runs(device);
        expect(["slotV1", "slotV2"], `cut at ${k} of ${total}, boot ${boot}`).toContain(ran);
        seen.add(ran);
        device = device.rebooted();
      }
      device.triggerPressed = true;
      device.uart.deliver(encodeFrame(Command.Info, 5), 0);
      await runBootloaderInNode(device);
      const info = lastInfo(device.uart.takeTx());
      expect(info.securityCounter, `cut at ${k}: the counter is the running image's`).toBe(info.appVersionText === "2.0.0" ? 2 : 1);
    }
    expect(seen).toEqual(new Set(["slotV1", "slotV2"]));
  }, 900_000);

  it("one slot: a cut during END leaves the new image running or the device updatable, and the next update succeeds", async () => {
    const board = keyed(nucleoF411Layout(), key, true);
    const image = signedImage(board, v2, { counter: 3, key });
    const reference = new Simulation(board);
    reference.uart.deliver(download(image), 0);
    await runBootloaderInNode(reference);
    const total = reference.flash.operations;
    const seen = new Set<string>();
    for (const k of [total - 2, total - 1, total]) {
      const sim = new Simulation(board);
      sim.uart.deliver(download(image), 0);
      sim.flash.cutPowerAt = k;
      expect((await runBootloaderInNode(sim)).kind).toBe("power-cut");
      const after = sim.rebooted();
      after.flash.cutPowerAt = 0;
      const ran = await runs(after);
      expect(["v2", "idle"], `cut at ${k} of ${total}`).toContain(ran);
      seen.add(ran);
      if (ran === "idle") {
        const retry = after.rebooted();
        retry.uart.deliver(download(image, [encodeFrame(Command.Boot, 99)]), 0);
        expect(await runs(retry)).toBe("v2");
      }
    }
    expect(seen.has("v2")).toBe(true);
  }, 900_000);
});
