/**
 * Buffered UART input: pump() moves every received byte into a ring buffer, so the protocol code can
 * program flash between reads without losing bytes, and readByte() waits with a timeout.
 */
import { i32, u8, u32 } from "../runtime/index";
import { uartRead, uartWrite } from "../hal-bindings/uart";
import { millis } from "../hal-bindings/system";

/** Four frames of the largest size in flight, and some. A power of two, so `& MASK` keeps indexes in range. */
const RING = new Uint8Array(8192);
const MASK = 8191;
let head: u32 = 0;
let tail: u32 = 0;
let count: u32 = 0;
/** Set when a byte arrived with the ring full; the protocol treats the frame as damaged. */
let overflowed: boolean = false;

export function pump(): void {
  while (true) {
    const b = uartRead();
    if (b < 0) return;
    if (count < RING.length) {
      RING[head & MASK] = u8(b);
      head = (head + 1) & MASK;
      count++;
    } else {
      overflowed = true;
    }
  }
}

/** The next byte, or -1 if none arrives within `timeoutMs`. */
export function readByte(timeoutMs: u32): i32 {
  const start = millis();
  while (true) {
    pump();
    if (count > 0) {
      const b = RING[tail & MASK];
      tail = (tail + 1) & MASK;
      count--;
      return b;
    }
    if (u32(millis() - start) >= timeoutMs) return -1;
  }
}

/** Drops whatever was received and not yet read (after a damaged frame). */
export function discardInput(): void {
  pump();
  head = 0;
  tail = 0;
  count = 0;
  overflowed = false;
}

export function takeOverflow(): boolean {
  const was = overflowed;
  overflowed = false;
  return was;
}

/**
 * Transmitting is polled too (about 87 us a byte at 115200): drain the receiver before each byte, so the
 * frames a host keeps in flight are not lost to an overrun while a reply goes out.
 */
export function writeByte(value: u8): void {
  pump();
  uartWrite(value);
}

export function writeBytes(data: Uint8Array): void {
  for (const b of data) {
    pump();
    uartWrite(b);
  }
}
