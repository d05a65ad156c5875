/**
 * Board data for every family (boards/): the part tables, the flash maps of the new boards, the schema
 * and every refusal with its message, board ids, and the linker scripts and startup code per core.
 * The F4 boards' own details (and their drivers) are in test/hal-stm32f4/boards.test.ts.
 */
import { execa, execaSync } from "execa";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import {
  BoardError,
  checkUniqueIds,
  FAMILIES,
  listBoards,
  loadBoard,
  loadBoardFile,
  loadBoardsIn,
  parseBoard,
  PARTS,
  ramBlockForStack,
  sectorsOf,
  type Board,
} from "../../boards/index";
import { layoutFromBoard } from "../../boards/layout";
import { generateLinkerScript, vectorTableAlignment } from "../../boards/linker";
import { noInitLayout } from "../../boards/noinit";
import { boardJsonSchema, SCHEMA_FILE } from "../../boards/schema-json";
import { boardHeader, productHeader } from "../../boards/board-c";
import { generateStartup } from "../../boards/startup";
import { buildBootloader, BuildError, cpuFlags, familyPortPresent } from "../../host/build/bootloader-build";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const KB = 1024;
const HAVE_ARM_GCC = execaSync("sh", ["-c", "command -v arm-none-eabi-gcc"], { reject: false }).exitCode === 0;

function rawBoard(name: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "boards", `${name}.json`), "utf8"));
}
function errorOf(f: () => unknown): BoardError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BoardError);
    return e as BoardError;
  }
  throw new Error("expected a BoardError");
}
function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-board-data-"));
}

describe("every family's boards", () => {
  test("all twelve boards load, each with its family's core, FPU and write unit", () => {
    expect(listBoards()).toEqual([
      "netduinoplus2", "nucleo-f072rb", "nucleo-f401re", "nucleo-f411re", "nucleo-f411re-ab", "nucleo-h743zi2", "nucleo-h743zi2-banks", "nucleo-h753zi",
      "nucleo-l476rg", "nucleo-l476rg-banks", "stm32f072b-disco", "stm32f4-discovery",
    ]);
    const expected: Record<string, [string, string, string, string, number]> = {
      "nucleo-f072rb": ["stm32f0", "STM32F072RB", "cortex-m0", "none", 2],
      "stm32f072b-disco": ["stm32f0", "STM32F072RB", "cortex-m0", "none", 2],
      "nucleo-f411re": ["stm32f4", "STM32F411RE", "cortex-m4", "fpv4-sp-d16", 4],
      "nucleo-l476rg": ["stm32l4", "STM32L476RG", "cortex-m4", "fpv4-sp-d16", 8],
      "nucleo-l476rg-banks": ["stm32l4", "STM32L476RG", "cortex-m4", "fpv4-sp-d16", 8],
      "nucleo-h743zi2": ["stm32h7", "STM32H743ZI", "cortex-m7", "fpv5-d16", 32],
      "nucleo-h743zi2-banks": ["stm32h7", "STM32H743ZI", "cortex-m7", "fpv5-d16", 32],
      "nucleo-h753zi": ["stm32h7", "STM32H753ZI", "cortex-m7", "fpv5-d16", 32],
    };
    for (const [name, [family, part, cpu, fpu, unit]] of Object.entries(expected)) {
      const b = loadBoard(name);
      expect([b.family, b.part, b.cpu, b.fpu, b.writeUnit], name).toEqual([family, part, cpu, fpu, unit]);
      expect(layoutFromBoard(b).writeUnit).toBe(unit);
    }
  });

  test("DEV_IDs in the board ids: F072 0x448, L476 0x415, H743/H753 0x450", () => {
    expect(loadBoard("nucleo-f072rb").boardId).toBe(0x04480001);
    expect(loadBoard("stm32f072b-disco").boardId).toBe(0x04480002);
    expect(loadBoard("nucleo-l476rg").boardId).toBe(0x04150001);
    expect(loadBoard("nucleo-l476rg-banks").boardId).toBe(0x04150002);
    expect(loadBoard("nucleo-h743zi2").boardId).toBe(0x04500001);
    expect(loadBoard("nucleo-h753zi").boardId).toBe(0x04500002);
    expect(layoutFromBoard(loadBoard("nucleo-h743zi2")).productId).toBe(0x450);
  });

  test("erase units: F072 64 x 2 KB pages; L476 two banks of 256 x 2 KB; H743 two banks of 8 x 128 KB", () => {
    const f0 = loadBoard("nucleo-f072rb");
    expect(f0.sectors.length).toBe(64);
    expect(new Set(f0.sectors.map((s) => s.size))).toEqual(new Set([2 * KB]));
    expect(f0.sectors[63]).toEqual({ index: 63, start: 0x0801f800, size: 2 * KB, bank: 1 });
    const l4 = loadBoard("nucleo-l476rg");
    expect(l4.sectors.length).toBe(512);
    expect(l4.sectors[255]).toEqual({ index: 255, start: 0x0807f800, size: 2 * KB, bank: 1 });
    expect(l4.sectors[256]).toEqual({ index: 256, start: 0x08080000, size: 2 * KB, bank: 2 });
    const h7 = loadBoard("nucleo-h743zi2");
    expect(h7.sectors.map((s) => s.size)).toEqual(Array(16).fill(128 * KB));
    expect(h7.sectors[8]).toEqual({ index: 8, start: 0x08100000, size: 128 * KB, bank: 2 });
    expect(h7.flash).toEqual({ base: 0x08000000, size: 2048 * KB });
  });

  test("RAM blocks: F4 CCM, L4 SRAM1/SRAM2, H7 DTCM, AXI SRAM, SRAM1-4", () => {
    expect(loadBoard("stm32f4-discovery").ramBlocks.map((b) => b.name)).toEqual(["SRAM1+SRAM2", "CCM"]);
    expect(loadBoard("nucleo-f411re").ccm).toBeNull();
    const l4 = loadBoard("nucleo-l476rg");
    expect(l4.ramBlocks.map((b) => [b.name, b.base, b.size])).toEqual([
      ["SRAM1", 0x20000000, 96 * KB], ["SRAM2", 0x10000000, 32 * KB], ["SRAM2", 0x20018000, 32 * KB],
    ]);
    expect(l4.ram).toEqual({ base: 0x20000000, size: 96 * KB });
    const h7 = loadBoard("nucleo-h743zi2");
    expect(h7.ramBlocks.map((b) => b.name)).toEqual(["DTCM", "AXI SRAM", "SRAM1", "SRAM2", "SRAM3", "SRAM4"]);
    expect(h7.ram).toEqual({ base: 0x20000000, size: 128 * KB });
    // An initial SP may be the end of any block (full descending stack).
    expect(ramBlockForStack(h7, 0x24080000)?.name).toBe("AXI SRAM");
    expect(ramBlockForStack(h7, 0x24000000)).toBeUndefined();
    expect(ramBlockForStack(l4, 0x20020000)?.name).toBe("SRAM2");
    expect(ramBlockForStack(loadBoard("nucleo-f072rb"), 0x20004000)?.name).toBe("SRAM");
  });

  test("the update UARTs: F072 USART2 AF1, L476 USART2 AF7, H743 USART3 on PD8/PD9 AF7, F072B-DISCO USART1", () => {
    expect(loadBoard("nucleo-f072rb").uart).toEqual({ instance: "USART2", base: 0x40004400, bus: "apb1", baud: 115200, maxBaud: 2_000_000,
      tx: { port: "A", pin: 2, af: 1 }, rx: { port: "A", pin: 3, af: 1 } });
    expect(loadBoard("stm32f072b-disco").uart).toMatchObject({ instance: "USART1", base: 0x40013800, bus: "apb2" });
    expect(loadBoard("nucleo-l476rg").uart).toMatchObject({ instance: "USART2", base: 0x40004400, tx: { af: 7 } });
    expect(loadBoard("nucleo-h743zi2").uart).toEqual({ instance: "USART3", base: 0x40004800, bus: "apb1", baud: 115200, maxBaud: 2_000_000,
      tx: { port: "D", pin: 8, af: 7 }, rx: { port: "D", pin: 9, af: 7 } });
  });

  test("vector tables: F072 32 IRQs, L476 82, H743/H753 150, with the USARTs where ST's startup files put them", () => {
    const irqs = (n: string) => loadBoard(n).partInfo.irqs;
    expect(irqs("nucleo-f072rb").length).toBe(32);
    expect(irqs("nucleo-f072rb")[28]).toBe("USART2");
    expect(irqs("nucleo-l476rg").length).toBe(82);
    expect(irqs("nucleo-l476rg")[38]).toBe("USART2");
    expect(irqs("nucleo-h743zi2").length).toBe(150);
    expect(irqs("nucleo-h743zi2")[39]).toBe("USART3");
    expect(irqs("nucleo-h743zi2")[79]).toBeNull();
    expect(irqs("nucleo-h753zi")[79]).toBe("CRYP");
    expect(irqs("netduinoplus2")[61]).toBeNull(); // F405 has no Ethernet: the slot is reserved
  });

  test("flash maps (the README's table)", () => {
    const map = (n: string) => {
      const b = loadBoard(n);
      const m = b.memoryMap;
      return [m.bootloader.start, m.bootloader.size, m.config!.start, m.config!.size, m.application.start, m.application.size];
    };
    expect(map("nucleo-f072rb")).toEqual([0x08000000, 24 * KB, 0x08006000, 8 * KB, 0x08008000, 96 * KB]);
    expect(map("stm32f072b-disco")).toEqual(map("nucleo-f072rb"));
    expect(map("nucleo-l476rg")).toEqual([0x08000000, 24 * KB, 0x08006000, 8 * KB, 0x08008000, 992 * KB]);
    expect(map("nucleo-h743zi2")).toEqual([0x08000000, 128 * KB, 0x08020000, 128 * KB, 0x08040000, 1792 * KB]);
    expect(map("nucleo-h753zi")).toEqual(map("nucleo-h743zi2"));
    const f0 = loadBoard("nucleo-f072rb");
    expect(sectorsOf(f0, f0.memoryMap.bootloader).map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (const name of listBoards()) {
      const b = loadBoard(name);
      // The application region (or, with two slots, the scratch area or the bank-swap secondary) runs to the end of flash.
      const last = b.memoryMap.scratch ?? (b.slotStrategy === "bank-swap" ? b.memoryMap.secondary! : b.memoryMap.application);
      expect(last.start + last.size, name).toBe(b.flash.base + b.flash.size);
    }
    const banks = loadBoard("nucleo-h743zi2-banks");
    expect([banks.slotStrategy, banks.bankSize, ...map("nucleo-h743zi2-banks"), banks.memoryMap.secondary, banks.memoryMap.scratch]).toEqual([
      "bank-swap", 1024 * KB, 0x08000000, 128 * KB, 0x08020000, 128 * KB, 0x08040000, 768 * KB, { start: 0x08140000, size: 768 * KB }, null]);
    const l4banks = loadBoard("nucleo-l476rg-banks");
    expect([l4banks.slotStrategy, l4banks.bankSize, ...map("nucleo-l476rg-banks"), l4banks.memoryMap.secondary, l4banks.memoryMap.scratch]).toEqual([
      "bank-swap", 512 * KB, 0x08000000, 24 * KB, 0x08006000, 8 * KB, 0x08008000, 480 * KB, { start: 0x08088000, size: 480 * KB }, null]);
    expect(l4banks.trialWatchdogMs).toBe(8000);
    expect(loadBoard("nucleo-f411re-ab").slotStrategy).toBe("copy-swap");
    expect(loadBoard("nucleo-h743zi2").slotStrategy).toBeNull();
    const ab = loadBoard("nucleo-f411re-ab").memoryMap;
    expect([ab.config!.size, ab.application.start, ab.application.size, ab.secondary!.start, ab.scratch!.start]).toEqual([32 * KB, 0x08020000, 128 * KB, 0x08040000, 0x08060000]);
  });

  test("H7 boards supply the core from the LDO; other families have no power section", () => {
    expect(loadBoard("nucleo-h743zi2").power).toEqual({ supply: "ldo" });
    expect(loadBoard("nucleo-l476rg").power).toBeNull();
    expect(boardHeader(loadBoard("nucleo-h743zi2"))).toContain("#define BOARD_POWER_SUPPLY_LDO 1");
  });

  test("the part tables: every part's family and core agree, and the flash adds up", () => {
    for (const p of PARTS) {
      expect(FAMILIES[p.family].cpu, p.part).toBe(p.cpu);
      expect(p.bankUnits.reduce((a, b) => a + b, 0) * p.banks, p.part).toBe(p.flashKb * KB);
      expect(p.devId).toBeGreaterThan(0x400);
    }
  });
});

describe("board ids are unique", () => {
  test("tsboot's own boards", () => {
    expect(() => checkUniqueIds(listBoards().map((n) => loadBoard(n)))).not.toThrow();
  });

  test("two boards in one folder with the same id are refused, naming both", () => {
    const dir = tempDir();
    try {
      for (const name of ["alpha", "beta"]) fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ ...rawBoard("nucleo-f411re"), name, boardId: "0x04318001" }));
      const e = errorOf(() => loadBoardsIn(dir));
      expect(e.message).toBe("board beta: boardId 0x04318001 is also alpha's (alpha.json): board ids must be unique — give this board its own number in the low 16 bits, e.g. 0x04318002 (tsboot's own boards use 0x0001-0x7FFF)");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a board file of your own may not take the id of one of tsboot's boards", () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, "acme-sensor.json");
      fs.writeFileSync(file, JSON.stringify({ ...rawBoard("nucleo-f411re"), name: "acme-sensor" }, null, 2));
      const e = errorOf(() => loadBoardFile(file));
      expect(e.code).toBe("TSB8004");
      expect(e.message).toMatch(/acme-sensor\.json\(\d+,3\): error TSB8004: boardId 0x04310001 is already nucleo-f411re's \(boards\/nucleo-f411re.json\): board ids must be unique — give this board its own number in the low 16 bits, e.g. 0x04318001/);
      fs.writeFileSync(file, JSON.stringify({ ...rawBoard("nucleo-f411re"), name: "acme-sensor", boardId: "0x04318001" }, null, 2));
      expect(loadBoard(file).name).toBe("acme-sensor"); // a path works wherever a board name does
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the schema: strict, with messages that name the key", () => {
  test("boards/board.schema.json is generated from the zod schema and up to date", () => {
    expect(fs.readFileSync(SCHEMA_FILE, "utf8")).toBe(boardJsonSchema());
    const schema = JSON.parse(boardJsonSchema());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.part.enum).toContain("STM32H743ZI");
    for (const name of listBoards()) expect(rawBoard(name).$schema).toBe("./board.schema.json");
  });

  test("a typo in a key: its file position, the key, and the closest valid key", () => {
    const dir = tempDir();
    try {
      const raw = rawBoard("nucleo-f411re");
      raw.name = "typo";
      raw.boardId = "0x04318003";
      raw.memoryMap.aplication = raw.memoryMap.application;
      delete raw.memoryMap.application;
      const file = path.join(dir, "typo.json");
      fs.writeFileSync(file, JSON.stringify(raw, null, 2));
      const e = errorOf(() => loadBoardFile(file));
      const line = JSON.stringify(raw, null, 2).split("\n").findIndex((l) => l.includes('"aplication"')) + 1;
      expect(e.message).toBe(`${file}(${line},5): error TSB8001: unknown key "aplication" in memoryMap — did you mean "application"?\n  also: memoryMap.application is missing`);
      expect(e.where).toEqual({ file, line, column: 5 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each<[string, (r: Record<string, any>) => void, string]>([
    ["unknown top-level key", (r) => (r.listenWindow = 50), 'unknown key "listenWindow" — did you mean "listenWindowMs"?'],
    ["unknown key without a close match", (r) => (r.serialNumber = "x"), 'unknown key "serialNumber"; the keys here are $schema, name, description, family, part'],
    ["nested typo", (r) => (r.uart.tx.prot = "A"), 'unknown key "prot" in uart.tx — did you mean "port"?'],
    ["value typo", (r) => (r.clock.source = "hse-bypas"), 'clock.source must be one of "hsi", "hse", "hse-bypass", "hsi48", got "hse-bypas" — did you mean "hse-bypass"?'],
    ["unknown family", (r) => (r.family = "stm32g4"), 'family must be one of "stm32f0", "stm32f4", "stm32l4", "stm32h7", got "stm32g4"'],
    ["a size as text", (r) => (r.ram = { base: "0x20000000", size: "128K" }), 'ram.size must be a number or a "0x..." string, got "128K"'],
    ["wrong type", (r) => (r.uart.baud = "115200"), 'uart.baud must be a number, got "115200"'],
    ["missing key", (r) => delete r.trigger, "trigger is missing"],
  ])("%s", (_, mutate, message) => {
    const raw = rawBoard("nucleo-f411re");
    mutate(raw);
    const e = errorOf(() => parseBoard(raw));
    expect(e.message).toContain(message);
    expect(e.message.startsWith("board nucleo-f411re: ")).toBe(true);
  });

  test("the product's own fields live in the \"product\" section and reach C as tsboot_product.h", () => {
    const raw = rawBoard("nucleo-f411re");
    raw.product = { servicePin: { port: "B", pin: 5 }, serialPrefix: "AC", hasDisplay: false };
    const b = parseBoard(raw);
    expect(b.product).toEqual(raw.product);
    const h = productHeader(b);
    expect(h).toContain('#define PRODUCT_SERVICE_PIN_PORT "B"');
    expect(h).toContain("#define PRODUCT_SERVICE_PIN_PIN 5u");
    expect(h).toContain('#define PRODUCT_SERIAL_PREFIX "AC"');
    expect(h).toContain("#define PRODUCT_HAS_DISPLAY 0");
    expect(productHeader(loadBoard("nucleo-f411re"))).toContain("(no product section)");
  });
});

describe("values the part contradicts are refused", () => {
  test.each<[string, string, (r: Record<string, any>) => void, string]>([
    ["nucleo-f411re", "an unsupported part lists the ones that exist", (r) => (r.part = "STM32G474RE"),
      'part "STM32G474RE" is not supported; supported parts: STM32F072RB (stm32f0); STM32F401RE, STM32F411RE, STM32F405RG, STM32F407VG (stm32f4); STM32L476RG (stm32l4); STM32H743ZI, STM32H753ZI (stm32h7)'],
    ["nucleo-f411re", "family and part disagree", (r) => (r.family = "stm32l4"), 'family is "stm32l4" but STM32F411RE is an stm32f4 part'],
    ["nucleo-f072rb", "an FPU on a Cortex-M0", (r) => (r.fpu = "fpv4-sp-d16"), 'fpu "fpv4-sp-d16": a cortex-m0 has no FPU; use "none"'],
    ["nucleo-h743zi2", "the wrong FPU", (r) => (r.fpu = "fpv4-sp-d16"), 'fpu "fpv4-sp-d16" is not STM32H743ZI\'s: use "fpv5-d16" (or "none" for soft-float code)'],
    ["nucleo-h743zi2", "the wrong core", (r) => (r.cpu = "cortex-m4"), 'cpu "cortex-m4" is not STM32H743ZI\'s core: it is a cortex-m7'],
    ["nucleo-l476rg", "RAM the part does not have", (r) => (r.ram = { base: "0x20000000", size: "0x19000" }),
      'ram [0x20000000, 0x20019000) is not RAM of STM32L476RG: use a block (or adjacent blocks) of SRAM1 [0x20000000, 0x20018000), SRAM2 [0x10000000, 0x10008000), SRAM2 [0x20018000, 0x20020000), e.g. { "base": "0x20000000", "size": "0x18000" } (96 KB)'],
    ["nucleo-l476rg", "a flash size not the part's", (r) => (r.flash = { base: "0x08000000", size: "0x80000" }), "flash.size 0x00080000 does not match STM32L476RG's 1024 KB"],
    ["nucleo-f072rb", "a USART the part lacks", (r) => (r.uart.instance = "USART6"), 'uart.instance "USART6" is not on STM32F072RB — did you mean "USART1"?; it has USART1, USART2, USART3, USART4'],
    ["nucleo-f072rb", "an F4 alternate function on an F0 pin", (r) => (r.uart.tx.af = 7), "uart.tx.af is 7; USART2_TX on PA2 is AF1"],
    ["nucleo-h743zi2", "a pin that cannot carry the USART", (r) => (r.uart.rx = { port: "D", pin: 8 }), "uart.rx PD8 cannot carry USART3_RX on STM32H743ZI; it can be on PB11 (AF7), PC11 (AF7), PD9 (AF7)"],
    ["nucleo-f072rb", "a port the package lacks", (r) => (r.trigger.port = "E"), "trigger.port must be one of STM32F072RB's ports A, B, C, D, F, got \"E\""],
    ["nucleo-l476rg", "a clock above the part's maximum", (r) => (r.clock.sysclkHz = 120_000_000), "clock.sysclkHz 120000000 is above STM32L476RG's 80000000"],
    ["nucleo-f072rb", "an HSE crystal out of the family's range", (r) => (r.clock = { source: "hse", hseHz: 40_000_000, sysclkHz: 48_000_000 }), "clock.hseHz 40000000: a crystal on stm32f0 must be 4-32 MHz"],
    ["nucleo-l476rg", "the HSI48 off the F0", (r) => (r.clock = { source: "hsi48", sysclkHz: 48_000_000 }),
      "clock.source hsi48 is an STM32F0 clock (RM0091 HSI48); STM32L476RG has none: use hsi, hse or hse-bypass"],
    ["nucleo-f072rb", "the HSI48 through a PLL", (r) => (r.clock = { source: "hsi48", sysclkHz: 24_000_000 }),
      "clock.sysclkHz 24000000: the hsi48 source runs SYSCLK at 48000000 exactly (no PLL)"],
    ["nucleo-f072rb", "the HSI48 with a frequency", (r) => (r.clock = { source: "hsi48", hseHz: 8_000_000, sysclkHz: 48_000_000 }),
      "clock.hseHz is for an hse or hse-bypass source, not hsi48"],
    ["nucleo-f411re", "a power section off the H7", (r) => (r.power = { supply: "ldo" }), "power: only stm32h7 boards configure their supply (PWR_CR3); remove it from an stm32f4 board"],
    ["nucleo-l476rg", "a region ending inside a page", (r) => (r.memoryMap.config.size = "0x1900"), "config region end 0x08007900 is not on a page boundary (page 15 spans [0x08007800, 0x08008000))"],
    ["nucleo-h743zi2", "an application not aligned for VTOR", (r) => {
      r.memoryMap.application = { start: "0x08040000" };
      r.memoryMap.config = null;
      r.memoryMap.bootloader = { start: "0x08000000", size: "0x40000" };
      r.sectors = undefined;
    }, ""],
    ["nucleo-f411re", "a trigger on the UART's pin", (r) => (r.trigger = { port: "A", pin: 3, activeLevel: "low", pull: "up" }), "trigger PA3 is the UART's rx pin"],
    ["nucleo-f411re", "a board id without the part's DEV_ID", (r) => (r.boardId = "0x04500001"), "boardId 0x04500001: the top 16 bits must be the part's DEV_ID 0x431 (e.g. 0x04310001)"],
    ["nucleo-f411re-ab", "a secondary slot without a scratch", (r) => delete r.memoryMap.scratch, "two slots need both memoryMap.secondary and memoryMap.scratch (docs/slots.md)"],
    ["nucleo-f411re-ab", "a secondary smaller than the primary", (r) => {
      r.memoryMap.bootloader = { start: "0x08000000", size: "0x4000" }; // the 16 KB map these cases were written for
      r.memoryMap.config = { start: "0x08004000", size: "0x8000" };
      r.memoryMap.application = { start: "0x08020000", size: "0x40000" };
      r.memoryMap.secondary = { start: "0x08010000", size: "0x10000" };
      r.memoryMap.scratch = { start: "0x0800C000", size: "0x4000" };
    }, "the secondary slot (65536 bytes) must hold the primary's 262144: it receives the application when they are swapped"],
    ["nucleo-f411re-ab", "swap areas that are not whole sectors", (r) => {
      r.memoryMap.bootloader = { start: "0x08000000", size: "0x4000" }; // the 16 KB map these cases were written for
      r.memoryMap.config = { start: "0x08004000", size: "0x8000" };
      r.memoryMap.application = { start: "0x08010000", size: "0x30000" };
      r.memoryMap.secondary = { start: "0x08040000", size: "0x40000" };
      r.memoryMap.scratch = { start: "0x0800C000", size: "0x4000" };
    }, "swap areas of 16384 bytes (the scratch's size) must be whole erase units; in the application slot the area at 0x08010000 is not"],
    ["nucleo-f411re-ab", "a status log that cannot split in two halves", (r) => (r.memoryMap.config = { start: "0x08008000", size: "0x4000" }),
      "the config region [0x08008000, 0x0800C000) must split into two halves of whole erase units (the status log compacts from one into the other)"],
    ["nucleo-h743zi2-banks", "an image spanning both banks", (r) => (r.memoryMap.application.size = "0x1C0000"),
      "with slots.strategy bank-swap the application region [0x08040000, 0x08200000) must lie in bank 1 [0x08000000, 0x08100000): an image is limited to one bank's application region, its twin in bank 2 is the secondary slot"],
    ["nucleo-h743zi2-banks", "an application region to the end of flash", (r) => delete r.memoryMap.application.size,
      "with slots.strategy bank-swap the application region [0x08040000, 0x08200000) must lie in bank 1 [0x08000000, 0x08100000): an image is limited to one bank's application region, its twin in bank 2 is the secondary slot"],
    ["nucleo-h743zi2-banks", "a scratch area", (r) => (r.memoryMap.scratch = { start: "0x08100000", size: "0x20000" }),
      "slots.strategy bank-swap has no scratch and no secondary of its own: the secondary slot is the application region's twin in the other bank"],
    ["nucleo-h743zi2-banks", "no config region", (r) => (r.memoryMap.config = null),
      "slots.strategy bank-swap needs a config region: one half of the status log in each bank"],
    ["nucleo-h743zi2-banks", "write protection with the bank swap", (r) => (r.protectBootloader = true),
      "protectBootloader is not combined with slots.strategy bank-swap yet: which FLASH_WPSN register protects which physical bank after a swap must first be checked on silicon (docs/slots.md)"],
    ["nucleo-l476rg", "the bank swap with the application to the end of bank 2", (r) => (r.slots = { strategy: "bank-swap" }),
      "with slots.strategy bank-swap the application region [0x08008000, 0x08100000) must lie in bank 1 [0x08000000, 0x08080000): an image is limited to one bank's application region, its twin in bank 2 is the secondary slot"],
    ["nucleo-f411re", "the bank swap on an F4", (r) => (r.slots = { strategy: "bank-swap" }),
      "slots.strategy bank-swap is implemented for stm32h7 (SWAP_BANK) and stm32l4 (BFB2) only; STM32F411RE is an stm32f4 part"],
    ["nucleo-f411re", "a copy swap without slots", (r) => (r.slots = { strategy: "copy-swap" }),
      "slots.strategy copy-swap needs memoryMap.secondary and memoryMap.scratch (docs/slots.md)"],
    ["nucleo-f411re", "a trial watchdog without slots", (r) => (r.trialWatchdogMs = 6000), "trialWatchdogMs is for two-slot boards (memoryMap.secondary and memoryMap.scratch)"],
    ["nucleo-f411re", "a watchdog shorter than an erase", (r) => (r.watchdogMs = 1000),
      "watchdogMs 1000 is shorter than twice STM32F411RE's longest erase (2600 ms at its datasheet maximum, during which the CPU cannot refresh the watchdog): use at least 5200"],
  ])("%s: %s", (board, _, mutate, message) => {
    const raw = rawBoard(board);
    mutate(raw);
    if (message === "") {
      expect(() => parseBoard(raw)).not.toThrow(); // a legal variation, for contrast with the refusals
      return;
    }
    expect(errorOf(() => parseBoard(raw)).message).toBe(`board ${raw.name}: ${message}`);
  });

  test("the application start must suit VTOR's alignment (1024 bytes on the H7's 150-IRQ table)", () => {
    const f4 = rawBoard("nucleo-f411re");
    expect(vectorTableAlignment(loadBoard("nucleo-h743zi2"))).toBe(1024);
    // On a part without VTOR (F0) any page will do; on the F4 every sector start is aligned anyway.
    expect(() => parseBoard(f4)).not.toThrow();
  });

  test("the name must match the file", () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, "mine.json");
      fs.writeFileSync(file, JSON.stringify({ ...rawBoard("nucleo-f411re"), boardId: "0x04318009" }, null, 2));
      expect(errorOf(() => loadBoardFile(file)).message).toMatch(/mine\.json\(3,3\): error TSB8003: "name" is "nucleo-f411re" but the file is mine\.json: rename one of them/);
      expect(errorOf(() => loadBoard(path.join(dir, "absent.json"))).message).toMatch(/board absent: cannot read .*absent\.json: no such file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("per-core build flags, linker scripts and startup code", () => {
  test("-mcpu/-mfpu/-mfloat-abi per core", () => {
    expect(cpuFlags(loadBoard("nucleo-f072rb"))).toEqual(["-mcpu=cortex-m0", "-mthumb", "-mfloat-abi=soft"]);
    expect(cpuFlags(loadBoard("nucleo-l476rg"))).toEqual(["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"]);
    expect(cpuFlags(loadBoard("nucleo-h743zi2"))).toEqual(["-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-d16", "-mfloat-abi=hard"]);
  });

  test("F0: ARMv6-M exceptions, no VTOR write; the application copies its table to SRAM and maps SRAM at 0", () => {
    const b = loadBoard("nucleo-f072rb");
    const boot = generateStartup(b, { role: "bootloader" });
    const app = generateStartup(b, { role: "application" });
    expect(boot).toContain("0, /* exception 4 */"); // no MemManage on the Cortex-M0
    expect(boot).not.toContain("MemManage_Handler");
    expect(boot).not.toContain("0xE000ED08u");
    expect(boot).not.toContain("__tsboot_sram_vectors");
    expect(app).toContain("for (uint32_t i = 0u; i < 48u; i++)");
    expect(app).toContain("*(volatile uint32_t *)0x40010000u = (*(volatile uint32_t *)0x40010000u & ~3u) | 3u; /* MEM_MODE: SRAM at 0 */");
    const ld = generateLinkerScript(b, "application");
    expect(ld).toContain("RAM (rwx) : ORIGIN = 0x200000C0, LENGTH = 0x00003F00");
    expect(ld).toContain("__tsboot_sram_vectors = 0x20000000;");
    expect(generateLinkerScript(b, "bootloader")).toContain("RAM (rwx) : ORIGIN = 0x200000C0");
    expect(boardHeader(b)).toContain("#define BOARD_SRAM_VECTORS_SIZE 192u");
    expect(boardHeader(loadBoard("nucleo-f411re"))).not.toContain("BOARD_SRAM_VECTORS");
  });

  test("H7 and L4: the other RAM blocks become regions with NOLOAD sections; the no-init words sit at the top of the images' RAM", () => {
    const h7 = generateLinkerScript(loadBoard("nucleo-h743zi2"), "bootloader");
    expect(h7).toContain("AXI_SRAM (rw) : ORIGIN = 0x24000000, LENGTH = 0x00080000");
    expect(h7).toContain(".axi_sram (NOLOAD) : { *(.axi_sram .axi_sram.*) } > AXI_SRAM AT> AXI_SRAM");
    expect(h7).toContain("SIZEOF(.isr_vector) == 664");
    const l4 = generateLinkerScript(loadBoard("nucleo-l476rg"), "application");
    expect(l4).toContain("SRAM2 (rw) : ORIGIN = 0x10000000, LENGTH = 0x00008000");
    expect(l4).not.toContain("0x20018000, LENGTH"); // the alias is the same memory
    expect(l4).toContain("__tsboot_update_flag = 0x20017FC0;");
    expect(noInitLayout(loadBoard("nucleo-l476rg")).resetCause).toBe(0x20017fc4);
  });

  test("F0 clock from board data: HSI through the PLL, or the HSI48 straight (hal_clock_init's STM32F0_CLOCK_HSI48 flag)", () => {
    const raw = rawBoard("stm32f072b-disco");
    expect(boardHeader(loadBoard("stm32f072b-disco"))).toContain("#define BOARD_HSE_HZ 0u");
    raw.clock = { source: "hsi48", sysclkHz: 48_000_000 };
    const header = boardHeader(parseBoard(raw));
    // The flag's value is the driver's own, read from its header.
    const flag = /#define STM32F0_CLOCK_HSI48 (0x[0-9A-F]+)u/.exec(fs.readFileSync(path.join(ROOT, "hal-bindings/stm32f0/stm32f0_regs.h"), "utf8"))![1];
    expect(header).toMatch(new RegExp(`#define BOARD_HSE_HZ 0x${Number(flag).toString(16).toUpperCase().padStart(8, "0")}u /\\* STM32F0_CLOCK_HSI48`));
    expect(header).toContain("#define BOARD_SYSCLK_HZ 48000000u");
  });

  test("H7: the bootloader's DMA buffers (the UART ring) go to AXI SRAM, before .bss would take them, and start zeroed; elsewhere they stay in .bss", () => {
    const h7 = loadBoard("nucleo-h743zi2");
    const ld = generateLinkerScript(h7, "bootloader", { dmaBuffers: [".bss.s_ring_storage"] });
    expect(ld).toContain("*(.dma .dma.* .bss.s_ring_storage .bss.s_ring_storage.*)");
    expect(ld).toMatch(/\.dma_buffers \(NOLOAD\) :\n  \{[^}]*__tsboot_dma_start = \.;[^}]*\} > AXI_SRAM AT> AXI_SRAM/);
    expect(ld.indexOf(".dma_buffers (NOLOAD)")).toBeLessThan(ld.indexOf(".bss (NOLOAD)"));
    expect(generateStartup(h7, { role: "bootloader" })).toContain("for (volatile uint32_t *dst = &__tsboot_dma_start; dst < &__tsboot_dma_end;)");
    // The application places its own buffers; DMA reaches the other families' RAM.
    expect(generateLinkerScript(h7, "application")).not.toContain(".dma_buffers");
    expect(generateStartup(h7, { role: "application" })).not.toContain("__tsboot_dma_start");
    for (const name of ["nucleo-f072rb", "nucleo-l476rg", "stm32f4-discovery"]) {
      expect(generateLinkerScript(loadBoard(name), "bootloader", { dmaBuffers: [".bss.s_ring_storage"] })).not.toContain(".dma_buffers");
    }
  });

  test("a family whose drivers have not landed: the build says the port is missing", async () => {
    // A family with no folder in hal-bindings/ (as F0, L4 and H7 were before their drivers came).
    const b = { ...loadBoard("nucleo-f072rb"), family: "stm32g0" as never };
    const attempt = buildBootloader({ board: b, outDir: tempDir() });
    await expect(attempt).rejects.toBeInstanceOf(BuildError);
    await expect(attempt).rejects.toThrow(
      "the stm32g0 family port is missing: its drivers (hal-bindings/stm32g0/*.c, the driver API of hal-bindings/include/tsboot_hal.h that the shared port calls) " +
        "are not there yet, so the bootloader cannot be linked for nucleo-f072rb (STM32F072RB). The board data is complete: `tsboot sim --board nucleo-f072rb` runs it on the host simulation.",
    );
    expect(familyPortPresent("stm32f4")).toBe(true);
  });
});

async function linkTrivial(board: Board, role: "bootloader" | "application"): Promise<Map<string, number>> {
  const dir = tempDir();
  try {
    const main = path.join(dir, "main.c");
    fs.writeFileSync(main, "#include <stdint.h>\nvolatile uint32_t g_data = 0x12345678u;\nvolatile uint32_t g_bss;\nint main(void) { g_bss = g_data * 3u / (g_bss + 1u); return 0; }\n");
    fs.writeFileSync(path.join(dir, "x.ld"), generateLinkerScript(board, role));
    fs.writeFileSync(path.join(dir, "startup.c"), generateStartup(board, { role }));
    const elf = path.join(dir, "x.elf");
    await execa("arm-none-eabi-gcc", [...cpuFlags(board), "-Os", "-std=c11", "-Wall", "-Wextra", "-Werror", "-nostdlib", "-nostartfiles",
      "-T", path.join(dir, "x.ld"), path.join(dir, "startup.c"), main, "-lgcc", "-o", elf]);
    const nm = await execa("arm-none-eabi-nm", [elf]);
    return new Map(nm.stdout.split("\n").map((l) => l.trim().split(/\s+/)).filter((p) => p.length === 3).map((p) => [p[2], parseInt(p[0], 16)]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!HAVE_ARM_GCC)(`a trivial program links on every core with the generated script and startup${HAVE_ARM_GCC ? "" : " (skipped: arm-none-eabi-gcc not found)"}`, () => {
  test.each([["nucleo-f072rb"], ["nucleo-l476rg"], ["nucleo-h743zi2"]])("%s", async (name) => {
    const b = loadBoard(name);
    for (const role of ["bootloader", "application"] as const) {
      const sym = await linkTrivial(b, role);
      const region = role === "bootloader" ? b.memoryMap.bootloader : b.memoryMap.application;
      expect(sym.get("g_vector_table"), `${name} ${role}`).toBe(region.start);
      expect(sym.get("_estack")).toBe(b.ram.base + b.ram.size - 64);
      expect(sym.get("_sdata")).toBe(b.family === "stm32f0" ? b.ram.base + 0xc0 : b.ram.base);
    }
  });
});
