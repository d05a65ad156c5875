/**
 * Runs a generated module in Node: writes it under test/.gen/ (gitignored), imports it (vitest transpiles the
 * .ts), and calls every function on each of its input tuples with the output sink captured.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setOutputSink } from "../../runtime/output";
import type { Module } from "./generate";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const GEN_DIR = path.join(REPO_ROOT, "test", ".gen");

/** One call in Node: the sink's chunks in order (printInt values and the `@k ` tags), then the return or throw. */
export interface NodeCall {
  chunks: string[];
  ret?: number;
  threw?: string;
}

/** Writes the module to test/.gen/<name>.ts and returns its absolute path. */
export function writeModule(mod: Module): string {
  mkdirSync(GEN_DIR, { recursive: true });
  const file = path.join(GEN_DIR, `${mod.name}.ts`);
  writeFileSync(file, mod.text);
  return file;
}

/**
 * results[f][i]: function f on input tuple i. `file` is the module itself (plain Node) or its checked build
 * (<name>.checked.mjs, whose traps end a call with the trap's message).
 */
export async function runNode(mod: Module, file: string): Promise<NodeCall[][]> {
  const ns = (await import(/* @vite-ignore */ file)) as Record<string, (...args: number[]) => unknown>;
  const results: NodeCall[][] = [];
  for (const fn of mod.fns) {
    const f = ns[fn.name];
    if (typeof f !== "function") throw new Error(`${file}: no export ${fn.name}`);
    const calls: NodeCall[] = [];
    for (const input of fn.inputs) {
      const chunks: string[] = [];
      const previous = setOutputSink((text) => chunks.push(text));
      try {
        const ret = f(...input.map(Number));
        if (typeof ret !== "number") throw new Error(`returned ${typeof ret}`);
        calls.push({ chunks, ret });
      } catch (err) {
        calls.push({ chunks, threw: err instanceof Error ? err.message : String(err) });
      } finally {
        setOutputSink(previous);
      }
    }
    results.push(calls);
  }
  return results;
}
