/**
 * The status log, host side (bootloader-ts/status-log.ts is the device side; docs/slots.md the format):
 * entries of 96 bytes — magic "SL" (0x4C53, LE), type, arg, value (u32 LE), 64 data bytes (a header),
 * 20 zero bytes, CRC-32 of bytes 0…91 (LE). Used to preload a simulated or emulated device with an
 * installed image exactly as the bootloader would have recorded it, and by tests to read the log back.
 */
import { crc32 } from "node:zlib";

export const ENTRY_SIZE = 96;
export const ENTRY_MAGIC = 0x4c53;

export const EntryType = {
  Half: 1, Image: 2, Empty: 3, Swap: 4, Step: 5, SwapDone: 6, Trial: 7, Confirmed: 8, Event: 9, Counter: 10, SnapshotEnd: 11, ConfirmStub: 12,
} as const;

export function encodeEntry(type: number, arg: number, value: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(ENTRY_SIZE);
  const v = new DataView(out.buffer);
  v.setUint16(0, ENTRY_MAGIC, true);
  out[2] = type;
  out[3] = arg;
  v.setUint32(4, value >>> 0, true);
  out.set(data.subarray(0, 84), 8);
  v.setUint32(92, crc32(out.subarray(0, 92)) >>> 0, true);
  return out;
}

/** The confirmation an application writes (tsboot_confirm): the first 8 bytes of an entry, the rest erased. */
export function confirmStub(trialId: number): Uint8Array {
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  v.setUint16(0, ENTRY_MAGIC, true);
  out[2] = EntryType.ConfirmStub;
  out[3] = 0;
  v.setUint32(4, trialId >>> 0, true);
  return out;
}

/** A fresh log whose primary slot holds the image with `header`: what the config region holds after one update. */
export function logWithPrimary(header: Uint8Array): Uint8Array {
  return Buffer.concat([encodeEntry(EntryType.Half, 0, 1), encodeEntry(EntryType.SnapshotEnd, 0, 0), encodeEntry(EntryType.Image, 0, 1, header)]);
}

export interface DecodedEntry {
  index: number;
  type: number;
  arg: number;
  value: number;
  data: Uint8Array;
  /** false: torn (bad CRC) or a confirmation stub. */
  valid: boolean;
}

/** The entries of one half, up to the first blank one. */
export function decodeHalf(bytes: Uint8Array): DecodedEntry[] {
  const out: DecodedEntry[] = [];
  for (let i = 0; (i + 1) * ENTRY_SIZE <= bytes.length; i++) {
    const e = bytes.subarray(i * ENTRY_SIZE, (i + 1) * ENTRY_SIZE);
    if (e.every((b) => b === 0xff)) break;
    const v = new DataView(e.buffer, e.byteOffset, e.byteLength);
    const valid = v.getUint16(0, true) === ENTRY_MAGIC && (crc32(e.subarray(0, 92)) >>> 0) === v.getUint32(92, true);
    out.push({ index: i, type: e[2], arg: e[3], value: v.getUint32(4, true), data: e.slice(8, 72), valid });
  }
  return out;
}
