/**
 * Over-strict rules that rejected ordinary, safe code (issue 15, §2): each program is now accepted and
 * computes in C, and in checked Node, what it computes in Node.
 */
import { describe, expect, it } from "vitest";
import { compileProgram, formatDiagnostic } from "../../compiler/index";
import { runC, runChecked, runInNode, writeProgram } from "./harness";

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
