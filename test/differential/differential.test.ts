/**
 * Differential property tests: generated subset programs must be accepted by the compiler, and the compiled
 * C must compute exactly what Node computes — or trap (PANIC 1) exactly where Node leaves a declared range.
 *
 * Default run: TSBOOT_DIFF_RUNS (4) batches × TSBOOT_DIFF_FNS (100) functions × 25 inputs = 10,000 calls.
 * TSBOOT_DIFF_SEED=<n> replays a run. A failing batch is reduced by a second fast-check pass over the one
 * failing function (TSBOOT_DIFF_SHRINK_MS bounds it, default 180 s).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { batchArbitrary, fnArbitrary, renderModule } from "./generate";
import type { Module, RawFn } from "./generate";
import { describeResult, freshModuleName, runBatch } from "./harness";
import type { BatchResult, Compile } from "./harness";

const env = (name: string, fallback: number) => {
  const v = process.env[name];
  return v === undefined || v === "" ? fallback : Number(v);
};
const BATCHES = env("TSBOOT_DIFF_RUNS", 4);
const FNS = env("TSBOOT_DIFF_FNS", 100);
const INPUTS = 25;
const SEED = env("TSBOOT_DIFF_SEED", (Date.now() ^ Math.floor(Math.random() * 2 ** 31)) | 0);
const SHRINK_MS = env("TSBOOT_DIFF_SHRINK_MS", 180_000);

async function loadCompiler(): Promise<Compile> {
  const { compileProgram, formatDiagnostic } = await import("../../compiler/index");
  return async (entry) => {
    const r = await compileProgram({ entry });
    return { ok: r.ok, diagnostics: r.diagnostics.map((d) => formatDiagnostic(d)), files: r.files };
  };
}

const replay = `TSBOOT_DIFF_SEED=${SEED} TSBOOT_DIFF_RUNS=${BATCHES} TSBOOT_DIFF_FNS=${FNS} npx vitest run test/differential/differential.test.ts`;

interface Failure {
  raws: RawFn[];
  mod: Module;
  result: BatchResult;
}

/** The function a failure points at: the first mismatching call's, or the one a diagnostic's line falls in. */
function failingFunction(f: Failure): number | undefined {
  const r = f.result;
  if ((r.kind === "mismatch" || r.kind === "c-failure") && r.mismatches.length > 0) return r.mismatches[0]!.fn;
  if (r.kind === "rejected") {
    const m = /\((\d+),\d+\)/.exec(r.diagnostics.join("\n"));
    if (m) {
      const line = Number(m[1]);
      const lines = f.mod.text.split("\n");
      let fn: number | undefined;
      for (let k = 0; k < Math.min(line, lines.length); k++) {
        const d = /^export function f(\d+)\(/.exec(lines[k]!);
        if (d) fn = Number(d[1]);
      }
      return fn;
    }
  }
  return undefined;
}

/**
 * Second pass: fast-check shrinks (without context) from the failing function alone (or the whole batch when
 * the culprit is unknown), keeping the same kind of failure.
 */
async function shrinkFailure(f: Failure, compile: Compile): Promise<string> {
  const fnIndex = failingFunction(f);
  let start: RawFn[] = fnIndex === undefined ? f.raws : [f.raws[fnIndex]!];
  if (fnIndex !== undefined && (f.result.kind === "mismatch" || f.result.kind === "c-failure")) {
    // Put the first failing input first (the inputs array shrinks from there).
    const bad = f.result.mismatches.filter((m) => m.fn === fnIndex).map((m) => m.input);
    const fn = start[0]!;
    start = [{ ...fn, inputs: [...bad.map((i) => fn.inputs[i]!), ...fn.inputs.filter((_, i) => !bad.includes(i))] }];
  }
  const arb = fc.array(fnArbitrary({ inputs: INPUTS, minInputs: 1 }), { minLength: 1, maxLength: Math.max(FNS, 1) });
  if (!arb.canShrinkWithoutContext(start)) return "(could not shrink: the failing value is not shrinkable without context)";
  const kind = f.result.kind;
  const sameKind = async (raws: RawFn[]) => {
    const mod = renderModule(raws, freshModuleName("s"));
    const r = await runBatch(mod, compile);
    return { mod, r, fails: r.kind === kind || (kind === "c-failure" && r.kind === "mismatch") };
  };
  const details = await fc.check(
    fc.asyncProperty(arb, async (raws) => {
      if ((await sameKind(raws)).fails) throw new Error("same failure");
    }),
    { examples: [[start]], numRuns: 1, interruptAfterTimeLimit: SHRINK_MS, markInterruptAsFailure: false },
  );
  if (!details.failed || details.counterexample === null) {
    return "(the failure did not reproduce on the failing function alone; see the batch above)";
  }
  const [raws] = details.counterexample;
  const again = await sameKind(raws);
  return (
    `Shrunk by fast-check (${details.numShrinks} shrinks${details.interrupted ? ", interrupted by the time limit" : ""}) to:\n` +
    `---- ${again.mod.name}.ts ----\n${again.mod.text}----\n${describeResult(again.mod, again.r)}`
  );
}

describe("differential: compiled C computes what Node computes", () => {
  it(
    `accepts every generated program; C matches Node on ${BATCHES} batches × ${FNS} functions × ${INPUTS} inputs`,
    async () => {
      const compile = await loadCompiler();
      let failure: Failure | undefined;
      let cases = 0;
      let batch = 0;
      const started = Date.now();
      const details = await fc.check(
        fc.asyncProperty(batchArbitrary(FNS, { inputs: INPUTS }), async (raws) => {
          batch++;
          const mod = renderModule(raws, freshModuleName());
          const result = await runBatch(mod, compile);
          if (result.kind === "pass") {
            cases += result.calls;
            return;
          }
          failure = { raws, mod, result };
          throw new Error(describeResult(mod, result));
        }),
        { seed: SEED, numRuns: BATCHES, endOnFailure: true },
      );
      if (!details.failed) {
        console.log(`differential: ${cases} (function, input) cases in ${BATCHES} batches, ${((Date.now() - started) / 1000).toFixed(1)} s, seed ${SEED}`);
        expect(cases).toBe(BATCHES * FNS * INPUTS);
        return;
      }
      const head = `Differential test failed at batch ${batch} of ${BATCHES}, seed ${SEED}, path ${details.counterexamplePath}\nreplay: ${replay}\n`;
      if (failure === undefined) {
        // Not a compiler finding: the generator or the oracle threw.
        expect.fail(`${head}${details.errorInstance instanceof Error ? details.errorInstance.stack : String(details.errorInstance)}`);
      }
      const shrunk = await shrinkFailure(failure, compile);
      expect.fail(`${head}\n${describeResult(failure.mod, failure.result)}\n\n${shrunk}`);
    },
    BATCHES * 60_000 + SHRINK_MS + 120_000,
  );

  it("never throws on generated programs, inside or outside the subset; accepts the ones inside", async () => {
    const { compileProgram, formatDiagnostic } = await import("../../compiler/index");
    const { writeModule } = await import("./run-node");
    const program = fc.record({
      raws: fc.array(fnArbitrary({ inputs: 1 }), { minLength: 1, maxLength: 12 }),
      legal: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(program, async ({ raws, legal }) => {
        const mod = renderModule(raws, freshModuleName("t"), legal);
        const entry = writeModule(mod);
        let r: Awaited<ReturnType<typeof compileProgram>>;
        try {
          r = await compileProgram({ entry });
        } catch (err) {
          throw new Error(`compileProgram threw on ${entry} (it must return diagnostics):\n${mod.text}\n${err instanceof Error ? err.stack : err}`);
        }
        const diags = r.diagnostics.map((d) => formatDiagnostic(d));
        for (const d of diags) expect(d).toMatch(/error TSB?\d{4,5}: \S/);
        if (!r.ok) expect(diags.length, "a rejection must come with diagnostics").toBeGreaterThan(0);
        if (legal && (!r.ok || diags.length > 0)) {
          throw new Error(
            `The compiler REJECTED a program inside the subset (by the brief's rules as test/differential/intervals.ts ` +
              `implements them): the compiler and the differential oracle disagree.\n${mod.text}\n${diags.join("\n")}`,
          );
        }
      }),
      { seed: SEED, numRuns: env("TSBOOT_DIFF_THROW_RUNS", 20) },
    );
  }, 300_000);
});
