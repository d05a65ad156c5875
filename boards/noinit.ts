/**
 * The no-init words: 64 bytes at the top of the images' RAM that neither the bootloader nor the
 * application initialises, so they carry messages across a reset in both directions. The linker scripts
 * keep the stack below them; tsboot_app.h and the bootloader's port read and write them by address.
 *
 *   top - 16  update request   the application writes TSBOOT_UPDATE_REQUEST_MAGIC ("TSBU") and resets;
 *                              the bootloader clears it and stays in update mode (since 0.1: unchanged)
 *   top - 12  reset cause      the bootloader writes why the MCU last reset (TSBOOT_RESET_CAUSE_*, tagged
 *                              with TSBOOT_RESET_CAUSE_TAG) before it starts the application
 *   top -  8  confirm          the application writes TSBOOT_CONFIRM_MAGIC ("TSBC") once it runs well;
 *                              the bootloader honours it once rollback exists
 *   top -  4  reserved         for the bootloader (e.g. a boot-attempt count)
 *   top - 64  fault record     12 words written by a fault handler (magic, r0-r3, r12, lr, pc, xpsr,
 *   .. top - 16                CFSR, HFSR, BFAR) and read after the reset that follows
 */
import type { Board } from "./index";

export const NOINIT_BYTES = 64;
export const UPDATE_REQUEST_MAGIC = 0x55425354; // "TSBU"
export const CONFIRM_MAGIC = 0x43425354; // "TSBC"
export const FAULT_RECORD_MAGIC = 0x46425354; // "TSBF"
export const RESET_CAUSE_TAG = 0x52530000; // "RS" in the top half, the cause below
export const RESET_CAUSES = { unknown: 0, powerOn: 1, pin: 2, software: 3, watchdog: 4, lowPower: 5, brownOut: 6 } as const;

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
