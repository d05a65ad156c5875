/**
 * Power cuts during an update (MCUboot's simulator idea): count the flash operations of a whole update,
 * then repeat it cutting the power before operation k, reboot, and check that the device either starts an
 * intact application (the old or the new one, byte for byte) or stays in the bootloader — and that a new
 * update then succeeds. TSBOOT_POWERCUT_ALL=1 tries every operation instead of a sample.
 */
import { describe, expect, it } from "vitest";
import { nucleoF411Layout } from "../../hal-bindings/sim/board-layout";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { concat, makeApplication, makeImage, updateFrames } from "./fixtures";
import { runBootloaderInNode } from "./node-run";

const board = nucleoF411Layout();
const oldApp = makeApplication(board, 1500, 11);
const newApp = makeApplication(board, 1200, 22);
const newImage = makeImage(board, newApp, "2.0.0");

async function boardWithOldApp(): Promise<Simulation> {
  const sim = new Simulation(board);
  sim.uart.deliver(concat(updateFrames(makeImage(board, oldApp, "1.0.0"), 1024, false)), 0);
  expect((await runBootloaderInNode(sim)).kind).toBe("idle");
  return sim.rebooted();
}

function appRegion(sim: Simulation, length: number): Uint8Array {
  return sim.flash.view(board.app.start, length);
}

describe("power cut at any flash operation of an update", () => {
  it("leaves an intact application or the bootloader, and a new update recovers", async () => {
    const reference = await boardWithOldApp();
    reference.triggerPressed = true;
    reference.uart.deliver(concat(updateFrames(newImage, 1024, false)), 0);
    expect((await runBootloaderInNode(reference)).kind).toBe("idle");
    const total = reference.flash.operations;
    expect(total).toBeGreaterThan(300); // 2 erases + 300 program units + the 16-unit header

    const all = process.env.TSBOOT_POWERCUT_ALL === "1";
    const sample = new Set<number>([1, 2, 3, 4, 5, total - 20, total - 16, total - 15, total - 8, total - 1, total]);
    for (let k = 7; k < total; k += 37) sample.add(k);
    const cuts = all ? Array.from({ length: total }, (_, i) => i + 1) : [...sample].filter((k) => k >= 1 && k <= total).sort((a, b) => a - b);

    const seen = { old: 0, new: 0, bootloader: 0 };
    for (const k of cuts) {
      const sim = await boardWithOldApp();
      sim.triggerPressed = true;
      sim.uart.deliver(concat(updateFrames(newImage, 1024, false)), 0);
      sim.flash.cutPowerAt = k;
      const cut = await runBootloaderInNode(sim);
      expect(cut, `cut at ${k}`).toMatchObject({ kind: "power-cut", operation: k });

      const after = sim.rebooted();
      const outcome = await runBootloaderInNode(after);
      if (outcome.kind === "application") {
        const isOld = Buffer.from(appRegion(after, oldApp.length)).equals(Buffer.from(oldApp));
        const isNew = Buffer.from(appRegion(after, newApp.length)).equals(Buffer.from(newApp));
        expect(isOld || isNew, `cut at ${k}: started an application that is neither image`).toBe(true);
        seen[isNew ? "new" : "old"]++;
      } else {
        expect(outcome.kind, `cut at ${k}`).toBe("idle");
        seen.bootloader++;
      }

      const recovery = after.rebooted();
      recovery.triggerPressed = true;
      recovery.uart.deliver(concat(updateFrames(newImage, 1024, true)), 0);
      expect((await runBootloaderInNode(recovery)).kind, `recovery after a cut at ${k}`).toBe("application");
      expect(appRegion(recovery, newApp.length)).toEqual(newApp);
    }
    // A cut before operation 1 (BEGIN's erase of the stored header) keeps the old image; every later cut,
    // up to and including the header's last unit, leaves the bootloader. The new image counts only once
    // its header is complete, which no cut at or before the last operation allows.
    expect(seen.old + seen.bootloader + seen.new).toBe(cuts.length);
    expect(seen.old).toBeGreaterThan(0);
    expect(seen.bootloader).toBeGreaterThan(0);
    expect(seen.new).toBe(0);
  });
});
