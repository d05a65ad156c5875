/**
 * The no-init words: 64 bytes at the top of the images' RAM that neither the bootloader nor the
 * application initialises, so they carry messages across a reset in both directions. The linker scripts
 * keep the stack below them; tsboot_app.h and the bootloader's port read and write them by address.
 * Offsets from the lowest byte (the board's BOARD_UPDATE_FLAG_ADDR):
 *
 *   +0   update request   the application writes UPDATE_REQUEST_MAGIC ("TSBU") and resets; the bootloader
 *                         clears it and stays in update mode
 *   +4   reset cause      the HAL_RESET_* bits of tsboot_hal.h the bootloader saw, and at +8 their
 *   +8                    complement (power-on garbage is not taken for a cause): it read and cleared the
 *                         reset controller's flags, so the application cannot (hal_port_reset_cause)
 *   +12  reserved         1 word
 *   +16  confirm address  where the application on trial programs its confirmation (docs/slots.md),
 *   +20  trial id         published by the bootloader before it starts a trial (hal_port_trial_publish);
 *   +24  trial check      address ^ id ^ CONFIRM_MAGIC, so garbage after a power-on is never acted on
 *   +28  reserved         1 word
 *   +32  fault record     4 words a fault handler or panic writes before its reset (hal_fault_reset: kind,
 *   ..+44                 detail, check), read and cleared by the next boot
 *   +48  reserved         4 words for the bootloader
 */
import type { Board } from "./index";

export const NOINIT_BYTES = 64;
export const UPDATE_REQUEST_MAGIC = 0x55425354; // "TSBU"
export const CONFIRM_MAGIC = 0x43425354; // "TSBC": the trial check's constant
/** The confirmation an application programs (status-log ConfirmStub): magic 0x4C53, type 12, arg 0, the trial id. */
export const CONFIRM_STUB = { magic: 0x4c53, type: 12 } as const;
/** The reset-cause word: tsboot_hal.h's HAL_RESET_* bits. */
export const RESET_CAUSE_BITS = {
  pin: 0x01, powerOn: 0x02, software: 0x04, independentWatchdog: 0x08, windowWatchdog: 0x10, lowPower: 0x20,
  brownOut: 0x40, optionLoad: 0x80,
} as const;

export interface NoInitLayout {
  /** Lowest byte of the area; the stack starts here (full descending). */
  base: number;
  updateRequest: number;
  faultRecord: { start: number; size: number };
  confirmAddress: number;
  trialId: number;
  trialCheck: number;
  /** The cause bits, and the word after it their complement. */
  resetCause: number;
  reserved: { start: number; size: number }[];
}

export function noInitLayout(board: Pick<Board, "ram">): NoInitLayout {
  const base = board.ram.base + board.ram.size - NOINIT_BYTES;
  return {
    base,
    updateRequest: base,
    faultRecord: { start: base + 32, size: 16 },
    confirmAddress: base + 16,
    trialId: base + 20,
    trialCheck: base + 24,
    resetCause: base + 4,
    reserved: [
      { start: base + 12, size: 4 },
      { start: base + 28, size: 4 },
      { start: base + 48, size: 16 },
    ],
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
