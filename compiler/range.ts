/**
 * Integer intervals: the abstraction the compiler uses to decide, for every expression, which C type can
 * hold it exactly and whether a store needs a run-time check. Bounds are bigint so the arithmetic on them
 * is exact far beyond 2^53.
 */

export interface Range {
  readonly lo: bigint;
  readonly hi: bigint;
}

export const MAX_SAFE = (1n << 53n) - 1n;
export const INT32: Range = { lo: -(1n << 31n), hi: (1n << 31n) - 1n };
export const UINT32: Range = { lo: 0n, hi: (1n << 32n) - 1n };
/** What a boolean "ranges" over, for code that treats every expression alike. */
export const BOOL_RANGE: Range = { lo: 0n, hi: 1n };
export const INT64: Range = { lo: -(1n << 63n), hi: (1n << 63n) - 1n };

export function range(lo: bigint, hi: bigint): Range {
  return { lo, hi };
}
export function single(value: bigint): Range {
  return { lo: value, hi: value };
}
export function contains(outer: Range, inner: Range): boolean {
  return outer.lo <= inner.lo && inner.hi <= outer.hi;
}
export function union(a: Range, b: Range): Range {
  return { lo: a.lo < b.lo ? a.lo : b.lo, hi: a.hi > b.hi ? a.hi : b.hi };
}
/** The intersection, or null when empty (a branch that cannot be taken). */
export function intersect(a: Range, b: Range): Range | null {
  const lo = a.lo > b.lo ? a.lo : b.lo;
  const hi = a.hi < b.hi ? a.hi : b.hi;
  return lo <= hi ? { lo, hi } : null;
}
export function isSingle(r: Range): boolean {
  return r.lo === r.hi;
}
export function isSafe(r: Range): boolean {
  return r.lo >= -MAX_SAFE && r.hi <= MAX_SAFE;
}
function min(...xs: bigint[]): bigint {
  return xs.reduce((a, b) => (b < a ? b : a));
}
function max(...xs: bigint[]): bigint {
  return xs.reduce((a, b) => (b > a ? b : a));
}

export function add(a: Range, b: Range): Range {
  return { lo: a.lo + b.lo, hi: a.hi + b.hi };
}
export function sub(a: Range, b: Range): Range {
  return { lo: a.lo - b.hi, hi: a.hi - b.lo };
}
export function mul(a: Range, b: Range): Range {
  const c = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
  return { lo: min(...c), hi: max(...c) };
}
export function neg(a: Range): Range {
  return { lo: -a.hi, hi: -a.lo };
}

/** Truncating quotient a / b for b's interval excluding 0 (used inside wrapping helpers). */
export function quotient(a: Range, b: Range): Range {
  // |a / b| <= |a| / min |b|; the sign can be either unless both signs are known.
  const smallestDivisor = b.lo > 0n ? b.lo : b.hi < 0n ? -b.hi : 1n;
  const m = max(abs(a.lo), abs(a.hi)) / smallestDivisor;
  const nonNegative = (a.lo >= 0n && b.lo >= 0n) || (a.hi <= 0n && b.hi <= 0n);
  return nonNegative ? { lo: 0n, hi: m } : { lo: -m, hi: m };
}

/** a % b (JavaScript: the sign of the dividend) for b's interval excluding 0. */
export function remainder(a: Range, b: Range): Range {
  const divisorMax = max(abs(b.lo), abs(b.hi)) - 1n;
  const lo = a.lo < 0n ? max(a.lo, -divisorMax) : 0n;
  const hi = a.hi > 0n ? min(a.hi, divisorMax) : 0n;
  return { lo, hi };
}

export function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}
export function bitLength(x: bigint): number {
  let n = 0;
  while (x > 0n) {
    x >>= 1n;
    n++;
  }
  return n;
}

/** ToInt32's interval: the input's own when it already lies in int32, its wrapped image when that is an interval, else the whole int32 range. */
export function toInt32(a: Range): Range {
  return contains(INT32, a) ? a : wrappedImage(a, 32, true) ?? INT32;
}
/** ToUint32's interval. */
export function toUint32(a: Range): Range {
  return contains(UINT32, a) ? a : wrappedImage(a, 32, false) ?? UINT32;
}
/**
 * The interval of a's values wrapped to N bits, when no wrap point lies inside it (a span below 2^N whose
 * ends keep their order): `x & -0x200000000` is `x & 0`, which GCC knows (-Wtype-limits on `(x & 0) <= x`).
 */
function wrappedImage(a: Range, bits: number, signed: boolean): Range | undefined {
  if (a.hi - a.lo >= 1n << BigInt(bits)) return undefined;
  const lo = signed ? BigInt.asIntN(bits, a.lo) : BigInt.asUintN(bits, a.lo);
  const hi = signed ? BigInt.asIntN(bits, a.hi) : BigInt.asUintN(bits, a.hi);
  return lo <= hi ? { lo, hi } : undefined;
}

/** a & b as JavaScript computes it (on int32s). */
export function bitAnd(a: Range, b: Range): Range {
  const x = toInt32(a);
  const y = toInt32(b);
  if (x.lo >= 0n && y.lo >= 0n) return { lo: 0n, hi: min(x.hi, y.hi) };
  if (x.lo >= 0n) return { lo: 0n, hi: x.hi };
  if (y.lo >= 0n) return { lo: 0n, hi: y.hi };
  return INT32;
}
/** a | b and a ^ b: non-negative operands stay below the next power of two. */
export function bitOrXor(a: Range, b: Range): Range {
  const x = toInt32(a);
  const y = toInt32(b);
  if (x.lo >= 0n && y.lo >= 0n) {
    const bits = bitLength(max(x.hi, y.hi));
    return { lo: 0n, hi: (1n << BigInt(bits)) - 1n };
  }
  return INT32;
}
export function bitNot(a: Range): Range {
  const x = toInt32(a);
  return { lo: -x.hi - 1n, hi: -x.lo - 1n };
}
/** The shift count JavaScript uses: k & 31 (exact for a constant, else 0..31 unless k is already inside). */
export function shiftCount(k: Range): Range {
  if (isSingle(k)) return single(BigInt.asUintN(5, k.lo));
  return k.lo >= 0n && k.hi <= 31n ? k : { lo: 0n, hi: 31n };
}

/** a << k with k the shift interval already masked to 0..31. */
export function shiftLeft(a: Range, k: Range): Range {
  const x = toInt32(a);
  if (x.lo >= 0n && k.lo === k.hi) {
    const hi = x.hi << k.lo;
    if (hi <= INT32.hi) return { lo: 0n, hi };
  }
  if (x.lo < 0n && k.lo === k.hi) {
    const lo = x.lo << k.lo;
    const hi = x.hi << k.lo;
    if (lo >= INT32.lo && hi <= INT32.hi) return { lo, hi };
  }
  return INT32;
}
/** a >> k (arithmetic) with k masked to 0..31. */
export function shiftRight(a: Range, k: Range): Range {
  const x = toInt32(a);
  const loShift = k.lo;
  const hiShift = k.hi;
  // Larger shifts move values toward 0 or -1.
  const lo = x.lo < 0n ? x.lo >> loShift : x.lo >> hiShift;
  const hi = x.hi < 0n ? x.hi >> hiShift : x.hi >> loShift;
  return { lo, hi };
}
/** a >>> k with k masked to 0..31. */
export function shiftRightUnsigned(a: Range, k: Range): Range {
  // A shift of zero keeps ToUint32(a): negative inputs become large, hence toUint32 first.
  const x = toUint32(a);
  return { lo: x.lo >> k.hi, hi: x.hi >> k.lo };
}

export function formatRange(r: Range): string {
  const f = (v: bigint) => (abs(v) > 0xffffn ? (v < 0n ? "-0x" + (-v).toString(16) : "0x" + v.toString(16)) : v.toString());
  return r.lo === r.hi ? f(r.lo) : `${f(r.lo)}..${f(r.hi)}`;
}
