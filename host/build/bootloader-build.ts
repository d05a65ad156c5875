/**
 * `tsboot build --board <board>`: the TypeScript bootloader → C (compiler/) → an ARM .elf/.bin/.hex with the
 * board's generated linker script, startup code and board tables, the family's drivers and port.
 * Reports flash and RAM use per section and the worst-case stack depth; fails with a clear message when the
 * bootloader outgrows its region.
 *
 * A product builds its own bootloader the same way: its own entry (`entry`, a TypeScript file exporting
 * `bootloaderMain(): void`, or another function named by `entryFunction`), its own board file, and C files
 * of its own (`extraC`: the bodies of its own @extern bindings) with their include folders. `debug` builds
 * with -Og -g3 and no LTO (with `optimize: "s"`, -Os -g3 with LTO), and the #line directives make gdb step
 * through the .ts files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { compileToDirectory, formatAll, RUNTIME_HEADER_DIR } from "../../compiler/index";
import { boardFileLabel, loadBoard, type Board } from "../../boards/index";
import { boardAccessors, boardHeader, productHeader } from "../../boards/board-c";
import { dmaRamBlock, faultRecordAddress, generateLinkerScript } from "../../boards/linker";
import { layoutFromBoard } from "../../boards/layout";
import { configHalves } from "../../hal-bindings/sim/board-layout";
import { generateStartup } from "../../boards/startup";
import { parseCallGraphs, worstStackDepth, type StackReport } from "./stack-depth";
import { findToolchain } from "./toolchain";
import { bootloaderCopies, writeFactoryImage } from "./factory-image";
import { formatModuleSizes, sizeByModule, type ModulePrefix, type ModuleSizes } from "./size-report";
import { modulePrefix } from "../../compiler/program";
import { entryFunctionC, EntryError } from "./entry";
import { checkProductHooks, ProductHookError, productHooksC } from "./product-hooks";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The repository's own bootloader, built when no entry is given. */
export const DEFAULT_ENTRY = path.join(ROOT, "bootloader-ts/main.ts");
export const DEFAULT_ENTRY_FUNCTION = "bootloaderMain";

export class BuildError extends Error {}

export interface BuildOptions {
  /** A board name (boards/<name>.json) or board data already loaded. */
  board: string | Board;
  outDir: string;
  /** Build for the board's emulator (QEMU: SysTick at the emulator's fixed clock). */
  emulator?: boolean;
  /** Extra stack the link must leave free (bytes). */
  stackSize?: number;
  /** The TypeScript entry file (default: bootloader-ts/main.ts). */
  entry?: string;
  /** The function the start-up code calls, exported by the entry (default bootloaderMain). */
  entryFunction?: string;
  /** C files compiled and linked with the bootloader (a product's own bindings). */
  extraC?: string[];
  /** Include folders for those files (each file's own folder is added anyway). */
  includeDirs?: string[];
  /** -Og -g3 without LTO, for gdb: the #line directives map the C back to the .ts lines. */
  debug?: boolean;
  /** The optimisation level (gcc's -O letter or digit): default s, and g with `debug`. */
  optimize?: string;
  /**
   * Receive by polling instead of DMA (BOARD_UART_RX_POLLED): for emulators whose UART has no DMA request
   * (Renode 1.16's STM32_UART). Default: as the board data says (boards/board-c.ts).
   */
  uartRxPolled?: boolean;
  /** The Ed25519 public key (32 bytes) built in: the bootloader then accepts only images it signed. */
  publicKey?: Uint8Array;
}

export interface SectionSizes {
  text: number;
  rodata: number;
  data: number;
  bss: number;
  initArray: number;
  /** .dma_buffers: the DMA buffers kept in another RAM block (H7: AXI SRAM), 0 elsewhere. */
  dma: number;
}

export interface BuildResult {
  board: Board;
  elf: string;
  bin: string;
  hex: string;
  /** A bank-swap board's bootloader at the start of both banks, for the factory's programmer (factory-image.ts). */
  factoryHex: string | null;
  sizes: SectionSizes;
  flashUsed: number;
  flashRegion: number;
  ramUsed: number;
  ram: number;
  stack: StackReport;
  /** The flash bytes by module (protocols, update logic, drivers, runtime checks, ...). */
  modules: ModuleSizes;
}

/** -mcpu/-mthumb/-mfpu/-mfloat-abi for the board's core: Cortex-M0 soft-float, M4 FPv4-SP, M7 FPv5 (double). */
export function cpuFlags(board: Pick<Board, "cpu" | "fpu">): string[] {
  const flags = [`-mcpu=${board.cpu}`, "-mthumb"];
  if (board.fpu !== "none") flags.push(`-mfpu=${board.fpu}`, "-mfloat-abi=hard");
  else flags.push("-mfloat-abi=soft");
  return flags;
}

export const WARNINGS = ["-std=c11", "-Wall", "-Wextra", "-Wconversion", "-Werror"];

/** The port, one for every family: the @extern bindings of the portable bootloader over the driver API. */
export const PORT_DIR = path.join(ROOT, "hal-bindings", "port");
/** memcpy and its kin, which GCC may call with no C library linked (-nostdlib). */
export const FREESTANDING_C = path.join(RUNTIME_HEADER_DIR, "tsboot_freestanding.c");

/**
 * The bootloader's UART reception ring (hal-bindings/port/tsboot_port.c s_ring_storage, sized by board data):
 * DMA writes it, so the linker script puts its section where DMA reaches (H7: AXI SRAM, not DTCM), and the
 * build checks it.
 */
export const UART_RING_SYMBOL = "s_ring_storage";

/** Where the generated startup's Default_Handler goes: the port's fault entry (hal-bindings/port/tsboot_fault_entry.c). */
export const FAULT_ENTRY = "tsboot_fault_entry";

/** Whether the family's drivers (hal-bindings/<family>/) are there, under the shared port. */
export function familyPortPresent(family: Board["family"]): boolean {
  const cFiles = (d: string) => fs.existsSync(d) && fs.readdirSync(d).some((f) => f.endsWith(".c"));
  return cFiles(path.join(ROOT, "hal-bindings", family)) && cFiles(PORT_DIR);
}

function familyPortMissing(board: Board): BuildError {
  return new BuildError(
    `the ${board.family} family port is missing: its drivers (hal-bindings/${board.family}/*.c, the driver API of ` +
      `hal-bindings/include/tsboot_hal.h that the shared port calls) are not there yet, so the bootloader cannot be linked for ` +
      `${board.name} (${board.part}). The board data is complete: \`tsboot sim --board ${board.name}\` runs it on the host simulation.`,
  );
}

/** The drivers every family shares: the Cortex-M core's (SysTick; cortex_m.h, the core's registers). */
export const CORTEX_M_DIR = path.join(ROOT, "hal-bindings", "cortex-m");

/** The family's register-level drivers (without ST's HAL-compatible layer), and the Cortex-M core's. */
export function familyDrivers(board: Board): string[] {
  if (!familyPortPresent(board.family)) throw familyPortMissing(board);
  const dir = path.join(ROOT, "hal-bindings", board.family);
  const cFiles = (d: string) => fs.readdirSync(d).filter((f) => f.endsWith(".c") && !f.includes("hal_compat")).sort().map((f) => path.join(d, f));
  return [...cFiles(dir), ...cFiles(CORTEX_M_DIR)];
}

/** The -I flags that the drivers' headers need: the driver API, the Cortex-M core's registers, the family's. */
export function driverIncludes(family: Board["family"]): string[] {
  return ["-I", path.join(ROOT, "hal-bindings/include"), "-I", CORTEX_M_DIR, "-I", path.join(ROOT, "hal-bindings", family)];
}

/** The drivers plus the shared port. */
function familySources(board: Board): string[] {
  return [...familyDrivers(board), ...fs.readdirSync(PORT_DIR).filter((f) => f.endsWith(".c")).sort().map((f) => path.join(PORT_DIR, f))];
}

/** A failed link, said in terms of what is missing (the drivers, the port or the product's C) when it is that. */
export function linkFailure(board: Board, output: string): BuildError {
  const missing = undefinedReferences(output);
  if (missing.length > 0) {
    return new BuildError(
      `linking the bootloader for ${board.name} failed: nothing defines ${missing.join(", ")}. ` +
        `If these are bindings (@extern), the ${board.family} drivers (hal-bindings/${board.family}/), the shared port (hal-bindings/port/) or your --c files must implement them.\n${output}`,
    );
  }
  return new BuildError(`linking the bootloader failed:\n${output}`);
}

/** Symbols the linker found no definition for. */
export function undefinedReferences(linkOutput: string): string[] {
  return [...new Set([...linkOutput.matchAll(/undefined reference to [`']([^'`]+)'/g)].map((m) => m[1]))].sort();
}

export async function buildBootloader(options: BuildOptions): Promise<BuildResult> {
  const board = typeof options.board === "string" ? loadBoard(options.board) : options.board;
  if (!familyPortPresent(board.family)) throw familyPortMissing(board);
  if (options.publicKey && configHalves(layoutFromBoard(board)) < 2) {
    // A one-half status log is erased whole when an update begins: a power cut before the counter is
    // written again would reset the anti-rollback counter, and with it the protection against downgrades.
    throw new BuildError(
      `signed images need a status log in two halves, so that the anti-rollback counter survives a power cut: ` +
        `${boardFileLabel(board)} memoryMap.config is one erase unit — give it two (as nucleo-f411re-ab does), or build without --pubkey`,
    );
  }
  const level = options.optimize ?? (options.debug ? "g" : "s");
  if (!/^(0|1|2|3|s|g|z)$/.test(level)) throw new BuildError(`--optimize '${level}' is not a gcc level: 0, 1, 2, 3, s, g or z`);
  const tools = findToolchain();
  const out = path.resolve(options.outDir);
  const gen = path.join(out, "gen");
  fs.mkdirSync(gen, { recursive: true });

  const entry = path.resolve(options.entry ?? DEFAULT_ENTRY);
  const extraC = (options.extraC ?? []).map((f) => path.resolve(f));
  for (const f of [entry, ...extraC]) if (!fs.existsSync(f)) throw new BuildError(`${f}: no such file`);
  // #line paths are relative to the folder gcc runs in, so gdb finds the .ts files from the ELF alone.
  const sourceRoot = path.resolve(process.cwd());
  const compiled = compileToDirectory({ entry, outDir: gen, sourceRoot, portFiles: true });
  if (!compiled.ok) throw new BuildError(`${path.relative(process.cwd(), entry) || entry} does not compile:\n${formatAll(compiled)}`);
  let entryC: string;
  try {
    entryC = entryFunctionC(compiled.moduleName, options.entryFunction ?? DEFAULT_ENTRY_FUNCTION, compiled.files, entry);
  } catch (e) {
    if (e instanceof EntryError) throw new BuildError(e.message);
    throw e;
  }
  let hooks: string;
  try {
    hooks = productHooksC(checkProductHooks(entry), compiled.moduleName, fs.readFileSync(path.join(gen, "tsboot_port.h"), "utf8"), path.relative(process.cwd(), entry) || entry);
  } catch (e) {
    if (e instanceof ProductHookError) throw new BuildError(e.message);
    throw e;
  }
  fs.writeFileSync(path.join(gen, "tsboot_product_hooks.c"), hooks);
  fs.writeFileSync(path.join(gen, "tsboot_board.h"), boardHeader(board, { emulator: options.emulator, uartRxPolled: options.uartRxPolled }));
  fs.writeFileSync(path.join(gen, "tsboot_product.h"), productHeader(board));
  fs.writeFileSync(path.join(gen, "board.c"), boardAccessors(board, { publicKey: options.publicKey }));
  // The bootloader enables no IRQ line: its vector table has the system entries only, all to the fault entry.
  fs.writeFileSync(path.join(gen, "startup.c"), generateStartup(board, { entry: entryC, role: "bootloader", faultHandler: FAULT_ENTRY, systemVectorsOnly: true }));
  const linkerScript = path.join(gen, "bootloader.ld");
  fs.writeFileSync(linkerScript, generateLinkerScript(board, "bootloader", { stackSize: options.stackSize ?? 0x800, systemVectorsOnly: true, dmaBuffers: [`.bss.${UART_RING_SYMBOL}`] }));

  // The program and the board's tables in one translation unit: GCC then folds the board's constants
  // (board_config_halves(), board_scratch_size() ...) before it decides what to inline and what is dead. Across
  // units LTO inlines them only after those decisions, and a single-slot board kept slot code (464 B on an F411).
  const unit = path.join(gen, "bootloader_unit.c");
  // The product's hooks (or their defaults) too, so that the defaults fold away there as well.
  fs.writeFileSync(unit, `/* Generated by tsboot build: the board's tables, the compiled program and its product hooks, one translation unit. */\n#include "board.c"\n#include "${compiled.moduleName}.c"\n#include "tsboot_product_hooks.c"\n`);
  const sources = [unit, path.join(gen, "startup.c"), ...familySources(board), FREESTANDING_C, ...extraC];
  const userIncludes = [...new Set([...extraC.map((f) => path.dirname(f)), ...(options.includeDirs ?? []).map((d) => path.resolve(d))])];
  const includes = ["-I", gen, "-I", RUNTIME_HEADER_DIR, ...driverIncludes(board.family),
    ...userIncludes.flatMap((d) => ["-I", d])];
  // What the drivers need of the board without including tsboot_board.h (the register-model builds define their own).
  // The part's DEV_ID lets the F4 clock driver fold what depends on the part (VOS field, APB limits) at build time.
  // The board's USART lets the F4 UART driver fold its registers and clock bit (it accepts no other USART then).
  const defines = [`-DTSBOOT_FLASH_SIZE_KB=${board.flash.size / 1024}u`, `-DBOARD_FAULT_RECORD_ADDR=0x${faultRecordAddress(board).toString(16).toUpperCase()}u`,
    `-DTSBOOT_DEV_ID=0x${board.partInfo.devId.toString(16).toUpperCase()}u`, `-DTSBOOT_UART_BASE=0x${board.uart.base.toString(16).toUpperCase()}u`];
  const optimise = [`-O${level}`, ...(options.debug ? ["-g3"] : [])];
  // A debug build links without LTO, for faithful stepping; at a size-first level it keeps LTO, which is
  // what lets a debug build fit a region the -Og one outgrows (the .ts line mapping is the same).
  const lto = !options.debug || level === "s" || level === "z";
  // tsboot_port.h in every unit: the generated C's extern prototypes are checked against the port's.
  const common = [...cpuFlags(board), ...WARNINGS, ...optimise, "-ffunction-sections", "-fdata-sections", "-ffreestanding", ...includes, ...defines, "-include", "tsboot_port.h"];

  // Pass 1, for the stack analysis: per-object call graphs with frame sizes (not linked).
  const analysis = path.join(out, "analysis");
  fs.mkdirSync(analysis, { recursive: true });
  await Promise.all(
    sources.map(async (src, i) => {
      const base = path.join(analysis, `${i}-${path.basename(src, ".c")}`);
      const r = await execa(tools.gcc, [...common, "-fstack-usage", "-fcallgraph-info=su", "-c", src, "-o", `${base}.o`], { cwd: analysis, reject: false, all: true });
      if (r.exitCode !== 0) throw new BuildError(`compiling ${path.relative(process.cwd(), src) || src} failed:\n${r.all}`);
    }),
  );
  const graphs = fs.readdirSync(analysis).filter((f) => f.endsWith(".ci")).map((f) => path.join(analysis, f));
  const callGraph = parseCallGraphs(graphs);

  // Pass 2, the image: LTO across the bootloader, the drivers and the startup code.
  const elf = path.join(out, "bootloader.elf");
  const link = await execa(
    tools.gcc,
    // -g gives the line table the size-by-module report reads; it changes no code (GCC's -fcompare-debug rule).
    [...common, ...(lto ? ["-flto"] : []), ...(options.debug ? [] : ["-g"]), "-nostartfiles", "-nostdlib", "-T", linkerScript, "-Wl,--gc-sections", "-Wl,--no-warn-rwx-segments", `-Wl,-Map=${path.join(out, "bootloader.map")}`, ...sources, "-lgcc", "-o", elf],
    { reject: false, all: true, cwd: sourceRoot },
  );
  if (link.exitCode !== 0) {
    const overflow = /region [`']?FLASH'? overflowed by (\d+) bytes/.exec(link.all ?? "");
    if (overflow && options.debug && level !== "s") {
      throw new BuildError(
        `the debug build (-O${level}) is ${overflow[1]} bytes too big for its ${board.memoryMap.bootloader.size / 1024} KB region on ${board.name}: ` +
          `build it with --debug --optimize s (-Os -g3 with LTO, as small as a release build: the same .ts line mapping, less faithful stepping), or give the bootloader more sectors`,
      );
    }
    if (overflow) {
      throw new BuildError(
        `the bootloader is ${overflow[1]} bytes too big for its ${board.memoryMap.bootloader.size / 1024} KB region on ${board.name} ` +
          `(${boardFileLabel(board)} memoryMap.bootloader): shrink it or give it more sectors (and move config/application)`,
      );
    }
    throw linkFailure(board, link.all ?? "");
  }
  const bin = path.join(out, "bootloader.bin");
  const hex = path.join(out, "bootloader.hex");
  await execa(tools.objcopy, ["-O", "binary", elf, bin]);
  await execa(tools.objcopy, ["-O", "ihex", elf, hex]);
  const factoryHex = writeFactoryImage(board, bin, out);
  const sizes = await sectionSizes(tools.size, elf);
  await checkDmaReach(board, tools.nm, elf);
  const stack = worstStackDepth(callGraph, "Reset_Handler", sizes.initArray === 0);
  // Each compiled module's C prefix (the compiler's rule), so that its data symbols count for its file.
  const prefixes: ModulePrefix[] = compiled.sources.map((file) => [`${modulePrefix(file, path.dirname(entry))}_`, path.relative(ROOT, file).split(path.sep).join("/")]);
  const modules = await sizeByModule(tools, elf, ROOT, gen, prefixes);
  fs.writeFileSync(path.join(out, "build.json"), JSON.stringify({ board: board.name, boardFile: board.file, entry, entryFunction: entryC, extraC, debug: Boolean(options.debug) }, null, 2) + "\n");
  const stackSize = options.stackSize ?? 0x800;
  if (stack.depth > stackSize) {
    throw new BuildError(`the bootloader needs at least ${stack.depth} bytes of stack (${stack.path.join(" → ")}), more than the ${stackSize} bytes reserved: raise stackSize`);
  }
  return {
    board,
    elf,
    bin,
    hex,
    factoryHex,
    sizes,
    flashUsed: sizes.text + sizes.rodata + sizes.data,
    flashRegion: board.memoryMap.bootloader.size,
    ramUsed: sizes.data + sizes.bss,
    ram: board.ram.size,
    stack,
    modules,
  };
}

/** The UART ring lies in RAM that the DMA controller reaches; else reception would fall back to polling. */
async function checkDmaReach(board: Board, nm: string, elf: string): Promise<void> {
  const { stdout } = await execa(nm, ["-S", elf]);
  // LTO may rename a static (s_ring_storage.lto_priv.0); its section then is .bss.s_ring_storage.lto_priv.0.
  const m = new RegExp(`^([0-9a-f]{8}) ([0-9a-f]{8}) [bBdD] ${UART_RING_SYMBOL}(\\.lto_priv\\.\\d+)?$`, "m").exec(stdout);
  if (!m) return; // a product entry without tsboot's uart-io: nothing to check
  const at = parseInt(m[1], 16);
  const block = board.ramBlocks.find((b) => at >= b.base && at + parseInt(m[2], 16) <= b.base + b.size);
  if (!block || block.dma === false) {
    throw new BuildError(
      `the UART ring (${UART_RING_SYMBOL}) was linked at 0x${m[1]}, in ${block?.name ?? "no RAM block"}, which DMA does not reach on ${board.part}: ` +
        `the linker script must place .bss.${UART_RING_SYMBOL} in DMA-reachable RAM (boards/linker.ts dmaBuffers)`,
    );
  }
}

export async function sectionSizes(sizeTool: string, elf: string): Promise<SectionSizes> {
  const { stdout } = await execa(sizeTool, ["-A", elf]);
  const sizes: SectionSizes = { text: 0, rodata: 0, data: 0, bss: 0, initArray: 0, dma: 0 };
  for (const line of stdout.split("\n")) {
    const m = /^(\.\S+)\s+(\d+)\s+\d+/.exec(line.trim());
    if (!m) continue;
    const [name, bytes] = [m[1], Number(m[2])];
    if (name === ".isr_vector" || name === ".text") sizes.text += bytes;
    // libgcc's unwind index (8 bytes on the Cortex-M7 build) is read-only flash like .rodata.
    else if (name === ".rodata" || name === ".ARM.exidx" || name === ".ARM.extab") sizes.rodata += bytes;
    else if (name === ".data") sizes.data += bytes;
    else if (name === ".bss") sizes.bss += bytes;
    else if (name === ".init_array") sizes.initArray += bytes;
    else if (name === ".dma_buffers") sizes.dma += bytes;
  }
  return sizes;
}

export function formatBuildReport(r: BuildResult): string {
  const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
  const lines = [
    `tsboot bootloader for ${r.board.name} (${r.board.part})`,
    `  flash: ${r.flashUsed} of ${r.flashRegion} bytes (${pct(r.flashUsed, r.flashRegion)}) — .text ${r.sizes.text}, .rodata ${r.sizes.rodata}, .data ${r.sizes.data}`,
    `  RAM:   ${r.ramUsed} of ${r.ram} bytes — .data ${r.sizes.data}, .bss ${r.sizes.bss}${r.sizes.dma ? `; DMA buffers ${r.sizes.dma} bytes in ${dmaRamBlock(r.board)?.name}` : ""}`,
    `  stack: ${r.stack.complete ? "" : "at least "}${r.stack.depth} bytes worst case: ${r.stack.path.join(" → ")}`,
    ...(r.stack.complete ? [] : [`         (not measured: ${r.stack.problems.join("; ")})`]),
    formatModuleSizes(r.modules),
    `  ${path.relative(process.cwd(), r.elf)}, .bin, .hex`,
    ...(r.factoryHex ? [`  ${path.relative(process.cwd(), r.factoryHex)}: the bootloader at ${bootloaderCopies(r.board).map((a) => `0x${a.toString(16).toUpperCase().padStart(8, "0")}`).join(" and ")}, for the factory's programmer (both banks need it: docs/slots.md)`] : []),
  ];
  return lines.join("\n");
}
