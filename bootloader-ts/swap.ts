/**
 * Install by swap, with a scratch area (MCUboot's swap-scratch): the primary slot (executed) and the
 * secondary slot (download) are exchanged one area at a time, an area being the scratch's size. For area k:
 *
 *   step 1: erase the scratch, copy secondary area k into it          (scratch = S_k)
 *   step 2: erase secondary area k, copy primary area k into it       (secondary = P_k)
 *   step 3: erase primary area k, copy the scratch into it            (primary = S_k)
 *
 * Each step is recorded in the status log after it is done and read back. A power cut anywhere, inside
 * an erase or a program too, leaves the step's source intact (step 1 reads the secondary, which step 2 has
 * not yet erased; step 2 the primary, which step 3 has not; step 3 the scratch, which the next area's step
 * 1 has not): the next boot redoes the unrecorded step from its source. After the last area a SwapDone
 * entry exchanges the slots' records. Reverting is the same swap again.
 */
import { u16, u32 } from "../runtime/index";
import { boardAppStart, boardSecondaryStart, boardScratchSize, boardScratchStart, boardWriteUnit } from "../hal-bindings/board";
import { flashView } from "../hal-bindings/flash";
import { eraseRange, isErased, programBytes } from "./flash-writer";
import { storedSize } from "./image-header";
import { Entry, installCount, logAppend, primaryHeader, primaryRecorded, secondaryHeader, secondaryRecorded, swapAreaCount, swapInProgress, swapProgressArea, swapProgressStep, SwapKind } from "./status-log";
import { Status } from "./status";
import { bankSwapBoard } from "./bank-layout";
import { bankSwapBegin, bankSwapContinue } from "./bank-swap";

/** Steps per area. */
export const STEPS = 3;

/** The bytes a slot's image occupies: its payload and its signature. */
function imageSpan(header: Uint8Array, known: boolean): u32 {
  return known ? storedSize(header) : 0;
}

/** How many areas a swap of the current slots must exchange (at least one). */
export function areasNeeded(): u32 {
  const area = boardScratchSize();
  const p = imageSpan(primaryHeader(), primaryRecorded());
  const s = imageSpan(secondaryHeader(), secondaryRecorded());
  const span = p > s ? p : s;
  if (area === 0) return 0;
  if (span === 0) return 1;
  return u32((span - 1) / area) + 1; // span / area rounded up: at most span, so no overflow
}

/** Starts a swap of `kind` (reason: a RevertReason for a revert). */
export function swapBegin(kind: SwapKind, reason: u32): Status {
  if (bankSwapBoard()) return bankSwapBegin(kind, reason);
  const areas = areasNeeded();
  if (areas === 0 || areas > 0xffffff) return Status.BadState;
  return logAppend(Entry.Swap, kind, (areas | ((reason & 0xff) << 24)) >>> 0);
}

/** Erases [to, to + size) and copies [from, from + size) into it, skipping units that are blank anyway. */
function copyArea(from: u32, to: u32, size: u32): Status {
  const erased = eraseRange(to, size);
  if (erased !== Status.Ok) return erased;
  const unit = boardWriteUnit();
  if (unit === 0) return Status.FlashError;
  for (let at: u32 = 0; at < size; at += unit) {
    if (isErased(from + at, unit)) continue;
    const status = programBytes(to + at, flashView(from + at, unit));
    if (status !== Status.Ok) return status;
  }
  return Status.Ok;
}

/** One step of area `k` (the table in the file comment): from its source to its destination. */
function runStep(k: u32, step: u32): Status {
  const area = boardScratchSize();
  const offset = Math.imul(k, area) >>> 0; // areas lie inside the 4 GB address space: no wrap in practice
  const scratch = boardScratchStart();
  if (step === 1) return copyArea(boardSecondaryStart() + offset, scratch, area);
  if (step === 2) return copyArea(boardAppStart() + offset, boardSecondaryStart() + offset, area);
  return copyArea(scratch, boardAppStart() + offset, area);
}

/** What swapContinue did. */
export enum SwapProgress {
  /** A step was done and recorded; call again. */
  Stepped,
  /** The swap is complete (SwapDone recorded), or none was in progress. */
  Done,
  /** A step failed (flash error): the swap stays where it is, to be resumed. */
  Failed,
}

/**
 * Does the next step of the swap in progress and records it; at the end records SwapDone. A bank swap has
 * one step (bank-swap.ts): Done once its option bit is programmed, though a reset must still apply it.
 */
export function swapContinue(): SwapProgress {
  if (swapInProgress() === SwapKind.None) return SwapProgress.Done;
  if (bankSwapBoard()) return bankSwapContinue() === Status.Ok ? SwapProgress.Done : SwapProgress.Failed;
  const areas = swapAreaCount();
  let k = swapProgressArea();
  let step: u32 = swapProgressStep() + 1;
  if (step > STEPS) {
    step = 1;
    if (k < areas) k++; // past the last area there is nothing left to step; below it, k + 1 cannot overflow
  }
  if (k >= areas) {
    return logAppend(Entry.SwapDone, 0, installCount() + 1) === Status.Ok ? SwapProgress.Done : SwapProgress.Failed;
  }
  if (runStep(k, step) !== Status.Ok) return SwapProgress.Failed;
  return logAppend(Entry.Step, step, k) === Status.Ok ? SwapProgress.Stepped : SwapProgress.Failed;
}

/**
 * Steps done so far in the swap in progress, out of swapAreaCount() * STEPS, as a progress report carries
 * it (a u16 field): a wrap where a u32 result would need a 64-bit check.
 */
export function swapStepsDone(): u16 {
  return u16(swapProgressArea() * STEPS + swapProgressStep());
}

/** Runs the swap in progress to its end (at boot: a swap a power cut interrupted). */
export function swapFinish(): Status {
  while (true) {
    const p = swapContinue();
    if (p === SwapProgress.Done) return Status.Ok;
    if (p === SwapProgress.Failed) return Status.FlashError;
  }
}
