/**
 * Every diagnostic code fires on a minimal program, at the position of the offending construct, in tsc's
 * format, with a suggested rewrite.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { checkCommand } from "../../compiler/cli";
import { compileProgram, formatDiagnostic } from "../../compiler/index";
import { Messages } from "../../compiler/diagnostic-messages";
import { compilerOptions, SUBSET_TSCONFIG } from "../../compiler/program";
import { runC, runChecked, runInNode, writeProgram } from "./harness";

const ROOT = path.resolve(__dirname, "../..");

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

// ---- cascades -----------------------------------------------------------------------------------
//
// Diagnostics that read well (issue 15, §4): one report per mistake, suggestions that fit the code, positions
// in the user's file, and the idioms TypeScript proves exhaustive accepted.

function reported(name: string, text: string): string[] {
  const r = compileProgram({ entry: writeProgram(name, text) });
  return r.diagnostics.map((d) => formatDiagnostic(d, ROOT));
}

describe("no cascades", () => {
  it("let n = 0 is one error, not three (later reads and writes of n are not reported again)", () => {
    const lines = reported("cascade_let", `export function f(): u32 {\n  let n = 0;\n  n = n + 1;\n  return n;\n}`);
    expect(lines).toEqual(["test/.gen/cascade_let.ts(3,7): error TSB1003: Variable 'n' needs a type annotation.\n  suggestion: Write the type, for example 'n: u32'."]);
  });

  it("a rejected const, parameter or function is reported once, not again at each use", () => {
    const lines = reported(
      "cascade_decls",
      `function g(a: string): u32 { return 1; }
export function f(a: u32, b: u32): u32 {
  const t = a % b;
  const u = t + g("x");
  return u + t;
}`,
    );
    expect(lines.map((l) => l.split(":")[1].split("\n")[0].trim()).map((l) => l.split(" ")[1])).toEqual(["TSB1002", "TSB1022"]);
  });

  it("a tsc error is reported once: the subset does not repeat it in its own words", () => {
    const lines = reported("cascade_tsc", `export function f(a: u32): u32 {\n  return missing + a;\n}\nexport function g(): u32 {\n  return null;\n}`);
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => / error TSB1045: TS\d+: /.test(l))).toBe(true);
  });

  it("tsc's missing return and the subset's are one error (the subset's, at the end control reaches)", () => {
    const lines = reported("cascade_return", `export function f(a: u32): u32 {\n  if (a > 1) return 1;\n}`);
    expect(lines).toEqual([expect.stringMatching(/^test\/\.gen\/cascade_return\.ts\(4,1\): error TSB1057: /)]);
  });
});

describe("suggestions and positions", () => {
  it("'as const' does not suggest a wrapping helper", () => {
    const [line] = reported("suggest_as_const", `export function f(): u32 { return 7 as const; }`);
    expect(line).toMatch(/error TSB1037: An 'as const' assertion is not in the tsboot subset\.\n  suggestion: Remove it/);
    expect(line).not.toMatch(/u8\(/);
  });

  it("rt.u8(x) through a namespace import is not called a method", () => {
    const [line] = reported("suggest_namespace", `import * as rt from "../../runtime/index";\nimport type { u8 } from "../../runtime/index";\nexport function f(x: u8): u8 { return rt.u8(x + 1); }`);
    expect(line).toMatch(/error TSB1040: 'rt\.u8' cannot be called in the subset\.\n  suggestion: Import it by its own name and call it directly: import \{ u8 \} from "\.\.\/\.\.\/runtime\/index"; u8\(…\)\./);
    expect(line).not.toMatch(/[Mm]ethod/);
  });

  it("Readonly<…> is reported in the user's file, not in lib.es5.d.ts", () => {
    const lines = reported("suggest_readonly", `export function f(x: Readonly<Uint8Array>): u32 { return 1; }`);
    expect(lines).toEqual([expect.stringMatching(/^test\/\.gen\/suggest_readonly\.ts\(2,22\): error TSB1002: Type 'Readonly<Uint8Array>' is not in the tsboot subset\.\n  suggestion: Drop Readonly<>/)]);
  });

  it("no TypeScript syntax-kind names in messages (typeof, delete, void, spread)", () => {
    const lines = reported("suggest_kinds", `export function f(x: u32): u32 { const t = typeof x; return 1; }`);
    expect(lines).toEqual([expect.stringContaining("error TSB1037: The typeof operator is not in the tsboot subset.")]);
    expect(lines.join("\n")).not.toMatch(/TypeOfExpression/);
  });
});

describe("idioms TypeScript proves exhaustive", () => {
  it("an exhaustive switch over an enum without default, assertNever(x: never), and a switch over a narrowed enum", async () => {
    const entry = writeProgram(
      "idiom_exhaustive",
      `enum Color { Red, Green, Blue }
function assertNever(x: never): never { panic("not a color"); }
function code(c: Color): u32 {
  switch (c) {
    case Color.Red: return 1;
    case Color.Green: return 2;
    case Color.Blue: return 3;
  }
}
function name(c: Color): u32 {
  switch (c) {
    case Color.Red: return 10;
    case Color.Green: return 20;
    case Color.Blue: return 30;
    default: return assertNever(c);
  }
}
function notGreen(c: Color): u32 {
  if (c === Color.Green) return 0;
  switch (c) {
    case Color.Red: return 100;
    case Color.Blue: return 300;
  }
}
export function main(): void {
  printInt(code(Color.Blue) + name(Color.Green) + notGreen(Color.Red) + notGreen(Color.Green)); print("\\n");
}`,
    );
    expect(compileProgram({ entry }).diagnostics).toEqual([]);
    const node = await runInNode(entry);
    expect(node).toBe("123\n");
    const c = await runC(entry);
    expect(c.output).toBe(node);
    expect(await runChecked(entry)).toBe(node);
    expect(c.source).toMatch(/default: TSB_TRAP\(TSB_PANIC_RANGE, "not a member of enum Color"\);/);
  });
});

// ---- check-command ------------------------------------------------------------------------------
//
// The editor sees what the compiler sees (issue 15, §3): `tsboot check [--watch]` prints the subset's
// diagnostics in tsc's format, and tsc-watch's start and end lines, as a program is edited; the editors'
// tsconfig for subset files is the compiler's own options (no Node types).

async function until(read: () => string, pattern: RegExp, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(read())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in:\n${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("tsboot check", () => {
  it("reports errors and warnings in tsc's format and exits 1 on an error", async () => {
    const entry = writeProgram("check_once", `export function f(a: u32): u32 { let n = 0; return a; }`);
    let out = "";
    const code = await checkCommand([entry], { write: (t) => (out += t) });
    expect(code).toBe(1);
    expect(out).toContain("test/.gen/check_once.ts(2,38): error TSB1003: Variable 'n' needs a type annotation.");
    expect(out).toMatch(/tsboot check: Found 1 error\.\n$/);
  });

  it("--watch re-checks when a file of the program changes, with tsc-watch's start and end lines", async () => {
    const entry = writeProgram("check_watch", `export function f(a: u32): u32 { return a; }`);
    let out = "";
    const stop = new AbortController();
    const done = checkCommand([entry, "--watch"], { write: (t) => (out += t), signal: stop.signal });
    await until(() => out, /Starting compilation in watch mode\.\.\.\n[^]*Found 0 errors\. Watching for file changes\./);
    fs.writeFileSync(entry, fs.readFileSync(entry, "utf8").replace("return a;", "return a % a;"));
    await until(() => out, /File change detected\. Starting incremental compilation\.\.\.\n[^]*error TSB1022[^]*Found 1 error\. Watching for file changes\./);
    stop.abort();
    expect(await done).toBe(0);
  });
});

describe("tsconfig", () => {
  it("subset files get the compiler's own options: bootloader-ts/ and runtime/ extend compiler/subset.tsconfig.json", () => {
    for (const dir of ["bootloader-ts", "runtime"]) {
      const config = JSON.parse(fs.readFileSync(path.join(ROOT, dir, "tsconfig.json"), "utf8")) as { extends: string };
      expect(path.resolve(ROOT, dir, config.extends)).toBe(SUBSET_TSCONFIG);
    }
    const options = compilerOptions();
    expect(options.types).toEqual([]); // no @types/node in subset files
    expect(options.lib).toEqual(["lib.es2022.d.ts"]);
    expect(options.strict).toBe(true);
  });
});
