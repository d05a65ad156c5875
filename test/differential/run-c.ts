/**
 * The C side: a driver that calls every compiled function on each of its input tuples, catching panics
 * through tsb_host_panic_target; compiled with the compiler's output and compiler/c/tsboot_host.c by the host
 * gcc (warnings are errors), run once per batch, its output split per call.
 *
 * Driver output, per call: `C <fn> <input>` on one line, then on the next the function's own output followed
 * by `R <value>` (printed by the driver) or by the platform's `PANIC <kind> <file>:<line> <message>`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import type { FnInfo, Module } from "./generate";
import type { IntType } from "./intervals";
import { REPO_ROOT } from "./run-node";

export const C_TYPE: Record<IntType, string> = {
  u8: "uint8_t",
  u16: "uint16_t",
  u32: "uint32_t",
  i8: "int8_t",
  i16: "int16_t",
  i32: "int32_t",
  i64: "int64_t",
};

export const GCC_FLAGS = ["-std=c11", "-O1", "-Wall", "-Wextra", "-Wconversion", "-Werror"];

/** The C module prefix the compiler uses: file basename, non-identifier characters replaced by `_`. */
export const cModuleName = (name: string) => name.replace(/[^A-Za-z0-9_]/g, "_");

/** A C constant expression of the parameter's type for an in-range value. */
export function cLiteral(value: bigint, type: IntType): string {
  if (type === "i64") return `INT64_C(${value})`;
  if (type.startsWith("u")) return `${value}u`;
  if (value === -(2n ** 31n)) return "(-2147483647 - 1)";
  return value < 0n ? `(${value})` : `${value}`;
}

function runner(mod: string, fn: FnInfo): string {
  const params = fn.params.map((t, i) => `${C_TYPE[t]} a${i}`).join(", ");
  const args = fn.params.map((_, i) => `a${i}`).join(", ");
  const inputs = fn.inputs.map((tuple) => `{${tuple.map((v, i) => cLiteral(v, fn.params[i]!)).join(", ")}}`);
  return [
    `static void run_${fn.name}(${params}) {`,
    `  jmp_buf target;`,
    `  tsb_host_panic_target = &target;`,
    `  if (setjmp(target) == 0) {`,
    `    ${C_TYPE[fn.ret]} r = ${mod}_${fn.name}(${args});`,
    `    printf("R %" PRId64 "\\n", (int64_t)r);`,
    `  }`,
    `  tsb_host_panic_target = NULL;`,
    `  fflush(stdout);`,
    `}`,
    `static const struct { ${fn.params.map((t, i) => `${C_TYPE[t]} a${i};`).join(" ")} } in_${fn.name}[] = {`,
    `  ${inputs.join(",\n  ")}`,
    `};`,
  ].join("\n");
}

export function driverSource(mod: Module, fns: FnInfo[] = mod.fns): string {
  const m = cModuleName(mod.name);
  const loops = fns.map((fn, f) => {
    const args = fn.params.map((_, i) => `in_${fn.name}[i].a${i}`).join(", ");
    return [
      `  for (size_t i = 0; i < sizeof in_${fn.name} / sizeof in_${fn.name}[0]; i++) {`,
      `    printf("C ${f} %zu\\n", i);`,
      `    HEADER_TO_STDERR(${f}, i);`,
      `    run_${fn.name}(${args});`,
      `  }`,
    ].join("\n");
  });
  return [
    `/* Differential-test driver for ${mod.name} (test/differential/run-c.ts). */`,
    `#include <inttypes.h>`,
    `#include <setjmp.h>`,
    `#include <stddef.h>`,
    `#include <stdio.h>`,
    `#include "tsboot_rt.h"`,
    `#include "${m}.h"`,
    ``,
    `extern jmp_buf *tsb_host_panic_target;`,
    ``,
    `/* With -DTSB_DIFF_SANITIZE the call headers also go to stderr, to place UBSan's reports. */`,
    `#ifdef TSB_DIFF_SANITIZE`,
    `#define HEADER_TO_STDERR(f, i) (fprintf(stderr, "C %d %zu\\n", (f), (i)), fflush(stderr))`,
    `#else`,
    `#define HEADER_TO_STDERR(f, i) ((void)0)`,
    `#endif`,
    ``,
    ...fns.map((fn) => runner(m, fn)),
    ``,
    `int main(void) {`,
    ...loops,
    `  printf("END\\n");`,
    `  return 0;`,
    `}`,
    ``,
  ].join("\n");
}

export interface CRun {
  /** lines[f][i]: the result line of function f on input i, or undefined when the program never printed it. */
  lines: (string | undefined)[][];
  /** Set when gcc failed or the program did not end normally. */
  failure?: string;
  gccFailed?: boolean;
  /** gcc's messages when it succeeded (warnings, when -Werror is off). */
  gccOutput?: string;
  ub?: UbReport[];
  dir: string;
}

export interface BuildOptions {
  /** -Werror (default true). */
  werror?: boolean;
  /** Also -fsanitize=undefined, reporting undefined behaviour per call (exploration). */
  sanitize?: boolean;
}

/** An undefined-behaviour report from UBSan, placed at the call that caused it. */
export interface UbReport {
  fn: number;
  input: number;
  message: string;
}

/**
 * Writes the compiler's files and the driver into `dir`, compiles with gcc and runs the program.
 * `files` is compileProgram's output (module .c and .h).
 */
export async function buildAndRunC(
  mod: Module,
  files: { name: string; text: string }[],
  dir: string,
  opts: BuildOptions = {},
): Promise<CRun> {
  const werror = opts.werror ?? true;
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(path.join(dir, path.basename(f.name)), f.text);
  writeFileSync(path.join(dir, "driver.c"), driverSource(mod));
  const lines: (string | undefined)[][] = mod.fns.map((fn) => fn.inputs.map(() => undefined));
  const exe = path.join(dir, "prog");
  const cFiles = files.filter((f) => f.name.endsWith(".c")).map((f) => path.join(dir, path.basename(f.name)));
  const gcc = await execa(
    "gcc",
    [...GCC_FLAGS.filter((f) => werror || f !== "-Werror"), ...(opts.sanitize ? ["-fsanitize=undefined", "-DTSB_DIFF_SANITIZE"] : []), "-I", dir, "-I", path.join(REPO_ROOT, "compiler/c"), ...cFiles, path.join(dir, "driver.c"),
      path.join(REPO_ROOT, "compiler/c/tsboot_host.c"), "-o", exe],
    { reject: false, all: true },
  );
  if (gcc.exitCode !== 0) return { lines, dir, gccFailed: true, failure: `gcc failed (exit ${gcc.exitCode}):\n${gcc.all}` };
  const gccOutput = gcc.all ?? "";
  const run = await execa(exe, [], { reject: false, timeout: 60_000, maxBuffer: 256 * 1024 * 1024 });
  const out = run.stdout.split("\n");
  let ended = false;
  for (let k = 0; k < out.length; k++) {
    const header = /^C (\d+) (\d+)$/.exec(out[k]!);
    if (header) {
      const next = out[k + 1];
      if (next !== undefined && !/^C \d+ \d+$/.test(next) && next !== "END") {
        lines[Number(header[1])]![Number(header[2])] = next;
        k++;
      }
    } else if (out[k] === "END") ended = true;
  }
  const ub: UbReport[] = [];
  let at: [number, number] | undefined;
  for (const l of (run.stderr ?? "").split("\n")) {
    const header = /^C (\d+) (\d+)$/.exec(l);
    if (header) at = [Number(header[1]), Number(header[2])];
    else if (at && l.includes("runtime error:")) ub.push({ fn: at[0], input: at[1], message: l });
  }
  const failure =
    run.exitCode !== 0 || !ended
      ? `C program ended abnormally (exit ${run.exitCode}, signal ${run.signal ?? "none"}${run.timedOut ? ", timed out" : ""})`
      : undefined;
  return { lines, dir, failure, gccOutput, ub };
}
