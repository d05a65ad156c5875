/**
 * The checks of checked Node: the JavaScript the compiler emits from a program's IR (compiler/emit-js.ts)
 * calls these where the C calls TSB_CHECK, TSB_INDEX, TSB_AT, the checked i64 operations and the traps,
 * so a Node run stops with a TrapError at the same TypeScript line, for the same reason, as the C build.
 * Not callable from a program (it is not part of runtime/index.ts).
 */
import { PanicError } from "./output";

/** The C's panic kinds (tsboot_rt.h). */
export const TRAP_RANGE = 1;
export const TRAP_BOUNDS = 2;

/** A trap of checked Node: what tsb_panic(kind, file, line, message) is in C. */
export class TrapError extends PanicError {
  constructor(
    readonly kind: number,
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = "TrapError";
    // The C platforms print the same line (tsboot_host.c, the host simulation).
    this.message = `PANIC ${kind} ${file}:${line} ${reason}`;
  }
}

const loaded = new Set<string>();
/** A checked build announces itself when it loads (tests assert that a suite really runs checked Node). */
export function programLoaded(entry: string): void {
  loaded.add(entry);
}
export function loadedPrograms(): string[] {
  return [...loaded];
}

/** Stops the program: `file` is the TypeScript file relative to the source root (as C's #line paths). */
export function trap(kind: number, reason: string, file: string, line: number): never {
  throw new TrapError(kind, file, line, reason);
}

/** A store into a declared type: the value, or a trap where C's TSB_CHECK traps (NaN and undefined too). */
export function check(value: number, lo: number, hi: number, type: string, file: string, line: number): number {
  if (!(value >= lo && value <= hi)) trap(TRAP_RANGE, `value out of range for ${type}`, file, line);
  return value;
}

/** An index the compiler could not prove: the index, or a trap where Node would read undefined. */
export function index(array: { length: number }, i: number, file: string, line: number): number {
  if (!(i >= 0 && i < array.length)) trap(TRAP_BOUNDS, "index out of bounds", file, line);
  return i;
}

/** array[i] of an array that is not a variable (evaluated once, as C's TSB_AT). */
export function at(array: ArrayLike<number>, i: number, file: string, line: number): number {
  return array[index(array, i, file, line)];
}

/** array[i] = value for an array that is not a variable. */
export function set(array: { [i: number]: number; length: number }, i: number, value: number, file: string, line: number): void {
  array[index(array, i, file, line)] = value;
}

const I64_MAX = 9007199254740991;

/** Checked i64 arithmetic: the exact result, or a trap once it leaves ±(2^53-1) (where doubles round). */
export function add64(a: number, b: number, file: string, line: number): number {
  return check(a + b, -I64_MAX, I64_MAX, "i64", file, line);
}
export function sub64(a: number, b: number, file: string, line: number): number {
  return check(a - b, -I64_MAX, I64_MAX, "i64", file, line);
}
/** A product beyond 2^53 rounds to a double of at least 2^53, so the test below sees it. */
export function mul64(a: number, b: number, file: string, line: number): number {
  return check(a * b, -I64_MAX, I64_MAX, "i64", file, line);
}
/** i64(a / b) and i64(a % b): by zero a trap (JavaScript would give ±Infinity or NaN). */
export function div64(a: number, b: number, file: string, line: number): number {
  if (b === 0) trap(TRAP_RANGE, "division by zero in i64", file, line);
  return Math.trunc(a / b);
}
export function rem64(a: number, b: number, file: string, line: number): number {
  if (b === 0) trap(TRAP_RANGE, "division by zero in i64", file, line);
  return a % b;
}
