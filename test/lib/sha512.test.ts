import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { createHash } from "node:crypto";
import * as path from "node:path";
import * as plain from "../../bootloader-ts/lib/sha512";
import { PanicError } from "../../runtime/index";
import { chunked } from "./split";
import { buildHostC, field, haveCc, HostBuild, hex, importChecked, LIB } from "./subset-builds";

type Sha512Module = typeof plain;
const ENTRY = path.join(LIB, "sha512.ts");
const nodeSha512 = (data: Uint8Array) => createHash("sha512").update(data).digest("hex");
const ascii = (s: string) => new TextEncoder().encode(s);

/** Lengths that matter for SHA-512 padding: 111/112 (the 16-byte length field fits or not), 128 (a block). */
const EDGES = [0, 1, 55, 56, 63, 64, 110, 111, 112, 113, 119, 120, 127, 128, 129, 239, 240, 241, 255, 256, 257, 383, 384, 385];

function digestWith(m: Sha512Module, data: Uint8Array): string {
  const out = new Uint8Array(64);
  m.sha512(data, out);
  return hex(out);
}

/** The FIPS 180-4 examples (NIST CSRC "SHA512.pdf"), and the long message of its test suite. */
const NIST: [string, string][] = [
  ["", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"],
  ["abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"],
  ["abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445"],
  ["abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"],
];
const MILLION_A = "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b";

describe("sha512 (plain Node)", () => {
  it("matches the FIPS 180-4 examples", () => {
    for (const [message, digest] of NIST) expect(digestWith(plain, ascii(message)), JSON.stringify(message)).toBe(digest);
  });

  it("matches the one-million-'a' example, fed in uneven chunks", () => {
    const data = new Uint8Array(1_000_000).fill(0x61);
    plain.sha512Init();
    for (let at = 0; at < data.length; at += 4099) plain.sha512Update(data.subarray(at, Math.min(at + 4099, data.length)));
    const out = new Uint8Array(64);
    plain.sha512Final(out);
    expect(hex(out)).toBe(MILLION_A);
  });

  it("agrees with node:crypto on every length 0..400 (all padding cases over several blocks)", () => {
    for (let n = 0; n <= 400; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n * 7) & 0xff);
      expect(digestWith(plain, data), `length ${n}`).toBe(nodeSha512(data));
    }
  });

  it("agrees with node:crypto on generated buffers, whatever the split into chunks", () => {
    fc.assert(
      fc.property(chunked(), ({ data, chunks }) => {
        expect(digestWith(plain, data)).toBe(nodeSha512(data));
        plain.sha512Init();
        for (const chunk of chunks) plain.sha512Update(chunk);
        const out = new Uint8Array(64);
        plain.sha512Final(out);
        expect(hex(out)).toBe(nodeSha512(data));
      }),
      { numRuns: 300 },
    );
  });

  it("starts afresh at sha512Init after an unfinished or a finished hash", () => {
    plain.sha512Init();
    plain.sha512Update(ascii("abandoned half-way through a block"));
    expect(digestWith(plain, ascii("abc"))).toBe(NIST[1][1]);
    expect(digestWith(plain, ascii("abc"))).toBe(NIST[1][1]);
  });

  it("writes exactly out[0..63] of a longer view, and panics when out is shorter than 64 bytes", () => {
    const backing = new Uint8Array(80).fill(0xee);
    plain.sha512(ascii("abc"), backing.subarray(8, 76));
    expect(hex(backing.subarray(8, 72))).toBe(NIST[1][1]);
    expect([...backing.subarray(0, 8), ...backing.subarray(72)]).toEqual(new Array(16).fill(0xee));
    expect(() => plain.sha512(ascii("abc"), new Uint8Array(63))).toThrow(PanicError);
  });
});

/** Edge lengths and seeded random ones up to 2 KB, each with a split point; the same list for every build. */
function cases(): { data: Uint8Array; split: number }[] {
  const list = EDGES.map((n) => ({ data: Uint8Array.from({ length: n }, (_, i) => (i * 29 + n) & 0xff), split: n >> 1 }));
  list.push(...fc.sample(
    fc.tuple(fc.uint8Array({ maxLength: 2048 }), fc.nat()).map(([data, s]) => ({ data, split: s % (data.length + 1) })),
    { numRuns: 200, seed: 20261130 },
  ));
  return list;
}

function expected(data: Uint8Array): string {
  const d = nodeSha512(data);
  return `${d} ${d}`;
}

describe("sha512, checked Node and the C build agree with node:crypto", () => {
  it("checked Node (the compiler's checked JavaScript), in one call and in two chunks", async () => {
    const checked = await importChecked<Sha512Module>(ENTRY);
    for (const [message, digest] of NIST) expect(digestWith(checked, ascii(message))).toBe(digest);
    for (const { data, split } of cases()) {
      const out = new Uint8Array(64);
      checked.sha512Init();
      checked.sha512Update(data.subarray(0, split));
      checked.sha512Update(data.subarray(split));
      checked.sha512Final(out);
      expect(`${digestWith(checked, data)} ${hex(out)}`, `length ${data.length}`).toBe(expected(data));
    }
  });

  describe.skipIf(!haveCc)(`the C build (host gcc -Werror, UBSan)${haveCc ? "" : " (skipped: host cc is not on PATH)"}`, () => {
    let c: HostBuild;
    beforeAll(async () => {
      c = await buildHostC(ENTRY, "sha512-driver.c");
    });
    afterAll(() => c?.dispose());

    it("matches the FIPS 180-4 examples and the million 'a'", () => {
      const million = new Uint8Array(1_000_000).fill(0x61);
      const input = [...NIST.map(([m]) => ascii(m)), million].map((d) => `${field(d)} ${d.length >> 1}\n`).join("");
      const lines = c.run(input);
      expect(lines).toEqual([...NIST.map(([, d]) => `${d} ${d}`), `${MILLION_A} ${MILLION_A}`]);
    });

    it("computes node:crypto's digest for edge and random lengths, in one call and in two chunks", () => {
      const list = cases();
      const lines = c.run(list.map(({ data, split }) => `${field(data)} ${split}\n`).join(""));
      expect(lines.length).toBe(list.length);
      list.forEach(({ data }, i) => expect(lines[i], `case ${i} (length ${data.length})`).toBe(expected(data)));
    });
  });
});
