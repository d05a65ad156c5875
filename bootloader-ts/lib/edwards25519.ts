/**
 * The Ed25519 curve, -x² + y² = 1 + d·x²·y² over GF(2^255 - 19), in the tsboot subset: what verification
 * needs of it (used by ed25519.ts). Field arithmetic: field25519.ts.
 *
 * Points are in extended coordinates (X : Y : Z : T) with x = X/Z, y = Y/Z, x·y = T/Z (Hisil, Wong, Carter,
 * Dawson 2008), each coordinate a field element of 8 words. Sums use the "unified" addition add-2008-hwcd-3,
 * which is complete on this curve (a = -1 is a square, d is not), so small-order and mixed-order points need
 * no special case; doublings use dbl-2008-hwcd, which holds for every point too. RFC 8032 §5.1.4 gives both.
 *
 * Nothing here is constant-time: verification handles only public data.
 */
import { i32, u32 } from "../../runtime/index";
import { feAdd, feCopy, feEqual, feFromBytes, feInvert, feIsOdd, feMul, fePow2523, feSet, feSquare, feSub, feToBytes } from "./field25519";

/** A point in extended coordinates. */
export interface Point {
  x: Uint32Array;
  y: Uint32Array;
  z: Uint32Array;
  t: Uint32Array;
}

/** The curve constant d = -121665/121666, and 2d. */
const D = new Uint32Array([0x135978a3, 0x75eb4dca, 0x4141d8ab, 0x00700a4d, 0x7779e898, 0x8cc74079, 0x2b6ffe73, 0x52036cee]);
const D2 = new Uint32Array([0x26b2f159, 0xebd69b94, 0x8283b156, 0x00e0149a, 0xeef3d130, 0x198e80f2, 0x56dffce7, 0x2406d9dc]);
/** A square root of -1: 2^((p - 1) / 4). */
const SQRT_M1 = new Uint32Array([0x4a0ea0b0, 0xc4ee1b27, 0xad2fe478, 0x2f431806, 0x3dfbd7a7, 0x2b4d0099, 0x4fc1df0b, 0x2b832480]);
const ZERO = new Uint32Array(8);

/** The base point B of RFC 8032 §5.1 (y = 4/5, x even), with Z = 1 (constants: bench/gen-tables.ts ed25519). */
const BASE: Point = {
  x: new Uint32Array([0x8f25d51a, 0xc9562d60, 0x9525a7b2, 0x692cc760, 0xfdd6dc5c, 0xc0a4e231, 0xcd6e53fe, 0x216936d3]),
  y: new Uint32Array([0x66666658, 0x66666666, 0x66666666, 0x66666666, 0x66666666, 0x66666666, 0x66666666, 0x66666666]),
  z: new Uint32Array([1, 0, 0, 0, 0, 0, 0, 0]),
  t: new Uint32Array([0xa5b7dda3, 0x6dde8ab3, 0x775152f5, 0x20f09f80, 0x64abe37d, 0x66ea4e8e, 0xd78b7665, 0x67875f0f]),
};
/** B + Q for the joint scalar multiplication. */
const BASE_PLUS_Q: Point = { x: new Uint32Array(8), y: new Uint32Array(8), z: new Uint32Array(8), t: new Uint32Array(8) };

/** Temporaries of pointAdd (A … H of the formula). */
const FA = new Uint32Array(8);
const FB = new Uint32Array(8);
const FC = new Uint32Array(8);
const FD = new Uint32Array(8);
const FE = new Uint32Array(8);
const FF = new Uint32Array(8);
const FG = new Uint32Array(8);
const FH = new Uint32Array(8);
/** Temporaries of decoding (u, v, v³, a candidate x, a check) and encoding (1/Z, x, y). */
const U = new Uint32Array(8);
const V = new Uint32Array(8);
const V3 = new Uint32Array(8);
const ROOT = new Uint32Array(8);
const CHECK = new Uint32Array(8);
const INVERSE_Z = new Uint32Array(8);
const AFFINE_X = new Uint32Array(8);
const AFFINE_Y = new Uint32Array(8);
/** The two scalars of pointDoubleScalarMul, copied so that their length is known. */
const SCALAR_S = new Uint8Array(32);
const SCALAR_K = new Uint8Array(32);

/** r = the neutral element (0, 1). */
export function pointIdentity(r: Point): void {
  feSet(r.x, 0);
  feSet(r.y, 1);
  feSet(r.z, 1);
  feSet(r.t, 0);
}

/** r = -p = (-X : Y : Z : -T) (r may be p). */
export function pointNegate(r: Point, p: Point): void {
  feSub(r.x, ZERO, p.x);
  feCopy(r.y, p.y);
  feCopy(r.z, p.z);
  feSub(r.t, ZERO, p.t);
}

/**
 * r = p + q (r may be p or q; p + p doubles): add-2008-hwcd-3 for a = -1,
 * A = (Y1-X1)(Y2-X2), B = (Y1+X1)(Y2+X2), C = T1·2d·T2, D = 2·Z1·Z2, E = B-A, F = D-C, G = D+C, H = B+A,
 * X3 = E·F, Y3 = G·H, T3 = E·H, Z3 = F·G.
 */
export function pointAdd(r: Point, p: Point, q: Point): void {
  feSub(FA, p.y, p.x);
  feSub(FB, q.y, q.x);
  feMul(FA, FA, FB);
  feAdd(FB, p.y, p.x);
  feAdd(FC, q.y, q.x);
  feMul(FB, FB, FC);
  feMul(FC, p.t, q.t);
  feMul(FC, FC, D2);
  feMul(FD, p.z, q.z);
  feAdd(FD, FD, FD);
  feSub(FE, FB, FA);
  feSub(FF, FD, FC);
  feAdd(FG, FD, FC);
  feAdd(FH, FB, FA);
  feMul(r.x, FE, FF);
  feMul(r.y, FG, FH);
  feMul(r.t, FE, FH);
  feMul(r.z, FF, FG);
}

/**
 * r = 2p (r may be p), with 4 squarings and 4 products instead of pointAdd's 9 products: dbl-2008-hwcd for
 * a = -1 with every intermediate negated (as in ref10), A = X1², B = Y1², C = 2·Z1², H = A+B,
 * E = H - (X1+Y1)², G = A-B, F = C+G, X3 = E·F, Y3 = G·H, T3 = E·H, Z3 = F·G.
 */
export function pointDouble(r: Point, p: Point): void {
  feSquare(FA, p.x);
  feSquare(FB, p.y);
  feSquare(FC, p.z);
  feAdd(FC, FC, FC);
  feAdd(FH, FA, FB);
  feAdd(FE, p.x, p.y);
  feSquare(FE, FE);
  feSub(FE, FH, FE);
  feSub(FG, FA, FB);
  feAdd(FF, FC, FG);
  feMul(r.x, FE, FF);
  feMul(r.y, FG, FH);
  feMul(r.t, FE, FH);
  feMul(r.z, FF, FG);
}

/**
 * Decodes a 32-byte point encoding and stores its negation, -P, in r (verification computes [S]B + [k](-A)).
 * Returns false when no curve point has the encoded y.
 *
 * The rules are those of Node's crypto.verify (OpenSSL), which are laxer than RFC 8032 §5.1.3 on two points:
 * - y is the 255-bit number as it is, reduced modulo p: an encoding with y ≥ p (y + p for y < 19) decodes to
 *   the point of y - p, where the RFC would fail;
 * - x = 0 with the sign bit set (the encodings of (0, 1) and (0, -1) with bit 255 set) decodes to x = 0,
 *   where the RFC would fail.
 * ed25519.ts explains why verification follows Node here.
 *
 * x is the square root of u/v, u = y² - 1, v = d·y² + 1, computed as x = u·v³·(u·v⁷)^((p-5)/8): then v·x² is
 * u (x is a root), or -u (x·√-1 is a root), or neither (u/v is not a square: no point).
 */
export function pointDecodeNegated(r: Point, encoding: Uint8Array): boolean {
  feFromBytes(r.y, encoding);
  feSet(r.z, 1);
  feSquare(U, r.y);
  feMul(V, U, D);
  feSub(U, U, r.z); // u = y² - 1
  feAdd(V, V, r.z); // v = d·y² + 1
  feSquare(V3, V);
  feMul(V3, V3, V); // v³
  feSquare(ROOT, V3);
  feMul(ROOT, ROOT, V);
  feMul(ROOT, ROOT, U); // u·v⁷
  fePow2523(ROOT, ROOT);
  feMul(ROOT, ROOT, V3);
  feMul(ROOT, ROOT, U); // u·v³·(u·v⁷)^((p-5)/8)
  feSquare(CHECK, ROOT);
  feMul(CHECK, CHECK, V); // v·x²
  if (!feEqual(CHECK, U)) {
    feAdd(CHECK, CHECK, U);
    if (!feEqual(CHECK, ZERO)) {
      return false;
    }
    feMul(ROOT, ROOT, SQRT_M1);
  }
  // P's x has the parity given by the sign bit, so -P's x has the other one (x = 0 stays 0 either way).
  const top: u32 = 31;
  const signBit = top < encoding.length && encoding[top] >= 0x80;
  if (feIsOdd(ROOT) === signBit) {
    feSub(r.x, ZERO, ROOT);
  } else {
    feCopy(r.x, ROOT);
  }
  feMul(r.t, r.x, r.y);
  return true;
}

/** out[0..31] = the canonical encoding of p: y below p, little-endian, with the parity of x in bit 255. */
export function pointEncode(out: Uint8Array, p: Point): void {
  feInvert(INVERSE_Z, p.z);
  feMul(AFFINE_X, p.x, INVERSE_Z);
  feMul(AFFINE_Y, p.y, INVERSE_Z);
  feToBytes(out, AFFINE_Y);
  const top: u32 = 31;
  if (top < out.length && feIsOdd(AFFINE_X)) {
    out[top] = out[top] | 0x80;
  }
}

/** Copies a 32-byte little-endian scalar into a fixed array (missing bytes count as 0). */
function copyScalar(to: Uint8Array, from: Uint8Array): void {
  for (let j: u32 = 0; j < to.length; j++) {
    to[j] = j < from.length ? from[j] : 0;
  }
}

/** Bit number `bit` (0..255) of a fixed 32-byte little-endian scalar. */
function scalarBit(scalar: Uint8Array, bit: u32): boolean {
  const at = (bit >>> 3) & 31;
  return at < scalar.length && ((scalar[at] >>> (bit & 7)) & 1) === 1;
}

/**
 * r = [s]B + [k]Q for 32-byte little-endian scalars s and k: both at once, from the top bit down (Straus's
 * method, "Shamir's trick"): double, then add B, Q or B + Q as the two bits say. 256 doublings and about 190
 * additions for random scalars.
 */
export function pointDoubleScalarMul(r: Point, s: Uint8Array, k: Uint8Array, q: Point): void {
  copyScalar(SCALAR_S, s);
  copyScalar(SCALAR_K, k);
  pointAdd(BASE_PLUS_Q, BASE, q);
  pointIdentity(r);
  for (let bit: i32 = 255; bit >= 0; bit--) {
    pointDouble(r, r);
    const sBit = scalarBit(SCALAR_S, bit);
    const kBit = scalarBit(SCALAR_K, bit);
    if (sBit && kBit) {
      pointAdd(r, r, BASE_PLUS_Q);
    } else if (sBit) {
      pointAdd(r, r, BASE);
    } else if (kBit) {
      pointAdd(r, r, q);
    }
  }
}
