/**
 * The declaration stage: walks every module once and records what it declares — enums, interfaces
 * (as C structs), function signatures, module-level variables — and resolves type annotations to subset
 * types. Function bodies and initializers are lowered afterwards (lower-function.ts, lower-module.ts).
 */
import { Node, SyntaxKind, ts, TypeNode } from "ts-morph";
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
      if (text in ARRAY_CONSTRUCTORS && (!decl || decl.getSourceFile().isDeclarationFile())) {
        return { kind: "array", element: ARRAY_CONSTRUCTORS[text] };
      }
      if (decl && Node.isTypeAliasDeclaration(decl)) {
        if (isRuntimeFile(decl.getSourceFile().getFilePath())) {
          const alias = decl.getName();
          if ((INT_KINDS as readonly string[]).includes(alias)) return intType(alias as IntKind);
        } else {
          const target = decl.getTypeNode();
          if (target) return this.resolveType(target, allowVoid);
        }
      }
      if (decl && Node.isInterfaceDeclaration(decl)) return this.structFor(decl);
      if (decl && Node.isEnumDeclaration(decl)) return this.enumFor(decl);
      this.diagnostics.error("UnsupportedType", positionOf(node), text);
      return null;
    }
    if (kind === SyntaxKind.ParenthesizedType) {
      return this.resolveType((node as unknown as { getTypeNode(): TypeNode }).getTypeNode(), allowVoid);
    }
    this.diagnostics.error("UnsupportedType", positionOf(node), node.getText());
    return null;
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
    const struct: StructType = { kind: "struct", name: decl.getName(), cName: `${prefix}_${decl.getName()}`, fields: [] };
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
      members.push({ name: member.getName(), value: next });
    }
    const values = members.map((m) => m.value);
    const lo = values.length ? values.reduce((a, b) => (b < a ? b : a)) : 0n;
    const hi = values.length ? values.reduce((a, b) => (b > a ? b : a)) : 0n;
    const enumType: EnumType = { kind: "enum", name: decl.getName(), cName: `${prefix}_${decl.getName()}`, members, range: range(lo, hi) };
    this.enums.set(decl, enumType);
    this.enumList.push(enumType);
    return enumType;
  }
}
