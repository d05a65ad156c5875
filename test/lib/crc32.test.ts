import { describe, expect, it } from "vitest";
import fc from "fast-check";
import * as zlib from "node:zlib";
import { crc32, crc32Finish, crc32Init, crc32Update } from "../../bootloader-ts/lib/crc32";
import { bytes, chunked } from "./split";

/** A bit-at-a-time CRC-32/ISO-HDLC, independent of the module's table. */
function referenceCrc32(data: Uint8Array, value = 0): number {
  let c = ~value >>> 0;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (0xedb88320 ^ (c >>> 1)) >>> 0 : c >>> 1;
  }
  return ~c >>> 0;
}

/** node:zlib's crc32 (Node 20.15+), or the bitwise reference on an older Node. */
const zlibCrc32: (data: Uint8Array, value?: number) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === "function"
    ? (data, value = 0) => (zlib as unknown as { crc32(d: Uint8Array, v: number): number }).crc32(data, value)
    : referenceCrc32;

const isU32 = (v: number) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const ascii = (s: string) => new TextEncoder().encode(s);

describe("crc32 (CRC-32/ISO-HDLC, as zlib)", () => {
  it("has the catalogue check value and the empty-input value", () => {
    expect(crc32(ascii("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(ascii("The quick brown fox jumps over the lazy dog"))).toBe(0x414fa339);
    expect(crc32Init()).toBe(0xffffffff);
  });

  it("agrees with the bitwise reference on every single byte (checks all 256 table entries)", () => {
    for (let b = 0; b < 256; b++) {
      expect(crc32(Uint8Array.of(b))).toBe(referenceCrc32(Uint8Array.of(b)));
    }
  });

  it("agrees with node:zlib on generated buffers", () => {
    fc.assert(
      fc.property(bytes(), (data) => {
        const got = crc32(data);
        expect(isU32(got)).toBe(true);
        expect(got).toBe(zlibCrc32(data));
        expect(got).toBe(referenceCrc32(data));
      }),
      { numRuns: 400 },
    );
  });

  it("gives the same result for any split into chunks (running value without the final xor)", () => {
    fc.assert(
      fc.property(chunked(), ({ data, chunks }) => {
        let crc = crc32Init();
        for (const chunk of chunks) {
          crc = crc32Update(crc, chunk);
          expect(isU32(crc)).toBe(true);
        }
        expect(crc32Finish(crc)).toBe(zlibCrc32(data));
      }),
      { numRuns: 400 },
    );
  });

  it("continues a finished CRC when given crc32Finish(previous), like zlib.crc32(data, previous)", () => {
    fc.assert(
      fc.property(bytes(1024), bytes(1024), (a, b) => {
        const previous = crc32(a);
        expect(crc32Finish(crc32Update(crc32Finish(previous), b))).toBe(zlibCrc32(b, previous));
      }),
      { numRuns: 300 },
    );
  });

  it("leaves the running value unchanged on an empty chunk, and crc32Finish is an involution", () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (crc) => {
        expect(crc32Update(crc, new Uint8Array(0))).toBe(crc);
        expect(crc32Finish(crc32Finish(crc))).toBe(crc);
        expect(isU32(crc32Finish(crc))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
