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
}

const HELPERS_16: Helper[] = ["u8", "i8", "u16", "i16"];
const HELPERS_32: Helper[] = ["u32", "i32"];

function helperCall(h: Helper, e: Expr): Expr {
  return { text: `${h}(${e.text})`, iv: I.TYPE_RANGE[h], litTyped: false };
}

function litExpr(v: bigint, hex: boolean): Expr {
  const mag = v < 0n ? -v : v;
  const digits = hex ? `0x${mag.toString(16).toUpperCase()}` : mag.toString();
  return v < 0n
    ? { text: `(-${digits})`, iv: I.literal(v), litTyped: true }
    : { text: digits, iv: I.literal(v), litTyped: true, lit: v };
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

  expr(r: RawExpr): Expr {
    switch (r.k) {
      case "lit":
        return litExpr(BigInt(r.v), r.hex);
      case "var": {
        const v = this.scope[r.i % this.scope.length]!;
        return { text: v.name, iv: v.iv, litTyped: v.litTyped || this.narrowed.has(v.name), varName: v.name };
      }
      case "neg": {
        const a = this.expr(r.a);
        return { text: `(-${a.text})`, iv: I.neg(a.iv), litTyped: a.lit !== undefined };
      }
      case "not":
        return { text: `(~${this.expr(r.a).text})`, iv: I.int32Op(), litTyped: false };
      case "arith":
        return this.arith(r.op, this.expr(r.a), this.expr(r.b), r.pick);
      case "bit": {
        const a = this.expr(r.a);
        const b = this.expr(r.b);
        const ivr = r.op === "&" ? I.and(a.iv, b.iv) : r.op === ">>>" ? I.ushr(b.lit) : I.int32Op();
        return { text: `(${a.text} ${r.op} ${b.text})`, iv: ivr, litTyped: false };
      }
      case "tern": {
        const c = this.cond(r);
        const t = this.narrowing(c.narrowTrue, () => this.expr(r.t));
        const f = this.narrowing(c.narrowFalse, () => this.expr(r.f));
        return { text: `(${c.text} ? ${t.text} : ${f.text})`, iv: I.hull(t.iv, f.iv), litTyped: t.litTyped && f.litTyped };
      }
      case "wrap":
        return helperCall(r.h, this.expr(r.a));
      case "imul":
        return { text: `Math.imul(${this.expr(r.a).text}, ${this.expr(r.b).text})`, iv: I.INT32, litTyped: false };
      case "div": {
        const a = this.divOperand(this.expr(r.a), r.pick);
        const b = this.divOperand(this.expr(r.b), r.pick + 1);
        const q = `${a.text} / ${b.text}`;
        if (!this.legal && r.pick % 4 === 0) return { text: `(${q})`, iv: I.hull(a.iv, I.neg(a.iv)), litTyped: false };
        if (r.form === "|0") return { text: `((${q}) | 0)`, iv: I.INT32, litTyped: false };
        if (r.form === ">>>0") return { text: `((${q}) >>> 0)`, iv: I.UINT32, litTyped: false };
        return { text: `${r.form}(${q})`, iv: I.TYPE_RANGE[r.form], litTyped: false };
      }
      case "modw": {
        const a = this.modOperand(this.expr(r.a), 0);
        const b = this.modOperand(this.expr(r.b), 1);
        return { text: `${r.h}(${a.text} % ${b.text})`, iv: I.TYPE_RANGE[r.h], litTyped: false };
      }
      case "modl": {
        const a = this.modOperand(this.expr(r.a), 0);
        const d = litExpr(BigInt(r.d === 0 ? 1 : r.d), false);
        return { text: `(${a.text} % ${d.text})`, iv: I.mod(a.iv, d.iv), litTyped: false };
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

  /** `a OP b`, parenthesized, written so that tsc accepts it. */
  cond(c: RawCond): Cond {
    const a = this.expr(c.a);
    let b = this.expr(c.b);
    // gcc -Wall warns (an error under -Werror) on `x > x`; "selfcmp" keeps identical operands out.
    if (this.compat.has("selfcmp") && a.text === b.text) b = litExpr(0n, false);
    const eq = c.op === "===" || c.op === "!==";
    // `===` between two literal types (a variable narrowed to one included) is a tsc error: compare with p0 + 0.
    if (eq && a.litTyped && b.litTyped) {
      const p0 = this.scope[0]!;
      b = { text: `(${p0.name} + 0)`, iv: p0.iv, litTyped: false };
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
    if (!I.isSafe(r) && this.legal) {
      if (op === "*" && pick % 2 === 0) {
        return { text: `Math.imul(${a.text}, ${b.text})`, iv: I.INT32, litTyped: false };
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
    return { text: `(${a.text} ${op} ${b.text})`, iv: r, litTyped: false };
  }
}

// ---------------------------------------------------------------------------------------------- render

export interface FnInfo {
  name: string;
  params: IntType[];
  ret: IntType;
  /** Declared type of each store, by the tag k that `print("@k ")` writes after its printInt. */
  stores: IntType[];
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
  const scope: Var[] = raw.params.map((t, i) => ({ name: `p${i}`, iv: I.TYPE_RANGE[t], litTyped: false }));
  const L = new Legalizer(scope, opts);
  const stores: IntType[] = [];
  const lines: string[] = [];
  // `target = value; printInt(v); print("@k ");` where target is `let v: T` or `v`.
  const store = (target: string, v: string, t: IntType, e: RawExpr, wrap: boolean, indent: string) => {
    const x = L.expr(e);
    const value = wrap ? helperCall(t, x).text : x.text;
    const k = stores.push(t) - 1;
    lines.push(`${indent}${target} = ${value};`, `${indent}printInt(${v});`, `${indent}print("@${k} ");`);
  };
  raw.stmts.forEach((s, i) => {
    if (s.k === "const") {
      const x = L.expr(s.e);
      lines.push(`  const c${i} = ${x.text};`);
      scope.push({ name: `c${i}`, iv: x.iv, litTyped: x.litTyped });
    } else {
      store(`let v${i}: ${s.t}`, `v${i}`, s.t, s.e, s.wrap, "  ");
      scope.push({ name: `v${i}`, iv: I.TYPE_RANGE[s.t], litTyped: false });
      if (s.iff) {
        const c = L.cond(s.iff.c);
        lines.push(`  if ${c.text} {`);
        L.narrowing(c.narrowTrue, () => store(`v${i}`, `v${i}`, s.t, s.iff!.e, s.iff!.wrap, "    "));
        lines.push("  }");
      }
    }
  });
  const r = L.expr(raw.retE);
  lines.push(`  return ${raw.retWrap ? helperCall(raw.ret, r).text : r.text};`);
  const sig = raw.params.map((t, i) => `p${i}: ${t}`).join(", ");
  const text = `export function ${name}(${sig}): ${raw.ret} {\n${lines.join("\n")}\n}\n`;
  const inputs = raw.inputs.map((tuple) => raw.params.map((t, i) => inputValue(tuple[i]!, t)));
  return { name, params: raw.params, ret: raw.ret, stores, inputs, text };
}

/**
 * The module text for a test file at test/.gen/<name>.ts (the runtime is two directories up).
 * legal: false skips the fixes, so the program may be outside the subset (for the never-throws property).
 */
export function renderModule(raws: RawFn[], name: string, opts: RenderOptions = {}): Module {
  const fns = raws.map((r, i) => renderFn(r, `f${i}`, opts));
  const text =
    `// Generated by test/differential/generate.ts.\n` +
    `import { u8, u16, u32, i8, i16, i32, print, printInt } from "../../runtime/index";\n\n` +
    fns.map((f) => f.text).join("\n");
  return { name, text, fns };
}
