/**
 * The real ARM bootloader on Renode's STM32F4 models (renode/platforms/), driven through the execa harness
 * and the tsboot flasher library over the emulated USART2: the same scenarios as renode/suites/*.robot.
 *
 * Renode models what QEMU does not: the flash controller (unlock keys, sector erase) and RCC ready flags,
 * so updates really erase and program flash here. Where the model differs from silicon (docs/renode.md):
 * - Sector 4 is 16 KB and sector 5 is 64 KB in Renode 1.16.1's STM32F4_FlashController (RM0090: 64 KB and
 *   128 KB). The demo image (about 2.4 KB, checked below 32 KB by renode/build-artifacts.ts) lives in
 *   sectors 2-3, which the model sizes right; nothing here erases sector 4 or 5.
 * - PG/PSIZE/BSY and the FLASH_SR error flags are not modelled, and a store to flash can set bits; so no
 *   test here expects a flash error, and "programming a non-erased word fails" is covered by the register
 *   model tests (test/hal-stm32f4), not here.
 * - RCC raises every ready flag at once and the UART ignores its baud rate: timing is virtual.
 *
 * Without Renode (RENODE_PATH unset and no `renode` on PATH, as on this project's CI machines) every test
 * below is reported as skipped, with the reason in the suite's name.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { FlasherError } from "../../host/flasher/index";
import { buildRenodeArtifacts, RENODE_BOARDS, type RenodeArtifacts } from "../../renode/build-artifacts";
import { BOOT_BANNER, findRenode, RenodeBoard } from "./harness";

const renode = await findRenode();
const toolchain = (await execa("sh", ["-c", "command -v arm-none-eabi-gcc"], { reject: false })).exitCode === 0;
const missing = renode.reason ?? (toolchain ? null : "arm-none-eabi-gcc not found (bash scripts/setup.sh installs it)");

/** TSBOOT_RENODE_BOARDS=nucleo-f411re,… limits the boards (default: every board with a Renode platform). */
const boards = (process.env.TSBOOT_RENODE_BOARDS?.split(",").map((b) => b.trim()).filter(Boolean) ?? [...RENODE_BOARDS]) as string[];

describe.skipIf(missing !== null).each(boards)(`bootloader on Renode %s${missing ? ` (skipped: ${missing})` : ""}`, (boardName) => {
  let artifacts: RenodeArtifacts;
  let dir = "";
  let board: RenodeBoard | null = null;
  const banner = (version: string) => `demo-app ${version} on ${boardName}`;

  const start = async (options: Partial<Parameters<typeof RenodeBoard.start>[0]> = {}) => {
    board = await RenodeBoard.start({ renode: renode.path!, artifacts, workDir: dir, ...options });
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

  it("boots the preloaded application: its banner follows the bootloader's", async () => {
    const b = await start();
    await b.waitForText(banner("1.0.0"));
    expect(b.text.startsWith(`${BOOT_BANNER}\r\n`)).toBe(true);
    expect(b.text).not.toContain("update:");
  });

  it("a native INFO frame inside the 100 ms window holds it in the bootloader; an update starts the new application", async () => {
    const b = await start({ uartTrigger: true });
    await b.waitForText("update: uart");
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

  it("holding the user button at power-on (the trigger pin) holds it in the bootloader; the update survives a reset", async () => {
    const b = await start({ holdButton: true });
    await b.waitForText("update: trigger pin");
    expect(b.text).not.toContain("demo-app");
    await b.releaseButton();
    const flasher = b.flasher();
    await flasher.flash(fs.readFileSync(artifacts.newApp.tsb), { boot: false });
    await flasher.close();
    const mark = b.text.length;
    await b.reset();
    await b.waitFor((t) => t.slice(mark).includes(banner("2.0.0")), 20_000, "the new application after a reset");
  });

  it("the application's update request ('u') resets into the bootloader through the RAM flag", async () => {
    const b = await start();
    await b.waitForText(banner("1.0.0"));
    b.send("u");
    await b.waitForText("update: requested by the application");
    const flasher = b.flasher();
    expect((await flasher.info()).appValid).toBe(true);
    await flasher.close();
  });

  it("refuses a corrupted installed image and stays recoverable", async () => {
    const b = await start({ app: "corrupt" });
    await b.waitForText("update: no valid application");
    await new Promise((r) => setTimeout(r, 500));
    expect(b.text).not.toContain("demo-app");
    const flasher = b.flasher();
    expect((await flasher.info()).appValid).toBe(false);
    await expect(flasher.boot()).rejects.toThrow(/no valid application/);
    await flasher.flash(fs.readFileSync(artifacts.newApp.tsb), { boot: true });
    await b.waitForText(banner("2.0.0"));
    await flasher.close();
  });

  it("refuses an update whose payload was damaged (CRC mismatch at END), then takes a good one", async () => {
    const b = await start({ uartTrigger: true });
    await b.waitForText("update: uart");
    const flasher = b.flasher();
    const refused = await flasher.flash(fs.readFileSync(artifacts.corruptTsb), { boot: true }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FlasherError);
    expect((refused as FlasherError).message).toMatch(/CRC mismatch/);
    expect((await flasher.info()).appValid).toBe(false);
    await flasher.flash(fs.readFileSync(artifacts.newApp.tsb), { boot: true });
    await b.waitForText(banner("2.0.0"));
    await flasher.close();
  });

  it("a power cut in the middle of an update: the next power-on stays in the bootloader, and the update can be redone", async () => {
    const first = await start({ uartTrigger: true });
    await first.waitForText("update: uart");
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
    await new Promise((r) => setTimeout(r, 500));
    expect(second.text).not.toContain("demo-app");
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
