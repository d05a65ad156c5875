/**
 * Native tsboot protocol frames, host side (docs/protocol.md):
 * A5 5A | cmd | seq | len (u16 LE) | payload | CRC-32 (LE) over cmd..payload.
 */
import { crc32 } from "node:zlib";

export const SYNC = [0xa5, 0x5a] as const;
export const Command = { Info: 0x01, Begin: 0x02, Write: 0x03, End: 0x04, Boot: 0x05, Abort: 0x06, Read: 0x07, Protect: 0x08, Install: 0x09, Confirm: 0x0a, Revert: 0x0b, Bauds: 0x11, SetBaud: 0x12 } as const;
export const MAX_READ = 256;
/** The largest payload of any frame: a WRITE's offset and 1024 data bytes. */
export const MAX_FRAME_PAYLOAD = 4 + 1024;
export const REPLY_BIT = 0x80;
export const EVENT_PROGRESS = 0x90;

export const STATUS_NAMES = [
  "ok", "bad frame", "unknown command", "bad length", "bad state", "bad header", "wrong board", "too big",
  "bad address", "out of order", "flash error", "verify failed", "CRC mismatch", "no valid application", "incomplete",
  "bad vector table", "protection failed", "signature required", "bad signature", "security counter too low", "unsupported baud",
] as const;

export interface Frame {
  command: number;
  seq: number;
  payload: Uint8Array;
}

export function encodeFrame(command: number, seq: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(2 + 4 + payload.length + 4);
  out[0] = SYNC[0];
  out[1] = SYNC[1];
  out[2] = command;
  out[3] = seq & 0xff;
  out[4] = payload.length & 0xff;
  out[5] = payload.length >>> 8;
  out.set(payload, 6);
  const crc = crc32(out.subarray(2, 6 + payload.length)) >>> 0;
  new DataView(out.buffer).setUint32(6 + payload.length, crc, true);
  return out;
}

/** Incremental decoder: feed bytes, take whole frames; bytes outside a valid frame are skipped. */
export class FrameDecoder {
  private buffer: number[] = [];

  push(bytes: Iterable<number>): Frame[] {
    for (const b of bytes) this.buffer.push(b);
    const frames: Frame[] = [];
    while (true) {
      const start = this.findSync();
      if (start < 0) {
        this.buffer = [];
        break;
      }
      this.buffer.splice(0, start);
      if (this.buffer.length < 6) break;
      const length = this.buffer[4] | (this.buffer[5] << 8);
      if (length > MAX_FRAME_PAYLOAD) {
        // A false sync in line noise: no frame is this long, so do not wait for its "payload".
        this.buffer.splice(0, 1);
        continue;
      }
      const total = 6 + length + 4;
      if (this.buffer.length < total) break;
      const bytes = Uint8Array.from(this.buffer.slice(0, total));
      const crc = new DataView(bytes.buffer).getUint32(6 + length, true);
      if ((crc32(bytes.subarray(2, 6 + length)) >>> 0) !== crc) {
        this.buffer.splice(0, 1);
        continue;
      }
      this.buffer.splice(0, total);
      frames.push({ command: bytes[2], seq: bytes[3], payload: bytes.slice(6, 6 + length) });
    }
    return frames;
  }

  /**
   * Gives up on the frame being gathered (perhaps a false sync in noise, waiting for a length that will
   * never come) and looks again from the byte after its sync; returns the frames that were behind it.
   */
  resync(): Frame[] {
    if (this.buffer.length === 0) return [];
    this.buffer.splice(0, 1);
    return this.push([]);
  }

  private findSync(): number {
    for (let i = 0; i + 1 < this.buffer.length; i++) if (this.buffer[i] === SYNC[0] && this.buffer[i + 1] === SYNC[1]) return i;
    return this.buffer.length > 0 && this.buffer[this.buffer.length - 1] === SYNC[0] ? this.buffer.length - 1 : -1;
  }
}

export function u32le(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, true);
  return out;
}
