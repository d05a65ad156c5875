/**
 * Scalars modulo L = 2^252 + 27742317777372353535851937790883648493, the order of Ed25519's base point, in the
 * tsboot subset: the two operations verification needs (used by ed25519.ts).
 *
 * Scalars are little-endian byte strings (32 bytes; the hash is 64), as RFC 8032 encodes them. Both
 * operations run once per signature, so they favour plain code over speed: the reduction is a bit-by-bit
 * long division (512 shift-and-subtract steps, about 30 000 instructions, against millions for the point
 * arithmetic).
 *
 * The numbers live in field25519's slots, whose word arithmetic (feCombine) and byte conversions they share:
 * the caller slots 0 … 2, so ed25519.ts calls these before any point arithmetic (edwards25519.ts names
 * those slots too). Every value here is below 2^256 and never reduced modulo p.
 */
import { i32, u32 } from "../../runtime/index";
import { feCombine, feCopy, feFromBytes, feSet, feToBytes } from "./field25519";

/** The field slots used: the running remainder (or the S being checked), the remainder minus L, and L. */
const REMAINDER: u32 = 0;
const DIFFERENCE: u32 = 1;
const ORDER: u32 = 2;

/** L, little-endian, as RFC 8032 encodes a scalar. */
const L = new Uint8Array([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
]);

/** ORDER = L. */
function loadOrder(): void {
  feFromBytes(ORDER, L);
}

/** If REMAINDER ≥ L, REMAINDER -= L. Returns whether it was (no borrow out of the top word). */
function subtractLIfAbove(): boolean {
  if (feCombine(DIFFERENCE, REMAINDER, ORDER, -1, 0) !== 0) {
    return false;
  }
  feCopy(REMAINDER, DIFFERENCE);
  return true;
}

/**
 * s < L, for the 32-byte S half of a signature: RFC 8032 §5.1.7 rejects S ≥ L (Node does too), which keeps a
 * signature from having a second valid form S + L. Bytes beyond the view's end count as 0.
 */
export function scalarIsBelowL(s: Uint8Array): boolean {
  // With bit 255 set, s ≥ 2^255 > L (feFromBytes leaves that bit out).
  const top: u32 = 31;
  if (top < s.length && s[top] >= 0x80) {
    return false;
  }
  loadOrder();
  feFromBytes(REMAINDER, s);
  return !subtractLIfAbove();
}

/**
 * out[0..31] = the 64-byte little-endian number in wide[0..63] modulo L (RFC 8032's k = SHA-512(…) mod L).
 * Long division from the top bit: remainder = 2·remainder + bit, then minus L if it reached L; the remainder
 * stays below L < 2^253, so doubling it never leaves the 8 words.
 */
export function scalarReduce(out: Uint8Array, wide: Uint8Array): void {
  loadOrder();
  feSet(REMAINDER, 0);
  for (let bit: i32 = 511; bit >= 0; bit--) {
    const byteAt = bit >>> 3;
    const next = byteAt < wide.length ? (wide[byteAt] >>> (bit & 7)) & 1 : 0;
    feCombine(REMAINDER, REMAINDER, REMAINDER, 1, next); // 2·REMAINDER + next
    subtractLIfAbove();
  }
  feToBytes(out, REMAINDER); // below L < p: its own representative
}
