/** Clocks, the millisecond timebase, the trigger pin, the update-request flag, the watchdog, reset and faults. */
import type { u32 } from "../runtime/index";
import { simulation } from "./sim/current";
import { TIME } from "./sim/simulation";

/** HSE + PLL with bounded waits, HSI when they time out; returns SYSCLK in Hz. @extern hal_port_clock_init */
export function clockInit(): u32 {
  simulation().clocksUp = true;
  return 16_000_000;
}
/** Back to the reset clock configuration (HSI, PLL off). @extern hal_port_clock_deinit */
export function clockDeinit(): void {
  simulation().clocksUp = false;
}
/** Starts the 1 kHz timebase. @extern hal_port_tick_init */
export function tickInit(): void {
  simulation().tickRunning = true;
}
/** Stops the timebase and clears its pending exception. @extern hal_port_tick_deinit */
export function tickDeinit(): void {
  simulation().tickRunning = false;
}
/** Milliseconds since tickInit(), wrapping at 2^32. @extern hal_port_millis */
export function millis(): u32 {
  const sim = simulation();
  sim.advance(TIME.millisCallUs);
  return Math.floor(sim.nowNs / 1_000_000) >>> 0;
}
/** True while the board's update trigger pin is at its active level. @extern hal_port_trigger_active */
export function triggerActive(): boolean {
  return simulation().pins.triggerActive;
}
/** How an input pin is pulled while pinRead reads it (tsboot_hal.h's HAL_GPIO_PULL_* values). */
export enum Pull {
  None = 0,
  Up = 1,
  Down = 2,
}
/**
 * The level of any input pin (port 0 = A … 10 = K, pin 0-15; any other reads low), configured as an input
 * with `pull` for the read and put back to its reset state at once, as the trigger pin is; a pin of the
 * UART is read as it is, without touching its configuration. @extern hal_port_pin_read
 */
export function pinRead(port: u32, pin: u32, pull: Pull): boolean {
  return simulation().pins.read(port, pin, pull) === 1;
}
/** The word an application leaves in no-init RAM to request an update. @extern hal_port_update_flag_read */
export function updateFlagRead(): u32 {
  return simulation().updateFlag >>> 0;
}
/** @extern hal_port_update_flag_clear */
export function updateFlagClear(): void {
  simulation().updateFlag = 0;
}
/** Resets the MCU (SCB AIRCR SYSRESETREQ). @extern hal_port_system_reset */
export function systemReset(): never {
  return simulation().systemReset();
}

/**
 * True when the option bytes start the independent watchdog by hardware at every reset (F4 WDG_SW = 0):
 * it is running now, and only a reset stops it. @extern hal_port_watchdog_hardware
 */
export function watchdogHardware(): boolean {
  return simulation().watchdog.hardware;
}
/**
 * Starts the independent watchdog, or reprograms it when it runs, with a period of at least `timeoutMs`
 * (capped at the longest the part has, about 32 s). @extern hal_port_watchdog_start
 */
export function watchdogStart(timeoutMs: u32): void {
  simulation().watchdogStart(timeoutMs);
}
/** Reloads the watchdog's counter. Harmless when it does not run. @extern hal_port_watchdog_refresh */
export function watchdogRefresh(): void {
  simulation().watchdogRefresh();
}

/**
 * Why the MCU last reset, as ResetCause bits (bootloader-ts/reset-cause.ts): the reset controller's flags,
 * read once and then cleared. @extern hal_port_reset_cause
 */
export function resetCause(): u32 {
  return simulation().resetCauseBits;
}
/** The fault or panic that ended the previous boot (FaultKind; 0: none), recorded in no-init RAM. @extern hal_port_fault_kind */
export function faultKind(): u32 {
  return simulation().fault.kind;
}
/** That fault's detail: the stacked PC of a fault, the source line of a panic. @extern hal_port_fault_detail */
export function faultDetail(): u32 {
  return simulation().fault.detail;
}

/**
 * Makes `address` the vector table exceptions use: VTOR on Cortex-M3/M4/M7; on Cortex-M0 (no VTOR) the
 * table is copied to the start of SRAM and SRAM mapped at 0. @extern hal_port_vector_table_set
 */
export function vectorTableSet(address: u32): void {
  simulation().vectorTable = address >>> 0;
}
/**
 * Before the jump: every NVIC interrupt disabled and its pending bit cleared; caches and MPU off where the
 * part has them. @extern hal_port_cpu_quiesce
 */
export function cpuQuiesce(): void {
  simulation().cpuQuiesced = true;
}

/**
 * Tells the application where its confirmation goes (tsboot_confirm() in tsboot_app.h, from `tsboot app-kit`): the
 * address of a blank status-log entry and the trial's id, in no-init RAM words; (0, 0) clears them, so an
 * application that is not on trial never writes one. @extern hal_port_trial_publish
 */
export function trialPublish(address: u32, id: u32): void {
  simulation().trialPublished = { address: address >>> 0, id: id >>> 0 };
}
