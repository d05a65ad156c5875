/**
 * The "at most the loop index" flow fact (flow.ts) on random loops: counters that start anywhere, grow by
 * 1 or 2, once or conditionally, in inner loops or after a `continue`, with indexes that step by 1 or 2 or
 * are bumped in the body. Each program runs in C and checked Node, and an oracle (the same program in plain
 * Node, every store through a helper that stops where a value leaves u32) says what they must print: where
 * the compiler dropped a check, the counter cannot leave u32.
 */
import { describe, expect, it } from "vitest";
import { runC, runChecked, runInNode, writeProgram } from "./harness";

/** A small deterministic generator (xorshift32), so a failure replays. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

const STARTS = ["0", "3", "0xfffffff0", "0xfffffffd", "start"];
/**
 * The index starts at `start`, 2 past it, or near 2^32 (next to the counters that start there, so a bound
 * the compiler got wrong would show within a few iterations); every call keeps count - start small, so
 * each loop ends soon.
 */
const INDEX_STARTS = ["start", "start + 2", "0xfffffff0", "0xfffffff6"];
/**
 * Each piece as the program has it and as the oracle has it: the oracle is plain Node with every store to
 * c or i through exact(), which stops where a value leaves u32, naming the line (what checked semantics
 * require, computed without the compiler, whose ranges decide the checks of C and checked Node alike).
 */
const UPDATES: [string, string][] = [
  ["i++", "i = exact(i + 1, LINE)"],
  ["i += 2", "i = exact(i + 2, LINE)"],
  ["i = i + 1", "i = exact(i + 1, LINE)"],
];
const BODY: [string, string][] = [
  ["c++;", "c = exact(c + 1, LINE);"],
  ["c += 2;", "c = exact(c + 2, LINE);"],
  ["c = c + 1;", "c = exact(c + 1, LINE);"],
  ["if ((i & 1) === 1) c++;", "if ((i & 1) === 1) c = exact(c + 1, LINE);"],
  ["if (c > 5) continue;", "if (c > 5) continue;"],
  ["for (let j: u32 = 0; j < 2; j++) c++;", "for (let j: u32 = 0; j < 2; j++) c = exact(c + 1, LINE);"],
  ["if (i + 1 < count) i++;", "if (i + 1 < count) i = exact(i + 1, LINE);"],
  ["c = u32(c + 0);", "c = exact(u32(c + 0), LINE);"],
];
const ORACLE_HELPER = `function exact(value: number, line: number): u32 {
  if (value > 0xffffffff) panic(\`line \${line}\`);
  return value;
}`;

/** One function, as the program and as the oracle (the same lines, LINE filled in by program()). */
function loopFunction(name: string, pick: (n: number) => number): [string, string] {
  const body: [string, string][] = [];
  const statements = 1 + pick(3);
  for (let s = 0; s < statements; s++) body.push(BODY[pick(BODY.length)]);
  const start = STARTS[pick(STARTS.length)];
  const indexStart = INDEX_STARTS[pick(INDEX_STARTS.length)];
  const update = UPDATES[pick(UPDATES.length)];
  const text = (k: 0 | 1) => `function ${name}(count: u32, start: u32): u32 {
  let c: u32 = ${start};
  for (let i: u32 = ${indexStart}; i < count; ${update[k]}) {
${body.map((b) => `    ${b[k]}`).join("\n")}
  }
  return c;
}`;
  return [text(0), text(1)];
}

/** The program text and the oracle's, line for line (the oracle's helper comes after main). */
function program(fns: [string, string][], calls: string[], header: number): [string, string] {
  const main = `export function main(): void {\n${calls.join("\n")}\n}\n`;
  const real = `${fns.map((f) => f[0]).join("\n")}\n${main}`;
  const oracle = `${fns.map((f) => f[1]).join("\n")}\n${main}${ORACLE_HELPER}\n`
    .split("\n")
    .map((line, n) => line.replace(/LINE/g, String(n + 1 + header)))
    .join("\n");
  return [real, oracle];
}

/** "PANIC 1 test/.gen/x.ts:12 value out of range for u32" (C) and "PANIC panic: line 12" (the oracle) alike. */
function normalized(output: string): string {
  return output.replace(/PANIC 1 \S+:(\d+) value out of range for u32/, "PANIC line $1").replace("PANIC panic: line", "PANIC line");
}

describe("loop counters bounded by the index (random loops)", () => {
  it("C computes what checked Node computes, or traps at the same line", async () => {
    // TSBOOT_LOOP_SEED and TSBOOT_LOOP_PROGRAMS explore further (CI runs the fixed seed).
    const pick = rng(Number(process.env.TSBOOT_LOOP_SEED ?? 20261130));
    const programs = Number(process.env.TSBOOT_LOOP_PROGRAMS ?? 8);
    let unchecked = 0;
    let traps = 0;
    for (let p = 0; p < programs; p++) {
      const fns: [string, string][] = [];
      const calls: string[] = [];
      for (let f = 0; f < 4; f++) {
        fns.push(loopFunction(`loop${f}`, pick));
        const [count, start] = [[0, 0], [5, 0], [17, 1], [0xfffffffe, 0xfffffff0], [0xffffffff, 0xfffffff4]][pick(5)];
        calls.push(`  printInt(loop${f}(${count}, ${start}));\n  print(" ");`);
      }
      const [text, oracleText] = program(fns, calls, 1);
      const entry = writeProgram(`loop_counters_${p}`, text);
      const oracle = writeProgram(`loop_counters_${p}_oracle`, oracleText);
      // A store that would trap on every path is a compile error (TSB1063), not a program to run.
      const c = await runC(entry).catch((e: Error) => {
        const codes = e.message.match(/error TSB\d+/g) ?? [];
        if (codes.length > 0 && codes.every((code) => code === "error TSB1063")) return null;
        throw e;
      });
      if (c === null) continue;
      const expected = normalized(await runInNode(oracle));
      expect(normalized(c.output), `${c.source}\n--- oracle ---\n${oracleText}`).toBe(expected);
      expect(await runChecked(entry)).toBe(c.output);
      unchecked += (c.source.match(/^\s*c(\+\+| = \(?c \+)/gm) ?? []).length;
      if (c.output.includes("PANIC")) traps++;
    }
    if (process.env.TSBOOT_LOOP_PROGRAMS) console.log(`loop counters: ${programs} programs, ${unchecked} counter updates without a check, ${traps} programs that trap`);
    // The rule must be exercised both ways: counters whose check went, and programs that trap.
    expect(unchecked).toBeGreaterThan(0);
    expect(traps).toBeGreaterThan(0);
  }, 120_000);
});
