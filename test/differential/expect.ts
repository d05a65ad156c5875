/**
 * The oracle, and the three transcripts it compares.
 *
 * Every store in a generated function is followed at once by `printInt(v); print("@k ");`, so a run's output
 * is a sequence of (value, tag k) pairs and the tag gives the store's declared type.
 * - Plain Node (the TypeScript itself) has no traps: from its pairs and the declared types the oracle derives
 *   what C must print — the pairs before the first store that leaves its type, then `PANIC 1`. An i64
 *   operation that leaves ±(2^53-1) traps in C before any store sees it: Node then goes on with an inexact
 *   number, and the oracle can only vouch for the pairs before that point.
 * - Checked Node (compiler/emit-js.ts) and C print the same pairs, then `R <value>` or
 *   `PANIC <kind> <file>:<line>`: they must agree to the TypeScript line.
 */
import type { FnInfo } from "./generate";
import { fits, isSafe, literal } from "./intervals";
import type { IntType } from "./intervals";
import type { NodeCall } from "./run-node";

export const PANIC_RANGE = 1;

/** A call's transcript: `<v>@<k> ...` then `R <value>` or `PANIC <kind>` (plain) / `PANIC <kind> <file>:<line>`. */
export type Transcript = string;

/** What plain Node lets the oracle say: the whole transcript, or only its pairs up to an inexact value. */
export interface PlainExpectation {
  transcript: Transcript;
  /** False when Node went past an i64 overflow (a value beyond 2^53): only `transcript`'s pairs are known. */
  complete: boolean;
}

function exactValue(text: string): bigint | undefined {
  const n = Number(text);
  if (!Number.isInteger(n) || !isSafe(literal(BigInt(n))) || String(BigInt(n)) !== text) return undefined;
  return BigInt(n);
}

export function expectedTranscript(fn: FnInfo, call: NodeCall): PlainExpectation {
  if (call.threw !== undefined) throw new Error(`oracle: Node threw in ${fn.name}: ${call.threw} (generator bug)`);
  const { chunks } = call;
  if (chunks.length % 2 !== 0) throw new Error(`oracle: odd output in ${fn.name}: ${JSON.stringify(chunks)}`);
  let out = "";
  for (let i = 0; i < chunks.length; i += 2) {
    const tag = /^@(\d+) $/.exec(chunks[i + 1]!);
    const type: IntType | undefined = tag ? fn.stores[Number(tag[1])] : undefined;
    if (type === undefined) throw new Error(`oracle: bad tag ${JSON.stringify(chunks[i + 1])} in ${fn.name}`);
    const value = exactValue(chunks[i]!);
    // Beyond 2^53 only after a checked i64 operation left its range (where C trapped already).
    if (value === undefined) return { transcript: out, complete: false };
    if (!fits(value, type)) return { transcript: `${out}PANIC ${PANIC_RANGE}`, complete: true };
    out += `${value}${chunks[i + 1]}`;
  }
  const ret = exactValue(String(call.ret));
  if (ret === undefined) return { transcript: out, complete: false };
  return { transcript: fits(ret, fn.ret) ? `${out}R ${ret}` : `${out}PANIC ${PANIC_RANGE}`, complete: true };
}

/** Checked Node's transcript, in the C's form (the panic line without its message). */
export function checkedTranscript(call: NodeCall): Transcript {
  const pairs = call.chunks.join("");
  if (call.threw !== undefined) {
    const m = /^PANIC (\d+) (\S+):(\d+) /.exec(call.threw);
    if (!m) throw new Error(`checked Node threw something other than a trap: ${call.threw}`);
    return `${pairs}PANIC ${m[1]} ${m[2]}:${m[3]}`;
  }
  return `${pairs}R ${call.ret}`;
}

/**
 * Reduces a C result line to the comparable transcript: the printed pairs, then `R <value>` as printed or
 * `PANIC <kind> <file>:<line>` (the message dropped).
 */
export function normalizeC(line: string): Transcript {
  const p = line.indexOf("PANIC ");
  if (p < 0) return line;
  const [kind, where] = line.slice(p + 6).split(" ");
  return `${line.slice(0, p)}PANIC ${kind} ${where}`;
}

/** A transcript without the panic's place (what plain Node's oracle can say). */
export function withoutPlace(t: Transcript): Transcript {
  return t.replace(/(PANIC \d+) \S+$/, "$1");
}

/**
 * Does checked Node agree with plain Node? The same transcript — except that checked Node may trap on an i64
 * operation (the oracle sees only stores): then plain Node's pairs continue what checked Node printed.
 */
export function plainAgrees(plain: PlainExpectation, checked: Transcript, checkedThrew: string | undefined): boolean {
  if (plain.complete && plain.transcript === withoutPlace(checked)) return true;
  const i64Trap = checkedThrew !== undefined && / (value out of range for i64|division by zero in i64)$/.test(checkedThrew);
  if (!i64Trap) return false;
  const printed = withoutPlace(checked).replace(/PANIC \d+$/, "");
  return plain.transcript.startsWith(printed);
}
