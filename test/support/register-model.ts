/**
 * Shared pieces of the register-model driver tests (test/hal-<family>/drivers.test.ts): build the family's
 * drivers, its model and its named C cases with host gcc under the brief's flags, run one case, and build
 * mutants (copies of the drivers with one deliberate bug) that a named case must catch.
 */
import { execa, execaSync } from "execa";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** The flags every C file here must be clean under (the brief's), plus C11. */
export const STRICT = ["-std=c11", "-Wall", "-Wextra", "-Wconversion", "-Werror"];

export function onPath(cmd: string): boolean {
  return execaSync("sh", ["-c", `command -v ${cmd}`], { reject: false }).exitCode === 0;
}

/** The .c files of a directory, sorted. */
export function cSources(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".c"))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Case names as defined by CASE(name) in a cases.c, in file order. */
export function caseNames(casesFile: string): string[] {
  return [...fs.readFileSync(casesFile, "utf8").matchAll(/^CASE\((\w+)\)/gm)].map((m) => m[1]);
}

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tsboot-hal-${tag}-`));
}

/** AddressSanitizer/UBSan when this gcc can link them; the cases are the same either way. */
export async function sanitizerFlags(dir: string): Promise<string[]> {
  const flags = ["-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"];
  const probe = path.join(dir, "probe.c");
  fs.writeFileSync(probe, "int main(void) { return 0; }\n");
  const r = await execa("gcc", [...flags, probe, "-o", path.join(dir, "probe")], { reject: false });
  return r.exitCode === 0 ? flags : ["-O1"];
}

export interface ModelBuild {
  /** Include directories (the API header, the family's drivers, the model). */
  includes: string[];
  /** Sources or objects to compile and link: drivers, model, cases. */
  inputs: string[];
  /** Extra flags (optimisation, sanitizers). */
  extra?: string[];
}

/** Compiles with -DTSBOOT_REG_MODEL and links into `out`. */
export async function buildModelProgram(out: string, build: ModelBuild): Promise<string> {
  await execa("gcc", [
    ...STRICT,
    ...(build.extra ?? []),
    "-DTSBOOT_REG_MODEL",
    ...build.includes.map((d) => `-I${d}`),
    ...build.inputs,
    "-o",
    out,
  ]);
  return out;
}

/** Compiles sources to objects in `dir` (one gcc per file, so a later link can reuse them). */
export async function compileObjects(
  dir: string,
  sources: string[],
  build: Omit<ModelBuild, "inputs">,
): Promise<string[]> {
  const objects: string[] = [];
  for (const src of sources) {
    const obj = path.join(dir, `${path.basename(src)}.o`);
    await execa("gcc", [
      ...STRICT,
      ...(build.extra ?? []),
      "-DTSBOOT_REG_MODEL",
      ...build.includes.map((d) => `-I${d}`),
      "-c",
      src,
      "-o",
      obj,
    ]);
    objects.push(obj);
  }
  return objects;
}

export async function runCase(bin: string, name: string) {
  return execa(bin, [name], { reject: false, timeout: 60_000, all: true });
}

export interface Mutant {
  name: string;
  /** A file of the drivers' directory. */
  file: string;
  from: string;
  to: string;
  /** The case that must fail on it. */
  caughtBy: string;
}

/**
 * Copies the drivers' directory into dir/drivers with the mutation applied and returns the copy's path.
 * Throws unless `from` occurs exactly once, so a refactor cannot silently turn a mutant into a no-op.
 */
export function mutatedCopy(driverDir: string, dir: string, m: Mutant): string {
  const copy = path.join(dir, "drivers");
  fs.cpSync(driverDir, copy, { recursive: true });
  const file = path.join(copy, m.file);
  const text = fs.readFileSync(file, "utf8");
  const count = text.split(m.from).length - 1;
  if (count !== 1) {
    throw new Error(`mutant "${m.name}": its text occurs ${count} times in ${m.file}, not once`);
  }
  fs.writeFileSync(file, text.replace(m.from, m.to));
  return copy;
}
