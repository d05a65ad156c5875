/**
 * Scalars modulo L = 2^252 + 27742317777372353535851937790883648493, the order of Ed25519's base point, in the
 * tsboot subset: the two operations verification needs (used by ed25519.ts).
 *
 * Scalars are little-endian byte strings (32 bytes; the hash is 64), as RFC 8032 encodes them. Both
 * operations run once per signature, so they favour plain code over speed: the reduction is a bit-by-bit
 * long division (512 shift-and-subtract steps, about 30 000 instructions, against millions for the point
 * arithmetic).
 */
import { i8, i32, u32, shr64 } from "../../runtime/index";

/** L as 8 little-endian u32 words. */
const L = new Uint32Array([0x5cf5d3ed, 0x5812631a, 0xa2f79cd6, 0x14def9de, 0x00000000, 0x00000000, 0x00000000, 0x10000000]);

/** The running remainder of scalarReduce (always below L < 2^253), and remainder - L. */
const REMAINDER = new Uint32Array(8);
const DIFFERENCE = new Uint32Array(8);

/** The u32 word i (0..7) of a 32-byte little-endian scalar, bytes beyond the view's end counting as 0. */
function scalarWord(s: Uint8Array, i: u32): u32 {
  let word: u32 = 0;
  for (let k: u32 = 0; k < 4; k++) {
    const at = (i & 7) * 4 + k;
    if (at < s.length) {
      word = (word | (s[at] << (k * 8))) >>> 0;
    }
  }
  return word;
}

/**
 * s < L, for the 32-byte S half of a signature: RFC 8032 §5.1.7 rejects S ≥ L (Node does too), which keeps a
 * signature from having a second valid form S + L.
 */
export function scalarIsBelowL(s: Uint8Array): boolean {
  for (let i: i32 = 7; i >= 0; i--) {
    const word = scalarWord(s, i);
    if (word !== L[i]) {
      return word < L[i];
    }
  }
  return false; // s = L
}

/** If REMAINDER ≥ L, REMAINDER -= L. */
function subtractLIfAbove(): void {
  let borrow: i8 = 0;
  for (let i: u32 = 0; i < 8; i++) {
    const difference = REMAINDER[i] - L[i] + borrow;
    DIFFERENCE[i] = difference >>> 0;
    borrow = shr64(difference, 32);
  }
  if (borrow === 0) {
    for (let i: u32 = 0; i < 8; i++) {
      REMAINDER[i] = DIFFERENCE[i];
    }
  }
}

/**
 * out[0..31] = the 64-byte little-endian number in wide[0..63] modulo L (RFC 8032's k = SHA-512(…) mod L).
 * Long division from the top bit: remainder = 2·remainder + bit, then minus L if it reached L; the remainder
 * stays below L < 2^253, so doubling it never leaves the 8 words.
 */
export function scalarReduce(out: Uint8Array, wide: Uint8Array): void {
  for (let i: u32 = 0; i < 8; i++) {
    REMAINDER[i] = 0;
  }
  for (let bit: i32 = 511; bit >= 0; bit--) {
    const byteAt = bit >>> 3;
    const next = byteAt < wide.length ? (wide[byteAt] >>> (bit & 7)) & 1 : 0;
    // REMAINDER = 2·REMAINDER + next: each word takes the top bit of the word below.
    for (let i: u32 = 7; i > 0; i--) {
      REMAINDER[i] = ((REMAINDER[i] << 1) | (REMAINDER[i - 1] >>> 31)) >>> 0;
    }
    REMAINDER[0] = ((REMAINDER[0] << 1) | next) >>> 0;
    subtractLIfAbove();
  }
  for (let j: u32 = 0; j < 32 && j < out.length; j++) {
    out[j] = (REMAINDER[j >>> 2] >>> ((j & 3) * 8)) & 0xff;
  }
}
