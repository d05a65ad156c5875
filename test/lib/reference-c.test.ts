// The hand-written C in bench/reference-c (the size baseline of `npm run bench`) must compute the same
// CRC-32 and SHA-256 as the subset modules, or the size comparison would be unfair. Built with the host C
// compiler; skipped when there is none.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
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

describe.skipIf(!haveCc)("bench/reference-c (host build)", () => {
  it("computes the same CRC-32 and SHA-256 as the subset modules, in one call and in two chunks", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tsboot-refc-"));
    try {
      const exe = path.join(dir, "host-check");
      const ref = path.join(ROOT, "bench", "reference-c");
      const build = spawnSync(CC, [
        "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", `-I${path.join(ROOT, "compiler", "c")}`,
        path.join(ref, "crc32.c"), path.join(ref, "sha256.c"), path.join(ref, "host-check.c"),
        path.join(ROOT, "compiler", "c", "tsboot_host.c"), "-o", exe,
      ], { encoding: "utf8" });
      expect(build.stderr, "host build of the reference C").toBe("");
      expect(build.status).toBe(0);

      const cases: { data: Uint8Array; split: number }[] = EDGE_LENGTHS.map((n) => ({
        data: Uint8Array.from({ length: n }, (_, i) => (i * 29 + 3) & 0xff),
        split: n >> 1,
      }));
      cases.push(...fc.sample(fc.tuple(bytes(), fc.nat()).map(([data, s]) => ({ data, split: s % (data.length + 1) })),
        { numRuns: 300, seed: 20261125 }));
      const input = cases.map((c) => `${c.data.length ? hex(c.data) : "-"} ${c.split}\n`).join("");
      const run = spawnSync(exe, [], { input, encoding: "utf8", maxBuffer: 64 << 20 });
      expect(run.status).toBe(0);
      const lines = run.stdout.trim().split("\n");
      expect(lines.length).toBe(cases.length);
      cases.forEach((c, i) => expect(lines[i], `case ${i} (length ${c.data.length})`).toBe(expected(c.data, c.split)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
