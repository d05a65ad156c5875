/**
 * Exploration (not part of `npm test`): runs many batches without stopping at the first failure, groups
 * what it finds (rejections by diagnostic code, gcc warnings by option, Node/C mismatches by shape) and
 * shrinks one example of each group.
 *
 *   npx tsx test/differential/explore.ts [--batches 20] [--fns 100] [--seed 1] [--compat selfcmp]
 *                                        [--werror] [--ubsan] [--shrink-ms 60000]
 *
 * Without --werror, gcc warnings are collected instead of failing the build, so semantic mismatches behind
 * them still show. --ubsan also builds with -fsanitize=undefined and groups its reports (undefined behaviour
 * in the compiled C that may happen to compute the right value with this gcc).
 */
import fc from "fast-check";
import { compileProgram, formatDiagnostic } from "../../compiler/index";
import { batchArbitrary, renderModule } from "./generate";
import type { Module, RawFn } from "./generate";
import path from "node:path";
import { describeInputs, describeResult, freshModuleName, runBatch, runBatchRetrying, shrinkFailure } from "./harness";
import type { Compile, Mismatch } from "./harness";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? "") : fallback;
};
const BATCHES = Number(arg("batches", "20"));
const FNS = Number(arg("fns", "100"));
const SEED = Number(arg("seed", String(Date.now() | 0)));
const COMPAT = new Set(arg("compat", "").split(",").filter((x) => x !== ""));
const WERROR = args.includes("--werror");
const UBSAN = args.includes("--ubsan");
const SHRINK_MS = Number(arg("shrink-ms", "60000"));
const INPUTS = 25;

const compile: Compile = async (entry) => {
  const r = compileProgram({ entry, checkedJs: { outDir: path.dirname(entry) } });
  return { ok: r.ok, diagnostics: r.diagnostics.filter((d) => d.category === "error").map((d) => formatDiagnostic(d)), files: r.files };
};
const render = (raws: RawFn[], name: string) => renderModule(raws, name, { compat: COMPAT });

interface Group {
  count: number;
  example: RawFn;
  text: string;
  detail: string;
  werror: boolean;
}
const groups = new Map<string, Group>();
const note = (key: string, raw: RawFn, text: string, detail: string, werror: boolean) => {
  const g = groups.get(key);
  if (g) g.count++;
  else groups.set(key, { count: 1, example: raw, text, detail, werror });
};

/** The function (index) whose text holds line `line` of the module. */
function fnAtLine(mod: Module, line: number): number | undefined {
  let fn: number | undefined;
  for (const l of mod.text.split("\n").slice(0, line)) {
    const d = /^export function f(\d+)\(/.exec(l);
    if (d) fn = Number(d[1]);
  }
  return fn;
}

function shape(m: Mismatch): string {
  const kind = (t: string) => (t.endsWith("PANIC 1") ? "PANIC 1" : /PANIC \d+$/.test(t) ? t.replace(/^.*(PANIC \d+)$/, "$1") : t === "(no output)" ? "no output" : "R");
  const [e, a] = [kind(m.expected), kind(m.actual)];
  if (e !== a) return `mismatch: expected ${e}, C gave ${a}`;
  const prints = (t: string) => t.replace(/(R -?\d+|PANIC \d+)$/, "");
  return prints(m.expected) !== prints(m.actual) ? `mismatch: printed values differ (${e})` : `mismatch: return value differs`;
}

async function main() {
  const started = Date.now();
  let calls = 0;
  const arb = batchArbitrary(FNS, { inputs: INPUTS });
  for (let b = 0; b < BATCHES; b++) {
    const generated = fc.sample(arb, { numRuns: 1, seed: SEED + b })[0]!;
    let warnings = "";
    const { raws, mod, result: r } = await runBatchRetrying(generated, render, compile, {
      werror: WERROR,
      onWarnings: (w) => (warnings = w),
      onUndefinedBehaviour: UBSAN
        ? (reports) => {
            for (const u of reports) {
              const key = `ubsan: ${u.message.replace(/^.*runtime error: /, "").replace(/-?\d+/g, "N")}`;
              note(key, raws[u.fn]!, mod.fns[u.fn]!.text, `${describeInputs(mod.fns[u.fn]!, u.input)}: ${u.message}`, false);
            }
          }
        : undefined,
    });
    const msg = r.kind === "rejected" ? r.diagnostics.join("\n") : r.kind === "c-failure" ? r.message : r.kind === "threw" ? r.error : "";
    if (r.kind === "threw") note("compiler threw", raws[0]!, mod.fns[0]!.text, r.error, WERROR);
    for (const m of `${msg}\n${warnings}`.matchAll(new RegExp(`${mod.name}\\.ts(?:\\((\\d+),\\d+\\): error (TSB?\\d+)[^\\n]*|:(\\d+):\\d+: (?:error|warning): [^\\n]*(\\[-W[^\\]]+\\]))`, "g"))) {
      const fn = fnAtLine(mod, Number(m[1] ?? m[3]));
      if (fn === undefined) continue;
      const key = m[2] ? `rejected ${m[2]}` : `gcc ${m[4]!.replace("-Werror=", "-W")}`;
      note(key, raws[fn]!, mod.fns[fn]!.text, m[0], true);
    }
    if (r.kind === "mismatch" || r.kind === "c-failure") {
      for (const m of r.mismatches) {
        const fn = mod.fns[m.fn]!;
        note(`${m.between} ${shape(m)}`, raws[m.fn]!, fn.text, `${describeInputs(fn, m.input)}: expected ${m.expected}, got ${m.actual}`, false);
      }
    }
    if (r.kind === "pass" || r.kind === "mismatch") calls += FNS * INPUTS;
    console.log(`batch ${b + 1}/${BATCHES}: ${r.kind}${r.kind === "mismatch" ? ` (${r.mismatches.length} calls)` : ""}`);
  }
  console.log(`\n${calls} calls compared in ${((Date.now() - started) / 1000).toFixed(0)} s (seed ${SEED}, compat ${[...COMPAT].join(",") || "none"}, werror ${WERROR})\n`);
  for (const [key, g] of groups) {
    console.log(`=== ${key}: ${g.count} occurrence(s)\n${g.detail}\n${g.text}`);
    if (key.startsWith("ubsan")) {
      console.log("(UBSan groups are not shrunk)\n");
      continue;
    }
    const one = render([g.example], freshModuleName("e"));
    const r = await runBatch(one, compile, { werror: g.werror || key.startsWith("gcc") });
    if (r.kind === "pass") {
      console.log("(does not reproduce alone)\n");
      continue;
    }
    console.log(describeResult(one, r, 3));
    console.log(await shrinkFailure({ raws: [g.example], mod: one, result: r }, compile, { render, inputs: INPUTS, timeLimitMs: SHRINK_MS, werror: g.werror || key.startsWith("gcc") }));
    console.log();
  }
}

await main();
