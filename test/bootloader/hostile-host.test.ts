/**
 * Whatever a host sends, the device keeps a way to be updated and never runs a half image: a property test
 * (fast-check) over random sessions on the Node simulation of NUCLEO-F411RE.
 *
 * A session is a random sequence of what hosts really send (test/support/hostile-sessions.ts). After the
 * session the device must have:
 *   - locked the flash controller again (whatever ended the session: idle, reset, application);
 *   - written nothing outside the application and config regions;
 *   - at the next power-on, either started a complete application (the old one or the whole new one, byte
 *     for byte) or stayed in the bootloader;
 *   - accepted a clean update afterwards, and started it.
 * TSBOOT_HOSTILE_RUNS=n runs more sessions (default 25), TSBOOT_HOSTILE_SEED=s another seed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nucleoF411Layout } from "../../hal-bindings/sim/board-layout";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { hostileActions, scheduleOf, type HostileUpdate } from "../support/hostile-sessions";
import { concat, makeApplication, makeImage, updateFrames } from "./fixtures";
import { runBootloaderInNode } from "./node-run";

const board = nucleoF411Layout();
const RUNS = Number(process.env.TSBOOT_HOSTILE_RUNS ?? 25);
const SEED = Number(process.env.TSBOOT_HOSTILE_SEED ?? 20261201);
const oldApp = makeApplication(board, 3000, 1);
const newApp = makeApplication(board, 2600, 2);
/** The new update, and the same with its payload damaged after packaging (header and its CRC unchanged). */
const update: HostileUpdate = {
  appStart: board.app.start,
  units: board.sectors.length,
  frames: updateFrames(makeImage(board, newApp, "2.0.0"), 512, false),
  damaged: (() => {
    const image = makeImage(board, newApp, "2.0.0");
    image[64 + 1500] ^= 0x10;
    return updateFrames(image, 512, false);
  })(),
};

const inRegion = (address: number, r: { start: number; size: number }) => address >= r.start && address < r.start + r.size;

function writtenOutside(before: Uint8Array, after: Uint8Array): number[] {
  const changed: number[] = [];
  for (let i = 0; i < before.length; i++) {
    const address = board.flashBase + i;
    if (before[i] !== after[i] && !inRegion(address, board.app) && !inRegion(address, board.config)) changed.push(address);
  }
  return changed;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;
const appHolds = (sim: Simulation, payload: Uint8Array) => {
  const at = board.app.start - board.flashBase;
  return Buffer.from(sim.flash.bytes.subarray(at, at + payload.length)).equals(Buffer.from(payload));
};

/** The old application, installed by a clean update and started once. */
async function installedDevice(): Promise<Simulation> {
  const sim = new Simulation(board);
  sim.uart.deliver(concat(updateFrames(makeImage(board, oldApp, "1.0.0"), 1024, false)), 0);
  expect((await runBootloaderInNode(sim)).kind).toBe("idle");
  return sim.rebooted();
}

describe("a hostile host never strands the device and never gets a half image started", () => {
  it(`holds for ${RUNS} random sessions (seed ${SEED})`, async () => {
    const installed = await installedDevice();
    const factory = { bytes: installed.flash.bytes.slice(), state: installed.nextBootState() };
    await fc.assert(
      fc.asyncProperty(hostileActions(update), fc.boolean(), fc.integer({ min: 0, max: board.listenWindowMs * 1000 }), async (actions, byPin, startUs) => {
        // The session: the update trigger held from power-on, or the host's first bytes at startUs (inside the
        // listen window, or at its very end), then whatever the host sends.
        const sim = Simulation.resume(board, factory.bytes, factory.state);
        sim.triggerPressed = byPin;
        for (const chunk of scheduleOf(actions, update, startUs)) sim.uart.deliver(chunk.bytes, chunk.atUs);
        const outcome = await runBootloaderInNode(sim);
        expect(["idle", "application", "reset"], `session ended in ${outcome.kind}`).toContain(outcome.kind);
        expect(sim.flash.locked, `flash left unlocked after ${outcome.kind}`).toBe(true);
        expect(writtenOutside(factory.bytes, sim.flash.bytes).slice(0, 4).map(hex), "written outside the application and config regions").toEqual([]);

        // The next power-on, nothing sent: a complete application or the bootloader, never a part of one.
        const next = sim.rebooted();
        const boot = await runBootloaderInNode(next);
        if (boot.kind === "application") {
          expect(appHolds(next, oldApp) || appHolds(next, newApp), "a started application is the old or the new one, whole").toBe(true);
        } else {
          expect(boot.kind, "no application: the device waits in the bootloader").toBe("idle");
        }

        // And a clean update still goes through.
        const third = makeApplication(board, 2000, 3);
        const recover = next.rebooted();
        recover.triggerPressed = true;
        recover.uart.deliver(concat(updateFrames(makeImage(board, third, "3.0.0"), 1024, true)), 1_000);
        expect((await runBootloaderInNode(recover)).kind, "a clean update after the session").toBe("application");
        expect(appHolds(recover, third)).toBe(true);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, 600_000);
});
