/** Clocks, the millisecond timebase, the trigger pin, the update-request flag and reset. */
import type { u32 } from "../runtime/index";
import { simulation } from "./sim/current";
import { SystemReset, TIME } from "./sim/simulation";

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
  return Math.floor(sim.nowUs / 1000) >>> 0;
}
/** True while the board's update trigger pin is at its active level. @extern hal_port_trigger_active */
export function triggerActive(): boolean {
  return simulation().triggerPressed;
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
  throw new SystemReset();
}
