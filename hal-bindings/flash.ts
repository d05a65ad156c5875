/**
 * The flash port the portable bootloader uses (MCUboot's flash_area idea, at register level in C):
 * unlock, erase one sector, program whole write units, lock, and a read-only view of flash memory.
 * Status codes: 0 is success; see hal-bindings/include/tsboot_hal.h for the rest.
 */
import type { u32 } from "../runtime/index";
import { simulation } from "./sim/current";
import { FLASH_ERR_PROTECTED } from "./sim/flash";

/** @extern hal_flash_unlock */
export function flashUnlock(): u32 {
  return simulation().flash.unlock();
}

/** @extern hal_flash_lock */
export function flashLock(): void {
  simulation().flash.lock();
}

/**
 * Erases erase unit `index` of the board's flash map (not the hardware number). The port refuses a unit of
 * the bootloader region (status 10) even if the bootloader asks. @extern hal_flash_erase
 */
export function flashErase(index: u32): u32 {
  const sim = simulation();
  const sector = sim.board.sectors[index];
  if (sector && sim.flash.touchesBootloader(sector.start, sector.size)) return FLASH_ERR_PROTECTED;
  return sim.flashErase(index);
}

/**
 * Programs `data` at `address`; both aligned to the board's write unit, the flash there erased. Refused
 * (status 10) inside the bootloader region.
 * @extern hal_flash_program
 */
export function flashProgram(address: u32, data: Uint8Array): u32 {
  const sim = simulation();
  if (sim.flash.touchesBootloader(address, data.length)) return FLASH_ERR_PROTECTED;
  return sim.flashProgram(address, data);
}

/** A read-only view of flash memory (in C, the memory-mapped flash itself). Never write through it. @extern hal_flash_view @pure */
export function flashView(address: u32, length: u32): Uint8Array {
  return simulation().flash.view(address, length);
}

/**
 * True when the option bytes write-protect every erase unit of the bootloader region.
 * @extern hal_port_flash_bootloader_protected
 */
export function flashBootloaderProtected(): boolean {
  return simulation().flash.bootloaderProtected();
}

/**
 * Sets or clears the option-byte write protection of the bootloader region (status as flashErase). On parts
 * that load option bytes only at reset (F0, L4) a success resets the MCU and does not return.
 * @extern hal_port_flash_protect_bootloader
 */
export function flashProtectBootloader(protect: boolean): u32 {
  return simulation().flash.protectBootloader(protect);
}

/**
 * True when a read of flash since the last call met an ECC double error (L4/H7: a unit torn by a power
 * cut), then cleared: what was read is unreliable. Always false on F0/F4. @extern hal_port_flash_take_ecc_error
 */
export function flashTakeEccError(): boolean {
  return simulation().flash.takeEccError();
}

/**
 * Dual-bank parts (STM32H7 FLASH_OPTCR.SWAP_BANK): true when the second bank is mapped at the flash base
 * since the last reset. Always false on a part without the swap. @extern hal_port_flash_bank_swapped
 */
export function flashBankSwapped(): boolean {
  return simulation().flash.bankSwapped;
}

/** The bank mapping the next reset applies (STM32H7 FLASH_OPTSR_CUR.SWAP_BANK_OPT). @extern hal_port_flash_bank_swap_next_reset */
export function flashBankSwapNextReset(): boolean {
  return simulation().flash.swapBankOption;
}

/**
 * Programs the option bit that maps the second bank at the flash base from the next reset (status as
 * flashErase; the option registers are locked again on every path). Unchanged: returns 0 at once.
 * @extern hal_port_flash_bank_swap_program
 */
export function flashBankSwapProgram(swapped: boolean): u32 {
  return simulation().flashBankSwapProgram(swapped);
}
