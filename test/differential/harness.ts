/**
 * One differential run of a module: Node run → expected transcripts; compile → gcc → C run; compare.
 * The compile step is a parameter so the harness can be checked against a hand-written C translation.
 */
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { checkedTranscript, expectedTranscript, normalizeC, plainAgrees, withoutPlace } from "./expect";
import { fits } from "./intervals";
import { fnArbitrary } from "./generate";
import { storeAtLine, wrapStores } from "./generate";
import type { FnInfo, Module, RawExpr, RawFn, RawStmt, StoreSite } from "./generate";
import { buildAndRunC } from "./run-c";
import type { UbReport } from "./run-c";
import { GEN_DIR, runNode, writeModule } from "./run-node";
import type { NodeCall } from "./run-node";

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
  /** Which two runs disagree: C against checked Node, or checked Node against plain Node's oracle. */
  between: "C / checked Node" | "checked Node / plain Node" | "C / plain Node";
  expected: string;
  actual: string;
}

export type BatchResult =
  | { kind: "pass"; calls: number }
  /** compileProgram threw. */
  | { kind: "threw"; error: string }
  /** compileProgram returned ok === false or some error diagnostics; `plain` is what Node printed. */
  | { kind: "rejected"; ok: boolean; diagnostics: string[]; plain?: NodeCall[][] }
  /** gcc failed, or the C program crashed / timed out. */
  | { kind: "c-failure"; message: string; mismatches: Mismatch[] }
  | { kind: "mismatch"; mismatches: Mismatch[]; calls: number };

let counter = 0;
/** A fresh module name (a new file each time: Node caches imports by path). */
export const freshModuleName = (prefix = "d") => `${prefix}${process.pid}_${counter++}`;

export interface RunOptions {
  /** Keep test/.gen/<module>{.ts,/} after a pass (default false). */
  keep?: boolean;
  /** Keep them after a failure (default true; shrink attempts turn it off). */
  keepFailures?: boolean;
  /** Compile with -Werror (default true; exploration turns it off to look past warnings). */
  werror?: boolean;
  /** Receives gcc's warnings when the build succeeded with some. */
  onWarnings?: (text: string) => void;
  /** Receives checked Node's calls (the JavaScript the compiler emits), when the compiler accepted the module. */
  onChecked?: (checked: NodeCall[][]) => void;
  /** Build with UBSan too (exploration) and pass its reports here. */
  onUndefinedBehaviour?: (reports: UbReport[]) => void;
}

export async function runBatch(mod: Module, compile: Compile, opts: RunOptions = {}): Promise<BatchResult> {
  const r = await runBatchKeep(mod, compile, opts);
  if (r.kind === "pass" ? !opts.keep : opts.keepFailures === false) {
    // Also keeps the compiler's in-memory project small: it drops files that left the disk.
    rmSync(path.join(GEN_DIR, mod.name), { recursive: true, force: true });
    rmSync(path.join(GEN_DIR, `${mod.name}.ts`), { force: true });
    rmSync(path.join(GEN_DIR, `${mod.name}.checked.mjs`), { force: true });
  }
  return r;
}

async function runBatchKeep(mod: Module, compile: Compile, opts: RunOptions): Promise<BatchResult> {
  const entry = writeModule(mod);
  const plain = await runNode(mod, entry);
  const expected = mod.fns.map((fn, f) => fn.inputs.map((_, i) => expectedTranscript(fn, plain[f]![i]!)));

  let out: CompileOutcome;
  try {
    out = await compile(entry);
  } catch (err) {
    return { kind: "threw", error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  if (!out.ok || out.diagnostics.length > 0) return { kind: "rejected", ok: out.ok, diagnostics: out.diagnostics, plain };

  // Checked Node: the JavaScript the compiler emits from the same IR, with the C's traps.
  const js = out.files.find((f) => f.name.endsWith(".checked.mjs"));
  let checked: NodeCall[][] | undefined;
  if (js) {
    const file = path.join(GEN_DIR, `${mod.name}.checked.mjs`);
    writeFileSync(file, js.text);
    checked = await runNode(mod, file);
    opts.onChecked?.(checked);
  }

  const dir = path.join(GEN_DIR, mod.name);
  const c = await buildAndRunC(mod, out.files.filter((f) => !f.name.endsWith(".mjs")), dir, { werror: opts.werror, sanitize: opts.onUndefinedBehaviour !== undefined });
  if (c.ub && c.ub.length > 0) opts.onUndefinedBehaviour?.(c.ub);
  if (c.gccFailed) return { kind: "c-failure", message: c.failure!, mismatches: [] };
  if (c.gccOutput && opts.onWarnings) opts.onWarnings(c.gccOutput);
  const mismatches: Mismatch[] = [];
  let calls = 0;
  mod.fns.forEach((fn, f) =>
    fn.inputs.forEach((_, i) => {
      calls++;
      const line = c.lines[f]![i];
      const actual = line === undefined ? "(no output)" : normalizeC(line);
      const plainSays = expected[f]![i]!;
      if (!checked) {
        // No checked build (a hand-written translation): C against the oracle alone.
        if (!plainSays.complete || withoutPlace(actual) !== plainSays.transcript) mismatches.push({ fn: f, input: i, between: "C / plain Node", expected: plainSays.transcript, actual: withoutPlace(actual) });
        return;
      }
      const call = checked[f]![i]!;
      const checkedSays = checkedTranscript(call);
      if (actual !== checkedSays) mismatches.push({ fn: f, input: i, between: "C / checked Node", expected: checkedSays, actual });
      else if (!plainAgrees(plainSays, checkedSays, call.threw)) mismatches.push({ fn: f, input: i, between: "checked Node / plain Node", expected: `${plainSays.transcript}${plainSays.complete ? "" : " …(inexact)"}`, actual: checkedSays });
    }),
  );
  if (c.failure !== undefined) return { kind: "c-failure", message: c.failure, mismatches };
  if (mismatches.length > 0) return { kind: "mismatch", mismatches, calls };
  return { kind: "pass", calls };
}

/**
 * A rejection made only of TSB1063 (a store whose every value leaves its type) must be true of Node: at
 * each flagged store, no call that got there without trapping first stored a value inside the type. Returns
 * the stores to wrap, by function, or why the compiler was wrong.
 */
export interface CertainTraps {
  sites: Map<number, (StoreSite | "return")[]>;
  /**
   * Calls where plain Node got past the store with a value inside the type. They refute the claim unless the
   * call traps there in C and checked Node for another reason plain Node does not see: an i64 division by
   * zero (plain Node goes on with NaN or ±Infinity, and `NaN >> k` is 0). runBatchRetrying decides them with
   * checked Node's run of the module with the stores wrapped.
   */
  refutations: { fn: number; input: number; tag: number; wrong: string }[];
}

export function certainTraps(mod: Module, r: Extract<BatchResult, { kind: "rejected" }>): CertainTraps | { wrong: string } | undefined {
  if (!r.plain || r.diagnostics.length === 0) return undefined;
  const sites = new Map<number, (StoreSite | "return")[]>();
  const refutations: CertainTraps["refutations"] = [];
  for (const d of r.diagnostics) {
    const m = new RegExp(`${mod.name}\\.ts\\((\\d+),\\d+\\): error TSB1063: `).exec(d);
    if (!m) return undefined;
    const at = storeAtLine(mod, Number(m[1]));
    if (!at) return { wrong: `TSB1063 at a line that holds no store:\n${d}` };
    const fn = mod.fns[at.fn]!;
    for (let i = 0; i < fn.inputs.length; i++) {
      const call: NodeCall = r.plain[at.fn]![i]!;
      let trappedBefore = false;
      for (let c = 0; c + 1 < call.chunks.length && !trappedBefore; c += 2) {
        const k = Number(/^@(\d+) $/.exec(call.chunks[c + 1]!)?.[1]);
        const value = Number(call.chunks[c]);
        const inside = Number.isSafeInteger(value) && fits(BigInt(value), fn.stores[k]!);
        if (at.site !== "return" && fn.storeAt[k] === at.site && inside) {
          refutations.push({ fn: at.fn, input: i, tag: k, wrong: `TSB1063 claims every value of store @${k} leaves ${fn.stores[k]}, but Node stored ${value} on ${describeInputs(fn, i)} (and checked Node did not trap before it):\n${d}\n${fn.text}` });
          trappedBefore = true;
        }
        if (!inside) trappedBefore = true;
      }
      const ret = call.ret!;
      if (at.site === "return" && !trappedBefore && Number.isSafeInteger(ret) && fits(BigInt(ret), fn.ret)) {
        refutations.push({ fn: at.fn, input: i, tag: -1, wrong: `TSB1063 claims every return value leaves ${fn.ret}, but Node returned ${ret} on ${describeInputs(fn, i)} (and checked Node did not trap before it):\n${d}\n${fn.text}` });
      }
    }
    sites.set(at.fn, [...(sites.get(at.fn) ?? []), at.site]);
  }
  return { sites, refutations };
}

/** Did checked Node's call stop at an i64 trap before store `tag` (-1: the return) was printed? */
function trappedInI64Before(call: NodeCall, tag: number): boolean {
  if (call.threw === undefined || !/ (value out of range for i64|division by zero in i64)$/.test(call.threw)) return false;
  return tag === -1 || !call.chunks.includes(`@${tag} `);
}

export interface RetriedBatch {
  raws: RawFn[];
  mod: Module;
  result: BatchResult;
  /** Stores the compiler proved always trap (TSB1063), each checked against Node and then wrapped. */
  certainTraps: number;
}

/**
 * runBatch, where a rejection made only of TSB1063 is first checked against Node (certainTraps) and the
 * module run again with those stores wrapped: the generator cannot see every store the compiler can prove
 * always traps (flow narrowing makes its intervals smaller than the generator's).
 */
export async function runBatchRetrying(raws: RawFn[], render: (raws: RawFn[], name: string) => Module, compile: Compile, opts: RunOptions = {}): Promise<RetriedBatch> {
  let mod = render(raws, freshModuleName());
  let result = await runBatch(mod, compile, opts);
  let count = 0;
  const pending: CertainTraps["refutations"] = [];
  for (let round = 0; round < 4 && result.kind === "rejected"; round++) {
    const traps = certainTraps(mod, result);
    if (!traps) break;
    if ("wrong" in traps) {
      result = { kind: "rejected", ok: false, diagnostics: [`The compiler's TSB1063 is wrong: ${traps.wrong}`] };
      break;
    }
    rmSync(path.join(GEN_DIR, `${mod.name}.ts`), { force: true });
    for (const list of traps.sites.values()) count += list.length;
    raws = raws.map((r, f) => (traps.sites.has(f) ? wrapStores(r, traps.sites.get(f)!) : r));
    mod = render(raws, freshModuleName());
    pending.push(...traps.refutations);
    let checked: NodeCall[][] | undefined;
    result = await runBatch(mod, compile, { ...opts, onChecked: (c) => (checked = c) });
    if (!checked) continue;
    // Wrapping the stores changes nothing before them: checked Node's run says whether each call that
    // seemed to refute the claim trapped on the way (then C traps there too, and the claim holds).
    const real = pending.find((x) => !trappedInI64Before(checked![x.fn]![x.input]!, x.tag));
    pending.length = 0;
    if (real) {
      result = { kind: "rejected", ok: false, diagnostics: [`The compiler's TSB1063 is wrong: ${real.wrong}`] };
      break;
    }
  }
  if (pending.length > 0 && result.kind !== "rejected") result = { kind: "rejected", ok: false, diagnostics: [`The compiler's TSB1063 is unconfirmed: ${pending[0]!.wrong}`] };
  return { raws, mod, result, certainTraps: count };
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
      // TSB1045 relays a tsc error (TSB1037/TSB1040 follow from the same misparse).
      const tsc = (d: string) => /error TSB1045: TS\d+/.test(d);
      if (r.diagnostics.some(tsc) && r.diagnostics.every((d) => tsc(d) || /error TSB10(37|40): /.test(d))) {
        return `The generator wrote a program that tsc rejects (a bug in test/differential/generate.ts, not the compiler):\n${r.diagnostics.join("\n")}`;
      }
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
        const [left, right] = m.between === "C / checked Node" ? ["checked Node", "C"] : m.between === "C / plain Node" ? ["plain Node + types", "C"] : ["plain Node + types", "checked Node"];
        return `  ${describeInputs(fn, m.input)} (${m.between})\n    ${`${left}:`.padEnd(20)}${m.expected}\n    ${`${right}:`.padEnd(20)}${m.actual}`;
      });
      const fnsInvolved = [...new Set(r.mismatches.slice(0, limit).map((m) => m.fn))].map((f) => mod.fns[f]!.text);
      return `${head}${shown.join("\n")}${r.mismatches.length > limit ? `\n  … ${r.mismatches.length - limit} more` : ""}\n\n${fnsInvolved.join("\n")}`;
    }
  }
}

// ---------------------------------------------------------------------------------------------- shrinking

export interface Failure {
  raws: RawFn[];
  mod: Module;
  result: BatchResult;
}

/** The function a failure points at: the first mismatching call's, or the one a message's line falls in. */
export function failingFunction(f: Failure): number | undefined {
  const r = f.result;
  if ((r.kind === "mismatch" || r.kind === "c-failure") && r.mismatches.length > 0) return r.mismatches[0]!.fn;
  // A diagnostic names `<module>.ts(line,col)`; a gcc message `<module>.ts:line:col` (through #line).
  const m = new RegExp(`${f.mod.name}\\.ts(?:\\((\\d+),\\d+\\)|:(\\d+):\\d+)`).exec(messageOf(r));
  if (!m) return undefined;
  const line = Number(m[1] ?? m[2]);
  let fn: number | undefined;
  for (const l of f.mod.text.split("\n").slice(0, line)) {
    const d = /^export function f(\d+)\(/.exec(l);
    if (d) fn = Number(d[1]);
  }
  return fn;
}

function messageOf(r: BatchResult): string {
  return r.kind === "rejected" ? r.diagnostics.join("\n") : r.kind === "c-failure" ? r.message : r.kind === "threw" ? r.error : "";
}

/**
 * What a shrink must preserve: the kind of failure, and for a rejection its first diagnostic code, for a gcc
 * failure its first warning option (so shrinking does not wander to another problem).
 */
export function signature(r: BatchResult): string {
  const text = messageOf(r);
  if (r.kind === "rejected") return `rejected ${/error (TSB?\d+)/.exec(text)?.[1] ?? ""}`;
  if (r.kind === "c-failure" && text.startsWith("gcc failed")) return `gcc ${/\[-W[^\]]*\]/.exec(text)?.[0] ?? ""}`;
  if (r.kind === "c-failure" && r.mismatches.length === 0) return "crash";
  if (r.kind === "c-failure") return "mismatch";
  return r.kind;
}

/** Does `r` still show the failure `wanted` (a signature)? The diagnostic code or gcc option may be anywhere. */
export function sameFailure(wanted: string, r: BatchResult): boolean {
  const [kind, detail] = wanted.split(" ", 2) as [string, string | undefined];
  if (kind === "rejected" && detail) return r.kind === "rejected" && r.diagnostics.some((d) => d.includes(`error ${detail}:`));
  if (kind === "gcc" && detail) return r.kind === "c-failure" && r.message.startsWith("gcc failed") && r.message.includes(detail);
  return signature(r) === wanted;
}

export interface ShrinkOptions extends RunOptions {
  render: (raws: RawFn[], name: string) => Module;
  /** Inputs per function at generation (shrinking goes down to 1). */
  inputs: number;
  timeLimitMs: number;
}

/**
 * Second pass after a failing batch, from the failing function alone (or the whole batch when the culprit is
 * unknown), keeping the failure's signature: a greedy structural pass, then fast-check's shrinking (without
 * context). Returns a report.
 */
export async function shrinkFailure(f: Failure, compile: Compile, opts: ShrinkOptions): Promise<string> {
  const fnIndex = failingFunction(f);
  let start: RawFn[] = fnIndex === undefined ? f.raws : [f.raws[fnIndex]!];
  if (fnIndex !== undefined && (f.result.kind === "mismatch" || f.result.kind === "c-failure")) {
    // Put the failing inputs first.
    const bad = f.result.mismatches.filter((m) => m.fn === fnIndex).map((m) => m.input);
    const fn = start[0]!;
    start = [{ ...fn, inputs: [...bad.map((i) => fn.inputs[i]!), ...fn.inputs.filter((_, i) => !bad.includes(i))] }];
  }
  const arb = fc.array(fnArbitrary({ inputs: opts.inputs, minInputs: 1 }), { minLength: 1, maxLength: Math.max(f.raws.length, 1) });
  if (!arb.canShrinkWithoutContext(start)) return "(could not shrink: the failing value is not shrinkable without context)";
  const wanted = signature(f.result);
  let keep = false; // only the final counterexample's files stay on disk
  const attempt = async (raws: RawFn[]) => {
    const mod = opts.render(raws, freshModuleName("s"));
    const r = await runBatch(mod, compile, { werror: opts.werror, keepFailures: keep });
    return { mod, r, same: sameFailure(wanted, r) };
  };
  // A quick greedy pass first (drop statements and inputs, replace subtrees by a child, 0 or p0), then
  // fast-check's own shrinking from there.
  const deadline = Date.now() + opts.timeLimitMs / 2;
  if (start.length === 1) {
    // After a success, go on from the same position (the candidates before it mostly failed already);
    // another full pass follows any pass that made progress.
    let current = start[0]!;
    let progress = true;
    while (progress && Date.now() < deadline) {
      progress = false;
      for (let i = 0; Date.now() < deadline; ) {
        const candidate = nth(fnReductions(current), i);
        if (candidate === undefined) break;
        if ((await attempt([candidate])).same) {
          current = candidate;
          progress = true;
        } else i++;
      }
    }
    start = [current];
  }
  const details = await fc.check(
    fc.asyncProperty(arb, async (raws) => {
      if ((await attempt(raws)).same) throw new Error(`still failing: ${wanted}`);
    }),
    { examples: [[start]], numRuns: 1, interruptAfterTimeLimit: Math.max(deadline - Date.now(), 0) + opts.timeLimitMs / 2, markInterruptAsFailure: false },
  );
  if (!details.failed || details.counterexample === null) {
    return `(the failure "${wanted}" did not reproduce on the failing function alone; see the batch above)`;
  }
  const [raws] = details.counterexample;
  keep = true;
  const again = await attempt(raws);
  return (
    `Shrunk (greedy pass, then fast-check: ${details.numShrinks} shrinks${details.interrupted ? ", stopped by the time limit" : ""}; failure "${wanted}") to:\n` +
    `---- ${again.mod.name}.ts ----\n${again.mod.text}----\n${describeResult(again.mod, again.r)}`
  );
}

function nth<T>(items: Iterable<T>, n: number): T | undefined {
  let i = 0;
  for (const x of items) if (i++ === n) return x;
  return undefined;
}

const ZERO: RawExpr = { k: "lit", v: 0, hex: false };
const P0: RawExpr = { k: "var", i: 0 };
const CHILD_KEYS = ["a", "b", "t", "f"] as const;

/** Smaller versions of an expression: a child, 0, p0, or the same with one child made smaller. */
function* exprReductions(e: RawExpr): Generator<RawExpr> {
  const children = CHILD_KEYS.filter((k) => k in e).map((k) => [k, (e as unknown as Record<string, RawExpr>)[k]!] as const);
  for (const [, c] of children) yield c;
  if (!(e.k === "lit" && e.v === 0)) yield ZERO;
  if (!(e.k === "var" && e.i === 0)) yield P0;
  for (const [k, c] of children) for (const smaller of exprReductions(c)) yield { ...e, [k]: smaller } as RawExpr;
}

/** Smaller versions of a function, biggest cuts first. */
function* fnReductions(fn: RawFn): Generator<RawFn> {
  if (fn.inputs.length > 1) yield { ...fn, inputs: [fn.inputs[0]!] };
  for (let i = 0; i < fn.stmts.length; i++) yield { ...fn, stmts: fn.stmts.filter((_, j) => j !== i) };
  if (fn.params.length > 1) yield { ...fn, params: fn.params.slice(0, -1) };
  const withStmt = (i: number, s: RawStmt): RawFn => ({ ...fn, stmts: fn.stmts.map((x, j) => (j === i ? s : x)) });
  for (let i = 0; i < fn.stmts.length; i++) {
    const s = fn.stmts[i]!;
    if (s.k === "let" && s.iff) yield withStmt(i, { ...s, iff: null });
    if (s.k === "let" && s.wrap) yield withStmt(i, { ...s, wrap: false });
  }
  if (fn.retWrap) yield { ...fn, retWrap: false };
  for (const r of exprReductions(fn.retE)) yield { ...fn, retE: r };
  for (let i = 0; i < fn.stmts.length; i++) {
    const s = fn.stmts[i]!;
    for (const r of exprReductions(s.e)) yield withStmt(i, { ...s, e: r } as RawStmt);
    if (s.k === "let" && s.iff) {
      const iff = s.iff;
      for (const r of exprReductions(iff.e)) yield withStmt(i, { ...s, iff: { ...iff, e: r } });
      for (const r of exprReductions(iff.c.a)) yield withStmt(i, { ...s, iff: { ...iff, c: { ...iff.c, a: r } } });
      for (const r of exprReductions(iff.c.b)) yield withStmt(i, { ...s, iff: { ...iff, c: { ...iff.c, b: r } } });
    }
  }
}
