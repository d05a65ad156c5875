/**
 * Traps found before they reach a board (issue 15, §3): a store whose every possible value leaves its type
 * is a compile error (TSB1063, as Zig rejects an overflow it can see); two likely mistakes are warnings
 * (TSB2001, TSB2002), which leave the C written unless warnings are errors.
 */
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { compileCommand } from "../../compiler/cli";
import { compileProgram, formatDiagnostic } from "../../compiler/index";
import { writeProgram } from "./harness";

const ROOT = path.resolve(__dirname, "../..");

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
