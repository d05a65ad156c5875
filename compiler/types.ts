/**
 * The subset's types: what the compiler knows about every value. TypeScript sees all integers as
 * `number`; the compiler keeps the width the program declared (u8 … i32) and maps each type to C.
 */
import { Range, range } from "./range";

/** i64 is the exact 64-bit integer of the subset: values within ±(2^53-1), int64_t in C (docs/subset.md §3a). */
export type IntKind = "u8" | "u16" | "u32" | "i8" | "i16" | "i32" | "i64";
export type ElementKind = IntKind;

export interface IntType {
  readonly kind: "int";
  readonly int: IntKind;
}
export interface BoolType {
  readonly kind: "bool";
}
export interface VoidType {
  readonly kind: "void";
}
/** A typed array: in C a view (pointer + length) unless it is a fixed array known by name. */
export interface ArrayType {
  readonly kind: "array";
  readonly element: ElementKind;
}
export interface StructField {
  readonly name: string;
  readonly type: ValueType;
  readonly readonly: boolean;
}
/** An interface: a C struct, always handled through a pointer (JavaScript objects are references). */
export interface StructType {
  readonly kind: "struct";
  readonly name: string;
  readonly cName: string;
  readonly fields: StructField[];
}
export interface EnumMember {
  readonly name: string;
  readonly value: bigint;
  /** `<module>_<Enum>_<Member>`, the #define the C names it by. */
  readonly cName: string;
}
/** An enum: its variables hold only its members' values, so their range is the members' span. */
export interface EnumType {
  readonly kind: "enum";
  readonly name: string;
  readonly cName: string;
  readonly members: EnumMember[];
  readonly range: Range;
}
/** The type of a value computed by an expression but never stored with a declared width. */
export interface NumType {
  readonly kind: "num";
}

export type ValueType = IntType | BoolType | ArrayType | StructType | EnumType | NumType;
export type Type = ValueType | VoidType;

export const INT_KINDS: readonly IntKind[] = ["u8", "u16", "u32", "i8", "i16", "i32", "i64"];
/** The kinds the modular wrapping helpers u8() … i32() produce (i64() is a checked conversion instead). */
export const WRAP_KINDS: readonly IntKind[] = ["u8", "u16", "u32", "i8", "i16", "i32"];
export const BOOL: BoolType = { kind: "bool" };
export const VOID: VoidType = { kind: "void" };
export const NUM: NumType = { kind: "num" };

const intTypes = new Map<IntKind, IntType>(INT_KINDS.map((k) => [k, { kind: "int", int: k }]));
export function intType(kind: IntKind): IntType {
  return intTypes.get(kind)!;
}

export const INT_RANGES: Record<IntKind, Range> = {
  u8: range(0n, 0xffn),
  u16: range(0n, 0xffffn),
  u32: range(0n, 0xffffffffn),
  i8: range(-0x80n, 0x7fn),
  i16: range(-0x8000n, 0x7fffn),
  i32: range(-0x80000000n, 0x7fffffffn),
  i64: range(-((1n << 53n) - 1n), (1n << 53n) - 1n),
};

export const C_INT_NAMES: Record<IntKind, string> = {
  u8: "uint8_t",
  u16: "uint16_t",
  u32: "uint32_t",
  i8: "int8_t",
  i16: "int16_t",
  i32: "int32_t",
  i64: "int64_t",
};

/** Typed-array constructor names and their element kinds. */
export const ARRAY_CONSTRUCTORS: Record<string, ElementKind> = {
  Uint8Array: "u8",
  Uint16Array: "u16",
  Uint32Array: "u32",
  Int8Array: "i8",
  Int16Array: "i16",
  Int32Array: "i32",
  Float64Array: "i64",
};
export const ARRAY_NAMES: Record<ElementKind, string> = {
  u8: "Uint8Array",
  u16: "Uint16Array",
  u32: "Uint32Array",
  i8: "Int8Array",
  i16: "Int16Array",
  i32: "Int32Array",
  i64: "Float64Array",
};

/** The range a stored value of this type can hold (enums: their members' span). */
export function storageRange(type: ValueType): Range | null {
  if (type.kind === "int") return INT_RANGES[type.int];
  if (type.kind === "enum") return type.range;
  return null;
}

export function typeName(type: Type): string {
  switch (type.kind) {
    case "int":
      return type.int;
    case "bool":
      return "boolean";
    case "void":
      return "void";
    case "num":
      return "number";
    case "array":
      return ARRAY_NAMES[type.element];
    case "struct":
    case "enum":
      return type.name;
  }
}

export function sameType(a: Type, b: Type): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "int") return a.int === (b as IntType).int;
  if (a.kind === "array") return a.element === (b as ArrayType).element;
  if (a.kind === "struct" || a.kind === "enum") return a === b;
  return true;
}

/** An i64 value: arithmetic on it is checked against ±(2^53-1) (a trap in C and in checked Node). */
export function isI64(type: Type): boolean {
  return type.kind === "int" && type.int === "i64";
}

/** True for types whose values are integers (ints, enums, and unstored computations). */
export function isNumeric(type: Type): type is IntType | EnumType | NumType {
  return type.kind === "int" || type.kind === "enum" || type.kind === "num";
}
