/**
 * Shared harness for the register-model tests of a family's drivers (test/hal-<family>/drivers.test.ts): build
 * drivers + model + cases with host gcc under the brief's flags, run one named case per process, apply a mutant
 * (a broken copy of the drivers), and cross-compile the drivers for the family's CPU.
 */
import { execa, execaSync } from "execa";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const INCLUDE_DIR = path.join(ROOT, "hal-bindings/include");

/** The flags every C file here must be clean under (the brief's), plus C11. */
export const STRICT = ["-std=c11", "-Wall", "-Wextra", "-Wconversion", "-Werror"];

export function onPath(cmd: string): boolean {
  return execaSync("sh", ["-c", `command -v ${cmd}`], { reject: false }).exitCode === 0;
}

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tsboot-hal-${tag}-`));
}

export function driverSources(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".c"))
    .sort()
    .map((f) => path.join(dir, f));
}

/** AddressSanitizer/UBSan when this gcc can link them; the cases are the same either way. */
export async function sanitizerFlags(dir: string): Promise<string[]> {
  const flags = ["-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"];
  const probe = path.join(dir, "probe.c");
  fs.writeFileSync(probe, "int main(void) { return 0; }\n");
  const r = await execa("gcc", [...flags, probe, "-o", path.join(dir, "probe")], { reject: false });
  return r.exitCode === 0 ? flags : ["-O1"];
}

export interface CaseBuild {
  /** Driver sources' folder (also on the include path: the family's regs header). */
  driverDir: string;
  /** The model's folder (on the include path) and its sources. */
  modelDir: string;
  modelSources: string[];
  casesSource: string;
}

/** Compiles drivers + model + cases into dir/cases with -DTSBOOT_REG_MODEL; returns the binary's path. */
export async function buildCases(dir: string, build: CaseBuild, extra: string[] = []): Promise<string> {
  const out = path.join(dir, "cases");
  await execa("gcc", [
    ...STRICT,
    ...extra,
    "-DTSBOOT_REG_MODEL",
    `-I${INCLUDE_DIR}`,
    `-I${build.driverDir}`,
    `-I${build.modelDir}`,
    ...driverSources(build.driverDir),
    ...build.modelSources,
    build.casesSource,
    "-o",
    out,
  ]);
  return out;
}

export async function runCase(bin: string, name: string) {
  return execa(bin, [name], { reject: false, timeout: 60_000, all: true });
}

/** One deliberate bug in a copy of the drivers, which the named case must catch. */
export interface Mutant {
  name: string;
  file: string;
  from: string;
  to: string;
  caughtBy: string;
}

/**
 * Copies driverDir, applies the mutant (its text must occur exactly once, so a refactor cannot silently turn
 * it into a no-op), builds and runs the case. Returns the run; the caller asserts it failed.
 */
export async function runMutant(build: CaseBuild, mutant: Mutant) {
  const dir = tempDir("mutant");
  try {
    const copy = path.join(dir, "drivers");
    fs.cpSync(build.driverDir, copy, { recursive: true });
    const file = path.join(copy, mutant.file);
    const text = fs.readFileSync(file, "utf8");
    const occurrences = text.split(mutant.from).length - 1;
    if (occurrences !== 1) {
      throw new Error(`mutant "${mutant.name}": its text occurs ${occurrences} times in ${mutant.file}, not once`);
    }
    fs.writeFileSync(file, text.replace(mutant.from, mutant.to));
    // -O0: quicker to build; a mutant may orphan a helper, a parameter or a variable.
    const unused = ["-Wno-unused-function", "-Wno-unused-parameter", "-Wno-unused-variable", "-Wno-unused-but-set-variable"];
    const bin = await buildCases(dir, { ...build, driverDir: copy }, ["-O0", ...unused]);
    return await runCase(bin, mutant.caughtBy);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Cross-compiles each driver; returns the objects' paths in dir. */
export async function crossCompile(dir: string, driverDir: string, cpuFlags: string[], defines: string[]): Promise<string[]> {
  const objects: string[] = [];
  for (const src of driverSources(driverDir)) {
    const obj = path.join(dir, path.basename(src) + ".o");
    await execa("arm-none-eabi-gcc", [...cpuFlags, ...STRICT, "-Wpedantic", ...defines, `-I${INCLUDE_DIR}`, `-I${driverDir}`, "-c", src, "-o", obj]);
    objects.push(obj);
  }
  return objects;
}

/** text + data + bss of an object, as arm-none-eabi-size reports them. */
export async function objectSize(obj: string): Promise<{ text: number; data: number; bss: number }> {
  const r = await execa("arm-none-eabi-size", [obj]);
  const [text, data, bss] = r.stdout.trim().split("\n")[1].trim().split(/\s+/).map(Number);
  return { text, data, bss };
}
