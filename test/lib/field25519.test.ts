// The arithmetic under Ed25519 checked directly against BigInt, at the values where carries and reductions
// turn: 0, 1, p - 1, p, p + 1, 2^255 - 1, 2^256 - 38 … 2^256 - 1, all-ones words, and seeded random ones.
// (ed25519.test.ts checks the whole verifier against Node in the three builds; this pins each operation.)
// Field elements are slots of field25519.ts, loaded and read back word by word.
import { describe, expect, it } from "vitest";
import * as F from "../../bootloader-ts/lib/field25519";
import * as S from "../../bootloader-ts/lib/scalar25519";
import { Random } from "./ed25519-cases";
import { fromLittleEndian, L, littleEndian, mod, P, pow } from "./ed25519-reference";

const TOP = 2n ** 256n;
/** Slots for the operands and the result (any below FIRST_PRIVATE_SLOT). */
const [A, B, OUT] = [0, 1, 2];

/** Slot s = v (v below 2^256, as 8 words), and back. */
function load(s: number, v: bigint): number {
  for (let i = 0; i < 8; i++) F.feSetWord(s, i, Number((v >> BigInt(32 * i)) & 0xffffffffn));
  return s;
}
function value(s: number): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 32n) + BigInt(F.feWord(s, i));
  return v;
}

/** Edge values below 2^256 (every field element is one), and seeded random ones. */
function operands(): bigint[] {
  const edges = [0n, 1n, 2n, 19n, 38n, P - 1n, P, P + 1n, P + 18n, 2n ** 255n - 1n, 2n ** 255n, 2n * P - 1n, 2n * P, TOP - 39n, TOP - 38n, TOP - 1n, 2n ** 224n - 1n, 2n ** 32n - 1n];
  const random = new Random(0xf1e1d);
  for (let i = 0; i < 60; i++) edges.push(fromLittleEndian(random.bytes(32)));
  return edges;
}

describe("field25519 (plain Node) against BigInt", () => {
  const values = operands();

  it("uses slots below FIRST_PRIVATE_SLOT for the caller, keeping their words", () => {
    expect(OUT).toBeLessThan(F.FIRST_PRIVATE_SLOT);
    expect(value(load(A, TOP - 2n))).toBe(TOP - 2n);
  });

  it("adds, subtracts and multiplies modulo p (a square too), keeping every result below 2^256", () => {
    for (const a of values) {
      for (const b of values.slice(0, 30)) {
        F.feAdd(OUT, load(A, a), load(B, b));
        expect(value(OUT) < TOP && mod(value(OUT)) === mod(a + b), `${a} + ${b}`).toBe(true);
        F.feSub(OUT, load(A, a), load(B, b));
        expect(value(OUT) < TOP && mod(value(OUT)) === mod(a - b), `${a} - ${b}`).toBe(true);
        F.feMul(OUT, load(A, a), load(B, b));
        expect(value(OUT) < TOP && mod(value(OUT)) === mod(a * b), `${a} * ${b}`).toBe(true);
      }
      F.feMul(OUT, load(A, a), A);
      expect(mod(value(OUT)), `${a}²`).toBe(mod(a * a));
    }
  });

  it("lets the result be one of the operands (out = a, out = b, out = a = b)", () => {
    for (const [a, b] of [[TOP - 1n, P - 1n], [P + 5n, 2n ** 255n - 1n]]) {
      F.feMul(A, load(A, a), load(B, b));
      expect(mod(value(A))).toBe(mod(a * b));
      F.feSub(B, load(A, a), load(B, b));
      expect(mod(value(B))).toBe(mod(a - b));
      F.feMul(A, load(A, a), A);
      expect(mod(value(A))).toBe(mod(a * a));
      F.fePow2523(A, load(A, a));
      expect(value(A) % P).toBe(pow(a, (P - 5n) / 8n));
      F.feInvert(A, load(A, a));
      expect(value(A) % P).toBe(pow(a, P - 2n));
    }
  });

  it("inverts (0 to 0) and raises to (p - 5) / 8", () => {
    for (const a of values.slice(0, 25)) {
      F.feInvert(OUT, load(A, a));
      expect(mod(value(OUT)), `1/${a}`).toBe(pow(a, P - 2n));
      F.fePow2523(OUT, load(A, a));
      expect(mod(value(OUT)), `${a}^((p-5)/8)`).toBe(pow(a, (P - 5n) / 8n));
    }
  });

  it("tells zero modulo p and reads the parity of the representative below p, leaving the operand as it was", () => {
    for (const a of values) {
      expect(F.feIsZero(load(A, a)), `${a} ≡ 0`).toBe(mod(a) === 0n);
      expect(F.feIsOdd(A), `${a} odd`).toBe((mod(a) & 1n) === 1n);
      expect(value(A)).toBe(a);
    }
    expect(F.feIsZero(load(A, P))).toBe(true);
    expect(F.feIsZero(load(A, 2n * P))).toBe(true);
    expect(F.feIsZero(load(A, TOP - 1n))).toBe(false); // 2^256 - 1 = 2p + 37
  });

  it("reads 255 bits from bytes (bit 255 left out, y ≥ p kept as it is) and writes the canonical bytes", () => {
    const bytes = new Uint8Array(32);
    for (const a of values) {
      F.feFromBytes(OUT, littleEndian(a, 32));
      expect(value(OUT)).toBe(a & (2n ** 255n - 1n));
      F.feToBytes(bytes, load(A, a));
      expect(fromLittleEndian(bytes)).toBe(mod(a));
    }
    F.feFromBytes(OUT, Uint8Array.of(1, 2)); // a short view: the missing bytes count as 0
    expect(value(OUT)).toBe(0x201n);
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
