/**
 * Buffered UART input. Reception runs by itself (DMA on silicon) into the port's ring (uartRxRing: its size
 * comes from board data, boards/uart-rates.ts), so the protocol code can erase and program flash — during
 * which the CPU stalls — between reads without losing a byte. readByte() takes bytes from the ring with a
 * timeout. The ring is never overrun by a well-behaved host: the native protocol's window (INFO) is as many
 * frames as the ring holds, and a frame is acknowledged only once it is programmed.
 */
import { i32, u8, u32 } from "../runtime/index";
import { uartRxHead, uartRxRing, uartRxStart, uartWrite } from "../hal-bindings/uart";
import { millis, watchdogRefresh } from "../hal-bindings/system";

/** Where reading is in the ring (in the C one static struct: one address for both). */
interface RingPosition {
  /** The index of the next byte to read; the reception side owns the head. */
  tail: u32;
  /** The reception's head when last asked: the bytes from the tail up to it are in the ring. */
  head: u32;
}
const position: RingPosition = { tail: 0, head: 0 };

/** The line-error bits of uartTakeErrors() (hal-bindings/uart.ts). */
export enum UartError {
  Parity = 1,
  Framing = 2,
  Noise = 4,
  Overrun = 8,
}

/** Starts reception into the ring (once, at boot; it runs until the application starts). */
export function receiveStart(): void {
  position.tail = 0;
  position.head = 0;
  uartRxStart(uartRxRing());
}

/** The ring's size in bytes. */
export function ringSize(): u32 {
  return uartRxRing().length;
}

/** How many received bytes wait in the ring (the head and the tail both lie in 0 … size - 1). */
export function available(): u32 {
  position.head = uartRxHead();
  if (position.head >= position.tail) return position.head - position.tail;
  // The head has wrapped: all but the free gap from the head up to the tail (two u32 differences, where
  // one 64-bit sum would need a wider check).
  const gap: u32 = position.tail - position.head;
  return ringSize() - gap;
}

/**
 * The next byte, or -1 if none arrives within `timeoutMs`. Bytes already known to be in the ring are taken
 * without asking the reception again: only an empty ring waits (and reads the clock).
 */
export function readByte(timeoutMs: u32): i32 {
  watchdogRefresh();
  if (position.head === position.tail) {
    const start = millis();
    while (true) {
      position.head = uartRxHead();
      if (position.head !== position.tail) break;
      if (u32(millis() - start) >= timeoutMs) return -1;
      watchdogRefresh();
    }
  }
  const ring = uartRxRing();
  const b = ring[position.tail];
  position.tail = position.tail + 1 < ring.length ? position.tail + 1 : 0;
  return b;
}

/** Drops whatever was received and not yet read (after a damaged frame). */
export function discardInput(): void {
  position.head = uartRxHead();
  position.tail = position.head;
}

export function writeByte(value: u8): void {
  uartWrite(value);
}

export function writeBytes(data: Uint8Array): void {
  for (const b of data) uartWrite(b);
}
