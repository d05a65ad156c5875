/**
 * Lowering expressions: TypeScript syntax → typed IR with an interval on every integer expression.
 * This is where the subset's arithmetic rules live: what JavaScript computes exactly (and so C must
 * compute in a wide enough type), what may lose precision (rejected), and where a store needs a check.
 */
import { Node, SyntaxKind } from "ts-morph";
import { declarationOf, Declarations, hasTag, positionOf } from "./declarations";
import { DiagnosticSink } from "./diagnostics";
import { FlowState, indexKey } from "./flow";
import type { BinaryOp, CompareOp, Expr, FunctionIR, Provenance, Variable } from "./ir";
import { foldBinary, wrapConst } from "./fold";
import { isRuntimeFile } from "./program";
import * as R from "./range";
import { BOOL_RANGE } from "./range";
import { Range } from "./range";
import {
  ARRAY_CONSTRUCTORS,
  ArrayType,
  BOOL,
  INT_RANGES,
  IntKind,
  intType,
  isI64,
  isNumeric,
  NUM,
  sameType,
  storageRange,
  typeName,
  ValueType,
} from "./types";

/** The wrapping intrinsics of runtime/ints.ts and the integer kind each wraps to (i64() is a conversion). */
const WRAP_HELPERS: Record<string, IntKind> = { u8: "u8", u16: "u16", u32: "u32", i8: "i8", i16: "i16", i32: "i32", i64: "i64" };
const I64_RANGE = INT_RANGES.i64;

/** Intrinsics other than the wrapping helpers: their parameter types and result. */
const INTRINSICS: Record<string, { params: IntKind[]; result: IntKind | "void"; noReturn?: boolean; stringArg?: boolean }> = {
  print: { params: [], result: "void", stringArg: true },
  panic: { params: [], result: "void", stringArg: true, noReturn: true },
  printInt: { params: [], result: "void" },
  mmioRead8: { params: ["u32"], result: "u8" },
  mmioRead16: { params: ["u32"], result: "u16" },
  mmioRead32: { params: ["u32"], result: "u32" },
  mmioWrite8: { params: ["u32", "u8"], result: "void" },
  mmioWrite16: { params: ["u32", "u16"], result: "void" },
  mmioWrite32: { params: ["u32", "u32"], result: "void" },
  disableInterrupts: { params: [], result: "void" },
  enableInterrupts: { params: [], result: "void" },
  dataSyncBarrier: { params: [], result: "void" },
  instructionSyncBarrier: { params: [], result: "void" },
  setVectorTable: { params: ["u32"], result: "void" },
  startApplication: { params: ["u32", "u32"], result: "void", noReturn: true },
  shr64: { params: ["i64", "u8"], result: "i64" },
  mulHigh32: { params: ["u32", "u32"], result: "u32" },
};

/** What the compiler calls expressions outside the subset, instead of TypeScript's syntax kind names. */
const READABLE_KINDS: Partial<Record<SyntaxKind, [string, string]>> = {
  [SyntaxKind.TypeOfExpression]: ["The typeof operator", "The subset's types are known at compile time: remove it."],
  [SyntaxKind.DeleteExpression]: ["The delete operator", "Objects of the subset keep all their fields: assign a value instead."],
  [SyntaxKind.VoidExpression]: ["The void operator", "Remove it: call the function as a statement."],
  [SyntaxKind.SpreadElement]: ["Spread (...)", "Pass the values one by one."],
  [SyntaxKind.TaggedTemplateExpression]: ["A tagged template", "Strings are only the literal argument of print() or panic()."],
  [SyntaxKind.RegularExpressionLiteral]: ["A regular expression", "Compare bytes in a loop."],
  [SyntaxKind.BigIntLiteral]: ["A bigint literal", "Use an i64 (exact within ±(2^53-1)) or a pair of u32 halves."],
  [SyntaxKind.ThisKeyword]: ["'this'", "Pass the object as a parameter."],
  [SyntaxKind.SuperKeyword]: ["'super'", "There are no classes: call a top-level function."],
  [SyntaxKind.MetaProperty]: ["import.meta and new.target", "Remove it."],
  [SyntaxKind.ImportKeyword]: ["A dynamic import", "Import statically at the top of the file."],
  [SyntaxKind.InKeyword]: ["'in'", "Test an integer tag field instead."],
  [SyntaxKind.CommaListExpression]: ["The comma operator", "Write separate statements."],
};

const ARITH_TOKENS = new Set<SyntaxKind>([SyntaxKind.PlusToken, SyntaxKind.MinusToken, SyntaxKind.AsteriskToken]);

export const INVALID: Expr = { k: "const", value: 0n, type: NUM, range: R.single(0n) };

export abstract class ExpressionLowering {
  state = new FlowState();
  /** Set by a call that never returns (panic, startApplication, a `never` function). */
  protected callNeverReturns = false;
  /** Off while lowering code that is checked but not emitted (the dead arm of a constant conditional). */
  protected markReads = true;
  /** Inside i64(…): + - * in the operand's arithmetic tree are checked i64 operations. */
  private i64Context = false;
  /** Inside u32(…) / i32(…) / | 0 / >>> 0: only the value modulo 2^32 is observed (for suggestions). */
  private wrap32Context = false;

  constructor(
    protected readonly decls: Declarations,
    protected readonly diagnostics: DiagnosticSink,
    protected readonly fn: FunctionIR | null,
  ) {}

  /** The variable a name refers to in this scope (locals first, then module state). */
  protected abstract variableFor(decl: Node): Variable | undefined;

  protected error(name: Parameters<DiagnosticSink["error"]>[0], node: Node, ...args: string[]): Expr {
    this.diagnostics.error(name, positionOf(node), ...args);
    return INVALID;
  }

  /** The interval of a variable here: its declared range narrowed by what the flow knows. */
  protected rangeOfVariable(v: Variable): Range {
    const declared = v.rangeTyped ?? storageRange(v.type) ?? R.single(0n);
    if (v.constValue !== undefined) return R.single(v.constValue);
    const r = this.state.rangeOf(v) ?? declared;
    // A counter at most a loop index (+ k) is below the index's bound too.
    const bound = this.state.upperBoundOf(v, (other) => this.state.rangeOf(other) ?? other.rangeTyped ?? storageRange(other.type) ?? R.single(0n));
    return bound !== null && r.lo <= bound && bound < r.hi ? R.range(r.lo, bound) : r;
  }

  expr(node: Node): Expr {
    // i64(…) and a 32-bit wrap reach through + - * and parentheses only: any other expression starts afresh.
    const arithmetic = Node.isParenthesizedExpression(node) || (Node.isPrefixUnaryExpression(node) && node.getOperatorToken() === SyntaxKind.MinusToken) || (Node.isBinaryExpression(node) && ARITH_TOKENS.has(node.getOperatorToken().getKind()));
    if (arithmetic || (!this.i64Context && !this.wrap32Context)) return this.exprOf(node);
    const saved = [this.i64Context, this.wrap32Context] as const;
    this.i64Context = false;
    this.wrap32Context = false;
    try {
      return this.exprOf(node);
    } finally {
      [this.i64Context, this.wrap32Context] = saved;
    }
  }

  private exprOf(node: Node): Expr {
    if ((Node.isPropertyAccessExpression(node) || Node.isElementAccessExpression(node) || Node.isCallExpression(node)) && node.hasQuestionDotToken()) {
      const text = node.getText();
      return this.error("OptionalChaining", node, text, text.replace(/\?\.(?=[[(])/g, "").replace(/\?\./g, "."));
    }
    switch (node.getKind()) {
      case SyntaxKind.NumericLiteral:
        return this.numericLiteral(node);
      case SyntaxKind.TrueKeyword:
        return { k: "bool", value: true, type: BOOL, range: BOOL_RANGE };
      case SyntaxKind.FalseKeyword:
        return { k: "bool", value: false, type: BOOL, range: BOOL_RANGE };
      case SyntaxKind.Identifier:
        return this.identifier(node);
      case SyntaxKind.ParenthesizedExpression:
        return this.expr((node as import("ts-morph").ParenthesizedExpression).getExpression());
      case SyntaxKind.PrefixUnaryExpression:
        return this.prefixUnary(node as import("ts-morph").PrefixUnaryExpression);
      case SyntaxKind.PostfixUnaryExpression:
        return this.error("AssignmentAsValue", node);
      case SyntaxKind.BinaryExpression:
        return this.binary(node as import("ts-morph").BinaryExpression);
      case SyntaxKind.ConditionalExpression:
        return this.conditional(node as import("ts-morph").ConditionalExpression);
      case SyntaxKind.CallExpression:
        return this.call(node as import("ts-morph").CallExpression);
      case SyntaxKind.PropertyAccessExpression:
        return this.propertyAccess(node as import("ts-morph").PropertyAccessExpression);
      case SyntaxKind.ElementAccessExpression:
        return this.elementAccess(node as import("ts-morph").ElementAccessExpression);
      case SyntaxKind.StringLiteral:
      case SyntaxKind.NoSubstitutionTemplateLiteral:
      case SyntaxKind.TemplateExpression:
        return this.error("StringValue", node);
      case SyntaxKind.ArrowFunction:
      case SyntaxKind.FunctionExpression:
        return this.error("Closure", node);
      case SyntaxKind.ClassExpression:
        return this.error("Class", node);
      case SyntaxKind.NullKeyword:
        return this.error("NullUndefined", node);
      case SyntaxKind.AwaitExpression:
      case SyntaxKind.YieldExpression:
        return this.error("Async", node);
      case SyntaxKind.NewExpression:
        return this.error("DynamicAllocation", node, "Typed arrays are created only as the initializer of a const declaration.", "Declare it: const buffer = new Uint8Array(64);");
      case SyntaxKind.ArrayLiteralExpression:
        return this.error("DynamicAllocation", node, "Array literals are dynamic allocations.", "Use a typed array: const table = new Uint32Array([1, 2, 3]);");
      case SyntaxKind.ObjectLiteralExpression:
        return this.error("DynamicAllocation", node, "Object literals are allowed only as the initializer of a const of interface type.", "Declare it: const state: State = { ... };");
      case SyntaxKind.AsExpression:
      case SyntaxKind.TypeAssertionExpression: {
        const typeText = (node as import("ts-morph").AsExpression).getTypeNode()?.getText();
        if (typeText === "const") return this.error("Unsupported", node, "An 'as const' assertion", "Remove it: a number is a constant already, and module-level consts fold.");
        const helper = typeText && /^[ui](8|16|32)$/.test(typeText) ? `${typeText}(x)` : "u8(x) … i32(x)";
        return this.error("Unsupported", node, "A type assertion", `An assertion changes nothing in Node: to convert, call a wrapping helper such as ${helper}.`);
      }
      case SyntaxKind.NonNullExpression:
        return this.error("NullUndefined", node);
      case SyntaxKind.SatisfiesExpression:
        return this.expr((node as import("ts-morph").SatisfiesExpression).getExpression());
      default: {
        const readable = READABLE_KINDS[node.getKind()];
        if (readable) return this.error("Unsupported", node, readable[0], readable[1]);
        const text = node.getText().replace(/\s+/g, " ");
        return this.error("Unsupported", node, `The expression '${text.length > 40 ? text.slice(0, 37) + "…" : text}'`, "Rewrite it with the constructs listed in docs/subset.md.");
      }
    }
  }

  private numericLiteral(node: Node): Expr {
    const text = node.getText();
    const value = Number(text.replace(/_/g, ""));
    // 1.0 is an integer value but says floating point: a decimal point is refused too.
    if (!Number.isInteger(value) || (/\./.test(text) && !/^0[xob]/i.test(text))) return this.error("NonIntegerLiteral", node, text);
    if (!Number.isSafeInteger(value)) return this.error("UnsafeLiteral", node, text);
    const v = BigInt(value);
    return { k: "const", value: v, text: /^0x/i.test(text) ? text.replace(/_/g, "") : undefined, type: NUM, range: R.single(v) };
  }

  private identifier(node: Node): Expr {
    const text = node.getText();
    if (text === "undefined") return this.error("NullUndefined", node);
    if (text === "NaN" || text === "Infinity") return this.error("NonIntegerLiteral", node, text);
    const decl = declarationOf(node);
    if (!decl) return this.error("Unsupported", node, `The name '${text}'`, "Declare it in the program.");
    // Its declaration was rejected already: one diagnostic for it is enough.
    if (this.decls.rejected.has(decl)) return INVALID;
    const v = this.variableFor(decl);
    if (!v) {
      if (Node.isFunctionDeclaration(decl)) return this.error("Unsupported", node, "A function used as a value", "Call the function directly; there are no function pointers.");
      return this.error("Unsupported", node, `The name '${text}'`, "Only variables, parameters and constants of the program can be read.");
    }
    if (this.markReads) v.read = true;
    // A module-level integer constant is a constant expression (it folds), emitted by its #define name.
    if (v.constValue !== undefined && v.type.kind !== "enum") return { k: "const", value: v.constValue, constant: v, type: NUM, range: R.single(v.constValue) };
    return { k: "var", v, type: v.type, range: this.rangeOfVariable(v) };
  }

  private prefixUnary(node: import("ts-morph").PrefixUnaryExpression): Expr {
    const op = node.getOperatorToken();
    const operandNode = node.getOperand();
    if (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken) return this.error("AssignmentAsValue", node);
    if (op === SyntaxKind.ExclamationToken) {
      const operand = this.condition(operandNode);
      if (operand.k === "bool") return { k: "bool", value: !operand.value, type: BOOL, range: BOOL_RANGE };
      return { k: "not", operand, type: BOOL, range: BOOL_RANGE };
    }
    const operand = this.numeric(operandNode, op === SyntaxKind.MinusToken ? "-" : op === SyntaxKind.TildeToken ? "~" : "+");
    if (op === SyntaxKind.MinusToken) {
      if (operand.k === "const") return { ...operand, value: -operand.value, text: operand.text && !operand.constant ? `-${operand.text}` : undefined, constant: undefined, range: R.neg(operand.range) };
      // ±(2^53-1) is symmetric: negating an i64 never leaves it.
      return { k: "neg", operand, type: isI64(operand.type) || this.i64Context ? intType("i64") : NUM, range: R.neg(operand.range) };
    }
    if (op === SyntaxKind.TildeToken) {
      if (operand.k === "const") return this.constant(BigInt(~Number(BigInt.asIntN(32, operand.value))));
      return { k: "bitnot", operand, type: NUM, range: R.bitNot(operand.range) };
    }
    return this.error("Unsupported", node, "Unary '+'", "Remove it: the value is already a number.");
  }

  protected constant(value: bigint): Expr {
    return { k: "const", value, type: NUM, range: R.single(value) };
  }

  /** An operand that must be an integer (not a boolean, array or object). */
  protected numeric(node: Node, operator: string): Expr {
    const e = this.expr(node);
    if (e === INVALID) return e;
    if (!isNumeric(e.type)) {
      this.error("OperandType", node, operator, typeName(e.type), e.type.kind === "bool" ? "Use a conditional: flag ? 1 : 0." : "Operate on an integer value.");
      return INVALID;
    }
    return e;
  }

  /** A boolean condition: integers are rejected (no truthiness). */
  condition(node: Node): Expr {
    const e = this.expr(node);
    if (e === INVALID) return { k: "bool", value: false, type: BOOL, range: BOOL_RANGE };
    if (e.type.kind !== "bool") {
      this.error("NumberAsCondition", node, typeName(e.type), node.getText());
      return { k: "bool", value: false, type: BOOL, range: BOOL_RANGE };
    }
    return e;
  }

  private binary(node: import("ts-morph").BinaryExpression): Expr {
    const opKind = node.getOperatorToken().getKind();
    const leftNode = node.getLeft();
    const rightNode = node.getRight();
    switch (opKind) {
      case SyntaxKind.AmpersandAmpersandToken:
      case SyntaxKind.BarBarToken: {
        const left = this.condition(leftNode);
        // The right operand runs only when the left one allows it: narrow accordingly.
        const saved = this.state;
        this.state = this.narrowed(left, opKind === SyntaxKind.AmpersandAmpersandToken);
        const right = this.condition(rightNode);
        this.state = saved;
        return { k: "logical", op: opKind === SyntaxKind.AmpersandAmpersandToken ? "&&" : "||", left, right, type: BOOL, range: BOOL_RANGE };
      }
      case SyntaxKind.EqualsEqualsEqualsToken:
      case SyntaxKind.EqualsEqualsToken:
        return this.compare(node, "===");
      case SyntaxKind.ExclamationEqualsEqualsToken:
      case SyntaxKind.ExclamationEqualsToken:
        return this.compare(node, "!==");
      case SyntaxKind.LessThanToken:
        return this.compare(node, "<");
      case SyntaxKind.LessThanEqualsToken:
        return this.compare(node, "<=");
      case SyntaxKind.GreaterThanToken:
        return this.compare(node, ">");
      case SyntaxKind.GreaterThanEqualsToken:
        return this.compare(node, ">=");
      case SyntaxKind.PlusToken:
        return this.arithmetic(node, "+");
      case SyntaxKind.MinusToken:
        return this.arithmetic(node, "-");
      case SyntaxKind.AsteriskToken:
        return this.arithmetic(node, "*");
      case SyntaxKind.AmpersandToken:
        return this.arithmetic(node, "&");
      case SyntaxKind.BarToken:
        if (this.isZero(rightNode)) return this.wrapNode(leftNode, "i32");
        return this.arithmetic(node, "|");
      case SyntaxKind.CaretToken:
        return this.arithmetic(node, "^");
      case SyntaxKind.LessThanLessThanToken:
        return this.arithmetic(node, "<<");
      case SyntaxKind.GreaterThanGreaterThanToken:
        return this.arithmetic(node, ">>");
      case SyntaxKind.GreaterThanGreaterThanGreaterThanToken:
        if (this.isZero(rightNode)) return this.wrapNode(leftNode, "u32");
        return this.arithmetic(node, ">>>");
      case SyntaxKind.SlashToken:
        return this.error("BareDivision", node, node.getText());
      case SyntaxKind.PercentToken:
        return this.remainder(node);
      case SyntaxKind.AsteriskAsteriskToken:
        return this.error("Unsupported", node, "'**'", "Multiply, or shift for powers of two: 1 << n.");
      case SyntaxKind.QuestionQuestionToken:
        return this.error("NullUndefined", node);
      case SyntaxKind.CommaToken:
        return this.error("Unsupported", node, "The comma operator", "Write separate statements.");
      case SyntaxKind.InKeyword:
      case SyntaxKind.InstanceOfKeyword:
        return this.error("Unsupported", node, `'${node.getOperatorToken().getText()}'`, "Test an integer tag field instead.");
      default:
        if (opKind >= SyntaxKind.FirstAssignment && opKind <= SyntaxKind.LastAssignment) return this.error("AssignmentAsValue", node);
        return this.error("Unsupported", node, `Operator '${node.getOperatorToken().getText()}'`, "See docs/subset.md for the operators.");
    }
  }

  private isZero(node: Node): boolean {
    return Node.isNumericLiteral(node) && Number(node.getText()) === 0;
  }

  private compare(node: import("ts-morph").BinaryExpression, op: CompareOp): Expr {
    const left = this.expr(node.getLeft());
    const right = this.expr(node.getRight());
    if (left === INVALID || right === INVALID) return { k: "bool", value: false, type: BOOL, range: BOOL_RANGE };
    const bothBool = left.type.kind === "bool" && right.type.kind === "bool";
    if (bothBool && (op === "===" || op === "!==")) return { k: "compare", op, left, right, type: BOOL, range: BOOL_RANGE };
    for (const [e, n] of [[left, node.getLeft()], [right, node.getRight()]] as const) {
      if (!isNumeric(e.type)) {
        this.error("OperandType", n, op, typeName(e.type), "Compare integers, or two booleans with === / !==.");
        return { k: "bool", value: false, type: BOOL, range: BOOL_RANGE };
      }
    }
    if (left.type.kind === "enum" && right.type.kind === "enum" && left.type !== right.type) {
      this.error("TypeMismatch", node.getRight(), left.type.name, right.type.name, "Compare members of the same enum.");
    }
    // Constant comparisons fold, which also lets `while (1 < 2)`-style loops be seen as endless.
    if (left.k === "const" && right.k === "const") return { k: "bool", value: compareConst(op, left.value, right.value), type: BOOL, range: BOOL_RANGE };
    if (op !== "===" && op !== "!==" && this.state.reachable) {
      for (const [side, sideNode] of [[left, node.getLeft()], [right, node.getRight()]] as const) {
        if (isCounterDifference(side)) {
          const fixed = node.getText().replace(sideNode.getText(), `u32(${unparenthesized(sideNode).getText()})`);
          this.diagnostics.warning("UnwrappedTimeDifference", positionOf(sideNode), unparenthesized(sideNode).getText(), fixed);
        }
      }
    }
    return { k: "compare", op, left, right, type: BOOL, range: BOOL_RANGE };
  }

  private arithmetic(node: import("ts-morph").BinaryExpression, op: BinaryOp): Expr {
    const left = this.numeric(node.getLeft(), op);
    const right = this.numeric(node.getRight(), op);
    if (left === INVALID || right === INVALID) return INVALID;
    return this.combine(node, op, left, right, node.getLeft().getText(), node.getRight().getText());
  }

  /**
   * `left op right` (also the value of a compound assignment `x op= v`): the result's interval, checked i64
   * arithmetic when an operand is an i64 (or inside i64(…)), TSB1020 where JavaScript could lose precision.
   */
  protected combine(node: Node, op: BinaryOp, left: Expr, right: Expr, leftText: string, rightText: string): Expr {
    const shiftCount = R.shiftCount;
    let result: Range;
    switch (op) {
      case "+":
        result = R.add(left.range, right.range);
        break;
      case "-":
        result = R.sub(left.range, right.range);
        break;
      case "*":
        result = R.mul(left.range, right.range);
        break;
      case "&":
        result = R.bitAnd(left.range, right.range);
        break;
      case "|":
      case "^":
        result = R.bitOrXor(left.range, right.range);
        break;
      case "<<":
        result = R.shiftLeft(left.range, shiftCount(right.range));
        break;
      case ">>":
        result = R.shiftRight(left.range, shiftCount(right.range));
        break;
      case ">>>":
        result = R.shiftRightUnsigned(left.range, shiftCount(right.range));
        break;
    }
    const i64 = (op === "+" || op === "-" || op === "*") && (isI64(left.type) || isI64(right.type) || this.i64Context);
    if ((op === "<<" || op === ">>" || op === ">>>") && isI64(left.type) && !R.contains(R.INT32, left.range) && !R.contains(R.UINT32, left.range)) {
      const k = rightText;
      const advice = op === "<<" ? `Multiply instead: ${leftText} * ${/^\d+$/.test(k) && Number(k) < 53 ? 2 ** Number(k) : `2 ** ${k}`} (checked in i64).` : `shr64(${leftText}, ${k}) shifts the whole value (floor(${leftText} / 2^${k})); for the low 32 bits write i32(${leftText}) ${op} ${k}.`;
      return this.error("WideShift", node, node.getText(), R.formatRange(left.range), op, advice);
    }
    if (left.k === "const" && right.k === "const") {
      if (!R.isSafe(result)) return this.precisionLoss(node, op, result, leftText, rightText);
      const folded = this.constant(foldBinary(op, left.value, right.value));
      return i64 ? { ...folded, type: intType("i64") } : folded;
    }
    if (i64) {
      // Checked i64 arithmetic: the exact result is kept while it lies within ±(2^53-1), else it traps.
      // (Constant operands fold above, so a constant overflow is a compile error, as in Zig.)
      const inside = R.intersect(result, I64_RANGE) ?? I64_RANGE;
      return { k: "binary", op, left, right, checked: !R.contains(I64_RANGE, result), type: intType("i64"), range: inside };
    }
    if (!R.isSafe(result)) return this.precisionLoss(node, op, result, leftText, rightText);
    // x - x and x ^ x are 0 whatever x is: GCC knows it and warns about comparisons it then decides, so the
    // range says so too (the node stays, so x still counts as used).
    if ((op === "-" || op === "^") && left.k === "var" && right.k === "var" && left.v === right.v) return { k: "binary", op, left, right, type: NUM, range: R.single(0n) };
    return { k: "binary", op, left, right, type: NUM, range: result };
  }

  /** TSB1020 with a rewrite that keeps the result Node would compute where one exists. */
  protected precisionLoss(node: Node, op: string, result: Range, a: string, b: string): Expr {
    const far = R.abs(result.lo) > R.abs(result.hi) ? result.lo : result.hi;
    let advice: string;
    if (op === "*" && this.wrap32Context) {
      advice = `Only its low 32 bits are kept: write Math.imul(${a}, ${b}) (>>> 0 for u32), which computes them exactly; this product would be rounded first. For the whole product compute in i64: i64(${a}) * ${b}, checked.`;
    } else if (op === "*") {
      advice = `Narrow the operands first (${a} & 0xffff, ${a} >>> 16), or compute in i64: i64(${a}) * ${b}, which traps instead of losing precision.`;
    } else {
      advice = `Wrap an operand first (u32(${a}) ${op} ${b}), or compute in i64: i64(${a}) ${op} ${b}, which traps instead of losing precision.`;
    }
    return this.error("PrecisionLoss", node, node.getText(), R.formatRange(R.single(far)), advice);
  }

  private remainder(node: import("ts-morph").BinaryExpression): Expr {
    const left = this.numeric(node.getLeft(), "%");
    const right = this.numeric(node.getRight(), "%");
    if (left === INVALID || right === INVALID) return INVALID;
    if (this.mayBeZero(right)) {
      return this.error("RemainderByZero", node, node.getText(), R.formatRange(right.range), node.getRight().getText());
    }
    // No size limit: the remainder of two safe integers is exact in JavaScript (fmod is exact) and in C.
    if (left.k === "const" && right.k === "const") return this.constant(left.value % right.value);
    return { k: "divide", op: "%", left, right, divisorMayBeZero: false, type: isI64(left.type) || isI64(right.type) ? intType("i64") : NUM, range: R.remainder(left.range, nonZeroPart(right.range) ?? right.range) };
  }

  /** Can this divisor be 0? Its interval says so unless the flow knows better (`if (b === 0) return …;`). */
  private mayBeZero(divisor: Expr): boolean {
    if (divisor.range.lo > 0n || divisor.range.hi < 0n) return false;
    return !(divisor.k === "var" && this.state.isNonZero(divisor.v));
  }

  /**
   * u8(x) … i32(x), x | 0, x >>> 0: the operand may be a division, which only a wrap makes an integer.
   * A quotient of safe integers truncates exactly: JavaScript rounds a/b to a double, but for |a| < 2^53 the
   * rounding error is below the distance 1/|b| from a/b to the next integer, so truncating gives the exact
   * integer quotient (docs/subset.md §7). i64(x) is not a wrap: it computes x in checked i64.
   */
  protected wrapNode(operandNode: Node, to: IntKind): Expr {
    let inner = operandNode;
    while (Node.isParenthesizedExpression(inner)) inner = inner.getExpression();
    const i64 = to === "i64";
    let operand: Expr;
    if (Node.isBinaryExpression(inner) && [SyntaxKind.SlashToken, SyntaxKind.PercentToken].includes(inner.getOperatorToken().getKind())) {
      const op = inner.getOperatorToken().getKind() === SyntaxKind.SlashToken ? "/" : "%";
      const left = this.numeric(inner.getLeft(), op);
      const right = this.numeric(inner.getRight(), op);
      if (left === INVALID || right === INVALID) return INVALID;
      const divisor = right.range;
      const divisorMayBeZero = this.mayBeZero(right);
      if (left.k === "const" && right.k === "const") {
        if (i64 && right.value === 0n) return this.error("CertainTrap", inner, inner.getText(), "a division by zero", "i64", R.formatRange(I64_RANGE), "An i64 quotient by zero traps: divide by a value that is not 0.");
        // JavaScript's own answer: the quotient or remainder (NaN, ±Infinity for a zero divisor), then the wrap.
        const exact = op === "/" ? Number(left.value) / Number(right.value) : Number(left.value) % Number(right.value);
        const truncated = Number.isFinite(exact) ? BigInt(Math.trunc(exact)) : 0n;
        return { ...this.constant(i64 ? truncated : wrapConst(to, truncated)), type: i64 ? intType("i64") : NUM };
      }
      const nonZero = divisorMayBeZero ? nonZeroPart(divisor) : divisor;
      const resultRange = nonZero ? (op === "/" ? R.quotient(left.range, nonZero) : R.remainder(left.range, nonZero)) : R.single(0n);
      if (i64) {
        // By zero JavaScript gives ±Infinity or NaN, outside i64: C and checked Node trap there.
        return { k: "divide", op, left, right, divisorMayBeZero, trapOnZero: divisorMayBeZero, type: intType("i64"), range: resultRange };
      }
      operand = { k: "divide", op, left, right, divisorMayBeZero, type: NUM, range: divisorMayBeZero ? R.union(resultRange, R.single(0n)) : resultRange };
    } else {
      const saved = [this.i64Context, this.wrap32Context] as const;
      this.i64Context = i64;
      this.wrap32Context = to === "u32" || to === "i32";
      try {
        operand = this.numeric(operandNode, to);
      } finally {
        [this.i64Context, this.wrap32Context] = saved;
      }
      if (operand === INVALID) return INVALID;
    }
    if (i64) {
      if (operand.k === "const") return { ...operand, type: intType("i64") };
      return { k: "convert", operand, checked: false, type: intType("i64"), range: operand.range };
    }
    const target = INT_RANGES[to];
    if (operand.k === "const") return this.constant(wrapConst(to, operand.value));
    // u8(x << 8), u16(x & 0xff0000): every bit the wrap keeps is known to be 0 (GCC sees it too and would
    // warn about comparisons of the result).
    const width = BigInt(to.slice(1));
    const range = lowZeroBits(operand) >= width ? R.single(0n) : R.contains(target, operand.range) ? operand.range : target;
    // u8(x) is a u8 (runtime/ints.ts says so too): `const b = u8(x)` is a uint8_t.
    return { k: "wrap", to, operand, type: intType(to), range };
  }

  private conditional(node: import("ts-morph").ConditionalExpression): Expr {
    const test = this.condition(node.getCondition());
    // A constant condition picks its arm at compile time (the other arm is never evaluated in JavaScript).
    if (test.k === "bool") {
      // The dead arm is still checked, but what it reads does not count as used (it is not emitted).
      const marking = this.markReads;
      this.markReads = false;
      this.expr(test.value ? node.getWhenFalse() : node.getWhenTrue());
      this.markReads = marking;
      return this.expr(test.value ? node.getWhenTrue() : node.getWhenFalse());
    }
    const saved = this.state;
    this.state = this.narrowed(test, true);
    const whenTrue = this.expr(node.getWhenTrue());
    this.state = this.narrowed(test, false, saved);
    const whenFalse = this.expr(node.getWhenFalse());
    this.state = saved;
    if (whenTrue === INVALID || whenFalse === INVALID) return INVALID;
    if (whenTrue.type.kind === "bool" && whenFalse.type.kind === "bool") {
      return { k: "cond", test, whenTrue, whenFalse, type: BOOL, range: R.single(0n) };
    }
    if (isNumeric(whenTrue.type) && isNumeric(whenFalse.type)) {
      const sameEnum = whenTrue.type.kind === "enum" && whenTrue.type === whenFalse.type;
      // An i64 arm makes the result an i64: arithmetic on it stays checked.
      const i64 = isI64(whenTrue.type) || isI64(whenFalse.type);
      return {
        k: "cond",
        test,
        whenTrue,
        whenFalse,
        type: sameEnum ? whenTrue.type : i64 ? intType("i64") : NUM,
        range: R.union(whenTrue.range, whenFalse.range),
      };
    }
    return this.error("Unsupported", node, "A conditional whose arms are not both integers or both booleans", "Use an if statement.");
  }

  /** The flow state in which `test` is known to be `truthy`. */
  narrowed(test: Expr, truthy: boolean, from: FlowState = this.state): FlowState {
    const state = from.clone();
    this.narrowInto(state, test, truthy);
    return state;
  }

  private narrowInto(state: FlowState, test: Expr, truthy: boolean): void {
    if (test.k === "bool") {
      if (test.value !== truthy) state.reachable = false;
      return;
    }
    if (test.k === "not") return this.narrowInto(state, test.operand, !truthy);
    if (test.k === "logical") {
      // a && b true: both true; a || b false: both false. Otherwise nothing certain about either.
      if ((test.op === "&&") === truthy) {
        this.narrowInto(state, test.left, truthy);
        this.narrowInto(state, test.right, truthy);
      }
      return;
    }
    if (test.k !== "compare" || test.left.type.kind === "bool") return;
    const op = truthy ? test.op : negate(test.op);
    this.narrowSide(state, test.left, op, test.right);
    this.narrowSide(state, test.right, flip(op), test.left);
    // Only locals: a call can reassign a module-level view (and so its length) behind the compiler's back.
    // The comparison is of exact values: `at + i < data.length` holds for the sum JavaScript computes.
    const [index, length] = op === "<" ? [test.left, test.right] : op === ">" ? [test.right, test.left] : [null, null];
    const key = index ? indexKey(index) : null;
    if (key !== null && length?.k === "length" && length.array.k === "var" && length.array.v.scope !== "global") {
      state.addBelowLength(key, length.array.v);
    }
  }

  private narrowSide(state: FlowState, side: Expr, op: CompareOp, other: Expr): void {
    if (side.k !== "var" || side.v.scope === "global") return;
    const current = state.rangeOf(side.v) ?? side.range;
    const o = other.range;
    let bound: Range | null = null;
    switch (op) {
      case "<":
        bound = R.range(R.INT64.lo, o.hi - 1n);
        break;
      case "<=":
        bound = R.range(R.INT64.lo, o.hi);
        break;
      case ">":
        bound = R.range(o.lo + 1n, R.INT64.hi);
        break;
      case ">=":
        bound = R.range(o.lo, R.INT64.hi);
        break;
      case "===":
        bound = o;
        break;
      case "!==":
        if (R.isSingle(o) && o.lo === 0n) state.setNonZero(side.v);
        if (R.isSingle(o) && current.lo === o.lo) bound = R.range(o.lo + 1n, current.hi);
        else if (R.isSingle(o) && current.hi === o.lo) bound = R.range(current.lo, o.lo - 1n);
        break;
    }
    if (!bound) return;
    const next = R.intersect(current, bound);
    if (next) state.setRange(side.v, next);
    else state.reachable = false;
  }

  private call(node: import("ts-morph").CallExpression): Expr {
    const callee = node.getExpression();
    const args = node.getArguments();
    if (Node.isPropertyAccessExpression(callee)) {
      const object = callee.getExpression();
      const name = callee.getName();
      if (object.getText() === "Math" && name === "imul") {
        if (args.length !== 2) return this.error("ArgumentCount", node, "Math.imul", "2", String(args.length));
        const left = this.numeric(args[0], "Math.imul");
        const right = this.numeric(args[1], "Math.imul");
        if (left === INVALID || right === INVALID) return INVALID;
        if (left.k === "const" && right.k === "const") return this.constant(BigInt(Math.imul(Number(left.value), Number(right.value))));
        return { k: "imul", left, right, type: NUM, range: R.INT32 };
      }
      if (object.getText() === "Math") {
        return this.error("UnknownCall", node, `Math.${name}`, "Only Math.imul is in the subset; most of Math is floating point.");
      }
      if (name === "subarray") return this.subarray(node, object, args);
      // rt.u32(x) through a namespace import: a qualified name, not a method call.
      const objectDecl = Node.isIdentifier(object) ? object.getSymbol()?.getDeclarations()[0] : undefined;
      if (objectDecl && Node.isNamespaceImport(objectDecl)) {
        return this.error("UnknownCall", node, callee.getText(), `Import it by its own name and call it directly: import { ${name} } from "${objectDecl.getFirstAncestorByKind(SyntaxKind.ImportDeclaration)?.getModuleSpecifierValue() ?? "…"}"; ${name}(…).`);
      }
      return this.error("UnknownCall", node, callee.getText(), "Methods are not in the subset except subarray() on typed arrays: call a top-level function.");
    }
    if (!Node.isIdentifier(callee)) return this.error("UnknownCall", node, callee.getText(), "Call a top-level function by name.");
    const decl = declarationOf(callee);
    if (decl && this.decls.rejected.has(decl)) return INVALID;
    if (!decl) return this.error("UnknownCall", node, callee.getText(), "Declare the function in the program.");
    const file = decl.getSourceFile().getFilePath();
    if (isRuntimeFile(file)) {
      if (!hasTag(decl, "intrinsic")) {
        return this.error("UnknownCall", node, callee.getText(), "It is a host-side helper of the runtime, not available in compiled code.");
      }
      return this.intrinsicCall(node, callee.getText(), args);
    }
    const info = this.decls.functions.get(decl);
    if (!info) {
      if (decl.getSourceFile().isDeclarationFile()) {
        return this.error("UnknownCall", node, callee.getText(), "Library functions are not in the subset.");
      }
      return this.error("UnknownCall", node, callee.getText(), "Call a top-level function declared with `function`.");
    }
    const fnIR = info.ir;
    // Its signature was rejected already (a string parameter, say): its calls are not reported again.
    if (this.decls.rejected.has(decl)) return INVALID;
    if (args.length !== fnIR.params.length) return this.error("ArgumentCount", node, fnIR.name, String(fnIR.params.length), String(args.length));
    const lowered: Expr[] = [];
    for (let i = 0; i < args.length; i++) {
      const value = this.expr(args[i]);
      if (fnIR.params[i].neverParam && value !== INVALID && !isNumeric(value.type)) {
        lowered.push(this.error("NeverParameter", args[i], typeName(value.type)));
        continue;
      }
      lowered.push(this.coerce(value, fnIR.params[i].type, args[i]));
    }
    if (this.fn) this.fn.calls.add(fnIR);
    if (info.noReturn) this.callNeverReturns = true;
    const ret = fnIR.returnType;
    const range = ret.kind === "void" ? R.single(0n) : fnIR.returnRange ?? storageRange(ret) ?? R.single(0n);
    return { k: "call", fn: fnIR, args: lowered, at: positionOf(node), type: ret.kind === "void" ? NUM : ret, range };
  }

  private intrinsicCall(node: import("ts-morph").CallExpression, name: string, args: Node[]): Expr {
    if (name === "shr64") {
      if (args.length !== 2) return this.error("ArgumentCount", node, name, "2", String(args.length));
      const value = this.coerce(this.numeric(args[0], name), intType("i64"), args[0]);
      const count = this.coerce(this.numeric(args[1], name), intType("u8"), args[1]);
      if (value === INVALID || count === INVALID) return INVALID;
      // floor(x / 2^k): each bound moves toward 0 (or -1) by the count that moves it least/most.
      const k = count.range;
      const x = value.range;
      const sh = (v: bigint, by: bigint) => v >> (by > 63n ? 63n : by);
      const range = R.range(x.lo < 0n ? sh(x.lo, k.lo) : sh(x.lo, k.hi), x.hi < 0n ? sh(x.hi, k.hi) : sh(x.hi, k.lo));
      return { k: "intrinsic", name, args: [value, count], at: positionOf(node), type: intType("i64"), range };
    }
    if (name in WRAP_HELPERS) {
      if (args.length !== 1) return this.error("ArgumentCount", node, name, "1", String(args.length));
      return this.wrapNode(args[0], WRAP_HELPERS[name]);
    }
    const spec = INTRINSICS[name];
    if (!spec) return this.error("UnknownCall", node, name, "This runtime function has no C implementation.");
    if (spec.stringArg) {
      if (args.length !== 1) return this.error("ArgumentCount", node, name, "1", String(args.length));
      const arg = args[0];
      if (!Node.isStringLiteral(arg) && !Node.isNoSubstitutionTemplateLiteral(arg)) return this.error("NonLiteralString", arg, name);
      if (spec.noReturn) this.callNeverReturns = true;
      return { k: "intrinsic", name, args: [], text: arg.getLiteralText(), at: positionOf(node), type: NUM, range: R.single(0n) };
    }
    if (name === "printInt") {
      if (args.length !== 1) return this.error("ArgumentCount", node, name, "1", String(args.length));
      const value = this.numeric(args[0], "printInt");
      return { k: "intrinsic", name, args: [value], at: positionOf(node), type: NUM, range: R.single(0n) };
    }
    if (args.length !== spec.params.length) return this.error("ArgumentCount", node, name, String(spec.params.length), String(args.length));
    const lowered = args.map((a, i) => this.coerce(this.expr(a), intType(spec.params[i]), a));
    if (spec.noReturn) this.callNeverReturns = true;
    const result = spec.result === "void" ? R.single(0n) : INT_RANGES[spec.result];
    return { k: "intrinsic", name, args: lowered, at: positionOf(node), type: spec.result === "void" ? NUM : intType(spec.result), range: result };
  }

  private subarray(node: import("ts-morph").CallExpression, objectNode: Node, args: Node[]): Expr {
    const array = this.expr(objectNode);
    if (array === INVALID) return INVALID;
    if (array.type.kind !== "array") return this.error("UnknownCall", node, node.getExpression().getText(), "subarray() is a typed-array method.");
    if (args.length < 1 || args.length > 2) return this.error("ArgumentCount", node, "subarray", "1 or 2", String(args.length));
    const begin = this.numeric(args[0], "subarray");
    const end = args.length === 2 ? this.numeric(args[1], "subarray") : null;
    if (begin === INVALID || end === INVALID) return INVALID;
    this.markViewed(array);
    return { k: "subarray", array, begin, end, type: array.type, range: R.single(0n) };
  }

  protected markViewed(array: Expr): void {
    if (array.k === "var") array.v.mayBeWritten = true;
  }

  private propertyAccess(node: import("ts-morph").PropertyAccessExpression): Expr {
    const objectNode = node.getExpression();
    const name = node.getName();
    const objectDecl = Node.isIdentifier(objectNode) ? declarationOf(objectNode) : undefined;
    if (objectDecl && Node.isEnumDeclaration(objectDecl)) {
      const enumType = this.decls.enumFor(objectDecl);
      const member = enumType?.members.find((m) => m.name === name);
      if (!enumType || !member) return this.error("Unsupported", node, `Enum member '${node.getText()}'`, "Use a declared member.");
      return { k: "enumMember", enumType, member, type: enumType, range: R.single(member.value) };
    }
    const object = this.expr(objectNode);
    if (object === INVALID) return INVALID;
    if (object.type.kind === "array") {
      if (name !== "length") return this.error("Unsupported", node, `'${name}' of a typed array`, "Typed arrays offer [i], length, subarray() and for-of.");
      const fixed = object.k === "var" ? object.v.fixedLength : undefined;
      const range = fixed !== undefined ? R.single(BigInt(fixed)) : R.UINT32;
      return { k: "length", array: object, type: NUM, range };
    }
    if (object.type.kind === "struct") {
      const field = object.type.fields.find((f) => f.name === name);
      if (!field) return this.error("Unsupported", node, `Field '${name}'`, `Declare it in interface ${object.type.name}.`);
      const range = storageRange(field.type) ?? R.single(0n);
      return { k: "field", object, field, type: field.type, range };
    }
    return this.error("Unsupported", node, `Property '${name}' of a ${typeName(object.type)}`, "Only typed arrays (length) and interfaces (fields) have properties.");
  }

  private elementAccess(node: import("ts-morph").ElementAccessExpression): Expr {
    const target = this.indexTarget(node);
    if (!target) return INVALID;
    const { array, index, checked, element } = target;
    return { k: "index", array, index, checked, type: intType(element), range: INT_RANGES[element] };
  }

  /** a[i] as a read or a write target: is the index provably inside the array? */
  protected indexTarget(node: import("ts-morph").ElementAccessExpression): { array: Expr; index: Expr; checked: boolean; element: IntKind } | null {
    const array = this.expr(node.getExpression());
    if (array === INVALID) return null;
    if (array.type.kind !== "array") {
      this.error("Unsupported", node, `Indexing a ${typeName(array.type)}`, "Only typed arrays can be indexed.");
      return null;
    }
    const indexNode = node.getArgumentExpression();
    if (!indexNode) return null;
    const index = this.numeric(indexNode, "[]");
    if (index === INVALID) return null;
    const fixed = array.k === "var" ? array.v.fixedLength : undefined;
    let safe = false;
    if (fixed !== undefined) safe = R.contains(R.range(0n, BigInt(fixed) - 1n), index.range);
    // An index the flow knows is below the length (a non-negative one: a negative index is out too).
    const key = indexKey(index);
    if (!safe && key !== null && array.k === "var" && index.range.lo >= 0n) safe = this.state.isBelowLength(key, array.v);
    return { array, index, checked: !safe, element: (array.type as ArrayType).element };
  }

  /**
   * A value stored into a declared type: same kind required; an integer whose interval may not fit is
   * checked at run time (the C traps where Node would leave the range).
   */
  coerce(value: Expr, target: ValueType, node: Node): Expr {
    if (value === INVALID) return value;
    if (target.kind === "bool") {
      if (value.type.kind !== "bool") return this.error("TypeMismatch", node, "boolean", typeName(value.type), "Compare to get a boolean: x !== 0.");
      return value;
    }
    if (target.kind === "array" || target.kind === "struct") {
      if (!sameType(target, value.type)) return this.error("TypeMismatch", node, typeName(target), typeName(value.type), "Pass a value of the declared type.");
      if (target.kind === "array") this.markViewed(value);
      return value;
    }
    if (!isNumeric(value.type)) return this.error("TypeMismatch", node, typeName(target), typeName(value.type), "Use an integer value.");
    if (target.kind === "enum" && value.type !== target) {
      return this.error("EnumFromInteger", node, node.getText(), target.name);
    }
    const targetRange = storageRange(target)!;
    if (R.contains(targetRange, value.range)) {
      return { k: "convert", operand: value, checked: false, type: target, range: value.range };
    }
    const inside = R.intersect(targetRange, value.range);
    const shown = node.getText();
    if (!inside && this.state.reachable) {
      // Every value it can take traps (Zig: a compile error where the compiler sees the overflow).
      const wrap = target.kind === "int" && target.int !== "i64" ? ` Wrap it if the value modulo 2^${target.int.slice(1)} is meant: ${target.int}(${shown}).` : "";
      return this.error("CertainTrap", node, shown, R.formatRange(value.range), typeName(target), R.formatRange(targetRange), `Store a value that fits ${typeName(target)}, or declare a wider type.${wrap}`);
    }
    if (this.state.reachable && target.kind === "int" && target.int.startsWith("u") && value.range.lo < 0n && isSignedBits(value)) {
      const fix = target.int === "u32" ? `(${shown}) >>> 0` : `${target.int}(${shown})`;
      this.diagnostics.warning("SignedBitsToUnsigned", positionOf(node), shown, R.formatRange(value.range), target.int, fix);
    }
    return { k: "convert", operand: value, checked: true, type: target, range: inside ?? targetRange };
  }

  /** Where the storage behind an array or struct value lives (decides what may be returned or stored). */
  provenanceOf(e: Expr): Provenance {
    switch (e.k) {
      case "var":
        return e.v.provenance;
      case "subarray":
        return this.provenanceOf(e.array);
      case "field":
        return this.provenanceOf(e.object);
      case "call": {
        let worst: Provenance = "global";
        for (const a of e.args) if (a.type.kind === "array" || a.type.kind === "struct") worst = worse(worst, this.provenanceOf(a));
        return worst === "param" ? "local" : worst;
      }
      case "cond":
        return worse(this.provenanceOf(e.whenTrue), this.provenanceOf(e.whenFalse));
      default:
        return "global";
    }
  }
}

/** How many low bits of a bitwise expression's 32-bit pattern are known to be 0. */
function lowZeroBits(e: Expr): bigint {
  const trailing = (v: bigint) => {
    const bits = BigInt.asUintN(32, v);
    if (bits === 0n) return 32n;
    let n = 0n;
    while (((bits >> n) & 1n) === 0n) n++;
    return n;
  };
  switch (e.k) {
    case "const":
      return trailing(e.value);
    case "binary":
      if (e.checked) return 0n;
      if (e.op === "<<" && e.right.k === "const") {
        const k = BigInt.asUintN(5, e.right.value);
        const total = lowZeroBits(e.left) + k;
        return total > 32n ? 32n : total;
      }
      if (e.op === "&") return lowZeroBits(e.left) > lowZeroBits(e.right) ? lowZeroBits(e.left) : lowZeroBits(e.right);
      if (e.op === "|" || e.op === "^" || e.op === "+" || e.op === "-") return lowZeroBits(e.left) < lowZeroBits(e.right) ? lowZeroBits(e.left) : lowZeroBits(e.right);
      if (e.op === "*") return lowZeroBits(e.left) + lowZeroBits(e.right) > 32n ? 32n : lowZeroBits(e.left) + lowZeroBits(e.right);
      return 0n;
    case "imul": {
      const total = lowZeroBits(e.left) + lowZeroBits(e.right);
      return total > 32n ? 32n : total;
    }
    case "neg":
      return lowZeroBits(e.operand);
    case "wrap":
      return e.to === "u32" || e.to === "i32" ? lowZeroBits(e.operand) : 0n;
    default:
      return 0n;
  }
}

/** `now - start` of two u32 counters (millis(), tick counts): negative after the counter wraps. */
function isCounterDifference(e: Expr): boolean {
  const isCounter = (x: Expr) => (x.k === "var" || x.k === "call" || x.k === "field" || x.k === "index" || x.k === "intrinsic") && x.type.kind === "int" && x.type.int === "u32";
  return e.k === "binary" && e.op === "-" && !e.checked && isCounter(e.left) && isCounter(e.right) && e.range.lo < 0n && (e.left.k === "call" || e.right.k === "call" || e.left.k === "intrinsic");
}

function unparenthesized(node: Node): Node {
  return Node.isParenthesizedExpression(node) ? unparenthesized(node.getExpression()) : node;
}

/** A bitwise result (& | ^ ~ << >>): an int32 in JavaScript, negative when bit 31 is set. */
function isSignedBits(e: Expr): boolean {
  return (e.k === "binary" && ["&", "|", "^", "<<", ">>"].includes(e.op)) || e.k === "bitnot";
}

export function worse(a: Provenance, b: Provenance): Provenance {
  const order: Provenance[] = ["global", "param", "local"];
  return order[Math.max(order.indexOf(a), order.indexOf(b))];
}

function nonZeroPart(r: Range): Range | null {
  if (r.lo === 0n && r.hi === 0n) return null;
  const magnitude = R.abs(r.lo) > R.abs(r.hi) ? R.abs(r.lo) : R.abs(r.hi);
  return r.lo >= 0n ? R.range(1n, r.hi) : r.hi <= 0n ? R.range(r.lo, -1n) : R.range(-magnitude, magnitude);
}

function negate(op: CompareOp): CompareOp {
  return ({ "<": ">=", "<=": ">", ">": "<=", ">=": "<", "===": "!==", "!==": "===" } as const)[op];
}
function flip(op: CompareOp): CompareOp {
  return ({ "<": ">", "<=": ">=", ">": "<", ">=": "<=", "===": "===", "!==": "!==" } as const)[op];
}

function compareConst(op: CompareOp, a: bigint, b: bigint): boolean {
  switch (op) {
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    case "===":
      return a === b;
    case "!==":
      return a !== b;
  }
}

export { ARRAY_CONSTRUCTORS, INTRINSICS, foldBinary, wrapConst };
