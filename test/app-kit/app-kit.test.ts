/**
 * The application kit (`tsboot app-kit`): its files, compiled with arm-none-eabi-gcc by its own Makefile
 * for every core, and an application built from it packaged, flashed and started by the bootloader in the
 * host simulation, and packaged, loaded and started by the real ARM bootloader on QEMU.
 */
import { execa, execaSync } from "execa";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { loadBoard } from "../../boards/index";
import { buildBootloader } from "../../host/build/bootloader-build";
import { appKitCommand } from "../../host/build/app-kit-cli";
import { Flasher } from "../../host/flasher/index";
import { startLive } from "../../host/sim/run";
import { QemuBoard } from "../qemu/qemu-harness";
import { logWithPrimary } from "../../host/image/status-log";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const TSBOOT = path.join(ROOT, "bin/tsboot.mjs");
const have = (cmd: string) => execaSync("sh", ["-c", `command -v ${cmd}`], { reject: false }).exitCode === 0;
const armMissing = ["arm-none-eabi-gcc", "make"].filter((c) => !have(c));
const armReason = armMissing.length ? ` (skipped: ${armMissing.join(", ")} not found; bash scripts/setup.sh installs them)` : "";
let work: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-app-kit-"));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function tsboot(args: string[], cwd = ROOT) {
  return execa(process.execPath, [TSBOOT, ...args], { cwd, reject: false, all: true });
}

/** The kit for a board in a fresh folder, built with its own Makefile (optionally with another main.c). */
async function kitApp(board: string, main?: string): Promise<{ dir: string; elf: string; bin: Buffer }> {
  const dir = fs.mkdtempSync(path.join(work, `${board}-`));
  const r = await tsboot(["app-kit", "--board", board, "-o", dir]);
  expect(r.exitCode, r.all).toBe(0);
  if (main) fs.writeFileSync(path.join(dir, "main.c"), main);
  const make = await execa("make", ["-C", dir], { reject: false, all: true });
  expect(make.exitCode, make.all).toBe(0);
  return { dir, elf: path.join(dir, "app.elf"), bin: fs.readFileSync(path.join(dir, "app.bin")) };
}

describe("tsboot app-kit", () => {
  test("writes the linker script, startup, tsboot_app.h with this board's addresses, a Makefile and a README", async () => {
    const dir = path.join(work, "f411");
    const r = await tsboot(["app-kit", "--board", "nucleo-f411re", "-o", dir]);
    expect(r.exitCode, r.all).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(["Makefile", "README.md", "app.ld", "main.c", "startup.c", "tsboot_app.h", "tsboot_board.h"]);
    const h = fs.readFileSync(path.join(dir, "tsboot_app.h"), "utf8");
    expect(h).toContain("#define TSBOOT_UPDATE_FLAG_ADDR 0x2001FFC0u");
    expect(h).toContain("#define TSBOOT_FAULT_RECORD_ADDR 0x2001FFE0u");
    expect(h).toContain("#define TSBOOT_CONFIRM_ADDRESS_ADDR 0x2001FFD0u");
    expect(h).toContain("#define TSBOOT_RESET_CAUSE_ADDR 0x2001FFC4u /* the cause bits, then their complement */");
    expect(h).toContain("#define TSBOOT_VECT_TAB_OFFSET 0x00008000u");
    expect(h).toContain("static inline bool tsboot_confirm(void)");
    expect(h).toContain("flash[4] = (2u << 8) | 1u; /* PSIZE x32, PG */"); // the F4's programming sequence
    expect(h).not.toContain("tsboot_use_vector_table_in_sram"); // VTOR exists on the F4
    expect(fs.readFileSync(path.join(dir, "app.ld"), "utf8")).toContain("FLASH (rx) : ORIGIN = 0x08008000, LENGTH = 0x00078000");
    expect(fs.readFileSync(path.join(dir, "README.md"), "utf8")).toContain("`#define VECT_TAB_OFFSET 0x00008000U`");
  });

  test.each([
    [[], "needs --board"],
    [["--board", "nucleo-f411re"], "needs -o <dir>"],
    [["--board", "nucleo-f999", "-o", "x"], "unknown board 'nucleo-f999'; known boards: netduinoplus2,"],
    [["--board", "nucleo-f411re", "-o", "x", "--fast"], "unknown option '--fast'"],
  ])("refuses %j: %s", async (args, message) => {
    let stderr = "";
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      expect(await appKitCommand(args as string[])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(stderr).toContain(`tsboot app-kit: ${message}`);
  });

  test.skipIf(armMissing.length > 0)(`its Makefile builds an application for every core${armReason}`, async () => {
    for (const board of ["nucleo-f072rb", "nucleo-l476rg", "nucleo-h743zi2"]) {
      const b = loadBoard(board);
      const { dir, bin } = await kitApp(board);
      expect(bin.readUInt32LE(0), board).toBe(b.ram.base + b.ram.size - 64); // the stack below the no-init words
      expect(bin.readUInt32LE(4) & 1, board).toBe(1); // a Thumb reset vector
      expect((bin.readUInt32LE(4) & ~1) >>> 0).toBeGreaterThan(b.memoryMap.application.start);
      if (b.family === "stm32f0") {
        expect(fs.readFileSync(path.join(dir, "tsboot_app.h"), "utf8")).toContain("static inline void tsboot_use_vector_table_in_sram(const uint32_t *table)");
        expect(fs.readFileSync(path.join(dir, "app.ld"), "utf8")).toContain("RAM (rwx) : ORIGIN = 0x200000C0");
      }
    }
  }, 120_000);

  test.skipIf(armMissing.length > 0)(`an application from the kit is packaged, flashed and started by the bootloader (host simulation)${armReason}`, async () => {
    const { elf, bin } = await kitApp("nucleo-f411re");
    const tsb = path.join(work, "kit-app.tsb");
    const image = await tsboot(["image", elf, "--board", "nucleo-f411re", "--version", "1.0.0", "-o", tsb]);
    expect(image.exitCode, image.all).toBe(0);
    const sim = await startLive({ board: "nucleo-f411re" });
    try {
      const flasher = await Flasher.open(`tcp://127.0.0.1:${sim.port}`);
      try {
        const result = await flasher.flash(new Uint8Array(fs.readFileSync(tsb)), { boot: true });
        expect(result.booted).toBe(true);
      } finally {
        await flasher.close();
      }
      const started = await sim.waitForLine(/application started sp=0x[0-9a-f]+ pc=0x[0-9a-f]+/, 10_000);
      const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;
      expect(started).toContain(`sp=${hex(bin.readUInt32LE(0))} pc=${hex(bin.readUInt32LE(4))} vtor=0x08008000`);
    } finally {
      await sim.close();
    }
  }, 180_000);
});

const qemuMissing = [...armMissing, ...(have("qemu-system-arm") ? [] : ["qemu-system-arm"])];

/** An application for QEMU's netduinoplus2: says it runs on USART1 (QEMU needs no clock set-up). */
const QEMU_MAIN = `#include "tsboot_app.h"
#include "tsboot_board.h"
#define USART_SR (*(volatile uint32_t *)(BOARD_UART_BASE + 0x00u))
#define USART_DR (*(volatile uint32_t *)(BOARD_UART_BASE + 0x04u))
#define USART_CR1 (*(volatile uint32_t *)(BOARD_UART_BASE + 0x0Cu))
static void put(const char *s) {
  while (*s != 0) {
    while ((USART_SR & 0x80u) == 0u) {
    }
    USART_DR = (uint32_t)*s++;
  }
}
int main(void) {
  USART_CR1 = 0x2008u; /* UE | TE */
  put(tsboot_confirm() ? "kit-app confirmed\\r\\n" : "kit-app running\\r\\n"); /* not on trial: nothing to confirm */
  for (;;) {
  }
}
`;

describe.skipIf(qemuMissing.length > 0)(`an application from the kit on QEMU netduinoplus2${qemuMissing.length ? ` (skipped: ${qemuMissing.join(", ")} not found)` : ""}`, () => {
  test("the real ARM bootloader checks it and starts it", async () => {
    const board = loadBoard("netduinoplus2");
    const kernel = (await buildBootloader({ board, outDir: path.join(work, "qemu-bootloader"), emulator: true })).elf;
    const { elf } = await kitApp("netduinoplus2", QEMU_MAIN);
    const tsb = path.join(work, "qemu-app.tsb");
    const image = await tsboot(["image", elf, "--board", "netduinoplus2", "--version", "2.0.0", "-o", tsb]);
    expect(image.exitCode, image.all).toBe(0);
    // QEMU has no flash controller: the image goes in as the bootloader would have written it (the payload,
    // and the status log recording it in the config region).
    const bytes = fs.readFileSync(tsb);
    fs.writeFileSync(path.join(work, "qemu-header.bin"), logWithPrimary(bytes.subarray(0, 64)));
    fs.writeFileSync(path.join(work, "qemu-payload.bin"), bytes.subarray(64));
    const qemu = await QemuBoard.start(kernel, [
      { file: path.join(work, "qemu-payload.bin"), address: board.memoryMap.application.start },
      { file: path.join(work, "qemu-header.bin"), address: board.memoryMap.config!.start },
    ]);
    try {
      await qemu.waitForText("kit-app running\r\n", 10_000);
    } finally {
      await qemu.stop();
    }
  }, 180_000);
});
