/**
 * The compiler never throws and never reports an internal error: malformed and out-of-subset programs
 * (valid programs with random slices deleted, duplicated or replaced by other constructs) get diagnostics.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileProgram, formatDiagnostic } from "../../compiler/index";
import { Messages } from "../../compiler/diagnostic-messages";
import { writeProgram } from "./harness";

const ROOT = path.resolve(__dirname, "../..");
const seeds = [
  "test/compiler/programs/basic.ts",
  "bootloader-ts/lib/crc32.ts",
  "bootloader-ts/lib/sha256.ts",
].map((f) => fs.readFileSync(path.join(ROOT, f), "utf8").replace(/from "(\.\.\/)+runtime\/index"/g, 'from "../../runtime/index"'));

const fragments = [
  "class X {}", "() => 1", "any", "number", "string", "1.5", "null", "undefined", "{", "}", "(", ")", ";", "[", "]",
  "throw 1;", "try {} finally {}", "async ", "function* g() {}", "x as u8", "\"s\"", "`t`", "new Array(3)", "[1, 2]",
  "{ a: 1 }", "var v = 1;", "label: ", "for (const k in {}) {}", "9007199254740993", "0x", "a!", "?.", "??", "**",
  "typeof x", "delete x", "void 0", "let", "const", "enum", "interface", "export", "import", "=>", "...", "@x",
];

const mutation = fc.tuple(fc.nat(seeds.length - 1), fc.nat(), fc.nat(200), fc.oneof(fc.constantFrom(...fragments), fc.constant(""), fc.string({ maxLength: 12 })));

const codes = new Set<number>(Object.values(Messages).map((m) => m.code));

describe("the compiler on malformed and out-of-subset programs", () => {
  it("returns diagnostics and never throws or fails internally", () => {
    let index = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        let text = seeds[mutations[0][0]];
        for (const [, at, length, insert] of mutations) {
          const start = at % Math.max(1, text.length);
          text = text.slice(0, start) + insert + text.slice(start + length);
        }
        const entry = writeProgram(`fuzz_${index++ % 8}`, text);
        const result = compileProgram({ entry });
        for (const d of result.diagnostics) {
          expect(codes.has(d.code)).toBe(true);
          expect(formatDiagnostic(d)).not.toMatch(/Internal compiler error/);
          expect(d.line).toBeGreaterThan(0);
          expect(d.column).toBeGreaterThan(0);
        }
        expect(result.ok).toBe(result.diagnostics.length === 0);
      }),
      { numRuns: Number(process.env.TSBOOT_FUZZ_RUNS ?? 100), seed: Number(process.env.TSBOOT_FUZZ_SEED ?? (process.env.TSBOOT_FUZZ_RUNS ? Date.now() % 100000 : 20261125)) },
    );
  });
});
