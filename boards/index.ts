/**
 * Board data: loads a board file (boards/<name>.json, or any path), checks its structure against the
 * schema (boards/schema.ts: unknown keys and typos are errors) and its values against its part
 * (boards/parts/) and the family's flash layout, and returns it with every number as a number.
 * Ordinary Node TypeScript (not the subset).
 *
 * The memory map's application region may omit its size: it then runs to the end of flash. Every region
 * is a whole number of erase units (sectors or pages), so that erasing one region can never touch another.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BOARD_ERROR_CODES, BoardError, closest, describeIssue, didYouMean, formatPath, locate, type BoardErrorCode, type JsonPath } from "./board-error";
import {
  describeParts,
  FAMILIES,
  findPart,
  partEraseUnits,
  PARTS,
  type Cpu,
  type Family,
  type FamilyInfo,
  type Fpu,
  type GpioPort,
  type PartInfo,
  type RamBlock,
} from "./parts/index";
import { BoardSchema, type RawBoard } from "./schema";

export { BoardError, BOARD_ERROR_CODES } from "./board-error";
export { FAMILIES, PARTS, findPart, type Family, type PartInfo, type RamBlock, type GpioPort, type Cpu, type Fpu } from "./parts/index";

export const BOARDS_DIR = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_BOARD = "nucleo-f411re";
export const DEFAULT_LISTEN_WINDOW_MS = 100;
/** A session the listen window opened gives the line back after this much silence (ms). */
export const DEFAULT_SESSION_IDLE_MS = 2000;
const FLASH_BASE = 0x08000000;

export interface Sector {
  index: number;
  start: number;
  size: number;
  /** Flash bank (1 or 2). */
  bank: number;
}
export interface Region {
  start: number;
  size: number;
}
export interface MemoryBlock {
  base: number;
  size: number;
}
export interface PinFunction {
  port: GpioPort;
  pin: number;
  af: number;
}
export interface Board {
  name: string;
  description: string;
  family: Family;
  part: string;
  cpu: Cpu;
  fpu: Fpu;
  /** u32 stamped into image headers: DEV_ID of the part in the top half, a board number below. */
  boardId: number;
  flash: MemoryBlock;
  /** The RAM the images use (.data, .bss, the stack and the no-init words at its top). */
  ram: MemoryBlock;
  /** Every RAM block of the part (an application's initial stack pointer may lie in any). */
  ramBlocks: readonly RamBlock[];
  /** F405/407's core-coupled RAM, if the part has it. */
  ccm: MemoryBlock | null;
  /** Erase units (F4/H7 sectors, F0/L4 pages), contiguous from the flash base, across both banks. */
  sectors: Sector[];
  memoryMap: { bootloader: Region; application: Region; config: Region | null; secondary: Region | null; scratch: Region | null };
  /** Two-slot boards: the watchdog period started before a trial boot (ms); 0: none. */
  trialWatchdogMs: number;
  /**
   * How an image is installed: null on a single-slot board; copy-swap through the scratch; bank-swap by the
   * dual-bank part's option bit (memoryMap.secondary is then derived: the application region's twin in the
   * other bank, at its aliased address; docs/slots.md).
   */
  slotStrategy: "copy-swap" | "bank-swap" | null;
  /** The flash bank size in bytes (the part's flash / its banks). */
  bankSize: number;
  /** baud: where every session starts; maxBaud: the fastest rate the board's link carries (boards/uart-rates.ts). */
  uart: { instance: string; base: number; bus: "apb1" | "apb2"; tx: PinFunction; rx: PinFunction; baud: number; maxBaud: number };
  trigger: { port: GpioPort; pin: number; activeLevel: "low" | "high"; pull: "none" | "up" | "down" };
  clock: { source: "hsi" | "hse" | "hse-bypass" | "hsi48"; hseHz: number; sysclkHz: number };
  /** STM32H7: the supply configuration (PWR_CR3); null on other families. */
  power: { supply: "ldo" | "bypass" } | null;
  /** The UART listen window of a normal boot, in ms (optional in the JSON; default 100). */
  listenWindowMs: number;
  /** Silence after which a session the listen window opened starts the application again (ms; default 2000). */
  sessionIdleMs: number;
  /** The period the bootloader starts the independent watchdog with (ms); 0 (default): never started by it. */
  watchdogMs: number;
  /** Write-protect the bootloader region through the option bytes at every boot (default false). */
  protectBootloader: boolean;
  /** With a public key built in: verify the installed image's signature at every boot too (default false). */
  verifyAtBoot: boolean;
  /** Set for boards that are (also) an emulator machine. */
  emulator: { machine: string; cpuClockHz: number; serial0: string; uartRxDma: boolean } | null;
  notes: string[];
  /** The product's own section ("product" in the JSON), untouched; null when absent. */
  product: Record<string, unknown> | null;
  /** Programming granularity in bytes. */
  writeUnit: number;
  /** The board file, when loaded from one. */
  file: string | null;
  /** From the part: vector table, RAM blocks, USARTs, limits. */
  partInfo: PartInfo;
  familyInfo: FamilyInfo;
}

const hex = (n: number) => `0x${n.toString(16).toUpperCase().padStart(8, "0")}`;
const range = (r: Region) => `[${hex(r.start)}, ${hex(r.start + r.size)})`;
const kb = (n: number) => (n % 1024 === 0 ? `${n / 1024} KB` : `${n} bytes`);

/** Names of the boards that come with tsboot: the JSON files in boards/. */
export function listBoards(dir = BOARDS_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

/** A --board argument that names a file rather than one of tsboot's boards. */
export function isBoardPath(arg: string): boolean {
  return arg.includes("/") || arg.includes("\\") || arg.endsWith(".json");
}

/** A board by name (boards/<name>.json) or by path to a board file of your own. */
export function loadBoard(nameOrPath: string = DEFAULT_BOARD): Board {
  if (isBoardPath(nameOrPath)) return loadBoardFile(nameOrPath);
  const known = listBoards();
  if (!known.includes(nameOrPath)) {
    throw new BoardError(
      nameOrPath,
      `unknown board${didYouMean(nameOrPath, known)}; known boards: ${known.join(", ")} (or pass the path of a board file)`,
      BOARD_ERROR_CODES.unknown,
    );
  }
  return loadBoardFile(path.join(BOARDS_DIR, `${nameOrPath}.json`));
}

/** Loads and checks one board file; its id must not be another of tsboot's boards' id. */
export function loadBoardFile(file: string): Board {
  const absolute = path.resolve(file);
  const label = path.basename(absolute).replace(/\.json$/, "");
  let text: string;
  try {
    text = fs.readFileSync(absolute, "utf8");
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    throw new BoardError(label, `cannot read ${file}: ${why}`, BOARD_ERROR_CODES.unknown);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BoardError(label, `${path.basename(absolute)} is not valid JSON: ${(e as Error).message}`, BOARD_ERROR_CODES.badValue);
  }
  const board = parseBoard(raw, label, { file: absolute, text });
  if (board.name !== label) {
    throw positioned(board.name, { file: absolute, text }, ["name"], `"name" is "${board.name}" but the file is ${label}.json: rename one of them`, BOARD_ERROR_CODES.inconsistent);
  }
  checkIdAgainstBuiltIns(board, { file: absolute, text });
  return board;
}

/** Every board in a directory, checked, with unique names and ids. */
export function loadBoardsIn(dir: string): Board[] {
  const boards = listBoards(dir).map((n) => loadBoardFile(path.join(dir, `${n}.json`)));
  checkUniqueIds(boards);
  return boards;
}

/** Board ids are how the bootloader and the host tell boards apart: two boards may not share one. */
export function checkUniqueIds(boards: readonly Board[]): void {
  const seen = new Map<number, Board>();
  for (const b of boards) {
    const other = seen.get(b.boardId);
    if (other && other.name !== b.name) {
      throw new BoardError(
        b.name,
        `boardId ${hex(b.boardId)} is also ${other.name}'s${other.file ? ` (${path.basename(other.file)})` : ""}: board ids must be unique — ${suggestFreeId(b, boards)}`,
        BOARD_ERROR_CODES.duplicateId,
      );
    }
    seen.set(b.boardId, b);
  }
}

function suggestFreeId(b: Board, others: readonly { boardId: number }[]): string {
  const used = new Set(others.map((o) => o.boardId));
  const top = b.boardId & 0xffff0000;
  for (let n = 0x8001; n <= 0xffff; n++) {
    if (!used.has((top | n) >>> 0)) return `give this board its own number in the low 16 bits, e.g. ${hex((top | n) >>> 0)} (tsboot's own boards use 0x0001-0x7FFF)`;
  }
  return "give this board its own number in the low 16 bits";
}

/** The ids of tsboot's own boards, read without a full check (that is each board's own business). */
function builtInIds(): Map<number, string> {
  const ids = new Map<number, string>();
  for (const name of listBoards()) {
    try {
      const raw = JSON.parse(fs.readFileSync(path.join(BOARDS_DIR, `${name}.json`), "utf8")) as { boardId?: unknown };
      const id = typeof raw.boardId === "number" ? raw.boardId : typeof raw.boardId === "string" ? parseInt(raw.boardId, 16) : NaN;
      if (Number.isInteger(id)) ids.set(id >>> 0, name);
    } catch {
      // a board file being edited: its own load reports it
    }
  }
  return ids;
}

function checkIdAgainstBuiltIns(board: Board, source: { file: string; text: string }): void {
  const owner = builtInIds().get(board.boardId);
  if (owner === undefined || owner === board.name) return;
  const others = [...builtInIds().keys()].map((boardId) => ({ boardId }));
  throw positioned(
    board.name,
    source,
    ["boardId"],
    `boardId ${hex(board.boardId)} is already ${owner}'s (boards/${owner}.json): board ids must be unique — ${suggestFreeId(board, others)}`,
    BOARD_ERROR_CODES.duplicateId,
  );
}

function positioned(board: string, source: { file: string; text: string } | undefined, p: JsonPath, message: string, code: BoardErrorCode): BoardError {
  if (!source) return new BoardError(board, message, code);
  let where: { line: number; column: number } | undefined;
  try {
    where = locate(source.text, p);
  } catch {
    where = undefined;
  }
  return new BoardError(board, message, code, where ? { file: source.file, ...where } : undefined);
}

/**
 * Validates raw board data (as parsed from JSON); throws BoardError naming the first problem (every
 * structural problem, one per line, when there are several). `source` gives errors a file position.
 */
export function parseBoard(raw: unknown, label = "<inline>", source?: { file: string; text: string }): Board {
  const parsed = BoardSchema.safeParse(raw, { reportInput: true });
  const name = typeof (raw as { name?: unknown })?.name === "string" ? (raw as { name: string }).name : label;
  if (!parsed.success) {
    // An unknown key first: it usually explains a missing one ("aplication" for "application").
    const issues = parsed.error.issues.map((i) => describeIssue(BoardSchema, i)).sort((a, b) => Number(b.code === BOARD_ERROR_CODES.unknownKey) - Number(a.code === BOARD_ERROR_CODES.unknownKey));
    const first = issues[0];
    const more = issues.length > 1 ? `\n${issues.slice(1).map((i) => `  also: ${i.message}`).join("\n")}` : "";
    throw positioned(name, source, first.path, first.message + more, first.code);
  }
  return new BoardChecker(parsed.data, source).check();
}

/** The checks that relate a board's values to its part and to each other. */
class BoardChecker {
  constructor(
    private readonly o: RawBoard,
    private readonly source?: { file: string; text: string },
  ) {}

  private fail(p: JsonPath, message: string, code: BoardErrorCode = BOARD_ERROR_CODES.inconsistent): never {
    throw positioned(this.o.name, this.source, p, message, code);
  }

  check(): Board {
    const o = this.o;
    const part = findPart(o.part);
    if (!part) {
      const hint = closest(o.part, PARTS.map((p) => p.part));
      this.fail(["part"], `part "${o.part}" is not supported${hint ? ` — did you mean "${hint}"?` : ""}; supported parts: ${describeParts()}`, BOARD_ERROR_CODES.unknown);
    }
    const family = FAMILIES[o.family];
    if (part.family !== o.family) this.fail(["family"], `family is "${o.family}" but ${part.part} is an ${part.family} part`);
    const cpu = o.cpu ?? part.cpu;
    if (cpu !== part.cpu) this.fail(["cpu"], `cpu "${cpu}" is not ${part.part}'s core: it is a ${part.cpu}`);
    const fpu = o.fpu ?? part.fpu;
    if (!family.fpus.includes(fpu)) {
      this.fail(["fpu"], part.fpu === "none" ? `fpu "${fpu}": a ${cpu} has no FPU; use "none"` : `fpu "${fpu}" is not ${part.part}'s: use "${part.fpu}" (or "none" for soft-float code)`);
    }
    if (o.boardId >>> 16 !== part.devId) {
      this.fail(["boardId"], `boardId ${hex(o.boardId)}: the top 16 bits must be the part's DEV_ID 0x${part.devId.toString(16)} (e.g. ${hex(((part.devId << 16) | (o.boardId & 0xffff)) >>> 0)})`);
    }

    const flash = { base: FLASH_BASE, size: part.flashKb * 1024 };
    if (o.flash) {
      if (o.flash.base !== FLASH_BASE) this.fail(["flash", "base"], `flash.base must be 0x08000000 (main flash on every STM32 family here), got ${hex(o.flash.base)}`);
      if (o.flash.size !== flash.size) this.fail(["flash", "size"], `flash.size ${hex(o.flash.size)} does not match ${part.part}'s ${part.flashKb} KB`);
    }
    const ram = o.ram ? this.checkRam(part, o.ram) : { base: part.ram[0].base, size: part.ram[0].size };
    const units = partEraseUnits(part);
    if (o.sectors) this.checkSectors(part, family, o.sectors, units);
    const sectors: Sector[] = units.map((u) => ({ index: u.index, start: u.start, size: u.size, bank: u.bank }));

    const mm = o.memoryMap;
    const appStart = mm.application.start;
    const memoryMap = {
      bootloader: mm.bootloader,
      application: { start: appStart, size: mm.application.size ?? flash.base + flash.size - appStart },
      config: mm.config ?? null,
      secondary: mm.secondary ?? null,
      scratch: mm.scratch ?? null,
    };
    this.checkMemoryMap(family, flash, sectors, memoryMap);
    const bankSize = flash.size / part.banks;
    const bankSwap = o.slots?.strategy === "bank-swap";
    if (bankSwap) this.checkBankSwap(part, sectors, memoryMap, bankSize);
    else this.checkSlots(sectors, memoryMap, o.trialWatchdogMs);
    // Which WPSN register protects which physical bank under SWAP_BANK is unverified on silicon (docs/hal-stm32h7.md).
    if (bankSwap && o.protectBootloader) this.fail(["protectBootloader"], "protectBootloader is not combined with slots.strategy bank-swap yet: which FLASH_WPSN register protects which physical bank after a swap must first be checked on silicon (docs/slots.md)");
    const slotStrategy = bankSwap ? "bank-swap" : memoryMap.secondary ? "copy-swap" : null;
    if (o.slots && !slotStrategy) this.fail(["slots"], "slots.strategy copy-swap needs memoryMap.secondary and memoryMap.scratch (docs/slots.md)");
    // The CPU cannot refresh a watchdog while an erase stalls it: a period the bootloader starts must outlast
    // the part's longest erase (datasheet maximum), twice over.
    for (const key of ["watchdogMs", "trialWatchdogMs"] as const) {
      const ms = o[key] ?? 0;
      if (ms !== 0 && ms < 2 * family.longestEraseMs) {
        this.fail([key], `${key} ${ms} is shorter than twice ${part.part}'s longest erase (${family.longestEraseMs} ms at its datasheet maximum, during which the CPU cannot refresh the watchdog): use at least ${2 * family.longestEraseMs}`);
      }
    }
    if (family.hasVtor) {
      // VTOR holds the table's address with its low bits zero (ARMv7-M B3.2.5): the table size rounded up to a power of two.
      let align = 128;
      while (align < (16 + part.irqs.length) * 4) align *= 2;
      if (appStart % align !== 0) {
        this.fail(["memoryMap", "application", "start"], `application start ${hex(appStart)} is not a multiple of ${align}: VTOR needs ${part.part}'s vector table aligned to ${align} bytes`);
      }
    }

    const uart = this.checkUart(part);
    const trigger = o.trigger;
    if (!part.gpioPorts.includes(trigger.port)) this.fail(["trigger", "port"], `trigger.port must be one of ${part.part}'s ports ${part.gpioPorts.join(", ")}, got "${trigger.port}"`);
    if ((trigger.activeLevel === "low" && trigger.pull === "down") || (trigger.activeLevel === "high" && trigger.pull === "up")) {
      this.fail(["trigger", "pull"], `trigger: active ${trigger.activeLevel} with a pull-${trigger.pull} reads as pressed when released`);
    }
    for (const [sig, p] of [["tx", uart.tx], ["rx", uart.rx]] as const) {
      if (p.port === trigger.port && p.pin === trigger.pin) this.fail(["trigger", "pin"], `trigger P${trigger.port}${trigger.pin} is the UART's ${sig} pin`);
    }
    const clock = this.checkClock(part, family);

    let power: Board["power"] = null;
    if (o.family === "stm32h7") power = o.power ?? { supply: "ldo" };
    else if (o.power) this.fail(["power"], `power: only stm32h7 boards configure their supply (PWR_CR3); remove it from an ${o.family} board`);

    const ccmBlock = part.ram.find((b) => b.name === "CCM");
    return {
      name: o.name, description: o.description, family: o.family, part: part.part, cpu, fpu, boardId: o.boardId, flash, ram,
      ramBlocks: part.ram, ccm: ccmBlock ? { base: ccmBlock.base, size: ccmBlock.size } : null, sectors, memoryMap, uart, trigger,
      clock, power, listenWindowMs: o.listenWindowMs ?? DEFAULT_LISTEN_WINDOW_MS,
      trialWatchdogMs: o.trialWatchdogMs ?? 0, slotStrategy, bankSize,
      sessionIdleMs: o.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS, watchdogMs: o.watchdogMs ?? 0, protectBootloader: o.protectBootloader ?? false, verifyAtBoot: o.verifyAtBoot ?? false, emulator: o.emulator ? { ...o.emulator, uartRxDma: o.emulator.uartRxDma ?? true } : null, notes: o.notes ?? [],
      product: o.product ?? null, writeUnit: family.writeUnit, file: this.source?.file ?? null, partInfo: part, familyInfo: family,
    };
  }

  /**
   * Two slots (docs/slots.md): secondary and scratch together or not at all; the secondary holds at least
   * the primary's size; every scratch-size area of the slots and the scratch itself is whole erase units (a
   * swap erases an area of each); and the config region splits into two halves of whole erase units, so
   * the status log can compact without losing its state.
   */
  private checkSlots(sectors: Sector[], map: Board["memoryMap"], trialWatchdogMs: number | undefined): void {
    const { application: app, secondary, scratch, config } = map;
    if (!secondary && !scratch) {
      if (trialWatchdogMs) this.fail(["trialWatchdogMs"], "trialWatchdogMs is for two-slot boards (memoryMap.secondary and memoryMap.scratch)");
      return;
    }
    if (!secondary || !scratch) {
      this.fail(["memoryMap", secondary ? "scratch" : "secondary"], "two slots need both memoryMap.secondary and memoryMap.scratch (docs/slots.md)");
    }
    if (secondary.size < app.size) {
      this.fail(["memoryMap", "secondary", "size"], `the secondary slot (${secondary.size} bytes) must hold the primary's ${app.size}: it receives the application when they are swapped`);
    }
    const boundary = (address: number) => sectors.some((s) => s.start === address) || sectors.some((s) => s.start + s.size === address);
    for (const [name, slot] of [["application", app], ["secondary", secondary]] as const) {
      for (let at = slot.start; at < slot.start + app.size; at += scratch.size) {
        if (!boundary(at) || !boundary(Math.min(at + scratch.size, slot.start + slot.size))) {
          this.fail(["memoryMap", "scratch", "size"], `swap areas of ${scratch.size} bytes (the scratch's size) must be whole erase units; in the ${name} slot the area at ${hex(at)} is not`);
        }
      }
    }
    if (!config) this.fail(["memoryMap", "config"], "two slots need a config region for the status log");
    const middle = config.start + config.size / 2;
    if (config.size % 2 !== 0 || !sectors.some((s) => s.start === middle)) {
      this.fail(["memoryMap", "config", "size"], `the config region ${range(config)} must split into two halves of whole erase units (the status log compacts from one into the other)`);
    }
  }

  /**
   * The hardware bank swap (docs/slots.md): after a swap the other bank is mapped at the flash base, so both
   * banks must hold the same layout. The board file gives bank 1's bootloader, config and application
   * regions; the bootloader's copy, the status log's second half and the secondary slot are the same
   * regions one bank up. Everything is checked here, and memoryMap.secondary is set to the application's twin.
   */
  private checkBankSwap(part: PartInfo, sectors: Sector[], map: Board["memoryMap"], bankSize: number): void {
    if (part.family !== "stm32h7" && part.family !== "stm32l4") {
      this.fail(["slots", "strategy"], `slots.strategy bank-swap is implemented for stm32h7 (SWAP_BANK) and stm32l4 (BFB2) only; ${part.part} is an ${part.family} part`);
    }
    if (part.banks !== 2) this.fail(["slots", "strategy"], `slots.strategy bank-swap needs a dual-bank part; ${part.part} has one bank`);
    if (map.secondary || map.scratch) {
      this.fail(["memoryMap", map.secondary ? "secondary" : "scratch"], "slots.strategy bank-swap has no scratch and no secondary of its own: the secondary slot is the application region's twin in the other bank");
    }
    if (!map.config) this.fail(["memoryMap", "config"], "slots.strategy bank-swap needs a config region: one half of the status log in each bank");
    const bank2 = FLASH_BASE + bankSize;
    for (const name of ["bootloader", "config", "application"] as const) {
      const r = map[name]!;
      if (r.start + r.size > bank2) {
        this.fail(["memoryMap", name], `with slots.strategy bank-swap the ${name} region ${range(r)} must lie in bank 1 [${hex(FLASH_BASE)}, ${hex(bank2)}): an image is limited to one bank's application region, its twin in bank 2 is the secondary slot`);
      }
      const twin = { start: r.start + bankSize, size: r.size };
      const onUnits = sectors.some((s) => s.start === twin.start) && sectors.some((s) => s.start + s.size === twin.start + twin.size);
      if (!onUnits) this.fail(["memoryMap", name], `the ${name} region's twin ${range(twin)} in bank 2 is not whole erase units: both banks must hold the same layout`);
    }
    const app = map.application;
    map.secondary = { start: app.start + bankSize, size: app.size };
  }

  /** The images' RAM starts at a RAM block's base and ends at the end of a block it runs into. */
  private checkRam(part: PartInfo, ram: MemoryBlock): MemoryBlock {
    const blocks = part.ram;
    const list = blocks.map((b) => `${b.name} ${range({ start: b.base, size: b.size })}`).join(", ");
    const start = blocks.find((b) => b.base === ram.base);
    let end = ram.base;
    let covered = false;
    if (start) {
      for (let b: RamBlock | undefined = start; b; b = blocks.find((x) => x.base === end)) {
        end = b.base + b.size;
        if (end === ram.base + ram.size) {
          covered = true;
          break;
        }
        if (end > ram.base + ram.size) break;
      }
    }
    if (!covered) {
      const first = blocks[0];
      this.fail(["ram"], `ram ${range({ start: ram.base, size: ram.size })} is not RAM of ${part.part}: use a block (or adjacent blocks) of ${list}, e.g. { "base": "${hex(first.base)}", "size": "0x${first.size.toString(16)}" } (${kb(first.size)})`);
    }
    return { base: ram.base, size: ram.size };
  }

  private checkSectors(part: PartInfo, family: FamilyInfo, given: { index: number; start: number; size: number }[], units: { index: number; start: number; size: number }[]): void {
    const unit = family.eraseUnit;
    given.forEach((s, i) => {
      const u = units[i];
      if (!u) this.fail(["sectors", i], `sectors has ${given.length} entries but ${part.part} has ${units.length} ${unit}s (${family.manual})`);
      if (s.index !== i) this.fail(["sectors", i, "index"], `sectors[${i}].index is ${s.index}, expected ${i}`);
      if (s.start !== u.start || s.size !== u.size) {
        this.fail(["sectors", i], `sectors[${i}] is ${kb(s.size)} at ${hex(s.start)}, but ${part.part}'s ${unit} ${i} is ${kb(u.size)} at ${hex(u.start)} (${family.manual}); the "sectors" list is optional`);
      }
    });
    if (given.length !== units.length) this.fail(["sectors"], `sectors has ${given.length} entries but ${part.part} has ${units.length} ${unit}s (${family.manual}); the "sectors" list is optional`);
  }

  private checkMemoryMap(family: FamilyInfo, flash: MemoryBlock, sectors: Sector[], map: Board["memoryMap"]): void {
    const regions = Object.entries(map).filter((e): e is [string, Region] => e[1] !== null);
    const flashEnd = flash.base + flash.size;
    const unit = family.eraseUnit;
    for (const [name, reg] of regions) {
      if (reg.size === 0 || reg.start < flash.base || reg.start + reg.size > flashEnd) {
        this.fail(["memoryMap", name], `${name} region ${range(reg)} lies outside flash [${hex(flash.base)}, ${hex(flashEnd)})`);
      }
    }
    for (let i = 0; i < regions.length; i++) {
      for (let j = i + 1; j < regions.length; j++) {
        const [an, a] = regions[i];
        const [bn, b] = regions[j];
        if (a.start < b.start + b.size && b.start < a.start + a.size) this.fail(["memoryMap", bn], `regions ${an} ${range(a)} and ${bn} ${range(b)} overlap`);
      }
    }
    if (map.bootloader.start !== flash.base) {
      this.fail(["memoryMap", "bootloader", "start"], `bootloader region must start at ${hex(flash.base)}: the reset vector is read from there`);
    }
    for (const [name, reg] of regions) {
      const end = reg.start + reg.size;
      if (!sectors.some((s) => s.start === reg.start)) {
        const s = sectors.find((x) => reg.start > x.start && reg.start < x.start + x.size)!;
        this.fail(["memoryMap", name, "start"], `${name} region start ${hex(reg.start)} is not on a ${unit} boundary (${unit} ${s.index} spans ${range(s)})`);
      }
      if (!sectors.some((s) => s.start + s.size === end)) {
        const s = sectors.find((x) => end > x.start && end < x.start + x.size)!;
        this.fail(["memoryMap", name, "size"], `${name} region end ${hex(end)} is not on a ${unit} boundary (${unit} ${s.index} spans ${range(s)})`);
      }
    }
  }

  private checkUart(part: PartInfo): Board["uart"] {
    const u = this.o.uart;
    const inst = part.usarts[u.instance];
    const names = Object.keys(part.usarts);
    if (!inst) this.fail(["uart", "instance"], `uart.instance "${u.instance}" is not on ${part.part}${didYouMean(u.instance, names)}; it has ${names.join(", ")}`);
    if (u.base !== undefined && u.base !== inst.base) this.fail(["uart", "base"], `uart.base ${hex(u.base)} is not ${u.instance}'s ${hex(inst.base)}`);
    const pin = (sig: "tx" | "rx"): PinFunction => {
      const given = u[sig];
      const options = inst[sig];
      const list = options.map((p) => `P${p.port}${p.pin} (AF${p.af})`).join(", ");
      const match = options.find((p) => p.port === given.port && p.pin === given.pin);
      if (!match) this.fail(["uart", sig], `uart.${sig} P${given.port}${given.pin} cannot carry ${u.instance}_${sig.toUpperCase()} on ${part.part}; it can be on ${list}`);
      if (given.af !== undefined && given.af !== match.af) this.fail(["uart", sig, "af"], `uart.${sig}.af is ${given.af}; ${u.instance}_${sig.toUpperCase()} on P${given.port}${given.pin} is AF${match.af}`);
      return { port: given.port, pin: given.pin, af: match.af };
    };
    const maxBaud = u.maxBaud ?? u.baud;
    if (maxBaud < u.baud) this.fail(["uart", "maxBaud"], `uart.maxBaud ${maxBaud} is below uart.baud ${u.baud}, where every session starts`);
    return { instance: u.instance, base: inst.base, bus: inst.bus, tx: pin("tx"), rx: pin("rx"), baud: u.baud, maxBaud };
  }

  private checkClock(part: PartInfo, family: FamilyInfo): Board["clock"] {
    const c = this.o.clock;
    const { source, sysclkHz } = c;
    const internal = source === "hsi" || source === "hsi48";
    if (internal && c.hseHz) this.fail(["clock", "hseHz"], `clock.hseHz is for an hse or hse-bypass source, not ${source}`);
    if (!internal && c.hseHz === undefined) this.fail(["clock"], `clock.hseHz is missing: an ${source} source needs its frequency`);
    if (source === "hsi48" && family.family !== "stm32f0") {
      this.fail(["clock", "source"], `clock.source hsi48 is an STM32F0 clock (RM0091 HSI48); ${part.part} has none: use hsi, hse or hse-bypass`);
    }
    if (source === "hsi48" && sysclkHz !== 48_000_000) {
      this.fail(["clock", "sysclkHz"], `clock.sysclkHz ${sysclkHz}: the hsi48 source runs SYSCLK at 48000000 exactly (no PLL)`);
    }
    const hseHz = internal ? 0 : c.hseHz!;
    const [lo, hi] = source === "hse" ? family.hseCrystalHz : family.hseBypassHz;
    if (!internal && (hseHz < lo || hseHz > hi)) {
      this.fail(["clock", "hseHz"], `clock.hseHz ${hseHz}: ${source === "hse" ? "a crystal" : "an external clock"} on ${family.family} must be ${lo / 1e6}-${hi / 1e6} MHz`);
    }
    if (sysclkHz > part.sysclkMaxHz) this.fail(["clock", "sysclkHz"], `clock.sysclkHz ${sysclkHz} is above ${part.part}'s ${part.sysclkMaxHz}`);
    // The F4 driver's PLL search is known here; the other families' drivers check their own settings.
    if (family.family === "stm32f4" && !pllReachable(source === "hsi" ? 16_000_000 : hseHz, sysclkHz) && !(source === "hsi" && sysclkHz === 16_000_000)) {
      this.fail(["clock", "sysclkHz"], `clock.sysclkHz ${sysclkHz} cannot be reached from ${source === "hsi" ? "HSI 16 MHz" : `${hseHz} Hz`} by hal_clock_init's PLL settings`);
    }
    return { source, hseHz, sysclkHz };
  }
}

/** The board file for messages: boards/<name>.json for tsboot's own boards, else its path from here. */
export function boardFileLabel(board: Pick<Board, "name" | "file">): string {
  if (!board.file || path.dirname(board.file) === BOARDS_DIR) return `boards/${board.name}.json`;
  const rel = path.relative(process.cwd(), board.file);
  return rel && !rel.startsWith("..") ? rel : board.file;
}

/** The board file for generated files' comments (no machine-specific path). */
export function boardSourceName(board: Pick<Board, "name" | "file">): string {
  return !board.file || path.dirname(board.file) === BOARDS_DIR ? `boards/${board.name}.json` : path.basename(board.file);
}

/** The sector holding addr, or undefined. */
export function sectorOf(board: Board, addr: number): Sector | undefined {
  return board.sectors.find((s) => addr >= s.start && addr < s.start + s.size);
}

/** The sectors a region covers, in order. */
export function sectorsOf(board: Board, region: Region): Sector[] {
  return board.sectors.filter((s) => s.start >= region.start && s.start + s.size <= region.start + region.size);
}

/** The RAM block holding [addr - 1] when addr is an initial stack pointer (SP == end of a block is valid). */
export function ramBlockForStack(board: Board, sp: number): RamBlock | undefined {
  return board.ramBlocks.find((b) => sp > b.base && sp <= b.base + b.size);
}

/**
 * Whether hal_clock_init (hal-bindings/stm32f4/stm32f4_clock.c) finds PLL settings for srcHz -> sysclkHz:
 * a 2 MHz PLL input (1 MHz for an odd number of MHz), VCO 192-432 MHz (F401's range, used on every part),
 * N in 50..432, P in 2/4/6/8. Keep in step with clock_pll_compute.
 */
export function pllReachable(srcHz: number, sysclkHz: number): boolean {
  const inHz = srcHz % 2_000_000 === 0 ? 2_000_000 : 1_000_000;
  if (srcHz <= 0 || srcHz % inHz !== 0 || sysclkHz <= 0 || sysclkHz > 180_000_000) return false;
  const m = srcHz / inHz;
  if (m < 2 || m > 63) return false;
  for (const p of [2, 4, 6, 8]) {
    const vco = sysclkHz * p;
    if (vco > 432_000_000) break;
    if (vco < 192_000_000 || vco % inHz !== 0) continue;
    const n = vco / inHz;
    if (n >= 50 && n <= 432) return true;
  }
  return false;
}

export { formatPath };
