/**
 * The Renode scenarios of the single-slot boards, driven through the execa harness (harness.ts) and the
 * tsboot flasher library over the emulated UART: the same scenarios as renode/suites/*.robot. The test
 * files register them for their boards (bootloader-on-renode.test.ts: nucleo-f411re, every scenario;
 * boards-on-renode.test.ts: the other boards, their wiring), so that vitest runs the two files side by side.
 */import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { FlasherError } from "../../host/flasher/index";
import { Command, encodeFrame } from "../../host/frames";
import { loadBoard } from "../../boards/index";
import { buildRenodeArtifacts, probeAppOf, RENODE_DMA_RECEPTION, type RenodeArtifacts } from "../../renode/build-artifacts";
import { BOOT_BANNER, findRenode, LISTEN_WINDOW_ENTRY_S, RenodeBoard, RenodeProcess, type BoardOptions } from "./harness";
import { beginPayload } from "./raw-update";
import { PtyBridge, stm32flash, stm32flashMissing } from "./stm32flash";

const renode = await findRenode();
const toolchain = (await execa("sh", ["-c", "command -v arm-none-eabi-gcc"], { reject: false })).exitCode === 0;
const missing = renode.reason ?? (toolchain ? null : "arm-none-eabi-gcc not found (bash scripts/setup.sh installs it)");
const noStm32flash = missing ?? (await stm32flashMissing());

/**
 * Every scenario runs on FULL_SET_BOARD; the other boards run the ones that touch their own wiring (boot, the
 * UART trigger and an update), since the robot suites run the wiring scenarios on every board. The bootloader
 * core is the same on all of them: only board data and the family's port differ. TSBOOT_RENODE_FULL=1 runs
 * every scenario on every STM32F4 board (the rest drive F4 registers: the probe application, nWRP, WDG_SW,
 * USART2's DMA).
 */
export const FULL_SET_BOARD = "nucleo-f411re";
const fullSet = (board: string) =>
  board === FULL_SET_BOARD || (process.env.TSBOOT_RENODE_FULL === "1" && loadBoard(board).family === "stm32f4");

/** `boards` less those TSBOOT_RENODE_BOARDS=nucleo-f411re,… leaves out (when set). */
export function requestedBoards(boards: readonly string[]): string[] {
  const requested = process.env.TSBOOT_RENODE_BOARDS?.split(",").map((b) => b.trim()).filter(Boolean);
  return boards.filter((b) => !requested || requested.includes(b));
}

/** The reset period of an IWDG that the option bytes start: prescaler /4, reload 0xFFF at 32 kHz. */
const IWDG_RESET_PERIOD_S = (4 * 4096) / 32_000;
/** The longest period (prescaler /256, reload 0xFFF at 32 kHz), which the bootloader gives a running IWDG. */
const IWDG_LONGEST_PERIOD_S = (256 * 4096) / 32_000;

/** The exception an undefined instruction raises in Renode 1.16.1 (silicon: "hard fault", escalated). */
const RENODE_UDF_FAULT = "usage fault";

/** An arbitrary RAM address far from the bootloader's data and stack, for an instruction poked there. */
const SCRATCH_RAM = 0x20010000;

/** USART2_CR3 and its DMAR bit (RM0090 30.6.6); DMA1 stream 5's configuration register (10.5.5). */
const USART2_CR3 = 0x40004414;
const USART_CR3_DMAR = 1 << 6;
const DMA1_S5CR = 0x40026000 + 0x10 + 0x18 * 5;

/** Scenarios that run several updates get more than vitest's default 120 s (real time, loaded machine). */
const LONG = 900_000;

/** Registers the scenarios on each of `boards` (a describe block per board). */
export function boardScenarios(boards: readonly string[]): void {
  if (boards.length === 0) {
    // A file with no test fails in vitest: say why this one has none.
    it.skip("(skipped: TSBOOT_RENODE_BOARDS names none of this file's boards)", () => {});
    return;
  }
describe.skipIf(missing !== null).each(boards)(`bootloader on Renode %s${missing ? ` (skipped: ${missing})` : ""}`, (boardName) => {
  let artifacts: RenodeArtifacts;
  let dir = "";
  let board: RenodeBoard | null = null;
  /**
   * A scenario of the full set: registered on FULL_SET_BOARD (every board with TSBOOT_RENODE_FULL=1) and
   * not at all elsewhere, so the other boards list only what they run.
   */
  const itFull = fullSet(boardName) ? it : Object.assign(() => {}, { skipIf: () => () => {} });
  const banner = (version: string) => `demo-app ${version} on ${boardName}`;
  const probeBanner = `probe-app 1.0.0 on ${boardName}`;

  const start = async (options: Partial<BoardOptions> = {}) => {
    board = await RenodeBoard.start({ renode: renode.path!, artifacts, workDir: dir, reuseRenode: true, ...options });
    return board;
  };
  /** The board after a power cycle (this test file's `board` follows it, for afterEach to stop). */
  const powerCycle = async (b: RenodeBoard, options: Parameters<RenodeBoard["powerCycle"]>[0] = {}) => {
    board = await b.powerCycle(options);
    return board;
  };
  const newImage = () => fs.readFileSync(artifacts.newApp.tsb);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `tsboot-renode-${boardName}-`));
    artifacts = await buildRenodeArtifacts(boardName, dir);
  }, 300_000);

  afterEach(async () => {
    await board?.stop();
    board = null;
  });

  afterAll(async () => {
    await RenodeProcess.closeShared();
  });

  it("boots the preloaded application: its banner is the first thing on the line", async () => {
    const b = await start();
    await b.waitForText(banner("1.0.0"));
    // Nothing from the bootloader during its listen window: the application's banner is the first line.
    expect(b.text.startsWith(banner("1.0.0"))).toBe(true);
    expect(b.text).not.toContain(BOOT_BANNER);
  });

  it("a native INFO frame inside the 100 ms window holds it in the bootloader; an update starts the new application", async () => {
    const b = await start({ uartTrigger: true });
    // The window opened a session: it answered the queued INFO and prints nothing; INFO below shows it held.
    const flasher = b.flasher();
    const info = await flasher.info();
    expect(info.protocolVersion).toBe(2);
    expect(info.boardId).toBe(artifacts.boardId);
    expect(info.appStart).toBe(artifacts.appStart);
    expect(info.appValid).toBe(true);
    expect(info.appVersionText).toBe("1.0.0");
    expect(info.watchdog).toBe("off");
    expect(info.lastFault).toBeNull();
    if (RENODE_DMA_RECEPTION.has(loadBoard(boardName).family)) {
      // The bytes above came through DMA, as on silicon: USART2_CR3.DMAR set and DMA1 stream 5 enabled
      // (RM0090 30.6.6, 10.5.5; Renode's STM32DMA keeps neither CHSEL nor CIRC, so they read 0 here).
      expect((await b.readRegister(USART2_CR3)) & USART_CR3_DMAR, "USART2_CR3.DMAR").toBe(USART_CR3_DMAR);
      expect((await b.readRegister(DMA1_S5CR)) & 1, "DMA1_S5CR.EN").toBe(1);
    }
    const result = await flasher.flash(newImage(), { verify: true, boot: true });
    expect(result.bytes).toBe(artifacts.newApp.size);
    expect(result.verified).toBe(true);
    await b.waitForText(banner("2.0.0"));
    await flasher.close();
  }, LONG);

  itFull(`holding the user button at power-on (the trigger pin) holds it in the bootloader; the update survives a reset`, async () => {
    const b = await start({ holdButton: true });
    await b.waitForText("update: trigger pin\r\n");
    const announced = `${BOOT_BANNER}\r\nupdate: trigger pin\r\n`;
    expect(b.text.slice(0, announced.length)).toBe(announced);
    await b.expectSilence("demo-app", 0.2);
    await b.releaseButton();
    const flasher = b.flasher();
    await flasher.flash(newImage(), { boot: false });
    await flasher.close();
    const mark = b.text.length;
    await b.reset();
    await b.waitFor((t) => t.slice(mark).includes(banner("2.0.0")), undefined, "the new application after a reset");
  }, LONG);

  itFull(`the application's update request ('u') resets into the bootloader through the RAM flag`, async () => {
    const b = await start();
    await b.waitForText(banner("1.0.0"));
    b.send("u");
    await b.waitForText("update: requested by the application");
    const flasher = b.flasher();
    expect((await flasher.info()).appValid).toBe(true);
    await flasher.close();
  });

  itFull(`refuses a corrupted installed image; refuses an update damaged on the way (CRC mismatch at END); a good one recovers`, async () => {
    const b = await start({ app: "corrupt" });
    await b.waitForText("update: no valid application");
    await b.expectSilence("demo-app", 0.2);
    // The damaged .tsb goes to the device byte for byte: header intact, one payload bit flipped.
    const raw = b.rawSession();
    expect((await raw.info()).appValid).toBe(false);
    const outcome = await raw.update(fs.readFileSync(artifacts.corruptTsb));
    expect(outcome).toEqual({ stoppedAt: "END", status: "CRC mismatch", written: artifacts.newApp.size });
    expect((await raw.info()).appValid).toBe(false);
    await raw.close();
    const flasher = b.flasher();
    await expect(flasher.boot()).rejects.toThrow(/no valid application/);
    await flasher.flash(newImage(), { boot: true });
    await b.waitForText(banner("2.0.0"));
    await flasher.close();
  }, LONG);

  itFull(`the flasher refuses a damaged .tsb before BEGIN: the device keeps its application`, async () => {
    const b = await start({ uartTrigger: true });
    const flasher = b.flasher();
    const refused = await flasher.flash(fs.readFileSync(artifacts.corruptTsb), { boot: true }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FlasherError);
    expect((refused as FlasherError).message).toMatch(/CRC mismatch/);
    const info = await flasher.info();
    expect(info.appValid).toBe(true);
    expect(info.appVersionText).toBe("1.0.0");
    expect(Number(await b.flashInterface("ErasesStarted"))).toBe(0);
    await flasher.close();
  });

  /**
   * An update into a write-protected application sector (the option bytes' nWRP with sector 2 protected).
   * The same scenario on both flash controllers (stock versus model): silicon, and tsboot's model, refuse the
   * erase (WRPERR), and the driver must report it; Renode's own controller ignores nWRP and takes the update.
   */
  const updateIntoProtectedSector = async (platform?: string) => {
    const b = await start({ uartTrigger: true, platform, optionBytesWriteProtection: 0xfff & ~(1 << 2) });
    const flasher = b.flasher();
    const outcome = await flasher.flash(newImage(), { boot: false }).then(
      () => "accepted",
      (e: unknown) => (e instanceof FlasherError ? e.message : String(e)),
    );
    const info = await flasher.info();
    await flasher.close();
    return { b, outcome, info };
  };

  itFull(`an update into a write-protected application sector is refused with 'flash error', and flash is locked again`, async () => {
    const { b, outcome, info } = await updateIntoProtectedSector();
    expect(outcome).toMatch(/flash error/);
    expect(await b.flashInterface("ControlLocked")).toBe("True");
    // The device still answers; BEGIN had forgotten the old record, and sector 2 could not be erased.
    expect(info.appValid).toBe(false);
  }, LONG);

  itFull(`stock versus model: on Renode's own flash controller the same update is accepted (it ignores nWRP), so the scenario above fails there`, async () => {
    const { outcome, info } = await updateIntoProtectedSector(`${boardName}-stock-flash`);
    expect(outcome).toBe("accepted");
    expect(info.appValid).toBe(true);
    expect(info.appVersionText).toBe("2.0.0");
  }, LONG);

  itFull(`a power cut between flash operations in the middle of an update: the next power-on stays in the bootloader, and the update can be redone`, async () => {
    const first = await start({ uartTrigger: true });
    // One WRITE in flight at a time, and the host goes silent once the device has 1 KB of the 2.6 KB payload:
    // BEGIN has reset the status log, sector 2 is erased, part of the new payload is written, END never came.
    const flasher = first.flasher({ window: 1 });
    const cut = new Error("power cut");
    const outcome = await flasher
      .flash(newImage(), {
        onProgress: (e) => {
          if (e.phase === "write" && e.bytes >= 1024) throw cut;
        },
      })
      .catch((e: unknown) => e);
    expect(outcome).toBe(cut);
    await flasher.close();

    const second = await powerCycle(first);
    await second.waitForText("update: no valid application");
    await second.expectSilence("demo-app", 0.2);
    const again = second.flasher();
    expect((await again.info()).appValid).toBe(false);
    await again.flash(newImage(), { boot: true });
    await second.waitForText(banner("2.0.0"));
    await again.close();

    // And the finished update survives the next power cut: the fresh machine starts 2.0.0 by itself.
    const third = await powerCycle(second);
    await third.waitForText(banner("2.0.0"));
    expect(third.text).not.toContain("update:");
  }, LONG);

  // ------------------------------------------------------------------------------------------ issue 9

  itFull(`a noise byte in the listen window (0xA5, then 0x7F) does not hold the device: the application starts`, async () => {
    // 0xA5 alone: no 0x5A follows within 200 ms, so it was noise. Nothing is answered.
    const a5 = await start({ windowBytes: [0xa5] });
    await a5.waitForText(banner("1.0.0"));
    expect(a5.text.startsWith(banner("1.0.0"))).toBe(true);
    await a5.stop();
    board = null;
    // 0x7F: the AN3155 ROM protocol needs its ACK (0x79) before the host sends a command; no command follows
    // within 200 ms, so the device goes back to 8N1, says nothing more and starts the application.
    const x7f = await start({ windowBytes: [0x7f] });
    await x7f.waitForText(banner("1.0.0"));
    expect(x7f.text.startsWith(`\x79${banner("1.0.0")}`)).toBe(true);
    expect(x7f.text).not.toContain(BOOT_BANNER);
  }, LONG);

  itFull.skipIf(noStm32flash !== null)(
    `stm32flash through Renode's UART (socat pty) enters through the listen window of a device holding a valid application: write, verify, go${noStm32flash ? ` (skipped: ${noStm32flash})` : ""}`,
    async () => {
      // The machine is built and stopped at power-on; socat takes Renode's UART socket (its one client).
      const b = await start({ attachUart: false, startEmulation: false });
      const bridge = await PtyBridge.open(b.uartPort, dir);
      try {
        // Power-on as the client starts: 5 ms of virtual time brings the bootloader into its listen window
        // (nothing on the line to wait for or drain), then stm32flash sends 0x7F and the machine runs on.
        const t = performance.now();
        await b.runFor(LISTEN_WINDOW_ENTRY_S);
        const pace = LISTEN_WINDOW_ENTRY_S / ((performance.now() - t) / 1000);
        const run = stm32flash(bridge, ["-w", artifacts.newApp.bin, "-v", "-g", `0x${artifacts.appStart.toString(16)}`, "-S", `0x${artifacts.appStart.toString(16)}`], pace);
        // The machine runs on once stm32flash's 0x7F is on its way: the device, 5 ms into its window, gets it
        // first thing, whatever the tool's start-up cost in real time.
        await bridge.clientSent();
        await b.go();
        const result = await run;
        expect(result.output).toContain("Device ID    : 0x0431");
        expect(result.output).toMatch(/Wrote and verified address 0x[0-9a-f]+ \(100\.00%\) Done\./);
        expect(result.output).toContain("Starting execution at address 0x08008000... done.");
        expect(result.exitCode).toBe(0);
        // GO adopted the image this session erased, wrote and read back: the new application runs, and keeps
        // starting after a reset (the bootloader recorded it).
        await b.waitForLineOnUart(banner("2.0.0"), 1);
        await b.reset();
        await b.waitForLineOnUart(banner("2.0.0"), 1);
      } finally {
        await bridge.close();
      }
    },
    LONG,
  );

  itFull(`a watchdog left running by the option bytes (WDG_SW = 0): the bootloader serves it through an update; stopped, it is reset after the longest period`, async () => {
    const b = await start({ hardwareWatchdog: true, holdButton: true });
    // The slowest flash the datasheet allows (16 KB erase 500 ms, word program 100 us): each erase nearly a
    // whole reset period of the watchdog, the update (status log reset, sector erase, 670 word programs, the
    // waits for the host) more than two.
    await b.flashInterface("UseMaximumTimes true");
    await b.waitForText("update: trigger pin");
    const flasher = b.flasher();
    const info = await flasher.info();
    expect(info.watchdog).toBe("hardware");
    await flasher.flash(newImage(), { boot: false });
    expect((await flasher.info()).appVersionText).toBe("2.0.0");
    await flasher.close();
    // The watchdog never fired: the bootloader gave it the longest period and refreshed it in every wait.
    const served = await b.virtualSeconds();
    expect(served).toBeGreaterThan(2 * IWDG_RESET_PERIOD_S);
    expect(b.text.split(BOOT_BANNER).length - 1).toBe(1);
    await b.renode.keyword("ShouldNotBeInLog", "Watchdog reset triggered", "timeout=0");

    // The bootloader stops refreshing (the CPU hangs): the watchdog resets the machine one longest period later,
    // not before 90% of it and before 110%. (Virtual time passes quickly while the CPU is halted.) The
    // bootloader starts again and, with B1 released (Renode releases buttons at a reset) and 2.0.0 installed,
    // starts it after its listen window.
    const mark = await b.hangUntilWatchdogReset(IWDG_LONGEST_PERIOD_S);
    await b.waitFor((t) => t.slice(mark).startsWith(banner("2.0.0")), undefined, "the application after the watchdog reset");
  }, LONG);

  itFull(`without WDG_SW = 0 the bootloader never starts the watchdog itself: a hung CPU stays hung`, async () => {
    const b = await start({ holdButton: true });
    await b.waitForText("update: trigger pin");
    await b.renode.command("pause");
    await b.renode.command("cpu IsHalted true");
    await b.runFor(1.2 * IWDG_LONGEST_PERIOD_S);
    await b.renode.keyword("ShouldNotBeInLog", "Watchdog reset triggered", "timeout=0");
  }, LONG);

  itFull(`PROTECT write-protects the bootloader's sector (nWRP), INFO reports it, and an erase of sector 0 from the application is refused`, async () => {
    const b = await start({ app: "probe", uartTrigger: true });
    const raw = b.rawSession();
    expect((await raw.info()).bootloaderProtected).toBe(false);
    const protect = await raw.protect(true);
    expect(protect.statusName).toBe("ok");
    const info = await raw.info();
    expect(info.bootloaderProtected).toBe(true);
    expect(info.protectionFailed).toBe(false);
    // The option bytes themselves: nWRP bit 0 (sector 0, the bootloader's region) clear, the others set.
    expect(Number(await b.flashInterface("OptionBytesWriteProtection"))).toBe(0xffe);
    await raw.close();

    // A buggy application erases sector 0 through FLASH_CR: the flash controller refuses it (WRPERR).
    const flasher = b.flasher();
    await flasher.boot();
    await flasher.close();
    await b.waitForText(probeBanner);
    const erasesBefore = Number(await b.flashInterface("ErasesStarted"));
    b.send("e");
    await b.waitFor((t) => /erase sector 0: FLASH_SR=0x[0-9A-F]{8} (refused \(WRPERR\)|done)\r\n/.test(t), undefined, "the erase's outcome");
    expect(b.text).toMatch(/erase sector 0: FLASH_SR=0x00000010 refused \(WRPERR\)/);
    expect(Number(await b.flashInterface("ErasesStarted"))).toBe(erasesBefore);
    // The bootloader is intact: after a reset it starts the application again.
    const mark = b.text.length;
    await b.reset();
    await b.waitFor((t) => t.slice(mark).includes(probeBanner), undefined, "the application after a reset");
  }, LONG);

  itFull(`without PROTECT the same erase of sector 0 goes through: the scenario above tests the protection`, async () => {
    const b = await start({ app: "probe" });
    await b.waitForText(probeBanner);
    b.send("e");
    await b.waitFor((t) => /erase sector 0: FLASH_SR=0x[0-9A-F]{8} (refused \(WRPERR\)|done)\r\n/.test(t), undefined, "the erase's outcome");
    expect(b.text).toMatch(/erase sector 0: FLASH_SR=0x00000000 done/);
    expect(Number(await b.flashInterface("ErasesStarted"))).toBe(1);
  }, LONG);

  itFull(`power cuts inside flash operations (the record's CRC word at END, then an application sector's erase): the device stays updatable and never runs a half image`, async () => {
    const first = await start({ uartTrigger: true });
    const raw = first.rawSession();
    const upTo = await raw.updateUpToEnd(newImage());
    expect(upTo).toEqual({ stoppedAt: "done", status: "ok", written: artifacts.newApp.size });
    // END stores the image's record: one 96-byte status-log entry, 24 word programs, its CRC last. The power
    // fails half-way through programming that CRC word: the whole payload is in flash, its record torn.
    await first.flashInterface('CutPowerDuring "program" 24 50 11');
    raw.sendOnly(Command.End);
    await first.waitForLogEntry("Power cut 50 ?% through program of 4 bytes", 1);
    expect(await first.flashInterface("PowerCut")).toBe("True");
    await raw.close();

    // A torn record is no record: update mode, and the payload is not started.
    const second = await powerCycle(first);
    await second.waitForText("update: no valid application");
    await second.expectSilence("demo-app", 0.2);
    // The next update: the power fails 40% into the first erase after BEGIN. With no record to forget, that is
    // sector 2, the first unit of the application, which the device erases ahead of the first WRITE while the
    // line is idle; it holds the payload of the torn update: some cells erased, some old, some half-way.
    const raw2 = second.rawSession();
    expect((await raw2.info()).appValid).toBe(false);
    await second.flashInterface('CutPowerDuring "erase" 1 40 7');
    raw2.sendOnly(Command.Begin, beginPayload(newImage()));
    await second.waitForLogEntry("Power cut 40 ?% through erase of sector 2", 1);
    await raw2.close();

    // Still no valid record; a whole update then succeeds, and the new application starts.
    const third = await powerCycle(second);
    await third.waitForText("update: no valid application");
    const flasher = third.flasher();
    await flasher.flash(newImage(), { boot: true });
    await third.waitForText(banner("2.0.0"));
    await flasher.close();
  }, LONG);

  itFull(`faults are recorded and reported by the next boot's INFO: the application's hard fault, then the bootloader's own`, async () => {
    const b = await start({ app: "probe" });
    await b.waitForText(probeBanner);
    // The application executes UDF; its fault entry records the fault and resets. A native INFO frame inside
    // the next boot's listen window opens a session (Renode releases B1 at every reset, so the trigger pin
    // cannot hold that boot).
    b.send("f");
    await b.triggerNextWindow("probe-app: hard fault now");
    // Renode 1.16.1's NVIC takes a configurable fault even when SHCSR leaves it disabled (it stores the enable
    // bits only), so UDF is a UsageFault here; silicon escalates it to a HardFault (HFSR.FORCED). The record
    // keeps the exception the CPU took, and the PC of the faulting instruction either way.
    let raw = b.rawSession();
    expect((await raw.info()).lastFault).toEqual({ kind: RENODE_UDF_FAULT, detail: probeAppOf(artifacts).faultPc });
    await raw.close();

    // The bootloader itself faults: an undefined instruction (UDF) poked into RAM, and the CPU sent there. Its
    // fault entry records it and resets; the boot after reports it.
    const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;
    await b.renode.command("pause");
    await b.renode.command(`sysbus WriteWord ${hex(SCRATCH_RAM)} 0xDE00`);
    await b.renode.command(`cpu PC ${hex(SCRATCH_RAM)}`);
    await b.runFor(LISTEN_WINDOW_ENTRY_S);
    for (const byte of encodeFrame(Command.Info, 0)) await b.renode.keyword("SendKeyToUart", byte);
    await b.go();
    raw = b.rawSession();
    expect((await raw.info()).lastFault).toEqual({ kind: RENODE_UDF_FAULT, detail: SCRATCH_RAM });
    await raw.close();
  }, LONG);
});
}
