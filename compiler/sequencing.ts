/**
 * Evaluation order. JavaScript evaluates operands and arguments left to right; C leaves the order of
 * `f() + g()` or `h(f(), g())` unspecified. Where the order could change a result — two operands with
 * side effects, or one with side effects and another that reads state it might change — the program is
 * rejected with a suggestion to sequence the calls with consts. (&&, || and ?: are sequenced in C too.)
 *
 * Each expression is classified: Safe (constants, locals, lengths), Reads (module state, array elements,
 * fields, or a call to a function that reads them) or Effects (a call that writes state or does I/O).
 */
import type { DiagnosticSink, SourcePosition } from "./diagnostics";
import type { Expr, FunctionIR, Stmt } from "./ir";

/** Intrinsics that neither read nor write state: shr64 and mulHigh32 compute from their arguments alone. */
const PURE_INTRINSICS = new Set(["shr64", "mulHigh32"]);

const enum Effect {
  Safe = 0,
  Reads = 1,
  Effects = 2,
}

interface Classified {
  effect: Effect;
  /** The first call with effects, for the diagnostic. */
  call?: { at?: SourcePosition; name: string };
}

export function checkEvaluationOrder(functions: FunctionIR[], diagnostics: DiagnosticSink): void {
  const checker = new SequencingChecker(diagnostics);
  for (const fn of functions) if (!fn.externName) checker.checkFunction(fn);
}

class SequencingChecker {
  private readonly summaries = new Map<FunctionIR, Effect>();

  constructor(private readonly diagnostics: DiagnosticSink) {}

  checkFunction(fn: FunctionIR): void {
    this.walkStatements(fn.body, true);
  }

  /** What calling fn may do (computed from its body; the call graph is acyclic). */
  private summary(fn: FunctionIR): Effect {
    if (fn.externName) return fn.pureExtern ? Effect.Safe : Effect.Effects;
    const known = this.summaries.get(fn);
    if (known !== undefined) return known;
    this.summaries.set(fn, Effect.Effects); // provisional: a cycle cannot happen (recursion is rejected)
    const effect = this.walkStatements(fn.body, false);
    this.summaries.set(fn, effect);
    return effect;
  }

  private walkStatements(list: Stmt[], report: boolean): Effect {
    let worst = Effect.Safe;
    for (const s of list) worst = Math.max(worst, this.statement(s, report));
    return worst;
  }

  private statement(s: Stmt, report: boolean): Effect {
    const e = (x: Expr | null) => (x ? this.expr(x, report).effect : Effect.Safe);
    switch (s.k) {
      case "let":
        return e(s.init);
      case "localArray":
      case "localStruct":
      case "unused":
      case "break":
      case "continue":
        return Effect.Safe;
      case "assign": {
        const value = this.expr(s.value, report);
        const parts: Classified[] = [];
        let writes = Effect.Safe;
        if (s.target.k === "var") {
          if (s.target.v.scope === "global") writes = Effect.Effects;
        } else if (s.target.k === "index") {
          parts.push(this.expr(s.target.array, report), this.expr(s.target.index, report));
          if (!ownsStorage(s.target.array)) writes = Effect.Effects;
        } else {
          parts.push(this.expr(s.target.object, report));
          if (!ownsStorage(s.target.object)) writes = Effect.Effects;
        }
        if (report) this.siblings([...parts, value], s.at);
        return Math.max(writes, value.effect, ...parts.map((p) => p.effect));
      }
      case "expr":
        return e(s.expr);
      case "if":
        return Math.max(e(s.test), this.walkStatements(s.then, report), s.else ? this.walkStatements(s.else, report) : Effect.Safe);
      case "while":
      case "doWhile":
        return Math.max(e(s.test), this.walkStatements(s.body, report));
      case "for":
        return Math.max(this.walkStatements(s.init, report), e(s.test), this.walkStatements(s.update, report), this.walkStatements(s.body, report));
      case "forOf":
        return Math.max(e(s.array), Effect.Reads, this.walkStatements(s.body, report));
      case "switch":
        return Math.max(e(s.discriminant), ...s.cases.map((c) => this.walkStatements(c.body, report)));
      case "return":
        return e(s.value);
      case "block":
        return this.walkStatements(s.body, report);
    }
  }

  private expr(x: Expr, report: boolean): Classified {
    const all = (parts: Expr[], own: Effect = Effect.Safe, call?: Classified["call"]): Classified => {
      const classified = parts.map((p) => this.expr(p, report));
      if (report) this.siblings(classified, undefined);
      const effect = Math.max(own, ...classified.map((c) => c.effect));
      return { effect, call: call ?? classified.find((c) => c.call)?.call };
    };
    switch (x.k) {
      case "const":
      case "bool":
      case "enumMember":
        return { effect: Effect.Safe };
      case "var":
        return { effect: x.v.scope === "global" && x.v.mutable ? Effect.Reads : Effect.Safe };
      case "binary":
      case "compare":
      case "imul":
      case "divide":
        return all([x.left, x.right]);
      case "logical": {
        // Sequenced in C: each side is checked alone.
        const left = this.expr(x.left, report);
        const right = this.expr(x.right, report);
        return { effect: Math.max(left.effect, right.effect), call: left.call ?? right.call };
      }
      case "cond": {
        const parts = [x.test, x.whenTrue, x.whenFalse].map((p) => this.expr(p, report));
        return { effect: Math.max(...parts.map((p) => p.effect)), call: parts.find((p) => p.call)?.call };
      }
      case "not":
      case "neg":
      case "bitnot":
      case "wrap":
      case "convert":
        return this.expr(x.operand, report);
      case "index":
        return all([x.array, x.index], Effect.Reads);
      case "length":
        return this.expr(x.array, report);
      case "subarray":
        return all(x.end ? [x.array, x.begin, x.end] : [x.array, x.begin]);
      case "field":
        return all([x.object], Effect.Reads);
      case "call": {
        const own = this.summary(x.fn);
        return all(x.args, own, own === Effect.Effects ? { at: x.at, name: x.fn.name } : undefined);
      }
      case "intrinsic":
        // A pure intrinsic is a value of its arguments (a trap, like an overflow's, is not an order effect).
        if (PURE_INTRINSICS.has(x.name)) return all(x.args);
        return all(x.args, Effect.Effects, { at: x.at, name: x.name });
    }
  }

  /** Operands evaluated in an unspecified order: at most one may have effects, and then none may read. */
  private siblings(parts: Classified[], at: { file: string; line: number } | undefined): void {
    const effectful = parts.filter((p) => p.effect === Effect.Effects);
    if (effectful.length === 0) return;
    const readers = parts.filter((p) => p.effect >= Effect.Reads);
    if (effectful.length >= 2 || readers.length >= 2) {
      const call = effectful[effectful.length - 1].call ?? effectful[0].call;
      const where = call?.at ?? (at ? { ...at, column: 1 } : undefined);
      if (!where) return;
      this.diagnostics.error("EvaluationOrder", where, `'${call?.name ?? "this call"}' has side effects next to an operand that ${effectful.length >= 2 ? "has side effects too" : "reads state it may change"}`, `${call?.name ?? "f"}(...)`);
    }
  }
}

/** Stores into a function's own array or object are invisible to its callers. */
function ownsStorage(e: Expr): boolean {
  return e.k === "var" && e.v.scope === "local" && (e.v.fixedLength !== undefined || e.v.structInit !== undefined);
}
