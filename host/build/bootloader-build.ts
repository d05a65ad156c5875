/**
 * `tsboot build --board <board>`: the TypeScript bootloader → C (compiler/) → an ARM .elf/.bin/.hex with the
 * board's generated linker script, startup code and board tables, the family's drivers and port.
 * Reports flash and RAM use per section and the worst-case stack depth; fails with a clear message when the
 * bootloader outgrows its region.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { compileToDirectory, formatAll, RUNTIME_HEADER_DIR } from "../../compiler/index";
import { loadBoard, type Board } from "../../boards/index";
import { boardAccessors, boardHeader } from "../../boards/board-c";
import { generateLinkerScript } from "../../boards/linker";
import { generateStartup } from "../../boards/startup";
import { parseCallGraphs, worstStackDepth, type StackReport } from "./stack-depth";
import { findToolchain } from "./toolchain";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ENTRY = path.join(ROOT, "bootloader-ts/main.ts");
const ENTRY_FUNCTION = "main_bootloaderMain";

export class BuildError extends Error {}

export interface BuildOptions {
  /** A board name (boards/<name>.json) or board data already loaded. */
  board: string | Board;
  outDir: string;
  /** Build for the board's emulator (QEMU: SysTick at the emulator's fixed clock). */
  emulator?: boolean;
  /** Extra stack the link must leave free (bytes). */
  stackSize?: number;
  /**
   * Receive by polling instead of DMA (BOARD_UART_RX_POLLED): for emulators whose UART has no DMA request
   * (Renode 1.16's STM32_UART). Default: as the board data says (boards/board-c.ts).
   */
  uartRxPolled?: boolean;
}

export interface SectionSizes {
  text: number;
  rodata: number;
  data: number;
  bss: number;
  initArray: number;
}

export interface BuildResult {
  board: Board;
  elf: string;
  bin: string;
  hex: string;
  sizes: SectionSizes;
  flashUsed: number;
  flashRegion: number;
  ramUsed: number;
  ram: number;
  stack: StackReport;
}

export function cpuFlags(board: Board): string[] {
  const flags = [`-mcpu=${board.cpu}`, "-mthumb"];
  if (board.fpu !== "none") flags.push(`-mfpu=${board.fpu}`, "-mfloat-abi=hard");
  else flags.push("-mfloat-abi=soft");
  return flags;
}

export const WARNINGS = ["-std=c11", "-Wall", "-Wextra", "-Wconversion", "-Werror"];

/** The family's register-level drivers (without ST's HAL-compatible layer). */
export function familyDrivers(board: Board): string[] {
  const dir = path.join(ROOT, "hal-bindings", board.family);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".c") && !f.includes("hal_compat"))
    .map((f) => path.join(dir, f));
}

/** The port, one for every family: the @extern bindings of the portable bootloader over the driver API. */
export const PORT_DIR = path.join(ROOT, "hal-bindings", "port");

/** The drivers plus the port. */
function familySources(board: Board): string[] {
  return [...familyDrivers(board), ...fs.readdirSync(PORT_DIR).filter((f) => f.endsWith(".c")).sort().map((f) => path.join(PORT_DIR, f))];
}

/** Where the generated startup's Default_Handler goes: the port's fault entry (hal-bindings/port/tsboot_fault_entry.c). */
export const FAULT_ENTRY = "tsboot_fault_entry";

export async function buildBootloader(options: BuildOptions): Promise<BuildResult> {
  const board = typeof options.board === "string" ? loadBoard(options.board) : options.board;
  const tools = findToolchain();
  const out = path.resolve(options.outDir);
  const gen = path.join(out, "gen");
  fs.mkdirSync(gen, { recursive: true });

  // portFiles: tsboot_port.h, the bindings' prototypes generated from their @extern declarations.
  const compiled = compileToDirectory({ entry: ENTRY, outDir: gen, sourceRoot: ROOT, portFiles: true });
  if (!compiled.ok) throw new BuildError(`the bootloader does not compile:\n${formatAll(compiled)}`);
  fs.writeFileSync(path.join(gen, "tsboot_board.h"), boardHeader(board, { emulator: options.emulator, uartRxPolled: options.uartRxPolled }));
  fs.writeFileSync(path.join(gen, "board.c"), boardAccessors(board));
  fs.writeFileSync(path.join(gen, "startup.c"), generateStartup(board, { entry: ENTRY_FUNCTION, role: "bootloader", faultHandler: FAULT_ENTRY }));
  const linkerScript = path.join(gen, "bootloader.ld");
  fs.writeFileSync(linkerScript, generateLinkerScript(board, "bootloader", { stackSize: options.stackSize ?? 0x800 }));

  const sources = [path.join(gen, "main.c"), path.join(gen, "board.c"), path.join(gen, "startup.c"), ...familySources(board)];
  const includes = ["-I", gen, "-I", RUNTIME_HEADER_DIR, "-I", path.join(ROOT, "hal-bindings/include"), "-I", path.join(ROOT, "hal-bindings", board.family)];
  const defines = [`-DTSBOOT_FLASH_SIZE_KB=${board.flash.size / 1024}u`];
  // tsboot_port.h (generated) in every unit: a port whose functions disagree with the TypeScript does not compile.
  const common = [...cpuFlags(board), ...WARNINGS, "-Os", "-ffunction-sections", "-fdata-sections", "-ffreestanding", ...includes, ...defines, "-include", "tsboot_port.h"];

  // Pass 1, for the stack analysis: per-object call graphs with frame sizes (not linked).
  const analysis = path.join(out, "analysis");
  fs.mkdirSync(analysis, { recursive: true });
  await Promise.all(
    sources.map((src) => {
      const base = path.join(analysis, path.basename(src, ".c"));
      return execa(tools.gcc, [...common, "-fstack-usage", "-fcallgraph-info=su", "-c", src, "-o", `${base}.o`], { cwd: analysis });
    }),
  );
  const graphs = fs.readdirSync(analysis).filter((f) => f.endsWith(".ci")).map((f) => path.join(analysis, f));
  const callGraph = parseCallGraphs(graphs);

  // Pass 2, the image: LTO across the bootloader, the drivers and the startup code.
  const elf = path.join(out, "bootloader.elf");
  const link = await execa(
    tools.gcc,
    [...common, "-flto", "-nostartfiles", "-nostdlib", "-T", linkerScript, "-Wl,--gc-sections", "-Wl,--no-warn-rwx-segments", `-Wl,-Map=${path.join(out, "bootloader.map")}`, ...sources, "-lgcc", "-o", elf],
    { reject: false, all: true },
  );
  if (link.exitCode !== 0) {
    const overflow = /region [`']?FLASH'? overflowed by (\d+) bytes/.exec(link.all ?? "");
    if (overflow) {
      throw new BuildError(
        `the bootloader is ${overflow[1]} bytes too big for its ${board.memoryMap.bootloader.size / 1024} KB region on ${board.name} ` +
          `(boards/${board.name}.json memoryMap.bootloader): shrink it or give it more sectors (and move config/application)`,
      );
    }
    throw new BuildError(`linking the bootloader failed:\n${link.all}`);
  }
  const bin = path.join(out, "bootloader.bin");
  const hex = path.join(out, "bootloader.hex");
  await execa(tools.objcopy, ["-O", "binary", elf, bin]);
  await execa(tools.objcopy, ["-O", "ihex", elf, hex]);
  const sizes = await sectionSizes(tools.size, elf);
  const stack = worstStackDepth(callGraph, "Reset_Handler", sizes.initArray === 0);
  const stackSize = options.stackSize ?? 0x800;
  if (stack.depth > stackSize) {
    throw new BuildError(`the bootloader needs at least ${stack.depth} bytes of stack (${stack.path.join(" → ")}), more than the ${stackSize} bytes reserved: raise stackSize`);
  }
  return {
    board,
    elf,
    bin,
    hex,
    sizes,
    flashUsed: sizes.text + sizes.rodata + sizes.data,
    flashRegion: board.memoryMap.bootloader.size,
    ramUsed: sizes.data + sizes.bss,
    ram: board.ram.size,
    stack,
  };
}

export async function sectionSizes(sizeTool: string, elf: string): Promise<SectionSizes> {
  const { stdout } = await execa(sizeTool, ["-A", elf]);
  const sizes: SectionSizes = { text: 0, rodata: 0, data: 0, bss: 0, initArray: 0 };
  for (const line of stdout.split("\n")) {
    const m = /^(\.\S+)\s+(\d+)\s+\d+/.exec(line.trim());
    if (!m) continue;
    const [name, bytes] = [m[1], Number(m[2])];
    if (name === ".isr_vector" || name === ".text") sizes.text += bytes;
    else if (name === ".rodata") sizes.rodata += bytes;
    else if (name === ".data") sizes.data += bytes;
    else if (name === ".bss") sizes.bss += bytes;
    else if (name === ".init_array") sizes.initArray += bytes;
  }
  return sizes;
}

export function formatBuildReport(r: BuildResult): string {
  const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
  const lines = [
    `tsboot bootloader for ${r.board.name} (${r.board.part})`,
    `  flash: ${r.flashUsed} of ${r.flashRegion} bytes (${pct(r.flashUsed, r.flashRegion)}) — .text ${r.sizes.text}, .rodata ${r.sizes.rodata}, .data ${r.sizes.data}`,
    `  RAM:   ${r.ramUsed} of ${r.ram} bytes — .data ${r.sizes.data}, .bss ${r.sizes.bss}`,
    `  stack: ${r.stack.complete ? "" : "at least "}${r.stack.depth} bytes worst case: ${r.stack.path.join(" → ")}`,
    ...(r.stack.complete ? [] : [`         (not measured: ${r.stack.problems.join("; ")})`]),
    `  ${path.relative(process.cwd(), r.elf)}, .bin, .hex`,
  ];
  return lines.join("\n");
}
