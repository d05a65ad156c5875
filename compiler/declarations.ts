/**
 * The declaration stage: walks every module once and records what it declares — enums, interfaces
 * (as C structs), function signatures, module-level variables — and resolves type annotations to subset
 * types. Function bodies and initializers are lowered afterwards (lower-function.ts, lower-module.ts).
 */
import { Node, SyntaxKind, ts, TypeNode } from "ts-morph";
import { globalCName } from "./c-names";
import { DiagnosticSink, SourcePosition } from "./diagnostics";
import type { FunctionIR, SourceLine, Variable } from "./ir";
import { isRuntimeFile, ModuleFile } from "./program";
import { range } from "./range";
import {
  ARRAY_CONSTRUCTORS,
  BOOL,
  EnumMember,
  EnumType,
  INT_KINDS,
  IntKind,
  intType,
  StructField,
  StructType,
  Type,
  ValueType,
  VOID,
} from "./types";

export function positionOf(node: Node): SourcePosition {
  const source = node.getSourceFile();
  const { line, column } = source.getLineAndColumnAtPos(node.getStart());
  return { file: source.getFilePath(), line, column };
}
export function lineOf(node: Node): SourceLine {
  const { file, line } = positionOf(node);
  return { file, line };
}

export function jsDocTags(node: Node): readonly ts.JSDocTag[] {
  return ts.getJSDocTags(node.compilerNode);
}
export function hasTag(node: Node, tag: string): boolean {
  return jsDocTags(node).some((t) => t.tagName.text === tag);
}
export function tagText(node: Node, tag: string): string | undefined {
  const found = jsDocTags(node).find((t) => t.tagName.text === tag);
  if (!found) return undefined;
  const comment = typeof found.comment === "string" ? found.comment : ts.getTextOfJSDocComment(found.comment);
  return comment?.trim() || undefined;
}

/** The declaration an identifier or name refers to, following imports and re-exports. */
export function declarationOf(node: Node): Node | undefined {
  return declarationsOf(node).find((d) => !isTypeDeclaration(d)) ?? declarationsOf(node)[0];
}

/** The declaration a name in a type position refers to (u32 is both a type alias and a function). */
export function typeDeclarationOf(node: Node): Node | undefined {
  return declarationsOf(node).find(isTypeDeclaration) ?? declarationsOf(node)[0];
}

function declarationsOf(node: Node): Node[] {
  let symbol = node.getSymbol();
  if (!symbol) return [];
  if (symbol.isAlias()) symbol = symbol.getAliasedSymbol() ?? symbol;
  return symbol.getDeclarations();
}

function isTypeDeclaration(d: Node): boolean {
  return Node.isTypeAliasDeclaration(d) || Node.isInterfaceDeclaration(d);
}

const DEFAULT_TYPE_ADVICE = "Use an integer type (u8…i32, i64), boolean, a typed array, an enum or an interface of those.";
const LIBRARY_TYPE_ADVICE: Record<string, string> = {
  Readonly: "Drop Readonly<>: the subset has no read-only views; write the type itself (Uint8Array, an interface).",
  ReadonlyArray: "Use a typed array (Uint8Array … Int32Array).",
  Array: "Use a typed array (Uint8Array … Int32Array, Float64Array for i64).",
  Record: "Use an interface with named fields, or a typed array indexed by an integer.",
  Partial: "Declare every field: an object of the subset has all its fields.",
  BigInt64Array: "Use Float64Array: its elements are the subset's i64 (exact within ±(2^53-1)).",
  BigUint64Array: "Use Float64Array for i64, or pairs of u32 for 64-bit words.",
  Float32Array: "Floating point is not in the subset: use an integer typed array.",
};

export interface FunctionInfo {
  readonly ir: FunctionIR;
  readonly node: Node;
  readonly module: ModuleFile;
  readonly noReturn: boolean;
}

/** Everything the later stages look up by declaration node. */
export class Declarations {
  readonly functions = new Map<Node, FunctionInfo>();
  readonly globals = new Map<Node, Variable>();
  readonly structs = new Map<Node, StructType>();
  readonly enums = new Map<Node, EnumType>();
  readonly structList: StructType[] = [];
  /** Declarations that were rejected with a diagnostic: later uses of them are not reported again. */
  readonly rejected = new Set<Node>();
  readonly enumList: EnumType[] = [];
  private nextId = 1;

  /** prefixes: file path → the C prefix of that module's names. */
  constructor(
    private readonly diagnostics: DiagnosticSink,
    private readonly prefixes: ReadonlyMap<string, string>,
  ) {}

  newId(): number {
    return this.nextId++;
  }

  /** Resolves a type annotation; reports and returns null when it is not a subset type. */
  resolveType(node: TypeNode, allowVoid: boolean): Type | null {
    const kind = node.getKind();
    if (kind === SyntaxKind.NumberKeyword) {
      this.diagnostics.error("BareNumber", positionOf(node));
      return null;
    }
    if (kind === SyntaxKind.BooleanKeyword) return BOOL;
    if (kind === SyntaxKind.VoidKeyword && allowVoid) return VOID;
    if (kind === SyntaxKind.NeverKeyword && allowVoid) return VOID;
    if (Node.isTypeReference(node)) {
      const name = node.getTypeName();
      const decl = typeDeclarationOf(name);
      const text = name.getText();
      if (text in ARRAY_CONSTRUCTORS && node.getTypeArguments().length === 0 && (!decl || decl.getSourceFile().isDeclarationFile())) {
        return { kind: "array", element: ARRAY_CONSTRUCTORS[text] };
      }
      // A library type (Readonly<…>, Array<…>, Record<…>): reported here, in the program's own file.
      if (decl && decl.getSourceFile().isDeclarationFile() && !isRuntimeFile(decl.getSourceFile().getFilePath())) {
        this.diagnostics.error("UnsupportedType", positionOf(node), node.getText(), LIBRARY_TYPE_ADVICE[text] ?? DEFAULT_TYPE_ADVICE);
        return null;
      }
      if (decl && Node.isTypeAliasDeclaration(decl)) {
        if (isRuntimeFile(decl.getSourceFile().getFilePath())) {
          const alias = decl.getName();
          if ((INT_KINDS as readonly string[]).includes(alias)) return intType(alias as IntKind);
        } else {
          const target = decl.getTypeNode();
          if (target && decl.getTypeParameters().length === 0) return this.resolveType(target, allowVoid);
        }
      }
      if (decl && Node.isInterfaceDeclaration(decl)) return this.structFor(decl);
      if (decl && Node.isEnumDeclaration(decl)) return this.enumFor(decl);
      this.diagnostics.error("UnsupportedType", positionOf(node), node.getText(), DEFAULT_TYPE_ADVICE);
      return null;
    }
    if (kind === SyntaxKind.ParenthesizedType) {
      return this.resolveType((node as unknown as { getTypeNode(): TypeNode }).getTypeNode(), allowVoid);
    }
    const advice = kind === SyntaxKind.ArrayType ? "Use a typed array: Uint8Array … Int32Array, or Float64Array for i64." : kind === SyntaxKind.NeverKeyword ? "'never' is a return type, or the parameter of assertNever(x: never)." : DEFAULT_TYPE_ADVICE;
    this.diagnostics.error("UnsupportedType", positionOf(node), node.getText(), advice);
    return null;
  }

  /** A parameter's type: a value type, or `never` (assertNever(x: never)), which takes any integer as an i64. */
  resolveParameterType(node: TypeNode): { type: ValueType; never: boolean } | null {
    if (node.getKind() === SyntaxKind.NeverKeyword) return { type: intType("i64"), never: true };
    const type = this.resolveValueType(node);
    return type ? { type, never: false } : null;
  }

  resolveValueType(node: TypeNode): ValueType | null {
    const type = this.resolveType(node, false);
    return type && type.kind !== "void" ? type : null;
  }

  structFor(decl: Node): StructType | null {
    const known = this.structs.get(decl);
    if (known) return known;
    if (!Node.isInterfaceDeclaration(decl)) return null;
    const module = decl.getSourceFile();
    const prefix = this.prefixes.get(module.getFilePath()) ?? "m";
    const struct: StructType = { kind: "struct", name: decl.getName(), cName: globalCName(`${prefix}_${decl.getName()}`), fields: [] };
    this.structs.set(decl, struct);
    if (decl.getExtends().length > 0 || decl.getTypeParameters().length > 0) {
      this.diagnostics.error("Unsupported", positionOf(decl), "An interface with extends or type parameters", "Declare the fields directly.");
    }
    for (const member of decl.getMembers()) {
      if (!Node.isPropertySignature(member)) {
        this.diagnostics.error("Unsupported", positionOf(member), "A method or index signature in an interface", "Use fields of integer, boolean, typed-array or interface type.");
        continue;
      }
      if (member.hasQuestionToken()) {
        this.diagnostics.error("Unsupported", positionOf(member), "An optional field", "Make the field required and give it a value.");
      }
      const typeNode = member.getTypeNode();
      if (!typeNode) {
        this.diagnostics.error("MissingAnnotation", positionOf(member), `Field '${member.getName()}'`, member.getName());
        continue;
      }
      const type = this.resolveValueType(typeNode);
      if (!type) continue;
      if (type === struct) {
        this.diagnostics.error("Unsupported", positionOf(member), "An interface that contains itself", "Store an index instead of a nested object.");
        continue;
      }
      (struct.fields as StructField[]).push({ name: member.getName(), type, readonly: member.isReadonly() });
    }
    this.structList.push(struct);
    return struct;
  }

  enumFor(decl: Node): EnumType | null {
    const known = this.enums.get(decl);
    if (known) return known;
    if (!Node.isEnumDeclaration(decl)) return null;
    const prefix = this.prefixes.get(decl.getSourceFile().getFilePath()) ?? "m";
    const members: EnumMember[] = [];
    let next = 0n;
    for (const member of decl.getMembers()) {
      const value = member.getValue();
      if (typeof value !== "number" || !Number.isSafeInteger(value)) {
        this.diagnostics.error("Unsupported", positionOf(member), "An enum member that is not a constant integer", "Give every member an integer value.");
        continue;
      }
      next = BigInt(value);
      members.push({ name: member.getName(), value: next, cName: globalCName(`${prefix}_${decl.getName()}_${member.getName()}`) });
    }
    const values = members.map((m) => m.value);
    const lo = values.length ? values.reduce((a, b) => (b < a ? b : a)) : 0n;
    const hi = values.length ? values.reduce((a, b) => (b > a ? b : a)) : 0n;
    const enumType: EnumType = { kind: "enum", name: decl.getName(), cName: globalCName(`${prefix}_${decl.getName()}`), members, range: range(lo, hi) };
    this.enums.set(decl, enumType);
    this.enumList.push(enumType);
    return enumType;
  }
}
