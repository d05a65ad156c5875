// The two C versions that `npm run bench` compares must compute what the subset modules compute in Node:
// - the hand-written C in bench/reference-c (the size baseline), or the size comparison would be unfair;
// - the C that the tsboot compiler makes of bootloader-ts/lib/crc32.ts and sha256.ts (when compiler/index.ts
//   exists), driven by the same host driver bench/reference-c/host-check.c.
// Built with the host C compiler; skipped when there is none.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { crc32, crc32Finish, crc32Init, crc32Update } from "../../bootloader-ts/lib/crc32";
import { sha256 } from "../../bootloader-ts/lib/sha256";
import { bytes, EDGE_LENGTHS } from "./split";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CC = process.env.CC ?? "cc";
const haveCc = !spawnSync(CC, ["--version"]).error;

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
const h32 = (v: number) => v.toString(16).padStart(8, "0");

function expected(data: Uint8Array, split: number): string {
  const out = new Uint8Array(32);
  sha256(data, out);
  const crc = crc32Update(crc32Update(crc32Init(), data.subarray(0, split)), data.subarray(split));
  return `${h32(crc32(data))} ${h32(crc32Finish(crc))} ${hex(out)} ${hex(out)}`;
}

function cases(): { data: Uint8Array; split: number }[] {
  const list: { data: Uint8Array; split: number }[] = EDGE_LENGTHS.map((n) => ({
    data: Uint8Array.from({ length: n }, (_, i) => (i * 29 + 3) & 0xff),
    split: n >> 1,
  }));
  list.push(...fc.sample(fc.tuple(bytes(), fc.nat()).map(([data, s]) => ({ data, split: s % (data.length + 1) })),
    { numRuns: 300, seed: 20261125 }));
  return list;
}

/** Builds host-check.c with the given crc32/sha256 C files and checks its answers against Node's. */
function buildAndCompare(sources: string[], includeDirs: string[], dir: string, extraFlags: string[] = []): void {
  const exe = path.join(dir, "host-check");
  const rt = path.join(ROOT, "compiler", "c");
  const build = spawnSync(CC, [
    "-std=c11", "-O2", "-Wall", "-Wextra", ...extraFlags, ...[...includeDirs, rt].map((d) => `-I${d}`),
    ...sources, path.join(ROOT, "bench", "reference-c", "host-check.c"), path.join(rt, "tsboot_host.c"), "-o", exe,
  ], { encoding: "utf8" });
  expect(build.status, `host build failed:\n${build.stderr}`).toBe(0);

  const list = cases();
  const input = list.map((c) => `${c.data.length ? hex(c.data) : "-"} ${c.split}\n`).join("");
  const run = spawnSync(exe, [], { input, encoding: "utf8", maxBuffer: 64 << 20 });
  expect(run.status, run.stderr).toBe(0);
  const lines = run.stdout.trim().split("\n");
  expect(lines.length).toBe(list.length);
  list.forEach((c, i) => expect(lines[i], `case ${i} (length ${c.data.length})`).toBe(expected(c.data, c.split)));
}

describe.skipIf(!haveCc)(`C builds of CRC-32 and SHA-256 (host)${haveCc ? "" : " (skipped: host cc is not on PATH)"}`, () => {
  it("bench/reference-c computes what the subset modules compute, in one call and in two chunks", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tsboot-refc-"));
    try {
      const ref = path.join(ROOT, "bench", "reference-c");
      // -Werror and UBSan: the hand-written baseline is held to clean, defined C.
      buildAndCompare([path.join(ref, "crc32.c"), path.join(ref, "sha256.c")], [], dir,
        ["-Werror", "-fsanitize=undefined", "-fno-sanitize-recover=undefined"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const compilerIndex = path.join(ROOT, "compiler", "index.ts");
  it.skipIf(!existsSync(compilerIndex))(`the compiled subset modules compute what they compute in Node${existsSync(compilerIndex) ? "" : " (skipped: the compiler is not in this checkout)"}`, async () => {
    type Compile = (o: { entry: string }) => {
      ok: boolean;
      diagnostics: { file: string; line: number; column: number; code: number; message: string }[];
      files: { name: string; text: string }[];
    };
    const { compileProgram } = (await import(pathToFileURL(compilerIndex).href)) as { compileProgram: Compile };
    const dir = mkdtempSync(path.join(tmpdir(), "tsboot-subsetc-"));
    try {
      const sources: string[] = [];
      for (const m of ["crc32", "sha256"]) {
        const result = compileProgram({ entry: path.join(ROOT, "bootloader-ts", "lib", `${m}.ts`) });
        const why = result.diagnostics.map((d) => `${d.file}(${d.line},${d.column}) TSB${d.code}: ${d.message}`).join("\n");
        expect(result.ok, why).toBe(true);
        for (const f of result.files) writeFileSync(path.join(dir, path.basename(f.name)), f.text);
        sources.push(path.join(dir, `${m}.c`));
      }
      buildAndCompare(sources, [dir], dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
