/**
 * The no-init words: 64 bytes at the top of the images' RAM that neither the bootloader nor the
 * application initialises, so they carry messages across a reset in both directions. The linker scripts
 * keep the stack below them; tsboot_app.h and the bootloader's port read and write them by address.
 *
 *   top - 16  update request   the application writes TSBOOT_UPDATE_REQUEST_MAGIC ("TSBU") and resets;
 *                              the bootloader clears it and stays in update mode (since 0.1: unchanged)
 *   top - 12  reset cause      the bootloader writes why the MCU last reset before it starts the
 *                              application: RESET_CAUSE_TAG | the HAL_RESET_* bits of tsboot_hal.h (it read
 *                              and cleared the reset controller's flags, so the application cannot), plus
 *                              RESET_CAUSE_FAULT when the previous run ended in a fault or panic
 *   top -  8  confirm          the application writes TSBOOT_CONFIRM_MAGIC ("TSBC") once it runs well;
 *                              the bootloader honours it once rollback exists
 *   top -  4  reserved         for the bootloader (e.g. a boot-attempt count)
 *   top - 64  fault record     48 bytes a fault handler or panic writes before its reset (hal_fault_reset:
 *   .. top - 16                the kind and detail first, room for a register dump) and the next boot reads
 */
import type { Board } from "./index";

export const NOINIT_BYTES = 64;
export const UPDATE_REQUEST_MAGIC = 0x55425354; // "TSBU"
export const CONFIRM_MAGIC = 0x43425354; // "TSBC"
export const FAULT_RECORD_MAGIC = 0x46425354; // "TSBF"
export const RESET_CAUSE_TAG = 0x52530000; // "RS" in the top half, the cause below
/** The low bits of the reset-cause word: tsboot_hal.h's HAL_RESET_* bits, and one of tsboot's own. */
export const RESET_CAUSE_BITS = {
  pin: 0x01, powerOn: 0x02, software: 0x04, independentWatchdog: 0x08, windowWatchdog: 0x10, lowPower: 0x20,
  brownOut: 0x40, optionLoad: 0x80, fault: 0x100,
} as const;

export interface NoInitLayout {
  /** Lowest byte of the area; the stack starts here (full descending). */
  base: number;
  updateRequest: number;
  resetCause: number;
  confirm: number;
  reserved: number;
  faultRecord: { start: number; size: number };
}

export function noInitLayout(board: Pick<Board, "ram">): NoInitLayout {
  const top = board.ram.base + board.ram.size;
  return {
    base: top - NOINIT_BYTES,
    updateRequest: top - 16,
    resetCause: top - 12,
    confirm: top - 8,
    reserved: top - 4,
    faultRecord: { start: top - NOINIT_BYTES, size: NOINIT_BYTES - 16 },
  };
}

/**
 * Cortex-M0 has no VTOR: an application's vector table is copied to the start of SRAM, which is then
 * mapped at 0 (RM0091 SYSCFG_CFGR1.MEM_MODE). Both images leave those bytes alone. 0 where VTOR exists.
 */
export function sramVectorBytes(board: Pick<Board, "familyInfo" | "partInfo">): number {
  if (board.familyInfo.hasVtor) return 0;
  const bytes = (16 + board.partInfo.irqs.length) * 4;
  return Math.ceil(bytes / 8) * 8;
}
