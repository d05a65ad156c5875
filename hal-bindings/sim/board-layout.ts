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
}

export interface SlotLayout {
  secondary: Region;
  scratch: Region;
  /** The watchdog period started before a trial boot (ms); 0: none. */
  trialWatchdogMs: number;
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
