/**
 * Install by the hardware bank swap (docs/slots.md, STM32H7 SWAP_BANK): the new image was received into the
 * other bank's image region (the secondary slot) and verified; installing it is flipping the option bit
 * that maps that bank at the flash base, then a reset. No copy, no scratch. A revert is the same flip.
 *
 * The status log keeps the steps, as for the copy swap: a Swap entry (kind, reason; its low 24 bits hold
 * the bank mapping the swap ends in, not an area count) is written before the option bit is programmed,
 * and SwapDone only after a reset has applied that mapping. A power cut anywhere leaves one of:
 *   - the option bit not (or not completely) changed: the next boot programs it again and resets;
 *   - the bit changed but not yet applied: the next reset (the power-on itself) applies it;
 *   - the mapping applied, SwapDone missing or torn: the next boot writes it.
 * Until SwapDone the log records the old image as the primary one, and the old image is what a reset that
 * has not applied the swap runs; after the swap the log's SwapDone exchanges the records as the mapping
 * exchanged the images. Never neither.
 *
 * Both banks must start with the same bootloader: after the flip the reset runs the other bank's copy. The
 * bootloader never writes that copy (it lies outside the application, slot and config regions): the
 * factory places it with a programmer (docs/slots.md), and a swap is refused while the two copies differ.
 */
import { u32 } from "../runtime/index";
import { boardAppStart, boardBankSwapSize, boardConfigStart, boardSectorStart } from "../hal-bindings/board";
import { flashBankSwapNextReset, flashBankSwapped, flashBankSwapProgram, flashTakeEccError, flashView } from "../hal-bindings/flash";
import { systemReset, watchdogRefresh } from "../hal-bindings/system";
import { uartFlush } from "../hal-bindings/uart";
import { bankSwapBoard } from "./bank-layout";
import { Entry, installCount, logAppend, swapAreaCount, swapInProgress, SwapKind } from "./status-log";
import { Status } from "./status";

/** How a Swap entry of a bank-swap board names the mapping it ends in (never 0: a Swap entry has areas). */
const BANK1_FIRST: u32 = 1;
const BANK2_FIRST: u32 = 2;

/** The bank mapping the swap in progress ends in: true when bank 2 is to be at the flash base. */
function targetSwapped(): boolean {
  return swapAreaCount() === BANK2_FIRST;
}

/**
 * The bootloader region and its copy one bank up are identical, read without an ECC error. The region is
 * everything below the config and application regions (as an3155.ts counts the bootloader's units).
 */
export function bootloaderCopiesMatch(): boolean {
  const start = boardSectorStart(0);
  const config = boardConfigStart();
  const app = boardAppStart();
  const size = (config < app ? config : app) - start;
  flashTakeEccError();
  const here = flashView(start, size);
  const there = flashView(start + boardBankSwapSize(), size);
  for (let i: u32 = 0; i < size; i++) {
    if (here[i] !== there[i]) return false;
  }
  return !flashTakeEccError();
}

/** Starts a bank swap of `kind`: records it, with the mapping it ends in (the other one). */
export function bankSwapBegin(kind: SwapKind, reason: u32): Status {
  if (!bootloaderCopiesMatch()) return Status.BadState;
  const target = flashBankSwapped() ? BANK1_FIRST : BANK2_FIRST;
  return logAppend(Entry.Swap, kind, (target | ((reason & 0xff) << 24)) >>> 0);
}

/**
 * Takes the swap in progress one step on: when the reset has applied its mapping, records SwapDone; else
 * programs the option bit (unless it already holds the target), after which only a reset finishes the swap
 * (applyPendingBankSwap). Ok: done, or waiting for that reset; FlashError: the option bit did not change.
 */
export function bankSwapContinue(): Status {
  if (swapInProgress() === SwapKind.None) return Status.Ok;
  const target = targetSwapped();
  if (flashBankSwapped() === target) return logAppend(Entry.SwapDone, 0, installCount() + 1);
  if (flashBankSwapNextReset() !== target) {
    watchdogRefresh(); // the CPU polls OPT_BUSY for up to a second, as it stalls during an erase
    if (flashBankSwapProgram(target) !== 0) return Status.FlashError;
  }
  return flashBankSwapNextReset() === target ? Status.Ok : Status.FlashError;
}

/** A bank swap is recorded and its option bit programmed: only a reset is missing. */
export function bankSwapAwaitsReset(): boolean {
  if (!bankSwapBoard() || swapInProgress() === SwapKind.None) return false;
  const target = targetSwapped();
  return flashBankSwapped() !== target && flashBankSwapNextReset() === target;
}

/** Resets when a bank swap waits for it (after INSTALL's or REVERT's reply, at boot, before a launch). */
export function applyPendingBankSwap(): void {
  if (!bankSwapAwaitsReset()) return;
  uartFlush();
  systemReset();
}
