/**
 * The real ARM bootloader on Renode's STM32F4 models (renode/platforms/), driven through the execa harness
 * and the tsboot flasher library over the emulated USART2: the same scenarios as renode/suites/*.robot.
 *
 * Renode models what QEMU does not, and renode/peripherals/STM32F4_FlashController.cs (loaded by the
 * platforms in place of Renode's own flash controller) models the flash interface as RM0090 describes it:
 * the real sector map, PG/PSIZE, programming that only clears bits, BSY for the datasheet's time in virtual
 * time with the CPU stalled meanwhile, the error flags and the option bytes' write protection. Where the
 * rest of the model differs from silicon (docs/renode.md): RCC raises every ready flag at once and the UART
 * ignores its baud rate.
 *
 * Without Renode (RENODE_PATH unset and no `renode` on PATH, as on this project's CI machines) every test
 * below is reported as skipped, with the reason in the suite's name.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { FlasherError } from "../../host/flasher/index";
import { buildRenodeArtifacts, RENODE_BOARDS, type RenodeArtifacts } from "../../renode/build-artifacts";
import { BOOT_BANNER, findRenode, RenodeBoard, RenodeProcess } from "./harness";

const renode = await findRenode();
const toolchain = (await execa("sh", ["-c", "command -v arm-none-eabi-gcc"], { reject: false })).exitCode === 0;
const missing = renode.reason ?? (toolchain ? null : "arm-none-eabi-gcc not found (bash scripts/setup.sh installs it)");

/** TSBOOT_RENODE_BOARDS=nucleo-f411re,… limits the boards (default: every board with a Renode platform). */
const boards = (process.env.TSBOOT_RENODE_BOARDS?.split(",").map((b) => b.trim()).filter(Boolean) ?? [...RENODE_BOARDS]) as string[];
/**
 * Every scenario runs on the first board; the others run the two that touch their own wiring (boot, the UART
 * trigger and an update), since the robot suites run all scenarios on every board. TSBOOT_RENODE_FULL=1 runs
 * every scenario on every board (the full set takes about three times as long).
 */
const FULL_SET_BOARD = "nucleo-f411re";
const fullSet = (board: string) => board === FULL_SET_BOARD || process.env.TSBOOT_RENODE_FULL === "1";

describe.skipIf(missing !== null).each(boards)(`bootloader on Renode %s${missing ? ` (skipped: ${missing})` : ""}`, (boardName) => {
  let artifacts: RenodeArtifacts;
  let dir = "";
  let board: RenodeBoard | null = null;
  const banner = (version: string) => `demo-app ${version} on ${boardName}`;

  const start = async (options: Partial<Parameters<typeof RenodeBoard.start>[0]> = {}) => {
    board = await RenodeBoard.start({ renode: renode.path!, artifacts, workDir: dir, reuseRenode: true, ...options });
    return board;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `tsboot-renode-${boardName}-`));
    artifacts = await buildRenodeArtifacts(boardName, dir);
  }, 180_000);

  afterEach(async () => {
    await board?.stop();
    board = null;
  });

  afterAll(async () => {
    await RenodeProcess.closeShared();
  });

  it("boots the preloaded application: its banner follows the bootloader's", async () => {
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
    expect(info.boardId).toBe(artifacts.boardId);
    expect(info.appStart).toBe(artifacts.appStart);
    expect(info.appValid).toBe(true);
    expect(info.appVersionText).toBe("1.0.0");
    const result = await flasher.flash(fs.readFileSync(artifacts.newApp.tsb), { verify: true, boot: true });
    expect(result.bytes).toBe(artifacts.newApp.size);
    expect(result.verified).toBe(true);
    await b.waitForText(banner("2.0.0"));
    await flasher.close();
  });

  it.skipIf(!fullSet(boardName))("holding the user button at power-on (the trigger pin) holds it in the bootloader; the update survives a reset", async () => {
    const b = await start({ holdButton: true });
    await b.waitForText("update: trigger pin");
    await b.expectSilence("demo-app", 0.3);
    await b.releaseButton();
    const flasher = b.flasher();
    await flasher.flash(fs.readFileSync(artifacts.newApp.tsb), { boot: false });
    await flasher.close();
    const mark = b.text.length;
    await b.reset();
    await b.waitFor((t) => t.slice(mark).includes(banner("2.0.0")), 20_000, "the new application after a reset");
  });

  it.skipIf(!fullSet(boardName))("the application's update request ('u') resets into the bootloader through the RAM flag", async () => {
    const b = await start();
    await b.waitForText(banner("1.0.0"));
    b.send("u");
    await b.waitForText("update: requested by the application");
    const flasher = b.flasher();
    expect((await flasher.info()).appValid).toBe(true);
    await flasher.close();
  });

  it.skipIf(!fullSet(boardName))("refuses a corrupted installed image and stays recoverable", async () => {
    const b = await start({ app: "corrupt" });
    await b.waitForText("update: no valid application");
    await b.expectSilence("demo-app", 0.3);
    const flasher = b.flasher();
    expect((await flasher.info()).appValid).toBe(false);
    await expect(flasher.boot()).rejects.toThrow(/no valid application/);
    await flasher.flash(fs.readFileSync(artifacts.newApp.tsb), { boot: true });
    await b.waitForText(banner("2.0.0"));
    await flasher.close();
  });

  it.skipIf(!fullSet(boardName))("the device refuses an update whose payload was damaged on the way (CRC mismatch at END), then takes a good one", async () => {
    const b = await start({ uartTrigger: true });
    // The window opened a session: it answered the queued INFO and prints nothing; INFO below shows it held.
    // The damaged .tsb goes to the device byte for byte: header intact, one payload bit flipped.
    const raw = b.rawSession();
    const outcome = await raw.update(fs.readFileSync(artifacts.corruptTsb));
    expect(outcome).toEqual({ stoppedAt: "END", status: "CRC mismatch", written: artifacts.newApp.size });
    // BEGIN erased the old application's header: nothing valid is left to start, and the device stays here.
    expect((await raw.info()).appValid).toBe(false);
    await raw.close();
    const flasher = b.flasher();
    await flasher.flash(fs.readFileSync(artifacts.newApp.tsb), { boot: true });
    await b.waitForText(banner("2.0.0"));
    await flasher.close();
  });

  it.skipIf(!fullSet(boardName))("the flasher refuses a damaged .tsb before BEGIN: the device keeps its application", async () => {
    const b = await start({ uartTrigger: true });
    // The window opened a session: it answered the queued INFO and prints nothing; INFO below shows it held.
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

  it.skipIf(!fullSet(boardName))("an update into a write-protected application sector is refused with 'flash error', and flash is locked again", async () => {
    // The option bytes' nWRP with sector 2 (the first application sector) protected. Renode's stock flash
    // controller ignores nWRP and would accept this update; silicon (and the model) refuses the erase.
    const b = await start({ uartTrigger: true, optionBytesWriteProtection: 0xfff & ~(1 << 2) });
    // The window opened a session: it answered the queued INFO and prints nothing; INFO below shows it held.
    const flasher = b.flasher();
    const refused = await flasher.flash(fs.readFileSync(artifacts.newApp.tsb), { boot: true }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FlasherError);
    expect((refused as FlasherError).message).toMatch(/flash error/);
    expect(await b.flashInterface("ControlLocked")).toBe("True");
    // The device still answers, and nothing in sector 2 changed: the old payload is still there, its header gone.
    expect((await flasher.info()).appValid).toBe(false);
    await flasher.close();
  });

  it.skipIf(!fullSet(boardName))("a power cut in the middle of an update: the next power-on stays in the bootloader, and the update can be redone", async () => {
    const first = await start({ uartTrigger: true });
    // One WRITE in flight at a time, and the host goes silent once the device has 1 KB of the 2.4 KB payload:
    // BEGIN has erased the header and the application sectors, part of the new payload is written, END never came.
    const flasher = first.flasher({ window: 1 });
    const cut = new Error("power cut");
    const outcome = await flasher
      .flash(fs.readFileSync(artifacts.newApp.tsb), {
        onProgress: (e) => {
          if (e.phase === "write" && e.bytes >= 1024) throw cut;
        },
      })
      .catch((e: unknown) => e);
    expect(outcome).toBe(cut);
    await flasher.close();

    const second = await first.powerCycle();
    board = second;
    await second.waitForText("update: no valid application");
    await second.expectSilence("demo-app", 0.3);
    const again = second.flasher();
    expect((await again.info()).appValid).toBe(false);
    await again.flash(fs.readFileSync(artifacts.newApp.tsb), { boot: true });
    await second.waitForText(banner("2.0.0"));
    await again.close();

    // And the finished update survives the next power cut: the fresh machine starts 2.0.0 by itself.
    const third = await second.powerCycle();
    board = third;
    await third.waitForText(banner("2.0.0"));
    expect(third.text).not.toContain("update:");
  });
});
