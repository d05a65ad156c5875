/**
 * One differential run of a module: Node run → expected transcripts; compile → gcc → C run; compare.
 * The compile step is a parameter so the harness can be checked against a hand-written C translation.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { expectedTranscript, normalizeC } from "./expect";
import type { FnInfo, Module } from "./generate";
import { buildAndRunC } from "./run-c";
import { GEN_DIR, runNode, writeModule } from "./run-node";

export interface CompileOutcome {
  ok: boolean;
  /** Formatted diagnostics (`file(line,col): error TSBnnnn: message`). */
  diagnostics: string[];
  files: { name: string; text: string }[];
}
export type Compile = (entry: string) => Promise<CompileOutcome>;

export interface Mismatch {
  fn: number;
  input: number;
  expected: string;
  actual: string;
}

export type BatchResult =
  | { kind: "pass"; calls: number }
  /** compileProgram threw. */
  | { kind: "threw"; error: string }
  /** compileProgram returned ok === false or some diagnostics. */
  | { kind: "rejected"; ok: boolean; diagnostics: string[] }
  /** gcc failed, or the C program crashed / timed out. */
  | { kind: "c-failure"; message: string; mismatches: Mismatch[] }
  | { kind: "mismatch"; mismatches: Mismatch[]; calls: number };

let counter = 0;
/** A fresh module name (a new file each time: Node caches imports by path). */
export const freshModuleName = (prefix = "d") => `${prefix}${process.pid}_${counter++}`;

export async function runBatch(mod: Module, compile: Compile, keep = false): Promise<BatchResult> {
  const entry = writeModule(mod);
  const node = await runNode(mod, entry);
  const expected = mod.fns.map((fn, f) => fn.inputs.map((_, i) => expectedTranscript(fn, node[f]![i]!)));

  let out: CompileOutcome;
  try {
    out = await compile(entry);
  } catch (err) {
    return { kind: "threw", error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  if (!out.ok || out.diagnostics.length > 0) return { kind: "rejected", ok: out.ok, diagnostics: out.diagnostics };

  const dir = path.join(GEN_DIR, mod.name);
  const c = await buildAndRunC(mod, out.files, dir);
  const mismatches: Mismatch[] = [];
  let calls = 0;
  mod.fns.forEach((fn, f) =>
    fn.inputs.forEach((_, i) => {
      calls++;
      const line = c.lines[f]![i];
      const actual = line === undefined ? "(no output)" : normalizeC(line);
      if (actual !== expected[f]![i]) mismatches.push({ fn: f, input: i, expected: expected[f]![i]!, actual });
    }),
  );
  if (c.failure !== undefined) return { kind: "c-failure", message: c.failure, mismatches };
  if (mismatches.length > 0) return { kind: "mismatch", mismatches, calls };
  if (!keep) {
    rmSync(dir, { recursive: true, force: true });
    rmSync(entry, { force: true });
  }
  return { kind: "pass", calls };
}

export function describeInputs(fn: FnInfo, input: number): string {
  return `${fn.name}(${fn.inputs[input]!.map((v, i) => `${v} as ${fn.params[i]}`).join(", ")})`;
}

/** A readable account of a failed batch (at most `limit` calls). */
export function describeResult(mod: Module, r: BatchResult, limit = 8): string {
  switch (r.kind) {
    case "pass":
      return "pass";
    case "threw":
      return `compileProgram THREW on ${mod.name}.ts (it must return diagnostics instead):\n${r.error}`;
    case "rejected":
      return (
        `The compiler REJECTED ${mod.name}.ts (ok=${r.ok}, ${r.diagnostics.length} diagnostic(s)), a program the ` +
        `differential generator considers inside the subset: the compiler and the test's oracle ` +
        `(test/differential/intervals.ts, the rules of docs/subset-brief.md) disagree about the rules.\n` +
        r.diagnostics.join("\n")
      );
    case "c-failure":
    case "mismatch": {
      const head =
        r.kind === "c-failure"
          ? `${r.message}\n`
          : `C and Node disagree on ${r.mismatches.length} of ${r.calls} calls in ${mod.name}:\n`;
      const shown = r.mismatches.slice(0, limit).map((m) => {
        const fn = mod.fns[m.fn]!;
        return `  ${describeInputs(fn, m.input)}\n    expected (Node + declared types): ${m.expected}\n    C printed:                        ${m.actual}`;
      });
      const fnsInvolved = [...new Set(r.mismatches.slice(0, limit).map((m) => m.fn))].map((f) => mod.fns[f]!.text);
      return `${head}${shown.join("\n")}${r.mismatches.length > limit ? `\n  … ${r.mismatches.length - limit} more` : ""}\n\n${fnsInvolved.join("\n")}`;
    }
  }
}
