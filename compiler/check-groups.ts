/**
 * One bounds check for reads of one array at `base + 0`, `base + 1`, … `base + k` in one expression
 * (`b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)`): the C checks `base + k` once,
 * before the expression, and reads every element unchecked.
 *
 * Why that is exact: the expression must be *quiet* — no calls, no other kind of check, no `?:`, `&&` or
 * `||` — so every read in it is evaluated in JavaScript, nothing happens between them, and the only way it
 * can stop is a bounds trap at its own line. Node then traps exactly when some read is out of bounds, which
 * is exactly when the largest index is (base + k ≥ length); C's single check traps in the same case, with
 * the same kind, line and message, before any effect the statement has. When it passes, every index lies
 * in 0 … base + k < length. Stores are not grouped: a store before a failing one would be skipped.
 */
import { indexKey } from "./flow";
import type { Expr } from "./ir";
import { children } from "./ir-walk";
import { contains, UINT32 } from "./range";

/** Reads of one array at one base plus constant offsets, checked together. */
export interface CheckGroup {
  /** The array, a variable (a fixed array or a view). */
  readonly array: Extract<Expr, { k: "var" }>;
  /** The non-constant part of every index, in 0 … 2^32-1. */
  readonly base: Expr;
  /** The largest offset: the one index the group checks. */
  readonly maxOffset: bigint;
  /** The reads, emitted without their own checks. */
  readonly reads: Expr[];
}

/** Intrinsics that compute from their arguments alone: they neither trap nor have effects. */
const PURE_INTRINSICS = new Set(["shr64", "mulHigh32"]);

/** The check groups of an expression (statement value), or none when it is not quiet. */
export function checkGroups(root: Expr): CheckGroup[] {
  if (!quiet(root)) return [];
  const groups = new Map<string, { array: Extract<Expr, { k: "var" }>; base: Expr; offsets: bigint[]; reads: Expr[] }>();
  const visit = (e: Expr): void => {
    children(e).forEach(visit);
    if (e.k !== "index" || !e.checked || e.array.k !== "var") return;
    const split = baseAndOffset(e.index);
    if (!split) return;
    const key = `${e.array.v.id}:${split.key}`;
    const group = groups.get(key) ?? { array: e.array, base: split.base, offsets: [], reads: [] };
    group.offsets.push(split.offset);
    group.reads.push(e);
    groups.set(key, group);
  };
  visit(root);
  const out: CheckGroup[] = [];
  for (const g of groups.values()) {
    if (g.reads.length < 2) continue;
    out.push({ array: g.array, base: g.base, maxOffset: g.offsets.reduce((a, b) => (b > a ? b : a)), reads: g.reads });
  }
  return out;
}

/** `base`, `base + c` or `c + base` with base a u32 sum of locals and c a non-negative constant. */
function baseAndOffset(index: Expr): { base: Expr; key: string; offset: bigint } | null {
  let base = index;
  let offset = 0n;
  if (index.k === "binary" && index.op === "+" && !index.checked) {
    if (index.right.k === "const" && index.right.value >= 0n) [base, offset] = [index.left, index.right.value];
    else if (index.left.k === "const" && index.left.value >= 0n) [base, offset] = [index.right, index.left.value];
  }
  const key = indexKey(base);
  if (key === null || base.k === "const" || !contains(UINT32, base.range) || offset > UINT32.hi) return null;
  return { base, key, offset };
}

/** No calls, no short-circuit, no check that is not a bounds check: see the file comment. */
function quiet(e: Expr): boolean {
  switch (e.k) {
    case "call":
    case "subarray":
    case "cond":
    case "logical":
      return false;
    case "intrinsic":
      if (!PURE_INTRINSICS.has(e.name)) return false;
      break;
    case "binary":
    case "convert":
      if (e.checked) return false;
      break;
    case "divide":
      if (e.trapOnZero) return false;
      break;
  }
  return children(e).every(quiet);
}
