/** Walking the IR: the direct sub-expressions of an expression, for analyses that look at every node. */
import type { Expr } from "./ir";

export function children(e: Expr): Expr[] {
  switch (e.k) {
    case "const":
    case "bool":
    case "var":
    case "enumMember":
      return [];
    case "binary":
    case "compare":
    case "logical":
    case "imul":
    case "divide":
      return [e.left, e.right];
    case "not":
    case "neg":
    case "bitnot":
    case "wrap":
    case "convert":
      return [e.operand];
    case "cond":
      return [e.test, e.whenTrue, e.whenFalse];
    case "index":
      return [e.array, e.index];
    case "length":
      return [e.array];
    case "subarray":
      return e.end ? [e.array, e.begin, e.end] : [e.array, e.begin];
    case "field":
      return [e.object];
    case "call":
    case "intrinsic":
      return e.args;
  }
}

/** True when `e` or any sub-expression satisfies `test`. */
export function some(e: Expr, test: (x: Expr) => boolean): boolean {
  return test(e) || children(e).some((c) => some(c, test));
}
