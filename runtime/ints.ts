/**
 * The subset's integer types and its explicit wrapping helpers.
 *
 * Each type is an alias of `number`, so a program stays ordinary TypeScript that tsc checks and Node runs.
 * The tsboot compiler reads the alias names and gives each a C type and a range; the helpers say
 * "wrap here" and compute the same modular result in Node (with JavaScript's ToInt32/ToUint32 rules,
 * which also truncate a quotient toward zero and map NaN and ±Infinity to 0) and in C.
 */

/** @intrinsic */ export type u8 = number;
/** @intrinsic */ export type u16 = number;
/** @intrinsic */ export type u32 = number;
/** @intrinsic */ export type i8 = number;
/** @intrinsic */ export type i16 = number;
/** @intrinsic */ export type i32 = number;
/**
 * The subset's 64-bit integer: any integer within ±(2^53-1), which a JavaScript number holds exactly
 * (int64_t in C). Arithmetic on an i64 is checked: a result outside ±(2^53-1) traps (C, checked Node).
 * @intrinsic
 */
export type i64 = number;

/** Wraps modulo 2^8 into 0..255. @intrinsic */
export function u8(value: number): u8 {
  return value & 0xff;
}
/** Wraps modulo 2^16 into 0..65535. @intrinsic */
export function u16(value: number): u16 {
  return value & 0xffff;
}
/** Wraps modulo 2^32 into 0..4294967295. @intrinsic */
export function u32(value: number): u32 {
  return value >>> 0;
}
/** Wraps modulo 2^8 into -128..127. @intrinsic */
export function i8(value: number): i8 {
  return (value << 24) >> 24;
}
/** Wraps modulo 2^16 into -32768..32767. @intrinsic */
export function i16(value: number): i16 {
  return (value << 16) >> 16;
}
/** Wraps modulo 2^32 into -2147483648..2147483647. @intrinsic */
export function i32(value: number): i32 {
  return value | 0;
}

/**
 * Computes in i64: `i64(a) * b` is a checked 64-bit product, `i64(a / b)` the quotient truncated toward
 * zero (a zero divisor traps in C). In Node the value is returned as it is (truncated), so a value that
 * has left ±(2^53-1) shows here as one that C refused to produce. @intrinsic
 */
export function i64(value: number): i64 {
  return Math.trunc(value);
}

/** Arithmetic shift right of an i64: floor(value / 2^count), the whole 64-bit value (not ToInt32). @intrinsic */
export function shr64(value: i64, count: u8): i64 {
  return Math.floor(value / 2 ** (count & 0xff));
}

/**
 * The high 32 bits of the exact 64-bit product of two u32 (`Math.imul(a, b) >>> 0` is the low 32 bits).
 * Computed from 16-bit halves, so every step is exact in JavaScript. @intrinsic
 */
export function mulHigh32(a: u32, b: u32): u32 {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const middle = a1 * b0 + ((a0 * b0) >>> 16) + ((a0 * b1) & 0xffff);
  return (a1 * b1 + Math.floor(middle / 0x10000) + ((a0 * b1) >>> 16)) >>> 0;
}
