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

/** The running remainder of scalarReduce (always below L < 2^253), or the S of scalarIsBelowL; and REMAINDER - L. */
const REMAINDER = new Uint32Array(8);
const DIFFERENCE = new Uint32Array(8);

/** If REMAINDER ≥ L, REMAINDER -= L. Returns whether it was (no borrow out of the top word). */
function subtractLIfAbove(): boolean {
  let borrow: i8 = 0;
  for (let i: u32 = 0; i < 8; i++) {
    const difference = REMAINDER[i] - L[i] + borrow;
    DIFFERENCE[i] = difference >>> 0;
    borrow = i8(shr64(difference, 32)); // -1 or 0: never wraps
  }
  if (borrow !== 0) {
    return false;
  }
  for (let i: u32 = 0; i < 8; i++) {
    REMAINDER[i] = DIFFERENCE[i];
  }
  return true;
}

/**
 * s < L, for the 32-byte S half of a signature: RFC 8032 §5.1.7 rejects S ≥ L (Node does too), which keeps a
 * signature from having a second valid form S + L. Bytes beyond the view's end count as 0.
 */
export function scalarIsBelowL(s: Uint8Array): boolean {
  for (let i: u32 = 0; i < 8; i++) {
    REMAINDER[i] = 0;
  }
  for (let j: u32 = 0; j < 32 && j < s.length; j++) {
    REMAINDER[j >>> 2] = (REMAINDER[j >>> 2] | (s[j] << ((j & 3) * 8))) >>> 0;
  }
  return !subtractLIfAbove();
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
