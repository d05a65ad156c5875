/** Little- and big-endian reads and writes of typed-array bytes. */
import { u8, u16, u32 } from "../runtime/index";

export function readU32LE(b: Uint8Array, at: u32): u32 {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

export function readU16LE(b: Uint8Array, at: u32): u16 {
  return b[at] | (b[at + 1] << 8);
}

export function writeU32LE(b: Uint8Array, at: u32, value: u32): void {
  // A loop: one bounds check in the C, where four stores would each carry their own.
  for (let i: u32 = 0; i < 4; i++) b[at + i] = u8(value >>> (i * 8));
}

export function writeU16LE(b: Uint8Array, at: u32, value: u32): void {
  b[at] = u8(value);
  b[at + 1] = u8(value >>> 8);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i: u32 = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}
