/**
 * Two slots with trial boot, confirm and revert (docs/slots.md). At boot: a swap a reset interrupted is
 * finished first; then a trial image that was started and reset without being confirmed, or that is not
 * valid, is swapped back, unless the reset asked for update mode (the flag or the pin: the host may still
 * confirm or revert it). Before a
 * trial image starts, the trial is recorded as started, the application is told where its confirmation
 * goes, and the trial watchdog is armed if the board data asks.
 */
import { u32 } from "../runtime/index";
import { boardScratchSize, boardTrialWatchdogMs } from "../hal-bindings/board";
import { trialPublish, watchdogStart } from "../hal-bindings/system";
import { boardSecondaryStart } from "../hal-bindings/board";
import { watchdogState, WatchdogState } from "./device-state";
import { applicationValid, imageValidAt } from "./installed-image";
import { raiseCounter } from "./signature";
import { confirmStubAddress, currentTrialId, primaryHeader, primaryRecorded, Entry, logAppend, RevertReason, secondaryHeader, secondaryImageRole, secondaryRecorded, SecondaryRole, swapInProgress, SwapKind, trialState, TrialState } from "./status-log";
import { swapBegin, swapFinish } from "./swap";
import { Status } from "./status";
import { bankSwapBoard } from "./bank-layout";
import { applyPendingBankSwap } from "./bank-swap";

/** The board has a secondary slot and a scratch area, or installs by the bank swap. */
export function slotsEnabled(): boolean {
  return boardScratchSize() !== 0 || bankSwapBoard();
}

/** The secondary slot holds a complete, valid image of `role`. */
export function secondaryValid(role: SecondaryRole): boolean {
  return slotsEnabled() && secondaryRecorded() && secondaryImageRole() === role && imageValidAt(secondaryHeader(), boardSecondaryStart());
}

/** Starts a swap of `kind` and runs it to its end. */
export function swapNow(kind: SwapKind, reason: u32): Status {
  const begun = swapBegin(kind, reason);
  if (begun !== Status.Ok) return begun;
  return swapFinish();
}

/** The slots' business at boot (see the file comment). */
export function slotsAtBoot(updateRequested: boolean): void {
  if (slotsEnabled() && swapInProgress() !== SwapKind.None && swapFinish() !== Status.Ok) return;
  applyPendingBankSwap(); // a bank swap takes effect at a reset
  const trial = trialState();
  // A confirmed image sets the floor of the anti-rollback counter: the application may have confirmed
  // itself since the last boot, or a power cut came between an install's record and its counter entry.
  // Its header was verified before it was installed, and the log keeps it under a CRC.
  if (trial === TrialState.None && primaryRecorded()) raiseCounter(primaryHeader());
  if (!slotsEnabled() || trial === TrialState.None || updateRequested || !secondaryValid(SecondaryRole.Previous)) return;
  if (trial === TrialState.Booted) swapNow(SwapKind.Revert, RevertReason.NotConfirmed);
  else if (!applicationValid()) swapNow(SwapKind.Revert, RevertReason.Invalid); // the trial image cannot even start
  applyPendingBankSwap();
}

/**
 * Just before the primary image starts: a trial (pending or already started once) is recorded as started,
 * and its confirmation cell published; any other start clears the published cell, so a stale one is never
 * written.
 */
export function prepareLaunch(): void {
  applyPendingBankSwap(); // never start the old image while the flip waits for a reset
  const trial = trialState();
  if (!slotsEnabled() || trial === TrialState.None) {
    trialPublish(0, 0);
    return;
  }
  if (trial === TrialState.Pending && logAppend(Entry.Trial, TrialState.Booted, currentTrialId()) !== Status.Ok) {
    trialPublish(0, 0);
    return;
  }
  const cell = confirmStubAddress();
  trialPublish(cell, currentTrialId());
  const ms = boardTrialWatchdogMs();
  if (ms !== 0 && watchdogState() === WatchdogState.Off) watchdogStart(ms);
}
