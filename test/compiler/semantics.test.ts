/**
 * What programs compute: the defects an outside corpus found, the relaxed rules, the subset's i64, checked
 * Node, and the traps found at compile time (issue 15, §§1-3). Each program runs in Node, in checked Node
 * and compiled to C, and the three agree (or trap at the same TypeScript line).
 */
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { compileCommand } from "../../compiler/cli";
import { compileProgram, formatDiagnostic } from "../../compiler/index";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { loadBoardLayout } from "../../host/sim/board-c";
import { runBootloaderInNode } from "../bootloader/node-run";
import { runC, runChecked, runInNode, writeProgram } from "./harness";

const ROOT = path.resolve(__dirname, "../..");

// ---- outside-corpus -----------------------------------------------------------------------------
//
// The defects an outside corpus found (issue 15, §1): each program once compiled to C that printed the
// wrong text, did not compile, or failed gcc -Werror. Each now gives Node's output in C, and optional
// chaining is refused with a diagnostic instead of being accepted silently.
async function sameInC(name: string, text: string): Promise<string> {
  const entry = writeProgram(name, text);
  const node = await runInNode(entry);
  const c = await runC(entry);
  expect(c.exitCode).toBe(0);
  expect(c.output).toBe(node);
  expect(await runChecked(entry)).toBe(node);
  return c.source;
}

/** The body of the generated C function `name` (a static function returning `cType`), up to its closing brace. */
function cFunctionBody(source: string, cType: string, name: string): string {
  const start = source.search(new RegExp(`^static ${cType} \\w*_${name}\\([^)]*\\) \\{`, "m"));
  expect(start).toBeGreaterThanOrEqual(0);
  return source.slice(start, source.indexOf("\n}\n", start));
}

describe("strings", () => {
  it("a NUL in print() is printed, not the end of the text", async () => {
    const source = await sameInC("corpus_nul", `export function main(): void { print("a\\0b"); print("\\n"); }`);
    expect(source).toContain('tsb_print_n("a\\000b", 3u)');
  });

  it("a NUL in panic() does not cut the message short", async () => {
    const entry = writeProgram("corpus_nul_panic", `export function main(): void { panic("bad\\0byte"); }`);
    const c = await runC(entry);
    expect(c.output).toMatch(/PANIC 3 \S+ bad\\0byte/);
  });

  it("trigraphs are escaped: '??!' stays three characters (and -Werror is happy)", async () => {
    const source = await sameInC("corpus_trigraph", `export function main(): void { print("what??! ??( ??/ ??= ok?"); print("\\n"); }`);
    expect(source).toContain('"what\\?\\?! \\?\\?( \\?\\?/ \\?\\?= ok\\?"');
  });
});

describe("names C reserves or its headers define", () => {
  it("locals, parameters and fields named like C keywords and <stdint.h>/<stddef.h>/<stdbool.h> names", async () => {
    const source = await sameInC(
      "corpus_names",
      `interface S { int32_t: u8; size_t: u16; bool: u8; }
function f(uint32_t: u32, INT32_MAX: i32, _Bool: u8, _Alignas: u8, NULL: u8): u32 {
  const size_t: u32 = 3;
  const UINT8_MAX: u8 = 7;
  let int: u32 = uint32_t + size_t + UINT8_MAX + _Bool + _Alignas + NULL;
  let int_: u32 = 1;
  if (INT32_MAX > 0) { int_ = int_ + 1; }
  const s: S = { int32_t: 1, size_t: 2, bool: 3 };
  return u32(int + int_ + s.int32_t + s.size_t + s.bool);
}
export function main(): void { printInt(f(10, 5, 1, 2, 3)); print("\\n"); }`,
    );
    expect(source).toMatch(/uint32_t uint32_t_/);
    expect(source).toMatch(/int32_t INT32_MAX_/);
    expect(source).toMatch(/uint8_t v_Bool/);
    // int and int_ are two variables in TypeScript: still two in C.
    expect(source).toMatch(/uint32_t int_ = /);
    expect(source).toMatch(/uint32_t int__ = /);
  });

  it("a module-level name that spells a <stdint.h> type (file int8.ts, function t)", async () => {
    const entry = writeProgram("int8", `function t(x: u8): u8 { return x; }\nexport function main(): void { printInt(t(7)); print("\\n"); }`);
    const c = await runC(entry);
    expect(c.output).toBe(await runInNode(entry));
    expect(c.source).toContain("int8_t_(uint8_t x)");
  });
});

describe("gcc -Werror on the generated C", () => {
  it("(cmd ^ 0xff) === b, the AN3155 complement check (-Wsign-compare)", async () => {
    await sameInC(
      "corpus_xor_compare",
      `function ok(cmd: u8, b: u8): boolean { return (cmd ^ 0xff) === b; }
function okWide(cmd: u32, b: u8): boolean { return (~cmd & 0xff) === b && (cmd ^ 0xff) !== b; }
export function main(): void {
  printInt(ok(0x11, 0xee) ? 1 : 0); printInt(ok(0x11, 0x11) ? 1 : 0); printInt(okWide(0x11, 0xee) ? 1 : 0);
  print("\\n");
}`,
    );
  });

  it("u32(p | -1) === 5 (-Wtautological-compare)", async () => {
    await sameInC(
      "corpus_tautology",
      `function t(p: u32): boolean { return u32(p | -1) === 5; }
function u(p: u8): boolean { return (p | 0x100) === 0x1ff && (p & 0xf0) !== 0x0f; }
export function main(): void { printInt(t(3) ? 1 : 0); printInt(u(0xff) ? 1 : 0); printInt(u(1) ? 1 : 0); print("\\n"); }`,
    );
  });

  it("~ on a narrow unsigned value compared with a constant (-Wsign-compare, found by the differential test)", async () => {
    await sameInC(
      "corpus_bitnot_compare",
      `function t(v: u16, p: u8): boolean { return (p * (~v)) > 5 && (~v) !== 0x10; }
export function main(): void { printInt(t(3, 2) ? 1 : 0); printInt(t(0xffff, 1) ? 1 : 0); print("\\n"); }`,
    );
  });
  it("comparisons GCC decides from bit patterns or sees as self-comparisons (found by long differential runs)", async () => {
    await sameInC(
      "corpus_gcc_decides",
      `function a(p0: u32, p1: u16): boolean { return u32(u8((p0 << 14))) <= u16(p1); }
function b(p1: u8): boolean { return u16((Math.imul(u32(922788883), 0x80000000) * p1)) <= u8(p1 + 1); }
function c(p0: u32, v1: u16): u16 { return u16(((p0 > u32(p0)) ? (p0 ^ (-0xA2)) : v1)); }
function d(x: u32, m: u32): boolean { return (-(~249680189882353)) > u8(i64(x % m) / 3); }
function e(v0: u32): boolean { return ((-4) >>> 0) !== ((v0 - 3) & 1133850217); }
function f(p0: u32): boolean { return Math.imul((4294967295 << (-23)), ((59 ^ (-1)) | 255)) === u16(((p0 & Math.imul((-0x2995C94765FB9), (-1052790449))) & 0xB0574DC0)); }
function g(p0: u32): u32 { if (u32(i32(p0)) > p0) { return 1; } return u16(i8(p0)) === u16(p0) ? 2 : 3; }
function h(p1: u32, p2: i16): i32 { return Math.imul(p1, ((p1 + p2) === (p2 + p1)) ? 3 : 5); }
function m(v0: u16, p0: i16): boolean { return ((v0 & (-0x200000000)) <= v0) && ((p0 ^ 0x300000000) >= i16(p0)) && ((v0 | 0x1FFFFFFFF) !== (-1)); }
function n(p0: u16): u32 { let v0: i8 = i8(2174217784); if (p0 > 3) { v0 = i8(i32((255 - p0) / (-0xE015466F))); } const v1: u32 = u16(v0); const v2: u32 = u8(v0); return v1 + v2; }
function k(p1: u32, p2: i16, m: u8): boolean { return (Math.imul(p1, p2) ^ (m & p2)) >= (Math.imul(p2, p1) ^ (p2 & m)) && ((p1 | m) * 2 !== 2 * (m | p1)); }
export function main(): void {
  printInt(a(3, 2) ? 1 : 0); printInt(b(7) ? 1 : 0); printInt(c(5, 9)); printInt(e(77) ? 1 : 0); printInt(f(0xffffffff) ? 1 : 0); print("\\n");
  printInt(g(0xfffffff0)); printInt(g(5)); printInt(g(200)); print("\\n");
  printInt(h(7, -3)); printInt(h(0xffffffff, 32767)); printInt(k(0xdeadbeef, -2, 9) ? 1 : 0); printInt(m(7, -5) ? 1 : 0); printInt(n(2)); printInt(n(9)); print("\\n");
  printInt(d(5, 7) ? 1 : 0); print("\\n");
}`,
    );
  });
});

describe("optional chaining", () => {
  for (const [form, text] of [
    ["h?.len", "interface H { len: u32; }\nexport function f(h: H): u32 { return h?.len; }"],
    ["a?.[i]", "export function f(a: Uint8Array, i: u32): u32 { return a?.[i]; }"],
    ["f?.()", "function g(): u32 { return 1; }\nexport function f(): u32 { return g?.(); }"],
  ] as const) {
    it(`${form} is refused with TSB1061, not accepted silently`, () => {
      const entry = writeProgram(`corpus_optional_${form.replace(/\W/g, "")}`, text);
      const r = compileProgram({ entry });
      expect(r.ok).toBe(false);
      expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([expect.stringMatching(/error TSB1061: Optional chaining '.*\?\..*' is not in the subset/)]);
      expect(r.diagnostics[0].suggestion).not.toContain("?.");
    });
  }
});

// ---- flow-rules ---------------------------------------------------------------------------------
//
// Over-strict rules that rejected ordinary, safe code (issue 15, §2): each program is now accepted and
// computes in C, and in checked Node, what it computes in Node.
async function accepted(name: string, text: string): Promise<string> {
  const entry = writeProgram(name, text);
  const r = compileProgram({ entry });
  expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
  const node = await runInNode(entry);
  const c = await runC(entry);
  expect(c.output).toBe(node);
  expect(await runChecked(entry)).toBe(node);
  return c.source;
}

describe("narrowing", () => {
  it("an early return narrows: if (b === 0) return …; a % b (b signed)", async () => {
    await accepted(
      "rules_early_return",
      `function rem(a: i32, b: i32): i32 {
  if (b === 0) return -1;
  return a % b;
}
export function main(): void {
  printInt(rem(7, 0)); print(" "); printInt(rem(-7, 3)); print(" "); printInt(rem(-0x80000000, -1)); print(" "); printInt(rem(100, -7)); print("\\n");
}`,
    );
  });

  it("a fact that holds on entry and on every back edge survives the loop head: Euclid's gcd in a do/while", async () => {
    const source = await accepted(
      "rules_gcd",
      `function gcd(a: u32, b: u32): u32 {
  if (b === 0) return a;
  do {
    const t = a % b;
    a = b;
    b = t;
  } while (b !== 0);
  return a;
}
export function main(): void {
  printInt(gcd(48, 18)); print(" "); printInt(gcd(0xffffffff, 0xfffffffe)); print(" "); printInt(gcd(17, 0)); print(" "); printInt(gcd(0, 5)); print("\\n");
}`,
    );
    expect(source).toMatch(/uint32_t t = \(a % b\);/);
  });

  it("a loop index that only grows keeps its lower bound: an i32 index needs no bounds check", async () => {
    const source = await accepted(
      "rules_i32_index",
      `const data = new Uint8Array([1, 2, 3, 4]);
export function main(): void {
  let s: u32 = 0;
  for (let i: i32 = 0; i < data.length; i++) s += data[i];
  printInt(s); print("\\n");
}`,
    );
    expect(source).not.toContain("TSB_INDEX");
  });
});

describe("quotients of safe integers (TSB1020)", () => {
  it("u32((a + b) / 2) and u32((ticks * 1000) / hz) are accepted and exact", async () => {
    await accepted(
      "rules_quotients",
      `function mid(a: u32, b: u32): u32 { return u32((a + b) / 2); }
function ms(ticks: u32, hz: u32): u32 { return u32((ticks * 1000) / hz); }
function big(a: u32, b: i32): i32 { return i32((a * 0x1fffff) / b); }
export function main(): void {
  printInt(mid(0xffffffff, 0xffffffff)); print(" "); printInt(mid(0xffffffff, 0xfffffffe)); print(" ");
  printInt(ms(0xffffffff, 1000)); print(" "); printInt(ms(0xffffffff, 0xffffffff)); print(" "); printInt(ms(123, 0)); print(" ");
  printInt(big(0xffffffff, -3)); print(" "); printInt(big(0xfffffffe, 7)); print("\\n");
}`,
    );
  });

  it("TSB1020's message is plain, and it suggests Math.imul only where the low 32 bits are all that is kept", () => {
    const entry = writeProgram(
      "rules_precision_message",
      `export function wrapped(a: u32, b: u32): u32 { return u32(a * b); }
export function whole(a: u32, b: u32): u32 { const p = a * b; return u32(p); }`,
    );
    const r = compileProgram({ entry });
    const [wrapped, whole] = r.diagnostics;
    expect(wrapped.code).toBe(1020);
    expect(wrapped.message).toBe("'a * b' may reach 0xfffffffe00000001, beyond 2^53-1, where JavaScript loses precision.");
    expect(wrapped.suggestion).toMatch(/Math\.imul\(a, b\)/);
    expect(whole.code).toBe(1020);
    expect(whole.message).not.toMatch(/beyond 2\^32|quotient/);
    expect(whole.suggestion).not.toMatch(/Math\.imul/);
    expect(whole.suggestion).toMatch(/i64\(a\) \* b/);
  });
});

// ---- i64 ----------------------------------------------------------------------------------------
//
// The subset's 64-bit integer (docs/subset.md §3a): i64 values within ±(2^53-1), Float64Array storage,
// checked arithmetic (a trap where the exact result leaves the range, in C and in checked Node at the same
// line), shr64 and mulHigh32. The first program is TweetNaCl's field multiplication for Ed25519, written
// as TweetNaCl writes it, and checked against BigInt arithmetic modulo 2^255 - 19.
const FIELD = `
const T = new Float64Array(31);

/** TweetNaCl's car25519: carries with a 64-bit shift, limbs back to 16 bits. */
function car25519(o: Float64Array): void {
  for (let i: u32 = 0; i < 16; i++) {
    o[i] += 65536;
    const c = shr64(o[i], 16);
    if (i < 15) o[i + 1] += c - 1;
    else o[0] += 38 * (c - 1);
    o[i] -= c * 65536;
  }
}

/** TweetNaCl's M: 16 limbs times 16 limbs into a 31-entry accumulator, folded with 38 = 2 * 19. */
function mul(o: Float64Array, a: Float64Array, b: Float64Array): void {
  for (let i: u32 = 0; i < 31; i++) T[i] = 0;
  for (let i: u32 = 0; i < 16; i++) {
    for (let j: u32 = 0; j < 16; j++) T[i + j] += a[i] * b[j];
  }
  for (let i: u32 = 0; i < 15; i++) T[i] += 38 * T[i + 16];
  for (let i: u32 = 0; i < 16; i++) o[i] = T[i];
  car25519(o);
  car25519(o);
}

const A = new Float64Array(16);
const B = new Float64Array(16);
const O = new Float64Array(16);
let seed: u32 = 12345;
function next(): u32 {
  seed = u32(Math.imul(seed, 1103515245) + 12345);
  return seed >>> 16;
}
function show(x: Float64Array): void {
  for (let i: u32 = 0; i < 16; i++) {
    printInt(x[i]);
    if (i < 15) print(","); else print(";");
  }
}
export function main(): void {
  for (let round: u32 = 0; round < 6; round++) {
    for (let i: u32 = 0; i < 16; i++) { A[i] = next(); B[i] = round === 0 ? 0xffff : next(); }
    mul(O, A, B);
    show(A); show(B); show(O); print("\\n");
  }
}`;

const P = (1n << 255n) - 19n;
const value = (limbs: string) => limbs.split(",").reduce((acc, limb, i) => acc + BigInt(limb) * (1n << BigInt(16 * i)), 0n);

describe("i64", () => {
  it("TweetNaCl's field multiplication, in the subset: Node, checked Node and C agree, and BigInt confirms it", async () => {
    const entry = writeProgram("i64_field", FIELD);
    const r = compileProgram({ entry });
    expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    const node = await runInNode(entry);
    expect((await runC(entry)).output).toBe(node);
    expect(await runChecked(entry)).toBe(node);
    const lines = node.trim().split("\n");
    expect(lines).toHaveLength(6);
    for (const line of lines) {
      const [a, b, o] = line.split(";");
      expect(value(o) % P).toBe((value(a) * value(b)) % P);
    }
    // The C: int64_t limbs and accumulator, the products checked, the carry an arithmetic shift.
    const c = r.files[0].text;
    expect(c).toMatch(/static int64_t i64_field_T\[31\];/);
    expect(c).toContain("tsb_shr64(");
    expect(c).toMatch(/TSB_MUL_I64\(/);
  });

  it("a product beyond 2^53 traps in C and in checked Node at the same line; plain Node goes on, inexact", async () => {
    const entry = writeProgram(
      "i64_overflow",
      `function square(x: i64): i64 {
  return x * x;
}
export function main(): void {
  printInt(square(0x4000000)); print(" ");
  printInt(square(0x20000001)); print("\\n");
}`,
    );
    const node = await runInNode(entry);
    const c = await runC(entry);
    const checked = await runChecked(entry);
    // (2^29 + 1)^2 = 2^58 + 2^30 + 1: a double rounds it.
    expect(node).toBe(`4503599627370496 ${String(Number(0x20000001n ** 2n))}\n`);
    expect(BigInt(node.trim().split(" ")[1])).not.toBe(0x20000001n ** 2n);
    expect(c.output).toBe("4503599627370496 PANIC 1 test/.gen/i64_overflow.ts:3 value out of range for i64\n");
    expect(checked).toBe(c.output);
  });

  it("32×32→64 products, time arithmetic and division: mulHigh32, i64(a) * b, i64(a / b)", async () => {
    const entry = writeProgram(
      "i64_products",
      `function micros(ticks: u32, hz: u32): u32 {
  const us: i64 = i64(ticks) * 1000000;
  return u32(i64(us / hz));
}
export function main(): void {
  const a: u32 = 0xfffffffe;
  const b: u32 = 0xfffffffd;
  printInt(mulHigh32(a, b)); print(" "); printInt(Math.imul(a, b) >>> 0); print(" ");
  printInt(micros(4000000000, 1000)); print(" "); printInt(micros(1000, 0x7fffffff)); print(" ");
  printInt(shr64(-0x1fffffffffffff, 52)); print(" "); printInt(shr64(0x123456789abc, 100)); print(" ");
  printInt(micros(5, 0)); print("\\n");
}`,
    );
    const node = await runInNode(entry);
    const c = await runC(entry);
    const product = 0xfffffffen * 0xfffffffdn;
    // Up to the division by zero: there Node's i64() gives Infinity and C (and checked Node) trap.
    const micros = ((4000000000n * 1000000n) / 1000n) & 0xffffffffn;
    expect(node).toBe(`${product >> 32n} ${product & 0xffffffffn} ${micros} 0 -2 0 0\n`);
    expect(c.output).toMatch(new RegExp(`^${product >> 32n} ${product & 0xffffffffn} ${micros} 0 -2 0 PANIC 1 test/\\.gen/i64_products\\.ts:4 division by zero in i64\\n$`));
    expect(await runChecked(entry)).toBe(c.output);
  });

  it("a shift of a wide i64 is refused: JavaScript would shift only its low 32 bits", () => {
    const entry = writeProgram("i64_shift", `export function f(x: i64): i64 { return x >> 16; }`);
    const r = compileProgram({ entry });
    expect(r.diagnostics.map((d) => d.code)).toEqual([1062]);
    expect(r.diagnostics[0].suggestion).toContain("shr64(x, 16)");
  });
});

// ---- checked-node -------------------------------------------------------------------------------
//
// Checked Node (issue 15, §3): the JavaScript the compiler emits from the program's IR traps where the C
// traps, at the same TypeScript line, where plain Node goes on with a value outside the declared range.
// The bootloader's Node test harnesses run it.
describe("u32 sums, differences and a + k indexes checked by the carry (no 64-bit arithmetic)", () => {
  // C checks these with one carry or borrow test of the uint32_t operation; the trap must fall exactly
  // where Node leaves u32 or reads past the end, including the wrap to 0 that a uint32_t sum would hide.
  it("u32(n + k) traps at 2^32 and not before, in C and in checked Node at the same line", async () => {
    const entry = writeProgram(
      "carry_add",
      `let n: u32 = 0xfffffffe;
function bump(k: u32): void {
  n = n + k;
}
export function main(): void {
  bump(1);
  printInt(n);
  print(" ");
  bump(1);
  printInt(n);
}`,
    );
    const c = await runC(entry);
    expect(c.source).toContain("TSB_ADD_U32(");
    expect(c.output).toBe("4294967295 PANIC 1 test/.gen/carry_add.ts:4 value out of range for u32\n");
    expect(await runChecked(entry)).toBe(c.output);
    expect(await runInNode(entry)).toBe("4294967295 4294967296");
  });

  it("u32(a - b) traps when b exceeds a by one, and not when they are equal", async () => {
    const entry = writeProgram(
      "carry_sub",
      `function less(a: u32, b: u32): u32 {
  return a - b;
}
export function main(): void {
  printInt(less(5, 5));
  print(" ");
  printInt(less(0xffffffff, 0));
  print(" ");
  printInt(less(4, 5));
}`,
    );
    const c = await runC(entry);
    expect(c.source).toContain("TSB_SUB_U32(");
    expect(c.output).toBe("0 4294967295 PANIC 1 test/.gen/carry_sub.ts:3 value out of range for u32\n");
    expect(await runChecked(entry)).toBe(c.output);
  });

  it("table[at + 1] with at = 2^32 - 1 is out of bounds (the uint32_t sum would wrap to 0, inside)", async () => {
    const entry = writeProgram(
      "carry_index",
      `const table = new Uint8Array([1, 2, 3]);
let at: u32 = 1;
function next(): u8 {
  return table[at + 1];
}
export function main(): void {
  printInt(next());
  print(" ");
  at = 0xffffffff;
  printInt(next());
}`,
    );
    expect(await runInNode(entry)).toBe("3 undefined");
    const c = await runC(entry);
    expect(c.source).toContain("TSB_INDEX_ADD(");
    expect(c.output).toBe("3 PANIC 2 test/.gen/carry_index.ts:5 index out of bounds\n");
    expect(await runChecked(entry)).toBe(c.output);
  });
});

describe("typed-array parameters as pointer and length (static functions)", () => {
  // GCC for ARM passes a two-word struct through the stack: a static function takes ptr and len instead.
  // Every kind of view argument must still be the same view, and a computed one evaluated exactly once.
  it("fixed arrays, views, fields, subarrays and a call's result (evaluated once) are the views Node passes", async () => {
    const source = await sameInC(
      "view_params",
      `interface Holder {
  data: Uint8Array;
}
const STORE = new Uint8Array([10, 20, 30, 40, 50]);
const TABLE = new Uint16Array([7, 8, 9]);
const holder: Holder = { data: new Uint8Array([1, 2, 3]) };
let calls: u32 = 0;
function sum(a: Uint8Array, b: Uint16Array): u32 {
  let s: u32 = 0;
  for (let i: u32 = 0; i < a.length; i++) s = u32(s + a[i]);
  for (let i: u32 = 0; i < b.length; i++) s = u32(s + b[i]);
  return u32(s * 1000 + a.length);
}
function pick(): Uint8Array {
  calls = calls + 1;
  print("pick ");
  return STORE;
}
function rebind(a: Uint8Array, n: u32): u32 {
  if (n > 0) a = a.subarray(1);
  a[0] = 99;
  return a.length;
}
export function main(): void {
  printInt(sum(STORE, TABLE));
  print(" ");
  const v = STORE.subarray(1, 3);
  printInt(sum(v, TABLE.subarray(2)));
  print(" ");
  printInt(sum(holder.data, TABLE));
  print(" ");
  printInt(sum(pick(), TABLE.subarray(0, 1)));
  print(" ");
  printInt(calls);
  print(" ");
  printInt(rebind(STORE, 1));
  print(" ");
  printInt(STORE[1]);
}`,
    );
    expect(source).toContain("static uint32_t view_params_sum(uint8_t *tsb_a_ptr, uint32_t tsb_a_len, uint16_t *tsb_b_ptr, uint32_t tsb_b_len)");
    expect(source).toContain("view_params_sum(view_params_STORE, 5u, view_params_TABLE, 3u)");
    expect(source).toContain("view_params_sum(view_params_holder.data.ptr, view_params_holder.data.len, view_params_TABLE, 3u)");
    expect(source).toContain("TSB_ALWAYS_INLINE uint32_t tsb_views_view_params_sum(tsb_view_u8 a, tsb_view_u16 b)");
  });

  it("an exported function keeps the view struct: C written by hand calls it", async () => {
    const entry = writeProgram(
      "view_params_exported",
      `export function total(a: Uint8Array): u32 {
  let s: u32 = 0;
  for (const x of a) s = u32(s + x);
  return s;
}
export function main(): void {}`,
    );
    const c = await runC(entry);
    expect(c.source).toContain("uint32_t view_params_exported_total(tsb_view_u8 a) {");
  });
});

describe("an index sum compared with the length needs no bounds check", () => {
  // `at + i < data.length` is a comparison of exact values: while neither at, i nor data is assigned, the
  // same sum indexes data inside its bounds. Anything else keeps its check (and traps where Node would).
  it("at + i < data.length ? data[at + i] : 0xff, and data.length > j: no check, the values Node reads", async () => {
    const source = await sameInC(
      "index_sum_fact",
      `const DATA = new Uint8Array([5, 6, 7]);
function padded(data: Uint8Array, at: u32, i: u32): u32 {
  return at + i < data.length ? data[at + i] : 0xff;
}
function flipped(data: Uint8Array, j: u32): u32 {
  return data.length > j ? data[j] : 0;
}
export function main(): void {
  for (let i: u32 = 0; i < 5; i++) {
    printInt(padded(DATA, 1, i));
    print(" ");
  }
  printInt(padded(DATA, 0xffffffff, 1));
  print(" ");
  printInt(flipped(DATA, 2));
  printInt(flipped(DATA, 3));
}`,
    );
    expect(source).not.toContain("TSB_INDEX");
    expect(source).toContain("data.ptr[(at + i)]");
  });

  it("another sum, a variable assigned after the test, or module state: the check stays and traps as in Node", async () => {
    const entry = writeProgram(
      "index_sum_kept",
      `const DATA = new Uint8Array([5, 6, 7]);
let g: u32 = 0;
function other(data: Uint8Array, at: u32): u32 {
  return at + 1 < data.length ? data[at + 2] : 0;
}
function moved(data: Uint8Array, at: u32, i: u32): u32 {
  let k: u32 = i;
  if (at + k < data.length) {
    k = k + 1;
    return data[at + k];
  }
  return 0;
}
function global(data: Uint8Array): u32 {
  return g < data.length ? data[g] : 0;
}
export function main(): void {
  printInt(global(DATA));
  print(" ");
  printInt(moved(DATA, 0, 1));
  print(" ");
  printInt(other(DATA, 0));
  print(" ");
  printInt(moved(DATA, 1, 1));
}`,
    );
    const c = await runC(entry);
    expect(c.source).toContain("data.ptr[TSB_INDEX_ADD(at, 2u, data.len)]");
    expect(c.source).toContain("data.ptr[TSB_INDEX_ADD(at, k, data.len)]");
    expect(c.source).toContain("data.ptr[TSB_INDEX(index_sum_kept_g, data.len)]");
    expect(c.output).toBe("5 7 7 PANIC 2 test/.gen/index_sum_kept.ts:11 index out of bounds\n");
    expect(await runChecked(entry)).toBe(c.output);
  });
});

describe("reads at base + 0 … base + k in one quiet expression: one bounds check", () => {
  // b[at] | b[at + 1] << 8 | …: nothing in the expression but reads and arithmetic, so it stops only on a
  // bounds trap at its line, and it does exactly when the largest index is out: one check of at + k.
  const readU32 = `function readU32(b: Uint8Array, at: u32): u32 {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}`;
  it("in bounds the same value, out of bounds the same trap at the same line (the carry of 2^32 - 1 + 3 too)", async () => {
    for (const [name, at] of [["in", "2"], ["last", "3"], ["past", "4"], ["wrap", "0xffffffff"]] as const) {
      const entry = writeProgram(
        `grouped_reads_${name}`,
        `const DATA = new Uint8Array([1, 2, 3, 4, 5, 6]);
${readU32}
export function main(): void {
  printInt(readU32(DATA, 0));
  print(" ");
  printInt(readU32(DATA, ${at}));
}`,
      );
      const c = await runC(entry);
      expect(c.source).toContain("return ((void)TSB_INDEX_ADD(at, 3u, b.len), ((((uint32_t)b.ptr[at] | ((uint32_t)b.ptr[(at + 1u)] << 8))");
      const node = await runChecked(entry);
      expect(c.output).toBe(node);
      expect(c.output).toBe(name === "in" ? "67305985 100992003" : `67305985 PANIC 2 test/.gen/grouped_reads_${name}.ts:4 index out of bounds\n`);
    }
  });

  it("a ?: or a call in the expression keeps a check per read: Node may not read the far element", async () => {
    const entry = writeProgram(
      "grouped_reads_kept",
      `const DATA = new Uint8Array([1, 2, 3]);
let bias: u32 = 0;
function currentBias(): u32 {
  return bias;
}
function maybe(b: Uint8Array, at: u32, far: boolean): u32 {
  return b[at] + (far ? b[at + 3] : b[at + 1]);
}
function called(b: Uint8Array, at: u32): u32 {
  return b[at] + currentBias() + b[at + 1];
}
export function main(): void {
  printInt(maybe(DATA, 1, false));
  print(" ");
  printInt(called(DATA, 1));
  print(" ");
  printInt(maybe(DATA, 0, true));
}`,
    );
    const c = await runC(entry);
    expect(c.source).not.toContain("(void)TSB_INDEX");
    expect(c.output).toBe("5 5 PANIC 2 test/.gen/grouped_reads_kept.ts:8 index out of bounds\n");
    expect(await runChecked(entry)).toBe(c.output);
  });
});

describe("range checks by the bits above the type (TSB_CHECK)", () => {
  // tsb_check_<type> tests the bits of v + offset above the type's width: each type's two ends pass, one
  // past either end traps, as in checked Node.
  const types: [string, bigint, bigint][] = [
    ["u8", 0n, 255n],
    ["u16", 0n, 65535n],
    ["u32", 0n, 4294967295n],
    ["i8", -128n, 127n],
    ["i16", -32768n, 32767n],
    ["i32", -2147483648n, 2147483647n],
  ];
  it.each(types)("%s: both ends stored, one past either end traps at the store's line", async (type, lo, hi) => {
    for (const [side, past] of [["low", lo - 1n], ["high", hi + 1n]] as const) {
      const entry = writeProgram(
        `bits_check_${type}_${side}`,
        `function store(x: i64): ${type} {
  return x;
}
export function main(): void {
  printInt(store(${lo}));
  print(" ");
  printInt(store(${hi}));
  print(" ");
  printInt(store(${past}));
}`,
      );
      const c = await runC(entry);
      expect(c.source).toContain(`TSB_CHECK(${type}, x)`);
      expect(c.output).toBe(`${lo} ${hi} PANIC 1 test/.gen/bits_check_${type}_${side}.ts:3 value out of range for ${type}\n`);
      expect(await runChecked(entry)).toBe(c.output);
    }
  });
});

describe("a call's interval: what the function returns, when narrower than its return type", () => {
  // small() returns -1 or a byte in an i32: `n + 1` of its result fits i32 and needs no check; wide()
  // returns any i32, so the same `n + 1` keeps its check and traps where Node leaves i32. twice() takes
  // nextOfSmall()'s result, found by the second trial pass (-1 … 256): no check either.
  const program = `function small(k: u32): i32 {
  if (k > 300) return -1;
  return k & 0xff;
}
function wide(k: i32): i32 {
  return k;
}
function nextOfSmall(k: u32): i32 {
  const n = small(k);
  if (n < 0) return -1;
  return n + 1;
}
function twice(k: u32): i32 {
  const n = nextOfSmall(k);
  if (n < 0) return 0;
  return n + n;
}
function nextOfWide(k: i32): i32 {
  const n = wide(k);
  if (n < 0) return -1;
  return n + 1;
}
export function main(): void {
  printInt(nextOfSmall(7));
  print(" ");
  printInt(nextOfSmall(301));
  print(" ");
  printInt(twice(255));
  print(" ");
  printInt(nextOfWide(2147483646));
  print(" ");
  printInt(nextOfWide(2147483647));
}`;

  it("drops the check on a result proven small, keeps it on the unprovable neighbour", async () => {
    const entry = writeProgram("return_ranges", program);
    const c = await runC(entry);
    expect(cFunctionBody(c.source, "int32_t", "nextOfSmall")).not.toContain("TSB_CHECK");
    expect(cFunctionBody(c.source, "int32_t", "twice")).not.toContain("TSB_CHECK");
    expect(cFunctionBody(c.source, "int32_t", "nextOfWide")).toContain("TSB_CHECK(i32, ");
    expect(c.output).toBe("8 -1 512 2147483647 PANIC 1 test/.gen/return_ranges.ts:22 value out of range for i32\n");
    expect(await runChecked(entry)).toBe(c.output);
    expect(await runInNode(entry)).toBe("8 -1 512 2147483647 2147483648");
  });
});

describe("a counter bumped at most once per iteration of a for loop needs no check", () => {
  // countOdd's n is at most its loop index i, and i < count <= 2^32-1: n++ cannot leave u32. The neighbours
  // keep the check: countFrom's n starts near 2^32, countTwice's and countNested's grow faster than i.
  const program = `function countOdd(count: u32): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    if ((i & 1) === 1) n++;
  }
  return n;
}
function countFrom(count: u32): u32 {
  let n: u32 = 0xfffffff0;
  for (let i: u32 = 0; i < count; i++) n++;
  return n;
}
function countTwice(count: u32): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    n++;
    n += 1;
  }
  return n;
}
function countNested(count: u32): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    for (let j: u32 = 0; j < 3; j++) n++;
  }
  return n;
}
export function main(): void {
  printInt(countOdd(7));
  print(" ");
  printInt(countTwice(5));
  print(" ");
  printInt(countNested(4));
  print(" ");
  printInt(countFrom(15));
  print(" ");
  printInt(countFrom(16));
}`;

  it("drops the check where the counter is at most the index, keeps it on the unprovable neighbours", async () => {
    const entry = writeProgram("loop_counters", program);
    const c = await runC(entry);
    expect(cFunctionBody(c.source, "uint32_t", "countOdd")).not.toContain("TSB_ADD_U32");
    for (const name of ["countFrom", "countTwice", "countNested"]) expect(cFunctionBody(c.source, "uint32_t", name)).toContain("TSB_ADD_U32(n, 1u)");
    expect(c.output).toBe("3 10 12 4294967295 PANIC 1 test/.gen/loop_counters.ts:11 value out of range for u32\n");
    expect(await runChecked(entry)).toBe(c.output);
    expect(await runInNode(entry)).toBe("3 10 12 4294967295 4294967296");
  });
});

describe("subarray with bounds that cannot be negative (32-bit clamps)", () => {
  it("bounds past the end clamp to the length, end before begin is empty, as in Node", async () => {
    const source = await sameInC(
      "sub32",
      `const DATA = new Uint8Array([1, 2, 3, 4, 5, 6]);
function show(v: Uint8Array): void {
  printInt(v.length);
  if (v.length > 0) {
    print(":");
    printInt(v[0]);
  }
  print(" ");
}
export function cut(begin: u32, end: u32): void {
  show(DATA.subarray(begin, end));
  show(DATA.subarray(begin));
}
export function main(): void {
  cut(1, 4);
  cut(2, 100);
  cut(5, 3);
  cut(0xffffffff, 0xffffffff);
  cut(6, 6);
  const n: i32 = -2;
  show(DATA.subarray(n));
  show(DATA.subarray(1, n));
}`,
    );
    expect(source).toContain("tsb_sub32_u8((tsb_view_u8){sub32_DATA, 6u}, begin, end)");
    expect(source).toContain("tsb_sub32_from_u8((tsb_view_u8){sub32_DATA, 6u}, begin)");
    // A bound that may be negative counts from the end: the int64_t helpers.
    expect(source).toContain("tsb_sub_from_u8(");
    expect(source).toContain("tsb_sub_u8(");
  });
});

describe("checked Node", () => {
  it("reg & ~mask stored into a u32: plain Node stores a negative number; checked Node throws where C traps", async () => {
    const entry = writeProgram(
      "checked_register",
      `let reg: u32 = 0x80000001;
function clearBits(mask: u32): void {
  const value: u32 = reg & ~mask;
  reg = value;
}
export function main(): void {
  clearBits(0x10);
  printInt(reg);
  print("\\n");
}`,
    );
    const plain = await runInNode(entry);
    const c = await runC(entry);
    const checked = await runChecked(entry);
    expect(plain).toBe("-2147483647\n"); // a u32 variable holding a negative number
    expect(c.output).toBe("PANIC 1 test/.gen/checked_register.ts:4 value out of range for u32\n");
    expect(checked).toBe(c.output);
  });

  it("an index the compiler could not prove: plain Node reads undefined, checked Node throws at C's line", async () => {
    const entry = writeProgram(
      "checked_index",
      `const table = new Uint8Array([1, 2, 3]);
export function main(): void {
  for (let i: u32 = 0; i < 5; i++) {
    printInt(table[i]);
    print(" ");
  }
}`,
    );
    expect(await runInNode(entry)).toBe("1 2 3 undefined undefined ");
    const c = await runC(entry);
    expect(c.output).toBe("1 2 3 PANIC 2 test/.gen/checked_index.ts:5 index out of bounds\n");
    expect(await runChecked(entry)).toBe(c.output);
  });

  it("the bootloader's Node suite runs the checked build (test/bootloader/node-run.ts)", async () => {
    const sim = new Simulation(loadBoardLayout("nucleo-f411re"));
    sim.idleLimitUs = 300_000;
    const outcome = await runBootloaderInNode(sim);
    expect(outcome.kind).toBe("idle");
    const { loadedPrograms } = await import("../../runtime/checked");
    expect(loadedPrograms()).toContain("bootloader-ts/main.ts");
  });
});

// ---- compile-time-traps -------------------------------------------------------------------------
//
// Traps found before they reach a board (issue 15, §3): a store whose every possible value leaves its type
// is a compile error (TSB1063, as Zig rejects an overflow it can see); two likely mistakes are warnings
// (TSB2001, TSB2002), which leave the C written unless warnings are errors.

function diagnose(name: string, text: string, warningsAsErrors = false) {
  const entry = writeProgram(name, text);
  const r = compileProgram({ entry, warningsAsErrors });
  return { r, lines: r.diagnostics.map((d) => formatDiagnostic(d, ROOT)) };
}

describe("certain traps are compile errors (TSB1063)", () => {
  it("const a: u8 = 300 in a function, return 256 from a u8 function, an argument, a computed store", () => {
    const { r, lines } = diagnose(
      "traps_certain",
      `function take(x: u16): u16 { return x; }
export function a(): u8 { const a: u8 = 300; return a; }
export function b(): u8 { return 256; }
export function c(): u16 { return take(70000); }
export function d(x: u8): i8 { const y: i8 = x + 200; return y; }`,
    );
    expect(r.ok).toBe(false);
    expect(lines.map((l) => l.split("\n")[0])).toEqual([
      "test/.gen/traps_certain.ts(3,41): error TSB1063: '300' is 300, never inside the u8 range 0..255: this store would always trap.",
      "test/.gen/traps_certain.ts(4,34): error TSB1063: '256' is 256, never inside the u8 range 0..255: this store would always trap.",
      "test/.gen/traps_certain.ts(5,40): error TSB1063: '70000' is 0x11170, never inside the u16 range 0..65535: this store would always trap.",
      "test/.gen/traps_certain.ts(6,46): error TSB1063: 'x + 200' is 200..455, never inside the i8 range -128..127: this store would always trap.",
    ]);
    expect(r.diagnostics[0].suggestion).toContain("u8(300)");
  });

  it("a store that may fit stays a run-time check, and one the flow proves unreachable is not reported", () => {
    const { r, lines } = diagnose(
      "traps_maybe",
      `export function f(x: u16): u8 {
  if (x > 0xffff) { const never: u8 = 300; return never; }
  const maybe: u8 = x;
  return maybe;
}`,
    );
    expect(lines).toEqual([]);
    expect(r.files[0].text).toContain("TSB_CHECK(u8, x)");
  });
});

describe("warnings (TSB2xxx): reported, the C still written", () => {
  const text = `/** @extern hal_port_millis */
function millis(): u32 { return 0; }
export function clear(reg: u32, mask: u32): u32 {
  const next: u32 = reg & ~mask;
  return next;
}
export function expired(start: u32): boolean {
  return millis() - start > 100;
}`;

  it("an int32 bitwise result stored into an unsigned type, and millis() - start compared without a wrap", () => {
    const { r, lines } = diagnose("warn_both", text);
    expect(r.ok).toBe(true);
    expect(r.files.map((f) => f.name)).toEqual(["warn_both.c", "warn_both.h"]);
    expect(lines).toEqual([
      "test/.gen/warn_both.ts(5,21): warning TSB2001: 'reg & ~mask' is a signed int32 in JavaScript (it may be -0x80000000..0x7fffffff); stored into u32 it traps whenever it is negative.\n  suggestion: Convert the bits explicitly: (reg & ~mask) >>> 0",
      "test/.gen/warn_both.ts(9,10): warning TSB2002: 'millis() - start' is negative once the counter wraps past 2^32, so this comparison fails after the wrap.\n  suggestion: Compare the wrapped difference: u32(millis() - start) > 100",
    ]);
  });

  it("the suggested rewrites compile without a warning", () => {
    const { r, lines } = diagnose("warn_fixed", text.replace("reg & ~mask;", "(reg & ~mask) >>> 0;").replace("millis() - start > 100", "u32(millis() - start) > 100"));
    expect(lines).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it("warnings are errors only when asked (API and command line)", async () => {
    expect(diagnose("warn_strict", text, true).r.ok).toBe(false);
    const file = path.join(ROOT, "test/.gen/warn_both.ts");
    const out = path.join(ROOT, "test/.gen/warn_out");
    const run = (args: string[]) => {
      let stderr = "";
      const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
      const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
      try {
        return { code: compileCommand(args), stderr };
      } finally {
        spy.mockRestore();
        stdout.mockRestore();
      }
    };
    const plain = run([file, "-o", out]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain("warning TSB2001");
    const strict = run([file, "-o", out, "--warnings-as-errors"]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/0 error\(s\), 2 warning\(s\); no C written/);
  });
});
