import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { sha256, sha256Final, sha256Init, sha256Update } from "../../bootloader-ts/lib/sha256";
import { PanicError } from "../../runtime/index";
import { bytes, chunked } from "./split";

const nodeSha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
const ascii = (s: string) => new TextEncoder().encode(s);

function digest(data: Uint8Array): string {
  const out = new Uint8Array(32);
  sha256(data, out);
  return hex(out);
}

describe("sha256", () => {
  it("matches the FIPS 180-4 examples", () => {
    expect(digest(new Uint8Array(0))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(digest(ascii("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(digest(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("matches the one-million-'a' example, fed in uneven chunks", () => {
    const data = new Uint8Array(1_000_000).fill(0x61);
    sha256Init();
    for (let at = 0; at < data.length; at += 4097) sha256Update(data.subarray(at, Math.min(at + 4097, data.length)));
    const out = new Uint8Array(32);
    sha256Final(out);
    expect(hex(out)).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  });

  it("agrees with node:crypto on every length 0..300 (all padding cases over several blocks)", () => {
    for (let n = 0; n <= 300; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n * 7) & 0xff);
      expect(digest(data), `length ${n}`).toBe(nodeSha256(data));
    }
  });

  it("agrees with node:crypto on generated buffers", () => {
    fc.assert(
      fc.property(bytes(), (data) => {
        expect(digest(data)).toBe(nodeSha256(data));
      }),
      { numRuns: 400 },
    );
  });

  it("gives the same digest for any split into chunks", () => {
    fc.assert(
      fc.property(chunked(), ({ data, chunks }) => {
        sha256Init();
        for (const chunk of chunks) sha256Update(chunk);
        const out = new Uint8Array(32);
        sha256Final(out);
        expect(hex(out)).toBe(nodeSha256(data));
      }),
      { numRuns: 400 },
    );
  });

  it("starts afresh at sha256Init after an unfinished or finished hash", () => {
    fc.assert(
      fc.property(bytes(300), bytes(300), (junk, data) => {
        sha256Init();
        sha256Update(junk); // abandoned mid-way
        expect(digest(data)).toBe(nodeSha256(data));
        expect(digest(data)).toBe(nodeSha256(data)); // and again after a finished one
      }),
      { numRuns: 200 },
    );
  });

  it("writes exactly out[0..31] of a longer view and leaves the rest alone", () => {
    const backing = new Uint8Array(48).fill(0xee);
    const out = backing.subarray(4, 44); // 40 bytes at offset 4
    sha256(ascii("abc"), out);
    expect(hex(out.subarray(0, 32))).toBe(nodeSha256(ascii("abc")));
    expect([...backing.subarray(0, 4), ...backing.subarray(36)]).toEqual(new Array(16).fill(0xee));
  });

  it("panics when out is shorter than 32 bytes", () => {
    expect(() => sha256(ascii("abc"), new Uint8Array(31))).toThrow(PanicError);
  });
});
