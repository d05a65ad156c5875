/**
 * A probe program for both simulations: how a boot ends and what the next one sees. It prints the reset
 * cause and the fault record the previous boot left ("cause C fault K line L"), then, by the update-request
 * word it was given:
 *   1: panics (the board records kind 7 and this line, and resets);
 *   2: busy-waits 2 s without refreshing the watchdog (a running watchdog resets the device);
 *   3: busy-waits 2 s refreshing it every millisecond (it never fires).
 * Otherwise it resets by software.
 */
import { panic, print, printInt, u32 } from "../../../../runtime/index";
import { faultDetail, faultKind, millis, resetCause, systemReset, updateFlagRead, watchdogRefresh } from "../../../../hal-bindings/system";
import { uartFlush, uartInit } from "../../../../hal-bindings/uart";

function busyMs(ms: u32, refresh: boolean): void {
  const start = millis();
  while (u32(millis() - start) < ms) {
    if (refresh) watchdogRefresh();
  }
}

export function bootloaderMain(): void {
  uartInit(115200, false);
  print("cause ");
  printInt(resetCause());
  print(" fault ");
  printInt(faultKind());
  print(" line ");
  printInt(faultDetail());
  print("\r\n");
  uartFlush();
  const mode = updateFlagRead();
  if (mode === 1) panic("probe: a deliberate panic");
  if (mode === 2) busyMs(2000, false);
  if (mode === 3) busyMs(2000, true);
  systemReset();
}
