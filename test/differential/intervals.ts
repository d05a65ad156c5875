/**
 * The test's oracle of what the compiler must accept: the interval of every expression, computed with
 * exactly the rules of docs/subset-brief.md (and nothing cleverer, so a compiler that is at least as precise
 * accepts every program the generator writes). Where the brief is vague, docs/subset.md (§4 "Ranges")
 * decides: a literal shift count outside 0…31 does not narrow `>>>`. Bounds are bigints so products stay
 * exact.
 */

export type IntType = "u8" | "u16" | "u32" | "i8" | "i16" | "i32" | "i64";
export const INT_TYPES: readonly IntType[] = ["u8", "u16", "u32", "i8", "i16", "i32", "i64"];
/** The modular wrapping helpers (i64() is a checked conversion, not a wrap). */
export const WRAP_TYPES: readonly IntType[] = ["u8", "u16", "u32", "i8", "i16", "i32"];

export interface Interval {
  readonly lo: bigint;
  readonly hi: bigint;
}

export const iv = (lo: bigint, hi: bigint): Interval => ({ lo, hi });

/** ±(2^53-1): an expression whose interval leaves this is a compile error. */
export const MAX_SAFE = 2n ** 53n - 1n;
export const INT32: Interval = iv(-(2n ** 31n), 2n ** 31n - 1n);
export const UINT32: Interval = iv(0n, 2n ** 32n - 1n);
/**
 * Operands of `/` (inside a helper / `| 0` / `>>> 0` / i64()): any safe integer. Truncating a quotient of
 * safe integers is exact in JavaScript (docs/subset.md §7); the brief's old ±2^32 limit is gone.
 */
export const DIVISION_OPERAND: Interval = iv(-MAX_SAFE, MAX_SAFE);
/** A `&` operand within this is a non-negative mask. */
const MASK: Interval = iv(0n, 2n ** 31n - 1n);

export const TYPE_RANGE: Record<IntType, Interval> = {
  u8: iv(0n, 255n),
  u16: iv(0n, 65535n),
  u32: UINT32,
  i8: iv(-128n, 127n),
  i16: iv(-32768n, 32767n),
  i32: INT32,
  i64: iv(-MAX_SAFE, MAX_SAFE),
};

const min = (...xs: bigint[]) => xs.reduce((a, b) => (b < a ? b : a));
const max = (...xs: bigint[]) => xs.reduce((a, b) => (b > a ? b : a));
const abs = (x: bigint) => (x < 0n ? -x : x);

export const within = (a: Interval, range: Interval) => a.lo >= range.lo && a.hi <= range.hi;
export const contains = (a: Interval, n: bigint) => a.lo <= n && n <= a.hi;
export const isSafe = (a: Interval) => within(a, iv(-MAX_SAFE, MAX_SAFE));
/** The largest magnitude in the interval. */
export const magnitude = (a: Interval) => max(abs(a.lo), abs(a.hi));
export const hull = (a: Interval, b: Interval) => iv(min(a.lo, b.lo), max(a.hi, b.hi));
/** The part inside `range`, or undefined when they do not meet. */
export function meet(a: Interval, range: Interval): Interval | undefined {
  const lo = max(a.lo, range.lo);
  const hi = min(a.hi, range.hi);
  return lo <= hi ? iv(lo, hi) : undefined;
}

export const literal = (n: bigint) => iv(n, n);
export const neg = (a: Interval) => iv(-a.hi, -a.lo);
export const add = (a: Interval, b: Interval) => iv(a.lo + b.lo, a.hi + b.hi);
export const sub = (a: Interval, b: Interval) => iv(a.lo - b.hi, a.hi - b.lo);
export function mul(a: Interval, b: Interval): Interval {
  const p = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
  return iv(min(...p), max(...p));
}

/** `a & b`: int32, or [0, max] when a side is a non-negative mask (both: the smaller max). */
export function and(a: Interval, b: Interval): Interval {
  const masks = [a, b].filter((x) => within(x, MASK));
  return masks.length === 0 ? INT32 : iv(0n, min(...masks.map((m) => m.hi)));
}
/** `|`, `^`, `~`, `<<`, `>>`: int32. */
export const int32Op = (): Interval => INT32;
/**
 * `a >>> b`: uint32, or [0, floor((2^32-1) / 2^k)] when b is a literal k in 0…31 (docs/subset.md §4 takes
 * any other count as 0…31, although JavaScript, and the emitted C, shift by k & 31).
 */
export function ushr(shiftLiteral: bigint | undefined): Interval {
  if (shiftLiteral === undefined || shiftLiteral > 31n) return UINT32;
  return iv(0n, (2n ** 32n - 1n) >> shiftLiteral);
}

/**
 * `a % b` with a divisor interval that excludes 0: the sign follows the dividend, the magnitude is below the
 * largest divisor magnitude and at most the dividend's.
 */
export function mod(a: Interval, b: Interval): Interval {
  const bound = magnitude(b) - 1n;
  return iv(a.lo >= 0n ? 0n : max(a.lo, -bound), a.hi <= 0n ? 0n : min(a.hi, bound));
}

/** Is the value representable in the type? */
export const fits = (value: bigint, type: IntType) => contains(TYPE_RANGE[type], value);

/** Wraps modulo 2^N into the type's range (what the helper of that name computes); i64 clamps. */
export function wrap(value: bigint, type: IntType): bigint {
  if (type === "i64") return value > MAX_SAFE ? MAX_SAFE : value < -MAX_SAFE ? -MAX_SAFE : value;
  const bits = BigInt(type.slice(1));
  const m = 1n << bits;
  let v = ((value % m) + m) % m;
  if (type.startsWith("i") && v >= m >> 1n) v -= m;
  return v;
}
