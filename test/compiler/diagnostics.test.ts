/**
 * Every diagnostic code fires on a minimal program, at the position of the offending construct, in tsc's
 * format, with a suggested rewrite.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compileProgram, formatDiagnostic } from "../../compiler/index";
import { Messages } from "../../compiler/diagnostic-messages";
import { writeProgram } from "./harness";

/** `@@` marks where the diagnostic must point (it is removed from the program). */
const cases: Record<number, string> = {
  1001: "export function f(x: @@number): void {}",
  1002: "export function f(x: @@string): void {}",
  1003: "export function f(): void { let @@n = 0; }",
  1010: "export function f(): u32 { return @@1.5; }",
  1011: "export function f(): u32 { return u32(@@9007199254740993); }",
  1020: "export function f(a: u32, b: u32): u32 { return u32(@@a * b); }",
  1021: "export function f(a: u32, b: u32): u32 { return @@a / b; }",
  1022: "export function f(a: u32, b: u32): u32 { return @@a % b; }",
  1023: "const buf = new Uint8Array(4);\nexport function f(a: u32): void { buf[0] = @@a; }",
  1024: "export function f(a: u32): u32 { if (@@a) return 1; return 0; }",
  1025: "export function f(a: boolean): void { switch (@@a) { case true: break; } }",
  1030: "export function f(): u32 { const g = @@() => 1; return 0; }",
  1031: "@@class A {}\nexport function f(): void {}",
  1032: "@@function a(n: u32): u32 { return b(n); }\nfunction b(n: u32): u32 { return a(n); }\nexport function f(): u32 { return a(1); }",
  1033: "export function f(): void { @@throw 1; }",
  1034: "@@export async function f(): Promise<void> {}",
  1035: "export function f(): void { const s = @@\"text\"; }",
  1036: "export function f(): void { const a = @@[1, 2]; }",
  1037: "export function f(): void { @@debugger; }",
  1038: "export function f(a: u32): u32 { let b: u32 = 0; return @@b = a; }",
  1039: "function g(): u32 { return 1; }\nlet x: u32 = @@g();\nexport function f(): u32 { return x; }",
  1040: "export function f(): u32 { return @@Math.max(1, 2); }",
  1041: "export function f(@@a?: u32): void {}",
  1042: "export function f(): void { @@outer: while (true) { break outer; } }",
  1043: "export function f(a: u32): void { switch (a) { case 1: @@const b = 2; break; } }",
  1044: "const store = new Uint8Array(2);\nlet keep: Uint8Array = store;\nexport function f(): void { const local = new Uint8Array(4); keep = @@local; }",
  1045: "export function f(): u32 { return @@missing; }",
  1046: "enum E { A, B }\nexport function f(a: u32): void { let e: E = @@a; }",
  1047: "import { declared } from @@\"./diag_declared\";\nexport function f(): void {}",
  1048: "export function f(): void { const t = 1; print(@@`x${t}`); }",
  1049: "export function f(): void { @@var x: u32 = 1; }",
  1050: "interface I { a: u32; }\ninterface O { i: I; }\nconst o: O = { i: { a: 1 } };\nexport function f(): void { @@o.i = o.i; }",
  1051: "export function f(a: u32, b: u32): void { switch (a) { case @@b: break; } }",
  1052: "export function f(): void { @@for (const k in {}) {} }",
  1053: "export function f(a: u32): u32 { return @@a!; }",
  1054: "export function f(a: Uint8Array): u32 { return @@a.subarray().length; }",
  1055: "let x: u8 = @@300;\nexport function f(): u8 { return x; }",
  1056: "interface S { a: u32; }\n/** @extern */\nexport function f(@@s: S): void {}",
  1057: "export function f(a: u32): u32 { if (a > 1) { return 1; } @@}",
  1059: "const a = new Uint8Array(4);\nfunction at(): u32 { return 1; }\nexport function f(): void { @@a[at()] += 1; }",
  1060: "/** @extern hal_thing returns a thing */\nexport function @@f(): u32 { return 1; }",
  1061: "export function f(h: Uint8Array): u32 { return @@h?.length; }",
  1062: "export function f(a: i64): i64 { return @@a >> 16; }",
  1063: "export function f(): u8 { const a: u8 = @@300; return a; }",
  1064: "function assertNever(x: never): never { panic(\"bad\"); }\nexport function f(b: boolean): void { if (b) return; if (!b) return; assertNever(@@b); }",
  2001: "export function f(reg: u32, mask: u32): u32 { const r: u32 = @@reg & ~mask; return r; }",
  2002: "/** @extern */\nfunction millis(): u32 { return 0; }\nexport function f(start: u32): boolean { return @@millis() - start > 100; }",
  1058: "let counter: u32 = 0;\nfunction bump(): u32 { counter = u32(counter + 1); return counter; }\nexport function f(): u32 { return u32(counter + @@bump()); }",
};

describe("every diagnostic code fires at the right place", () => {
  it("covers every code in diagnostic-messages.ts", () => {
    const codes = Object.values(Messages).map((m) => m.code).sort();
    expect(Object.keys(cases).map(Number).sort()).toEqual(codes);
    expect(new Set(codes).size).toBe(codes.length);
  });

  for (const [code, marked] of Object.entries(cases)) {
    it(`TSB${code}`, () => {
      const lines = marked.split("\n");
      const line = lines.findIndex((l) => l.includes("@@"));
      const column = lines[line].indexOf("@@") + 1;
      const header = 'import { u8, u16, u32, i8, i16, i32, i64, print, printInt, panic } from "../../runtime/index";\n';
      if (code === "1047") fs.writeFileSync(path.join(path.dirname(writeProgram("diag_placeholder", "")), "diag_declared.d.ts"), "export declare const declared: number;\n");
      const entry = writeProgram(`diag_${code}`, header + marked.replace("@@", ""));
      const result = compileProgram({ entry });
      const warning = Number(code) >= 2000;
      // A warning leaves the C written; an error does not.
      expect(result.ok).toBe(warning);
      const found = result.diagnostics.find((d) => d.code === Number(code));
      expect(found, result.diagnostics.map((d) => formatDiagnostic(d)).join("\n")).toBeDefined();
      expect({ line: found!.line, column: found!.column }).toEqual({ line: line + 2, column });
      expect(found!.suggestion.length).toBeGreaterThan(0);
      expect(found!.category).toBe(warning ? "warning" : "error");
      expect(formatDiagnostic(found!)).toMatch(new RegExp(`^test/\\.gen/diag_${code}\\.ts\\(${line + 2},${column}\\): ${found!.category} TSB${code}: `));
      // The one complaint, not a cascade: no other diagnostic at all (the programs have one defect each).
      expect(result.diagnostics.map((d) => formatDiagnostic(d))).toHaveLength(1);
    });
  }
});
