/**
 * Constant folding with JavaScript's own semantics: what `a op b` and the wrapping helpers give in Node for
 * safe integer operands. Shared by the lowering stage and the differential test's generator (no ts-morph).
 */
import type { BinaryOp } from "./ir";
import type { IntKind } from "./types";

/** Constant folding with JavaScript's own semantics (the operands are safe integers). */
export function foldBinary(op: BinaryOp, a: bigint, b: bigint): bigint {
  const x = Number(a);
  const y = Number(b);
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "&":
      return BigInt(x & y);
    case "|":
      return BigInt(x | y);
    case "^":
      return BigInt(x ^ y);
    case "<<":
      return BigInt(x << y);
    case ">>":
      return BigInt(x >> y);
    case ">>>":
      return BigInt(x >>> y);
  }
}

export function wrapConst(to: IntKind, value: bigint): bigint {
  switch (to) {
    case "u8":
      return BigInt.asUintN(8, value);
    case "u16":
      return BigInt.asUintN(16, value);
    case "u32":
      return BigInt.asUintN(32, value);
    case "i8":
      return BigInt.asIntN(8, value);
    case "i16":
      return BigInt.asIntN(16, value);
    case "i32":
      return BigInt.asIntN(32, value);
    case "i64":
      return value;
  }
}

