/**
 * Lowering a whole program: module-level declarations (functions, state, constants), then each function
 * body (after trial passes that find the interval each function returns), then the call graph checks (no
 * recursion: the stack depth must have a bound).
 */
import { FunctionDeclaration, Node, SyntaxKind, VariableDeclarationKind, VariableStatement } from "ts-morph";
import { globalCName } from "./c-names";
import { Declarations, hasTag, lineOf, positionOf, tagText } from "./declarations";
import { DiagnosticSink } from "./diagnostics";
import type { FunctionIR, ProgramIR, Variable } from "./ir";
import { INVALID } from "./lower-expr";
import { checkEvaluationOrder } from "./sequencing";
import { FunctionLowering, localCName } from "./lower-function";
import { isRuntimeFile, LoadedProgram, ModuleFile } from "./program";
import * as R from "./range";
import { isNumeric, storageRange, Type, ValueType, VOID } from "./types";

export function lowerProgram(program: LoadedProgram, diagnostics: DiagnosticSink): ProgramIR {
  const decls = new Declarations(diagnostics, new Map(program.modules.map((m) => [m.path, m.prefix])));
  const globalsByDecl = decls.globals;
  const globals: Variable[] = [];
  const functions: FunctionIR[] = [];
  const bodies: { info: FunctionIR; node: FunctionDeclaration }[] = [];
  const paramsByFunction = new Map<FunctionIR, { node: Node; v: Variable }[]>();
  const viewInits = new Map<Variable, Variable>();

  // Pass 1: signatures and module state, in dependency order (C needs declarations first).
  for (const module of program.modules) {
    for (const statement of module.source.getStatements()) {
      declareTopLevel(statement, module, program.entry === module);
    }
  }

  function declareTopLevel(statement: Node, module: ModuleFile, isEntry: boolean): void {
    switch (statement.getKind()) {
      case SyntaxKind.ImportDeclaration: {
        const target = importTarget(statement);
        if (!target || (target.isDeclarationFile() && !isRuntimeFile(target.getFilePath()))) {
          // The raw node: ts-morph's getModuleSpecifier() throws when the specifier is not a string.
          const raw = (statement.compilerNode as import("ts-morph").ts.ImportDeclaration).moduleSpecifier;
          const source = statement.getSourceFile();
          const at = source.getLineAndColumnAtPos(raw.getStart(source.compilerNode));
          diagnostics.error("ImportOutsideProgram", { file: source.getFilePath(), line: at.line, column: at.column }, raw.getText(source.compilerNode));
        }
        // Names from a module that does not resolve: tsc or TSB1047 said so once; their uses are not reported.
        if (!target) for (const spec of (statement as import("ts-morph").ImportDeclaration).getNamedImports()) decls.rejected.add(spec);
        return;
      }
      case SyntaxKind.InterfaceDeclaration:
      case SyntaxKind.TypeAliasDeclaration:
      case SyntaxKind.EmptyStatement:
        return;
      case SyntaxKind.ExportDeclaration:
        return;
      case SyntaxKind.EnumDeclaration:
        decls.enumFor(statement);
        return;
      case SyntaxKind.FunctionDeclaration:
        declareFunction(statement as FunctionDeclaration, module, isEntry);
        return;
      case SyntaxKind.VariableStatement:
        declareGlobals(statement as VariableStatement, module);
        return;
      case SyntaxKind.ClassDeclaration:
        diagnostics.error("Class", positionOf(statement));
        return;
      default:
        diagnostics.error("Unsupported", positionOf(statement), "Module-level code", "Put it in a function; module level holds only declarations.");
    }
  }

  function declareFunction(node: FunctionDeclaration, module: ModuleFile, isEntry: boolean): void {
    const name = node.getName() ?? "anonymous";
    if (node.isAsync() || node.isGenerator()) {
      diagnostics.error("Async", positionOf(node));
      return;
    }
    if (node.getTypeParameters().length > 0) {
      diagnostics.error("Unsupported", positionOf(node), "A generic function", "Write one function per type.");
      return;
    }
    if (!node.getBody()) return; // an overload signature
    const externTag = hasTag(node, "extern");
    const params: Variable[] = [];
    const paramNodes: { node: Node; v: Variable }[] = [];
    let ok = true;
    for (const p of node.getParameters()) {
      if (p.isOptional() || p.hasInitializer() || p.isRestParameter()) {
        diagnostics.error("ParameterForm", positionOf(p));
        decls.rejected.add(p);
        ok = false;
        continue;
      }
      const typeNode = p.getTypeNode();
      if (!typeNode) {
        diagnostics.error("MissingAnnotation", positionOf(p), `Parameter '${p.getName()}'`, p.getName());
        decls.rejected.add(p);
        ok = false;
        continue;
      }
      const resolved = decls.resolveParameterType(typeNode);
      if (!resolved) {
        decls.rejected.add(p);
        ok = false;
        continue;
      }
      const type = resolved.type;
      if (externTag && type.kind === "struct") {
        diagnostics.error("ExternBody", positionOf(p), name, type.name);
        ok = false;
      }
      const v: Variable = {
        id: decls.newId(),
        name: p.getName(),
        cName: localCName(p.getName()),
        type,
        scope: "param",
        mutable: true,
        provenance: "param",
        read: false,
        mayBeWritten: true,
        declaredAt: lineOf(p),
      };
      if (resolved.never) v.neverParam = true;
      params.push(v);
      paramNodes.push({ node: p, v });
    }
    const returnNode = node.getReturnTypeNode();
    let returnType: Type = VOID;
    let unknownReturn = false;
    if (returnNode) {
      const resolved = decls.resolveType(returnNode, true);
      if (resolved) {
        returnType = resolved;
      } else {
        ok = false;
        unknownReturn = true;
      }
      if (externTag && resolved && resolved.kind === "struct") {
        diagnostics.error("ExternBody", positionOf(returnNode), name, resolved.kind);
        ok = false;
      }
    } else if (!externTag) {
      // A function without a return annotation must return nothing.
      const returnsValue = node.getDescendantsOfKind(SyntaxKind.ReturnStatement).some((r) => r.getExpression());
      if (returnsValue) {
        diagnostics.error("MissingAnnotation", positionOf(node.getNameNode() ?? node), `The return type of '${name}'`, `function ${name}(...)`);
        ok = false;
      }
    } else {
      diagnostics.error("MissingAnnotation", positionOf(node.getNameNode() ?? node), `The return type of @extern '${name}'`, `function ${name}(...)`);
      ok = false;
    }
    const externName = externTag ? tagText(node, "extern") ?? name : undefined;
    if (externName !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(externName)) {
      diagnostics.error("ExternName", positionOf(node.getNameNode() ?? node), name, externName);
      ok = false;
    }
    const noReturn = returnNode?.getKind() === SyntaxKind.NeverKeyword;
    const ir: FunctionIR = {
      noReturn,
      unknownReturn,
      pureExtern: externTag && hasTag(node, "pure"),
      doc: externTag ? docSummary(node) : undefined,
      name,
      cName: externName ?? globalCName(`${module.prefix}_${name}`),
      module: module.prefix,
      params,
      returnType,
      exported: isEntry && node.isExported(),
      sourceExported: node.isExported(),
      externName,
      body: [],
      calls: new Set(),
      declaredAt: lineOf(node),
      column: positionOf(node).column,
      locals: [],
    };
    decls.functions.set(node, { ir, node, module, noReturn });
    paramsByFunction.set(ir, paramNodes);
    if (ok) functions.push(ir);
    // A rejected signature: calls to it are not reported again, but its body is still checked.
    else decls.rejected.add(node);
    if (!externTag) bodies.push({ info: ir, node });
  }

  function declareGlobals(statement: VariableStatement, module: ModuleFile): void {
    const kind = statement.getDeclarationKind();
    if (kind === VariableDeclarationKind.Var) {
      diagnostics.error("Var", positionOf(statement));
      return;
    }
    const isConst = kind === VariableDeclarationKind.Const;
    const lowering = new FunctionLowering(decls, diagnostics, null, globalsByDecl);
    for (const d of statement.getDeclarations()) {
      const name = d.getName();
      const typeNode = d.getTypeNode();
      const declared = typeNode ? decls.resolveValueType(typeNode) : null;
      if (typeNode && !declared) continue;
      const init = d.getInitializer();
      const base = {
        id: decls.newId(),
        name,
        cName: globalCName(`${module.prefix}_${name}`),
        scope: "global" as const,
        mutable: !isConst,
        provenance: "global" as const,
        read: false,
        mayBeWritten: false,
        declaredAt: lineOf(d),
      };
      let v: Variable | null = null;
      if (init && Node.isNewExpression(init)) {
        const created = lowering.newArray(init);
        if (!created) continue;
        if (!isConst) {
          diagnostics.error("DynamicAllocation", positionOf(init), "A typed array is created only as a const.", `Write: const ${name} = ${init.getText()};`);
          continue;
        }
        v = { ...base, type: { kind: "array", element: created.element }, fixedLength: created.length, initialElements: created.elements, initialTexts: created.texts };
      } else if (init && Node.isObjectLiteralExpression(init)) {
        if (!declared || declared.kind !== "struct") {
          diagnostics.error("MissingAnnotation", positionOf(d), `Object '${name}'`, name);
          continue;
        }
        const structInit = lowering.objectLiteral(init, declared, globalCName(`${module.prefix}_${name}`));
        if (!structInit) continue;
        v = { ...base, mutable: false, type: declared, structInit };
      } else if (init) {
        const value = lowering.expr(init);
        if (value === INVALID) continue;
        const type: ValueType = declared ?? value.type;
        if (!declared && !isConst && value.type.kind === "num") {
          diagnostics.error("MissingAnnotation", positionOf(d), `Variable '${name}'`, name);
          continue;
        }
        if (type.kind === "array") {
          // A module-level view must start as a whole module array (no code runs at module load in C).
          if (value.k !== "var" || value.v.scope !== "global" || value.v.fixedLength === undefined) {
            diagnostics.error("NonConstantInitializer", positionOf(init), name);
            continue;
          }
          v = { ...base, type, fixedLength: undefined };
          value.v.mayBeWritten = true;
          viewInits.set(v, value.v);
        } else if (type.kind === "struct") {
          diagnostics.error("NonConstantInitializer", positionOf(init), name);
          continue;
        } else if (type.kind === "bool") {
          if (value.k !== "bool") {
            diagnostics.error("NonConstantInitializer", positionOf(init), name);
            continue;
          }
          v = { ...base, type, initialValue: value.value };
        } else {
          const constant = value.k === "const" ? value.value : value.k === "enumMember" ? value.member.value : value.k === "var" ? value.v.constValue : undefined;
          if (constant === undefined) {
            diagnostics.error("NonConstantInitializer", positionOf(init), name);
            continue;
          }
          if (isNumeric(type) && type.kind !== "num") {
            const target = storageRange(type)!;
            if (!R.contains(target, R.single(constant))) {
              diagnostics.error("TypeMismatch", positionOf(init), `a value in ${R.formatRange(target)}`, constant.toString(), "Use a value that fits the declared type.");
              continue;
            }
            if (type.kind === "enum" && value.type !== type) {
              diagnostics.error("EnumFromInteger", positionOf(init), init.getText(), type.name);
              continue;
            }
          }
          v = { ...base, type };
          if (type.kind === "num") v.rangeTyped = R.single(constant);
          if (isConst) v.constValue = constant;
          if (isConst && value.k === "const" && value.text) v.constText = value.text;
          else v.initialValue = constant;
        }
      } else {
        if (isConst || !declared) {
          diagnostics.error("MissingAnnotation", positionOf(d), `Variable '${name}'`, name);
          continue;
        }
        // Node would hold undefined until the first assignment; C would hold 0. Make the start value explicit.
        diagnostics.error("Unsupported", positionOf(d), `A module-level variable without an initial value ('${name}' is undefined in Node until assigned)`, `Give it one: let ${name}: ${typeNode?.getText() ?? "u32"} = ...;`);
        continue;
      }
      globalsByDecl.set(d, v);
      globals.push(v);
    }
    for (const d of statement.getDeclarations()) if (!globalsByDecl.has(d)) decls.rejected.add(d);
  }

  // Pass 2: bodies. Two silent trial passes first find the interval each function returns (returnRange),
  // the second with the first's intervals (a call chain: readByte's -1..255 narrows receiveData's return);
  // the real pass then lowers every call with them. A pass is sound given the ranges it starts from, and the
  // first starts from the declared return types, so every interval found is sound.
  const lowerTrial = (info: FunctionIR, node: FunctionDeclaration): FunctionLowering => {
    const lowering = new FunctionLowering(decls, diagnostics, info, globalsByDecl);
    lowering.lowerBody(paramsByFunction.get(info) ?? [], node.getBody() as import("ts-morph").Block);
    return lowering;
  };
  const rejectedBefore = [...decls.rejected];
  for (let round = 0; round < 2; round++) {
    inferReturnRanges(bodies, lowerTrial, diagnostics);
    // What a trial pass leaves behind goes: its locals, the marks of the parameters it read, its rejections.
    for (const { info } of bodies) info.locals = [];
    for (const params of paramsByFunction.values()) for (const p of params) p.v.read = false;
    decls.rejected.clear();
    for (const d of rejectedBefore) decls.rejected.add(d);
  }
  for (const { info, node } of bodies) {
    const lowering = new FunctionLowering(decls, diagnostics, info, globalsByDecl);
    info.body = lowering.lowerBody(paramsByFunction.get(info) ?? [], node.getBody() as import("ts-morph").Block);
  }

  checkRecursion(functions, diagnostics);
  if (diagnostics.count === 0) checkEvaluationOrder(functions, diagnostics);

  return {
    entryModule: program.entry.prefix,
    entryFile: program.entry.path,
    files: program.modules.map((m) => m.path),
    functions,
    globals,
    structs: decls.structList,
    enums: decls.enumList,
    viewInits,
  };
}

/**
 * Sets returnRange on each function whose returns all lie in a narrower interval than its return type.
 * Nothing is kept of the trial lowering but the intervals; when it reports an error, none is set (the real
 * pass reports it, unchanged).
 */
function inferReturnRanges(
  bodies: { info: FunctionIR; node: FunctionDeclaration }[],
  lower: (info: FunctionIR, node: FunctionDeclaration) => FunctionLowering,
  diagnostics: DiagnosticSink,
): void {
  const found = new Map<FunctionIR, R.Range>();
  diagnostics.capture();
  for (const { info, node } of bodies) {
    const lowering = lower(info, node);
    const declared = info.returnType.kind === "void" ? null : storageRange(info.returnType);
    if (lowering.returned && !lowering.returnedOther && declared && !R.contains(lowering.returned, declared)) found.set(info, lowering.returned);
  }
  const trial = diagnostics.release(false);
  if (trial.some((d) => d.category === "error")) return;
  for (const [info, range] of found) info.returnRange = range;
}

/** The first sentence of a declaration's JSDoc, on one line (the port header shows it). */
function docSummary(node: FunctionDeclaration): string | undefined {
  const text = node.getJsDocs().map((d) => d.getDescription()).join(" ").replace(/\s+/g, " ").trim();
  if (!text) return undefined;
  const sentence = /^(.*?[.!?])(\s|$)/.exec(text)?.[1] ?? text;
  return sentence.replace(/\*\//g, "* /");
}

/** The file an import or export names, or undefined when it names none (or is malformed). */
export function importTarget(statement: Node): import("ts-morph").SourceFile | undefined {
  try {
    if (Node.isImportDeclaration(statement) || Node.isExportDeclaration(statement)) return statement.getModuleSpecifierSourceFile();
  } catch {
    // A malformed specifier (not a string literal) resolves to nothing; tsc reports the syntax error.
  }
  return undefined;
}

/** The call graph must be acyclic so the stack depth has a bound: report each cycle once. */
function checkRecursion(functions: FunctionIR[], diagnostics: DiagnosticSink): void {
  const state = new Map<FunctionIR, "visiting" | "done">();
  const stack: FunctionIR[] = [];
  const visit = (fn: FunctionIR) => {
    state.set(fn, "visiting");
    stack.push(fn);
    for (const callee of fn.calls) {
      const s = state.get(callee);
      if (s === "visiting") {
        const cycle = stack.slice(stack.indexOf(callee)).map((f) => f.name);
        diagnostics.error("Recursion", { file: callee.declaredAt.file, line: callee.declaredAt.line, column: callee.column }, callee.name, [...cycle, callee.name].join(" → "));
      } else if (!s) {
        visit(callee);
      }
    }
    stack.pop();
    state.set(fn, "done");
  };
  for (const fn of functions) if (!state.has(fn)) visit(fn);
}
