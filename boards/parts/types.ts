/**
 * What tsboot knows about a part (a chip a board carries) and about its family. Board files name a part;
 * everything here follows from it, so a board cannot disagree with its silicon. One table per family:
 * stm32f0.ts, stm32f4.ts, stm32l4.ts, stm32h7.ts. Their numbers are checked against ST's own data by
 * boards/parts/check-vendor.ts (CMSIS device headers and startup files, and the pin tables Zephyr generates
 * from ST's open pin data).
 */

export type Family = "stm32f0" | "stm32f4" | "stm32l4" | "stm32h7";
export type Cpu = "cortex-m0" | "cortex-m4" | "cortex-m7";
export type Fpu = "none" | "fpv4-sp-d16" | "fpv5-d16";
export type GpioPort = "A" | "B" | "C" | "D" | "E" | "F" | "G" | "H" | "I" | "J" | "K";
export const GPIO_PORTS: readonly GpioPort[] = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K"];

/** A block of RAM at its address, named as in the reference manual. */
export interface RamBlock {
  name: string;
  base: number;
  size: number;
  /** A second address of a block listed already (L4's SRAM2 at 0x20018000): not a separate linker region. */
  alias?: boolean;
  /** false: no DMA controller reaches it (F4 CCM, H7 DTCM); a DMA buffer must live elsewhere. Default true. */
  dma?: boolean;
}

/** A pin that can carry a USART signal, with the alternate function that connects it. */
export interface PinAf {
  port: GpioPort;
  pin: number;
  af: number;
}

export interface UsartInfo {
  base: number;
  /** The bus whose enable register (RCC_APBxENR) holds the USART's clock enable. */
  bus: "apb1" | "apb2";
  tx: readonly PinAf[];
  rx: readonly PinAf[];
}

export interface PartInfo {
  /** Part number as in the board file, e.g. "STM32F411RE". */
  part: string;
  family: Family;
  /** Vector-table line, e.g. "stm32f411": the C startup is generated from `irqs`. */
  line: string;
  cpu: Cpu;
  /** The FPU the core has ("none" on Cortex-M0). */
  fpu: Fpu;
  /** IRQ handler names in vector order (ST's startup-file names without _IRQHandler), null for a reserved slot. */
  irqs: readonly (string | null)[];
  flashKb: number;
  /** Flash banks, each with the same erase units (sizes in bytes, in address order). */
  banks: 1 | 2;
  bankUnits: readonly number[];
  /** RAM blocks; the first is where images keep .data, .bss and the stack unless the board says otherwise. */
  ram: readonly RamBlock[];
  sysclkMaxHz: number;
  gpioPorts: readonly GpioPort[];
  usarts: Readonly<Record<string, UsartInfo>>;
  /** DBGMCU_IDCODE DEV_ID: the top half of tsboot's board ids for this part. */
  devId: number;
  /** Where the numbers come from. */
  sources: string;
}

export interface FamilyInfo {
  family: Family;
  cpu: Cpu;
  /** FPU settings a board may choose ("none": soft-float code). */
  fpus: readonly Fpu[];
  /** Programming granularity in bytes (F0 half-word, F4 word, L4 double word, H7 256-bit flash word). */
  writeUnit: number;
  /** What the reference manual calls its erase unit. */
  eraseUnit: "page" | "sector";
  /** Whether the core has VTOR (Cortex-M0 has not: an application's vector table is copied to SRAM). */
  hasVtor: boolean;
  /**
   * The longest erase of one unit at its datasheet maximum (ms): the CPU stalls that long and cannot refresh
   * a watchdog, so a watchdog period the bootloader starts must be longer (twice, for margin).
   */
  longestEraseMs: number;
  hsiHz: number;
  /** HSE ranges: a crystal, and an external clock on OSC_IN (bypass). */
  hseCrystalHz: readonly [number, number];
  hseBypassHz: readonly [number, number];
  manual: string;
}

/** "PA2:7 PD5:7" -> pins with their alternate functions. */
export function pins(text: string): PinAf[] {
  return text
    .trim()
    .split(/\s+/)
    .map((p) => {
      const m = /^P([A-K])(\d{1,2}):(\d{1,2})$/.exec(p);
      if (!m) throw new Error(`bad pin spec ${p}`);
      return { port: m[1] as GpioPort, pin: Number(m[2]), af: Number(m[3]) };
    });
}

export function uniform(count: number, size: number): number[] {
  return Array.from({ length: count }, () => size);
}

export const KB = 1024;
