/**
 * The Ed25519 curve, -x² + y² = 1 + d·x²·y² over GF(2^255 - 19), in the tsboot subset: what verification
 * needs of it (used by ed25519.ts). Field arithmetic: field25519.ts, whose slots hold the coordinates.
 *
 * Points are in extended coordinates (X : Y : Z : T) with x = X/Z, y = Y/Z, x·y = T/Z (Hisil, Wong, Carter,
 * Dawson 2008), in four consecutive field slots: a point is the number of its X slot, and Y, Z, T follow.
 * RESULT_POINT, ADDEND_POINT, the constants and the temporaries take slots 0 … 15, the ones the formulas
 * name (below 16, so that a formula's operation fits in two bytes); then the base point B, KEY_POINT and
 * B + KEY_POINT take groups 1 … 3 of four slots from slot 16 (group g at slot 12 + 4g), so that the scalar
 * multiplication names the point to add by its group number. All are below field25519's FIRST_PRIVATE_SLOT.
 *
 * Every sum, doublings included, uses the "unified" addition add-2008-hwcd-3 (RFC 8032 §5.1.4), which is
 * complete on this curve (a = -1 is a square, d is not): it holds for p = q, for the identity and for points
 * of small or mixed order, so no case needs its own formula. (A dedicated doubling formula, dbl-2008-hwcd,
 * would save one product of nine per doubling, some 4 % of a verification, for about 40 bytes of table.)
 * The addition and the decoding's arithmetic are written as formulas, tables of field operations on named
 * slots (FORMULAS), which runFormula performs.
 *
 * Nothing here is constant-time: verification handles only public data.
 */
import { u32 } from "../../runtime/index";
import { feAdd, feCopy, feFromBytes, feInvert, feIsOdd, feIsZero, feMul, fePow2523, feSet, feSetWord, feSub, feToBytes } from "./field25519";

/** The result of pointMulBaseAndKey, and the formulas' point p: slots 0..3. */
export const RESULT_POINT: u32 = 0;
/** The point pointAddToResult adds (copied here, so that the formula names fixed slots): slots 4..7. */
const ADDEND_POINT: u32 = 4;
/** Temporaries of the formulas, of decoding and of encoding. */
const TA: u32 = 8;
const TB: u32 = 9;
const TC: u32 = 10;
const TD: u32 = 11;
const TT: u32 = 12;
/**
 * The curve constant d = -121665/121666, and a square root of -1, 2^((p - 1) / 4): the two slots just below
 * BASE_POINT, so that loadConstants fills the three slots of CONSTANTS in one run.
 */
const D: u32 = 14;
const SQRT_M1: u32 = 15;
/** The base point B of RFC 8032 §5.1 (y = 4/5, x even), with Z = 1: group 1, slots 16..19. */
const BASE_POINT: u32 = 16;
/** The point that pointDecodeNegated decodes, -A for a public key A: group 2, slots 20..23. */
export const KEY_POINT: u32 = 20;
/** B + KEY_POINT, for the joint scalar multiplication: group 3, slots 24..27. */
const BASE_PLUS_KEY_POINT: u32 = 24;

/**
 * The constants, as 8 little-endian u32 words each (bench/gen-tables.ts ed25519): d, √-1 and B's X, for
 * slots D, SQRT_M1 and BASE_POINT. Read here by name only, so that it stays a read-only table in flash.
 */
const CONSTANTS = new Uint32Array([
  0x135978a3, 0x75eb4dca, 0x4141d8ab, 0x00700a4d, 0x7779e898, 0x8cc74079, 0x2b6ffe73, 0x52036cee, // d
  0x4a0ea0b0, 0xc4ee1b27, 0xad2fe478, 0x2f431806, 0x3dfbd7a7, 0x2b4d0099, 0x4fc1df0b, 0x2b832480, // √-1
  0x8f25d51a, 0xc9562d60, 0x9525a7b2, 0x692cc760, 0xfdd6dc5c, 0xc0a4e231, 0xcd6e53fe, 0x216936d3, // B's X
]);

/**
 * Fills D, SQRT_M1 and BASE_POINT: X from CONSTANTS, Y = 4/5 = 0x6666…6658 (every word 0x66666666 but the
 * lowest), Z = 1 and T = X·Y.
 */
function loadConstants(): void {
  for (let k: u32 = 0; k < CONSTANTS.length; k++) {
    feSetWord(D + (k >>> 3), k & 7, CONSTANTS[k]); // D, SQRT_M1, then BASE_POINT's X
  }
  for (let i: u32 = 0; i < 8; i++) {
    feSetWord(BASE_POINT + 1, i, i === 0 ? 0x66666658 : 0x66666666);
  }
  feSet(BASE_POINT + 2, 1);
  feMul(BASE_POINT + 3, BASE_POINT, BASE_POINT + 1);
}

// The point formulas are lists of field operations, run by runFormula: each operation is two bytes,
// operation·16 + result and operand·16 + operand, so a formula takes a tenth of the flash its calls would.
// Every slot a formula names is below 16 (the layout above keeps them there).
/** Operations: out = a + b, a - b, a·b; END closes a formula. */
const ADD = 0;
const SUB = 1;
const MUL = 2;
const END = 3;
/** The slots of the formulas' points: p (the sum, and the point being decoded) and q (the addend). */
const P_X = RESULT_POINT;
const P_Y = RESULT_POINT + 1;
const P_Z = RESULT_POINT + 2;
const P_T = RESULT_POINT + 3;
const Q_X = ADDEND_POINT;
const Q_Y = ADDEND_POINT + 1;
const Q_Z = ADDEND_POINT + 2;
const Q_T = ADDEND_POINT + 3;
/** Where each formula starts in FORMULAS: two bytes an operation, its END included, after the ones before. */
const POINT_ADD_FORMULA: u32 = 0;
const DECODE_FORMULA: u32 = 40;
const DECODE_CHECK_FORMULA: u32 = 60;

/** The formulas, read here by name only, so that the table stays read-only in flash. */
const FORMULAS = new Uint8Array([
  // POINT_ADD_FORMULA, p = p + q (p + p doubles): add-2008-hwcd-3 for a = -1,
  // A = (Y1-X1)(Y2-X2), B = (Y1+X1)(Y2+X2), C = T1·2d·T2, D = 2·Z1·Z2, E = B-A, F = D-C, G = D+C, H = B+A,
  // X3 = E·F, Y3 = G·H, T3 = E·H, Z3 = F·G. A goes to TA, B to TB, C to TC, D to TD; then E to TT, H to TB,
  // F to TA, G to TD (each overwritten once it is no longer needed). Every read of p and q comes before the
  // first write of p.
  SUB * 16 + TA, P_Y * 16 + P_X,
  SUB * 16 + TT, Q_Y * 16 + Q_X,
  MUL * 16 + TA, TA * 16 + TT, // A
  ADD * 16 + TB, P_Y * 16 + P_X,
  ADD * 16 + TT, Q_Y * 16 + Q_X,
  MUL * 16 + TB, TB * 16 + TT, // B
  MUL * 16 + TC, P_T * 16 + Q_T,
  MUL * 16 + TC, TC * 16 + D,
  ADD * 16 + TC, TC * 16 + TC, // C
  MUL * 16 + TD, P_Z * 16 + Q_Z,
  ADD * 16 + TD, TD * 16 + TD, // D
  SUB * 16 + TT, TB * 16 + TA, // E
  ADD * 16 + TB, TB * 16 + TA, // H
  SUB * 16 + TA, TD * 16 + TC, // F
  ADD * 16 + TD, TD * 16 + TC, // G
  MUL * 16 + P_X, TT * 16 + TA,
  MUL * 16 + P_Y, TD * 16 + TB,
  MUL * 16 + P_T, TT * 16 + TB,
  MUL * 16 + P_Z, TA * 16 + TD,
  END * 16, 0,
  // DECODE_FORMULA, with p's Y and Z = 1 set (pointDecodeNegated): u = y² - 1 in TA, v = d·y² + 1 in TB,
  // v³ in TC, u·v⁷ in p's X.
  MUL * 16 + TA, P_Y * 16 + P_Y,
  MUL * 16 + TB, TA * 16 + D,
  SUB * 16 + TA, TA * 16 + P_Z, // u
  ADD * 16 + TB, TB * 16 + P_Z, // v
  MUL * 16 + TC, TB * 16 + TB,
  MUL * 16 + TC, TC * 16 + TB, // v³
  MUL * 16 + P_X, TC * 16 + TC,
  MUL * 16 + P_X, P_X * 16 + TB,
  MUL * 16 + P_X, P_X * 16 + TA, // u·v⁷
  END * 16, 0,
  // DECODE_CHECK_FORMULA, with p's X = (u·v⁷)^((p-5)/8): the candidate x = u·v³·(u·v⁷)^((p-5)/8) in p's X,
  // v·x² in TD, v·x² - u in TT.
  MUL * 16 + P_X, P_X * 16 + TC,
  MUL * 16 + P_X, P_X * 16 + TA,
  MUL * 16 + TD, P_X * 16 + P_X,
  MUL * 16 + TD, TD * 16 + TB,
  SUB * 16 + TT, TD * 16 + TA,
  END * 16, 0,
]);

/** Runs the formula that starts at FORMULAS[start], up to its END. */
function runFormula(start: u32): void {
  for (let at: u32 = start; at < FORMULAS.length - 1; at += 2) {
    const operation = FORMULAS[at] >>> 4;
    const out = FORMULAS[at] & 15;
    const a = FORMULAS[at + 1] >>> 4;
    const b = FORMULAS[at + 1] & 15;
    if (operation === END) {
      return;
    }
    if (operation === ADD) {
      feAdd(out, a, b);
    } else if (operation === SUB) {
      feSub(out, a, b);
    } else {
      feMul(out, a, b);
    }
  }
}

/** to = from. */
function pointCopy(to: u32, from: u32): void {
  for (let k: u32 = 0; k < 4; k++) {
    feCopy(to + k, from + k);
  }
}

/** r = -p = (-X : Y : Z : -T) (r may be p). */
export function pointNegate(r: u32, p: u32): void {
  feSet(TT, 0);
  feSub(r, TT, p);
  feCopy(r + 1, p + 1);
  feCopy(r + 2, p + 2);
  feSub(r + 3, TT, p + 3);
}

/** RESULT_POINT += q (q may be RESULT_POINT: it doubles): FORMULAS' add-2008-hwcd-3. */
function pointAddToResult(q: u32): void {
  pointCopy(ADDEND_POINT, q);
  runFormula(POINT_ADD_FORMULA);
}

/**
 * Decodes a 32-byte point encoding and stores its negation, -P, in KEY_POINT (verification computes
 * [S]B + [k](-A)). Returns false when no curve point has the encoded y.
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
export function pointDecodeNegated(encoding: Uint8Array): boolean {
  loadConstants();
  // Decoded in RESULT_POINT (the formulas' p), copied to KEY_POINT at the end.
  feFromBytes(P_Y, encoding);
  feSet(P_Z, 1);
  runFormula(DECODE_FORMULA);
  fePow2523(P_X, P_X);
  runFormula(DECODE_CHECK_FORMULA);
  if (!feIsZero(TT)) {
    feAdd(TT, TD, TA);
    if (!feIsZero(TT)) {
      return false;
    }
    feMul(P_X, P_X, SQRT_M1);
  }
  // P's x has the parity given by the sign bit, so -P's x has the other one (x = 0 stays 0 either way).
  const top: u32 = 31;
  const signBit = top < encoding.length && encoding[top] >= 0x80;
  if (feIsOdd(P_X) === signBit) {
    feSub(P_X, TT, P_X); // TT ≡ 0 here: v·x² - u or v·x² + u, whichever was found to be 0 mod p
  }
  feMul(P_T, P_X, P_Y);
  pointCopy(KEY_POINT, RESULT_POINT);
  return true;
}

/** out[0..31] = the canonical encoding of p: y below p, little-endian, with the parity of x in bit 255. */
export function pointEncode(out: Uint8Array, p: u32): void {
  feInvert(TA, p + 2);
  feMul(TB, p, TA);
  feMul(TC, p + 1, TA);
  feToBytes(out, TC);
  const top: u32 = 31;
  if (top < out.length && feIsOdd(TB)) {
    out[top] = out[top] | 0x80;
  }
}

/**
 * RESULT_POINT = [s]B + [k]KEY_POINT for 32-byte little-endian scalars s and k (KEY_POINT decoded before):
 * both at once, from the top bit down (Straus's method, "Shamir's trick"): double, then add B, KEY_POINT or
 * B + KEY_POINT as the two bits say: the point of group sBit + 2·kBit, slot 12 + 4·group. 256 doublings and
 * about 190 additions for random scalars.
 */
export function pointMulBaseAndKey(s: Uint8Array, k: Uint8Array): void {
  pointCopy(RESULT_POINT, BASE_POINT);
  pointAddToResult(KEY_POINT);
  pointCopy(BASE_PLUS_KEY_POINT, RESULT_POINT);
  for (let c: u32 = 0; c < 4; c++) {
    feSet(RESULT_POINT + c, c === 1 || c === 2 ? 1 : 0); // the identity (0 : 1 : 1 : 0)
  }
  for (let bit: u32 = 256; bit > 0; bit--) {
    pointAddToResult(RESULT_POINT);
    // Bit number bit - 1 of each scalar (missing bytes count as 0), and the point they say to add.
    const at = (bit - 1) >>> 3;
    const sBit = at < s.length ? (s[at] >>> ((bit - 1) & 7)) & 1 : 0;
    const kBit = at < k.length ? (k[at] >>> ((bit - 1) & 7)) & 1 : 0;
    const group = sBit + 2 * kBit;
    if (group !== 0) {
      pointAddToResult(12 + 4 * group);
    }
  }
}
