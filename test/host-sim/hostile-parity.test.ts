/**
 * The one rule under a hostile host: the bootloader compiled to C (the host simulator) and bootloader-ts in
 * Node end every random session (test/support/hostile-sessions.ts) the same way, at the same virtual time,
 * with the same bytes on the UART and the same flash. The device starts with an application installed, and
 * the session opens by the update trigger or in the listen window. TSBOOT_HOSTILE_RUNS=n runs more sessions (default 40), TSBOOT_HOSTILE_SEED=s
 * another seed.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { loadBoardLayout } from "../../host/sim/board-c";
import { buildHostSim, type HostSim } from "../../host/sim/build";
import { runScripted, type ScriptedResult } from "../../host/sim/run";
import { updateFrames } from "../bootloader/fixtures";
import { hostileActions, scheduleOf, type HostileUpdate } from "../support/hostile-sessions";
import { APP_START, BOARD, have, testApplication, testImage } from "./helpers";

const gcc = have("gcc");
const RUNS = Number(process.env.TSBOOT_HOSTILE_RUNS ?? 40);
const SEED = Number(process.env.TSBOOT_HOSTILE_SEED ?? 20261201);

const installed = testImage(testApplication(3000, 1), "1.0.0");
const update: HostileUpdate = {
  appStart: APP_START,
  units: loadBoardLayout(BOARD).sectors.length,
  frames: updateFrames(testImage(testApplication(2600, 2), "2.0.0"), 512, false),
  damaged: (() => {
    const image = testImage(testApplication(2600, 2), "2.0.0");
    image[64 + 1500] ^= 0x10;
    return updateFrames(image, 512, false);
  })(),
};

describe.skipIf(!gcc)(`host simulator ≡ Node simulation under a hostile host${gcc ? "" : " (skipped: host gcc is not on PATH; bash scripts/setup.sh installs it)"}`, () => {
  let sim: HostSim;
  beforeAll(async () => {
    sim = await buildHostSim({ board: BOARD });
  });

  async function inNode(script: ReturnType<typeof scheduleOf>, trigger: boolean): Promise<ScriptedResult> {
    vi.resetModules();
    const { runInNode } = await import("../../host/sim/node-run");
    const r = runInNode({ layout: loadBoardLayout(BOARD), preload: installed, trigger, script, idleUs: 2_000_000 });
    const { nowUs, flashOperations } = r.json as { nowUs: number; flashOperations: number };
    return { outcome: r.json as never, nowUs, flashOperations, transcript: r.transcript, flash: r.flash, exitCode: r.exitCode, json: r.json, state: r.state, stderr: "" };
  }

  it(`${RUNS} random sessions end alike (seed ${SEED})`, async () => {
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(hostileActions(update), fc.boolean(), fc.integer({ min: 0, max: 100_000 }), async (actions, trigger, startUs) => {
        const script = scheduleOf(actions, update, startUs);
        const c = await runScripted({ board: BOARD, sim, preload: installed, trigger, script, idleUs: 2_000_000 });
        const node = await inNode(script, trigger);
        expect(c.json, `C stderr: ${c.stderr}`).toEqual(node.json);
        expect(Buffer.from(c.transcript).toString("latin1")).toBe(Buffer.from(node.transcript).toString("latin1"));
        expect(Buffer.compare(Buffer.from(c.flash), Buffer.from(node.flash)), "flash contents differ").toBe(0);
        expect(c.exitCode).toBe(node.exitCode);
        const kind = String((c.json as { outcome?: string }).outcome);
        outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // The sessions reach both ends: some stay in the bootloader, some start an application.
    expect([...outcomes.keys()].sort()).toEqual(expect.arrayContaining(["application", "idle"]));
  }, 600_000);
});
