/**
 * Arithmetic modulo p = 2^255 - 19, the field of Ed25519's curve, in the tsboot subset (used by edwards25519.ts).
 *
 * Field elements live in slots: SLOT_COUNT numbered registers of 8 u32 words each, least significant word
 * first (value = Σ word[i]·2^(32i)), any value below 2^256 ("weakly reduced": it may be ≥ p; feToBytes and the
 * comparisons use the representative below p). Every operation names its operands and its result by slot
 * number, feMul(out, a, b), and `out` may be one of the operands: each reads its inputs before it writes.
 * Slots 0 … FIRST_PRIVATE_SLOT - 1 are the caller's (edwards25519.ts gives them names); the last ones are
 * this module's own scratch.
 *
 * Why slots instead of a Uint32Array per element: a slot is one small number, so a call passes three
 * registers where views would pass six (a pointer and a length each, two of them on the stack), and every
 * index into the one array is proved in range by the compiler from the masked slot number. That makes the
 * point formulas, which are long lists of calls, about a third of the code they would be otherwise.
 *
 * Why 32-bit words: they are what a Cortex-M4 multiplies (UMULL, 32 × 32 → 64 bits), so a product takes 64
 * word products. The subset computes them exactly in Node and C:
 * - the low word of a·b is `Math.imul(a, b) >>> 0`, its high word `mulHigh32(a, b)`;
 * - a sum of a few u32 (and a small multiple of one) stays below 2^53, so Node holds it exactly and C computes
 *   it in int64_t: its low 32 bits are `sum >>> 0` and its carry `shr64(sum, 32)`.
 * Every intermediate value has a range the compiler proves, so the C has no run-time check here; the few
 * `u32(...)` wraps are placed where the mathematics already guarantees that nothing wraps (each is commented).
 *
 * There is one product routine: a square is feMul(out, a, a). A dedicated squaring would save about a third
 * of the word products of a square, for some 250 bytes of code.
 *
 * Nothing here is constant-time: verification handles only public data (key, signature, message).
 */
import { i8, i16, u32, mulHigh32, shr64 } from "../../runtime/index";

/** How many slots there are (a power of two: slot numbers are masked with SLOT_COUNT - 1). */
const SLOT_COUNT = 32;
/** The slots below this one are the caller's; the ones from here on are this module's scratch. */
export const FIRST_PRIVATE_SLOT: u32 = 28;
/** Scratch: the 512-bit product of feMul, its low half in PRODUCT_LOW and its high half in the next slot. */
const PRODUCT_LOW: u32 = 28;
const PRODUCT_HIGH: u32 = 29;
/** Where the product's 16 words start in SLOTS. */
const PRODUCT_AT = PRODUCT_LOW * 8;
/** Scratch: the base of fePow (out may be its operand), then a copy reduced below p. */
const POW_BASE: u32 = 30;
const CANONICAL: u32 = 31;

/** The words of all slots: slot s is SLOTS[8s … 8s + 7]. */
const SLOTS = new Uint32Array(SLOT_COUNT * 8);

// Slot s's words are SLOTS[(s & SLOT_MASK) * 8 + i], i = 0..7: the mask keeps every index provably inside
// SLOTS (no bounds check in C). It is written out at each use, as the compiler proves ranges within a
// function only. Slot numbers are the callers' constants, always below SLOT_COUNT.
const SLOT_MASK = SLOT_COUNT - 1;

/** Word i (0..7) of slot s. */
export function feWord(s: u32, i: u32): u32 {
  return SLOTS[(s & SLOT_MASK) * 8 + (i & 7)];
}

/** Sets word i (0..7) of slot s. */
export function feSetWord(s: u32, i: u32, value: u32): void {
  SLOTS[(s & SLOT_MASK) * 8 + (i & 7)] = value;
}

/**
 * Slot s += delta (|delta| < 2^15), carried up the words as far as a carry goes. Returns the carry out of
 * bit 256: -1, 0 or 1.
 */
function addSmall(s: u32, delta: i16): i8 {
  const at = (s & SLOT_MASK) * 8;
  let carry: i16 = delta;
  for (let i: u32 = 0; i < 8 && carry !== 0; i++) {
    const sum = SLOTS[at + i] + carry;
    SLOTS[at + i] = sum >>> 0;
    carry = shr64(sum, 32);
  }
  return i8(carry); // -1, 0 or 1: never wraps
}

/**
 * Brings a carry c out of bit 256 back in: c·2^256 ≡ 38c (mod p), since 2^256 = 2p + 38. If adding 38c
 * carries again, the value is then within 38|c| of 0 (or of 2^256), so the second fold cannot carry.
 */
function fold(s: u32, c: i8): void {
  const again = addSmall(s, 38 * c);
  addSmall(s, 38 * again);
}

/**
 * out = a + factor·b + carry, word by word and not reduced (|factor| ≤ 38, |carry| ≤ 15; out may be a or b).
 * Returns the carry out of bit 256: negative when the sum is, 0 when it is below 2^256. (sha512.ts computes
 * its constants with it too, on numbers below 2^160.)
 */
export function feCombine(out: u32, a: u32, b: u32, factor: i8, carry: i8): i8 {
  const o = (out & SLOT_MASK) * 8;
  const x = (a & SLOT_MASK) * 8;
  const y = (b & SLOT_MASK) * 8;
  let wordCarry: i8 = carry;
  for (let i: u32 = 0; i < 8; i++) {
    const sum = SLOTS[x + i] + factor * SLOTS[y + i] + wordCarry;
    SLOTS[o + i] = sum >>> 0;
    wordCarry = i8(shr64(sum, 32)); // -39 … 39: never wraps
  }
  return wordCarry;
}

/**
 * out = a + factor·b (mod p), factor 1, -1 or 38: feCombine, then its carry folded. (With -1, a borrow out of
 * the top word means out = a - b + 2^256 ≡ a - b + 38: fold -1.)
 */
function addMultiple(out: u32, a: u32, b: u32, factor: i8): void {
  fold(out, feCombine(out, a, b, factor, 0));
}

/** out = a + b (mod p). */
export function feAdd(out: u32, a: u32, b: u32): void {
  addMultiple(out, a, b, 1);
}

/** out = a - b (mod p). */
export function feSub(out: u32, a: u32, b: u32): void {
  addMultiple(out, a, b, -1);
}

/**
 * out = a·b (mod p): the 512-bit product by rows (operand scanning) into PRODUCT_LOW and PRODUCT_HIGH, then
 * the low half plus 38 times the high half (2^256 ≡ 38).
 */
export function feMul(out: u32, a: u32, b: u32): void {
  const x = (a & SLOT_MASK) * 8;
  const y = (b & SLOT_MASK) * 8;
  for (let i: u32 = 0; i < 16; i++) {
    SLOTS[PRODUCT_AT + i] = 0;
  }
  for (let i: u32 = 0; i < 8; i++) {
    const ai = SLOTS[x + i];
    let carry: u32 = 0;
    for (let j: u32 = 0; j < 8; j++) {
      const bj = SLOTS[y + j];
      // ai·bj + product word i + j + carry < 2^64: its low word stays at i + j, its high word carries on.
      const low = SLOTS[PRODUCT_AT + i + j] + (Math.imul(ai, bj) >>> 0) + carry;
      const high = mulHigh32(ai, bj);
      SLOTS[PRODUCT_AT + i + j] = low >>> 0;
      carry = u32(high + shr64(low, 32)); // never wraps: the whole sum is below 2^64
    }
    SLOTS[PRODUCT_AT + i + 8] = carry;
  }
  addMultiple(out, PRODUCT_LOW, PRODUCT_HIGH, 38);
}

/** out = a. */
export function feCopy(out: u32, a: u32): void {
  const o = (out & SLOT_MASK) * 8;
  const x = (a & SLOT_MASK) * 8;
  for (let i: u32 = 0; i < 8; i++) {
    SLOTS[o + i] = SLOTS[x + i];
  }
}

/** out = v, 0 or 1: out - out + v, word by word (each word is v's, then 0, with no carry). */
export function feSet(out: u32, v: i8): void {
  feCombine(out, out, out, -1, v);
}

/**
 * out = z^e by square-and-multiply from the top bit, for the two exponents verification needs, whose bits are
 * all ones from bit `top` down except where the mask `zeroBits` has a 1 (all below bit 8):
 * - p - 2 = 2^255 - 21 (feInvert): top 254, zeros at bits 4 and 2;
 * - (p - 5) / 8 = 2^252 - 3 (fePow2523): top 251, zero at bit 1.
 * About 250 squarings and 250 products; an addition chain (ref10's) would need 11 products instead of 250,
 * for some 400 bytes more code. Each runs once per signature.
 */
function fePow(out: u32, z: u32, top: u32, zeroBits: u32): void {
  feCopy(POW_BASE, z); // out may be z
  feCopy(out, z); // bit `top`
  for (let bit: u32 = top; bit > 0; bit--) {
    feMul(out, out, out);
    if (bit > 8 || ((zeroBits >>> (bit - 1)) & 1) === 0) {
      feMul(out, out, POW_BASE);
    }
  }
}

/** out = 1/z = z^(p - 2) (and 0 for z ≡ 0). */
export function feInvert(out: u32, z: u32): void {
  fePow(out, z, 254, 0x14); // zeros at bits 4 and 2
}

/** out = z^((p - 5) / 8) = z^(2^252 - 3): the exponentiation inside the square root of RFC 8032 §5.1.3. */
export function fePow2523(out: u32, z: u32): void {
  fePow(out, z, 251, 0x02); // a zero at bit 1
}

/**
 * CANONICAL = a mod p, the representative below p. Bit 255 is worth 19 (2^255 ≡ 19): folding it leaves a
 * value below 2^255 + 19. That value is ≥ p exactly when adding 19 reaches bit 255; then clearing that bit
 * (with the 19 kept) subtracts p, else the 19 is taken back.
 */
function canonical(a: u32): void {
  feCopy(CANONICAL, a);
  const top = feWord(CANONICAL, 7);
  feSetWord(CANONICAL, 7, top & 0x7fffffff);
  addSmall(CANONICAL, 19 * (top >>> 31) + 19); // below 2^255 + 38: no carry out of bit 256
  const high = feWord(CANONICAL, 7);
  if (high >>> 31 === 1) {
    feSetWord(CANONICAL, 7, high & 0x7fffffff);
  } else {
    addSmall(CANONICAL, -19);
  }
}

/** a ≡ 0 (mod p): its representative below p minus 1 is negative (feCombine's carry out is -1). */
export function feIsZero(a: u32): boolean {
  canonical(a);
  return feCombine(CANONICAL, CANONICAL, CANONICAL, 0, -1) < 0;
}

/** The parity of a mod p: RFC 8032's sign of x ("negative" means odd). */
export function feIsOdd(a: u32): boolean {
  canonical(a);
  return (feWord(CANONICAL, 0) & 1) === 1;
}

/**
 * out = the 255-bit little-endian number in bytes[0..31], without bit 255 (the sign bit of a point encoding).
 * The value may be p or more (up to 2^255 - 1): it is used as it is, that is modulo p. Missing bytes of a
 * shorter view count as 0.
 */
export function feFromBytes(out: u32, bytes: Uint8Array): void {
  // From the last byte down, each shifted into its word from the right: after a word's four bytes nothing of
  // what it held before is left.
  for (let j: u32 = 32; j > 0; j--) {
    const at = j - 1;
    const byte = at < bytes.length ? bytes[at] : 0;
    feSetWord(out, at >>> 2, ((feWord(out, at >>> 2) << 8) | byte) >>> 0);
  }
  feSetWord(out, 7, feWord(out, 7) & 0x7fffffff); // without bit 255
}

/** out[0..31] = a mod p, little-endian (bit 255 is 0). */
export function feToBytes(out: Uint8Array, a: u32): void {
  canonical(a);
  for (let j: u32 = 0; j < 32 && j < out.length; j++) {
    out[j] = (feWord(CANONICAL, j >>> 2) >>> ((j & 3) * 8)) & 0xff;
  }
}
