/**
 * What the bootloader learns about the device at boot, and keeps for INFO and the console: why the MCU
 * reset, the state.fault or panic that ended the previous boot, whether a state.watchdog runs, whether the bootloader
 * region is write-protected. It also applies the board's choices: the state.watchdog (never started unless the
 * option bytes or the board data start it) and the automatic protection of the bootloader region.
 */
import { u8, u32 } from "../runtime/index";
import { boardProtectBootloader, boardWatchdogMs } from "../hal-bindings/board";
import { flashBootloaderProtected, flashProtectBootloader } from "../hal-bindings/flash";
import { faultDetail, faultKind, resetCause, watchdogHardware, watchdogStart } from "../hal-bindings/system";
import { Status } from "./status";

/** The longest period the independent state.watchdog has (prescaler /256, reload 0xFFF at 32 kHz: about 32 s). */
export const WATCHDOG_LONGEST_MS = 32000;

export enum WatchdogState {
  /** Not running: the bootloader never starts it unless the board data asks. */
  Off = 0,
  /** Started by the option bytes at reset (hardware state.watchdog): given the longest period and refreshed. */
  Hardware = 1,
  /** Started by the bootloader with the board's watchdogMs. */
  Started = 2,
}

/** The fault record's kinds (tsboot_hal.h HAL_FAULT_*). */
export enum FaultKind {
  None = 0,
  HardFault = 1,
  Nmi = 2,
  MemManage = 3,
  BusFault = 4,
  UsageFault = 5,
  UnexpectedIrq = 6,
  Panic = 7,
  FlashStuck = 8,
  Ecc = 9,
}

/** What deviceStateInit() learnt, in one record (in the C one static struct: one address for all of it). */
interface DeviceState {
  resetBits: u32;
  fault: u32;
  faultAt: u32;
  watchdog: WatchdogState;
  /** The result of the automatic protection at boot (Ok when none was needed). */
  protectionAtBoot: Status;
}
const state: DeviceState = {
  resetBits: 0,
  fault: 0,
  faultAt: 0,
  watchdog: WatchdogState.Off,
  protectionAtBoot: Status.Ok,
};

/** Reads the reset cause and the fault record (once: the port clears them), then sets up the watchdog. */
export function deviceStateInit(): void {
  state.resetBits = resetCause();
  state.fault = faultKind();
  state.faultAt = faultDetail();
  if (watchdogHardware()) {
    watchdogStart(WATCHDOG_LONGEST_MS);
    state.watchdog = WatchdogState.Hardware;
  } else if (boardWatchdogMs() > 0) {
    watchdogStart(boardWatchdogMs());
    state.watchdog = WatchdogState.Started;
  }
  if (boardProtectBootloader() && !flashBootloaderProtected()) state.protectionAtBoot = setBootloaderProtection(true);
}

/** Sets or clears the write protection of the bootloader region, and checks that the option bytes took it. */
export function setBootloaderProtection(protect: boolean): Status {
  if (flashProtectBootloader(protect) !== 0) return Status.ProtectionFailed;
  return flashBootloaderProtected() === protect ? Status.Ok : Status.ProtectionFailed;
}

export function lastResetCause(): u8 {
  return u8(state.resetBits);
}

export function lastFaultKind(): u32 {
  return state.fault;
}

export function lastFaultDetail(): u32 {
  return state.faultAt;
}

export function watchdogState(): WatchdogState {
  return state.watchdog;
}

/** Protection state for INFO: bit 0 the bootloader region is protected, bit 1 the boot-time protection failed. */
export function protectionState(): u8 {
  const failed = state.protectionAtBoot !== Status.Ok ? 2 : 0;
  return flashBootloaderProtected() ? 1 | failed : failed;
}
