/**
 * The "at most the loop index" flow fact (flow.ts) on random loops: counters that start anywhere, grow by
 * 1 or 2, once or conditionally, in inner loops or after a `continue`, with indexes that step by 1 or 2 or
 * are bumped in the body. Each program runs in Node, checked Node and C: where the compiler dropped a check
 * the counter must not leave u32, so C prints what checked Node prints (a value, or the same trap line).
 */
import { describe, expect, it } from "vitest";
import { runC, runChecked, writeProgram } from "./harness";

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
/** The index starts at `start` or 2 past it; every call keeps count - start small, so each loop ends soon. */
const INDEX_STARTS = ["start", "start + 2"];
const UPDATES = ["i++", "i += 2", "i = i + 1"];
const BODY = [
  "c++;",
  "c += 2;",
  "c = c + 1;",
  "if ((i & 1) === 1) c++;",
  "if (c > 5) continue;",
  "for (let j: u32 = 0; j < 2; j++) c++;",
  "if (i + 1 < count) i++;",
  "c = u32(c + 0);",
];

function loopFunction(name: string, pick: (n: number) => number): string {
  const body: string[] = [];
  const statements = 1 + pick(3);
  for (let s = 0; s < statements; s++) body.push(`    ${BODY[pick(BODY.length)]}`);
  return `function ${name}(count: u32, start: u32): u32 {
  let c: u32 = ${STARTS[pick(STARTS.length)]};
  for (let i: u32 = ${INDEX_STARTS[pick(INDEX_STARTS.length)]}; i < count; ${UPDATES[pick(UPDATES.length)]}) {
${body.join("\n")}
  }
  return c;
}`;
}

describe("loop counters bounded by the index (random loops)", () => {
  it("C computes what checked Node computes, or traps at the same line", async () => {
    // TSBOOT_LOOP_SEED and TSBOOT_LOOP_PROGRAMS explore further (CI runs the fixed seed).
    const pick = rng(Number(process.env.TSBOOT_LOOP_SEED ?? 20261130));
    const programs = Number(process.env.TSBOOT_LOOP_PROGRAMS ?? 8);
    let unchecked = 0;
    let traps = 0;
    for (let p = 0; p < programs; p++) {
      const fns: string[] = [];
      const calls: string[] = [];
      for (let f = 0; f < 4; f++) {
        fns.push(loopFunction(`loop${f}`, pick));
        const [count, start] = [[0, 0], [5, 0], [17, 1], [0xfffffffe, 0xfffffff0], [0xffffffff, 0xfffffff4]][pick(5)];
        calls.push(`  printInt(loop${f}(${count}, ${start}));\n  print(" ");`);
      }
      const entry = writeProgram(`loop_counters_${p}`, `${fns.join("\n")}\nexport function main(): void {\n${calls.join("\n")}\n}\n`);
      // A store that would trap on every path is a compile error (TSB1063), not a program to run.
      const c = await runC(entry).catch((e: Error) => {
        const codes = e.message.match(/error TSB\d+/g) ?? [];
        if (codes.length > 0 && codes.every((code) => code === "error TSB1063")) return null;
        throw e;
      });
      if (c === null) continue;
      expect(c.output, c.source).toBe(await runChecked(entry));
      unchecked += (c.source.match(/^\s*c(\+\+| = \(?c \+)/gm) ?? []).length;
      if (c.output.includes("PANIC")) traps++;
    }
    if (process.env.TSBOOT_LOOP_PROGRAMS) console.log(`loop counters: ${programs} programs, ${unchecked} counter updates without a check, ${traps} programs that trap`);
    // The rule must be exercised both ways: counters whose check went, and programs that trap.
    expect(unchecked).toBeGreaterThan(0);
    expect(traps).toBeGreaterThan(0);
  }, 120_000);
});
