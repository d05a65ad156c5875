/**
 * The defects an outside corpus found (issue 15, §1): each program once compiled to C that printed the
 * wrong text, did not compile, or failed gcc -Werror. Each now gives Node's output in C, and optional
 * chaining is refused with a diagnostic instead of being accepted silently.
 */
import { describe, expect, it } from "vitest";
import { compileProgram, formatDiagnostic } from "../../compiler/index";
import { runC, runChecked, runInNode, writeProgram } from "./harness";

async function sameInC(name: string, text: string): Promise<string> {
  const entry = writeProgram(name, text);
  const node = await runInNode(entry);
  const c = await runC(entry);
  expect(c.exitCode).toBe(0);
  expect(c.output).toBe(node);
  expect(await runChecked(entry)).toBe(node);
  return c.source;
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
