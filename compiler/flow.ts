/**
 * Flow facts for one point of a function: what the compiler knows beyond each variable's declared type.
 * - a narrowed interval per local variable (from assignments and from the conditions of if/while/for);
 * - "v is not 0" facts (`if (b === 0) return …;` leaves a hole an interval cannot hold), for divisors;
 * - "index i is below the length of array a" facts, so a[i] needs no bounds check inside
 *   `for (let i = 0; i < a.length; i++)`; the index may be a sum of locals and constants
 *   (`at + i < data.length ? data[at + i] : 0xff`), named by indexKey();
 * - "c is at most i + k" facts between two locals, for a counter that a loop bumps at most as often as its
 *   index (`for (let i = 0; i < count; i++) if (…) n++;`): n stays below count, so n++ needs no check.
 * Only locals and parameters are tracked: a call can change module state behind the compiler's back.
 * Joins (after if/else, at loop heads and exits) keep only what holds on every incoming path; a loop head
 * is the fixpoint of its entry and its back edges (lower-function.ts iterates, widening as it goes).
 */
import { contains, INT32, Range, union } from "./range";

const INT32_MAX = INT32.hi;
import type { Expr, Variable } from "./ir";

/**
 * A name for an index expression built from locals, parameters and constants with +, or null. Two
 * expressions with one key compute the same exact value as long as none of their variables is assigned
 * in between (kill() drops the facts then). Module state is left out: a call can change it.
 */
export function indexKey(e: Expr): string | null {
  if (e.k === "var") return e.v.scope === "global" ? null : `v${e.v.id}`;
  if (e.k === "const") return e.value.toString();
  if (e.k === "binary" && e.op === "+") {
    const left = indexKey(e.left);
    const right = indexKey(e.right);
    return left !== null && right !== null ? `(${left}+${right})` : null;
  }
  return null;
}

/** The ids of the variables an indexKey() names. */
function variablesOf(key: string): number[] {
  return [...key.matchAll(/v(\d+)/g)].map((m) => Number(m[1]));
}

export class FlowState {
  /** False once control cannot reach this point (after return, break, continue or panic). */
  reachable = true;
  private readonly ranges = new Map<Variable, Range>();
  private readonly nonZero = new Set<Variable>();
  private readonly below = new Set<string>();
  /** c <= i + k, keyed by "c.id:i.id". */
  private readonly atMost = new Map<string, { c: Variable; i: Variable; k: bigint }>();

  static unreachable(): FlowState {
    const state = new FlowState();
    state.reachable = false;
    return state;
  }

  clone(): FlowState {
    const copy = new FlowState();
    copy.reachable = this.reachable;
    for (const [v, r] of this.ranges) copy.ranges.set(v, r);
    for (const v of this.nonZero) copy.nonZero.add(v);
    for (const fact of this.below) copy.below.add(fact);
    for (const [key, fact] of this.atMost) copy.atMost.set(key, fact);
    return copy;
  }

  rangeOf(v: Variable): Range | undefined {
    return this.ranges.get(v);
  }

  setRange(v: Variable, r: Range): void {
    this.ranges.set(v, r);
    if (r.lo > 0n || r.hi < 0n) this.nonZero.add(v);
  }

  /** Records that v is not 0 here (its interval may still contain 0: v !== 0 for a signed v). */
  setNonZero(v: Variable): void {
    this.nonZero.add(v);
  }

  isNonZero(v: Variable): boolean {
    return this.nonZero.has(v);
  }

  /**
   * An assignment to v: forget its narrowing and every fact that mentions it. `step` is the interval of d
   * when the new value is exactly v + d: the "at most" facts then move with v instead of going.
   */
  kill(v: Variable, step?: Range): void {
    this.ranges.delete(v);
    this.nonZero.delete(v);
    for (const fact of [...this.below]) {
      const [array, index] = fact.split(":");
      if (Number(array) === v.id || variablesOf(index).includes(v.id)) this.below.delete(fact);
    }
    for (const [key, fact] of [...this.atMost]) {
      if (fact.c !== v && fact.i !== v) continue;
      if (!step) this.atMost.delete(key);
      // c grows by at most step.hi; i grows by at least step.lo.
      else if (fact.c === v) this.atMost.set(key, { ...fact, k: fact.k + step.hi });
      else this.atMost.set(key, { ...fact, k: fact.k - step.lo });
    }
  }

  /**
   * At the start of a for loop whose head declares i: every local c with an interval here is at most
   * i + (c's largest value - i's smallest). The loop's fixpoint keeps the facts its body maintains.
   */
  relateTo(i: Variable): void {
    const ri = this.ranges.get(i);
    if (!ri) return;
    for (const [c, rc] of this.ranges) if (c !== i) this.atMost.set(`${c.id}:${i.id}`, { c, i, k: rc.hi - ri.lo });
  }

  /** The smallest upper bound on v that its "at most" facts give (each other variable's interval from `rangeOf`), or null. */
  upperBoundOf(v: Variable, rangeOf: (other: Variable) => Range): bigint | null {
    let bound: bigint | null = null;
    for (const fact of this.atMost.values()) {
      if (fact.c !== v) continue;
      const hi = rangeOf(fact.i).hi + fact.k;
      if (bound === null || hi < bound) bound = hi;
    }
    return bound;
  }

  /** The exact value of the index (its indexKey()) is below array's length here. */
  addBelowLength(index: string, array: Variable): void {
    this.below.add(`${array.id}:${index}`);
  }

  isBelowLength(index: string, array: Variable): boolean {
    return this.below.has(`${array.id}:${index}`);
  }

  /** What holds on both paths. */
  static join(a: FlowState, b: FlowState): FlowState {
    if (!a.reachable) return b.clone();
    if (!b.reachable) return a.clone();
    const out = new FlowState();
    for (const [v, r] of a.ranges) {
      const other = b.ranges.get(v);
      if (other) out.ranges.set(v, union(r, other));
    }
    for (const v of a.nonZero) if (b.nonZero.has(v)) out.nonZero.add(v);
    for (const fact of a.below) if (b.below.has(fact)) out.below.add(fact);
    for (const [key, fact] of a.atMost) {
      const other = b.atMost.get(key);
      if (other) out.atMost.set(key, fact.k >= other.k ? fact : other);
    }
    return out;
  }

  static joinAll(states: FlowState[]): FlowState {
    return states.reduce((acc, s) => FlowState.join(acc, s), FlowState.unreachable());
  }

  /**
   * Does this state (a loop head assumed so far) already hold everything `next` (the head joined with the
   * back edges) says? `declared` gives a variable's range when a state has no narrowing for it.
   */
  covers(next: FlowState, declared: (v: Variable) => Range): boolean {
    if (!this.reachable) return !next.reachable;
    if (!next.reachable) return true;
    for (const v of new Set([...this.ranges.keys(), ...next.ranges.keys()])) {
      if (!contains(this.ranges.get(v) ?? declared(v), next.ranges.get(v) ?? declared(v))) return false;
    }
    for (const v of this.nonZero) if (!next.nonZero.has(v)) return false;
    for (const fact of this.below) if (!next.below.has(fact)) return false;
    for (const [key, fact] of this.atMost) {
      const other = next.atMost.get(key);
      if (!other || other.k > fact.k) return false;
    }
    return true;
  }

  /**
   * Widening, so the loop-head iteration ends: each bound of `next` that moved past this state's moves on
   * to the variable's declared bound (stores are checked, so no value lies beyond it), an upper bound
   * first to 2^31-1 when it is still below.
   */
  widen(next: FlowState, declared: (v: Variable) => Range): FlowState {
    const out = next.clone();
    if (!this.reachable) return out;
    // An "at most" bound that grew would grow each round: it goes.
    for (const [key, fact] of next.atMost) {
      const before = this.atMost.get(key);
      if (!before || fact.k > before.k) out.atMost.delete(key);
    }
    for (const [v, r] of next.ranges) {
      const before = this.ranges.get(v) ?? declared(v);
      const limit = declared(v);
      const lo = r.lo < before.lo ? limit.lo : r.lo;
      // One threshold on the way up: a non-negative int32 stays one (bitwise results of u32 loop state).
      const hi = r.hi > before.hi ? (r.hi <= INT32_MAX && INT32_MAX < limit.hi && before.hi < INT32_MAX ? INT32_MAX : limit.hi) : r.hi;
      if (lo <= limit.lo && hi >= limit.hi) out.ranges.delete(v);
      else out.ranges.set(v, { lo, hi });
    }
    return out;
  }
}
