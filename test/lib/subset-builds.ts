// The three builds of a subset module that the crypto tests compare: the TypeScript itself (plain Node), the
// checked JavaScript the compiler emits (compiler/checked-loader.ts: traps where the C traps), and the C the
// compiler emits, built for the host with -Werror and UBSan around a small driver in test/lib/c/.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const LIB = path.join(ROOT, "bootloader-ts", "lib");
const CC = process.env.CC ?? "cc";
export const haveCc = !spawnSync(CC, ["--version"]).error;

/** The checked-JavaScript build of a subset module (cached under build/checked/ by the loader). */
export async function importChecked<T>(entry: string): Promise<T> {
  const { buildChecked } = await import("../../compiler/checked-loader");
  return (await import(/* @vite-ignore */ pathToFileURL(await buildChecked(entry)).href)) as T;
}

export interface HostBuild {
  exe: string;
  /** Runs the driver with `input` on stdin; returns its stdout lines (throws with stderr on a failure). */
  run(input: string): string[];
  dispose(): void;
}

/**
 * Compiles `entry` with the tsboot compiler and builds it with test/lib/c/<driver> and the host platform
 * (compiler/c/tsboot_host.c) as the compiler's docs say: -std=c11 -Wall -Wextra -Wconversion -Werror, plus
 * UBSan so undefined behaviour in the generated C stops the run instead of passing unnoticed.
 */
export async function buildHostC(entry: string, driver: string, optimize = "-O2"): Promise<HostBuild> {
  const { compileProgram, formatAll } = await import("../../compiler/index");
  const dir = mkdtempSync(path.join(tmpdir(), "tsboot-crypto-"));
  const result = compileProgram({ entry, sourceRoot: ROOT });
  if (!result.ok) throw new Error(`${path.relative(ROOT, entry)} does not compile:\n${formatAll(result)}`);
  for (const f of result.files) writeFileSync(path.join(dir, path.basename(f.name)), f.text);
  const rt = path.join(ROOT, "compiler", "c");
  const exe = path.join(dir, "driver");
  const build = spawnSync(CC, [
    "-std=c11", optimize, "-Wall", "-Wextra", "-Wconversion", "-Werror",
    "-fsanitize=undefined", "-fno-sanitize-recover=undefined",
    `-I${dir}`, `-I${rt}`,
    path.join(dir, `${result.moduleName}.c`), path.join(ROOT, "test", "lib", "c", driver), path.join(rt, "tsboot_host.c"),
    "-o", exe,
  ], { encoding: "utf8" });
  if (build.status !== 0) throw new Error(`host build of ${path.basename(entry)} failed:\n${build.stderr}`);
  return {
    exe,
    run(input: string): string[] {
      const r = spawnSync(exe, [], { input, encoding: "utf8", maxBuffer: 256 << 20 });
      if (r.status !== 0) throw new Error(`${driver} exited with ${r.status}:\n${r.stderr}\n${r.stdout.slice(-2000)}`);
      return r.stdout.trim() === "" ? [] : r.stdout.trim().split("\n");
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A TypeScript runner script in its own Node process (bin/run-ts.mjs: tsx), answering the line protocol.
 * Asynchronous, so that several builds can run at once.
 */
export function runNodeScript(script: string, args: string[], input: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin", "run-ts.mjs"), script, ...args], { cwd: ROOT });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => stdout.push(d));
    child.stderr.on("data", (d: Buffer) => stderr.push(d));
    child.on("error", reject);
    child.on("close", (status) => {
      const text = Buffer.concat(stdout).toString("utf8").trim();
      if (status !== 0) reject(new Error(`${path.basename(script)} ${args.join(" ")} exited with ${status}:\n${Buffer.concat(stderr).toString("utf8")}`));
      else resolve(text === "" ? [] : text.split("\n"));
    });
    child.stdin.end(input);
  });
}

export const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
export const fromHex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
/** A byte string as the drivers read it: hex, or "-" for an empty one. */
export const field = (b: Uint8Array) => (b.length ? hex(b) : "-");
