/**
 * Shared pieces of the register-model driver tests (test/hal-<family>/drivers.test.ts): build the family's
 * drivers + host register model + named C cases with host gcc, run one case, run a mutant (a broken copy of
 * the drivers), and build the drivers for the target CPU with arm-none-eabi-gcc.
 *
 * The C side follows one convention: `./cases --list` prints the CASE() names in order, `./cases NAME` runs
 * one case and prints "PASS NAME" (exit 0) or "FAIL NAME: ..." (exit 1); the model prints "MODEL FATAL: ..."
 * (exit 3) on an access it cannot model.
 */
import { execa, execaSync } from "execa";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The C every family's model and cases share (test/support/c): case_harness.{h,c} (CHECK, CASE tables, the
 * main() that lists and runs cases), model_report.{h,c} (violations, MODEL FATAL, read counts), and the model
 * pieces that are the same IP on several families: gpio_port.{h,c}, flash_key_lock.{h,c}, usart_tx.{h,c},
 * dma_stream.{h,c}, dma_channel.{h,c}, flash_acr_cache.{h,c}, systick.{h,c}. It is on -I and every .c in it is compiled into every cases binary.
 */
export const SHARED_C_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "c");

/** The flags every C file must be clean under (the brief's), plus C11. */
export const STRICT = ["-std=c11", "-Wall", "-Wextra", "-Wconversion", "-Werror"];

export function onPath(cmd: string): boolean {
  return execaSync("sh", ["-c", `command -v ${cmd}`], { reject: false }).exitCode === 0;
}

/** Case names as defined in a cases.c (`CASE(name)` at the start of a line), in order. */
export function caseNames(casesC: string): string[] {
  return [...fs.readFileSync(casesC, "utf8").matchAll(/^CASE\((\w+)\)/gm)].map((m) => m[1]);
}

export function cSources(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".c"))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * The Cortex-M core's drivers (hal-bindings/cortex-m), which every family's build compiles with its own: the
 * folder beside a family's driver folder, in the tree and in a mutant's copy alike.
 */
export function coreDirBeside(driverDir: string): string {
  return path.join(path.dirname(driverDir), "cortex-m");
}

/** The C files of a family's drivers and of the core's beside them. */
export function driverSources(driverDir: string): string[] {
  return [...cSources(driverDir), ...cSources(coreDirBeside(driverDir))];
}

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tsboot-hal-${tag}-`));
}

export interface ModelBuild {
  /** hal-bindings/include */
  includeDir: string;
  /** the family's drivers (hal-bindings/<family>) */
  driverDir: string;
  /** the register model's folder (test/hal-<family>/model): its .c files are compiled, it is on -I */
  modelDir: string;
  /** the cases file */
  casesC: string;
}

function modelFlags(build: ModelBuild, driverDir: string, extra: string[]): string[] {
  return [...STRICT, ...extra, "-DTSBOOT_REG_MODEL", `-I${build.includeDir}`, `-I${coreDirBeside(driverDir)}`, `-I${driverDir}`, `-I${build.modelDir}`, `-I${SHARED_C_DIR}`];
}

/** The C files of the test side of a cases binary: the family's model and cases, and the shared C. */
function testSources(build: ModelBuild): string[] {
  return [...cSources(build.modelDir), build.casesC, ...cSources(SHARED_C_DIR)];
}

/**
 * Compiles drivers (from driverDir, which may be a mutant copy) + model + cases; returns the binary. With
 * `prebuilt` (from prebuildModel), the model and the cases are linked from those objects instead.
 */
export async function buildCases(
  build: ModelBuild,
  dir: string,
  driverDir: string,
  extra: string[] = [],
  prebuilt?: string[],
): Promise<string> {
  const out = path.join(dir, "cases");
  const rest = prebuilt ?? testSources(build);
  await execa("gcc", [...modelFlags(build, driverDir, extra), ...driverSources(driverDir), ...rest, "-o", out]);
  return out;
}

/** The model and the cases compiled once into dir, for the mutants (only their drivers change). */
export async function prebuildModel(build: ModelBuild, dir: string, extra: string[]): Promise<string[]> {
  const objects: string[] = [];
  for (const src of testSources(build)) {
    const obj = path.join(dir, path.basename(src) + ".o");
    await execa("gcc", [...modelFlags(build, build.driverDir, extra), "-c", src, "-o", obj]);
    objects.push(obj);
  }
  return objects;
}

/** Mutants are built with -O1 and without the unused-code warnings a mutation can cause. */
export const MUTANT_FLAGS = ["-O1", "-Wno-unused-function", "-Wno-unused-variable", "-Wno-unused-parameter",
  "-Wno-unused-but-set-variable"];

/** AddressSanitizer/UBSan when this gcc can link them; the cases are the same either way. */
export async function sanitizerFlags(dir: string): Promise<string[]> {
  const flags = ["-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"];
  const probe = path.join(dir, "probe.c");
  fs.writeFileSync(probe, "int main(void) { return 0; }\n");
  const r = await execa("gcc", [...flags, probe, "-o", path.join(dir, "probe")], { reject: false });
  return r.exitCode === 0 ? flags : ["-O1"];
}

export async function runCase(bin: string, name: string) {
  return execa(bin, [name], { reject: false, timeout: 120_000, all: true });
}

export interface Mutant {
  name: string;
  /** a file of the family's driver folder or of the core's (hal-bindings/cortex-m) */
  file: string;
  from: string;
  to: string;
  /** the case that must fail */
  caughtBy: string;
}

/**
 * Builds a copy of the drivers with one mutation and runs the case that must catch it. Returns what the
 * test asserts on: whether the mutation text was found exactly once, and the case's result.
 */
export async function runMutant(build: ModelBuild, m: Mutant, prebuilt?: string[]) {
  const dir = tempDir("mutant");
  try {
    const copy = path.join(dir, "drivers");
    fs.cpSync(build.driverDir, copy, { recursive: true });
    fs.cpSync(coreDirBeside(build.driverDir), coreDirBeside(copy), { recursive: true });
    const file = [copy, coreDirBeside(copy)].map((d) => path.join(d, m.file)).find((f) => fs.existsSync(f)) ?? path.join(copy, m.file);
    const text = fs.readFileSync(file, "utf8");
    const occurrences = text.split(m.from).length - 1;
    if (occurrences !== 1) {
      return { occurrences, exitCode: -1, output: "" };
    }
    fs.writeFileSync(file, text.replace(m.from, m.to));
    const bin = await buildCases(build, dir, copy, MUTANT_FLAGS, prebuilt);
    const r = await runCase(bin, m.caughtBy);
    return { occurrences, exitCode: r.exitCode ?? -1, output: r.all ?? "" };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Compiles each driver for the target CPU; returns the object files (in dir). */
export async function crossCompile(
  build: ModelBuild,
  dir: string,
  cpuFlags: string[],
  extra: string[] = [],
): Promise<string[]> {
  const objects: string[] = [];
  for (const src of driverSources(build.driverDir)) {
    const obj = path.join(dir, path.basename(src) + ".o");
    await execa("arm-none-eabi-gcc", [
      ...cpuFlags,
      ...STRICT,
      "-Wpedantic",
      ...extra,
      `-I${build.includeDir}`,
      `-I${coreDirBeside(build.driverDir)}`,
      `-I${build.driverDir}`,
      "-c",
      src,
      "-o",
      obj,
    ]);
    objects.push(obj);
  }
  return objects;
}

/** text + data + bss of an object file, as arm-none-eabi-size reports them. */
export async function objectSize(obj: string): Promise<{ text: number; data: number; bss: number }> {
  const r = await execa("arm-none-eabi-size", [obj]);
  const [text, data, bss] = r.stdout.trim().split("\n")[1].trim().split(/\s+/).map(Number);
  return { text, data, bss };
}
