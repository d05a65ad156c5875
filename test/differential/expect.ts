/**
 * The oracle: from a Node run and the declared type of each store, the transcript C must produce.
 *
 * Every store in a generated function is followed at once by `printInt(v); print("@k ");`, so Node's output
 * is a sequence of (value, tag k) pairs and the tag gives the store's declared type. C prints exactly the
 * same pairs while every stored value fits; at the first store that leaves its type (a `let`, an assignment
 * or the return) C traps instead: the pairs before it, then `PANIC 1` (TSB_PANIC_RANGE).
 */
import type { FnInfo } from "./generate";
import { fits, isSafe, literal } from "./intervals";
import type { IntType } from "./intervals";
import type { NodeCall } from "./run-node";

export const PANIC_RANGE = 1;

/** A call's transcript in the form the driver prints it: `<v>@<k> ...` then `R <value>` or `PANIC <kind>`. */
export type Transcript = string;

function exact(value: number, what: string): bigint {
  // The generator keeps every interval within ±(2^53-1), so Node computes exact integers; anything else is a
  // generator bug, not a compiler one.
  if (!Number.isInteger(value) || !isSafe(literal(BigInt(value)))) {
    throw new Error(`oracle: Node produced a non-exact ${what} ${value} (generator bug)`);
  }
  return BigInt(value);
}

export function expectedTranscript(fn: FnInfo, call: NodeCall): Transcript {
  if (call.threw !== undefined) throw new Error(`oracle: Node threw in ${fn.name}: ${call.threw} (generator bug)`);
  const { chunks } = call;
  if (chunks.length % 2 !== 0) throw new Error(`oracle: odd output in ${fn.name}: ${JSON.stringify(chunks)}`);
  let out = "";
  for (let i = 0; i < chunks.length; i += 2) {
    const tag = /^@(\d+) $/.exec(chunks[i + 1]!);
    const type: IntType | undefined = tag ? fn.stores[Number(tag[1])] : undefined;
    if (type === undefined) throw new Error(`oracle: bad tag ${JSON.stringify(chunks[i + 1])} in ${fn.name}`);
    const value = exact(Number(chunks[i]), "stored value");
    if (String(value) !== chunks[i]) {
      throw new Error(`oracle: printInt wrote ${chunks[i]} (generator bug)`);
    }
    if (!fits(value, type)) return `${out}PANIC ${PANIC_RANGE}`;
    out += `${value}${chunks[i + 1]}`;
  }
  const ret = exact(call.ret!, "return value");
  return fits(ret, fn.ret) ? `${out}R ${ret}` : `${out}PANIC ${PANIC_RANGE}`;
}

/**
 * Reduces a C result line to the comparable transcript: the printed pairs, then `R <value>` as printed or
 * `PANIC <kind>` (file:line and message dropped).
 */
export function normalizeC(line: string): Transcript {
  const p = line.indexOf("PANIC ");
  if (p < 0) return line;
  const kind = line.slice(p + 6).split(" ")[0];
  return `${line.slice(0, p)}PANIC ${kind}`;
}
