/**
 * Board data: loads boards/<name>.json, validates it against its part (boards/parts.ts) and RM0090's flash
 * layout, and returns it with every number as a number. Ordinary Node TypeScript (not the subset).
 *
 * In the JSON, addresses and sizes may be numbers or "0x..." strings. The memory map's application region
 * may omit its size: it then runs to the end of flash. Every region is a whole number of sectors, so that
 * erasing one region can never touch another (F4 sectors are not uniform: 4 x 16 KB, 64 KB, then 128 KB).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findPart, PARTS, USART_INSTANCES, type PartInfo } from "./parts";

export { PARTS, findPart, type PartInfo } from "./parts";

export const BOARDS_DIR = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_BOARD = "nucleo-f411re";
export const DEFAULT_LISTEN_WINDOW_MS = 100;
/** A session the listen window opened gives the line back after this much silence (ms). */
export const DEFAULT_SESSION_IDLE_MS = 2000;

export interface Sector {
  index: number;
  start: number;
  size: number;
}
export interface Region {
  start: number;
  size: number;
}
export interface MemoryBlock {
  base: number;
  size: number;
}
export type GpioPort = "A" | "B" | "C" | "D" | "E" | "F" | "G" | "H" | "I";
export interface PinFunction {
  port: GpioPort;
  pin: number;
  af: number;
}
export interface Board {
  name: string;
  description: string;
  family: "stm32f4";
  part: string;
  cpu: "cortex-m4";
  fpu: "fpv4-sp-d16" | "none";
  /** u32 stamped into image headers: DEV_ID of the part in the top half, a board number below. */
  boardId: number;
  flash: MemoryBlock;
  ram: MemoryBlock;
  ccm: MemoryBlock | null;
  sectors: Sector[];
  memoryMap: { bootloader: Region; application: Region; config: Region | null };
  uart: { instance: string; base: number; bus: "apb1" | "apb2"; tx: PinFunction; rx: PinFunction; baud: number };
  trigger: { port: GpioPort; pin: number; activeLevel: "low" | "high"; pull: "none" | "up" | "down" };
  clock: { source: "hsi" | "hse" | "hse-bypass"; hseHz: number; sysclkHz: number };
  /** The UART listen window of a normal boot, in ms (optional in the JSON; default 100). */
  listenWindowMs: number;
  /** Silence after which a session the listen window opened starts the application again (ms; default 2000). */
  sessionIdleMs: number;
  /** The period the bootloader starts the independent watchdog with (ms); 0 (default): never started by it. */
  watchdogMs: number;
  /** Write-protect the bootloader region through the option bytes at every boot (default false). */
  protectBootloader: boolean;
  /** Set for boards that are (also) an emulator machine. */
  emulator: { machine: string; cpuClockHz: number; serial0: string; uartRxDma: boolean } | null;
  notes: string[];
  /** From the part: vector-table line, IRQ names, limits. */
  partInfo: PartInfo;
}

export class BoardError extends Error {
  constructor(
    readonly board: string,
    message: string,
  ) {
    super(`board ${board}: ${message}`);
    this.name = "BoardError";
  }
}

const hex = (n: number) => `0x${n.toString(16).toUpperCase().padStart(8, "0")}`;
const range = (r: Region) => `[${hex(r.start)}, ${hex(r.start + r.size)})`;

/** Board names: the JSON files in boards/. */
export function listBoards(): string[] {
  return fs
    .readdirSync(BOARDS_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

export function loadBoard(name: string = DEFAULT_BOARD): Board {
  const known = listBoards();
  if (!known.includes(name)) {
    throw new BoardError(name, `unknown board; known boards: ${known.join(", ")}`);
  }
  const file = path.join(BOARDS_DIR, `${name}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new BoardError(name, `${path.basename(file)} is not valid JSON: ${(e as Error).message}`);
  }
  const board = parseBoard(raw, name);
  if (board.name !== name) {
    throw new BoardError(name, `"name" is "${board.name}" but the file is ${name}.json`);
  }
  return board;
}

/** Validates raw board data (as parsed from JSON); throws BoardError naming the first problem. */
export function parseBoard(raw: unknown, label = "<inline>"): Board {
  const v: Reader = new Reader(label);
  const o = v.object(raw, "board");
  const name = v.string(o, "name");
  const r: Reader = new Reader(name || label);
  const family = r.oneOf(o, "family", ["stm32f4"] as const);
  const partName = r.string(o, "part");
  const part = findPart(partName);
  if (!part) {
    r.fail(`part "${partName}" is not supported; supported parts: ${PARTS.map((p) => p.part).join(", ")}`);
  }
  const cpu = r.oneOf(o, "cpu", ["cortex-m4"] as const);
  const fpu = r.oneOf(o, "fpu", ["fpv4-sp-d16", "none"] as const);
  const boardId = r.u32(o, "boardId");
  if (boardId >>> 16 !== part.devId) {
    r.fail(`boardId ${hex(boardId)}: the top 16 bits must be the part's DEV_ID 0x${part.devId.toString(16)}`);
  }

  const flash = r.block(o, "flash");
  const ram = r.block(o, "ram");
  const ccmRaw = o.ccm;
  const ccm = ccmRaw === null || ccmRaw === undefined ? null : r.block(o, "ccm");
  if (flash.base !== 0x08000000) r.fail(`flash.base must be 0x08000000 (main flash on every F4), got ${hex(flash.base)}`);
  if (flash.size !== part.flashKb * 1024) {
    r.fail(`flash.size ${hex(flash.size)} does not match ${part.part}'s ${part.flashKb} KB`);
  }
  if (ram.base !== 0x20000000 || ram.size !== part.ramKb * 1024) {
    r.fail(`ram must be { base: 0x20000000, size: ${part.ramKb} KB } on ${part.part}`);
  }
  if ((ccm === null) !== (part.ccmKb === 0) || (ccm && (ccm.base !== 0x10000000 || ccm.size !== part.ccmKb * 1024))) {
    r.fail(part.ccmKb ? `ccm must be { base: 0x10000000, size: ${part.ccmKb} KB }` : `${part.part} has no CCM RAM`);
  }

  const sectors = r.array(o, "sectors").map((s, i) => {
    const so = r.object(s, `sectors[${i}]`);
    return { index: r.uint(so, "index", `sectors[${i}].index`), start: r.u32(so, "start", `sectors[${i}].start`),
      size: r.u32(so, "size", `sectors[${i}].size`) };
  });
  checkSectors(r, sectors, flash);

  const mm = r.object(o.memoryMap, "memoryMap");
  const bootloader = r.region(mm, "bootloader");
  const appObj = r.object(mm.application, "memoryMap.application");
  const appStart = r.u32(appObj, "start", "memoryMap.application.start");
  const application: Region = {
    start: appStart,
    size: appObj.size === undefined ? flash.base + flash.size - appStart : r.u32(appObj, "size", "memoryMap.application.size"),
  };
  const config = mm.config === null || mm.config === undefined ? null : r.region(mm, "config");
  checkMemoryMap(r, flash, sectors, { bootloader, application, config });

  const uo = r.object(o.uart, "uart");
  const instance = r.string(uo, "instance", "uart.instance");
  const inst = USART_INSTANCES[instance];
  if (!inst || !part.usarts.includes(instance)) {
    r.fail(`uart.instance "${instance}" is not on ${part.part}; it has ${part.usarts.join(", ")}`);
  }
  const uartBase = r.u32(uo, "base", "uart.base");
  if (uartBase !== inst.base) r.fail(`uart.base ${hex(uartBase)} is not ${instance}'s ${hex(inst.base)}`);
  const tx = r.pin(uo, "tx", part, inst.af);
  const rx = r.pin(uo, "rx", part, inst.af);
  const baud = r.uint(uo, "baud", "uart.baud");
  if (baud < 1200 || baud > 921600) r.fail(`uart.baud ${baud} is outside 1200..921600`);

  const to = r.object(o.trigger, "trigger");
  const trigger = {
    port: r.port(to, "trigger.port", part),
    pin: r.pinNumber(to, "trigger.pin"),
    activeLevel: r.oneOf(to, "activeLevel", ["low", "high"] as const, "trigger.activeLevel"),
    pull: r.oneOf(to, "pull", ["none", "up", "down"] as const, "trigger.pull"),
  };
  if ((trigger.activeLevel === "low" && trigger.pull === "down") || (trigger.activeLevel === "high" && trigger.pull === "up")) {
    r.fail(`trigger: active ${trigger.activeLevel} with a pull-${trigger.pull} reads as pressed when released`);
  }

  const co = r.object(o.clock, "clock");
  const source = r.oneOf(co, "source", ["hsi", "hse", "hse-bypass"] as const, "clock.source");
  const hseHz = source === "hsi" ? 0 : r.uint(co, "hseHz", "clock.hseHz");
  const sysclkHz = r.uint(co, "sysclkHz", "clock.sysclkHz");
  if (source === "hse" && (hseHz < 4_000_000 || hseHz > 26_000_000)) r.fail(`clock.hseHz ${hseHz}: a crystal must be 4-26 MHz`);
  if (source === "hse-bypass" && (hseHz < 1_000_000 || hseHz > 50_000_000)) r.fail(`clock.hseHz ${hseHz}: an external clock must be 1-50 MHz`);
  if (sysclkHz > part.sysclkMaxHz) r.fail(`clock.sysclkHz ${sysclkHz} is above ${part.part}'s ${part.sysclkMaxHz}`);
  if (!pllReachable(source === "hsi" ? 16_000_000 : hseHz, sysclkHz) && !(source === "hsi" && sysclkHz === 16_000_000)) {
    r.fail(`clock.sysclkHz ${sysclkHz} cannot be reached from ${source === "hsi" ? "HSI 16 MHz" : `${hseHz} Hz`} by hal_clock_init's PLL settings`);
  }

  const eo = o.emulator;
  let emulator: Board["emulator"] = null;
  if (eo !== null && eo !== undefined) {
    const e = r.object(eo, "emulator");
    emulator = { machine: r.string(e, "machine", "emulator.machine"), cpuClockHz: r.uint(e, "cpuClockHz", "emulator.cpuClockHz"),
      serial0: r.string(e, "serial0", "emulator.serial0"),
      // Whether the emulator models the DMA request of the UART's receiver (QEMU 7.2: no DMA controller at all).
      uartRxDma: e.uartRxDma === undefined ? true : r.boolean(e, "uartRxDma", "emulator.uartRxDma") };
  }
  const notes = o.notes === undefined ? [] : r.array(o, "notes").map((n, i) => r.stringValue(n, `notes[${i}]`));
  // How long a normal boot listens on the UART for an update session before starting the application.
  const listenWindowMs = o.listenWindowMs === undefined ? DEFAULT_LISTEN_WINDOW_MS : r.uint(o, "listenWindowMs");
  if (listenWindowMs < 1 || listenWindowMs > 60_000) r.fail(`listenWindowMs ${listenWindowMs} must be 1 … 60000 ms`);
  const sessionIdleMs = o.sessionIdleMs === undefined ? DEFAULT_SESSION_IDLE_MS : r.uint(o, "sessionIdleMs");
  if (sessionIdleMs < 100 || sessionIdleMs > 600_000) r.fail(`sessionIdleMs ${sessionIdleMs} must be 100 … 600000 ms`);
  const watchdogMs = o.watchdogMs === undefined ? 0 : r.uint(o, "watchdogMs");
  if (watchdogMs !== 0 && (watchdogMs < 100 || watchdogMs > 32_000)) r.fail(`watchdogMs ${watchdogMs} must be 0 (never started by the bootloader) or 100 … 32000 ms`);
  const protectBootloader = o.protectBootloader === undefined ? false : r.boolean(o, "protectBootloader");

  return {
    name, description: r.string(o, "description"), family, part: partName, cpu, fpu, boardId, flash, ram, ccm, sectors,
    memoryMap: { bootloader, application, config },
    uart: { instance, base: uartBase, bus: inst.bus, tx, rx, baud },
    trigger, clock: { source, hseHz, sysclkHz }, listenWindowMs, sessionIdleMs, watchdogMs, protectBootloader, emulator, notes, partInfo: part,
  };
}

function checkSectors(r: Reader, sectors: Sector[], flash: MemoryBlock): void {
  if (sectors.length === 0) r.fail("sectors is empty");
  let next = flash.base;
  sectors.forEach((s, i) => {
    if (s.index !== i) r.fail(`sectors[${i}].index is ${s.index}, expected ${i}`);
    if (s.size === 0) r.fail(`sector ${i} has size 0`);
    if (s.start !== next) {
      r.fail(`sector ${i} starts at ${hex(s.start)}, expected ${hex(next)} (sectors must be contiguous from the flash base)`);
    }
    next = s.start + s.size;
  });
  const total = next - flash.base;
  if (total !== flash.size) r.fail(`sectors add up to ${hex(total)} bytes, flash.size is ${hex(flash.size)}`);
}

function checkMemoryMap(r: Reader, flash: MemoryBlock, sectors: Sector[], map: Board["memoryMap"]): void {
  const regions = Object.entries(map).filter((e): e is [string, Region] => e[1] !== null);
  const flashEnd = flash.base + flash.size;
  for (const [name, reg] of regions) {
    if (reg.size === 0 || reg.start < flash.base || reg.start + reg.size > flashEnd) {
      r.fail(`${name} region ${range(reg)} lies outside flash [${hex(flash.base)}, ${hex(flashEnd)})`);
    }
  }
  for (let i = 0; i < regions.length; i++) {
    for (let j = i + 1; j < regions.length; j++) {
      const [an, a] = regions[i];
      const [bn, b] = regions[j];
      if (a.start < b.start + b.size && b.start < a.start + a.size) {
        r.fail(`regions ${an} ${range(a)} and ${bn} ${range(b)} overlap`);
      }
    }
  }
  if (map.bootloader.start !== flash.base) {
    r.fail(`bootloader region must start at ${hex(flash.base)}: the reset vector is read from there`);
  }
  for (const [name, reg] of regions) {
    const end = reg.start + reg.size;
    const startSector = sectors.find((s) => s.start === reg.start);
    if (!startSector) {
      const s = sectors.find((x) => reg.start > x.start && reg.start < x.start + x.size)!;
      r.fail(`${name} region start ${hex(reg.start)} is not on a sector boundary (sector ${s.index} spans ${range(s)})`);
    }
    if (!sectors.some((s) => s.start + s.size === end)) {
      const s = sectors.find((x) => end > x.start && end < x.start + x.size)!;
      r.fail(`${name} region end ${hex(end)} is not on a sector boundary (sector ${s.index} spans ${range(s)})`);
    }
  }
}

/** The sector holding addr, or undefined. */
export function sectorOf(board: Board, addr: number): Sector | undefined {
  return board.sectors.find((s) => addr >= s.start && addr < s.start + s.size);
}

/** The sectors a region covers, in order. */
export function sectorsOf(board: Board, region: Region): Sector[] {
  return board.sectors.filter((s) => s.start >= region.start && s.start + s.size <= region.start + region.size);
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

/** Field readers that throw BoardError with the field's path. */
class Reader {
  constructor(readonly label: string) {}

  fail(message: string): never {
    throw new BoardError(this.label, message);
  }

  object(x: unknown, what: string): Record<string, unknown> {
    if (typeof x !== "object" || x === null || Array.isArray(x)) this.fail(`${what} must be an object`);
    return x as Record<string, unknown>;
  }

  array(o: Record<string, unknown>, key: string): unknown[] {
    const x = o[key];
    if (!Array.isArray(x)) this.fail(`${key} must be an array`);
    return x;
  }

  stringValue(x: unknown, what: string): string {
    if (typeof x !== "string" || x.length === 0) this.fail(`${what} must be a non-empty string`);
    return x;
  }

  string(o: Record<string, unknown>, key: string, what = key): string {
    return this.stringValue(o[key], what);
  }

  oneOf<T extends string>(o: Record<string, unknown>, key: string, allowed: readonly T[], what = key): T {
    const x = o[key];
    if (typeof x !== "string" || !(allowed as readonly string[]).includes(x)) {
      this.fail(`${what} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${JSON.stringify(x)}`);
    }
    return x as T;
  }

  /** A number, or a string "0x..." / decimal. */
  u32(o: Record<string, unknown>, key: string, what = key): number {
    const x = o[key];
    let n: number;
    if (typeof x === "number") n = x;
    else if (typeof x === "string" && /^0x[0-9a-fA-F]+$/.test(x)) n = parseInt(x.slice(2), 16);
    else if (typeof x === "string" && /^[0-9]+$/.test(x)) n = parseInt(x, 10);
    else this.fail(`${what} must be a number or a "0x..." string, got ${JSON.stringify(x)}`);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) this.fail(`${what} ${JSON.stringify(x)} is not a u32`);
    return n;
  }

  boolean(o: Record<string, unknown>, key: string, what = key): boolean {
    const x = o[key];
    if (typeof x !== "boolean") this.fail(`${what} must be true or false, got ${JSON.stringify(x)}`);
    return x;
  }

  uint(o: Record<string, unknown>, key: string, what = key): number {
    const x = o[key];
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0) this.fail(`${what} must be a non-negative integer, got ${JSON.stringify(x)}`);
    return x;
  }

  block(o: Record<string, unknown>, key: string): MemoryBlock {
    const b = this.object(o[key], key);
    return { base: this.u32(b, "base", `${key}.base`), size: this.u32(b, "size", `${key}.size`) };
  }

  region(o: Record<string, unknown>, key: string): Region {
    const b = this.object(o[key], `memoryMap.${key}`);
    return { start: this.u32(b, "start", `memoryMap.${key}.start`), size: this.u32(b, "size", `memoryMap.${key}.size`) };
  }

  port(o: Record<string, unknown>, what: string, part: PartInfo): GpioPort {
    const key = what.split(".").pop()!;
    const x = o[key];
    if (typeof x !== "string" || !part.gpioPorts.includes(x)) {
      this.fail(`${what} must be one of ${part.part}'s ports ${part.gpioPorts.join(", ")}, got ${JSON.stringify(x)}`);
    }
    return x as GpioPort;
  }

  pinNumber(o: Record<string, unknown>, what: string): number {
    const n = this.uint(o, what.split(".").pop()!, what);
    if (n > 15) this.fail(`${what} ${n} is not a pin number (0-15)`);
    return n;
  }

  pin(o: Record<string, unknown>, key: "tx" | "rx", part: PartInfo, af: number): PinFunction {
    const p = this.object(o[key], `uart.${key}`);
    const port = this.port(p, `uart.${key}.port`, part);
    const pin = this.pinNumber(p, `uart.${key}.pin`);
    const got = this.uint(p, "af", `uart.${key}.af`);
    if (got !== af) this.fail(`uart.${key}.af is ${got}; the USART's alternate function is AF${af}`);
    return { port, pin, af: got };
  }
}
