/**
 * The C backend: typed IR → one readable C11 translation unit (<module>.c) and its header (<module>.h).
 *
 * Every integer expression is emitted in one of two modes:
 * - exact: the C expression's value equals the JavaScript value; its C type is the narrowest of
 *   int32_t, uint32_t and int64_t that holds every value the expression (and its operands) can take;
 * - bits: a uint32_t congruent to the value modulo 2^32, which is all a bitwise operator, >>> or a
 *   wrapping helper observes. + - * are then computed with 32-bit wraparound, as cheap as hand-written C.
 * `#line` directives point every statement back at its TypeScript line.
 */
import * as path from "node:path";
import type { Expr, FunctionIR, LValue, ProgramIR, Stmt, StructInit, Variable } from "./ir";
import * as R from "./range";
import { Range } from "./range";
import { localCName } from "./c-names";
import { children, some } from "./ir-walk";
import { C_INT_NAMES, EnumType, INT_RANGES, IntKind, StructType, Type, ValueType } from "./types";
import { CheckGroup, checkGroups } from "./check-groups";
import { isPlainView, takesSplitViews, viewPartNames, viewWrapperName } from "./view-params";

type CType = "int32_t" | "uint32_t" | "int64_t" | "uint8_t" | "uint16_t" | "int8_t" | "int16_t" | "bool";

const CTYPE_RANGES: Record<Exclude<CType, "bool">, Range> = {
  int32_t: R.INT32,
  uint32_t: R.UINT32,
  int64_t: R.INT64,
  uint8_t: INT_RANGES.u8,
  uint16_t: INT_RANGES.u16,
  int8_t: INT_RANGES.i8,
  int16_t: INT_RANGES.i16,
};
const PROMOTES_TO_INT = new Set<CType>(["uint8_t", "uint16_t", "int8_t", "int16_t", "bool"]);
const SIGNED = new Set<CType>(["int8_t", "int16_t", "int32_t", "int64_t"]);

/** The narrowest computation type holding every range given. */
export function computationType(...ranges: Range[]): "int32_t" | "uint32_t" | "int64_t" {
  if (ranges.every((r) => R.contains(R.INT32, r))) return "int32_t";
  if (ranges.every((r) => R.contains(R.UINT32, r))) return "uint32_t";
  return "int64_t";
}

interface Emitted {
  code: string;
  type: CType;
  /** A literal can be written directly in any type that holds it. */
  literal?: bigint;
  /** How the literal was written (0x…), kept in the C. */
  text?: string;
  /** A named constant (#define): it converts to any type that holds its value without a cast. */
  constant?: bigint;
}

export interface EmitOptions {
  /** #line paths are written relative to this directory. */
  sourceRoot: string;
  /** Emit #line directives (on by default). */
  lineDirectives: boolean;
}

export interface EmittedProgram {
  source: string;
  header: string;
  moduleName: string;
}

/** A C literal of `value` in C type `type`, in the spelling the program used (hex stays hex). */
function literal(value: bigint, type: CType, text?: string): string {
  const hex = text !== undefined && /^-?0x/i.test(text) ? text.toLowerCase() : undefined;
  if (type === "int64_t" && !R.contains(R.INT32, R.single(value))) return `INT64_C(${hex ?? value})`;
  if (value === -(1n << 31n)) return hex ? "(-0x7fffffff - 1)" : "(-2147483647 - 1)";
  const body = hex ?? value.toString();
  if (type === "uint32_t" || value > 0x7fffffffn) return value >= 0n ? `${body}u` : body;
  return body;
}

/**
 * A C string literal with the text's UTF-8 bytes: quotes, backslashes and `?` escaped (`??!` would be a
 * trigraph), control and non-ASCII bytes in octal. A NUL byte is written as \000 (the caller passes the
 * length: C would end the string there).
 */
export function cString(text: string): string {
  let out = '"';
  for (const ch of Buffer.from(text, "utf8")) {
    if (ch === 0x22) out += '\\"';
    else if (ch === 0x3f) out += "\\?";
    else if (ch === 0x5c) out += "\\\\";
    else if (ch === 0x0a) out += "\\n";
    else if (ch === 0x0d) out += "\\r";
    else if (ch === 0x09) out += "\\t";
    else if (ch < 0x20 || ch >= 0x7f) out += `\\${ch.toString(8).padStart(3, "0")}`;
    else out += String.fromCharCode(ch);
  }
  return out + '"';
}

export class CEmitter {
  private out: string[] = [];
  private indent = 0;
  private readonly usedGlobals = new Set<Variable>();
  private lastLine: { file: string; line: number } | null = null;

  constructor(
    private readonly program: ProgramIR,
    private readonly options: EmitOptions,
  ) {}

  // ---- types -------------------------------------------------------------------------------------

  private enumCType(e: EnumType): CType {
    return computationType(e.range) as CType;
  }

  private storageCType(type: ValueType, rangeTyped?: Range): string {
    switch (type.kind) {
      case "int":
        return C_INT_NAMES[type.int];
      case "bool":
        return "bool";
      case "num":
        return computationType(rangeTyped ?? R.INT64);
      case "enum":
        return this.enumCType(type);
      case "array":
        return `tsb_view_${type.element}`;
      case "struct":
        return `${type.cName} *`;
    }
  }

  private returnCType(type: Type): string {
    return type.kind === "void" ? "void" : this.storageCType(type);
  }

  // ---- expressions -------------------------------------------------------------------------------

  /** Converts an emitted value to C type `to`, casting only where C would otherwise warn or compute wrongly. */
  private as(e: Emitted, to: CType): string {
    if (e.literal !== undefined) return literal(e.literal, to, e.text);
    if (e.type === to) return e.code;
    // A named constant whose value the target holds: C converts a constant without a word from GCC.
    if (e.constant !== undefined && to !== "bool" && R.contains(CTYPE_RANGES[to], R.single(e.constant))) return e.code;
    // Widening conversions are exact and C does them silently on assignment and argument passing.
    if (to !== "bool" && e.type !== "bool" && R.contains(CTYPE_RANGES[to], CTYPE_RANGES[e.type])) return e.code;
    // Signed to uint32_t through tsb_bits() (the value is non-negative here): GCC's -Wsign-conversion looks
    // through a plain cast inside unsigned arithmetic and misfires.
    if (to === "uint32_t" && SIGNED.has(e.type)) return `tsb_bits(${e.code})`;
    return `(${to})${e.code}`;
  }

  /** Operands of an arithmetic operator in computation type t: narrower types would promote to int. */
  private operand(e: Emitted, t: CType): string {
    if (e.literal !== undefined) return literal(e.literal, t, e.text);
    if (e.type === t) return e.code;
    if (e.constant !== undefined && t !== "bool" && R.contains(CTYPE_RANGES[t], R.single(e.constant))) return e.code;
    if (t === "int32_t" && PROMOTES_TO_INT.has(e.type)) return e.code;
    if (t === "uint32_t" && SIGNED.has(e.type)) return `tsb_bits(${e.code})`;
    return `(${t})${e.code}`;
  }

  exact(e: Expr): Emitted {
    switch (e.k) {
      case "const":
        if (e.constant) {
          // A named module constant: its #define carries the right suffix for its value.
          this.usedGlobals.add(e.constant);
          return { code: e.constant.cName, type: computationType(e.range), constant: e.value };
        }
        return { code: literal(e.value, computationType(e.range), e.text), type: computationType(e.range), literal: e.value, text: e.text };
      case "bool":
        return { code: e.value ? "true" : "false", type: "bool" };
      case "var":
        return this.variable(e.v);
      case "enumMember":
        return { code: e.member.cName, type: this.enumCType(e.enumType) };
      case "binary":
        return this.binaryExact(e);
      case "compare":
        return this.compare(e);
      case "logical":
        return { code: `(${this.exact(e.left).code} ${e.op} ${this.exact(e.right).code})`, type: "bool" };
      case "not":
        return { code: `!${this.exact(e.operand).code}`, type: "bool" };
      case "neg": {
        const t = computationType(e.operand.range, e.range);
        return { code: `(-${this.operand(this.exact(e.operand), t)})`, type: t };
      }
      case "bitnot":
        return this.fromBits(`(~${this.opaqueBits(e.operand)})`, e.range);
      case "cond": {
        const test = this.exact(e.test).code;
        if (e.type.kind === "bool") return { code: `(${test} ? ${this.exact(e.whenTrue).code} : ${this.exact(e.whenFalse).code})`, type: "bool" };
        // Both arms in the same type: C would otherwise convert them to a common type of its own choosing
        // (an int16_t arm next to a uint32_t arm becomes unsigned).
        const a = this.exact(e.whenTrue);
        const b = this.exact(e.whenFalse);
        let t = this.preferUnsigned(computationType(e.whenTrue.range, e.whenFalse.range), [e.whenTrue.range, e.whenFalse.range], a, b);
        // GCC's -Wsign-conversion misfires on a (uint32_t) cast of a signed value inside ?: (a false
        // positive, but -Werror): such arms are joined in int64_t instead.
        const signed = (x: Emitted) => x.literal === undefined && ["int8_t", "int16_t", "int32_t", "int64_t"].includes(x.type);
        if (t === "uint32_t" && (signed(a) || signed(b))) t = "int64_t";
        return { code: `(${test} ? ${this.operand(a, t)} : ${this.operand(b, t)})`, type: t };
      }
      case "wrap":
        return this.wrap(e.to, e.operand);
      case "imul":
        return { code: `tsb_i32(${this.bits(e.left)} * ${this.bits(e.right)})`, type: "int32_t" };
      case "divide":
        return this.divide(e);
      case "index":
        return { code: this.element(e.array, e.index, e.checked && !this.groupedReads.has(e)), type: C_INT_NAMES[(e.array.type as { element: IntKind }).element] as CType };
      case "length":
        return { code: this.lengthOf(e.array), type: "uint32_t" };
      case "subarray":
        return { code: this.subarray(e), type: "int32_t" };
      case "field": {
        const code = this.fieldAccess(e.object, e.field.name);
        if (e.field.type.kind === "int") return { code, type: C_INT_NAMES[e.field.type.int] as CType };
        if (e.field.type.kind === "bool") return { code, type: "bool" };
        if (e.field.type.kind === "enum") return { code, type: this.enumCType(e.field.type) };
        return { code, type: "int32_t" };
      }
      case "call":
        return this.call(e.fn, e.args);
      case "intrinsic":
        return this.intrinsic(e);
      case "convert":
        return this.convert(e);
    }
  }

  private variable(v: Variable): Emitted {
    if (v.scope === "global") this.usedGlobals.add(v);
    if (v.type.kind === "int") return { code: v.cName, type: C_INT_NAMES[v.type.int] as CType };
    if (v.type.kind === "bool") return { code: v.cName, type: "bool" };
    if (v.type.kind === "enum") return { code: v.cName, type: this.enumCType(v.type) };
    if (v.type.kind === "num") return { code: v.cName, type: computationType(v.rangeTyped ?? R.INT64) };
    return { code: v.cName, type: "int32_t" };
  }

  /** A uint32_t expression congruent to e modulo 2^32. */
  bits(e: Expr): string {
    switch (e.k) {
      case "const":
        if (e.constant && e.value >= 0n && e.value <= 0xffffffffn) {
          this.usedGlobals.add(e.constant);
          return e.value > 0x7fffffffn ? e.constant.cName : `(uint32_t)${e.constant.cName}`;
        }
        return literal(BigInt.asUintN(32, e.value), "uint32_t", e.value >= 0n && e.value <= 0xffffffffn ? e.text : undefined);
      case "binary":
        // A checked i64 operation keeps its check: its bits are those of the exact, checked value.
        if (e.checked) break;
        switch (e.op) {
          case "+":
          case "-":
          case "*":
          case "&":
          case "|":
            return `(${this.bitsOperand(e.left)} ${e.op} ${this.bitsOperand(e.right)})`;
          case "^":
            // Compared, `(uint32_t)u8 ^ 0xffu` is a "promoted bitwise complement" to GCC (-Wsign-compare):
            // there a narrow operand goes through tsb_bits(), which GCC does not look into.
            if (this.comparing) return `(${this.opaqueBits(e.left)} ^ ${this.opaqueBits(e.right)})`;
            return `(${this.bitsOperand(e.left)} ${e.op} ${this.bitsOperand(e.right)})`;
          case "<<":
            return `(${this.bits(e.left)} << ${this.shiftCount(e.right)})`;
          case ">>>":
            return `(${this.bits(e.left)} >> ${this.shiftCount(e.right)})`;
          case ">>":
            // A non-negative operand shifts the same either way; a signed result's bits go through tsb_bits()
            // (GCC's -Wsign-conversion misfires on a cast of a promoted shift).
            if (e.left.range.lo >= 0n && e.left.range.hi <= 0x7fffffffn) return `(${this.bits(e.left)} >> ${this.shiftCount(e.right)})`;
            return `tsb_bits(${this.binaryExact(e).code})`;
        }
        break;
      case "neg":
        return `(0u - ${this.bits(e.operand)})`;
      case "bitnot":
        return `(~${this.opaqueBits(e.operand)})`;
      case "imul":
        return `(${this.bits(e.left)} * ${this.bits(e.right)})`;
      case "wrap":
        if (e.to === "u32" || e.to === "i32") return this.bits(e.operand);
        break;
    }
    // A narrower type would be promoted to (signed) int by C before a shift or product: cast explicitly.
    const value = this.exact(e);
    if (value.literal !== undefined || value.type === "uint32_t") return this.as(value, "uint32_t");
    // A signed value's bits go through an inline function: GCC's -Wsign-conversion looks through nested
    // casts inside unsigned arithmetic and misfires on `(uint32_t)(int16_t)x` (a false positive under -Werror).
    if (["int8_t", "int16_t", "int32_t", "int64_t"].includes(value.type)) return `tsb_bits(${value.code})`;
    return `(uint32_t)${value.code}`;
  }

  /**
   * bits() for an operand of + - * & | ^ next to a uint32_t: a named constant that int holds needs no cast
   * there (C converts it, and GCC does not warn about constants). Shift operands keep theirs.
   */
  private bitsOperand(e: Expr): string {
    if (e.k === "const" && e.constant && e.value >= 0n && e.value <= 0x7fffffffn) {
      this.usedGlobals.add(e.constant);
      return e.constant.cName;
    }
    return this.bits(e);
  }

  /**
   * bits() for the operand of ~: a narrow unsigned value is passed through tsb_bits(), because GCC folds
   * `~(uint32_t)x` back to a promoted `~x` and then warns about it (-Wsign-compare, -Woverflow).
   */
  private opaqueBits(e: Expr): string {
    const code = this.bits(e);
    const value = e.k === "const" ? null : this.exact(e);
    if (value && value.literal === undefined && ["uint8_t", "uint16_t", "bool"].includes(value.type)) return `tsb_bits(${value.code})`;
    return code;
  }

  private shiftCount(e: Expr): string {
    if (e.k === "const") return (Number(BigInt.asUintN(5, e.value))).toString();
    if (e.range.lo >= 0n && e.range.hi <= 31n) return this.exact(e).code;
    return `(${this.bits(e)} & 31u)`;
  }

  /** A bit pattern as the JavaScript value: int32 unless its range is known non-negative. */
  private fromBits(code: string, range: Range): Emitted {
    if (range.lo >= 0n && range.hi <= 0xffffffffn) return { code, type: "uint32_t" };
    return { code: `tsb_i32(${code})`, type: "int32_t" };
  }

  private binaryExact(e: Extract<Expr, { k: "binary" }>): Emitted {
    switch (e.op) {
      case "+":
      case "-":
      case "*": {
        const left = this.exact(e.left);
        const right = this.exact(e.right);
        if (e.checked) {
          // Checked i64: the exact result in int64_t, trapping outside ±(2^53-1). A product whose operand
          // intervals could overflow int64_t is computed with an overflow check of its own.
          const a = this.operand(left, "int64_t");
          const b = this.operand(right, "int64_t");
          if (e.op === "*" && !R.contains(R.INT64, R.mul(e.left.range, e.right.range))) return { code: `TSB_MUL_I64(${a}, ${b})`, type: "int64_t" };
          return { code: `TSB_CHECK(i64, (${a} ${e.op} ${b}))`, type: "int64_t" };
        }
        const t = this.preferUnsigned(computationType(e.left.range, e.right.range, e.range), [e.left.range, e.right.range, e.range], left, right);
        return { code: `(${this.operand(left, t)} ${e.op} ${this.operand(right, t)})`, type: t };
      }
      case "&":
      case "|":
      case "^":
      case "<<":
      case ">>>":
        return this.fromBits(this.bits(e), e.range);
      case ">>":
        // An operand that int32 already holds is shifted as it is (C's >> is arithmetic, §22).
        if (R.contains(R.INT32, e.left.range)) {
          const value = this.exact(e.left);
          const operand = value.type === "int32_t" || PROMOTES_TO_INT.has(value.type) ? value.code : this.as(value, "int32_t");
          return { code: `(${operand} >> ${this.shiftCount(e.right)})`, type: "int32_t" };
        }
        return { code: `(tsb_i32(${this.bits(e.left)}) >> ${this.shiftCount(e.right)})`, type: "int32_t" };
    }
  }

  /**
   * int32_t arithmetic on unsigned variables reads badly (`(int32_t)i + 1`) and needs conversions back: when
   * every value involved is non-negative and an operand is a uint32_t, compute in uint32_t (the same value).
   */
  private preferUnsigned(t: "int32_t" | "uint32_t" | "int64_t", ranges: Range[], ...operands: Emitted[]): "int32_t" | "uint32_t" | "int64_t" {
    if (t !== "int32_t" || !ranges.every((r) => r.lo >= 0n)) return t;
    const plain = (x: Emitted) => x.literal !== undefined || x.constant !== undefined || !SIGNED.has(x.type);
    return operands.every(plain) && operands.some((x) => x.type === "uint32_t" && x.literal === undefined) ? "uint32_t" : t;
  }

  /** Set while the operands of a comparison are emitted (see bits(), case "^"). */
  private comparing = false;

  private compare(e: Extract<Expr, { k: "compare" }>): Emitted {
    const saved = this.comparing;
    this.comparing = true;
    try {
      return this.compareOperands(e);
    } finally {
      this.comparing = saved;
    }
  }

  private compareOperands(e: Extract<Expr, { k: "compare" }>): Emitted {
    const cop = e.op === "===" ? "==" : e.op === "!==" ? "!=" : e.op;
    if (e.left.type.kind === "bool") return { code: `(${this.exact(e.left).code} ${cop} ${this.exact(e.right).code})`, type: "bool" };
    // A comparison the ranges decide is folded: C would warn that it is always true or false. So is a
    // variable compared with itself (C warns about the self-comparison).
    const leftKey = pureKey(e.left);
    const same = leftKey !== null && leftKey === pureKey(e.right);
    const decided = same ? ["===", "<=", ">="].includes(e.op) : decideCompare(e.op, e.left.range, e.right.range) ?? decideByBits(e.op, e.left, e.right) ?? decideByPossibleBits(e.op, e.left, e.right);
    if (decided !== null && !hasSideEffects(e.left) && !hasSideEffects(e.right)) {
      // Nothing to evaluate (no calls, no checks): the variables are only marked used for C.
      const vars = new Set<string>();
      for (const o of [e.left, e.right]) some(o, (x) => (x.k === "var" && vars.add(this.variable(x.v).code), false));
      const uses = [...vars].map((v) => `(void)${v}, `).join("");
      return { code: uses ? `(${uses}${decided}) /* ${cop} is always ${decided} here */` : `${decided} /* ${cop} is always ${decided} here */`, type: "bool" };
    }
    if (decided !== null) {
      // Decided, but an operand calls or checks something: both are evaluated, in order, for their effects
      // (C would warn that the comparison itself is always true or false).
      return { code: `((void)${this.exact(e.left).code}, (void)${this.exact(e.right).code}, ${decided}) /* ${cop} is always ${decided} here */`, type: "bool" };
    }
    const left = this.exact(e.left);
    const right = this.exact(e.right);
    const t = this.preferUnsigned(computationType(e.left.range, e.right.range), [e.left.range, e.right.range], left, right);
    return { code: `(${this.operand(left, t)} ${cop} ${this.operand(right, t)})`, type: "bool" };
  }

  private wrap(to: IntKind, operand: Expr): Emitted {
    const ctype = C_INT_NAMES[to] as CType;
    // A value the type already holds is not changed by the wrap: `s | 0` of an i32 is s, `(x / 2) | 0` is x / 2.
    // Not a signed variable into an unsigned type, even a non-negative one: GCC's -Wsign-conversion misfires
    // on `uint32_t v = (uint16_t)i8` (it looks through the cast), so it goes through its bits below.
    const inner = this.exact(operand);
    const signedIntoUnsigned = (to === "u8" || to === "u16" || to === "u32") && SIGNED.has(inner.type) && (to === "u32" || (inner.literal === undefined && inner.constant === undefined));
    if (R.contains(INT_RANGES[to], operand.range) && !signedIntoUnsigned) {
      const value = this.exact(operand);
      return { code: this.as(value, ctype), type: value.literal === undefined && value.code === this.as(value, ctype) && value.type !== ctype ? value.type : ctype };
    }
    if (to === "u32") return { code: this.bits(operand), type: "uint32_t" };
    // Converting any integer to a narrower unsigned C type wraps modulo 2^N, which is the helper's meaning.
    // A signed operand goes through its bits (tsb_bits): GCC's -Wsign-conversion misfires on (uint16_t)int8.
    const direct = ["var", "index", "field", "call", "intrinsic", "convert", "divide"].includes(operand.k) && !SIGNED.has(this.exact(operand).type);
    const value = direct ? this.exact(operand).code : this.bits(operand);
    // Signed targets go through tsb_i8/16/32(): the same modular wrap, but out of GCC's constant folder,
    // which warns (-Woverflow) when it folds an out-of-range conversion to a signed type.
    if (to === "i8" || to === "i16" || to === "i32") return { code: `tsb_${to}(${direct ? this.bits(operand) : value})`, type: ctype };
    return { code: `(${ctype})${value}`, type: ctype };
  }

  private divide(e: Extract<Expr, { k: "divide" }>): Emitted {
    if (e.trapOnZero) {
      // i64(a / b) with b possibly 0: JavaScript's ±Infinity or NaN is outside i64, so C traps.
      const a = this.operand(this.exact(e.left), "int64_t");
      const b = this.operand(this.exact(e.right), "int64_t");
      return { code: `TSB_${e.op === "/" ? "DIV" : "REM"}_I64(${a}, ${b})`, type: "int64_t" };
    }
    let t = computationType(e.left.range, e.right.range, e.range);
    // INT32_MIN / -1 and INT32_MIN % -1 overflow in C's int32: use 64 bits when both can occur.
    if (t === "int32_t" && e.left.range.lo <= -(1n << 31n) && e.right.range.lo <= -1n && e.right.range.hi >= -1n) t = "int64_t";
    const a = this.operand(this.exact(e.left), t);
    const b = this.operand(this.exact(e.right), t);
    const suffix = t === "int32_t" ? "i32" : t === "uint32_t" ? "u32" : "i64";
    if (e.divisorMayBeZero) return { code: `tsb_${e.op === "/" ? "div" : "rem"}_${suffix}(${a}, ${b})`, type: t };
    return { code: `(${a} ${e.op} ${b})`, type: t };
  }

  private convert(e: Extract<Expr, { k: "convert" }>): Emitted {
    const target = e.type;
    const inner = this.exact(e.operand);
    if (target.kind === "int") {
      const ctype = C_INT_NAMES[target.int] as CType;
      if (e.checked) {
        // u32(a + b), u32(a - b) of two u32 values: the carry (borrow) is the whole check, no 64-bit sum.
        const pair = target.int === "u32" ? this.u32Pair(e.operand) : undefined;
        if (pair) return { code: `TSB_${pair.op === "+" ? "ADD" : "SUB"}_U32(${pair.a}, ${pair.b})`, type: ctype };
        return { code: `TSB_CHECK(${target.int}, ${inner.code})`, type: ctype };
      }
      // i64(x) says "compute in 64 bits": the cast is written out, so C does the arithmetic in int64_t too.
      if (target.int === "i64" && inner.literal === undefined && inner.type !== "int64_t") return { code: `(int64_t)${inner.code}`, type: "int64_t" };
      // A store (argument, return, field): a plain cast reads better than tsb_bits() and GCC accepts it here
      // (its -Wsign-conversion misfires only inside unsigned arithmetic).
      if (ctype === "uint32_t" && SIGNED.has(inner.type) && inner.literal === undefined && inner.constant === undefined) return { code: `(uint32_t)${inner.code}`, type: ctype };
      const code = this.as(inner, ctype);
      // A widening needs no cast in a store, but the value keeps its own C type for the arithmetic around it.
      return code === inner.code && inner.type !== ctype ? inner : { code, type: ctype };
    }
    if (target.kind === "enum") return { code: this.as(inner, this.enumCType(target)), type: this.enumCType(target) };
    return inner;
  }

  private call(fn: FunctionIR, args: Expr[]): Emitted {
    const code = this.callCode(fn, args);
    const ret = fn.returnType;
    if (ret.kind === "int") return { code, type: C_INT_NAMES[ret.int] as CType };
    if (ret.kind === "bool") return { code, type: "bool" };
    if (ret.kind === "enum") return { code, type: this.enumCType(ret) };
    return { code, type: "int32_t" };
  }

  /**
   * A call in C. A function that takes its views as pointer and length (view-params.ts) gets `v.ptr, v.len`
   * for each view argument, or, when one of them must be evaluated once, its wrapper gets the structs.
   */
  private callCode(fn: FunctionIR, args: Expr[]): string {
    const isView = (i: number) => fn.params[i].type.kind === "array";
    if (!takesSplitViews(fn) || !args.every((a, i) => !isView(i) || isPlainView(a))) {
      if (takesSplitViews(fn)) this.viewWrappers.add(fn);
      const name = takesSplitViews(fn) ? viewWrapperName(fn) : fn.cName;
      return `${name}(${args.map((a, i) => this.argument(a, fn.params[i].type)).join(", ")})`;
    }
    const parts = args.map((a, i) => (isView(i) ? this.viewParts(a).join(", ") : this.argument(a, fn.params[i].type)));
    return `${fn.cName}(${parts.join(", ")})`;
  }

  /** A plain view (isPlainView) as its pointer and its length. */
  private viewParts(e: Expr): [string, string] {
    if (this.isFixed(e)) return [this.fixedPointer(e), `${e.v.fixedLength}u`];
    const view = e.k === "var" ? this.variable(e.v).code : this.view(e);
    return [`${view}.ptr`, `${view}.len`];
  }

  /** An argument or stored value of any type: integers converted, arrays as views, structs as pointers. */
  private argument(a: Expr, type: ValueType): string {
    if (type.kind === "array") return this.view(a);
    if (type.kind === "struct") return this.structPointer(a);
    return this.exact(a).code;
  }

  private intrinsic(e: Extract<Expr, { k: "intrinsic" }>): Emitted {
    const arg = (i: number) => this.exact(e.args[i]).code;
    const v = (code: string, type: CType = "int32_t"): Emitted => ({ code, type });
    switch (e.name) {
      case "print": {
        const text = e.text ?? "";
        // C ends a string at NUL: a text that holds one is passed with its length.
        if (text.includes("\0")) return v(`tsb_print_n(${cString(text)}, ${Buffer.byteLength(text, "utf8")}u)`);
        return v(`tsb_print(${cString(text)})`);
      }
      case "panic":
        // A panic message is a C string: a NUL in it is shown as \0 rather than ending the message early.
        return v(`TSB_TRAP(TSB_PANIC_EXPLICIT, ${cString((e.text ?? "").replace(/\0/g, "\\0"))})`);
      case "shr64":
        return v(`tsb_shr64(${arg(0)}, ${arg(1)})`, "int64_t");
      case "mulHigh32":
        return v(`tsb_mul_high32(${arg(0)}, ${arg(1)})`, "uint32_t");
      case "printInt":
        return v(`tsb_print_int(${this.as(this.exact(e.args[0]), "int64_t")})`);
      case "mmioRead8":
        return v(`TSB_MMIO_READ8(${arg(0)})`, "uint8_t");
      case "mmioRead16":
        return v(`TSB_MMIO_READ16(${arg(0)})`, "uint16_t");
      case "mmioRead32":
        return v(`TSB_MMIO_READ32(${arg(0)})`, "uint32_t");
      case "mmioWrite8":
        return v(`TSB_MMIO_WRITE8(${arg(0)}, ${arg(1)})`);
      case "mmioWrite16":
        return v(`TSB_MMIO_WRITE16(${arg(0)}, ${arg(1)})`);
      case "mmioWrite32":
        return v(`TSB_MMIO_WRITE32(${arg(0)}, ${arg(1)})`);
      case "disableInterrupts":
        return v("tsb_cpu_disable_irq()");
      case "enableInterrupts":
        return v("tsb_cpu_enable_irq()");
      case "dataSyncBarrier":
        return v("tsb_cpu_dsb()");
      case "instructionSyncBarrier":
        return v("tsb_cpu_isb()");
      case "setVectorTable":
        return v(`tsb_cpu_set_vtor(${arg(0)})`);
      case "startApplication":
        return v(`tsb_cpu_start_application(${arg(0)}, ${arg(1)})`);
    }
    throw new Error(`internal: unknown intrinsic ${e.name}`);
  }

  // ---- arrays and structs ------------------------------------------------------------------------

  /** A typed array known by name with a constant length (its own storage, not a view). */
  private isFixed(e: Expr): e is Extract<Expr, { k: "var" }> & { v: { fixedLength: number } } {
    return e.k === "var" && e.v.fixedLength !== undefined;
  }

  /** A fixed array's storage as a view's pointer (a const array's cast: views are writable in C). */
  private fixedPointer(e: Extract<Expr, { k: "var" }>): string {
    const name = this.variable(e.v).code;
    const element = (e.type as { element: IntKind }).element;
    return e.v.mayBeWritten || !e.v.initialElements ? name : `(${C_INT_NAMES[element]} *)${name}`;
  }

  /** A typed-array value as a view (pointer + length). */
  private view(e: Expr): string {
    if (this.isFixed(e)) return `(tsb_view_${(e.type as { element: IntKind }).element}){${this.fixedPointer(e)}, ${e.v.fixedLength}u}`;
    if (e.k === "var") return this.variable(e.v).code;
    if (e.k === "field") return this.fieldAccess(e.object, e.field.name);
    if (e.k === "subarray") return this.subarray(e);
    if (e.k === "call") return this.call(e.fn, e.args).code;
    if (e.k === "cond") return `(${this.exact(e.test).code} ? ${this.view(e.whenTrue)} : ${this.view(e.whenFalse)})`;
    throw new Error(`internal: no view for ${e.k}`);
  }

  private lengthOf(e: Expr): string {
    if (this.isFixed(e)) return `${e.v.fixedLength}u`;
    if (e.k === "var") return `${this.variable(e.v).code}.len`;
    return `${this.view(e)}.len`;
  }

  private subarray(e: Extract<Expr, { k: "subarray" }>): string {
    const element = (e.type as { element: IntKind }).element;
    // Bounds that cannot be negative only clamp to the length: 32-bit helpers, no int64_t arithmetic.
    const inU32 = (x: Expr) => R.contains(R.UINT32, x.range);
    if (inU32(e.begin) && (!e.end || inU32(e.end))) {
      const first = this.as(this.exact(e.begin), "uint32_t");
      if (!e.end) return `tsb_sub32_from_${element}(${this.view(e.array)}, ${first})`;
      return `tsb_sub32_${element}(${this.view(e.array)}, ${first}, ${this.as(this.exact(e.end), "uint32_t")})`;
    }
    const begin = this.as(this.exact(e.begin), "int64_t");
    if (!e.end) return `tsb_sub_from_${element}(${this.view(e.array)}, ${begin})`;
    return `tsb_sub_${element}(${this.view(e.array)}, ${begin}, ${this.as(this.exact(e.end), "int64_t")})`;
  }

  /** a + b or a - b (plain, not checked i64) where both operands lie in 0..2^32-1: their uint32_t codes. */
  private u32Pair(e: Expr): { op: "+" | "-"; a: string; b: string } | undefined {
    if (e.k !== "binary" || (e.op !== "+" && e.op !== "-") || e.checked) return undefined;
    const inU32 = (r: Range) => r.lo >= 0n && r.hi <= 0xffffffffn;
    if (!inU32(e.left.range) || !inU32(e.right.range)) return undefined;
    return { op: e.op, a: this.operand(this.exact(e.left), "uint32_t"), b: this.operand(this.exact(e.right), "uint32_t") };
  }

  /** array[index], with the bounds check when the index is not proven inside. */
  private element(array: Expr, index: Expr, checked: boolean): string {
    const element = (array.type as { element: IntKind }).element;
    const idx = this.exact(index);
    const idxType = computationType(index.range);
    // A proven index lies in 0 … length-1, inside uint32_t: a wider one is computed in its 32 bits.
    const proven = idxType === "int64_t" ? this.bits(index) : idx.code;
    if (this.isFixed(array) || array.k === "var") {
      const base = this.isFixed(array) ? this.variable(array.v).code : `${this.variable(array.v).code}.ptr`;
      if (!checked) return `${base}[${proven}]`;
      const len = this.lengthOf(array);
      const sum = idxType === "int64_t" ? this.u32Pair(index) : undefined;
      // at + k with both in u32: the index is in bounds when the u32 sum does not carry and is below len.
      if (sum?.op === "+") return `${base}[TSB_INDEX_ADD(${sum.a}, ${sum.b}, ${len})]`;
      if (idxType === "int64_t") return `${base}[TSB_INDEX64(${this.as(idx, "int64_t")}, ${len})]`;
      // A negative int32 index becomes a huge uint32 and fails the same `< len` test.
      return `${base}[TSB_INDEX(${this.as(idx, "uint32_t")}, ${len})]`;
    }
    const v = this.view(array);
    if (!checked) return `${v}.ptr[${proven}]`;
    return `TSB_AT(${element}, ${v}, ${this.as(idx, "int64_t")})`;
  }

  /** A struct value as a C lvalue and whether it is a pointer. */
  private structRef(e: Expr): { code: string; pointer: boolean } {
    if (e.k === "var") {
      const code = this.variable(e.v).code;
      return { code, pointer: !e.v.structInit };
    }
    if (e.k === "field") {
      const base = this.structRef(e.object);
      return { code: `${base.code}${base.pointer ? "->" : "."}${localCName(e.field.name)}`, pointer: false };
    }
    if (e.k === "call") return { code: this.call(e.fn, e.args).code, pointer: true };
    if (e.k === "cond") return { code: `(${this.exact(e.test).code} ? ${this.structPointer(e.whenTrue)} : ${this.structPointer(e.whenFalse)})`, pointer: true };
    throw new Error(`internal: no struct reference for ${e.k}`);
  }

  private structPointer(e: Expr): string {
    const ref = this.structRef(e);
    return ref.pointer ? ref.code : `&${ref.code}`;
  }

  private fieldAccess(object: Expr, field: string): string {
    const ref = this.structRef(object);
    return `${ref.code}${ref.pointer ? "->" : "."}${localCName(field)}`;
  }

  // ---- statements --------------------------------------------------------------------------------

  private line(text: string): void {
    this.out.push("  ".repeat(this.indent) + text);
    if (this.lastLine) this.lastLine = { file: this.lastLine.file, line: this.lastLine.line + 1 };
  }

  /** A #line directive, unless the C line already maps to that TypeScript line (consecutive statements). */
  private lineDirective(at: { file: string; line: number }): void {
    if (!this.options.lineDirectives) return;
    if (this.lastLine && this.lastLine.file === at.file && this.lastLine.line === at.line) return;
    const file = path.relative(this.options.sourceRoot, at.file).split(path.sep).join("/");
    this.out.push(`#line ${at.line} ${cString(file)}`);
    this.lastLine = { file: at.file, line: at.line };
  }

  private statements(list: Stmt[]): void {
    for (const s of list) this.statement(s);
  }

  private statement(s: Stmt): void {
    if (s.k !== "block" && s.k !== "unused") this.lineDirective(s.at);
    switch (s.k) {
      case "let": {
        const v = s.v;
        const type = this.storageCType(v.type, v.rangeTyped);
        const decl = type.endsWith("*") ? `${type}${v.cName}` : `${type} ${v.cName}`;
        // No `const` on locals: GCC folds const locals early and then warns about shifts it rewrote itself.
        if (s.init) this.line(`${decl} = ${this.storedValue(s.init, v.type, v.rangeTyped)};`);
        else this.line(`${decl} = ${v.type.kind === "bool" ? "false" : "0"};`);
        if (!v.read) this.line(`(void)${v.cName};`);
        return;
      }
      case "localArray": {
        const ctype = C_INT_NAMES[s.element];
        const constant = !s.v.mayBeWritten && s.elements;
        const init = s.elements ? elementList(s.elements, s.texts, s.element) : "{0}";
        this.line(`${constant ? "static const " : ""}${ctype} ${s.v.cName}[${s.length}] = ${init};`);
        if (!s.v.read) this.line(`(void)${s.v.cName};`);
        return;
      }
      case "localStruct":
        this.structStorage(s.v.cName, s.init, "");
        if (!s.v.read) this.line(`(void)${s.v.cName};`);
        return;
      case "assign":
        this.line(`${this.assignment(s)};`);
        return;
      case "expr":
        this.line(`${this.grouped(s.expr, () => this.exact(s.expr).code)};`);
        return;
      case "if": {
        this.line(`if (${stripParens(this.exact(s.test).code)}) {`);
        this.nested(s.then);
        if (s.else && s.else.length > 0) {
          this.line("} else {");
          this.nested(s.else);
        }
        this.line("}");
        return;
      }
      case "while":
        this.line(`while (${stripParens(this.exact(s.test).code)}) {`);
        this.nested(s.body);
        this.line("}");
        return;
      case "doWhile":
        this.line("do {");
        this.nested(s.body);
        this.lineDirective(s.testAt);
        this.line(`} while (${stripParens(this.exact(s.test).code)});`);
        return;
      case "for": {
        const single = s.init.length === 1 && s.init[0].k === "let" && s.init[0].v.read ? s.init[0] : null;
        if (single && single.k === "let") {
          // for (T i = init; test; update): the common loop reads as it was written.
          const v = single.v;
          const init = single.init ? this.storedValue(single.init, v.type, v.rangeTyped) : "0";
          const update = s.update.map((u) => this.inlineStatement(u)).join(", ");
          this.line(`for (${this.storageCType(v.type, v.rangeTyped)} ${v.cName} = ${init}; ${s.test ? stripParens(this.exact(s.test).code) : ""}; ${update}) {`);
          this.nested(s.body);
          this.line("}");
          return;
        }
        // Otherwise the init runs in a block of its own, the for header holding only expressions.
        this.line("{");
        this.indent++;
        this.statements(s.init);
        this.lineDirective(s.at);
        const update = s.update.map((u) => this.inlineStatement(u)).join(", ");
        this.line(`for (; ${s.test ? stripParens(this.exact(s.test).code) : ""}; ${update}) {`);
        this.nested(s.body);
        this.line("}");
        this.indent--;
        this.line("}");
        return;
      }
      case "forOf": {
        const element = C_INT_NAMES[(s.array.type as { element: IntKind }).element];
        const i = s.indexName;
        // A fixed array is its own storage; any view is copied first, as JavaScript iterates the array
        // object it started with even if the variable is reassigned in the body.
        if (this.isFixed(s.array)) {
          const base = this.variable(s.array.v).code;
          this.line(`for (uint32_t ${i} = 0u; ${i} < ${this.lengthOf(s.array)}; ${i}++) {`);
          this.indent++;
          this.line(`${element} ${s.v.cName} = ${base}[${i}];`);
        } else {
          const viewName = `${i}_view`;
          this.line("{");
          this.indent++;
          this.line(`const tsb_view_${(s.array.type as { element: IntKind }).element} ${viewName} = ${this.view(s.array)};`);
          this.line(`for (uint32_t ${i} = 0u; ${i} < ${viewName}.len; ${i}++) {`);
          this.indent++;
          this.line(`${element} ${s.v.cName} = ${viewName}.ptr[${i}];`);
        }
        this.statements(s.body);
        this.indent--;
        this.line("}");
        if (!this.isFixed(s.array)) {
          this.indent--;
          this.line("}");
        }
        return;
      }
      case "switch": {
        this.line(`switch (${stripParens(this.exact(s.discriminant).code)}) {`);
        for (const c of s.cases) {
          if (c.values === null) this.line("default: {");
          else if (c.values.length === 0) this.line("/* a case label the value can never equal */ {");
          else this.line(`${c.values.map((v) => `case ${this.caseLabel(v.expr, s.discriminant.range)}:`).join(" ")} {`);
          this.nested(c.body);
          this.line(c.fallsThrough ? "} /* fall through */" : "}");
        }
        // Every member has its case (tsc agrees the switch is exhaustive): C gets a default all the same,
        // so it sees that control does not fall out, and an impossible value stops the program.
        if (s.exhaustive) this.line(`default: TSB_TRAP(TSB_PANIC_RANGE, "not a member of enum ${(s.discriminant.type as EnumType).name}");`);
        this.line("}");
        return;
      }
      case "break":
        this.line("break;");
        return;
      case "continue":
        this.line("continue;");
        return;
      case "return":
        this.line(s.value ? `return ${this.storedValue(s.value, (this.currentFn!.returnType as ValueType), undefined)};` : "return;");
        return;
      case "block":
        this.line("{");
        this.nested(s.body);
        this.line("}");
        return;
      case "unused":
        this.line(`(void)${s.v.cName};`);
        return;
    }
  }

  /** A case label as the program wrote it: an enum member or a module constant by name, a literal as spelled. */
  private caseLabel(label: Expr, discriminant: Range): string {
    if (label.k === "enumMember") return label.member.cName;
    if (label.k === "const" && label.constant) {
      this.usedGlobals.add(label.constant);
      return label.constant.cName;
    }
    if (label.k === "var" && label.v.constValue !== undefined) return this.variable(label.v).code;
    const value = label.k === "const" ? label.value : 0n;
    return literal(value, computationType(discriminant), label.k === "const" ? label.text : undefined);
  }

  private nested(body: Stmt[]): void {
    this.indent++;
    this.statements(body);
    this.indent--;
  }

  /** An assignment or call as a C expression (for-loop updates). */
  private inlineStatement(s: Stmt): string {
    if (s.k === "assign") return this.assignment(s);
    if (s.k === "expr") return this.exact(s.expr).code;
    throw new Error(`internal: ${s.k} in a for update`);
  }

  /** `x = x + 1` that cannot leave x's range is C's `x++` (C does not wrap it then); else `x = value`. */
  private assignment(s: Extract<Stmt, { k: "assign" }>): string {
    const target = this.lvalue(s.target);
    const v = s.value;
    if (v.k === "convert" && !v.checked && v.operand.k === "binary" && !v.operand.checked && (v.operand.op === "+" || v.operand.op === "-")) {
      const { left, right, op } = v.operand;
      const current = s.target.k === "var" ? left.k === "var" && left.v === s.target.v : false;
      if (current && right.k === "const" && right.value === 1n && !right.constant) return `${target}${op}${op}`;
    }
    return `${target} = ${this.storedValue(v, this.lvalueType(s.target), undefined)}`;
  }

  private storedValue(value: Expr, type: ValueType, rangeTyped: Range | undefined): string {
    if (type.kind === "array") return this.view(value);
    if (type.kind === "struct") return this.structPointer(value);
    if (type.kind === "num") return this.grouped(value, () => this.as(this.exact(value), computationType(rangeTyped ?? value.range)));
    return this.grouped(value, () => this.exact(value).code);
  }

  /** Reads whose bounds check a group check in front of their statement's value does (check-groups.ts). */
  private readonly groupedReads = new Set<Expr>();

  /** A statement's value with the reads of each check group checked once, in front. */
  private grouped(root: Expr, emit: () => string): string {
    const groups = checkGroups(root);
    if (groups.length === 0) return emit();
    const checks = groups.map((g) => `(void)${this.groupCheck(g)}`);
    for (const g of groups) for (const read of g.reads) this.groupedReads.add(read);
    try {
      return `(${checks.join(", ")}, ${emit()})`;
    } finally {
      for (const g of groups) for (const read of g.reads) this.groupedReads.delete(read);
    }
  }

  /** base + k < length for the group's largest offset k (no carry of the uint32_t sum). */
  private groupCheck(g: CheckGroup): string {
    const len = this.lengthOf(g.array);
    const base = this.as(this.exact(g.base), "uint32_t");
    return g.maxOffset === 0n ? `TSB_INDEX(${base}, ${len})` : `TSB_INDEX_ADD(${base}, ${literal(g.maxOffset, "uint32_t")}, ${len})`;
  }

  private lvalueType(target: LValue): ValueType {
    if (target.k === "var") return target.v.type;
    if (target.k === "index") return { kind: "int", int: target.element };
    return target.field.type;
  }

  private lvalue(target: LValue): string {
    if (target.k === "var") return this.variable(target.v).code;
    if (target.k === "field") return this.fieldAccess(target.object, target.field.name);
    return this.element(target.array, target.index, target.checked);
  }

  /** Storage for an object literal: its arrays first, then the struct with designated initializers. */
  private structStorage(name: string, init: StructInit, storage: "static " | ""): void {
    this.arrayStorage(init, storage);
    this.line(`${storage}${init.struct.cName} ${name} = ${this.structInitializer(init)};`);
  }

  private arrayStorage(init: StructInit, storage: string): void {
    for (const value of init.values.values()) {
      if (value.kind === "array") {
        const elements = value.elements ? elementList(value.elements, value.texts, value.element) : "{0}";
        this.line(`${storage}${C_INT_NAMES[value.element]} ${value.storageName}[${value.length}] = ${elements};`);
      } else if (value.kind === "struct") {
        this.arrayStorage(value.init, storage);
      }
    }
  }

  private structInitializer(init: StructInit): string {
    const parts: string[] = [];
    for (const field of init.struct.fields) {
      const value = init.values.get(field.name)!;
      const name = localCName(field.name);
      if (value.kind === "array") parts.push(`.${name} = {${value.storageName}, ${value.length}u}`);
      else if (value.kind === "struct") parts.push(`.${name} = ${this.structInitializer(value.init)}`);
      else if (value.expr.k === "var" && value.expr.v.fixedLength !== undefined) {
        // A module array as a view field: a plain initializer (a compound literal is not a C constant).
        parts.push(`.${name} = {${this.variable(value.expr.v).code}, ${value.expr.v.fixedLength}u}`);
      } else parts.push(`.${name} = ${this.storedValue(value.expr, field.type, undefined)}`);
    }
    return `{${parts.join(", ")}}`;
  }

  // ---- the program -------------------------------------------------------------------------------

  private currentFn: FunctionIR | null = null;

  /** Functions called with a view argument that must be evaluated once: their wrappers are emitted. */
  private readonly viewWrappers = new Set<FunctionIR>();

  /** The C prototype; `views: "structs"` gives the wrapper's of a function that splits its views. */
  prototype(fn: FunctionIR, views: "split" | "structs" = "split"): string {
    const split = views === "split" && takesSplitViews(fn);
    const params = fn.params.map((p) => {
      if (split && p.type.kind === "array") {
        const parts = viewPartNames(p);
        return `${C_INT_NAMES[p.type.element]} *${parts.ptr}, uint32_t ${parts.len}`;
      }
      const t = this.storageCType(p.type);
      return t.endsWith("*") ? `${t}${p.cName}` : `${t} ${p.cName}`;
    });
    const name = takesSplitViews(fn) && !split ? viewWrapperName(fn) : fn.cName;
    return `${fn.noReturn ? "_Noreturn " : ""}${this.returnCType(fn.returnType)} ${name}(${params.length ? params.join(", ") : "void"})`;
  }

  /** A split function's views rebuilt as locals, so its body reads them as any view (GCC keeps them in registers). */
  private viewLocals(fn: FunctionIR): void {
    if (!takesSplitViews(fn)) return;
    for (const p of fn.params) {
      if (p.type.kind !== "array") continue;
      const parts = viewPartNames(p);
      this.line(`tsb_view_${p.type.element} ${p.cName} = {${parts.ptr}, ${parts.len}};`);
    }
  }

  /** The always-inline wrapper that splits struct views for a split function (see view-params.ts). */
  private viewWrapper(fn: FunctionIR): string {
    const args = fn.params.map((p) => (p.type.kind === "array" ? `${p.cName}.ptr, ${p.cName}.len` : p.cName));
    const call = `${fn.cName}(${args.join(", ")});`;
    const proto = this.prototype(fn, "structs").replace(/^(_Noreturn )?/, "$1TSB_ALWAYS_INLINE ");
    return `${proto} { ${fn.returnType.kind === "void" ? call : `return ${call}`} }`;
  }

  emit(): EmittedProgram {
    const program = this.program;
    const moduleName = program.entryModule;
    const reachable = reachableFunctions(program);
    renameCollidingLocals(program);
    const bodies: string[] = [];
    // Function bodies first, so the globals they use are known.
    for (const fn of program.functions) {
      if (!reachable.has(fn) || fn.externName) continue;
      this.out = [];
      this.lastLine = null;
      this.currentFn = fn;
      this.lineDirective(fn.declaredAt);
      this.line(`${fn.exported || fn.noReturn ? "" : "static "}${this.prototype(fn).replace("_Noreturn ", fn.exported ? "_Noreturn " : "_Noreturn static ")} {`);
      this.indent++;
      this.viewLocals(fn);
      this.indent--;
      this.nested(fn.body);
      this.line("}");
      bodies.push(this.out.join("\n"));
    }
    for (const [view, source] of program.viewInits) if (this.usedGlobals.has(view)) this.usedGlobals.add(source);
    // Module arrays named in a used module object's initializer are used too (and emitted before it).
    for (const g of program.globals) if (g.structInit && this.usedGlobals.has(g)) markInitializerRefs(g.structInit, this.usedGlobals);

    const header: string[] = [
      this.banner(),
      `#ifndef TSBOOT_${moduleName.toUpperCase()}_H`,
      `#define TSBOOT_${moduleName.toUpperCase()}_H`,
      "",
      '#include "tsboot_rt.h"',
      "",
    ];
    for (const e of program.enums) {
      header.push(`/* enum ${e.name} */`);
      for (const m of e.members) header.push(`#define ${m.cName} ${literal(m.value, this.enumCType(e))}`);
      header.push("");
    }
    for (const s of program.structs) header.push(...this.structDefinition(s), "");
    for (const fn of program.functions) if (fn.exported && !fn.externName) header.push(`${this.prototype(fn)};`);
    header.push("", `#endif /* TSBOOT_${moduleName.toUpperCase()}_H */`, "");

    const source: string[] = [this.banner(), `#include "${moduleName}.h"`, ""];
    const externs = program.functions.filter((f) => f.externName && reachable.has(f));
    if (externs.length) {
      source.push("/* Bindings implemented in C (@extern). */");
      for (const fn of externs) source.push(`extern ${this.prototype(fn)};`);
      source.push("");
    }
    this.out = [];
    this.lastLine = null;
    this.indent = 0;
    for (const g of program.globals) if (this.usedGlobals.has(g)) this.global(g);
    source.push(...this.out);
    if (this.out.length) source.push("");
    const statics = program.functions.filter((f) => reachable.has(f) && !f.exported && !f.externName);
    for (const fn of statics) source.push(fn.noReturn ? this.prototype(fn).replace("_Noreturn ", "_Noreturn static ") + ";" : `static ${this.prototype(fn)};`);
    if (statics.length) source.push("");
    const wrappers = statics.filter((f) => this.viewWrappers.has(f));
    if (wrappers.length) {
      source.push("/* Calls whose view arguments are computed: each view is evaluated once, then split into pointer and length. */");
      for (const fn of wrappers) source.push(this.viewWrapper(fn));
      source.push("");
    }
    source.push(bodies.join("\n\n"), "");
    return { source: source.join("\n"), header: header.join("\n"), moduleName };
  }

  /** The first line of each file: the real source file (relative to the source root) and what it imports. */
  banner(): string {
    const rel = (f: string) => path.relative(this.options.sourceRoot, f).split(path.sep).join("/");
    const others = this.program.files.filter((f) => f !== this.program.entryFile).map(rel);
    const imports = others.length ? ` and ${others.length === 1 ? others[0] : `the ${others.length} files it imports`}` : "";
    return `/* Generated by tsboot from ${rel(this.program.entryFile)}${imports}: edit the TypeScript, not this file. */`;
  }

  private structDefinition(s: StructType): string[] {
    const lines = [`typedef struct ${s.cName} {`];
    for (const f of s.fields) {
      const t = f.type.kind === "struct" ? f.type.cName : this.storageCType(f.type);
      lines.push(`  ${t} ${localCName(f.name)};`);
    }
    if (s.fields.length === 0) lines.push("  uint8_t unused_;");
    lines.push(`} ${s.cName};`);
    return lines;
  }

  private global(v: Variable): void {
    this.lineDirective(v.declaredAt);
    if (v.constValue !== undefined) {
      // The literal's own C type must be the one the range analysis assumes (u suffix only above INT32_MAX).
      const value = literal(v.constValue, computationType(R.single(v.constValue)), v.constText);
      this.line(`#define ${v.cName} ${v.constValue < 0n ? `(${value})` : value}`);
      return;
    }
    if (v.type.kind === "array" && v.fixedLength !== undefined) {
      const element = v.type.element;
      const constant = !v.mayBeWritten && v.initialElements;
      const init = v.initialElements ? ` = ${elementList(v.initialElements, v.initialTexts, element)}` : "";
      this.line(`static ${constant ? "const " : ""}${C_INT_NAMES[element]} ${v.cName}[${v.fixedLength}]${init};`);
      return;
    }
    if (v.type.kind === "array") {
      const source = this.program.viewInits.get(v)!;
      this.line(`static tsb_view_${v.type.element} ${v.cName} = {${source.cName}, ${source.fixedLength}u};`);
      return;
    }
    if (v.structInit) {
      this.structStorage(v.cName, v.structInit, "static ");
      return;
    }
    const type = this.storageCType(v.type, v.rangeTyped);
    const init = typeof v.initialValue === "boolean" ? String(v.initialValue) : literal(v.initialValue ?? 0n, computationType(R.single(v.initialValue ?? 0n)));
    this.line(`static ${type} ${v.cName} = ${init};`);
  }
}

/** An array initializer, each element spelled as in the program. */
function elementList(elements: bigint[], texts: (string | undefined)[] | undefined, element: IntKind): string {
  return `{${elements.map((e, i) => literal(e, computationType(INT_RANGES[element]), texts?.[i])).join(", ")}}`;
}

function stripParens(code: string): string {
  if (!code.startsWith("(") || !code.endsWith(")")) return code;
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    if (code[i] === "(") depth++;
    else if (code[i] === ")") depth--;
    if (depth === 0 && i < code.length - 1) return code;
  }
  return code.slice(1, -1);
}

/**
 * `(x & M) === K` can never hold when K has a bit outside M, nor `(x | M) === K` when K lacks a bit of M
 * (GCC sees this and warns that the comparison is constant).
 */
function decideByBits(op: string, a: Expr, b: Expr): boolean | null {
  if (op !== "===" && op !== "!==") return null;
  // u32(x | M), i32(x & M): a 32-bit wrap keeps every bit GCC reasons about.
  const bare = (x: Expr): Expr => (x.k === "wrap" && (x.to === "u32" || x.to === "i32") ? bare(x.operand) : x.k === "convert" && !x.checked ? bare(x.operand) : x);
  a = bare(a);
  b = bare(b);
  const [masked, constant] = b.k === "const" ? [a, b] : a.k === "const" ? [b, a] : [null, null];
  if (!masked || !constant || masked.k !== "binary" || (masked.op !== "&" && masked.op !== "|")) return null;
  const mask = masked.right.k === "const" ? masked.right.value : masked.left.k === "const" ? masked.left.value : null;
  if (mask === null || !(R.contains(R.INT32, R.single(constant.value)) || R.contains(R.UINT32, R.single(constant.value)))) return null;
  const m = BigInt.asUintN(32, mask);
  const k = BigInt.asUintN(32, constant.value);
  const never = masked.op === "&" ? (k & ~m & 0xffffffffn) !== 0n : (k & m) !== m;
  return never ? op === "!==" : null;
}

/**
 * `X === K` where no value of X has a bit K has, or X surely has a bit K lacks: GCC combines masks through
 * wraps and nested `&` and `|` (`u16((p & M1) & M2) === K`, `(p | M1) | M2 === K`) and warns.
 */
function decideByPossibleBits(op: string, a: Expr, b: Expr): boolean | null {
  if (op !== "===" && op !== "!==") return null;
  const [x, k] = b.k === "const" ? [a, b.value] : a.k === "const" ? [b, a.value] : [null, 0n];
  if (!x || k < 0n || k > 0xffffffffn) return null;
  // The value is its 32-bit pattern when both are non-negative; an int32 X can only equal a K below 2^31 with
  // bit 31 clear, where its pattern is K's too.
  const valueIsPattern = (x.range.lo >= 0n && x.range.hi <= 0xffffffffn) || (R.contains(R.INT32, x.range) && k <= 0x7fffffffn);
  if (!valueIsPattern) return null;
  const never = (k & ~possibleOnes(x) & 0xffffffffn) !== 0n || (knownOnes(x) & ~k) !== 0n;
  return never ? op === "!==" : null;
}

/** The bits of an expression's 32-bit pattern that are surely 1 (`(x | 0x10) | 0x20` has 0x30). */
function knownOnes(e: Expr): bigint {
  switch (e.k) {
    case "const":
      return BigInt.asUintN(32, e.value);
    case "binary":
      if (e.checked) return 0n;
      if (e.op === "|") return knownOnes(e.left) | knownOnes(e.right);
      if (e.op === "&") return knownOnes(e.left) & knownOnes(e.right);
      return 0n;
    case "wrap":
      if (e.to === "u8") return knownOnes(e.operand) & 0xffn;
      if (e.to === "u16") return knownOnes(e.operand) & 0xffffn;
      return e.to === "u32" || e.to === "i32" ? knownOnes(e.operand) : 0n;
    case "convert":
      return e.checked ? 0n : knownOnes(e.operand);
    default:
      return 0n;
  }
}

/** The bits of an expression's 32-bit pattern that may be 1 (all 32 where nothing better is known). */
function possibleOnes(e: Expr): bigint {
  const all = 0xffffffffn;
  const upTo = (hi: bigint) => (hi <= 0n ? 0n : (1n << BigInt(R.bitLength(hi))) - 1n);
  if (e.k === "const") return BigInt.asUintN(32, e.value);
  if (e.range.lo >= 0n && e.range.hi <= all && !(e.k === "binary" && (e.op === "&" || e.op === "|" || e.op === "^")) && e.k !== "wrap") return upTo(e.range.hi);
  switch (e.k) {
    case "binary":
      if (e.checked) return all;
      if (e.op === "&") return possibleOnes(e.left) & possibleOnes(e.right);
      if (e.op === "|" || e.op === "^") return possibleOnes(e.left) | possibleOnes(e.right);
      return all;
    case "wrap": {
      const inner = possibleOnes(e.operand);
      if (e.to === "u8") return inner & 0xffn;
      if (e.to === "u16") return inner & 0xffffn;
      if (e.to === "u32" || e.to === "i32") return inner;
      return all;
    }
    case "convert":
      return e.checked ? all : possibleOnes(e.operand);
    default:
      return e.range.lo >= 0n && e.range.hi <= all ? upTo(e.range.hi) : all;
  }
}

function decideCompare(op: string, a: Range, b: Range): boolean | null {
  switch (op) {
    case "<":
      return a.hi < b.lo ? true : a.lo >= b.hi ? false : null;
    case "<=":
      return a.hi <= b.lo ? true : a.lo > b.hi ? false : null;
    case ">":
      return a.lo > b.hi ? true : a.hi <= b.lo ? false : null;
    case ">=":
      return a.lo >= b.hi ? true : a.hi < b.lo ? false : null;
    case "===":
      return a.hi < b.lo || b.hi < a.lo ? false : R.isSingle(a) && R.isSingle(b) && a.lo === b.lo ? true : null;
    case "!==":
      return a.hi < b.lo || b.hi < a.lo ? true : R.isSingle(a) && R.isSingle(b) && a.lo === b.lo ? false : null;
  }
  return null;
}

/** A key equal for two expressions that compute the same value (no calls, so nothing changes between them). */
/** The bits a wrap keeps, for the wraps that keep the low bits of two's complement. */
const WRAP_BITS: Partial<Record<IntKind, number>> = { u8: 8, i8: 8, u16: 16, i16: 16, u32: 32, i32: 32 };

function pureKey(e: Expr): string | null {
  if (some(e, (x) => x.k === "call" || x.k === "intrinsic" || x.k === "subarray")) return null;
  const key = (x: Expr): string => {
    // A wrap of a value its type holds, and an unchecked conversion, change nothing (u32(p) of a u32 p is p).
    // A wrap of a wrap at least as wide keeps the same low bits as one wrap: u32(i32(p)) of a u32 p is p.
    if (x.k === "wrap") {
      let inner = x.operand;
      while (inner.k === "wrap" && WRAP_BITS[inner.to] !== undefined && WRAP_BITS[x.to] !== undefined && WRAP_BITS[inner.to]! >= WRAP_BITS[x.to]!) inner = inner.operand;
      if (R.contains(INT_RANGES[x.to], inner.range)) return key(inner);
    }
    if (x.k === "convert" && !x.checked) return key(x.operand);
    const own =
      x.k === "var" ? `v${x.v.id}` :
      x.k === "const" ? `c${x.value}` :
      x.k === "bool" ? `b${x.value}` :
      x.k === "enumMember" ? `e${x.member.value}` :
      x.k === "binary" || x.k === "compare" || x.k === "logical" || x.k === "divide" ? `${x.k}${x.op}` :
      x.k === "wrap" ? `wrap${x.to}` :
      x.k === "field" ? `field${x.field.name}` :
      x.k;
    const keys = children(x).map(key);
    // Operands of a commutative operation in either order compute the same value, and GCC, which orders
    // them canonically, sees `(a + b) == (b + a)` as a self-comparison (-Wtautological-compare).
    if (isCommutative(x)) keys.sort();
    return `${own}(${keys.join(",")})`;
  };
  return key(e);
}

/**
 * `a op b` equals `b op a`: + and * (exact within ±(2^53-1); a checked i64 one traps in either order, and
 * then the comparison is not reached), Math.imul, & | ^ (on 32-bit patterns), === and !==.
 */
function isCommutative(x: Expr): boolean {
  if (x.k === "imul") return true;
  if (x.k === "binary") return x.op === "+" || x.op === "*" || x.op === "&" || x.op === "|" || x.op === "^";
  return x.k === "compare" && (x.op === "===" || x.op === "!==");
}

/** Calls, and checks that can stop the program, must be evaluated even when a comparison is decided. */
function hasSideEffects(e: Expr): boolean {
  return some(e, (x) => x.k === "call" || x.k === "intrinsic" || x.k === "subarray" || (x.k === "index" && x.checked) || (x.k === "binary" && x.checked === true) || (x.k === "divide" && x.trapOnZero === true) || (x.k === "convert" && x.checked));
}

function markInitializerRefs(init: StructInit, used: Set<Variable>): void {
  for (const value of init.values.values()) {
    if (value.kind === "struct") markInitializerRefs(value.init, used);
    else if (value.kind === "expr" && value.expr.k === "var" && value.expr.v.scope === "global") used.add(value.expr.v);
    else if (value.kind === "expr" && value.expr.k === "const" && value.expr.constant) used.add(value.expr.constant);
  }
}

/**
 * C names of locals and parameters: one per TypeScript name in a function (`int` is `int_`, so a TypeScript
 * `int_` becomes `int__`), and none that would hide a module-level C name.
 */
export function renameCollidingLocals(program: ProgramIR): void {
  const taken = new Set<string>([
    ...program.functions.map((f) => f.cName),
    ...program.globals.map((g) => g.cName),
    ...program.structs.map((s) => s.cName),
    ...program.enums.flatMap((e) => e.members.map((m) => m.cName)),
  ]);
  for (const fn of program.functions) {
    const owner = new Map<string, string>();
    for (const v of [...fn.params, ...fn.locals]) {
      // Two declarations of one TypeScript name (shadowing in nested blocks) keep one C name, as in C.
      while (taken.has(v.cName) || (owner.has(v.cName) && owner.get(v.cName) !== v.name)) v.cName = `${v.cName}_`;
      owner.set(v.cName, v.name);
    }
  }
}

/** Functions reachable from the entry module's exports: the rest is not emitted (C warns on unused statics). */
export function reachableFunctions(program: ProgramIR): Set<FunctionIR> {
  const seen = new Set<FunctionIR>();
  const visit = (fn: FunctionIR) => {
    if (seen.has(fn)) return;
    seen.add(fn);
    for (const c of fn.calls) visit(c);
  };
  for (const fn of program.functions) if (fn.exported) visit(fn);
  return seen;
}
