/**
 * The bootloader's boot flow — the same for every STM32 family; only hal-bindings and board data differ.
 *
 * 1. Hardware init: clocks (HSE + PLL, HSI if they fail — never hang), the timebase, the UART.
 * 2. Update detection, in order: the update-request flag an application left in RAM; the trigger pin;
 *    no valid application; otherwise a short window on the UART for a protocol's first byte.
 * 3–6. Update mode: serve the native protocol and AN3155 sessions (reception, erase, program, verify).
 * 7. Otherwise start the application.
 */
import { print } from "../runtime/index";
import { clockInit, millis, tickInit, triggerActive, updateFlagClear, updateFlagRead } from "../hal-bindings/system";
import { uartInit } from "../hal-bindings/uart";
import { an3155Session, AN3155_SYNC } from "./an3155";
import { UART_BAUD, UPDATE_REQUEST_MAGIC } from "./config";
import { boardListenWindowMs } from "../hal-bindings/board";
import { applicationValid } from "./installed-image";
import { launchApplication } from "./launch";
import { nativeSession, SYNC0 } from "./native-protocol";
import { readByte } from "./uart-io";
import { i32, u32 } from "../runtime/index";

export enum UpdateReason {
  None,
  Requested,
  TriggerPin,
  NoValidApplication,
  UartTrigger,
}

export function bootloaderMain(): void {
  clockInit();
  tickInit();
  uartInit(UART_BAUD, false);
  print("tsboot 0.1.0\r\n");
  const reason = updateReason();
  if (reason === UpdateReason.None) {
    const first = listen(boardListenWindowMs());
    if (first < 0) launchApplication();
    announce(UpdateReason.UartTrigger);
    serve(first);
  }
  announce(reason);
  serve(-1);
}

/** Why the bootloader stays (None: it may start the application after the listen window). */
export function updateReason(): UpdateReason {
  if (updateFlagRead() === UPDATE_REQUEST_MAGIC) {
    // Cleared at once: a crash in update mode must not bring the bootloader back forever.
    updateFlagClear();
    return UpdateReason.Requested;
  }
  if (triggerActive()) return UpdateReason.TriggerPin;
  if (!applicationValid()) return UpdateReason.NoValidApplication;
  return UpdateReason.None;
}

function announce(reason: UpdateReason): void {
  switch (reason) {
    case UpdateReason.Requested:
      print("update: requested by the application\r\n");
      break;
    case UpdateReason.TriggerPin:
      print("update: trigger pin\r\n");
      break;
    case UpdateReason.NoValidApplication:
      print("update: no valid application\r\n");
      break;
    case UpdateReason.UartTrigger:
      print("update: uart\r\n");
      break;
    default:
      break;
  }
}

/** Waits up to `windowMs` for the first byte of a session; other bytes are line noise. -1 when none. */
function listen(windowMs: u32): i32 {
  const start = millis();
  while (true) {
    const elapsed = u32(millis() - start);
    if (elapsed >= windowMs) return -1;
    const b = readByte(windowMs - elapsed);
    if (b === AN3155_SYNC || b === SYNC0) return b;
  }
}

/** Update mode: serve sessions forever (a BOOT or GO leaves through launchApplication). */
function serve(first: i32): never {
  let next = first;
  while (true) {
    if (next === AN3155_SYNC) an3155Session();
    else if (next === SYNC0) nativeSession();
    next = readByte(0xffffffff);
  }
}
