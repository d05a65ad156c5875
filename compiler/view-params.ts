/**
 * Typed-array parameters as a pointer and a length.
 *
 * A view is a two-word struct (tsb_view_u8 …). Passed by value, GCC for ARM sends it through the stack on
 * both sides of the call — the caller stores the two words and loads them back into r0/r1, the callee
 * stores r0/r1 into its frame to read the fields — even where the struct could stay in registers. So a
 * function the compiler alone calls (a `static` one: not exported from the entry module, not an @extern
 * binding) takes each view parameter as two C parameters, `uint8_t *tsb_b_ptr, uint32_t tsb_b_len`, and
 * rebuilds the view in a local (`tsb_view_u8 b = {tsb_b_ptr, tsb_b_len};`), which GCC keeps in registers.
 *
 * A call passes `v.ptr, v.len` when the argument is a view it can read twice (a variable or a field);
 * any other view argument (a subarray, a call's result) goes through an always-inline wrapper,
 * `tsb_views_<function>`, that takes the struct once and splits it. Exported functions and @extern
 * bindings keep the struct, as C code written by hand calls or implements them.
 */
import type { Expr, FunctionIR, Variable } from "./ir";

/** Whether fn's view parameters are emitted as pointer and length. */
export function takesSplitViews(fn: FunctionIR): boolean {
  return !fn.exported && !fn.externName && fn.params.some((p) => p.type.kind === "array");
}

/** The two C parameters a view parameter becomes (tsb_ names: no TypeScript name is spelled so in C). */
export function viewPartNames(param: Variable): { ptr: string; len: string } {
  return { ptr: `tsb_${param.cName}_ptr`, len: `tsb_${param.cName}_len` };
}

/** The wrapper that takes fn's views as structs, for a call with a view argument it must evaluate once. */
export function viewWrapperName(fn: FunctionIR): string {
  return `tsb_views_${fn.cName}`;
}

/** A view argument that can be named twice (pointer, then length) without evaluating anything twice. */
export function isPlainView(e: Expr): boolean {
  if (e.k === "var") return true;
  if (e.k === "field") return isPlainStruct(e.object);
  return false;
}

function isPlainStruct(e: Expr): boolean {
  return e.k === "var" || (e.k === "field" && isPlainStruct(e.object));
}
