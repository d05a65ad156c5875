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
