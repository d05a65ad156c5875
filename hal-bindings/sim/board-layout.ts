import { loadBoardLayout } from "../../boards/layout";

/**
 * The flash map and identity of a simulated board: the same facts boards/<board>.json gives the C build.
 */
export interface SectorInfo {
  start: number;
  size: number;
  /** The hardware's own number for the sector or page. */
  number: number;
}
export interface Region {
  start: number;
  size: number;
}
/** An input pin: port letter and number (PC13). */
export interface PinName {
  port: string;
  pin: number;
}

export interface BoardLayout {
  name: string;
  /** The STM32 family (stm32f4 …) and part (STM32F411RE …): the simulations pick their flash model by them. */
  family: string;
  part: string;
  flashBase: number;
  sectors: SectorInfo[];
  bootloader: Region;
  config: Region;
  app: Region;
  ram: Region;
  /** Where an application's initial stack pointer may point: the main SRAM first, then CCM and the like. */
  stackRegions: Region[];
  writeUnit: number;
  boardId: number;
  productId: number;
  /** How long a normal boot listens on the UART for an update session (ms). */
  listenWindowMs: number;
  /** Idle time after which a session the listen window opened gives the line back to the application (ms). */
  sessionIdleMs: number;
  /** The watchdog period the bootloader starts the IWDG with (ms); 0: it never starts it. */
  watchdogMs: number;
  /** Write-protect the bootloader region at every boot. */
  protectBootloader: boolean;
  /** The update trigger pin and the level that means "pressed". */
  trigger: PinName & { activeLevel: "low" | "high" };
  /** Two slots (app is the primary), or null: a single slot (docs/slots.md). */
  slots: SlotLayout | null;
  /** The Ed25519 public key built in (32 bytes), or none: CRC-only images are accepted. */
  publicKey?: Uint8Array | null;
  /** Verify the installed image's signature at every boot too. */
  verifyAtBoot?: boolean;
  /** The update UART (boards/uart-rates.ts). */
  uart: UartLayout;
}

export interface UartLayout {
  /** The rate every session starts at. */
  baud: number;
  /** The USART's kernel clock (Hz): the rate on the wire is clockHz / BRR, BRR = round(clockHz / baud). */
  clockHz: number;
  /** The rates the bootloader offers, slowest (the base rate) first, with their BRR error in 0.01 %. */
  rates: { baud: number; errorBp: number }[];
  /** The reception ring's size in bytes. */
  rxRingSize: number;
}

/** Bytes per rate in BAUDS (and board_baud_table): the rate (u32 LE), its BRR error in 0.01 % (i16 LE). */
export const BAUD_ENTRY_BYTES = 6;

/** The rates as BAUDS sends them, BAUD_ENTRY_BYTES each, slowest first. */
export function encodeBaudTable(rates: readonly { baud: number; errorBp: number }[]): Uint8Array {
  const t = new Uint8Array(rates.length * BAUD_ENTRY_BYTES);
  const v = new DataView(t.buffer);
  rates.forEach((r, i) => {
    v.setUint32(i * BAUD_ENTRY_BYTES, r.baud, true);
    v.setInt16(i * BAUD_ENTRY_BYTES + 4, r.errorBp, true);
  });
  return t;
}

const baudTables = new WeakMap<object, Uint8Array>();

/** encodeBaudTable of a board's rates, the same view at every call. */
export function baudTableOf(rates: readonly { baud: number; errorBp: number }[]): Uint8Array {
  let table = baudTables.get(rates);
  if (!table) baudTables.set(rates, (table = encodeBaudTable(rates)));
  return table;
}

export interface SlotLayout {
  secondary: Region;
  scratch: Region;
  /** The watchdog period started before a trial boot (ms); 0: none. */
  trialWatchdogMs: number;
  /**
   * Installs by the hardware bank swap (docs/slots.md): the scratch is empty, the secondary is the
   * application's twin one bank up, and the status log's halves are the config region of each bank.
   */
  bankSwap?: { bankSize: number };
}

/** The bank size when the board installs by the hardware bank swap, else 0. */
export function bankSwapSize(layout: Pick<BoardLayout, "slots">): number {
  return layout.slots?.bankSwap?.bankSize ?? 0;
}

/** Families whose flash keeps an ECC per write unit: a unit torn by a power cut reads as an ECC error. */
export function hasFlashEcc(layout: Pick<BoardLayout, "family">): boolean {
  return layout.family === "stm32l4" || layout.family === "stm32h7";
}

/** STM32F4 sector layout: 4 × 16 KB, 1 × 64 KB, then 128 KB sectors (RM0090). */
export function f4Sectors(flashSize: number): SectorInfo[] {
  const sizes = [0x4000, 0x4000, 0x4000, 0x4000, 0x10000];
  const sectors: SectorInfo[] = [];
  let start = 0x08000000;
  for (let n = 0; start < 0x08000000 + flashSize; n++) {
    const size = n < sizes.length ? sizes[n] : 0x20000;
    sectors.push({ start, size, number: n });
    start += size;
  }
  return sectors;
}

/** The default simulated board: NUCLEO-F411RE from boards/nucleo-f411re.json, as the C build sees it. */
export function nucleoF411Layout(): BoardLayout {
  return loadBoardLayout("nucleo-f411re");
}

/** What boardPublicKey() returns on a board built without a key. */
export const NO_PUBLIC_KEY = new Uint8Array(0);

/**
 * How many halves the status log has (bootloader-ts/status-log.ts): 2 when the config region splits evenly
 * at an erase-unit boundary (it then compacts from one half into the other), else 1; on a bank-swap board 2:
 * the config region of each bank. Board data, so that a
 * single-half board's C build is left without the compaction code.
 */
export function configHalves(layout: Pick<BoardLayout, "config" | "sectors" | "slots">): number {
  if (bankSwapSize(layout) !== 0) return 2; // one half in each bank
  const { start, size } = layout.config;
  const middle = start + Math.floor(size / 2);
  return size % 2 === 0 && layout.sectors.some((s) => s.start === middle) ? 2 : 1;
}
