/**
 * The editor sees what the compiler sees (issue 15, §3): `tsboot check [--watch]` prints the subset's
 * diagnostics in tsc's format, and tsc-watch's start and end lines, as a program is edited; the editors'
 * tsconfig for subset files is the compiler's own options (no Node types).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { checkCommand } from "../../compiler/cli";
import { compilerOptions, SUBSET_TSCONFIG } from "../../compiler/program";
import { writeProgram } from "./harness";

const ROOT = path.resolve(__dirname, "../..");

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
