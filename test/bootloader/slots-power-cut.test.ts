/**
 * Issue 10's power-cut proof: cut the power at flash operations of a download into the secondary slot,
 * an install by swap, a revert after an unconfirmed trial, and a confirmation; after every cut boot the
 * device several times, with no host. Each boot must run the old or the new image, complete and valid
 * (a swap a cut interrupted is resumed first) — never neither — with the bootloader region untouched.
 * Then a new update must still succeed. Each cut is before an operation or inside it (the erase or program
 * torn part-way). TSBOOT_POWERCUT_ALL=1 cuts before and inside every operation (about 0.5 s a cut, 10,300
 * cuts: run phases in parallel with TSBOOT_POWERCUT_PHASE); CI takes a sample.
 */
import { describe, expect, it } from "vitest";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { Command, encodeFrame } from "../../host/frames";
import { confirmStub } from "../../host/image/status-log";
import { concat, f411Slots, makeApplication, makeImage, phaseStart, updateFrames, type PreparedPhase } from "./fixtures";
import { runBootloaderInNode } from "./node-run";

const board = f411Slots();
const oldApp = makeApplication(board, 3000, 11);
const newApp = makeApplication(board, 2600, 22);
const oldImage = makeImage(board, oldApp, "1.0.0");
const newImage = makeImage(board, newApp, "2.0.0");
const all = process.env.TSBOOT_POWERCUT_ALL === "1";
const BOOTLOADER = (sim: Simulation) => Buffer.from(sim.flash.view(board.bootloader.start, board.bootloader.size));

const install = (mode: number) => encodeFrame(Command.Install, 90, Uint8Array.of(mode));
const download = (image: Uint8Array) => concat(updateFrames(image, 1024, false));

/** Which image the primary slot runs after a boot, or what else happened. */
async function boots(sim: Simulation): Promise<"old" | "new" | string> {
  const outcome = await runBootloaderInNode(sim);
  if (outcome.kind !== "application") return outcome.kind;
  const run = (app: Uint8Array) => Buffer.from(sim.flash.view(board.app.start, app.length)).equals(Buffer.from(app));
  return run(oldApp) ? "old" : run(newApp) ? "new" : "neither";
}

interface Phase {
  name: string;
  /**
   * Brings a device to just before the phase, once: the device whose boot ended there (its next boot
   * starts the phase), and what that next boot needs (pins, the update flag) and is sent.
   */
  prepare(): Promise<PreparedPhase>;
  /** What the boots after a cut may run. */
  allowed: ReadonlyArray<"old" | "new">;
}

/** A device running the old image, whose boot has ended (its next boot starts from it). */
async function endedWithOld(): Promise<Simulation> {
  const sim = new Simulation(board);
  sim.flash.bytes.fill(0x5a, 0, 256); // marker bytes in the bootloader region
  sim.uart.deliver(concat([download(oldImage), install(1)]), 0);
  await runBootloaderInNode(sim);
  return sim;
}

/** The old image runs; the next boot (trigger held) receives the new image into the secondary slot. */
async function endedWithDownload(extra: Uint8Array[] = []): Promise<Simulation> {
  const sim = (await endedWithOld()).rebooted();
  sim.triggerPressed = true;
  sim.uart.deliver(concat([download(newImage), ...extra]), 0);
  await runBootloaderInNode(sim);
  return sim;
}

const holdTrigger = (sim: Simulation) => {
  sim.triggerPressed = true;
};

const phases: Phase[] = [
  {
    name: "download into the secondary slot",
    prepare: async () => ({ before: await endedWithOld(), start: holdTrigger, input: download(newImage) }),
    allowed: ["old"],
  },
  {
    name: "install by swap (for a test)",
    prepare: async () => ({ before: await endedWithDownload(), start: holdTrigger, input: install(0) }),
    allowed: ["old", "new"],
  },
  {
    name: "revert after an unconfirmed trial",
    // The trial starts; the next boot reverts it.
    prepare: async () => ({ before: await endedWithDownload([install(0), encodeFrame(Command.Boot, 91)]), input: new Uint8Array(0) }),
    allowed: ["old"],
  },
  {
    name: "confirmation by the host",
    prepare: async () => ({
      before: await endedWithDownload([install(0), encodeFrame(Command.Boot, 91)]),
      // The trial asks for update mode; the host confirms.
      start: (sim) => {
        sim.updateFlag = 0x55425354;
      },
      input: encodeFrame(Command.Confirm, 92),
    }),
    allowed: ["old", "new"],
  },
];

/** TSBOOT_POWERCUT_PHASE=<words of a phase's name> runs only the phases whose name contains them. */
const only = process.env.TSBOOT_POWERCUT_PHASE;

describe("power cuts across slots: a download, a swap, a revert, a confirmation", () => {
  for (const phase of phases) {
    it.skipIf(only !== undefined && !phase.name.includes(only))(`${phase.name}: every cut leaves the old or the new image running, and a new update succeeds`, async () => {
      const prepared = await phase.prepare();
      const reference = phaseStart(prepared);
      const before = reference.flash.operations;
      await runBootloaderInNode(reference);
      const total = reference.flash.operations - before;
      expect(total, "the phase writes flash").toBeGreaterThan(0);

      const sample = new Set<number>([1, 2, total - 1, total]);
      for (let k = 5; k < total; k += Math.max(1, Math.floor(total / 6))) sample.add(k);
      // A cut before operation k, or inside it (the erase or program torn part-way, weak cells and all).
      const cuts = all
        ? Array.from({ length: total }, (_, i) => [{ k: i + 1, inside: false }, { k: i + 1, inside: true }]).flat()
        : [...sample].filter((k) => k >= 1 && k <= total).map((k, i) => ({ k, inside: i % 2 === 1 }));

      const seen: Record<string, number> = {};
      for (const { k, inside } of cuts) {
        const sim = phaseStart(prepared);
        const marker = BOOTLOADER(sim);
        sim.flash.cutPowerAt = sim.flash.operations + k;
        sim.flash.cutInside = inside;
        const cut = await runBootloaderInNode(sim);
        expect(cut.kind, `${phase.name}: cut ${inside ? "inside" : "before"} ${k}`).toBe("power-cut");
        let device = sim.rebooted();
        device.flash.cutPowerAt = 0;
        device.flash.cutInside = false;
        for (let boot = 0; boot < 3; boot++) {
          const ran = await boots(device);
          expect(phase.allowed, `${phase.name}: cut ${inside ? "inside" : "before"} ${k}, boot ${boot} ran ${ran}`).toContain(ran);
          seen[ran] = (seen[ran] ?? 0) + 1;
          expect(BOOTLOADER(device).equals(marker), "the bootloader region is untouched").toBe(true);
          device = device.rebooted();
        }
        // A new update still succeeds: the old image is there to be replaced.
        device.triggerPressed = true;
        device.uart.deliver(concat([download(newImage), install(1), encodeFrame(Command.Boot, 93)]), 0);
        expect(await boots(device), `${phase.name}: recovery after a cut ${inside ? "inside" : "before"} ${k}`).toBe("new");
      }
      expect(Object.values(seen).reduce((a, b) => a + b, 0)).toBe(cuts.length * 3);
      console.log(`${phase.name}: ${total} flash operations, ${cuts.length} cut points, boots: ${JSON.stringify(seen)}`);
    }, all ? 12 * 3600_000 : 600_000);
  }

  it("a confirmation the application writes itself survives every later boot", async () => {
    const sim = (await endedWithOld()).rebooted();
    sim.triggerPressed = true;
    sim.uart.deliver(concat([download(newImage), install(0), encodeFrame(Command.Boot, 91)]), 0);
    await runBootloaderInNode(sim);
    const trial = sim.rebooted();
    trial.triggerPressed = false;
    const { address, id } = trial.trialPublished;
    const stub = confirmStub(id);
    for (let i = 0; i < stub.length; i++) trial.flash.bytes[address - board.flashBase + i] &= stub[i];
    let device = trial;
    for (let boot = 0; boot < 3; boot++) {
      expect(await boots(device)).toBe("new");
      device = device.rebooted();
    }
  });
});
