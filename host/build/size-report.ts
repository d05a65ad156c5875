/**
 * The bootloader's flash bytes by module, so that a size regression has a name.
 *
 * Every byte that is programmed (.isr_vector, .text, .rodata, .data's load image) is given to the source it
 * came from. Code goes by the DWARF line table (the ELF is linked with -g, which does not change the code):
 * the innermost inlined location of each instruction, so a function LTO inlined into another still counts
 * for its own file, and the C the compiler writes carries #line directives back to the .ts files. Data goes
 * by symbol: the compiler names C symbols `<module>_<name>`; an unnamed constant (a string literal) goes
 * to the code whose literal pool points at it. What has no line and no symbol of ours is libgcc's.
 *
 * Groups: protocols (native, AN3155), update logic, status log and slots, crypto (bootloader-ts/lib),
 * drivers (the family's and the shared port), board tables, runtime checks (tsboot_rt.h and the trap,
 * tsb_panic), startup and vectors, libgcc; a product's own files are "product".
 */
import * as path from "node:path";
import { execa } from "execa";

export type ModuleGroup =
  | "protocols"
  | "update logic"
  | "status log and slots"
  | "crypto"
  | "drivers"
  | "board tables"
  | "runtime checks"
  | "startup and vectors"
  | "libgcc"
  | "product"
  | "other";

/** The order the report lists groups in. */
export const MODULE_GROUPS: ModuleGroup[] = [
  "protocols",
  "update logic",
  "status log and slots",
  "crypto",
  "drivers",
  "board tables",
  "runtime checks",
  "startup and vectors",
  "libgcc",
  "product",
  "other",
];

const PROTOCOLS = new Set(["native-protocol.ts", "an3155.ts"]);
const STATUS_AND_SLOTS = new Set(["status-log.ts", "slots.ts", "swap.ts"]);

/** The group of a source file (its path relative to the repository, forward slashes) and function. */
export function groupOf(source: string, fn = ""): ModuleGroup {
  const base = path.posix.basename(source);
  if (base === "tsboot_rt.h" || fn === "tsb_panic" || fn.startsWith("tsb_check_") || fn.startsWith("tsb_index_")) return "runtime checks";
  if (source.startsWith("bootloader-ts/lib/")) return "crypto";
  if (source.startsWith("bootloader-ts/")) {
    if (PROTOCOLS.has(base)) return "protocols";
    if (STATUS_AND_SLOTS.has(base)) return "status log and slots";
    return "update logic";
  }
  if (source.startsWith("hal-bindings/")) return "drivers";
  if (base === "board.c") return "board tables";
  if (base === "startup.c" || source === ".isr_vector") return "startup and vectors";
  if (source === "libgcc") return "libgcc";
  if (source === "" || source === "other") return "other";
  return "product";
}

export interface SourceBytes {
  /** A repository-relative path (`bootloader-ts/an3155.ts`), a generated file's name (`board.c`), or `libgcc`. */
  source: string;
  bytes: number;
}

export interface ModuleSizes {
  /** Programmed bytes accounted for: equals the flash use. */
  total: number;
  groups: { group: ModuleGroup; bytes: number; sources: SourceBytes[] }[];
}

interface Section {
  name: string;
  vma: number;
  lma: number;
  size: number;
}

interface Symbol {
  addr: number;
  size: number;
  name: string;
}

export interface SizeTools {
  objdump: string;
  nm: string;
  addr2line: string;
}

/** A C symbol prefix the compiler gave a module (`lib_crc32_`) and that module's repository-relative path. */
export type ModulePrefix = [prefix: string, source: string];

/**
 * The flash bytes of `elf` (linked with -g) by source file and group. `root` is the repository, `gen` the
 * generated C's folder, `prefixes` the compiled program's module prefixes (data symbols are named by them).
 */
export async function sizeByModule(tools: SizeTools, elf: string, root: string, gen: string, prefixes: ModulePrefix[] = []): Promise<ModuleSizes> {
  // The longest prefix first: `lib_crc32_` before a module named `lib_`.
  const modulePrefixes = [...prefixes].sort((a, b) => b[0].length - a[0].length);
  const modulePrefixSource = (symbol: string) => modulePrefixes.find(([prefix]) => symbol.startsWith(prefix))?.[1] ?? systemSymbolSource(symbol);
  const sections = await loadSections(tools.objdump, elf);
  const symbols = await loadSymbols(tools.nm, elf);
  const bytesBySource = new Map<string, number>();
  const add = (source: string, n: number) => bytesBySource.set(source, (bytesBySource.get(source) ?? 0) + n);
  const relative = (file: string) => {
    const abs = path.resolve(root, file);
    if (abs.startsWith(gen + path.sep)) return path.basename(abs);
    const rel = path.relative(root, abs).split(path.sep).join("/");
    return rel.startsWith("..") ? abs : rel;
  };
  const symbolAt = (addr: number) => symbols.find((s) => addr >= s.addr && addr < s.addr + Math.max(s.size, 1));
  const sourceOfSymbol = (name: string): string => {
    if (name.startsWith("__") || name === "memcpy" || name === "memset") return "libgcc";
    return modulePrefixSource(name) ?? name;
  };

  // Code: every instruction (and literal-pool word) of .text.
  const code = await instructions(tools.objdump, elf);
  const located = await locate(tools.addr2line, elf, code.map((c) => c.addr));
  const sourceOfLocation = (where: { file: string; fn: string }) => (groupOf(relative(where.file), where.fn) === "runtime checks" ? "tsboot_rt.h" : relative(where.file));
  const poolRefs = new Map<number, string>(); // an address a literal word points at → the source that holds the word
  let previous = "other";
  const loaders = new Map<number, string>(); // a literal-pool word → the source of the code that loads it
  const sources = code.map((c) => {
    const where = located.get(c.addr)?.[0];
    const symbol = symbolAt(c.addr)?.name;
    // An alignment nop between functions has neither: it goes with the code before it.
    previous = where ? sourceOfLocation(where) : symbol ? sourceOfSymbol(symbol) : previous;
    if (c.loads !== undefined) loaders.set(c.loads, previous);
    return previous;
  });
  for (const [i, c] of code.entries()) {
    // A literal pool sits at the end of the function that LTO built; its words belong to the code that loads them.
    const source = (c.word !== undefined ? loaders.get(c.addr) : undefined) ?? sources[i];
    add(source, c.size);
    if (c.word !== undefined) poolRefs.set(c.word, source);
  }

  // Data (and the RAM functions in .data): named symbols by module prefix, or, for a function, by the file it
  // was written in; the rest (string literals, padding) by the code that refers to it.
  const ramFunctions = symbols.filter((s) => sections.some((x) => x.name === ".data" && s.addr >= x.vma && s.addr < x.vma + x.size));
  const ramLocated = await locate(tools.addr2line, elf, ramFunctions.map((s) => s.addr));
  for (const s of sections) {
    if (s.name === ".isr_vector") {
      add(".isr_vector", s.size);
      continue;
    }
    if (s.name === ".text") continue;
    let at = s.vma;
    const end = s.vma + s.size;
    let owner = "other";
    while (at < end) {
      const sym = symbols.find((x) => x.addr === at && x.size > 0);
      if (sym) {
        const frames = ramLocated.get(sym.addr);
        const outer = frames?.[frames.length - 1];
        const generated = modulePrefixSource(sym.name) === undefined && (sym.name.startsWith("CSWTCH") || /\.\d+$/.test(sym.name));
        const source = outer && outer.fn === sym.name ? sourceOfLocation(outer) : generated ? (poolRefs.get(at) ?? "other") : sourceOfSymbol(sym.name);
        add(source, Math.min(sym.size, end - at));
        at += sym.size;
        continue;
      }
      owner = poolRefs.get(at) ?? owner;
      add(owner, 1);
      at += 1;
    }
  }
  const total = [...bytesBySource.values()].reduce((a, b) => a + b, 0);
  const byGroup = new Map<ModuleGroup, SourceBytes[]>();
  for (const [source, bytes] of bytesBySource) {
    const g = groupOf(source);
    if (!byGroup.has(g)) byGroup.set(g, []);
    byGroup.get(g)!.push({ source, bytes });
  }
  const groups = MODULE_GROUPS.filter((g) => byGroup.has(g)).map((group) => {
    const sources = byGroup.get(group)!.sort((a, b) => b.bytes - a.bytes);
    return { group, bytes: sources.reduce((a, s) => a + s.bytes, 0), sources };
  });
  return { total, groups };
}

/** Symbols that are not a compiled module's: the vector table, the board's tables, the drivers' data. */
function systemSymbolSource(symbol: string): string | undefined {
  const known: [string, string][] = [
    ["g_vector_table", ".isr_vector"],
    // boards/board-c.ts's tables: the erase units (one table of starts, or runs), RAM regions, baud rates, key.
    ["SECTOR_", "board.c"],
    ["UNIT_START", "board.c"],
    ["RUN_", "board.c"],
    ["RAM_", "board.c"],
    ["BAUD_TABLE", "board.c"],
    ["PUBLIC_KEY", "board.c"],
    ["s_", "hal-bindings/ (driver data)"],
    ["GPIO_FIELDS", "hal-bindings/ (driver data)"],
  ];
  return known.find(([prefix]) => symbol.startsWith(prefix))?.[1];
}

async function loadSections(objdump: string, elf: string): Promise<Section[]> {
  const { stdout } = await execa(objdump, ["-h", "-w", elf]);
  const out: Section[] = [];
  for (const line of stdout.split("\n")) {
    const m = /^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+\S+\s+(.*)$/.exec(line);
    if (!m || !/\bALLOC\b/.test(m[5]) || !/\bLOAD\b/.test(m[5])) continue;
    out.push({ name: m[1], size: parseInt(m[2], 16), vma: parseInt(m[3], 16), lma: parseInt(m[4], 16) });
  }
  return out;
}

async function loadSymbols(nm: string, elf: string): Promise<Symbol[]> {
  const { stdout } = await execa(nm, ["-S", "-n", "--defined-only", elf]);
  const out: Symbol[] = [];
  for (const line of stdout.split("\n")) {
    const m = /^([0-9a-f]+)\s+([0-9a-f]+)\s+[TtDdRrBb]\s+(\S+)$/.exec(line.trim());
    if (m) out.push({ addr: parseInt(m[1], 16), size: parseInt(m[2], 16), name: m[3] });
  }
  return out;
}

/** One inlining level of an address: the innermost first. */
interface Frame {
  addr: number;
  file: string;
  fn: string;
}

interface Instruction {
  addr: number;
  size: number;
  /** The value of a literal-pool word. */
  word?: number;
  /** The literal-pool word a pc-relative load reads. */
  loads?: number;
}

/** Instructions and literal-pool words of .text, as objdump sees them. */
async function instructions(objdump: string, elf: string): Promise<Instruction[]> {
  const { stdout } = await execa(objdump, ["-d", "-z", "--section=.text", elf], { maxBuffer: 64 * 1024 * 1024 });
  const out: Instruction[] = [];
  for (const line of stdout.split("\n")) {
    const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(\S+)\s*(\S*)/.exec(line);
    if (!m) continue;
    const insn: Instruction = { addr: parseInt(m[1], 16), size: m[2].replace(/\s+/g, "").length / 2 };
    if (m[3] === ".word") insn.word = parseInt(m[4], 16);
    const pool = /\[pc, #-?\d+\]\s+@ \(([0-9a-f]+)/.exec(line);
    if (pool) insn.loads = parseInt(pool[1], 16);
    out.push(insn);
  }
  return out;
}

/** The innermost source location (file, function) of each address that has one. */
async function locate(addr2line: string, elf: string, addrs: number[]): Promise<Map<number, Frame[]>> {
  const out = new Map<number, Frame[]>();
  if (addrs.length === 0) return out;
  const input = addrs.map((a) => `0x${a.toString(16)}`).join("\n") + "\n";
  const { stdout } = await execa(addr2line, ["-a", "-f", "-i", "-e", elf], { input, maxBuffer: 64 * 1024 * 1024 });
  let frames: Frame[] = [];
  for (const line of stdout.split("\n").concat("0x")) {
    if (/^0x[0-9a-f]*$/.test(line)) {
      if (frames.length > 0 && frames[0].file !== "??" && frames[0].file !== "") out.set(frames[0].addr, frames);
      frames = [];
      if (line !== "0x") frames.push({ addr: parseInt(line.slice(2), 16), file: "", fn: "" });
      continue;
    }
    const last = frames[frames.length - 1];
    if (!last) continue;
    if (last.fn === "") last.fn = line;
    else if (last.file === "") last.file = line.replace(/:(\d+|\?)( \(discriminator \d+\))?$/, "");
    else frames.push({ addr: last.addr, fn: line, file: "" });
  }
  return out;
}

export function formatModuleSizes(m: ModuleSizes, detail = 3): string {
  const width = Math.max(...m.groups.map((g) => g.group.length));
  const lines = [`  size by module (${m.total} bytes of flash):`];
  for (const g of m.groups) {
    const top = g.sources.slice(0, detail).map((s) => `${path.posix.basename(s.source)} ${s.bytes}`);
    const more = g.sources.length > detail ? `, +${g.sources.length - detail} more` : "";
    lines.push(`    ${g.group.padEnd(width)} ${String(g.bytes).padStart(6)}  (${top.join(", ")}${more})`);
  }
  return lines.join("\n");
}
