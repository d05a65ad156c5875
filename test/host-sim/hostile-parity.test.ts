/**
 * The one rule under a hostile host: the bootloader compiled to C (the host simulator) and bootloader-ts in
 * Node end every random session (test/support/hostile-sessions.ts) the same way, at the same virtual time,
 * with the same bytes on the UART and the same flash. The device starts with an application installed, and
 * the session opens by the update trigger or in the listen window. On nucleo-f411re (40 sessions),
 * nucleo-l476rg and nucleo-h743zi2 (10 each); TSBOOT_HOSTILE_RUNS=n runs n on each, TSBOOT_HOSTILE_SEED=s
 * another seed. Then the real flasher, over TCP to the live simulator, updates a device that such sessions
 * left behind.
 */
import fc from "fast-check";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { loadBoardLayout } from "../../host/sim/board-c";
import { buildHostSim } from "../../host/sim/build";
import { runScripted, startLive, type ScriptedResult } from "../../host/sim/run";
import { Flasher } from "../../host/flasher/index";
import { makeApplication, makeImage } from "../bootloader/fixtures";
import { hostileActions, hostileFixture, scheduleOf } from "../support/hostile-sessions";
import { asScripted, BOARD, expectSameRun, have } from "./helpers";

const gcc = have("gcc");
const RUNS_OVERRIDE = process.env.TSBOOT_HOSTILE_RUNS ? Number(process.env.TSBOOT_HOSTILE_RUNS) : null;
const SEED = Number(process.env.TSBOOT_HOSTILE_SEED ?? 20261201);

/** Boards of three families (the bootloader core is the same; the flash rules and drivers' models differ). */
const BOARDS: { name: string; runs: number }[] = [
  { name: BOARD, runs: 40 },
  { name: "nucleo-l476rg", runs: 10 },
  { name: "nucleo-h743zi2", runs: 10 },
];

describe.skipIf(!gcc)(`host simulator ≡ Node simulation under a hostile host${gcc ? "" : " (skipped: host gcc is not on PATH; bash scripts/setup.sh installs it)"}`, () => {
  it.each(BOARDS.map(({ name, runs }) => [name, RUNS_OVERRIDE ?? runs] as const))("%s: %i random sessions end alike", async (name, runs) => {
    const sim = await buildHostSim({ board: name });
    const layout = loadBoardLayout(name);
    const { installed, update } = hostileFixture(layout);
    /** The same session in Node, on fresh modules: the bootloader's static RAM starts afresh, as the C process's does. */
    const inNode = async (script: ReturnType<typeof scheduleOf>, trigger: boolean): Promise<ScriptedResult> => {
      vi.resetModules();
      const { runInNode } = await import("../../host/sim/node-run");
      return asScripted(runInNode({ layout, preload: installed, trigger, script, idleUs: 2_000_000 }));
    };
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(hostileActions(update), fc.boolean(), fc.integer({ min: 0, max: layout.listenWindowMs * 1000 }), async (actions, trigger, startUs) => {
        const script = scheduleOf(actions, update, startUs);
        const c = await runScripted({ board: name, sim, preload: installed, trigger, script, idleUs: 2_000_000 });
        const node = await inNode(script, trigger);
        expectSameRun(c, node);
        const kind = String((c.json as { outcome?: string }).outcome);
        outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
      }),
      { numRuns: runs, seed: SEED, endOnFailure: true },
    );
    // The sessions reach both ends: some stay in the bootloader, some start an application.
    if (runs >= 10) expect([...outcomes.keys()].sort()).toEqual(expect.arrayContaining(["application", "idle"]));
  }, 600_000);

  it("after hostile sessions, the real flasher (tsboot's Flasher over TCP) updates the device in the live C simulator", async () => {
    const sim = await buildHostSim({ board: BOARD });
    const layout = loadBoardLayout(BOARD);
    const { installed, update } = hostileFixture(layout);
    const fresh = makeImage(layout, makeApplication(layout, 40_000, 4), "4.0.0");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-hostile-"));
    try {
      const sessions = fc.sample(fc.tuple(hostileActions(update), fc.boolean(), fc.integer({ min: 0, max: 100_000 })), { numRuns: 6, seed: SEED });
      for (const [i, [actions, trigger, startUs]] of sessions.entries()) {
        const after = await runScripted({ board: BOARD, sim, preload: installed, trigger, script: scheduleOf(actions, update, startUs), idleUs: 2_000_000 });
        const flashFile = path.join(dir, `flash-${i}.bin`);
        fs.writeFileSync(flashFile, after.flash);
        const live = await startLive({ board: BOARD, sim, flashFile, trigger: true, uartTiming: "none" });
        try {
          const flasher = await Flasher.open(`tcp://127.0.0.1:${live.port}`);
          try {
            const r = await flasher.flash(fresh, { verify: true, boot: true });
            expect(r, `session ${i}: ${JSON.stringify(actions.map((a) => a.kind))}`).toMatchObject({ verified: true, booted: true });
          } finally {
            await flasher.close();
          }
          await live.waitForLine(/application started/);
        } finally {
          await live.close();
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
