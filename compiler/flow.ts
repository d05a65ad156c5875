/**
 * Flow facts for one point of a function: what the compiler knows beyond each variable's declared type.
 * - a narrowed interval per local variable (from assignments and from the conditions of if/while/for);
 * - "index i is below the length of array a" facts, so a[i] needs no bounds check inside
 *   `for (let i = 0; i < a.length; i++)`.
 * Only locals and parameters are tracked: a call can change module state behind the compiler's back.
 * Joins (after if/else, at loop exits) keep only what holds on every incoming path.
 */
import { Range, union } from "./range";
import type { Variable } from "./ir";

export class FlowState {
  /** False once control cannot reach this point (after return, break, continue or panic). */
  reachable = true;
  private readonly ranges = new Map<Variable, Range>();
  private readonly below = new Set<string>();

  static unreachable(): FlowState {
    const state = new FlowState();
    state.reachable = false;
    return state;
  }

  clone(): FlowState {
    const copy = new FlowState();
    copy.reachable = this.reachable;
    for (const [v, r] of this.ranges) copy.ranges.set(v, r);
    for (const fact of this.below) copy.below.add(fact);
    return copy;
  }

  rangeOf(v: Variable): Range | undefined {
    return this.ranges.get(v);
  }

  setRange(v: Variable, r: Range): void {
    this.ranges.set(v, r);
  }

  /** An assignment to v: forget its narrowing and every bounds fact that mentions it. */
  kill(v: Variable): void {
    this.ranges.delete(v);
    for (const fact of [...this.below]) {
      const [index, array] = fact.split(":");
      if (Number(index) === v.id || Number(array) === v.id) this.below.delete(fact);
    }
  }

  addBelowLength(index: Variable, array: Variable): void {
    this.below.add(`${index.id}:${array.id}`);
  }

  isBelowLength(index: Variable, array: Variable): boolean {
    return this.below.has(`${index.id}:${array.id}`);
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
    for (const fact of a.below) if (b.below.has(fact)) out.below.add(fact);
    return out;
  }

  static joinAll(states: FlowState[]): FlowState {
    return states.reduce((acc, s) => FlowState.join(acc, s), FlowState.unreachable());
  }
}
