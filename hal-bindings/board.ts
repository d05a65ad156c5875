/**
 * Board data the portable bootloader reads at run time: the flash map and identity of the board it was
 * built for. In C each accessor is generated from boards/<board>.json; in Node it reads the simulated board.
 */
import type { u32 } from "../runtime/index";
import { simulation } from "./sim/current";
import { bankSwapSize, baudTableOf, configHalves, NO_PUBLIC_KEY } from "./sim/board-layout";

/** Number of erase units (sectors or pages) in the flash map. @extern board_sector_count @pure */
export function boardSectorCount(): u32 {
  return simulation().board.sectors.length;
}
/** Start address of erase unit `index`. @extern board_sector_start @pure */
export function boardSectorStart(index: u32): u32 {
  return simulation().board.sectors[index].start;
}
/** Size in bytes of erase unit `index`. @extern board_sector_size @pure */
export function boardSectorSize(index: u32): u32 {
  return simulation().board.sectors[index].size;
}
/** The hardware's erase-unit number of erase unit `index` (F4: SNB; F0/L4: page number). @extern board_sector_number @pure */
export function boardSectorNumber(index: u32): u32 {
  return simulation().board.sectors[index].number;
}
/** First byte of the application region. @extern board_app_start @pure */
export function boardAppStart(): u32 {
  return simulation().board.app.start;
}
/** Size of the application region in bytes. @extern board_app_size @pure */
export function boardAppSize(): u32 {
  return simulation().board.app.size;
}
/** First byte of the config region that holds the installed image's header record. @extern board_config_start @pure */
export function boardConfigStart(): u32 {
  return simulation().board.config.start;
}
/** Size of the config region. @extern board_config_size @pure */
export function boardConfigSize(): u32 {
  return simulation().board.config.size;
}
/**
 * How many halves the status log has in the config region: 2 when it splits evenly at an erase-unit
 * boundary, else 1 (hal-bindings/sim/board-layout.ts configHalves). @extern board_config_halves @pure
 */
export function boardConfigHalves(): u32 {
  return configHalves(simulation().board);
}
/** How many RAM blocks an application's initial stack pointer may lie in (F405/407: SRAM and CCM). @extern board_ram_region_count @pure */
export function boardRamRegionCount(): u32 {
  return simulation().board.stackRegions.length;
}
/** Start of RAM block `index`. @extern board_ram_region_start @pure */
export function boardRamRegionStart(index: u32): u32 {
  return simulation().board.stackRegions[index].start;
}
/** Size of RAM block `index` (an initial SP may equal start + size: the stack grows down). @extern board_ram_region_size @pure */
export function boardRamRegionSize(index: u32): u32 {
  return simulation().board.stackRegions[index].size;
}
/** Programming granularity in bytes (F0: 2, F4: 4, L4: 8, H7: 32). @extern board_write_unit @pure */
export function boardWriteUnit(): u32 {
  return simulation().board.writeUnit;
}
/** The board id images must carry. @extern board_id @pure */
export function boardId(): u32 {
  return simulation().board.boardId;
}
/** How long a normal boot listens on the UART for an update session (ms; board data, default 100). @extern board_listen_window_ms @pure */
export function boardListenWindowMs(): u32 {
  return simulation().board.listenWindowMs;
}
/** The product id the AN3155 GET ID command reports (0x431 for STM32F411). @extern board_product_id @pure */
export function boardProductId(): u32 {
  return simulation().board.productId;
}
/**
 * The watchdog period the bootloader starts the independent watchdog with (ms), or 0: the bootloader never
 * starts it (it still serves one the option bytes start). @extern board_watchdog_ms @pure
 */
export function boardWatchdogMs(): u32 {
  return simulation().board.watchdogMs;
}
/** True when the bootloader write-protects its own region at every boot (board data). @extern board_protect_bootloader @pure */
export function boardProtectBootloader(): boolean {
  return simulation().board.protectBootloader;
}
/**
 * How long a session opened in the listen window may stay silent before the bootloader gives the line
 * back and starts the installed application (ms, board data). @extern board_session_idle_ms @pure
 */
export function boardSessionIdleMs(): u32 {
  return simulation().board.sessionIdleMs;
}
/**
 * The secondary slot (the download area) of a board with two slots; size 0 on a single-slot board.
 * @extern board_secondary_start @pure
 */
export function boardSecondaryStart(): u32 {
  return simulation().board.slots?.secondary.start ?? 0;
}
/** @extern board_secondary_size @pure */
export function boardSecondarySize(): u32 {
  return simulation().board.slots?.secondary.size ?? 0;
}
/** The scratch area a swap exchanges the slots through, one area of its size at a time. @extern board_scratch_start @pure */
export function boardScratchStart(): u32 {
  return simulation().board.slots?.scratch.start ?? 0;
}
/** Its size; 0 on a single-slot board. @extern board_scratch_size @pure */
export function boardScratchSize(): u32 {
  return simulation().board.slots?.scratch.size ?? 0;
}
/**
 * The watchdog period the bootloader starts before a trial boot (ms), so that a trial image that hangs
 * without confirming is reset and reverted; 0: none. @extern board_trial_watchdog_ms @pure
 */
export function boardTrialWatchdogMs(): u32 {
  return simulation().board.slots?.trialWatchdogMs ?? 0;
}
/**
 * The flash bank size when the board installs by the hardware bank swap (docs/slots.md: the secondary slot
 * and the status log's second half are one bank up), else 0. @extern board_bank_swap_size @pure
 */
export function boardBankSwapSize(): u32 {
  return bankSwapSize(simulation().board);
}

/**
 * The rates the bootloader offers a host (BAUDS, SET_BAUD; docs/protocol.md), slowest first (the first is
 * the board's base rate, where every session starts), encoded as BAUDS sends them: per rate the baud (u32
 * LE) and its BRR error on this board's USART clock in 0.01 % (i16 LE). Computed from the board's clock
 * tree (boards/uart-rates.ts). @extern board_baud_table @pure
 */
export function boardBaudTable(): Uint8Array {
  return baudTableOf(simulation().board.uart.rates);
}
/**
 * The Ed25519 public key built into the bootloader (`tsboot build --pubkey`): 32 bytes, or none (length 0):
 * then CRC-only images are accepted. @extern board_public_key @pure
 */
export function boardPublicKey(): Uint8Array {
  return simulation().board.publicKey ?? NO_PUBLIC_KEY;
}
/** Verify the installed image's signature at every boot too (board data verifyAtBoot). @extern board_verify_at_boot @pure */
export function boardVerifyAtBoot(): boolean {
  return simulation().board.verifyAtBoot ?? false;
}
