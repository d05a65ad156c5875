/**
 * The subset's 64-bit integer (docs/subset.md §3a): i64 values within ±(2^53-1), Float64Array storage,
 * checked arithmetic (a trap where the exact result leaves the range, in C and in checked Node at the same
 * line), shr64 and mulHigh32. The first program is TweetNaCl's field multiplication for Ed25519, written
 * as TweetNaCl writes it, and checked against BigInt arithmetic modulo 2^255 - 19.
 */
import { describe, expect, it } from "vitest";
import { compileProgram, formatDiagnostic } from "../../compiler/index";
import { runC, runChecked, runInNode, writeProgram } from "./harness";

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
