/**
 * Arithmetic modulo p = 2^255 - 19, the field of Ed25519's curve, in the tsboot subset (used by edwards25519.ts).
 *
 * A field element is a Uint32Array of 8 words, least significant first: value = Σ word[i]·2^(32i), any value
 * below 2^256 ("weakly reduced": it may be ≥ p; feCanonical gives the representative below p). Every
 * function takes its operands as views of 8 words and writes its result into `out`, which may be one of the
 * operands: each reads all its inputs before it writes.
 *
 * Why 32-bit words: they are what a Cortex-M4 multiplies (UMULL, 32 × 32 → 64 bits), so a product takes 64
 * word products. The subset computes them exactly in Node and C:
 * - the low word of a·b is `Math.imul(a, b) >>> 0`, its high word `mulHigh32(a, b)`;
 * - a sum of a few u32 (and a small multiple of one) stays below 2^53, so Node holds it exactly and C computes
 *   it in int64_t: its low 32 bits are `sum >>> 0` and its carry `shr64(sum, 32)`.
 * Every intermediate value has a range the compiler proves, so the C has no run-time check here; the few
 * `u32(...)` wraps are placed where the mathematics already guarantees that nothing wraps (each is commented).
 * Loop-carried carries are declared i8: the narrowest type that holds them keeps their range provable.
 *
 * Loops that index a view test `i < x.length` for it: that proves the index to the compiler (no bounds check
 * in C). Field elements always have 8 words, so those tests never end a loop early.
 *
 * Nothing here is constant-time: verification handles only public data (key, signature, message).
 */
import { i8, i16, u32, mulHigh32, shr64 } from "../../runtime/index";

/** p = 2^255 - 19. */
const P = new Uint32Array([0xffffffed, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x7fffffff]);

/** The 512-bit product of feMul, 16 words. */
const PRODUCT = new Uint32Array(16);
/** x - p, for feCanonical. */
const DIFFERENCE = new Uint32Array(8);
/** Temporaries of the exponentiations: z^11 (kept for feInvert), two running powers, a scratch, fePow2523's z. */
const Z11 = new Uint32Array(8);
const POW_A = new Uint32Array(8);
const POW_B = new Uint32Array(8);
const POW_T = new Uint32Array(8);
const POW_Z = new Uint32Array(8);
/** Words assembled from bytes. */
const WORDS = new Uint32Array(8);
/** Canonical copies for comparisons and encoding. */
const CANON_A = new Uint32Array(8);
const CANON_B = new Uint32Array(8);

/**
 * out += delta (|delta| < 2^15), carried up the words as far as a carry goes. Returns the carry out of bit 256:
 * -1, 0 or 1.
 */
function addSmall(out: Uint32Array, delta: i16): i8 {
  let carry: i16 = delta;
  for (let i: u32 = 0; i < 8 && i < out.length && carry !== 0; i++) {
    const sum = out[i] + carry;
    out[i] = sum >>> 0;
    carry = shr64(sum, 32);
  }
  return i8(carry); // -1, 0 or 1: never wraps
}

/**
 * Brings a carry c out of bit 256 back in: c·2^256 ≡ 38c (mod p), since 2^256 = 2p + 38. If adding 38c
 * carries again, the value is then within 38|c| of 0 (or of 2^256), so the second fold cannot carry.
 */
function fold(out: Uint32Array, c: i8): void {
  const again = addSmall(out, 38 * c);
  addSmall(out, 38 * again);
}

/** out = a + b (mod p). */
export function feAdd(out: Uint32Array, a: Uint32Array, b: Uint32Array): void {
  let carry: i8 = 0;
  for (let i: u32 = 0; i < 8 && i < out.length && i < a.length && i < b.length; i++) {
    const sum = a[i] + b[i] + carry;
    out[i] = sum >>> 0;
    carry = shr64(sum, 32);
  }
  fold(out, carry);
}

/** out = a - b (mod p). A borrow out of the top word means out = a - b + 2^256 ≡ a - b + 38: fold -1. */
export function feSub(out: Uint32Array, a: Uint32Array, b: Uint32Array): void {
  let borrow: i8 = 0;
  for (let i: u32 = 0; i < 8 && i < out.length && i < a.length && i < b.length; i++) {
    const difference = a[i] - b[i] + borrow;
    out[i] = difference >>> 0;
    borrow = shr64(difference, 32);
  }
  fold(out, borrow);
}

/** out = PRODUCT mod p: the low half plus 38 times the high half (2^256 ≡ 38), the last carry folded again. */
function reduceProduct(out: Uint32Array): void {
  let carry: i8 = 0;
  for (let i: u32 = 0; i < 8 && i < out.length; i++) {
    const sum = PRODUCT[i] + 38 * PRODUCT[i + 8] + carry;
    out[i] = sum >>> 0;
    carry = shr64(sum, 32);
  }
  fold(out, carry);
}

/** out = a·b (mod p): the 512-bit product by rows (operand scanning), then reduced. */
export function feMul(out: Uint32Array, a: Uint32Array, b: Uint32Array): void {
  for (let i: u32 = 0; i < 16; i++) {
    PRODUCT[i] = 0;
  }
  for (let i: u32 = 0; i < 8 && i < a.length; i++) {
    const ai = a[i];
    let carry: u32 = 0;
    for (let j: u32 = 0; j < 8 && j < b.length; j++) {
      const bj = b[j];
      // ai·bj + PRODUCT[i + j] + carry < 2^64: its low word stays at i + j, its high word carries on.
      const low = PRODUCT[i + j] + (Math.imul(ai, bj) >>> 0) + carry;
      const lowCarry = shr64(low, 32);
      const high = mulHigh32(ai, bj);
      PRODUCT[i + j] = low >>> 0;
      carry = u32(high + lowCarry); // never wraps: the whole sum is below 2^64
    }
    PRODUCT[i + 8] = carry;
  }
  reduceProduct(out);
}

/**
 * out = a² (mod p), with 36 word products instead of 64: the products ai·aj (i < j) once, doubled by a
 * one-bit shift of the whole, then the squares ai² added on the diagonal.
 */
export function feSquare(out: Uint32Array, a: Uint32Array): void {
  for (let i: u32 = 0; i < 16; i++) {
    PRODUCT[i] = 0;
  }
  for (let i: u32 = 0; i < 7 && i < a.length; i++) {
    const ai = a[i];
    let carry: u32 = 0;
    for (let j: u32 = i + 1; j < 8 && j < a.length; j++) {
      const aj = a[j];
      const low = PRODUCT[i + j] + (Math.imul(ai, aj) >>> 0) + carry;
      const lowCarry = shr64(low, 32);
      const high = mulHigh32(ai, aj);
      PRODUCT[i + j] = low >>> 0;
      carry = u32(high + lowCarry); // never wraps, as in feMul
    }
    PRODUCT[i + 8] = carry;
  }
  // Doubled: the cross products sum to less than 2^511, so the shift loses nothing.
  for (let i: u32 = 15; i > 0; i--) {
    PRODUCT[i] = ((PRODUCT[i] << 1) | (PRODUCT[i - 1] >>> 31)) >>> 0;
  }
  PRODUCT[0] = (PRODUCT[0] << 1) >>> 0;
  // Plus ai² at words 2i, 2i + 1; the carry runs on into the next square's words.
  let carry: i8 = 0;
  for (let i: u32 = 0; i < 8 && i < a.length; i++) {
    const ai = a[i];
    const low = PRODUCT[2 * i] + (Math.imul(ai, ai) >>> 0) + carry;
    const lowCarry = shr64(low, 32);
    const high = mulHigh32(ai, ai);
    PRODUCT[2 * i] = low >>> 0;
    const next = PRODUCT[2 * i + 1] + high + lowCarry;
    PRODUCT[2 * i + 1] = next >>> 0;
    carry = shr64(next, 32);
  }
  reduceProduct(out);
}

/** out = a^(2^n): n squarings. */
function feSquareTimes(out: Uint32Array, a: Uint32Array, n: u32): void {
  feSquare(out, a);
  for (let k: u32 = 1; k < n; k++) {
    feSquare(out, out);
  }
}

/** out = a. */
export function feCopy(out: Uint32Array, a: Uint32Array): void {
  for (let i: u32 = 0; i < 8 && i < out.length && i < a.length; i++) {
    out[i] = a[i];
  }
}

/** out = the small value v. */
export function feSet(out: Uint32Array, v: u32): void {
  for (let i: u32 = 0; i < 8 && i < out.length; i++) {
    out[i] = i === 0 ? v : 0;
  }
}

/**
 * out = z^(2^250 - 1), and Z11 = z^11: the common start of feInvert and fePow2523. The addition chain of the
 * ref10 implementation: exponents 2^k - 1 doubled in length by k squarings and a product, 249 squarings and
 * 11 products in all. POW_A and POW_B hold the powers still needed; the comments give their exponents.
 */
function powTwo250MinusOne(out: Uint32Array, z: Uint32Array): void {
  feSquare(POW_T, z); // z^2
  feSquareTimes(POW_A, POW_T, 2); // z^8
  feMul(POW_A, POW_A, z); // z^9
  feMul(Z11, POW_A, POW_T); // z^11
  feSquare(POW_T, Z11); // z^22
  feMul(POW_A, POW_T, POW_A); // A = z^31 = z^(2^5 - 1)
  feSquareTimes(POW_T, POW_A, 5);
  feMul(POW_A, POW_T, POW_A); // A = z^(2^10 - 1)
  feSquareTimes(POW_T, POW_A, 10);
  feMul(POW_B, POW_T, POW_A); // B = z^(2^20 - 1)
  feSquareTimes(POW_T, POW_B, 20);
  feMul(POW_T, POW_T, POW_B); // z^(2^40 - 1)
  feSquareTimes(POW_T, POW_T, 10);
  feMul(POW_A, POW_T, POW_A); // A = z^(2^50 - 1)
  feSquareTimes(POW_T, POW_A, 50);
  feMul(POW_B, POW_T, POW_A); // B = z^(2^100 - 1)
  feSquareTimes(POW_T, POW_B, 100);
  feMul(POW_T, POW_T, POW_B); // z^(2^200 - 1)
  feSquareTimes(POW_T, POW_T, 50);
  feMul(out, POW_T, POW_A); // z^(2^250 - 1)
}

/** out = 1/z = z^(p - 2) = z^(2^255 - 21) (and 0 for z ≡ 0). */
export function feInvert(out: Uint32Array, z: Uint32Array): void {
  powTwo250MinusOne(out, z);
  feSquareTimes(out, out, 5); // z^(2^255 - 32)
  feMul(out, out, Z11);
}

/** out = z^((p - 5) / 8) = z^(2^252 - 3): the exponentiation inside the square root of RFC 8032 §5.1.3. */
export function fePow2523(out: Uint32Array, z: Uint32Array): void {
  feCopy(POW_Z, z); // out may be z
  powTwo250MinusOne(out, POW_Z);
  feSquareTimes(out, out, 2); // z^(2^252 - 4)
  feMul(out, out, POW_Z);
}

/** If x ≥ p, x -= p. */
function subtractPIfAbove(x: Uint32Array): void {
  let borrow: i8 = 0;
  for (let i: u32 = 0; i < 8 && i < x.length; i++) {
    const difference = x[i] - P[i] + borrow;
    DIFFERENCE[i] = difference >>> 0;
    borrow = shr64(difference, 32);
  }
  if (borrow === 0) {
    feCopy(x, DIFFERENCE);
  }
}

/** out = a mod p, the representative below p. A value below 2^256 = 2p + 38 needs p subtracted twice at most. */
export function feCanonical(out: Uint32Array, a: Uint32Array): void {
  feCopy(out, a);
  subtractPIfAbove(out);
  subtractPIfAbove(out);
}

/** a ≡ b (mod p). */
export function feEqual(a: Uint32Array, b: Uint32Array): boolean {
  feCanonical(CANON_A, a);
  feCanonical(CANON_B, b);
  for (let i: u32 = 0; i < 8; i++) {
    if (CANON_A[i] !== CANON_B[i]) {
      return false;
    }
  }
  return true;
}

/** The parity of a mod p: RFC 8032's sign of x ("negative" means odd). */
export function feIsOdd(a: Uint32Array): boolean {
  feCanonical(CANON_A, a);
  return (CANON_A[0] & 1) === 1;
}

/**
 * out = the 255-bit little-endian number in bytes[0..31], without bit 255 (the sign bit of a point encoding).
 * The value may be p or more (up to 2^255 - 1): it is used as it is, that is modulo p. Missing bytes of a
 * shorter view count as 0.
 */
export function feFromBytes(out: Uint32Array, bytes: Uint8Array): void {
  feSet(WORDS, 0);
  for (let j: u32 = 0; j < 32 && j < bytes.length; j++) {
    WORDS[j >>> 2] = (WORDS[j >>> 2] | (bytes[j] << ((j & 3) * 8))) >>> 0;
  }
  WORDS[7] = WORDS[7] & 0x7fffffff;
  feCopy(out, WORDS);
}

/** out[0..31] = a mod p, little-endian (bit 255 is 0). */
export function feToBytes(out: Uint8Array, a: Uint32Array): void {
  feCanonical(CANON_A, a);
  for (let j: u32 = 0; j < 32 && j < out.length; j++) {
    out[j] = (CANON_A[j >>> 2] >>> ((j & 3) * 8)) & 0xff;
  }
}
