/**
 * The bank-swap install (docs/slots.md) in the host simulator (the bootloader compiled to C on
 * hal-bindings/host) against the Node simulation: every boot of an install, a trial, a revert, and power
 * cuts before and inside the option-byte program, must end the same way at the same virtual time, with the
 * same bytes on the UART, the same (physical) flash and the same boot state (the option bit too), on each
 * bank-swap board (H7 SWAP_BANK, L4 BFB2).
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { loadBoardLayout } from "../../host/sim/board-c";
import { Command, encodeFrame } from "../../host/frames";
import { buildHostSim, type HostSim } from "../../host/sim/build";
import { runScripted, type ScriptedOptions, type ScriptedResult } from "../../host/sim/run";
import type { ScriptEntry } from "../../host/sim/script";
import { makeApplication, makeImage, updateFrames } from "../bootloader/fixtures";
import { asScripted, expectSameRun, have } from "./helpers";

const gcc = have("gcc");
for (const BOARD of ["nucleo-h743zi2-banks", "nucleo-l476rg-banks"]) {
  const layout = loadBoardLayout(BOARD);
  const BANK = layout.slots!.bankSwap!.bankSize;
  const oldImage = makeImage(layout, makeApplication(layout, 3000, 11), "1.0.0");
  const newImage = makeImage(layout, makeApplication(layout, 2600, 22), "2.0.0");

  /** Frames as a timed script, 300 ms apart (the line is idle while the device erases). */
  function scriptOf(frames: Uint8Array[]): ScriptEntry[] {
    return frames.map((bytes, i) => ({ atUs: 1_000 + i * 300_000, bytes }));
  }
  const downloadAndInstall = (image: Uint8Array, mode: number) => scriptOf([...updateFrames(image, 1024, false), encodeFrame(Command.Install, 90, Uint8Array.of(mode))]);

  /** A blank device whose factory image put the same (marked) bootloader in both banks. */
  function factoryFlash(): Uint8Array {
    const flash = new Uint8Array(layout.sectors.reduce((n, s) => n + s.size, 0)).fill(0xff);
    flash.fill(0x5a, 0, 256);
    flash.fill(0x5a, BANK, BANK + 256);
    return flash;
  }

  describe.skipIf(!gcc)(`bank swap on ${BOARD}: host simulator ≡ Node simulation${gcc ? "" : " (skipped: host gcc is not on PATH)"}`, () => {
    let sim: HostSim;
    beforeAll(async () => {
      sim = await buildHostSim({ board: BOARD });
    }, 600_000);

    type Options = Omit<ScriptedOptions, "board" | "engine" | "sim" | "preload">;

    async function inNode(options: Options): Promise<ScriptedResult> {
      vi.resetModules();
      const { runInNode } = await import("../../host/sim/node-run");
      return asScripted(runInNode({ layout, ...options }));
    }

    /** One boot in both engines; they must agree on everything. */
    async function both(options: Options): Promise<ScriptedResult> {
      const c = await runScripted({ board: BOARD, sim, idleUs: 2_000_000, ...options });
      const node = await inNode({ idleUs: 2_000_000, ...options });
      expectSameRun(c, node, { state: true });
      return c;
    }
    const next = (r: ScriptedResult, options: Options = {}) => both({ flash: r.flash, state: r.state, ...options });

    it("install, trial, revert: the same boots, transcripts, flash and option bit", async () => {
      const installed = await both({ flash: factoryFlash(), script: downloadAndInstall(oldImage, 1) });
      expect(installed.outcome).toEqual({ outcome: "reset", reason: "software" });
      expect(installed.state.swapBank).toBe(true);
      const running = await next(installed);
      expect(running.outcome).toMatchObject({ outcome: "application" });
      const trialInstalled = await next(running, { trigger: true, script: downloadAndInstall(newImage, 0) });
      expect(trialInstalled.outcome).toEqual({ outcome: "reset", reason: "software" });
      expect(trialInstalled.state.swapBank).toBeUndefined(); // back to bank 1 first at the next reset
      const trial = await next(trialInstalled);
      expect(trial.outcome).toMatchObject({ outcome: "application" });
      const reverting = await next(trial); // reset without a confirmation: the banks flip back
      expect(reverting.outcome).toEqual({ outcome: "reset", reason: "software" });
      expect(reverting.state.swapBank).toBe(true);
      const reverted = await next(reverting);
      expect(reverted.outcome).toMatchObject({ outcome: "application" });
      // The old image runs again: it is in physical bank 2's image region, mapped at the application's address.
      const at = BANK + layout.app.start - layout.flashBase;
      expect(Buffer.from(reverted.flash.subarray(at, at + 3000)).equals(Buffer.from(oldImage.subarray(64)))).toBe(true);

      // Power cuts before and inside the option-byte program of the trial's install, and the boots after.
      const reference = await next(running, { trigger: true, script: downloadAndInstall(newImage, 0) });
      const option = reference.flashOperations; // the option program is the install boot's last operation
      for (const [cutPowerAt, cutInside] of [[option, false], [option, true], [option - 1, true]] as const) {
        const cut = await next(running, { trigger: true, script: downloadAndInstall(newImage, 0), cutPowerAt, cutInside });
        expect(cut.outcome).toMatchObject({ outcome: "power-cut", operation: cutPowerAt });
        let after = await next(cut);
        for (let i = 0; i < 3 && after.outcome.outcome === "reset"; i++) after = await next(after);
        expect(after.outcome).toMatchObject({ outcome: "application" });
      }
    }, 900_000);
  });
}
