/**
 * How long the flash takes, per part, from its datasheet: the erase time of one erase unit (by its size)
 * and the programming time of one write unit, typical and maximum. The simulations stall the CPU for that
 * long (code runs from the same flash) while the line, the DMA and the watchdog go on. The host C
 * simulation gets the same figures through its generated board file (host/sim/board-c.ts), so both
 * simulations use one table.
 *
 * Each entry names the datasheet table it comes from. The parallelism is the one the family's driver
 * programs with: F4 PSIZE x32 (hal-bindings/stm32f4: VDD 2.7-3.6 V without VPP), H7 PSIZE x64
 * (hal-bindings/stm32h7); F0 (half-word) and L4 (double word) have a single programming width.
 * Times are in nanoseconds, the unit of the simulated clock.
 */
import type { BoardLayout } from "./board-layout";

export type FlashTimingMode = "typ" | "max" | "none";
export const FLASH_TIMING_MODES: readonly FlashTimingMode[] = ["typ", "max", "none"];

export interface TimeRange {
  typNs: number;
  maxNs: number;
}

export interface FlashTimingTable {
  /** The datasheet and table the figures come from. */
  source: string;
  /** The erase time of one erase unit, by the unit's size in bytes. */
  erase: Readonly<Record<number, TimeRange>>;
  /** The programming time of one write unit (board write unit: F0 2, F4 4, L4 8, H7 32 bytes). */
  program: TimeRange;
  /** What else the reader should know about a figure. */
  note?: string;
}

const US = 1_000;
const MS = 1_000_000;
const S = 1_000_000_000;
const KB = 1024;

/** STM32F4 at PSIZE x32 (the figures are the same in every F4 datasheet tsboot supports). */
const F4_X32_ERASE: Record<number, TimeRange> = {
  [16 * KB]: { typNs: 250 * MS, maxNs: 500 * MS }, // tERASE16KB, PSIZE = x32
  [64 * KB]: { typNs: 550 * MS, maxNs: 1100 * MS }, // tERASE64KB, PSIZE = x32
  [128 * KB]: { typNs: 1 * S, maxNs: 2 * S }, // tERASE128KB, PSIZE = x32
};
/** tprog, word programming time, PSIZE = x8/16/32: 16 us typical, 100 us maximum. */
const F4_WORD: TimeRange = { typNs: 16 * US, maxNs: 100 * US };

/** Keyed by part family prefix (the board file's part, e.g. STM32F411RE, starts with one of these). */
export const FLASH_TIMING: Readonly<Record<string, FlashTimingTable>> = {
  STM32F401: {
    source: "DS10086 (STM32F401xD/E) and DS9716 (STM32F401xB/C), table \"Flash memory programming\", PSIZE = x32",
    erase: F4_X32_ERASE,
    program: F4_WORD,
  },
  STM32F411: {
    source: "DS10314 (STM32F411xC/E), table \"Flash memory programming\", PSIZE = x32",
    erase: F4_X32_ERASE,
    program: F4_WORD,
  },
  STM32F405: {
    source: "DS8626 (STM32F405xx/STM32F407xx), table \"Flash memory programming\", PSIZE = x32",
    erase: F4_X32_ERASE,
    program: F4_WORD,
  },
  STM32F407: {
    source: "DS8626 (STM32F405xx/STM32F407xx), table \"Flash memory programming\", PSIZE = x32",
    erase: F4_X32_ERASE,
    program: F4_WORD,
  },
  STM32F072: {
    source: "DS9826 (STM32F072x8/xB), table \"Flash memory characteristics\"",
    // tERASE, page (2 KB) erase time: min 20 ms, max 40 ms (no typical figure is given).
    erase: { [2 * KB]: { typNs: 20 * MS, maxNs: 40 * MS } },
    // tprog, 16-bit programming time: min 40 us, typ 53.5 us, max 60 us.
    program: { typNs: 53_500, maxNs: 60 * US },
    note: "the page erase has no typical figure: 'typ' uses the minimum, 20 ms",
  },
  STM32L476: {
    source: "DS10198 (STM32L476xx), table \"Flash memory characteristics\"",
    // tERASE, page (2 KB) erase time: typ 22.02 ms, max 24.47 ms.
    erase: { [2 * KB]: { typNs: 22_020_000, maxNs: 24_470_000 } },
    // tprog, 64-bit programming time: typ 81.69 us, max 90.76 us.
    program: { typNs: 81_690, maxNs: 90_760 },
  },
  STM32H743: {
    source: "DS12110 (STM32H742xI/G, STM32H743xI/G), table \"Flash memory characteristics\", program/erase parallelism x64",
    // tERASE128KB, sector (128 KB) erase time, x64: typ 1 s, max 2 s.
    erase: { [128 * KB]: { typNs: 1 * S, maxNs: 2 * S } },
    // tprog, word (266 bits) programming time, x64: typ 100 us, max 200 us.
    program: { typNs: 100 * US, maxNs: 200 * US },
  },
  STM32H753: {
    source: "DS12117 (STM32H753xI), table \"Flash memory characteristics\", program/erase parallelism x64",
    erase: { [128 * KB]: { typNs: 1 * S, maxNs: 2 * S } },
    program: { typNs: 100 * US, maxNs: 200 * US },
  },
};

export class FlashTimingError extends Error {}

/** The table for a board's part. */
export function flashTimingTable(layout: Pick<BoardLayout, "name" | "part">): FlashTimingTable {
  const key = Object.keys(FLASH_TIMING).find((k) => layout.part.toUpperCase().startsWith(k));
  if (!key) {
    throw new FlashTimingError(`board ${layout.name}: no flash timing for part ${layout.part} (known: ${Object.keys(FLASH_TIMING).join(", ")})`);
  }
  return FLASH_TIMING[key];
}

/** The time one figure takes in a mode. */
export function pick(range: TimeRange, mode: FlashTimingMode): number {
  return mode === "none" ? 0 : mode === "max" ? range.maxNs : range.typNs;
}

/** Per erase unit of the board (by index) and per write unit, in a mode: what both simulations charge. */
export interface BoardFlashTiming {
  eraseNs: number[];
  programUnitNs: number;
}

export function boardFlashTiming(layout: BoardLayout, mode: FlashTimingMode): BoardFlashTiming {
  const table = flashTimingTable(layout);
  const eraseNs = layout.sectors.map((s) => {
    const range = table.erase[s.size];
    if (!range) throw new FlashTimingError(`board ${layout.name}: ${table.source} gives no erase time for a ${s.size}-byte erase unit`);
    return pick(range, mode);
  });
  return { eraseNs, programUnitNs: pick(table.program, mode) };
}

/**
 * The flash time a download of `size` bytes at `start` needs by itself (issue 12's bound, bench:update): the
 * erase of every unit it reaches (and of the first alone: nothing is programmed before it) and the
 * programming of its write units.
 */
export function downloadFlashNs(layout: BoardLayout, start: number, size: number, mode: FlashTimingMode): { eraseNs: number; firstEraseNs: number; programNs: number } {
  const t = boardFlashTiming(layout, mode);
  const reached = layout.sectors.map((s, i) => ({ s, i })).filter(({ s }) => s.start < start + size && s.start + s.size > start);
  return {
    eraseNs: reached.reduce((sum, { i }) => sum + t.eraseNs[i], 0),
    firstEraseNs: reached.length > 0 ? t.eraseNs[reached[0].i] : 0,
    programNs: Math.ceil(size / layout.writeUnit) * t.programUnitNs,
  };
}

export function parseFlashTimingMode(text: string): FlashTimingMode {
  if (!(FLASH_TIMING_MODES as readonly string[]).includes(text)) throw new FlashTimingError(`flash timing '${text}' is not typ, max or none`);
  return text as FlashTimingMode;
}
