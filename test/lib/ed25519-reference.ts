// A BigInt model of edwards25519 for the Ed25519 tests: it builds the inputs Node's key generator never
// makes (small-order and mixed-order points, non-canonical encodings, signatures by a key with a torsion
// component). It is not the oracle: every case is decided by Node's crypto.verify. Slow and simple on purpose
// (RFC 8032 §5.1 and its Python illustration, §6).
import { createHash } from "node:crypto";

export const P = 2n ** 255n - 19n;
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

export const mod = (a: bigint, m = P): bigint => ((a % m) + m) % m;

export function pow(base: bigint, exponent: bigint, m = P): bigint {
  let result = 1n;
  for (let b = mod(base, m), e = exponent; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) result = (result * b) % m;
  return result;
}

const inverse = (a: bigint) => pow(a, P - 2n);
export const D = mod(-121665n * inverse(121666n));
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

/** Extended coordinates (X, Y, Z, T). */
export type Point = readonly [bigint, bigint, bigint, bigint];

export const IDENTITY: Point = [0n, 1n, 1n, 0n];

export function add(p: Point, q: Point): Point {
  const a = mod((p[1] - p[0]) * (q[1] - q[0]));
  const b = mod((p[1] + p[0]) * (q[1] + q[0]));
  const c = mod(2n * p[3] * q[3] * D);
  const d = mod(2n * p[2] * q[2]);
  const [e, f, g, h] = [b - a, d - c, d + c, b + a];
  return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
}

export function multiply(scalar: bigint, p: Point): Point {
  let result = IDENTITY;
  for (let s = scalar, q = p; s > 0n; s >>= 1n, q = add(q, q)) if (s & 1n) result = add(result, q);
  return result;
}

export const negate = (p: Point): Point => [mod(-p[0]), p[1], p[2], mod(-p[3])];

export function affine(p: Point): [bigint, bigint] {
  const zInverse = inverse(p[2]);
  return [mod(p[0] * zInverse), mod(p[1] * zInverse)];
}

export function equal(p: Point, q: Point): boolean {
  const [a, b] = affine(p);
  const [c, d] = affine(q);
  return a === c && b === d;
}

export function littleEndian(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0, v = value; i < length; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

export function fromLittleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  return value;
}

/** The canonical encoding: y < p, with the parity of x in bit 255. */
export function encode(p: Point): Uint8Array {
  const [x, y] = affine(p);
  return littleEndian(y | ((x & 1n) << 255n), 32);
}

/** An encoding of (x, y) spelled with the given 255-bit y (which may be y + p) and sign bit. */
export function spell(y: bigint, sign: 0 | 1): Uint8Array {
  return littleEndian(y | (BigInt(sign) << 255n), 32);
}

/** The x with the given parity for y (y taken mod p), or null when x² = (y² - 1)/(d·y² + 1) has no root. */
export function recoverX(y: bigint, sign: 0 | 1): bigint | null {
  const yy = mod(y * y);
  const x2 = mod((yy - 1n) * inverse(D * yy + 1n));
  let x = pow(x2, (P + 3n) / 8n);
  if (mod(x * x) !== x2) x = mod(x * SQRT_M1);
  if (mod(x * x) !== x2) return null;
  if ((x & 1n) !== BigInt(sign)) x = mod(-x);
  return x;
}

export const fromAffine = (x: bigint, y: bigint): Point => [x, mod(y), 1n, mod(x * y)];

const BASE_Y = mod(4n * inverse(5n));
export const BASE: Point = fromAffine(recoverX(BASE_Y, 0)!, BASE_Y);

/** The 8 points of small order, [i]T for a point T of order 8, i = 0..7. */
export function smallOrderPoints(): Point[] {
  for (let y = 2n; ; y++) {
    const x = recoverX(y, 0);
    if (x === null) continue;
    const t = multiply(L, fromAffine(x, y)); // in the torsion subgroup
    if (equal(multiply(4n, t), IDENTITY)) continue; // order below 8
    return Array.from({ length: 8 }, (_, i) => multiply(BigInt(i), t));
  }
}

export const sha512 = (...parts: Uint8Array[]) => {
  const h = createHash("sha512");
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
};

/**
 * A signature of `message` under the key spelled `publicKey`, for the secret scalar `a` (so that publicKey
 * decodes to [a]B plus whatever torsion the caller built in), with the nonce point [r]B + extraR.
 */
export function signWithScalar(a: bigint, publicKey: Uint8Array, message: Uint8Array, r: bigint, extraR: Point = IDENTITY): Uint8Array {
  const rPoint = add(multiply(r, BASE), extraR);
  const rBytes = encode(rPoint);
  const k = mod(fromLittleEndian(sha512(rBytes, publicKey, message)), L);
  const s = mod(r + k * a, L);
  return new Uint8Array([...rBytes, ...littleEndian(s, 32)]);
}

/** k = SHA-512(R ‖ A ‖ M) mod L. */
export const challenge = (rBytes: Uint8Array, publicKey: Uint8Array, message: Uint8Array) =>
  mod(fromLittleEndian(sha512(rBytes, publicKey, message)), L);
