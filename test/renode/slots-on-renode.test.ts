/**
 * Two slots on Renode (docs/slots.md): the real ARM bootloader of nucleo-f411re-ab (the NUCLEO-F411RE with a
 * primary slot in sector 5, the secondary in sector 6, the scratch in sector 7) on the NUCLEO-F411RE platform
 * and tsboot's flash interface model, driven through the harness and the flasher library: an install for a
 * trial and its confirmation, a trial image that crashes and one that hangs (reverted), and a power cut inside
 * the swap's erase of the primary slot.
 *
 * Without Renode (as on CI) every test is reported as skipped, with the reason in the suite's name; so is the
 * suite when the board's bootloader does not fit its region (the build's own message is the reason).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { Command } from "../../host/frames";
import { loadBoard } from "../../boards/index";
import { buildRenodeArtifacts, probeAppOf, type RenodeArtifacts } from "../../renode/build-artifacts";
import { findRenode, RenodeBoard, RenodeProcess, type BoardOptions } from "./harness";

const BOARD = "nucleo-f411re-ab";

const renode = await findRenode();
const toolchain = (await execa("sh", ["-c", "command -v arm-none-eabi-gcc"], { reject: false })).exitCode === 0;
const missing = renode.reason ?? (toolchain ? null : "arm-none-eabi-gcc not found (bash scripts/setup.sh installs it)");

/** The slot board's artifacts, or why they cannot be built (a bootloader over its region is a skip reason). */
const dir = missing ? "" : fs.mkdtempSync(path.join(os.tmpdir(), `tsboot-renode-${BOARD}-`));
const built: { artifacts: RenodeArtifacts; reason: null } | { artifacts: null; reason: string } = missing
  ? { artifacts: null, reason: missing }
  : await buildRenodeArtifacts(BOARD, dir).then(
      (artifacts) => ({ artifacts, reason: null }),
      (e: unknown) => ({ artifacts: null, reason: `${BOARD} does not build: ${e instanceof Error ? e.message : String(e)}` }),
    );
const skipped = built.reason;

/**
 * The trial watchdog's period on Renode, in virtual seconds: the bootloader sizes it for the fastest LSI the
 * datasheet allows (47 kHz, hal-bindings/stm32f4/stm32f4_iwdg.c), so that it is never shorter than the board
 * data's trialWatchdogMs; Renode's IWDG counts at the typical 32 kHz, where the same reload lasts 47/32 longer.
 */
const TRIAL_WATCHDOG_S = (loadBoard(BOARD).trialWatchdogMs / 1000) * (47 / 32);

/**
 * A swap after a reset (a revert, or the end of an interrupted one) in real milliseconds: three 128 KB erases
 * and three copies of the image's units, each word programmed through the flash model, while nothing on the
 * UART marks progress. Renode on a loaded 2-core machine took more than two minutes for it.
 */
const SWAP_WAIT_MS = 600_000;

const LONG = 900_000;

describe.skipIf(skipped !== null)(`two slots on Renode ${BOARD}${skipped ? ` (skipped: ${skipped})` : ""}`, () => {
  const artifacts = built.artifacts!;
  let board: RenodeBoard | null = null;
  const banner = (version: string) => `demo-app ${version} on ${BOARD}`;

  const start = async (options: Partial<BoardOptions> = {}) => {
    board = await RenodeBoard.start({ renode: renode.path!, artifacts, workDir: dir, reuseRenode: true, ...options });
    return board;
  };
  const powerCycle = async (b: RenodeBoard) => {
    board = await b.powerCycle();
    return board;
  };
  /** The running application asks for update mode ('u': the RAM flag, then a reset): no revert, INFO answers. */
  const askForUpdateMode = async (b: RenodeBoard, runningBanner: string) => {
    await b.waitForText(runningBanner);
    b.send("u");
    await b.waitForText("update: requested by the application");
  };

  beforeAll(() => {
    expect(artifacts.slots).toBe(true);
  });

  afterEach(async () => {
    await board?.stop();
    board = null;
  });

  afterAll(async () => {
    await RenodeProcess.closeShared();
  });

  it("an update installs for a trial: the old image stays in the secondary slot; the host confirms it and it survives a reset", async () => {
    const b = await start({ uartTrigger: true });
    const flasher = b.flasher();
    const before = await flasher.info();
    expect(before.slots).toMatchObject({ mode: "swap", trial: "none", secondary: "empty" });
    expect(before.appVersionText).toBe("1.0.0");
    const swaps: number[] = [];
    const result = await flasher.flash(fs.readFileSync(artifacts.newApp.tsb), {
      boot: true,
      onProgress: (e) => {
        if (e.phase === "swap") swaps.push(e.done);
      },
    });
    expect(result.installed).toBe("trial");
    expect(swaps.length).toBeGreaterThan(0);
    await flasher.close();

    // The trial runs; within its watchdog period the application asks for update mode, and the host confirms.
    await askForUpdateMode(b, banner("2.0.0"));
    const host = b.flasher();
    const trial = await host.info();
    expect(trial.appVersionText).toBe("2.0.0");
    expect(trial.slots).toMatchObject({ trial: "started", secondary: "previous", secondaryVersion: "1.0.0", swapInProgress: false });
    await host.confirm();
    expect((await host.info()).slots).toMatchObject({ trial: "none", lastEvent: "confirmed" });
    await host.close();

    // Confirmed: a reset starts 2.0.0 again, no revert.
    const mark = b.text.length;
    await b.reset();
    await b.waitFor((t) => t.slice(mark).includes(banner("2.0.0")), undefined, "2.0.0 after a reset");
    expect(b.since(mark)).not.toContain(banner("1.0.0"));
  }, LONG);

  it("a trial image that crashes (a fault before it confirms) is reverted at the next boot: the old application runs", async () => {
    const b = await start({ uartTrigger: true });
    const flasher = b.flasher();
    const result = await flasher.flash(fs.readFileSync(probeAppOf(artifacts, "probeAppNew").tsb), { boot: true });
    expect(result.installed).toBe("trial");
    await flasher.close();
    const probeBanner = `probe-app 2.0.0 on ${BOARD}`;
    await b.waitForText(probeBanner);
    // The probe executes UDF: its fault entry records the fault and resets. The trial was started and never
    // confirmed: the bootloader swaps 1.0.0 back and starts it.
    const mark = b.text.length;
    b.send("f");
    await b.waitFor((t) => t.slice(mark).includes(banner("1.0.0")), SWAP_WAIT_MS, "1.0.0 after the crash");

    await askForUpdateMode(b, banner("1.0.0"));
    const host = b.flasher();
    const info = await host.info();
    expect(info.appVersionText).toBe("1.0.0");
    expect(info.slots).toMatchObject({ trial: "none", lastEvent: "reverted", lastReason: "not confirmed", secondaryVersion: "2.0.0" });
    await host.close();
  }, LONG);

  it("a trial image that hangs is reset by the trial watchdog and reverted", async () => {
    const b = await start({ uartTrigger: true });
    const flasher = b.flasher();
    await flasher.flash(fs.readFileSync(artifacts.newApp.tsb), { boot: true });
    await flasher.close();
    await b.waitForText(banner("2.0.0"));
    // The application hangs (the CPU stops); virtual time goes on. The bootloader armed the IWDG for the trial
    // (trialWatchdogMs): nothing refreshes it, so it resets the machine, and the next boot reverts.
    const mark = await b.hangUntilWatchdogReset(TRIAL_WATCHDOG_S);
    await b.waitFor((t) => t.slice(mark).includes(banner("1.0.0")), SWAP_WAIT_MS, "1.0.0 after the watchdog reset");

    await askForUpdateMode(b, banner("1.0.0"));
    const host = b.flasher();
    const info = await host.info();
    expect(info.slots).toMatchObject({ lastEvent: "reverted", lastReason: "not confirmed", secondaryVersion: "2.0.0" });
    await host.close();
  }, LONG);

  it("a power cut inside the swap (40% into the erase of the primary slot): the next power-on finishes the swap and starts the new image on trial; a power cycle without a confirm reverts it", async () => {
    const first = await start({ uartTrigger: true });
    // The download alone: the flasher stops where it would send INSTALL.
    const flasher = first.flasher();
    const stop = new Error("stop before INSTALL");
    const downloaded = await flasher
      .flash(fs.readFileSync(artifacts.newApp.tsb), {
        onProgress: (e) => {
          if (e.phase === "install") throw stop;
        },
      })
      .catch((e: unknown) => e);
    expect(downloaded).toBe(stop);
    expect((await flasher.info()).slots).toMatchObject({ secondary: "pending", secondaryVersion: "2.0.0" });
    await flasher.close();

    // INSTALL (trial): the scratch is blank (no erase), step 2 erases the secondary (erase 1), step 3 the
    // primary (erase 2). The power fails 40% into that one: the running image's slot is half erased.
    await first.flashInterface('CutPowerDuring "erase" 2 40 3');
    const raw = first.rawSession();
    raw.sendOnly(Command.Install, Uint8Array.of(0));
    await first.waitForLogEntry("Power cut 40 ?% through erase of sector 5", 5);
    expect(await first.flashInterface("PowerCut")).toBe("True");
    await raw.close();

    // Power on: the log says step 3 of area 0 was not done; the bootloader redoes it from the scratch, and the
    // new image starts on trial.
    const second = await powerCycle(first);
    await second.waitForText(banner("2.0.0"), SWAP_WAIT_MS);
    expect(second.text).not.toContain(banner("1.0.0"));

    // No confirm, and the power fails again: the next power-on reverts.
    const third = await powerCycle(second);
    await third.waitForText(banner("1.0.0"), SWAP_WAIT_MS);
    await askForUpdateMode(third, banner("1.0.0"));
    const host = third.flasher();
    const info = await host.info();
    expect(info.slots).toMatchObject({ trial: "none", lastEvent: "reverted", lastReason: "not confirmed", swapInProgress: false, secondaryVersion: "2.0.0" });
    await host.close();
  }, LONG);
});
