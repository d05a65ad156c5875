/**
 * Board data (boards/*.json via boards/index.ts), the generated linker scripts and startup code.
 * Link checks need arm-none-eabi-gcc; the boot check needs qemu-system-arm too. Each skips with its reason.
 */
import { execa, execaSync } from "execa";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import {
  BoardError,
  DEFAULT_BOARD,
  listBoards,
  loadBoard,
  parseBoard,
  pllReachable,
  sectorsOf,
  type Board,
} from "../../boards/index";
import { faultRecordAddress, generateLinkerScript, updateFlagAddress, vectorTableAlignment, vectorTableEntries, type ImageRole } from "../../boards/linker";
import { boardAccessors, boardHeader } from "../../boards/board-c";
import { generateStartup } from "../../boards/startup";
import { portHeaderDir } from "../../compiler/build-cache";
import { coreDirBeside, driverSources } from "../support/register-model";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The F4 drivers with the Cortex-M core's (hal-bindings/cortex-m), and the folders their headers need. */
const F4_DRIVER_DIR = path.join(ROOT, "hal-bindings/stm32f4");
const F4_DRIVER_INCLUDES = [path.join(ROOT, "hal-bindings/include"), coreDirBeside(F4_DRIVER_DIR), F4_DRIVER_DIR].map((d) => `-I${d}`);
/** The STM32F4 boards (the other families' board data is tested in test/boards/). */
/** The single-slot F4 boards (nucleo-f411re-ab, the two-slot map, is checked in test/boards and test/bootloader/slots). */
const BOARD_NAMES = ["netduinoplus2", "nucleo-f401re", "nucleo-f411re", "stm32f4-discovery"];
const KB = 1024;

function onPath(cmd: string): boolean {
  return execaSync("sh", ["-c", `command -v ${cmd}`], { reject: false }).exitCode === 0;
}
const HAVE_ARM_GCC = onPath("arm-none-eabi-gcc");
const HAVE_QEMU = onPath("qemu-system-arm");

function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tsboot-boards-${tag}-`));
}

/** A fresh, mutable copy of a board's raw JSON. */
function rawBoard(name: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "boards", `${name}.json`), "utf8"));
}

function expectBoardError(raw: unknown, message: string | RegExp): void {
  let thrown: unknown;
  try {
    parseBoard(raw, "test");
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(BoardError);
  expect((thrown as Error).message).toMatch(message);
}

describe("board files", () => {
  test("the five F4 boards are there and every one loads", () => {
    expect(listBoards().filter((n) => loadBoard(n).family === "stm32f4")).toEqual([...BOARD_NAMES, "nucleo-f411re-ab"].sort());
    for (const name of BOARD_NAMES) {
      const b = loadBoard(name);
      expect(b.name).toBe(name);
      expect(b.family).toBe("stm32f4");
      expect(b.cpu).toBe("cortex-m4");
      expect(b.fpu).toBe("fpv4-sp-d16");
    }
  });

  test("the default board is nucleo-f411re", () => {
    expect(DEFAULT_BOARD).toBe("nucleo-f411re");
    expect(loadBoard().name).toBe("nucleo-f411re");
    expect(loadBoard().part).toBe("STM32F411RE");
  });

  test("parts, flash and RAM sizes", () => {
    const expected: Record<string, [string, number, number, number]> = {
      "nucleo-f411re": ["STM32F411RE", 512, 128, 0],
      "nucleo-f401re": ["STM32F401RE", 512, 96, 0],
      "stm32f4-discovery": ["STM32F407VG", 1024, 128, 64],
      netduinoplus2: ["STM32F405RG", 1024, 128, 64],
    };
    for (const [name, [part, flashKb, ramKb, ccmKb]] of Object.entries(expected)) {
      const b = loadBoard(name);
      expect(b.part).toBe(part);
      expect(b.flash).toEqual({ base: 0x08000000, size: flashKb * KB });
      expect(b.ram).toEqual({ base: 0x20000000, size: ramKb * KB });
      expect(b.ccm).toEqual(ccmKb ? { base: 0x10000000, size: ccmKb * KB } : null);
    }
  });

  test("sector tables follow RM0090: 4 x 16 KB, 1 x 64 KB, then 128 KB, summing to the flash size", () => {
    for (const name of BOARD_NAMES) {
      const b = loadBoard(name);
      const sizes = b.sectors.map((s) => s.size / KB);
      const n128 = (b.flash.size / KB - 128) / 128;
      expect(sizes).toEqual([16, 16, 16, 16, 64, ...Array(n128).fill(128)]);
      expect(b.sectors.length).toBe(b.flash.size === 512 * KB ? 8 : 12);
      expect(sizes.reduce((a, s) => a + s, 0) * KB).toBe(b.flash.size);
      b.sectors.forEach((s, i) => expect(s.index).toBe(i));
    }
    // Absolute starts, written out from RM0090 table 5.
    const starts = [0x08000000, 0x08004000, 0x08008000, 0x0800c000, 0x08010000, 0x08020000, 0x08040000, 0x08060000,
      0x08080000, 0x080a0000, 0x080c0000, 0x080e0000];
    expect(loadBoard("stm32f4-discovery").sectors.map((s) => s.start)).toEqual(starts);
    expect(loadBoard("nucleo-f411re").sectors.map((s) => s.start)).toEqual(starts.slice(0, 8));
  });

  test("memory map: bootloader in sector 0, config record in sector 1, application from 0x08008000 to the end", () => {
    for (const name of BOARD_NAMES) {
      const b = loadBoard(name);
      expect(b.memoryMap.bootloader).toEqual({ start: 0x08000000, size: 0x4000 });
      expect(sectorsOf(b, b.memoryMap.bootloader).map((s) => s.index)).toEqual([0]);
      expect(b.memoryMap.config).toEqual({ start: 0x08004000, size: 0x4000 });
      expect(sectorsOf(b, b.memoryMap.config!).map((s) => s.index)).toEqual([1]);
      expect(b.memoryMap.application.start).toBe(0x08008000);
      expect(b.memoryMap.application.start + b.memoryMap.application.size).toBe(b.flash.base + b.flash.size);
      expect(sectorsOf(b, b.memoryMap.application)[0].index).toBe(2);
    }
  });

  test("UART, trigger and clock choices", () => {
    const nucleo = loadBoard("nucleo-f411re");
    expect(nucleo.uart).toEqual({
      instance: "USART2", base: 0x40004400, bus: "apb1", baud: 115200, maxBaud: 2_000_000,
      tx: { port: "A", pin: 2, af: 7 }, rx: { port: "A", pin: 3, af: 7 },
    });
    expect(nucleo.trigger).toEqual({ port: "C", pin: 13, activeLevel: "low", pull: "none" });
    expect(nucleo.clock).toEqual({ source: "hse-bypass", hseHz: 8_000_000, sysclkHz: 100_000_000 });
    expect(loadBoard("nucleo-f401re").clock.sysclkHz).toBe(84_000_000);
    const disco = loadBoard("stm32f4-discovery");
    expect(disco.trigger).toEqual({ port: "A", pin: 0, activeLevel: "high", pull: "none" });
    expect(disco.clock).toEqual({ source: "hse", hseHz: 8_000_000, sysclkHz: 168_000_000 });
    const qemu = loadBoard("netduinoplus2");
    expect(qemu.uart.instance).toBe("USART1"); // QEMU's first -serial
    expect(qemu.uart.base).toBe(0x40011000);
    expect(qemu.uart.bus).toBe("apb2");
    expect(qemu.emulator).toEqual({ machine: "netduinoplus2", cpuClockHz: 168_000_000, serial0: "USART1", uartRxDma: false });
    for (const name of BOARD_NAMES) {
      const b = loadBoard(name);
      expect(b.uart.baud).toBe(115200);
      expect(pllReachable(b.clock.hseHz || 16_000_000, b.clock.sysclkHz)).toBe(true);
    }
  });

  test("board ids are distinct u32s carrying the part's DEV_ID", () => {
    const ids = BOARD_NAMES.map((n) => loadBoard(n).boardId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([0x04130002, 0x04330001, 0x04310001, 0x04130001]);
  });

  test("vector tables: 82 (F405/407), 85 (F401), 86 (F411) IRQs, with the USARTs where RM0090 puts them", () => {
    const count = (n: string) => loadBoard(n).partInfo.irqs.length;
    expect(count("stm32f4-discovery")).toBe(82);
    expect(count("netduinoplus2")).toBe(82);
    expect(count("nucleo-f401re")).toBe(85);
    expect(count("nucleo-f411re")).toBe(86);
    for (const name of BOARD_NAMES) {
      const irqs = loadBoard(name).partInfo.irqs;
      expect(irqs[0]).toBe("WWDG");
      expect(irqs[23]).toBe("EXTI9_5");
      expect(irqs[37]).toBe("USART1");
      expect(irqs[38]).toBe("USART2");
      expect(irqs[40]).toBe("EXTI15_10");
      expect(irqs[71]).toBe("USART6");
      expect(irqs[81]).toBe("FPU");
    }
    expect(loadBoard("stm32f4-discovery").partInfo.irqs[61]).toBe("ETH");
    expect(loadBoard("nucleo-f401re").partInfo.irqs[84]).toBe("SPI4");
    expect(loadBoard("nucleo-f411re").partInfo.irqs[85]).toBe("SPI5");
    expect(loadBoard("nucleo-f411re").partInfo.irqs[39]).toBeNull(); // no USART3 on F411
  });
});

describe("invalid board data gives the specific error", () => {
  test("unknown board names the known ones", () => {
    expect(() => loadBoard("nucleo-f446re")).toThrow(BoardError);
    expect(() => loadBoard("nucleo-f446re")).toThrow(
      "board nucleo-f446re: unknown board — did you mean \"nucleo-f401re\"?; known boards: netduinoplus2, nucleo-f072rb, nucleo-f401re, " +
        "nucleo-f411re, nucleo-f411re-ab, nucleo-h743zi2, nucleo-h743zi2-banks, nucleo-h753zi, nucleo-l476rg, nucleo-l476rg-banks, stm32f072b-disco, stm32f4-discovery (or pass the path of a board file)",
    );
  });

  test("overlapping regions", () => {
    const raw = rawBoard("nucleo-f411re");
    raw.memoryMap.application = { start: "0x08008000", size: "0x18000" };
    raw.memoryMap.config = { start: "0x08010000", size: "0x10000" };
    expectBoardError(raw, "regions application [0x08008000, 0x08020000) and config [0x08010000, 0x08020000) overlap");
  });

  test("bootloader and application overlapping", () => {
    const raw = rawBoard("nucleo-f411re");
    raw.memoryMap.bootloader.size = "0xC000";
    expectBoardError(raw, /regions bootloader \[0x08000000, 0x0800C000\) and application \[0x08008000, .* overlap/);
  });

  test("application region not sector-aligned", () => {
    const raw = rawBoard("nucleo-f411re");
    raw.memoryMap.application = { start: "0x08009000" };
    expectBoardError(raw, "application region start 0x08009000 is not on a sector boundary (sector 2 spans [0x08008000, 0x0800C000))");
  });

  test("application region ending inside a sector", () => {
    const raw = rawBoard("nucleo-f411re");
    raw.memoryMap.application = { start: "0x08008000", size: "0x10000" };
    expectBoardError(raw, "application region end 0x08018000 is not on a sector boundary (sector 4 spans [0x08010000, 0x08020000))");
  });

  test("regions outside flash", () => {
    const raw = rawBoard("nucleo-f411re");
    raw.memoryMap.application = { start: "0x08008000", size: "0x80000" };
    expectBoardError(raw, "application region [0x08008000, 0x08088000) lies outside flash [0x08000000, 0x08080000)");
    const raw2 = rawBoard("nucleo-f411re");
    raw2.memoryMap.config = { start: "0x20000000", size: "0x4000" };
    expectBoardError(raw2, "config region [0x20000000, 0x20004000) lies outside flash");
  });

  test("bootloader not at the reset vector", () => {
    const raw = rawBoard("nucleo-f411re");
    raw.memoryMap.bootloader = { start: "0x08004000", size: "0x4000" };
    raw.memoryMap.config = { start: "0x08000000", size: "0x4000" };
    expectBoardError(raw, "bootloader region must start at 0x08000000");
  });

  test("a sector table that disagrees with the part", () => {
    const raw = rawBoard("nucleo-f411re");
    raw.sectors[4].size = "0x20000"; // sector 4 is 64 KB, not 128 KB
    expectBoardError(raw, "sectors[4] is 128 KB at 0x08010000, but STM32F411RE's sector 4 is 64 KB at 0x08010000 (RM0090)");
    const raw2 = rawBoard("nucleo-f411re");
    raw2.sectors.pop();
    expectBoardError(raw2, "sectors has 7 entries but STM32F411RE has 8 sectors (RM0090); the \"sectors\" list is optional");
    const raw3 = rawBoard("nucleo-f411re");
    raw3.sectors[3].index = 4;
    expectBoardError(raw3, "sectors[3].index is 4, expected 3");
    const raw4 = rawBoard("nucleo-f411re");
    delete raw4.sectors;
    expect(parseBoard(raw4).sectors).toEqual(loadBoard("nucleo-f411re").sectors);
  });

  test("field formats and part consistency", () => {
    const cases: [(r: Record<string, any>) => void, string | RegExp][] = [
      [(r) => (r.flash.size = "512K"), 'flash.size must be a number or a "0x..." string, got "512K"'],
      [(r) => (r.flash.size = "0x100000"), "flash.size 0x00100000 does not match STM32F411RE's 512 KB"],
      [(r) => (r.part = "STM32F446RE"), 'part "STM32F446RE" is not supported — did you mean "STM32F401RE"?; supported parts: STM32F072RB (stm32f0); ' +
        "STM32F401RE, STM32F411RE, STM32F405RG, STM32F407VG (stm32f4); STM32L476RG (stm32l4); STM32H743ZI, STM32H753ZI (stm32h7)"],
      [(r) => (r.boardId = "0x04130001"), "boardId 0x04130001: the top 16 bits must be the part's DEV_ID 0x431"],
      [(r) => (r.uart.instance = "USART3"), 'uart.instance "USART3" is not on STM32F411RE — did you mean "USART1"?; it has USART1, USART2, USART6'],
      [(r) => (r.uart.tx.af = 8), "uart.tx.af is 8; USART2_TX on PA2 is AF7"],
      [(r) => (r.uart.tx.pin = 9), "uart.tx PA9 cannot carry USART2_TX on STM32F411RE; it can be on PA2 (AF7)"],
      [(r) => (r.uart.base = "0x40011000"), "uart.base 0x40011000 is not USART2's 0x40004400"],
      [(r) => (r.trigger.port = "E"), 'trigger.port must be one of STM32F411RE\'s ports A, B, C, D, H, got "E"'],
      [(r) => (r.trigger.pull = "down"), "trigger: active low with a pull-down reads as pressed when released"],
      [(r) => (r.trigger.pin = 16), "trigger.pin must be at most 15, got 16"],
      [(r) => (r.clock.sysclkHz = 120_000_000), "clock.sysclkHz 120000000 is above STM32F411RE's 100000000"],
      [(r) => (r.clock.sysclkHz = 99_300_000), "clock.sysclkHz 99300000 cannot be reached from 8000000 Hz"],
      [(r) => (r.clock.source = "pll"), 'clock.source must be one of "hsi", "hse", "hse-bypass", "hsi48", got "pll"'],
      [(r) => (r.cpu = "cortex-m7"), 'cpu "cortex-m7" is not STM32F411RE\'s core: it is a cortex-m4'],
      [(r) => delete r.memoryMap, "memoryMap is missing"],
    ];
    for (const [mutate, message] of cases) {
      const raw = rawBoard("nucleo-f411re");
      mutate(raw);
      expectBoardError(raw, message);
    }
  });

  test("a config region in sector 3 with the application moved to sector 4 is accepted", () => {
    const raw = rawBoard("nucleo-f411re");
    raw.memoryMap.config = { start: "0x0800C000", size: "0x4000" };
    raw.memoryMap.application = { start: "0x08010000" };
    const b = parseBoard(raw);
    expect(b.memoryMap.config).toEqual({ start: 0x0800c000, size: 0x4000 });
    expect(b.memoryMap.application).toEqual({ start: 0x08010000, size: 0x70000 });
  });
});

describe("generated linker scripts (text)", () => {
  test("bootloader and application regions come from the memory map", () => {
    const b = loadBoard("stm32f4-discovery");
    const boot = generateLinkerScript(b, "bootloader");
    expect(boot).toContain("FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 0x00004000");
    expect(boot).toContain("__tsboot_config_start = 0x08004000;");
    expect(boot).toContain("__tsboot_config_end = 0x08008000;");
    expect(boot).toContain("RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 0x0001FFC0"); // below the 64 no-init bytes
    expect(boot).toContain("CCMRAM (rw) : ORIGIN = 0x10000000, LENGTH = 0x00010000");
    expect(boot).toContain("__tsboot_app_start = 0x08008000;");
    expect(boot).toContain("__tsboot_app_end = 0x08100000;");
    expect(boot).toContain("__tsboot_board_id = 0x04130001;");
    expect(boot).toContain("SIZEOF(.isr_vector) == 392");
    const app = generateLinkerScript(b, "application");
    expect(app).toContain("FLASH (rx) : ORIGIN = 0x08008000, LENGTH = 0x000F8000");
    expect(generateLinkerScript(loadBoard("nucleo-f411re"), "bootloader")).not.toContain("CCMRAM");
  });

  test("options are checked", () => {
    const b = loadBoard("nucleo-f411re");
    expect(vectorTableEntries(b)).toBe(102);
    expect(vectorTableAlignment(b)).toBe(512);
    expect(() => generateLinkerScript(b, "application", { headerSize: 256 })).toThrow("must be a multiple of 512");
    expect(() => generateLinkerScript(b, "bootloader", { headerSize: 512 })).toThrow("application image only");
    expect(() => generateLinkerScript(b, "bootloader", { stackSize: 100 })).toThrow("multiple of 8");
  });

  test("startup has one vector per IRQ slot of the part, reserved slots as 0", () => {
    const f401 = generateStartup(loadBoard("nucleo-f401re"));
    expect(f401).toContain("tsboot_vector vectors[100];");
    expect(f401).toContain("USART2_IRQHandler, /* IRQ 38 */");
    expect(f401).toContain("0, /* IRQ 39: reserved */");
    expect(f401).toContain("SPI4_IRQHandler, /* IRQ 84 */");
    expect(f401).not.toContain("SPI5_IRQHandler");
    expect(generateStartup(loadBoard("nucleo-f411re"))).toContain("SPI5_IRQHandler, /* IRQ 85 */");
    expect(generateStartup(loadBoard("nucleo-f411re"), { entry: "bootloader_main" })).toContain("  bootloader_main();");
    expect(() => generateStartup(loadBoard("nucleo-f411re"), { entry: "a-b" })).toThrow("not a C identifier");
  });

  test("with a fault handler, Default_Handler branches to it with LR and the stack untouched", () => {
    const b = loadBoard("nucleo-f411re");
    const bootloader = generateStartup(b, { entry: "bootloader_main", faultHandler: "tsboot_fault_entry" });
    expect(bootloader).toContain("__attribute__((naked)) void Default_Handler(void) {");
    expect(bootloader).toContain('__asm__ volatile("b.w tsboot_fault_entry");'); // ARMv7-M: one B.W
    expect(generateStartup(loadBoard("nucleo-f072rb"), { faultHandler: "tsboot_fault_entry" })).toContain(
      '__asm__ volatile("ldr r0, =tsboot_fault_entry\\n\\tbx r0");', // ARMv6-M: B reaches 2 KB only
    );
    expect(bootloader).toContain('void HardFault_Handler(void) __attribute__((weak, alias("Default_Handler")));');
    expect(bootloader).toContain('void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));');
    expect(generateStartup(b)).toContain("  for (;;) {"); // without one: spins where a debugger shows it
    expect(() => generateStartup(b, { faultHandler: "x y" })).toThrow("not a C identifier");
  });

  test("the no-init words: update flag, then the fault record; RAM functions copied with .data", () => {
    const b = loadBoard("nucleo-f401re");
    expect(updateFlagAddress(b)).toBe(0x20017fc0); // 64 no-init bytes at the top of 96 KB
    expect(faultRecordAddress(b)).toBe(0x20017fe0); // +32: after the flag and the trial words
    const script = generateLinkerScript(b, "bootloader");
    expect(script).toContain("__tsboot_fault_record = __tsboot_update_flag + 32;");
    expect(script).toMatch(/_sdata = \.;\n\s+\*\(\.ramfunc \.ramfunc\.\*\)/);
    const header = boardHeader(b);
    expect(header).toContain("#define BOARD_FAULT_RECORD_ADDR 0x20017FE0u");
    expect(header).toContain("#define BOARD_BOOTLOADER_START 0x08000000u");
    expect(header).toContain("#define BOARD_BOOTLOADER_SIZE 0x00004000u");
  });

  test("reception by DMA everywhere but on an emulator without it (netduinoplus2 under QEMU)", () => {
    const polled = (name: string, options: Parameters<typeof boardHeader>[1] = {}) =>
      /#define BOARD_UART_RX_POLLED (\d)/.exec(boardHeader(loadBoard(name), options))![1];
    expect(polled("netduinoplus2", { emulator: true })).toBe("1");
    expect(polled("netduinoplus2")).toBe("0"); // the real board has DMA
    expect(polled("nucleo-f411re", { emulator: true })).toBe("0");
    expect(polled("nucleo-f411re", { uartRxPolled: true })).toBe("1"); // e.g. Renode's UART (no DMA requests)
  });
});

const ARM = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"];
const ARM_LINK = [...ARM, "-Os", "-std=c11", "-Wall", "-Wextra", "-Wconversion", "-Werror", "-nostdlib", "-nostartfiles",
  "-ffunction-sections", "-fdata-sections"];

const TRIVIAL_MAIN = `#include <stdint.h>
volatile uint32_t g_data = 0x12345678u;
volatile uint32_t g_bss;
volatile float g_scale = 1.5f;
int main(void) {
  g_bss = g_data + (uint32_t)(g_scale * 2.0f);
  return 0;
}
`;

interface Linked {
  elf: string;
  bin: Buffer;
  symbols: Map<string, { addr: number; size: number; type: string }>;
}

async function link(dir: string, board: Board, role: ImageRole, sources: string[], extra: string[] = [],
  headerSize = 0): Promise<Linked> {
  const ld = path.join(dir, `${role}.ld`);
  const startup = path.join(dir, `${role}_startup.c`);
  fs.writeFileSync(ld, generateLinkerScript(board, role, { headerSize }));
  fs.writeFileSync(startup, generateStartup(board, { role }));
  const elf = path.join(dir, `${role}.elf`);
  await execa("arm-none-eabi-gcc", [...ARM_LINK, ...extra, "-T", ld, startup, ...sources, "-lgcc", "-o", elf]);
  const binPath = path.join(dir, `${role}.bin`);
  await execa("arm-none-eabi-objcopy", ["-O", "binary", elf, binPath]);
  const nm = await execa("arm-none-eabi-nm", ["-S", elf]);
  const symbols = new Map<string, { addr: number; size: number; type: string }>();
  for (const line of nm.stdout.split("\n")) {
    const parts = line.trim().split(/\s+/);
    if (parts.length === 4) symbols.set(parts[3], { addr: parseInt(parts[0], 16), size: parseInt(parts[1], 16), type: parts[2] });
    else if (parts.length === 3) symbols.set(parts[2], { addr: parseInt(parts[0], 16), size: 0, type: parts[1] });
  }
  return { elf, bin: fs.readFileSync(binPath), symbols };
}

if (!HAVE_ARM_GCC) {
  test.skip("linking with the generated scripts: SKIPPED, arm-none-eabi-gcc is not on PATH", () => {});
} else {
  describe("the generated linker script and startup link a trivial program (arm-none-eabi-gcc)", () => {
    for (const name of BOARD_NAMES) {
      for (const role of ["bootloader", "application"] as const) {
        test(`${name} ${role}`, async () => {
          const dir = tempDir("link");
          try {
            const board = loadBoard(name);
            const region = role === "bootloader" ? board.memoryMap.bootloader : board.memoryMap.application;
            const main = path.join(dir, "main.c");
            fs.writeFileSync(main, TRIVIAL_MAIN);
            const { bin, symbols } = await link(dir, board, role, [main]);
            const sym = (s: string) => {
              const v = symbols.get(s);
              expect(v, s).toBeDefined();
              return v!;
            };
            const ramEnd = board.ram.base + board.ram.size;
            expect(sym("g_vector_table").addr).toBe(region.start);
            expect(sym("g_vector_table").size).toBe((16 + board.partInfo.irqs.length) * 4);
            // The stack starts just below the 64 no-init bytes at the top of RAM; 8-byte aligned (AAPCS).
            const estack = sym("_estack").addr;
            expect(estack).toBe(sym("__tsboot_noinit_start").addr);
            expect(estack % 8).toBe(0);
            expect(ramEnd - estack).toBe(64);
            expect(sym("__tsboot_update_flag").addr).toBe(ramEnd - 64);
            const reset = sym("Reset_Handler").addr;
            expect(reset).toBeGreaterThan(region.start);
            expect(reset).toBeLessThan(region.start + region.size);
            // What the core reads at reset (or the bootloader before the jump): SP, then the Thumb entry.
            expect(bin.readUInt32LE(0)).toBe(estack);
            expect(bin.readUInt32LE(4)).toBe(reset | 1);
            expect(bin.length).toBeLessThanOrEqual(region.size);
            // g_data lives in RAM and its initial value is in the image at _sidata + its offset in .data.
            const gData = sym("g_data").addr;
            expect(sym("_sdata").addr).toBe(board.ram.base);
            expect(gData).toBeGreaterThanOrEqual(board.ram.base);
            expect(gData).toBeLessThan(sym("_edata").addr);
            expect(bin.readUInt32LE(sym("_sidata").addr - region.start + (gData - board.ram.base))).toBe(0x12345678);
            expect(sym("_sbss").addr).toBe(sym("_edata").addr);
            expect(sym("__tsboot_app_start").addr).toBe(0x08008000);
            expect(sym("__tsboot_board_id").addr).toBe(board.boardId);
            expect(sym("USART1_IRQHandler").type).toBe("W");
          } finally {
            fs.rmSync(dir, { recursive: true, force: true });
          }
        });
      }
    }

    test("an application with a reserved 512-byte header has its vector table after it", async () => {
      const dir = tempDir("link");
      try {
        const board = loadBoard("nucleo-f411re");
        const main = path.join(dir, "main.c");
        fs.writeFileSync(main, TRIVIAL_MAIN);
        const { bin, symbols } = await link(dir, board, "application", [main], [], 512);
        expect(symbols.get("g_vector_table")!.addr).toBe(0x08008200);
        expect([...bin.subarray(0, 512)].every((b) => b === 0xff)).toBe(true);
        expect(bin.readUInt32LE(512)).toBe(symbols.get("_estack")!.addr);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test("a bootloader larger than its region does not link", async () => {
      const dir = tempDir("link");
      try {
        const main = path.join(dir, "big.c");
        fs.writeFileSync(main, `${TRIVIAL_MAIN}const unsigned char g_big[40 * 1024] = {1};\nconst unsigned char *keep(void);\nconst unsigned char *keep(void) { return g_big; }\n`);
        const err = await link(dir, loadBoard("nucleo-f411re"), "bootloader", [main]).catch((e: Error) => e);
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).message).toMatch(/region `FLASH' overflowed/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test("startup generated for another part is refused at link time", async () => {
      const dir = tempDir("link");
      try {
        const main = path.join(dir, "main.c");
        fs.writeFileSync(main, TRIVIAL_MAIN);
        const ld = path.join(dir, "boot.ld");
        const startup = path.join(dir, "startup.c");
        fs.writeFileSync(ld, generateLinkerScript(loadBoard("stm32f4-discovery"), "bootloader"));
        fs.writeFileSync(startup, generateStartup(loadBoard("nucleo-f411re")));
        const r = await execa("arm-none-eabi-gcc", [...ARM_LINK, "-T", ld, startup, main, "-lgcc", "-o", path.join(dir, "x.elf")],
          { reject: false });
        expect(r.exitCode).not.toBe(0);
        expect(r.stderr).toContain("the vector table must have 98 entries for STM32F407VG");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test("the drivers and startup link into a bootloader image for every board", async () => {
      const dir = tempDir("link");
      try {
        const drivers = driverSources(F4_DRIVER_DIR);
        const main = path.join(dir, "main.c");
        fs.writeFileSync(main, [
          '#include "stm32f4_hal_compat.h"',
          "int main(void) {",
          "  uint32_t hz = hal_clock_init(BOARD_HSE, BOARD_SYSCLK);",
          "  hal_tick_init(hz);",
          "  hal_uart_init(BOARD_UART, hal_clock_pclk_hz(BOARD_UART), 115200u, false);",
          "  hal_gpio_input_init(2, 13, HAL_GPIO_PULL_NONE);",
          "  static const uint8_t word[4] = {0, 0, 0, 0};",
          "  uint32_t st = hal_flash_erase_unit(2) | hal_flash_program_unit(0x08008000u, word);",
          "  hal_uart_write_byte((uint8_t)st);",
          "  (void)HAL_FLASH_Unlock();",
          "  hal_tick_deinit();",
          "  hal_clock_deinit();",
          "  return hal_gpio_read(2, 13) ? 1 : 0;",
          "}",
          "",
        ].join("\n"));
        for (const name of BOARD_NAMES) {
          const board = loadBoard(name);
          const hse = board.clock.hseHz + (board.clock.source === "hse-bypass" ? 0x80000000 : 0);
          const { symbols } = await link(dir, board, "bootloader", [main, ...drivers], [
            ...F4_DRIVER_INCLUDES,
            `-DBOARD_HSE=${hse}u`, `-DBOARD_SYSCLK=${board.clock.sysclkHz}u`, `-DBOARD_UART=${board.uart.base}u`,
            `-DTSBOOT_FLASH_SIZE_KB=${board.flash.size / 1024}`, "-Wl,--gc-sections",
          ]);
          expect(symbols.get("SysTick_Handler")!.type).toBe("T"); // the tick driver's, not the weak default
          expect(symbols.get("hal_flash_program_unit")).toBeDefined();
          // The flash busy-wait runs from RAM: linked into .data (copied by Reset_Handler), not into flash.
          const run = symbols.get("stm32f4_flash_run")!;
          expect(run.addr).toBeGreaterThanOrEqual(board.ram.base);
          expect(run.addr).toBeLessThan(board.ram.base + board.ram.size);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

if (!HAVE_ARM_GCC || !HAVE_QEMU) {
  test.skip(`boot check on QEMU netduinoplus2: SKIPPED, ${HAVE_ARM_GCC ? "qemu-system-arm" : "arm-none-eabi-gcc"} is not on PATH`, () => {});
} else {
  test("the netduinoplus2 bootloader image boots on QEMU and runs the drivers", async () => {
    const dir = tempDir("qemu");
    try {
      const board = loadBoard("netduinoplus2");
      const drivers = driverSources(F4_DRIVER_DIR);
      const { elf } = await link(dir, board, "bootloader", [path.join(ROOT, "test/hal-stm32f4/qemu/boot_check.c"), ...drivers], [
        ...F4_DRIVER_INCLUDES,
        `-DBOARD_HSE_HZ=${board.clock.hseHz}u`, `-DBOARD_SYSCLK_HZ=${board.clock.sysclkHz}u`,
        `-DBOARD_UART_BASE=${board.uart.base}u`, `-DBOARD_UART_ON_APB2=${board.uart.bus === "apb2" ? 1 : 0}`,
        `-DBOARD_BAUD=${board.uart.baud}u`, `-DBOARD_APP_START=${board.memoryMap.application.start}u`,
        `-DTSBOOT_FLASH_SIZE_KB=${board.flash.size / 1024}`, // QEMU faults on an F_SIZE read
      ]);
      const r = await execa("qemu-system-arm", ["-M", board.emulator!.machine, "-display", "none", "-monitor", "none",
        "-serial", "stdio", "-semihosting-config", "enable=on,target=native", "-kernel", elf],
      { reject: false, timeout: 30_000 });
      // RCC is not modelled (HSI fallback: 0x00F42400); flash is ROM there (HAL_ERR_VERIFY = 9).
      expect(r.stdout, r.stderr).toContain("tsboot-qemu sysclk=00F42400 data=ok program=00000009 end");
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      // No access QEMU had to reject (a .bss load address in flash once made its loader write there).
      const strict = await execa("qemu-system-arm", ["-M", board.emulator!.machine, "-display", "none", "-monitor", "none",
        "-serial", "null", "-semihosting-config", "enable=on,target=native", "-d", "guest_errors", "-kernel", elf],
      { reject: false, timeout: 30_000 });
      expect(strict.stderr).not.toMatch(/Invalid (read|write)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a fault on QEMU ends in the fault entry, a record in no-init RAM and a reset; the next boot reads it", async () => {
    const dir = tempDir("qemu");
    try {
      const board = loadBoard("netduinoplus2");
      const ld = path.join(dir, "bootloader.ld");
      const startup = path.join(dir, "startup.c");
      fs.writeFileSync(ld, generateLinkerScript(board, "bootloader"));
      fs.writeFileSync(startup, generateStartup(board, { role: "bootloader", faultHandler: "tsboot_fault_entry" }));
      fs.writeFileSync(path.join(dir, "tsboot_board.h"), boardHeader(board, { emulator: true }));
      fs.writeFileSync(path.join(dir, "board.c"), boardAccessors(board));
      fs.copyFileSync(path.join(await portHeaderDir(), "tsboot_port.h"), path.join(dir, "tsboot_port.h")); // generated (compiler/build-cache.ts)
      const cFiles = (d: string) => fs.readdirSync(d).filter((f) => f.endsWith(".c")).map((f) => path.join(d, f));
      const sources = [path.join(ROOT, "test/hal-stm32f4/qemu/fault_check.c"), path.join(dir, "board.c"),
        ...driverSources(F4_DRIVER_DIR).filter((f) => !f.includes("hal_compat")), ...cFiles(path.join(ROOT, "hal-bindings/port"))];
      const elf = path.join(dir, "fault.elf");
      await execa("arm-none-eabi-gcc", [...ARM_LINK, "-Wl,--gc-sections", "-Wl,--no-warn-rwx-segments", "-T", ld, startup, ...sources,
        `-I${dir}`, `-I${path.join(ROOT, "compiler/c")}`, ...F4_DRIVER_INCLUDES, `-DTSBOOT_FLASH_SIZE_KB=${board.flash.size / 1024}`, "-lgcc", "-o", elf]);
      const r = await execa("qemu-system-arm", ["-M", board.emulator!.machine, "-display", "none", "-monitor", "none",
        "-serial", "stdio", "-semihosting-config", "enable=on,target=native", "-kernel", elf],
      { reject: false, timeout: 30_000 });
      expect(r.stdout, r.stderr).toContain("first boot\n");
      const m = /fault kind=([0-9A-F]{8}) pc=([0-9A-F]{8}) expected=([0-9A-F]{8}) end/.exec(r.stdout);
      expect(m, r.stdout).not.toBeNull();
      expect(parseInt(m![1], 16)).toBe(1); // HAL_FAULT_HARD: the UsageFault escalated (not enabled in SHCSR)
      expect(m![2]).toBe(m![3]); // the stacked PC is the faulting instruction
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
