/**
 * Lowering statements and function bodies, with the flow analysis that narrows ranges: conditions narrow
 * the variables they compare, assignments replace a variable's range, and a loop head forgets what the
 * loop body may change (a sound, one-pass approximation of the fixpoint).
 */
import { Block, ForStatement, Node, Statement, SyntaxKind, VariableDeclaration, VariableDeclarationKind } from "ts-morph";
import { declarationOf, Declarations, lineOf, positionOf } from "./declarations";
import { DiagnosticSink } from "./diagnostics";
import { FlowState } from "./flow";
import type { CaseLabel, Expr, FunctionIR, LValue, Stmt, StructInit, SwitchCase, Variable } from "./ir";
import { ARRAY_CONSTRUCTORS, ExpressionLowering, INVALID, worse } from "./lower-expr";
import * as R from "./range";
import { ARRAY_NAMES, INT_RANGES, isNumeric, NUM, storageRange, typeName, ValueType, VOID } from "./types";
import { localCName } from "./c-names";
import { some } from "./ir-walk";

export { localCName };

interface LoopContext {
  breaks: FlowState[];
  continues: FlowState[];
  isSwitch: boolean;
}

export class FunctionLowering extends ExpressionLowering {
  private readonly locals = new Map<Node, Variable>();
  private readonly loops: LoopContext[] = [];
  private tempCount = 0;

  constructor(
    decls: Declarations,
    diagnostics: DiagnosticSink,
    fn: FunctionIR | null,
    private readonly globalsByDecl: Map<Node, Variable>,
  ) {
    super(decls, diagnostics, fn);
  }

  protected variableFor(decl: Node): Variable | undefined {
    return this.locals.get(decl) ?? this.globalsByDecl.get(decl);
  }

  /** Lowers a function body; reports a missing return when the end is reachable. */
  lowerBody(params: { node: Node; v: Variable }[], body: Block): Stmt[] {
    const fn = this.fn!;
    for (const p of params) this.locals.set(p.node, p.v);
    const stmts = this.block(body.getStatements());
    if (this.state.reachable && fn.returnType.kind !== "void" && !fn.unknownReturn) {
      // Point at the closing brace: that is the end control can reach.
      const source = body.getSourceFile();
      const end = source.getLineAndColumnAtPos(body.getEnd() - 1);
      this.diagnostics.error("MissingReturn", { file: source.getFilePath(), line: end.line, column: end.column }, fn.name, typeName(fn.returnType));
    }
    for (const p of params) if (!p.v.read) stmts.unshift({ k: "unused", v: p.v, at: p.v.declaredAt });
    return stmts;
  }

  get reachableAtEnd(): boolean {
    return this.state.reachable;
  }

  private block(statements: Statement[]): Stmt[] {
    const out: Stmt[] = [];
    for (const s of statements) {
      out.push(...this.statement(s));
    }
    return out;
  }

  private statement(node: Statement): Stmt[] {
    const at = lineOf(node);
    this.callNeverReturns = false;
    switch (node.getKind()) {
      case SyntaxKind.VariableStatement: {
        const vs = node as import("ts-morph").VariableStatement;
        const kind = vs.getDeclarationKind();
        if (kind === VariableDeclarationKind.Var) {
          this.diagnostics.error("Var", positionOf(node));
          return [];
        }
        const out: Stmt[] = [];
        for (const d of vs.getDeclarations()) out.push(...this.localDeclaration(d, kind === VariableDeclarationKind.Const));
        return out;
      }
      case SyntaxKind.ExpressionStatement:
        return this.expressionStatement((node as import("ts-morph").ExpressionStatement).getExpression(), at);
      case SyntaxKind.IfStatement:
        return [this.ifStatement(node as import("ts-morph").IfStatement)];
      case SyntaxKind.WhileStatement:
        return [this.whileStatement(node as import("ts-morph").WhileStatement)];
      case SyntaxKind.DoStatement:
        return [this.doStatement(node as import("ts-morph").DoStatement)];
      case SyntaxKind.ForStatement:
        return [this.forStatement(node as ForStatement)];
      case SyntaxKind.ForOfStatement:
        return this.forOfStatement(node as import("ts-morph").ForOfStatement);
      case SyntaxKind.ForInStatement:
        this.diagnostics.error("ForOfNonArray", positionOf(node));
        return [];
      case SyntaxKind.SwitchStatement:
        return [this.switchStatement(node as import("ts-morph").SwitchStatement)];
      case SyntaxKind.BreakStatement:
      case SyntaxKind.ContinueStatement: {
        if ((node as import("ts-morph").BreakStatement).getLabel()) {
          this.diagnostics.error("Label", positionOf(node));
          return [];
        }
        const isBreak = node.getKind() === SyntaxKind.BreakStatement;
        const target = isBreak ? this.loops[this.loops.length - 1] : [...this.loops].reverse().find((l) => !l.isSwitch);
        if (target) (isBreak ? target.breaks : target.continues).push(this.state.clone());
        this.state = FlowState.unreachable();
        return [{ k: isBreak ? "break" : "continue", at }];
      }
      case SyntaxKind.ReturnStatement:
        return [this.returnStatement(node as import("ts-morph").ReturnStatement)];
      case SyntaxKind.Block: {
        return [{ k: "block", body: this.block((node as Block).getStatements()), at }];
      }
      case SyntaxKind.EmptyStatement:
        return [];
      case SyntaxKind.FunctionDeclaration:
        this.diagnostics.error("Closure", positionOf(node));
        return [];
      case SyntaxKind.ClassDeclaration:
        this.diagnostics.error("Class", positionOf(node));
        return [];
      case SyntaxKind.TryStatement:
        this.diagnostics.error("Exceptions", positionOf(node), "try");
        return [];
      case SyntaxKind.ThrowStatement:
        this.diagnostics.error("Exceptions", positionOf(node), "throw");
        return [];
      case SyntaxKind.LabeledStatement:
        this.diagnostics.error("Label", positionOf(node));
        return [];
      case SyntaxKind.InterfaceDeclaration:
      case SyntaxKind.TypeAliasDeclaration:
        return [];
      default:
        this.diagnostics.error("Unsupported", positionOf(node), `The statement '${node.getKindName()}'`, "See docs/subset.md for the statements.");
        return [];
    }
  }

  private newLocal(node: Node, name: string, type: ValueType, mutable: boolean): Variable {
    const v: Variable = {
      id: this.decls.newId(),
      name,
      cName: localCName(name),
      type,
      scope: "local",
      mutable,
      provenance: "local",
      read: false,
      mayBeWritten: true,
      declaredAt: lineOf(node),
    };
    this.locals.set(node, v);
    this.fn!.locals.push(v);
    return v;
  }

  /** A local declaration; when it is rejected, later uses of its name are not reported again. */
  private localDeclaration(d: VariableDeclaration, isConst: boolean): Stmt[] {
    const out = this.declareLocal(d, isConst);
    if (!this.locals.has(d)) this.decls.rejected.add(d);
    return out;
  }

  private declareLocal(d: VariableDeclaration, isConst: boolean): Stmt[] {
    const at = lineOf(d);
    const nameNode = d.getNameNode();
    if (!Node.isIdentifier(nameNode)) {
      this.diagnostics.error("Unsupported", positionOf(d), "Destructuring", "Declare one variable per name.");
      return [];
    }
    const name = nameNode.getText();
    const typeNode = d.getTypeNode();
    const declared = typeNode ? this.decls.resolveValueType(typeNode) : null;
    if (typeNode && !declared) return [];
    const init = d.getInitializer();
    if (init && Node.isNewExpression(init)) {
      if (!isConst) {
        this.diagnostics.error("DynamicAllocation", positionOf(init), "A typed array is created only as a const.", `Write: const ${name} = ${init.getText()};`);
        return [];
      }
      const created = this.newArray(init);
      if (!created) return [];
      const v = this.newLocal(d, name, { kind: "array", element: created.element }, false);
      v.fixedLength = created.length;
      v.initialElements = created.elements;
      v.initialTexts = created.texts;
      // A table that is never written or viewed can live in flash (static const); writes and views set this.
      v.mayBeWritten = false;
      return [{ k: "localArray", v, element: created.element, length: created.length, elements: created.elements, texts: created.texts, at }];
    }
    if (init && Node.isObjectLiteralExpression(init)) {
      if (!declared || declared.kind !== "struct") {
        this.diagnostics.error("MissingAnnotation", positionOf(d), `Object '${name}'`, name);
        return [];
      }
      if (!isConst) {
        this.diagnostics.error("DynamicAllocation", positionOf(init), "An object is created only as a const.", `Write: const ${name}: ${declared.name} = { ... };`);
        return [];
      }
      const structInit = this.objectLiteral(init, declared, `${name}`);
      if (!structInit) return [];
      const v = this.newLocal(d, name, declared, false);
      v.structInit = structInit;
      return [{ k: "localStruct", v, init: structInit, at }];
    }
    if (!init) {
      if (isConst || !declared) {
        this.diagnostics.error("MissingAnnotation", positionOf(d), `Variable '${name}'`, name);
        return [];
      }
      if (declared.kind === "array" || declared.kind === "struct") {
        this.diagnostics.error("Unsupported", positionOf(d), `A ${typeName(declared)} variable without a value`, "Initialize it.");
        return [];
      }
      // JavaScript gives it undefined; reading it before an assignment is a tsc error, so any value works in C.
      const v = this.newLocal(d, name, declared, true);
      return [{ k: "let", v, init: null, at }];
    }
    const value = this.expr(init);
    if (value === INVALID) return [];
    let type: ValueType;
    if (declared) {
      type = declared;
    } else if (isConst) {
      type = value.type;
    } else if (value.type.kind === "num") {
      this.diagnostics.error("MissingAnnotation", positionOf(d), `Variable '${name}'`, name);
      return [];
    } else {
      type = value.type;
    }
    const v = this.newLocal(d, name, type, !isConst);
    if (type.kind === "num") v.rangeTyped = value.range;
    const stored = type.kind === "num" ? value : this.coerce(value, type, init);
    if (type.kind === "array" || type.kind === "struct") {
      v.provenance = isConst ? this.provenanceOf(value) : "local";
    }
    if (isNumeric(type)) this.state.setRange(v, stored.range);
    return [{ k: "let", v, init: stored, at }];
  }

  /** new Uint8Array(N) or new Uint32Array([..]): a constant length, elements that fit. */
  newArray(init: import("ts-morph").NewExpression): { element: import("./types").IntKind; length: number; elements?: bigint[]; texts?: (string | undefined)[] } | null {
    const ctor = init.getExpression().getText();
    const element = ARRAY_CONSTRUCTORS[ctor];
    if (!element) {
      this.diagnostics.error("DynamicAllocation", positionOf(init), `'new ${ctor}' allocates dynamically.`, "Use a typed array with a constant length, or an interface-typed const object.");
      return null;
    }
    const args = init.getArguments();
    if (args.length !== 1) {
      this.diagnostics.error("DynamicAllocation", positionOf(init), `${ctor} takes one argument here: a constant length or a list of constants.`, `new ${ctor}(64)`);
      return null;
    }
    const arg = args[0];
    if (Node.isArrayLiteralExpression(arg)) {
      const elements: bigint[] = [];
      const texts: (string | undefined)[] = [];
      for (const e of arg.getElements()) {
        const value = this.expr(e);
        if (value === INVALID) return null;
        if (value.k !== "const" && !(value.k === "var" && value.v.constValue !== undefined)) {
          this.diagnostics.error("NonConstantInitializer", positionOf(e), e.getText());
          return null;
        }
        const n = value.k === "const" ? value.value : value.v.constValue!;
        if (!R.contains(INT_RANGES[element], R.single(n))) {
          this.diagnostics.error("ElementMayWrap", positionOf(e), e.getText(), n.toString(), ctor, R.formatRange(INT_RANGES[element]), element);
          return null;
        }
        elements.push(n);
        texts.push(value.k === "const" && !value.constant ? value.text : undefined);
      }
      if (elements.length === 0) {
        this.diagnostics.error("DynamicAllocation", positionOf(init), "An empty typed array holds nothing.", `new ${ctor}(N)`);
        return null;
      }
      return { element, length: elements.length, elements, texts };
    }
    const length = this.expr(arg);
    const n = length.k === "const" ? length.value : length.k === "var" ? length.v.constValue : undefined;
    if (n === undefined || n < 1n || n > 0x7fffffffn) {
      this.diagnostics.error("DynamicAllocation", positionOf(arg), "The length of a typed array must be a positive constant.", `new ${ctor}(64), or a module-level const length`);
      return null;
    }
    return { element, length: Number(n) };
  }

  /** An object literal for an interface: every field given, each value of its field's type. */
  objectLiteral(node: import("ts-morph").ObjectLiteralExpression, struct: import("./types").StructType, storagePrefix: string): StructInit | null {
    const values = new Map<string, import("./ir").StructInitValue>();
    for (const prop of node.getProperties()) {
      if (!Node.isPropertyAssignment(prop)) {
        this.diagnostics.error("Unsupported", positionOf(prop), "This kind of object member", "Write every field as name: value.");
        return null;
      }
      const name = prop.getName();
      const field = struct.fields.find((f) => f.name === name);
      const valueNode = prop.getInitializer();
      if (!field || !valueNode) {
        this.diagnostics.error("Unsupported", positionOf(prop), `Field '${name}'`, `Interface ${struct.name} declares: ${struct.fields.map((f) => f.name).join(", ")}.`);
        return null;
      }
      if (field.type.kind === "array" && Node.isNewExpression(valueNode)) {
        const created = this.newArray(valueNode);
        if (!created) return null;
        if (created.element !== field.type.element) {
          this.diagnostics.error("TypeMismatch", positionOf(valueNode), typeName(field.type), ARRAY_NAMES[created.element], "Create the field's own array type.");
          return null;
        }
        values.set(name, { kind: "array", element: created.element, length: created.length, elements: created.elements, texts: created.texts, storageName: `${storagePrefix}_${name}` });
        continue;
      }
      if (field.type.kind === "struct") {
        if (!Node.isObjectLiteralExpression(valueNode)) {
          this.diagnostics.error("Unsupported", positionOf(valueNode), "A nested interface field set from a variable", "Nested objects are stored inline: write the object literal in place.");
          return null;
        }
        const inner = this.objectLiteral(valueNode, field.type, `${storagePrefix}_${name}`);
        if (!inner) return null;
        values.set(name, { kind: "struct", init: inner });
        continue;
      }
      const value = this.expr(valueNode);
      if (value === INVALID) return null;
      const coerced = this.coerce(value, field.type, valueNode);
      // At module level C needs a constant initializer (no code runs at load): literals, constants,
      // enum members, or a module array for a view field.
      const constant = value.k === "const" || value.k === "bool" || value.k === "enumMember" || (value.k === "var" && value.v.scope === "global" && value.v.fixedLength !== undefined);
      if (this.fn === null && (!constant || (coerced.k === "convert" && coerced.checked))) {
        this.diagnostics.error("NonConstantInitializer", positionOf(valueNode), name);
        return null;
      }
      values.set(name, { kind: "expr", expr: coerced });
    }
    for (const field of struct.fields) {
      if (!values.has(field.name)) {
        this.diagnostics.error("Unsupported", positionOf(node), `An object without field '${field.name}'`, `Give every field of ${struct.name} a value.`);
        return null;
      }
    }
    return { struct, values };
  }

  private expressionStatement(node: Node, at: import("./ir").SourceLine): Stmt[] {
    if (Node.isBinaryExpression(node)) {
      const opKind = node.getOperatorToken().getKind();
      const compound = COMPOUND_OPS[opKind];
      if (opKind === SyntaxKind.EqualsToken) return this.assignment(node.getLeft(), node.getRight(), null, node, at);
      if (compound) return this.assignment(node.getLeft(), node.getRight(), compound, node, at);
    }
    if (Node.isPrefixUnaryExpression(node) || Node.isPostfixUnaryExpression(node)) {
      const op = node.getOperatorToken();
      if (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken) {
        return this.assignment(node.getOperand(), null, op === SyntaxKind.PlusPlusToken ? "+" : "-", node, at);
      }
    }
    if (!Node.isCallExpression(node)) {
      this.diagnostics.error("Unsupported", positionOf(node), "An expression statement that is not a call or an assignment", "Remove it: its value is unused.");
      return [];
    }
    const expr = this.expr(node);
    if (expr === INVALID) return [];
    const stmt: Stmt = { k: "expr", expr, at };
    if (this.callNeverReturns) this.state = FlowState.unreachable();
    return [stmt];
  }

  /** x = v, x op= v, x++ / x--: the new value is computed exactly and stored with a check if needed. */
  private assignment(targetNode: Node, valueNode: Node | null, op: string | null, whole: Node, at: import("./ir").SourceLine): Stmt[] {
    const target = this.lvalue(targetNode);
    if (!target) return [];
    const { lvalue, type, current } = target;
    if (op !== null && lvalue.k !== "var") {
      // C evaluates the target twice in `a[i] = a[i] + v`: its parts must not call anything.
      const parts = lvalue.k === "index" ? [lvalue.array, lvalue.index] : [lvalue.object];
      if (parts.some(containsCall)) {
        this.diagnostics.error("CompoundTargetCall", positionOf(targetNode), targetNode.getText());
        return [];
      }
    }
    let value: Expr;
    if (op === null) {
      value = this.expr(valueNode!);
    } else {
      // Build the same IR the long form `x = x op v` would give, so the rules apply unchanged.
      const right = valueNode ? this.expr(valueNode) : { k: "const" as const, value: 1n, type: NUM, range: R.single(1n) };
      if (right === INVALID) return [];
      value = this.compoundValue(op, current, right, whole);
    }
    if (value === INVALID) return [];
    let stored: Expr;
    if (lvalue.k === "index") {
      // Typed-array stores wrap silently in JavaScript: require the value to fit, or an explicit wrap.
      if (!isNumeric(value.type)) {
        this.diagnostics.error("TypeMismatch", positionOf(whole), lvalue.element, typeName(value.type), "Store an integer.");
        return [];
      }
      const elementRange = INT_RANGES[lvalue.element];
      if (!R.contains(elementRange, value.range)) {
        const shown = op !== null || !valueNode ? whole.getText() : valueNode.getText();
        this.diagnostics.error("ElementMayWrap", positionOf(valueNode ?? whole), shown, R.formatRange(value.range), lvalue.element, R.formatRange(elementRange), lvalue.element);
        return [];
      }
      stored = { k: "convert", operand: value, checked: false, type, range: value.range };
    } else {
      stored = this.coerce(value, type, valueNode ?? whole);
      if (stored === INVALID) return [];
      if (type.kind === "array" || type.kind === "struct") this.checkStoreProvenance(lvalue, value, valueNode ?? whole);
    }
    if (lvalue.k === "var") {
      this.state.kill(lvalue.v, stepOf(lvalue.v, value));
      if (isNumeric(type) && lvalue.v.scope !== "global") this.state.setRange(lvalue.v, stored.range);
    }
    return [{ k: "assign", target: lvalue, value: stored, at }];
  }

  private compoundValue(op: string, current: Expr, right: Expr, node: Node): Expr {
    if (!isNumeric(current.type) || !isNumeric(right.type)) {
      this.diagnostics.error("OperandType", positionOf(node), op, typeName(isNumeric(current.type) ? right.type : current.type), "Compound assignment works on integers.");
      return INVALID;
    }
    if (op === "/" || op === "%") {
      this.diagnostics.error("BareDivision", positionOf(node), node.getText());
      return INVALID;
    }
    const target = Node.isBinaryExpression(node) ? node.getLeft().getText() : Node.isPrefixUnaryExpression(node) || Node.isPostfixUnaryExpression(node) ? node.getOperand().getText() : node.getText();
    const valueText = Node.isBinaryExpression(node) ? node.getRight().getText() : "1";
    return this.combine(node, op as import("./ir").BinaryOp, current, right, target, valueText);
  }

  private lvalue(node: Node): { lvalue: LValue; type: ValueType; current: Expr } | null {
    if (Node.isParenthesizedExpression(node)) return this.lvalue(node.getExpression());
    if (Node.isIdentifier(node)) {
      const decl = declarationOf(node);
      if (decl && this.decls.rejected.has(decl)) return null;
      const v = decl ? this.variableFor(decl) : undefined;
      if (!v) {
        this.diagnostics.error("NotAssignable", positionOf(node), `'${node.getText()}' is not a variable of the program.`, "Assign to a let variable, a typed-array element or an interface field.");
        return null;
      }
      if (!v.mutable) {
        this.diagnostics.error("NotAssignable", positionOf(node), `'${v.name}' is a const.`, `Declare it with let.`);
        return null;
      }
      const current: Expr = { k: "var", v, type: v.type, range: this.rangeOfVariable(v) };
      return { lvalue: { k: "var", v }, type: v.type, current };
    }
    if (Node.isElementAccessExpression(node)) {
      const t = this.indexTarget(node);
      if (!t) return null;
      if (t.array.k === "var") t.array.v.mayBeWritten = true;
      const current: Expr = { k: "index", array: t.array, index: t.index, checked: t.checked, type: { kind: "int", int: t.element }, range: INT_RANGES[t.element] };
      return { lvalue: { k: "index", array: t.array, index: t.index, checked: t.checked, element: t.element }, type: { kind: "int", int: t.element }, current };
    }
    if (Node.isPropertyAccessExpression(node)) {
      const object = this.expr(node.getExpression());
      if (object === INVALID) return null;
      if (object.type.kind !== "struct") {
        this.diagnostics.error("NotAssignable", positionOf(node), `'${node.getText()}' cannot be assigned.`, "Only interface fields, variables and typed-array elements can be assigned.");
        return null;
      }
      const field = object.type.fields.find((f) => f.name === node.getName());
      if (!field) return null;
      if (field.readonly) {
        this.diagnostics.error("NotAssignable", positionOf(node), `Field '${field.name}' is readonly.`, "Remove readonly from the interface, or do not assign it.");
        return null;
      }
      if (field.type.kind === "struct") {
        this.diagnostics.error("NotAssignable", positionOf(node), `Field '${field.name}' is a nested object, stored inline in C.`, "Assign its fields one by one.");
        return null;
      }
      const current: Expr = { k: "field", object, field, type: field.type, range: storageRange(field.type) ?? R.single(0n) };
      return { lvalue: { k: "field", object, field }, type: field.type, current };
    }
    this.diagnostics.error("NotAssignable", positionOf(node), `'${node.getText()}' cannot be assigned.`, "Assign to a variable, a typed-array element or an interface field.");
    return null;
  }

  /** Views and objects may only be stored where their storage outlives the store. */
  private checkStoreProvenance(target: LValue, value: Expr, node: Node): void {
    const from = this.provenanceOf(value);
    let to: import("./ir").Provenance;
    if (target.k === "var") to = target.v.scope === "global" ? "global" : "local";
    else if (target.k === "field") to = this.provenanceOf(target.object) === "local" ? "local" : "global";
    else return;
    if (to === "global" && from !== "global") {
      this.diagnostics.error("EscapingStorage", positionOf(node), node.getText(), this.fn?.name ?? "?");
    }
  }

  /** The union of the intervals of the values returned so far (null before the first). */
  returned: R.Range | null = null;

  private noteReturned(value: Expr): void {
    const type = this.fn?.returnType;
    const declared = type && type.kind !== "void" && value !== INVALID ? storageRange(type) : null;
    // Not an interval (a boolean, a view): nothing to narrow. A value's range lies inside its type's once
    // coerce() has checked or wrapped it; the intersection only keeps that explicit.
    const inside = declared ? R.intersect(value.range, declared) : null;
    if (!declared || !inside) {
      this.returnedOther = true;
      return;
    }
    this.returned = this.returned ? R.union(this.returned, inside) : inside;
  }

  /** A return whose value has no interval was seen: the function's returns are not narrowed. */
  returnedOther = false;

  private returnStatement(node: import("ts-morph").ReturnStatement): Stmt {
    const at = lineOf(node);
    const fn = this.fn!;
    const valueNode = node.getExpression();
    let value: Expr | null = null;
    if (valueNode && fn.unknownReturn) {
      // The return type was rejected: the value is checked on its own, not against a type.
      this.expr(valueNode);
    } else if (valueNode) {
      if (fn.returnType.kind === "void") {
        this.diagnostics.error("TypeMismatch", positionOf(valueNode), "no value", "a value", "A void function returns nothing.");
      } else {
        const raw = this.expr(valueNode);
        if (this.callNeverReturns && (raw.k === "call" || raw.k === "intrinsic")) {
          // `return fail()` with fail(): never — the call is the statement; there is no value to convert.
          this.state = FlowState.unreachable();
          return { k: "expr", expr: raw, at };
        }
        value = this.coerce(raw, fn.returnType, valueNode);
        this.noteReturned(value);
        if ((fn.returnType.kind === "array" || fn.returnType.kind === "struct") && raw !== INVALID && this.provenanceOf(raw) === "local") {
          this.diagnostics.error("EscapingStorage", positionOf(valueNode), valueNode.getText(), fn.name);
        }
      }
    } else if (fn.returnType.kind !== "void") {
      this.diagnostics.error("MissingReturn", positionOf(node), fn.name, typeName(fn.returnType));
    }
    this.state = FlowState.unreachable();
    return { k: "return", value, at };
  }

  private ifStatement(node: import("ts-morph").IfStatement): Stmt {
    const at = lineOf(node);
    const test = this.condition(node.getExpression());
    const before = this.state;
    this.state = this.narrowed(test, true, before);
    const thenBody = this.body(node.getThenStatement());
    const afterThen = this.state;
    this.state = this.narrowed(test, false, before);
    const elseNode = node.getElseStatement();
    const elseBody = elseNode ? this.body(elseNode) : null;
    this.state = FlowState.join(afterThen, this.state);
    return { k: "if", test, then: thenBody, else: elseBody, at };
  }

  private body(node: Statement): Stmt[] {
    if (Node.isBlock(node)) return this.block(node.getStatements());
    return this.statement(node);
  }

  /**
   * A loop head's facts: the fixpoint of the entry state and every back edge. The body is lowered with the
   * head assumed so far (diagnostics held back); if a back edge brings something the head does not hold,
   * the head is widened — each bound that moved goes to the variable's declared bound — and the body is
   * lowered again. Usually two passes: `i` grows from its initial value, then is widened. A fact that holds
   * on entry and on every back edge (Euclid's `b !== 0` in a do/while) survives. After a few rounds the
   * head falls back to forgetting everything the loop assigns, which always holds.
   */
  private loopFixpoint<T>(loopNode: Node, run: (head: FlowState) => { result: T; back: FlowState }): { result: T; head: FlowState } {
    const fn = this.fn!;
    const declared = (v: Variable) => v.rangeTyped ?? storageRange(v.type) ?? R.single(0n);
    let head = this.state.clone();
    for (let round = 0; round < 4; round++) {
      const localsBefore = fn.locals.length;
      const tempsBefore = this.tempCount;
      this.diagnostics.capture();
      this.state = head.clone();
      const { result, back } = run(head);
      const next = FlowState.join(head, back);
      if (head.covers(next, declared)) {
        this.diagnostics.release(true);
        return { result, head };
      }
      this.diagnostics.release(false);
      fn.locals.length = localsBefore;
      this.tempCount = tempsBefore;
      head = head.widen(next, declared);
    }
    // The sound one-pass approximation: forget everything the loop may change.
    for (const v of this.assignedIn(loopNode)) head.kill(v);
    this.state = head.clone();
    return { result: run(head).result, head };
  }

  private assignedIn(node: Node): Set<Variable> {
    const out = new Set<Variable>();
    node.forEachDescendant((d) => {
      let target: Node | undefined;
      if (Node.isBinaryExpression(d) && COMPOUND_OR_ASSIGN.has(d.getOperatorToken().getKind())) target = d.getLeft();
      if ((Node.isPrefixUnaryExpression(d) || Node.isPostfixUnaryExpression(d)) && [SyntaxKind.PlusPlusToken, SyntaxKind.MinusMinusToken].includes(d.getOperatorToken())) target = d.getOperand();
      while (target && Node.isParenthesizedExpression(target)) target = target.getExpression();
      if (target && Node.isIdentifier(target)) {
        const decl = declarationOf(target);
        const v = decl ? this.variableFor(decl) : undefined;
        if (v) out.add(v);
      }
    });
    return out;
  }

  private loopBody(node: Statement, context: LoopContext): Stmt[] {
    this.loops.push(context);
    const body = this.body(node);
    this.loops.pop();
    return body;
  }

  private whileStatement(node: import("ts-morph").WhileStatement): Stmt {
    const at = lineOf(node);
    const { result, head } = this.loopFixpoint(node, (head) => {
      const test = this.condition(node.getExpression());
      this.state = this.narrowed(test, true, head);
      const context: LoopContext = { breaks: [], continues: [], isSwitch: false };
      const body = this.loopBody(node.getStatement(), context);
      return { result: { test, body, context }, back: FlowState.joinAll([this.state, ...context.continues]) };
    });
    this.state = FlowState.joinAll([this.narrowed(result.test, false, head), ...result.context.breaks]);
    return { k: "while", test: result.test, body: result.body, at };
  }

  private doStatement(node: import("ts-morph").DoStatement): Stmt {
    const at = lineOf(node);
    const { result } = this.loopFixpoint(node, () => {
      const context: LoopContext = { breaks: [], continues: [], isSwitch: false };
      const body = this.loopBody(node.getStatement(), context);
      const afterBody = FlowState.joinAll([this.state, ...context.continues]);
      this.state = afterBody;
      const test = this.condition(node.getExpression());
      return { result: { body, test, context, afterBody }, back: this.narrowed(test, true, afterBody) };
    });
    this.state = FlowState.joinAll([this.narrowed(result.test, false, result.afterBody), ...result.context.breaks]);
    return { k: "doWhile", body: result.body, test: result.test, testAt: lineOf(node.getExpression()), at };
  }

  private forStatement(node: ForStatement): Stmt {
    const at = lineOf(node);
    const init: Stmt[] = [];
    const initNode = node.getInitializer();
    if (initNode) {
      if (Node.isVariableDeclarationList(initNode)) {
        if (initNode.getDeclarationKind() === VariableDeclarationKind.Var) this.diagnostics.error("Var", positionOf(initNode));
        for (const d of initNode.getDeclarations()) init.push(...this.localDeclaration(d, initNode.getDeclarationKind() === VariableDeclarationKind.Const));
        for (const d of initNode.getDeclarations()) {
          const index = this.locals.get(d);
          if (index) this.state.relateTo(index);
        }
      } else {
        init.push(...this.expressionStatement(initNode, at));
      }
    }
    const { result, head } = this.loopFixpoint(node, (head) => {
      const condNode = node.getCondition();
      const test = condNode ? this.condition(condNode) : null;
      this.state = test ? this.narrowed(test, true, head) : head.clone();
      const context: LoopContext = { breaks: [], continues: [], isSwitch: false };
      const body = this.loopBody(node.getStatement(), context);
      this.state = FlowState.joinAll([this.state, ...context.continues]);
      const update: Stmt[] = [];
      const updateNode = node.getIncrementor();
      if (updateNode) {
        const parts = Node.isBinaryExpression(updateNode) && updateNode.getOperatorToken().getKind() === SyntaxKind.CommaToken ? [updateNode.getLeft(), updateNode.getRight()] : [updateNode];
        for (const p of parts) update.push(...this.expressionStatement(p, at));
      }
      return { result: { test, body, update, context }, back: this.state };
    });
    const exit = result.test ? this.narrowed(result.test, false, head) : FlowState.unreachable();
    this.state = FlowState.joinAll([exit, ...result.context.breaks]);
    return { k: "for", init, test: result.test, update: result.update, body: result.body, at };
  }

  private forOfStatement(node: import("ts-morph").ForOfStatement): Stmt[] {
    const at = lineOf(node);
    const init = node.getInitializer();
    const array = this.expr(node.getExpression());
    if (array === INVALID) return [];
    if (array.type.kind !== "array") {
      this.diagnostics.error("ForOfNonArray", positionOf(node.getExpression()));
      return [];
    }
    if (!Node.isVariableDeclarationList(init) || init.getDeclarations().length !== 1) {
      this.diagnostics.error("Unsupported", positionOf(node), "This for-of head", "Write: for (const x of array).");
      return [];
    }
    const decl = init.getDeclarations()[0];
    const element: ValueType = { kind: "int", int: array.type.element };
    const v = this.newLocal(decl, decl.getName(), element, init.getDeclarationKind() !== VariableDeclarationKind.Const);
    const { result, head } = this.loopFixpoint(node, () => {
      const context: LoopContext = { breaks: [], continues: [], isSwitch: false };
      const body = this.loopBody(node.getStatement(), context);
      return { result: { body, context }, back: FlowState.joinAll([this.state, ...context.continues]) };
    });
    const body = result.body;
    this.state = FlowState.joinAll([head, ...result.context.breaks]);
    if (!v.read) body.unshift({ k: "unused", v, at });
    return [{ k: "forOf", v, array, body, indexName: `tsb_i${this.tempCount++}`, at }];
  }

  private switchStatement(node: import("ts-morph").SwitchStatement): Stmt {
    const at = lineOf(node);
    const discriminant = this.expr(node.getExpression());
    if (discriminant !== INVALID && !isNumeric(discriminant.type)) {
      this.diagnostics.error("OperandType", positionOf(node.getExpression()), "switch", typeName(discriminant.type), "Switch on an integer or an enum.");
    }
    const before = this.state;
    const context: LoopContext = { breaks: [], continues: [], isSwitch: true };
    const cases: SwitchCase[] = [];
    let fallIn = FlowState.unreachable();
    let hasDefault = false;
    const seenCaseValues = new Set<bigint>();
    const clauses = node.getCaseBlock().getClauses();
    this.loops.push(context);
    for (const clause of clauses) {
      let values: CaseLabel[] | null = null;
      if (Node.isCaseClause(clause)) {
        // A switch on something that is not an integer was reported once: its labels are not checked too.
        const label = discriminant === INVALID || isNumeric(discriminant.type) ? this.expr(clause.getExpression()) : INVALID;
        const value = label.k === "const" ? label.value : label.k === "enumMember" ? label.member.value : label.k === "var" ? label.v.constValue : undefined;
        if (value === undefined) {
          if (label !== INVALID) this.diagnostics.error("NonConstantCase", positionOf(clause.getExpression()));
          values = [];
        } else {
          // A label outside the discriminant's range never matches in JavaScript; in C it could, after conversion.
          // JavaScript takes the first matching case: a repeated value never matches again (C would refuse it).
          const repeated = seenCaseValues.has(value);
          seenCaseValues.add(value);
          values = discriminant !== INVALID && !repeated && R.contains(discriminant.range, R.single(value)) ? [{ value, expr: label }] : [];
        }
      } else {
        hasDefault = true;
      }
      for (const s of clause.getStatements()) {
        if (Node.isVariableStatement(s)) this.diagnostics.error("DeclarationInCase", positionOf(s));
      }
      this.state = FlowState.join(before, fallIn);
      const body = this.block(clause.getStatements());
      fallIn = this.state;
      cases.push({ values, body, fallsThrough: this.state.reachable });
    }
    this.loops.pop();
    // An enum value is always one of its members (stores into an enum accept members only): a switch whose
    // labels cover every member the value can take cannot fall out without matching, as tsc also proves.
    const exhaustive = !hasDefault && discriminant.type.kind === "enum" && (discriminant.type.members.every((m) => !R.contains(discriminant.range, R.single(m.value)) || seenCaseValues.has(m.value)) || coveredByTsc(node.getExpression(), seenCaseValues));
    this.state = FlowState.joinAll([fallIn, ...context.breaks, ...(hasDefault || exhaustive ? [] : [before])]);
    return { k: "switch", discriminant, cases, exhaustive, at };
  }
}

/**
 * tsc's narrowed type of an enum discriminant (`if (s === S.B) return;` leaves S.A | S.C): every member it
 * still allows has a case. Sound because an enum variable holds only members, compared with ===.
 */
function coveredByTsc(expression: Node, labels: Set<bigint>): boolean {
  const type = expression.getType();
  const parts = type.isUnion() ? type.getUnionTypes() : [type];
  return parts.every((t) => {
    const value = t.isEnumLiteral() || t.isNumberLiteral() ? t.getLiteralValue() : undefined;
    return typeof value === "number" && labels.has(BigInt(value));
  });
}

/** The interval of d when `value` is exactly v + d or v - d (d not reading v), else undefined. */
function stepOf(v: Variable, value: Expr): R.Range | undefined {
  if (value.k !== "binary" || (value.op !== "+" && value.op !== "-")) return undefined;
  if (value.left.k !== "var" || value.left.v !== v || some(value.right, (x) => x.k === "var" && x.v === v)) return undefined;
  return value.op === "+" ? value.right.range : R.neg(value.right.range);
}

/** A call (or a subarray, which C evaluates through a function) anywhere in `e`. */
function containsCall(e: Expr): boolean {
  return some(e, (x) => x.k === "call" || x.k === "intrinsic" || x.k === "subarray");
}


const COMPOUND_OPS: Partial<Record<SyntaxKind, string>> = {
  [SyntaxKind.PlusEqualsToken]: "+",
  [SyntaxKind.MinusEqualsToken]: "-",
  [SyntaxKind.AsteriskEqualsToken]: "*",
  [SyntaxKind.AmpersandEqualsToken]: "&",
  [SyntaxKind.BarEqualsToken]: "|",
  [SyntaxKind.CaretEqualsToken]: "^",
  [SyntaxKind.LessThanLessThanEqualsToken]: "<<",
  [SyntaxKind.GreaterThanGreaterThanEqualsToken]: ">>",
  [SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken]: ">>>",
  [SyntaxKind.SlashEqualsToken]: "/",
  [SyntaxKind.PercentEqualsToken]: "%",
};
const COMPOUND_OR_ASSIGN = new Set<SyntaxKind>([SyntaxKind.EqualsToken, ...(Object.keys(COMPOUND_OPS).map(Number) as SyntaxKind[])]);

export { VOID, worse };
