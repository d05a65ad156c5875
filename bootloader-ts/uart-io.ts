/**
 * Buffered UART input. Reception runs by itself (DMA on silicon) into RING, so the protocol code can erase
 * and program flash — during which the CPU stalls — between reads without losing a byte. readByte() takes
 * bytes from the ring with a timeout. The ring is never overrun by a well-behaved host: the native protocol's
 * window keeps at most WINDOW frames in flight, well under the ring's size (config.ts).
 */
import { i32, u8, u32 } from "../runtime/index";
import { uartRxHead, uartRxStart, uartWrite } from "../hal-bindings/uart";
import { millis, watchdogRefresh } from "../hal-bindings/system";

/** A power of two, so `& MASK` keeps indexes in range. */
const RING = new Uint8Array(8192);
const MASK = 8191;
/** The index of the next byte to read; the reception side owns the head. */
let tail: u32 = 0;

/** The line-error bits of uartTakeErrors() (hal-bindings/uart.ts). */
export enum UartError {
  Parity = 1,
  Framing = 2,
  Noise = 4,
  Overrun = 8,
}

/** Starts reception into the ring (once, at boot; it runs until the application starts). */
export function receiveStart(): void {
  tail = 0;
  uartRxStart(RING);
}

/** How many received bytes wait in the ring. */
export function available(): u32 {
  const head = uartRxHead();
  return (head - tail) & MASK;
}

/** The next byte, or -1 if none arrives within `timeoutMs`. */
export function readByte(timeoutMs: u32): i32 {
  const start = millis();
  while (true) {
    watchdogRefresh();
    if (available() > 0) {
      const b = RING[tail];
      tail = (tail + 1) & MASK;
      return b;
    }
    if (u32(millis() - start) >= timeoutMs) return -1;
  }
}

/** Drops whatever was received and not yet read (after a damaged frame). */
export function discardInput(): void {
  tail = uartRxHead();
}


export function writeByte(value: u8): void {
  uartWrite(value);
}

export function writeBytes(data: Uint8Array): void {
  for (const b of data) uartWrite(b);
}
