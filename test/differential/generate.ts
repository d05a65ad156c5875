/**
 * fast-check arbitraries for well-typed subset programs.
 *
 * Generation is in two steps so that fast-check can shrink freely:
 *  1. arbitraries build *raw* trees (plain objects, shrinkable without context) that know nothing of intervals;
 *  2. `legalize` turns a raw function into program text deterministically, computing the interval of every
 *     expression with ./intervals.ts and wrapping operands (helper or Math.imul) wherever the brief's rules
 *     would otherwise reject the program. So every raw tree, and every shrink of it, is a program the
 *     compiler must accept.
 * The rendered function also records what the oracle needs: the declared type of each store (tagged in the
 * program's output by `print("@k ")` right after the `printInt` of the stored value) and the return type.
 * The text is also kept valid for tsc: no `===` between two literal types (TypeScript's equality narrowing
 * included), no bare `<` and no `> (` (either can parse as type arguments after a `<<`).
 */
import fc from "fast-check";
import { foldBinary, wrapConst } from "../../compiler/fold";
import * as R from "../../compiler/range";
import * as I from "./intervals";
import type { IntType, Interval } from "./intervals";

// ---------------------------------------------------------------------------------------------- raw trees

export type Helper = IntType;
export type ArithOp = "+" | "-" | "*";
export type BitOp = "&" | "|" | "^" | "<<" | ">>" | ">>>";
export type CmpOp = "<" | "<=" | ">" | ">=" | "===" | "!==";
export type DivForm = Helper | "|0" | ">>>0";

export type RawExpr =
  | { k: "lit"; v: number; hex: boolean }
  | { k: "var"; i: number }
  | { k: "neg"; a: RawExpr }
  | { k: "not"; a: RawExpr }
  | { k: "arith"; op: ArithOp; a: RawExpr; b: RawExpr; pick: number }
  | { k: "bit"; op: BitOp; a: RawExpr; b: RawExpr }
  | { k: "tern"; op: CmpOp; a: RawExpr; b: RawExpr; t: RawExpr; f: RawExpr }
  | { k: "wrap"; h: Helper; a: RawExpr }
  | { k: "imul"; a: RawExpr; b: RawExpr }
  | { k: "div"; form: DivForm; a: RawExpr; b: RawExpr; pick: number }
  | { k: "modw"; h: Helper; a: RawExpr; b: RawExpr }
  | { k: "modl"; a: RawExpr; d: number };

export interface RawCond {
  op: CmpOp;
  a: RawExpr;
  b: RawExpr;
}
export type RawStmt =
  | { k: "const"; e: RawExpr }
  | { k: "let"; t: IntType; e: RawExpr; wrap: boolean; iff: null | { c: RawCond; e: RawExpr; wrap: boolean } };

/** An input value before it is truncated to its parameter's type. */
export type RawValue = "zero" | "one" | "max" | "min" | "m1" | "x7fffffff" | "x80000000" | "xffffffff" | number;
export type RawInput = [RawValue, RawValue, RawValue];

export interface RawFn {
  params: IntType[];
  ret: IntType;
  stmts: RawStmt[];
  retE: RawExpr;
  retWrap: boolean;
  inputs: RawInput[];
}

export const EDGE_LITERALS = [
  0, 1, 0x7f, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, -1, -0x80000000,
] as const;

const intType = fc.constantFrom<IntType>(...I.INT_TYPES);
const cmpOp = fc.constantFrom<CmpOp>("<", "<=", ">", ">=", "===", "!==");

const litValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<number>(...EDGE_LITERALS) },
  { weight: 3, arbitrary: fc.integer({ min: -300, max: 300 }) },
  { weight: 3, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 32, 2 ** 40 + 3, 2 ** 52, 2 ** 53 - 1, -(2 ** 53 - 1), -(2 ** 33)) },
  { weight: 1, arbitrary: fc.integer({ min: -(2 ** 53 - 1), max: 2 ** 53 - 1 }) },
);
const shiftLit = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 31 }) },
  { weight: 1, arbitrary: fc.constantFrom(32, 33, 63, 64, 255) },
);
const nonZeroDivisor = fc.oneof(
  fc.constantFrom(1, 2, 3, 7, 10, 0x7f, 0xff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, -1, -3, -0x80000000),
  fc.integer({ min: 1, max: 2 ** 32 }),
  fc.integer({ min: -(2 ** 32), max: -1 }),
);

export interface GenOptions {
  /** Expression depth limit (fast-check's oneof maxDepth). */
  maxDepth?: number;
  /** Inputs per function: generation uses exactly `inputs`, shrinking may go down to 1. */
  inputs?: number;
  minInputs?: number;
}

export function exprArbitrary(maxDepth = 4): fc.Arbitrary<RawExpr> {
  const { expr } = fc.letrec<{ expr: RawExpr; leaf: RawExpr }>((tie) => {
    const e = () => tie("expr") as fc.Arbitrary<RawExpr>;
    return {
      leaf: fc.oneof(
        { weight: 3, arbitrary: fc.record({ k: fc.constant("var" as const), i: fc.nat(20) }) },
        { weight: 2, arbitrary: fc.record({ k: fc.constant("lit" as const), v: litValue, hex: fc.boolean() }) },
      ),
      expr: fc.oneof(
        { depthSize: "small", maxDepth, withCrossShrink: true },
        { weight: 6, arbitrary: tie("leaf") as fc.Arbitrary<RawExpr> },
        {
          weight: 6,
          arbitrary: fc.record({ k: fc.constant("arith" as const), op: fc.constantFrom<ArithOp>("+", "-", "*"), a: e(), b: e(), pick: fc.nat(7) }),
        },
        {
          weight: 4,
          arbitrary: fc.record({ k: fc.constant("bit" as const), op: fc.constantFrom<BitOp>("&", "|", "^"), a: e(), b: e() }),
        },
        {
          weight: 3,
          arbitrary: fc.record({
            k: fc.constant("bit" as const),
            op: fc.constantFrom<BitOp>("<<", ">>", ">>>"),
            a: e(),
            b: fc.oneof(fc.record({ k: fc.constant("lit" as const), v: shiftLit, hex: fc.constant(false) }), e()),
          }),
        },
        { weight: 1, arbitrary: fc.record({ k: fc.constant("neg" as const), a: e() }) },
        { weight: 1, arbitrary: fc.record({ k: fc.constant("not" as const), a: e() }) },
        { weight: 2, arbitrary: fc.record({ k: fc.constant("tern" as const), op: cmpOp, a: e(), b: e(), t: e(), f: e() }) },
        { weight: 3, arbitrary: fc.record({ k: fc.constant("wrap" as const), h: intType, a: e() }) },
        { weight: 2, arbitrary: fc.record({ k: fc.constant("imul" as const), a: e(), b: e() }) },
        {
          weight: 2,
          arbitrary: fc.record({
            k: fc.constant("div" as const),
            form: fc.constantFrom<DivForm>("u32", "i32", "|0", ">>>0", "u8", "u16", "i8", "i16"),
            a: e(),
            b: e(),
            pick: fc.nat(7),
          }),
        },
        { weight: 1, arbitrary: fc.record({ k: fc.constant("modw" as const), h: intType, a: e(), b: e() }) },
        { weight: 1, arbitrary: fc.record({ k: fc.constant("modl" as const), a: e(), d: nonZeroDivisor }) },
      ),
    };
  });
  return expr;
}

const rawValue: fc.Arbitrary<RawValue> = fc.oneof(
  fc.constantFrom<RawValue>("zero", "one", "max", "min", "m1", "x7fffffff", "x80000000", "xffffffff"),
  fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
  fc.integer({ min: -300, max: 300 }),
  // i64 inputs beyond 32 bits (the other types wrap them).
  fc.bigInt({ min: -(2n ** 53n - 1n), max: 2n ** 53n - 1n }).map(Number),
);

export function fnArbitrary(opts: GenOptions = {}): fc.Arbitrary<RawFn> {
  const e = exprArbitrary(opts.maxDepth ?? 4);
  const cond = fc.record({ op: cmpOp, a: e, b: e });
  const stmt: fc.Arbitrary<RawStmt> = fc.oneof(
    { withCrossShrink: true },
    fc.record({ k: fc.constant("const" as const), e }),
    {
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant("let" as const),
        t: intType,
        e,
        wrap: fc.boolean(),
        iff: fc.option(fc.record({ c: cond, e, wrap: fc.boolean() }), { freq: 2 }),
      }),
    },
  );
  const n = opts.inputs ?? 25;
  return fc.record({
    params: fc.array(intType, { minLength: 1, maxLength: 3 }),
    ret: intType,
    stmts: fc.array(stmt, { minLength: 0, maxLength: 3 }),
    retE: e,
    retWrap: fc.boolean(),
    inputs: fc.array(fc.tuple(rawValue, rawValue, rawValue), { minLength: opts.minInputs ?? n, maxLength: n }),
  });
}

/** A batch: exactly `count` functions (no shrinking of the count; the test shrinks one failing function). */
export function batchArbitrary(count: number, opts: GenOptions = {}): fc.Arbitrary<RawFn[]> {
  return fc.array(fnArbitrary(opts), { minLength: count, maxLength: count });
}

// ---------------------------------------------------------------------------------------------- legalize

interface Expr {
  text: string;
  iv: Interval;
  /** The compiler types it i64 (an i64 variable, or arithmetic on one or inside i64(…)): + - * are checked. */
  i64: boolean;
  /** The compiler folds it to a constant (literals and operators on literals). */
  konst: boolean;
  /** Its value, when it is a constant (computed with the compiler's own folding, JavaScript's semantics). */
  kv?: bigint;
  /** TypeScript gives it a number literal type (so `===` against another such is a tsc error). */
  litTyped: boolean;
  /** A non-negative numeric literal token (for the constant-shift rule). */
  lit?: bigint;
  /** A bare variable reference (TypeScript narrows these). */
  varName?: string;
}
/** A rendered condition, and the variable `===` / `!==` against a literal type narrows to that literal type. */
interface Cond {
  text: string;
  narrowTrue?: string;
  narrowFalse?: string;
}
interface Var {
  name: string;
  iv: Interval;
  litTyped: boolean;
  i64: boolean;
}

const HELPERS_16: Helper[] = ["u8", "i8", "u16", "i16"];
const HELPERS_32: Helper[] = ["u32", "i32"];

/** A wrapping helper u8() … i32() around an expression (i64 goes through Legalizer.inI64). */
function helperCall(h: Helper, e: Expr): Expr {
  if (h === "i64") return { text: `i64(${e.text})`, iv: e.iv, litTyped: false, i64: true, konst: e.konst, kv: e.kv };
  const kv = e.kv !== undefined ? wrapConst(h, e.kv) : undefined;
  return { text: `${h}(${e.text})`, iv: kv !== undefined ? I.literal(kv) : I.TYPE_RANGE[h], litTyped: false, i64: false, konst: e.konst, kv };
}

/** A constant result: its interval is the value itself (as in the compiler, which folds it). */
function folded(e: Expr, kv: bigint | undefined): Expr {
  return kv === undefined ? e : { ...e, kv, iv: I.literal(kv) };
}

function litExpr(v: bigint, hex: boolean): Expr {
  const mag = v < 0n ? -v : v;
  const digits = hex ? `0x${mag.toString(16).toUpperCase()}` : mag.toString();
  return v < 0n
    ? { text: `(-${digits})`, iv: I.literal(v), litTyped: true, i64: false, konst: true, kv: v }
    : { text: digits, iv: I.literal(v), litTyped: true, lit: v, i64: false, konst: true, kv: v };
}

export interface RenderOptions {
  /** false: no fixing (overflowing arithmetic, oversized division operands, bare `a / b`). Default true. */
  legal?: boolean;
  /**
   * Rules the compiler has been seen to apply beyond the brief, to keep out of generated programs so a run
   * can look past a known disagreement (TSBOOT_DIFF_COMPAT, comma-separated):
   *  - "selfcmp": no comparison of an expression with itself (`p0 > p0`: the C fails gcc -Werror).
   *  - "mod32": `%` operands within ±2^32 (what the compiler required before b412487).
   */
  compat?: ReadonlySet<string>;
}

class Legalizer {
  readonly legal: boolean;
  readonly compat: ReadonlySet<string>;
  constructor(
    readonly scope: Var[],
    opts: RenderOptions = {},
  ) {
    this.legal = opts.legal ?? true;
    this.compat = opts.compat ?? new Set();
  }

  /** Wraps an operand of `/` outside [-2^32, 2^32] in u32/i32. */
  divOperand(x: Expr, pick: number): Expr {
    return I.within(x.iv, I.DIVISION_OPERAND) || !this.legal ? x : helperCall(HELPERS_32[pick % 2]!, x);
  }
  /**
   * `%` operands: no limit by the brief (the remainder of safe integers is exact in Node and C); "mod32"
   * keeps them within ±2^32 like `/`, as docs/subset.md once required.
   */
  modOperand(x: Expr, pick: number): Expr {
    return this.compat.has("mod32") ? this.divOperand(x, pick) : x;
  }

  /** Inside i64(…): + - * and unary - in the operand's arithmetic tree are checked i64 operations. */
  private ctx64 = false;
  inI64<T>(body: () => T): T {
    const saved = this.ctx64;
    this.ctx64 = true;
    try {
      return body();
    } finally {
      this.ctx64 = saved;
    }
  }

  expr(r: RawExpr): Expr {
    // As in the compiler, i64(…) reaches through + - * and unary - only.
    if (r.k === "arith" || r.k === "neg" || !this.ctx64) return this.exprOf(r);
    this.ctx64 = false;
    try {
      return this.exprOf(r);
    } finally {
      this.ctx64 = true;
    }
  }

  private exprOf(r: RawExpr): Expr {
    switch (r.k) {
      case "lit":
        return litExpr(BigInt(r.v), r.hex);
      case "var": {
        const v = this.scope[r.i % this.scope.length]!;
        return { text: v.name, iv: v.iv, litTyped: v.litTyped || this.narrowed.has(v.name), varName: v.name, i64: v.i64, konst: false };
      }
      case "neg": {
        const a = this.expr(r.a);
        // The compiler folds -(constant) keeping its type; otherwise -x is an i64 for an i64 x or inside i64().
        return folded({ text: `(-${a.text})`, iv: I.neg(a.iv), litTyped: a.lit !== undefined, i64: a.konst ? a.i64 : a.i64 || this.ctx64, konst: a.konst }, a.kv !== undefined ? -a.kv : undefined);
      }
      case "not": {
        const a = this.expr(r.a);
        const kv = a.kv !== undefined ? BigInt(~Number(BigInt.asIntN(32, a.kv))) : undefined;
        return folded({ text: `(~${a.text})`, iv: R.bitNot(a.iv), litTyped: false, i64: false, konst: a.konst }, kv);
      }
      case "arith":
        return this.arith(r.op, this.expr(r.a), this.expr(r.b), r.pick);
      case "bit": {
        let a = this.expr(r.a);
        const b = this.expr(r.b);
        // A shift of a wide i64 sees only its low 32 bits in JavaScript: the compiler refuses it (TSB1062).
        const shift = r.op === "<<" || r.op === ">>" || r.op === ">>>";
        if (shift && this.legal && a.i64 && !I.within(a.iv, I.INT32) && !I.within(a.iv, I.UINT32)) a = helperCall("i32", a);
        // The compiler's own interval functions: with TSB1063 (a store that always traps), a generator less
        // precise than the compiler would write programs the compiler rightly rejects. Soundness does not rest
        // on them: an unsound interval would drop a check, and plain Node's oracle would then disagree.
        const k = R.shiftCount(b.iv);
        const ivr = r.op === "&" ? R.bitAnd(a.iv, b.iv) : r.op === "|" || r.op === "^" ? R.bitOrXor(a.iv, b.iv) : r.op === "<<" ? R.shiftLeft(a.iv, k) : r.op === ">>" ? R.shiftRight(a.iv, k) : R.shiftRightUnsigned(a.iv, k);
        const kv = a.kv !== undefined && b.kv !== undefined ? foldBinary(r.op, a.kv, b.kv) : undefined;
        return folded({ text: `(${a.text} ${r.op} ${b.text})`, iv: ivr, litTyped: false, i64: false, konst: a.konst && b.konst }, kv);
      }
      case "tern": {
        const c = this.cond(r, true);
        const t = this.narrowing(c.narrowTrue, () => this.expr(r.t));
        const f = this.narrowing(c.narrowFalse, () => this.expr(r.f));
        return { text: `(${c.text} ? ${t.text} : ${f.text})`, iv: I.hull(t.iv, f.iv), litTyped: t.litTyped && f.litTyped, i64: t.i64 || f.i64, konst: false };
      }
      case "wrap":
        if (r.h === "i64") return helperCall("i64", this.inI64(() => this.expr(r.a)));
        return helperCall(r.h, this.expr(r.a));
      case "imul": {
        const a = this.expr(r.a);
        const b = this.expr(r.b);
        const kv = a.kv !== undefined && b.kv !== undefined ? BigInt(Math.imul(Number(a.kv), Number(b.kv))) : undefined;
        return folded({ text: `Math.imul(${a.text}, ${b.text})`, iv: I.INT32, litTyped: false, i64: false, konst: a.konst && b.konst }, kv);
      }
      case "div": {
        const a = this.divOperand(this.expr(r.a), r.pick);
        const b = this.divOperand(this.expr(r.b), r.pick + 1);
        const q = `${a.text} / ${b.text}`;
        if (!this.legal && r.pick % 4 === 0) return { text: `(${q})`, iv: I.hull(a.iv, I.neg(a.iv)), litTyped: false, i64: false, konst: false };
        // Two constants fold to JavaScript's quotient, then the wrap (by zero: NaN or ±Infinity, wrapped to 0).
        const quotient = a.kv !== undefined && b.kv !== undefined ? Number(a.kv) / Number(b.kv) : undefined;
        const truncated = quotient === undefined ? undefined : Number.isFinite(quotient) ? BigInt(Math.trunc(quotient)) : 0n;
        const konst = a.konst && b.konst;
        if (r.form === "|0") return folded({ text: `((${q}) | 0)`, iv: I.INT32, litTyped: false, i64: false, konst }, truncated === undefined ? undefined : wrapConst("i32", truncated));
        if (r.form === ">>>0") return folded({ text: `((${q}) >>> 0)`, iv: I.UINT32, litTyped: false, i64: false, konst }, truncated === undefined ? undefined : wrapConst("u32", truncated));
        // i64(a / b): |a / b| <= |a|; by zero it traps (a constant zero divisor would be a compile error).
        if (r.form === "i64" && !(a.konst && b.konst)) return { text: `i64(${q})`, iv: I.hull(a.iv, I.neg(a.iv)), litTyped: false, i64: true, konst: false };
        const form = r.form === "i64" ? "i32" : r.form;
        return folded({ text: `${form}(${q})`, iv: I.TYPE_RANGE[form], litTyped: false, i64: false, konst }, truncated === undefined ? undefined : wrapConst(form, truncated));
      }
      case "modw": {
        const a = this.modOperand(this.expr(r.a), 0);
        const b = this.modOperand(this.expr(r.b), 1);
        if (r.h === "i64" && !(a.konst && b.konst)) {
          const m = I.magnitude(a.iv);
          return { text: `i64(${a.text} % ${b.text})`, iv: I.iv(-m, m), litTyped: false, i64: true, konst: false };
        }
        const h = r.h === "i64" ? "i32" : r.h;
        const kv = a.kv !== undefined && b.kv !== undefined ? (b.kv === 0n ? 0n : wrapConst(h, a.kv % b.kv)) : undefined;
        return folded({ text: `${h}(${a.text} % ${b.text})`, iv: I.TYPE_RANGE[h], litTyped: false, i64: false, konst: a.konst && b.konst }, kv);
      }
      case "modl": {
        const a = this.modOperand(this.expr(r.a), 0);
        const d = litExpr(BigInt(r.d === 0 ? 1 : r.d), false);
        return folded({ text: `(${a.text} % ${d.text})`, iv: I.mod(a.iv, d.iv), litTyped: false, i64: a.i64 && !a.konst, konst: a.konst }, a.kv !== undefined ? a.kv % d.kv! : undefined);
      }
    }
  }

  /** Variables TypeScript has narrowed to a literal type here (inside `x === 5 ? … : …`). */
  readonly narrowed = new Set<string>();
  narrowing<T>(name: string | undefined, body: () => T): T {
    if (name === undefined || this.narrowed.has(name)) return body();
    this.narrowed.add(name);
    try {
      return body();
    } finally {
      this.narrowed.delete(name);
    }
  }

  /**
   * `a OP b`, parenthesized, written so that tsc accepts it. `notConstant`: never two constants (the compiler
   * would fold the test and pick an arm, which the generator does not follow).
   */
  cond(c: RawCond, notConstant = false): Cond {
    const a = this.expr(c.a);
    let b = this.expr(c.b);
    if (notConstant && a.konst && b.konst) {
      const p0 = this.scope[0]!;
      b = { text: `(${p0.name} + 0)`, iv: p0.iv, litTyped: false, i64: p0.i64, konst: false };
    }
    // gcc -Wall warns (an error under -Werror) on `x > x`; "selfcmp" keeps identical operands out.
    if (this.compat.has("selfcmp") && a.text === b.text) b = { ...litExpr(0n, false), konst: a.konst };
    const eq = c.op === "===" || c.op === "!==";
    // `===` between two literal types (a variable narrowed to one included) is a tsc error: compare with p0 + 0.
    if (eq && a.litTyped && b.litTyped) {
      const p0 = this.scope[0]!;
      b = { text: `(${p0.name} + 0)`, iv: p0.iv, litTyped: false, i64: p0.i64, konst: false };
    }
    if (eq) {
      const v = a.varName !== undefined && b.litTyped ? a.varName : b.varName !== undefined && a.litTyped ? b.varName : undefined;
      const text = `(${a.text} ${c.op} ${b.text})`;
      return c.op === "===" ? { text, narrowTrue: v } : { text, narrowFalse: v };
    }
    // `a < (b) > (c)` parses as a generic call a<(b)>(c): never write a bare `<`, write `b > a` instead.
    // And after a `<<`, `> (` also starts type arguments (`x << (0 > (-1))` does not parse): write `> 0 + (`.
    const gt = (x: Expr, y: Expr) => `(${x.text} > ${y.text.startsWith("(") ? `0 + ${y.text}` : y.text})`;
    if (c.op === "<") return { text: gt(b, a) };
    if (c.op === ">") return { text: gt(a, b) };
    return { text: `(${a.text} ${c.op} ${b.text})` };
  }

  arith(op: ArithOp, a: Expr, b: Expr, pick: number): Expr {
    const compute = (x: Interval, y: Interval) => (op === "+" ? I.add(x, y) : op === "-" ? I.sub(x, y) : I.mul(x, y));
    let r = compute(a.iv, b.iv);
    const i64 = a.i64 || b.i64 || this.ctx64;
    const konst = a.konst && b.konst;
    // Checked i64 arithmetic may leave ±(2^53-1): C and checked Node trap there. Two constants fold instead,
    // so their result must be safe.
    if (i64 && !konst) return { text: `(${a.text} ${op} ${b.text})`, iv: I.meet(r, I.TYPE_RANGE.i64) ?? I.TYPE_RANGE.i64, litTyped: false, i64: true, konst: false };
    if (!I.isSafe(r) && this.legal) {
      if (op === "*" && pick % 2 === 0) {
        const kv = a.kv !== undefined && b.kv !== undefined ? BigInt(Math.imul(Number(a.kv), Number(b.kv))) : undefined;
        return folded({ text: `Math.imul(${a.text}, ${b.text})`, iv: I.INT32, litTyped: false, i64: false, konst }, kv);
      }
      // Wrap the large operands: 16-bit helpers for *, 32-bit ones for + and -.
      const [limit, helpers] = op === "*" ? [2n ** 26n, HELPERS_16] : [2n ** 51n, HELPERS_32];
      let n = pick >> 1;
      const fix = (x: Expr) => (I.magnitude(x.iv) > limit ? helperCall(helpers[n++ % helpers.length]!, x) : x);
      a = fix(a);
      b = fix(b);
      r = compute(a.iv, b.iv);
      if (!I.isSafe(r)) throw new Error(`generator bug: ${a.text} ${op} ${b.text} still unsafe`);
    }
    const kv = a.kv !== undefined && b.kv !== undefined ? (op === "+" ? a.kv + b.kv : op === "-" ? a.kv - b.kv : a.kv * b.kv) : undefined;
    // The compiler types a folded constant i64 when an operand is (or inside i64(…)): the operands as
    // written, after the fix above, which may have wrapped an i64 constant in a helper (`u8(k) * i8(i64(k))`
    // is a plain number, as a sum or product with it is).
    return folded({ text: `(${a.text} ${op} ${b.text})`, iv: r, litTyped: false, i64: a.i64 || b.i64 || this.ctx64, konst }, kv);
  }
}

// ---------------------------------------------------------------------------------------------- render

/** Where store k is: its statement, the `let` or the `if` assignment, and its line in the function (1 = first body line). */
export interface StoreSite {
  stmt: number;
  part: "let" | "iff";
  line: number;
}

export interface FnInfo {
  name: string;
  params: IntType[];
  ret: IntType;
  /** Declared type of each store, by the tag k that `print("@k ")` writes after its printInt. */
  stores: IntType[];
  storeAt: StoreSite[];
  /** The line of the return statement (1 = first body line). */
  returnLine: number;
  /** The module line of the function's signature (set by renderModule). */
  firstLine?: number;
  /** Input tuples, each value already in its parameter's range. */
  inputs: bigint[][];
  text: string;
}

export interface Module {
  name: string;
  text: string;
  fns: FnInfo[];
}

export function inputValue(raw: RawValue, t: IntType): bigint {
  const r = I.TYPE_RANGE[t];
  if (t === "i64" && typeof raw === "number") return I.wrap(BigInt(raw), t);
  switch (raw) {
    case "zero":
      return 0n;
    case "one":
      return 1n;
    case "max":
      return r.hi;
    case "min":
      return r.lo;
    case "m1":
      return I.wrap(-1n, t);
    case "x7fffffff":
      return I.wrap(0x7fffffffn, t);
    case "x80000000":
      return I.wrap(0x80000000n, t);
    case "xffffffff":
      return I.wrap(0xffffffffn, t);
    default:
      return I.wrap(BigInt(raw), t);
  }
}

export function renderFn(raw: RawFn, name: string, opts: RenderOptions = {}): FnInfo {
  const scope: Var[] = raw.params.map((t, i) => ({ name: `p${i}`, iv: I.TYPE_RANGE[t], litTyped: false, i64: t === "i64" }));
  const L = new Legalizer(scope, opts);
  const stores: IntType[] = [];
  const storeAt: StoreSite[] = [];
  const lines: string[] = [];
  // A wrapped store into an i64 is `i64(value)`: the compiler computes its arithmetic in checked i64.
  // A value whose every possible value leaves the type would be a compile error (TSB1063): it is wrapped.
  const value = (t: IntType, e: RawExpr, wrap: boolean): Expr => {
    if (wrap) return t === "i64" ? helperCall("i64", L.inI64(() => L.expr(e))) : helperCall(t, L.expr(e));
    const x = L.expr(e);
    return I.meet(x.iv, I.TYPE_RANGE[t]) || !L.legal ? x : value(t, e, true);
  };
  // `target = value; printInt(v); print("@k ");` where target is `let v: T` or `v`.
  const store = (target: string, v: string, t: IntType, e: RawExpr, wrap: boolean, indent: string, site: Omit<StoreSite, "line">) => {
    const x = value(t, e, wrap);
    const k = stores.push(t) - 1;
    storeAt.push({ ...site, line: lines.length + 1 });
    lines.push(`${indent}${target} = ${x.text};`, `${indent}printInt(${v});`, `${indent}print("@${k} ");`);
  };
  raw.stmts.forEach((s, i) => {
    if (s.k === "const") {
      const x = L.expr(s.e);
      lines.push(`  const c${i} = ${x.text};`);
      scope.push({ name: `c${i}`, iv: x.iv, litTyped: x.litTyped, i64: x.i64 });
    } else {
      store(`let v${i}: ${s.t}`, `v${i}`, s.t, s.e, s.wrap, "  ", { stmt: i, part: "let" });
      scope.push({ name: `v${i}`, iv: I.TYPE_RANGE[s.t], litTyped: false, i64: s.t === "i64" });
      if (s.iff) {
        const c = L.cond(s.iff.c);
        lines.push(`  if ${c.text} {`);
        L.narrowing(c.narrowTrue, () => store(`v${i}`, `v${i}`, s.t, s.iff!.e, s.iff!.wrap, "    ", { stmt: i, part: "iff" }));
        lines.push("  }");
      }
    }
  });
  const returnLine = lines.length + 1;
  lines.push(`  return ${value(raw.ret, raw.retE, raw.retWrap).text};`);
  const sig = raw.params.map((t, i) => `p${i}: ${t}`).join(", ");
  const text = `export function ${name}(${sig}): ${raw.ret} {\n${lines.join("\n")}\n}\n`;
  const inputs = raw.inputs.map((tuple) => raw.params.map((t, i) => inputValue(tuple[i]!, t)));
  return { name, params: raw.params, ret: raw.ret, stores, storeAt, returnLine, inputs, text };
}

/**
 * Forces a wrap on the stores the compiler proved always trap (TSB1063): the harness checks the proof
 * against Node, then runs the module again with these stores wrapped.
 */
export function wrapStores(raw: RawFn, sites: (StoreSite | "return")[]): RawFn {
  const stmts = raw.stmts.map((s, i) => {
    if (s.k !== "let") return s;
    const let_ = sites.some((x) => x !== "return" && x.stmt === i && x.part === "let");
    const iff = sites.some((x) => x !== "return" && x.stmt === i && x.part === "iff");
    return { ...s, wrap: s.wrap || let_, iff: s.iff && iff ? { ...s.iff, wrap: true } : s.iff };
  });
  return { ...raw, stmts, retWrap: raw.retWrap || sites.includes("return") };
}

/**
 * The module text for a test file at test/.gen/<name>.ts (the runtime is two directories up).
 * legal: false skips the fixes, so the program may be outside the subset (for the never-throws property).
 */
export function renderModule(raws: RawFn[], name: string, opts: RenderOptions = {}): Module {
  const fns = raws.map((r, i) => renderFn(r, `f${i}`, opts));
  const head = `// Generated by test/differential/generate.ts.\nimport { u8, u16, u32, i8, i16, i32, i64, print, printInt } from "../../runtime/index";\n\n`;
  let line = head.split("\n").length;
  for (const f of fns) {
    f.firstLine = line;
    line += f.text.split("\n").length;
  }
  const text = head + fns.map((f) => f.text).join("\n");
  return { name, text, fns };
}

/** The function and store a line of the module holds: a store tag, "return", or undefined. */
export function storeAtLine(mod: Module, line: number): { fn: number; site: StoreSite | "return" } | undefined {
  for (let f = 0; f < mod.fns.length; f++) {
    const fn = mod.fns[f]!;
    const rel = line - (fn.firstLine ?? 0);
    if (rel === fn.returnLine) return { fn: f, site: "return" };
    const site = fn.storeAt.find((x) => x.line === rel);
    if (site) return { fn: f, site };
  }
  return undefined;
}
