/**
 * The bootloader's boot flow — the same for every STM32 family; only hal-bindings and board data differ.
 * The rules are stated in docs/boot-flow.md.
 *
 * 1. Hardware init: clocks (HSE + PLL, HSI if they fail — never hang), the timebase, the watchdog (served
 *    when the option bytes run it, started only when the board data asks), the UART and its reception.
 * 2. Update detection, in order: the update-request flag an application left in RAM; the trigger pin;
 *    the product's own reason (hal-bindings/product.ts, docs/extending.md); no valid application;
 *    otherwise a short listen window on the UART. Until a session has really started, the line may
 *    belong to the application's peer: nothing is written on it.
 * 3–6. Update mode: serve the native protocol and AN3155 sessions (reception, erase, program, verify).
 * 7. Otherwise start the application.
 */
import { print } from "../runtime/index";
import { clockInit, millis, tickInit, triggerActive, updateFlagClear, updateFlagRead } from "../hal-bindings/system";
import { uartInit } from "../hal-bindings/uart";
import { AN3155_IDLE_MS, AN3155_SYNC, an3155FirstCommand, an3155Open, an3155Session } from "./an3155";
import { SESSION_IDLE_MS, UART_BAUD, UPDATE_REQUEST_MAGIC } from "./config";
import { boardListenWindowMs, boardSessionIdleMs } from "../hal-bindings/board";
import { reportLastFault } from "./console";
import { deviceStateInit } from "./device-state";
import { applicationValid } from "./installed-image";
import { launchApplication } from "./launch";
import { nativeFrameArrives, nativeSession, SYNC0 } from "./native-protocol";
import { readByte, receiveStart } from "./uart-io";
import { slotsAtBoot } from "./slots";
import { logLoad } from "./status-log";
import { announceProductReason, productUpdateReason } from "../hal-bindings/product";
import { i32, u8, u32 } from "../runtime/index";

export enum UpdateReason {
  None,
  Requested,
  TriggerPin,
  NoValidApplication,
  /** A session the listen window opened went idle without leaving a valid application. */
  SessionLeftNoApplication,
  /** The product's own reason (productUpdateReason: a service jumper, say). */
  Product,
}

/** The product's reason code when the reason is UpdateReason.Product. */
let productReason: u8 = 0;

/**
 * What a listen window opened (a complete, valid session start): nothing, a native session, or an AN3155
 * session, given as its first command (0 … 255).
 */
const OPENED_NOTHING: i32 = -2;
const OPENED_NATIVE: i32 = -1;

export function bootloaderMain(): void {
  clockInit();
  tickInit();
  deviceStateInit();
  uartInit(UART_BAUD, false);
  receiveStart();
  logLoad();
  let reason = updateReason();
  if (reason === UpdateReason.None) {
    const opened = listen(boardListenWindowMs());
    if (opened === OPENED_NOTHING) launchApplication();
    // The session is the host's: serve it, and when it goes idle give the line back to a valid application.
    if (opened === OPENED_NATIVE) nativeSession(true, boardSessionIdleMs());
    else an3155Session(opened, boardSessionIdleMs());
    if (applicationValid()) launchApplication();
    reason = UpdateReason.SessionLeftNoApplication;
  }
  announce(reason);
  reportLastFault();
  serve();
}

/**
 * Why the bootloader stays (None: it may start the application after the listen window). On a slot board
 * this is also where an interrupted swap is finished and an unconfirmed trial reverted (slots.ts), before
 * the application's validity is judged.
 */
export function updateReason(): UpdateReason {
  const requested = updateFlagRead() === UPDATE_REQUEST_MAGIC;
  // Cleared at once: a crash in update mode must not bring the bootloader back forever.
  if (requested) updateFlagClear();
  const pin = triggerActive();
  const product = productUpdateReason();
  slotsAtBoot(requested || pin || product !== 0);
  if (requested) return UpdateReason.Requested;
  if (pin) return UpdateReason.TriggerPin;
  if (product !== 0) {
    // Stored only here: without hooks the compiler then drops the variable.
    productReason = product;
    return UpdateReason.Product;
  }
  if (!applicationValid()) return UpdateReason.NoValidApplication;
  return UpdateReason.None;
}

/** In update mode the line is the bootloader's: say who it is and why it stays ("update: " and the reason). */
function announce(reason: UpdateReason): void {
  if (reason === UpdateReason.None) {
    print("tsboot 0.2.0\r\n");
    return;
  }
  print("tsboot 0.2.0\r\nupdate: ");
  switch (reason) {
    case UpdateReason.Requested:
      print("requested by the application");
      break;
    case UpdateReason.TriggerPin:
      print("trigger pin");
      break;
    case UpdateReason.NoValidApplication:
      print("no valid application");
      break;
    case UpdateReason.SessionLeftNoApplication:
      print("the session left no valid application");
      break;
    default:
      announceProductReason(productReason);
      break;
  }
  print("\r\n");
}

/**
 * Waits up to `windowMs` for a complete, valid session start: a CRC-valid native frame, or 0x7F followed
 * (after its ACK) by an AN3155 command and its complement. Single bytes, noise and broken frames are
 * ignored without a reply, and the window goes on; a frame that began inside the window may finish after it.
 */
function listen(windowMs: u32): i32 {
  const start = millis();
  while (true) {
    const elapsed = u32(millis() - start);
    if (elapsed >= windowMs) return OPENED_NOTHING;
    const b = readByte(windowMs - elapsed);
    if (b === SYNC0 && nativeFrameArrives()) return OPENED_NATIVE;
    if (b === AN3155_SYNC) {
      const command = an3155FirstCommand();
      if (command >= 0) return command;
    }
  }
}

/** Update mode: serve sessions forever (a BOOT or GO leaves through launchApplication). */
function serve(): never {
  while (true) {
    const b = readByte(0xffffffff);
    if (b === AN3155_SYNC) {
      an3155Open();
      an3155Session(-1, AN3155_IDLE_MS);
    } else if (b === SYNC0) {
      nativeSession(false, SESSION_IDLE_MS);
    }
  }
}
