// The arithmetic under Ed25519 checked directly against BigInt, at the values where carries and reductions
// turn: 0, 1, p - 1, p, p + 1, 2^255 - 1, 2^256 - 38 … 2^256 - 1, all-ones words, and seeded random ones.
// (ed25519.test.ts checks the whole verifier against Node in the three builds; this pins each operation.)
import { describe, expect, it } from "vitest";
import * as F from "../../bootloader-ts/lib/field25519";
import * as S from "../../bootloader-ts/lib/scalar25519";
import { Random } from "./ed25519-cases";
import { fromLittleEndian, L, littleEndian, mod, P, pow } from "./ed25519-reference";

const words = (v: bigint) => Uint32Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(32 * i)) & 0xffffffffn));
const value = (w: Uint32Array) => w.reduce((acc, x, i) => acc + (BigInt(x) << BigInt(32 * i)), 0n);
const TOP = 2n ** 256n;

/** Edge values below 2^256 (every field element is one), and seeded random ones. */
function operands(): bigint[] {
  const edges = [0n, 1n, 2n, 19n, 38n, P - 1n, P, P + 1n, P + 18n, 2n ** 255n - 1n, 2n ** 255n, 2n * P - 1n, 2n * P, TOP - 39n, TOP - 38n, TOP - 1n, 2n ** 224n - 1n, 2n ** 32n - 1n];
  const random = new Random(0xf1e1d);
  for (let i = 0; i < 60; i++) edges.push(fromLittleEndian(random.bytes(32)));
  return edges;
}

describe("field25519 (plain Node) against BigInt", () => {
  const values = operands();

  it("adds, subtracts, multiplies and squares modulo p, keeping every result below 2^256", () => {
    const out = new Uint32Array(8);
    for (const a of values) {
      for (const b of values.slice(0, 30)) {
        F.feAdd(out, words(a), words(b));
        expect(value(out) < TOP && mod(value(out)) === mod(a + b), `${a} + ${b}`).toBe(true);
        F.feSub(out, words(a), words(b));
        expect(value(out) < TOP && mod(value(out)) === mod(a - b), `${a} - ${b}`).toBe(true);
        F.feMul(out, words(a), words(b));
        expect(value(out) < TOP && mod(value(out)) === mod(a * b), `${a} * ${b}`).toBe(true);
      }
      F.feSquare(out, words(a));
      expect(mod(value(out)), `${a}²`).toBe(mod(a * a));
    }
  });

  it("lets the result be one of the operands (out = a, out = b, out = a = b)", () => {
    for (const [a, b] of [[TOP - 1n, P - 1n], [P + 5n, 2n ** 255n - 1n]]) {
      const x = words(a);
      F.feMul(x, x, words(b));
      expect(mod(value(x))).toBe(mod(a * b));
      const y = words(b);
      F.feSub(y, words(a), y);
      expect(mod(value(y))).toBe(mod(a - b));
      const z = words(a);
      F.feMul(z, z, z);
      expect(mod(value(z))).toBe(mod(a * a));
      const w = words(a);
      F.fePow2523(w, w);
      expect(value(w) % P).toBe(pow(a, (P - 5n) / 8n));
    }
  });

  it("inverts (0 to 0) and raises to (p - 5) / 8", () => {
    const out = new Uint32Array(8);
    for (const a of values.slice(0, 25)) {
      F.feInvert(out, words(a));
      expect(mod(value(out)), `1/${a}`).toBe(pow(a, P - 2n));
      F.fePow2523(out, words(a));
      expect(mod(value(out)), `${a}^((p-5)/8)`).toBe(pow(a, (P - 5n) / 8n));
    }
  });

  it("gives the canonical representative, compares modulo p and reads the parity of it", () => {
    const out = new Uint32Array(8);
    for (const a of values) {
      F.feCanonical(out, words(a));
      expect(value(out), `canonical ${a}`).toBe(mod(a));
      expect(F.feIsOdd(words(a))).toBe((mod(a) & 1n) === 1n);
      expect(F.feEqual(words(a), words(mod(a)))).toBe(true);
      expect(F.feEqual(words(a), words(mod(a + 1n)))).toBe(false);
    }
    expect(F.feEqual(words(P), words(0n))).toBe(true);
    expect(F.feEqual(words(TOP - 1n), words(37n))).toBe(true); // 2^256 - 1 = 2p + 37
  });

  it("reads 255 bits from bytes (bit 255 left out, y ≥ p kept as it is) and writes the canonical bytes", () => {
    const out = new Uint32Array(8);
    const bytes = new Uint8Array(32);
    for (const a of values) {
      F.feFromBytes(out, littleEndian(a, 32));
      expect(value(out)).toBe(a & (2n ** 255n - 1n));
      F.feToBytes(bytes, words(a));
      expect(fromLittleEndian(bytes)).toBe(mod(a));
    }
    F.feFromBytes(out, Uint8Array.of(1, 2)); // a short view: the missing bytes count as 0
    expect(value(out)).toBe(0x201n);
  });
});

describe("scalar25519 (plain Node) against BigInt", () => {
  it("reduces 512-bit numbers modulo L", () => {
    const random = new Random(0x5ca1a);
    const wide = [0n, 1n, L - 1n, L, L + 1n, 2n * L, 2n ** 512n - 1n, 2n ** 256n, L * L, ...Array.from({ length: 60 }, () => fromLittleEndian(random.bytes(64)))];
    const out = new Uint8Array(32);
    for (const h of wide) {
      S.scalarReduce(out, littleEndian(h, 64));
      expect(fromLittleEndian(out), `${h} mod L`).toBe(h % L);
    }
  });

  it("tells S < L exactly at the boundary", () => {
    for (const [s, below] of [[0n, true], [L - 1n, true], [L, false], [L + 1n, false], [2n ** 252n, true], [2n ** 253n, false], [2n ** 256n - 1n, false], [L - 2n ** 128n, true]] as const) {
      expect(S.scalarIsBelowL(littleEndian(s, 32)), String(s)).toBe(below);
    }
  });
});
