/**
 * The typed IR the lowering stage produces and the C emitter consumes. Every integer expression carries
 * the interval of the values it can take in JavaScript; the emitter picks C types from those intervals.
 */
import type { SourcePosition } from "./diagnostics";
import type { Range } from "./range";
import type { EnumMember, EnumType, IntKind, StructField, StructType, Type, ValueType } from "./types";

export interface SourceLine {
  readonly file: string;
  readonly line: number;
}

/** Where the storage a typed-array or struct value points into lives; decides what may escape. */
export type Provenance = "global" | "param" | "local";

export interface Variable {
  readonly id: number;
  readonly name: string;
  cName: string;
  readonly type: ValueType;
  readonly scope: "global" | "local" | "param";
  readonly mutable: boolean;
  /** Typed arrays created with a constant length (module `static`, or a function's stack). */
  fixedLength?: number;
  /** For a fixed array: its literal contents, if it was created from a list. */
  initialElements?: bigint[];
  /** How each element was spelled (hex stays hex in the C). */
  initialTexts?: (string | undefined)[];
  /** For a struct variable that owns its storage (created from an object literal). */
  structInit?: StructInit;
  /** Module-level consts with a constant integer value are emitted as #define. */
  constValue?: bigint;
  /** How the constant was spelled, when it was a hex literal (kept in the #define). */
  constText?: string;
  /** Module-level let: its constant initial value. */
  initialValue?: bigint | boolean;
  provenance: Provenance;
  /** Set by lowering: the variable is read somewhere (C warns about unused ones). */
  read: boolean;
  /** A fixed array is written through its name, or escapes as a view (then it cannot live in .rodata). */
  mayBeWritten: boolean;
  /** A `never` parameter (assertNever(x: never)): it takes any integer, as an int64_t in C. */
  neverParam?: boolean;
  /** An integer variable whose C type follows its range (an unannotated const). */
  rangeTyped?: Range;
  readonly declaredAt: SourceLine;
}

/** An object literal's contents, field by field (nested interfaces and typed arrays included). */
export interface StructInit {
  readonly struct: StructType;
  readonly values: Map<string, StructInitValue>;
}
export type StructInitValue =
  | { kind: "expr"; expr: Expr }
  | { kind: "array"; element: IntKind; length: number; elements?: bigint[]; texts?: (string | undefined)[]; storageName: string }
  | { kind: "struct"; init: StructInit };

export interface FunctionIR {
  readonly name: string;
  cName: string;
  readonly module: string;
  readonly params: Variable[];
  readonly returnType: Type;
  readonly exported: boolean;
  /** Exported from its own module (checked Node imports an @extern binding's body from there). */
  readonly sourceExported: boolean;
  /** Implemented in C by a binding (@extern): only a prototype is emitted. */
  readonly externName?: string;
  /** Its return type was rejected: its return statements are not checked against a type it does not have. */
  readonly unknownReturn?: boolean;
  /** Declared `never`: C gets _Noreturn, and control does not continue after a call. */
  readonly noReturn: boolean;
  /** An @extern binding's JSDoc summary (its first sentence), for the generated port header. */
  readonly doc?: string;
  /** An @extern tagged @pure: no side effects and no dependence on program state (board data). */
  readonly pureExtern?: boolean;
  body: Stmt[];
  readonly calls: Set<FunctionIR>;
  readonly declaredAt: SourceLine;
  /** The declaration's position for diagnostics. */
  readonly column: number;
  locals: Variable[];
  /**
   * The interval of every value its body can return, when narrower than the return type's (trial lowering
   * passes find it; lower-module.ts): a call's range, so `readByte() + 1` needs no check when readByte
   * returns -1..255 in an i32.
   */
  returnRange?: Range;
}

export type BinaryOp = "+" | "-" | "*" | "&" | "|" | "^" | "<<" | ">>" | ">>>";
export type CompareOp = "<" | "<=" | ">" | ">=" | "===" | "!==";

interface Typed {
  readonly type: ValueType;
  /** The values an integer expression can take; [0, 1] for booleans, [0, 0] where it means nothing. */
  readonly range: Range;
}
type Ranged = Typed;

export type Expr =
  | ({ k: "const"; value: bigint; text?: string; constant?: Variable } & Ranged)
  | ({ k: "bool"; value: boolean } & Typed)
  | ({ k: "var"; v: Variable } & Ranged)
  | ({ k: "enumMember"; enumType: EnumType; member: EnumMember } & Ranged)
  /** checked: i64 arithmetic whose exact result may leave ±(2^53-1), which traps (C and checked Node). */
  | ({ k: "binary"; op: BinaryOp; left: Expr; right: Expr; checked?: boolean } & Ranged)
  | ({ k: "compare"; op: CompareOp; left: Expr; right: Expr } & Typed)
  | ({ k: "logical"; op: "&&" | "||"; left: Expr; right: Expr } & Typed)
  | ({ k: "not"; operand: Expr } & Typed)
  | ({ k: "neg"; operand: Expr } & Ranged)
  | ({ k: "bitnot"; operand: Expr } & Ranged)
  | ({ k: "cond"; test: Expr; whenTrue: Expr; whenFalse: Expr } & Ranged)
  /** u8()…i32(), Math.imul, x | 0, x >>> 0: wrap to 2^N. */
  | ({ k: "wrap"; to: IntKind; operand: Expr } & Ranged)
  | ({ k: "imul"; left: Expr; right: Expr } & Ranged)
  /** a / b or a % b under a wrapping helper: by zero it is NaN or ±Infinity, which wraps to 0. */
  /** trapOnZero: under i64() a zero divisor traps (the quotient would be ±Infinity or NaN, outside i64). */
  | ({ k: "divide"; op: "/" | "%"; left: Expr; right: Expr; divisorMayBeZero: boolean; trapOnZero?: boolean } & Ranged)
  | ({ k: "index"; array: Expr; index: Expr; checked: boolean } & Ranged)
  | ({ k: "length"; array: Expr } & Ranged)
  | ({ k: "subarray"; array: Expr; begin: Expr; end: Expr | null } & Typed)
  | ({ k: "field"; object: Expr; field: StructField } & Ranged)
  | ({ k: "call"; fn: FunctionIR; args: Expr[]; at?: SourcePosition } & Ranged)
  | ({ k: "intrinsic"; name: string; args: Expr[]; text?: string; at?: SourcePosition } & Ranged)
  /** A value stored into a declared type: checked at run time when its interval may not fit. */
  | ({ k: "convert"; operand: Expr; checked: boolean } & Ranged);

export type LValue =
  | { k: "var"; v: Variable }
  | { k: "index"; array: Expr; index: Expr; checked: boolean; element: IntKind }
  | { k: "field"; object: Expr; field: StructField };

export type Stmt = { readonly at: SourceLine } & (
  | { k: "let"; v: Variable; init: Expr | null }
  | { k: "localArray"; v: Variable; element: IntKind; length: number; elements?: bigint[]; texts?: (string | undefined)[] }
  | { k: "localStruct"; v: Variable; init: StructInit }
  | { k: "assign"; target: LValue; value: Expr }
  | { k: "expr"; expr: Expr }
  | { k: "if"; test: Expr; then: Stmt[]; else: Stmt[] | null }
  | { k: "while"; test: Expr; body: Stmt[] }
  /** testAt: the line of the condition (the C's `} while (…)` gets its own #line, checks there name it). */
  | { k: "doWhile"; body: Stmt[]; test: Expr; testAt: SourceLine }
  | { k: "for"; init: Stmt[]; test: Expr | null; update: Stmt[]; body: Stmt[] }
  | { k: "forOf"; v: Variable; array: Expr; body: Stmt[]; indexName: string }
  /** exhaustive: an enum switch without default whose labels cover every member the value can hold. */
  | { k: "switch"; discriminant: Expr; cases: SwitchCase[]; exhaustive?: boolean }
  | { k: "break" }
  | { k: "continue" }
  | { k: "return"; value: Expr | null }
  | { k: "block"; body: Stmt[] }
  | { k: "unused"; v: Variable }
);

/** A case label: its value, and the constant or enum member it was written as (C names it the same way). */
export interface CaseLabel {
  readonly value: bigint;
  readonly expr: Expr;
}

export interface SwitchCase {
  /** null for default. Labels the discriminant can never equal are dropped (C would convert them). */
  readonly values: CaseLabel[] | null;
  readonly body: Stmt[];
  readonly fallsThrough: boolean;
}

export interface ProgramIR {
  readonly entryModule: string;
  /** The entry's source file and every program file (dependency order), for the generated files' headers. */
  readonly entryFile: string;
  readonly files: string[];
  readonly functions: FunctionIR[];
  readonly globals: Variable[];
  readonly structs: StructType[];
  readonly enums: EnumType[];
  /** Module-level views and the module array each starts as. */
  readonly viewInits: Map<Variable, Variable>;
}

export type { Type, ValueType };
