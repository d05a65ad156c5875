/**
 * A product's hooks at build time (docs/extending.md): the functions its entry file exports under the names
 * hal-bindings/product.ts declares are linked to the core through a generated C file,
 * tsboot_product_hooks.c; an entry that exports none gets defaults that answer as the core alone does
 * (and cost nothing once LTO folds them). Before that, three checks:
 *   - each hook has the signature of its declaration in hal-bindings/product.ts;
 *   - an exported function whose name is close to a hook's is a typo, not a silently unused function;
 *   - nothing a hook calls, however indirectly, can erase or program flash or change option bytes (the
 *     flash bindings, or a raw register write): a product's hook cannot break the never-brick rules.
 */
import * as path from "node:path";
import { FunctionDeclaration, Node, SourceFile, SyntaxKind, ts } from "ts-morph";
import { type MessageTemplate } from "../../compiler/diagnostic-messages";
import { type Diagnostic, formatDiagnostic, makeDiagnostic, sortDiagnostics } from "../../compiler/diagnostics";
import { isRuntimeFile, loadProgram } from "../../compiler/program";

export class ProductHookError extends Error {}

/**
 * The checks' diagnostics, printed like the compiler's (`file(line,col): error TSB1101: …`). Their own
 * block of codes: the compiler cannot raise them (they need the core's hal-bindings/product.ts).
 */
export const ProductHookMessages = {
  HookReexported: {
    code: 1101,
    message: "The hook '{0}' is re-exported from another module; tsboot links only hooks declared in the entry file itself.",
    suggestion: "Declare it in this file: export function {1} { … } (it may call anything in other modules).",
  },
  HookSignature: {
    code: 1102,
    message: "The hook '{0}' must be {1} (hal-bindings/product.ts); it is {2}.",
    suggestion: "Declare it as export function {1} { … }.",
  },
  HookReachesFlashWrite: {
    code: 1103,
    message: "The hook '{0}' can reach a flash write: {1}. A product's hooks may read and reply, never erase, program or protect flash.",
    suggestion: "Reply with data and leave flash to the core's update commands (docs/extending.md, rule 3).",
  },
  HookMisspelled: {
    code: 1104,
    message: "'{0}' is not a tsboot hook: did you mean '{1}'?",
    suggestion: "Rename it to {1}, or stop exporting it.",
  },
} as const satisfies Record<string, MessageTemplate>;

/** The hooks: TypeScript name, C name, and what the default answers (a C expression; null for void). */
export const HOOKS = [
  { name: "productCommand", c: "tsboot_product_command", fallback: "-1" /* NOT_A_PRODUCT_COMMAND */ },
  { name: "productUpdateReason", c: "tsboot_product_update_reason", fallback: "0u" },
  { name: "announceProductReason", c: "tsboot_announce_product_reason", fallback: null },
] as const;

/** The bindings through which flash is erased, programmed or protected, and the raw register writes. */
export const FLASH_WRITERS = new Set(["hal_flash_unlock", "hal_flash_erase", "hal_flash_program", "hal_port_flash_protect_bootloader"]);
const REGISTER_WRITES = new Set(["mmioWrite8", "mmioWrite16", "mmioWrite32"]);

const DECLARATIONS = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../hal-bindings/product.ts");

export interface ProductHooksFound {
  /** The hooks the entry exports (TypeScript names). */
  hooks: string[];
}

function externName(fn: FunctionDeclaration): string | null {
  const tag = ts.getJSDocTags(fn.compilerNode).find((t) => t.tagName.text === "extern");
  if (!tag) return null;
  const text = typeof tag.comment === "string" ? tag.comment.trim() : "";
  return text.split(/\s+/)[0] || fn.getName() || null;
}

function signature(fn: FunctionDeclaration): string {
  const params = fn.getParameters().map((p) => `${p.getName()}: ${p.getTypeNode()?.getText() ?? "?"}`);
  return `${fn.getName()}(${params.join(", ")}): ${fn.getReturnTypeNode()?.getText() ?? "void"}`;
}

function typesOnly(fn: FunctionDeclaration): string {
  return `${fn.getParameters().map((p) => p.getTypeNode()?.getText() ?? "?").join(",")}->${fn.getReturnTypeNode()?.getText() ?? "void"}`;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length][b.length];
}

/** The function a call names, through imports. */
function calledFunction(call: Node): FunctionDeclaration | undefined {
  if (!Node.isCallExpression(call)) return undefined;
  let symbol = call.getExpression().getSymbol();
  if (symbol?.isAlias()) symbol = symbol.getAliasedSymbol();
  return symbol?.getDeclarations().find((d): d is FunctionDeclaration => Node.isFunctionDeclaration(d));
}

function where(node: Node, root: string): string {
  return `${path.relative(root, node.getSourceFile().getFilePath())}:${node.getStartLineNumber()}`;
}

/**
 * The first call chain from `hook` to a flash writer or a register write, or null. @extern bodies are the
 * Node simulation's and are not followed; a binding is judged by its C name.
 */
function pathToFlashWrite(hook: FunctionDeclaration, root: string): string[] | null {
  const seen = new Set<FunctionDeclaration>();
  const walk = (fn: FunctionDeclaration, chain: string[]): string[] | null => {
    if (seen.has(fn)) return null;
    seen.add(fn);
    for (const call of fn.getDescendantsOfKind(SyntaxKind.CallExpression)) {
      const target = calledFunction(call);
      if (!target) continue;
      const name = target.getName() ?? "?";
      const step = `${name} (${where(call, root)})`;
      if (isRuntimeFile(target.getSourceFile().getFilePath())) {
        if (REGISTER_WRITES.has(name)) return [...chain, step];
        continue;
      }
      const cName = externName(target);
      if (cName !== null) {
        if (FLASH_WRITERS.has(cName)) return [...chain, `${name} = ${cName} (${where(call, root)})`];
        continue;
      }
      const found = walk(target, [...chain, step]);
      if (found) return found;
    }
    return null;
  };
  return walk(hook, [hook.getName() ?? "?"]);
}

/** Where a function's name is, for a diagnostic. */
function positionOf(fn: FunctionDeclaration): { file: string; line: number; column: number } {
  const node = fn.getNameNode() ?? fn;
  const { line, column } = fn.getSourceFile().getLineAndColumnAtPos(node.getStart());
  return { file: fn.getSourceFile().getFilePath(), line, column };
}

/**
 * The product-hook checks of a program (see the file comment) as diagnostics, and the hooks its entry
 * exports. null when the program does not run tsboot's boot flow (hal-bindings/product.ts is not part of
 * it): there is nothing to link hooks to. `tsboot check` reports them beside the compiler's.
 */
export function productHookDiagnostics(entry: string): (ProductHooksFound & { diagnostics: Diagnostic[] }) | null {
  const program = loadProgram(entry);
  const source: SourceFile = program.entry.source;
  // A module of this program (the project is shared between programs and may hold it for another one).
  const declarations = program.modules.find((m) => m.path === DECLARATIONS)?.source;
  if (!declarations) return null;
  const root = process.cwd();
  const diagnostics: Diagnostic[] = [];
  const found: string[] = [];
  const exported = source.getFunctions().filter((f) => f.isExported() && f.getName());
  for (const hook of HOOKS) {
    const declared = declarations.getFunctionOrThrow(hook.name);
    const fn = exported.find((f) => f.getName() === hook.name);
    if (!fn) {
      const reexport = source.getExportDeclarations().flatMap((d) => d.getNamedExports()).find((e) => (e.getAliasNode() ?? e.getNameNode()).getText() === hook.name);
      if (reexport) {
        const { line, column } = source.getLineAndColumnAtPos(reexport.getStart());
        diagnostics.push(makeDiagnostic(ProductHookMessages.HookReexported, { file: source.getFilePath(), line, column }, hook.name, signature(declared)));
      } else if (source.getExportSymbols().some((s) => s.getName() === hook.name)) {
        diagnostics.push(makeDiagnostic(ProductHookMessages.HookReexported, { file: source.getFilePath(), line: 1, column: 1 }, hook.name, signature(declared)));
      }
      continue;
    }
    if (typesOnly(fn) !== typesOnly(declared)) {
      diagnostics.push(makeDiagnostic(ProductHookMessages.HookSignature, positionOf(fn), hook.name, signature(declared), signature(fn)));
      continue;
    }
    const chain = pathToFlashWrite(fn, root);
    if (chain) {
      diagnostics.push(makeDiagnostic(ProductHookMessages.HookReachesFlashWrite, positionOf(fn), hook.name, chain.join(" → ")));
      continue;
    }
    found.push(hook.name);
  }
  for (const fn of exported) {
    const name = fn.getName()!;
    if (HOOKS.some((h) => h.name === name)) continue;
    const near = HOOKS.find((h) => editDistance(h.name.toLowerCase(), name.toLowerCase()) <= 2);
    if (near) diagnostics.push(makeDiagnostic(ProductHookMessages.HookMisspelled, positionOf(fn), name, near.name));
  }
  return { hooks: found, diagnostics: sortDiagnostics(diagnostics) };
}

/** The build's check of the entry's hooks: the ones it exports, or a ProductHookError with every diagnostic. */
export function checkProductHooks(entry: string): ProductHooksFound {
  const checked = productHookDiagnostics(entry);
  if (!checked) throw new ProductHookError(`${DECLARATIONS} is not part of the program: the entry must run tsboot's boot flow`);
  if (checked.diagnostics.length > 0) {
    // As the build reports an entry that does not compile: a line of its own, then the diagnostics at column 0.
    const label = path.relative(process.cwd(), entry) || entry;
    throw new ProductHookError(`${label}: its product hooks are refused (docs/extending.md):\n${checked.diagnostics.map((d) => formatDiagnostic(d)).join("\n")}`);
  }
  return { hooks: checked.hooks };
}

/** `<ret> <name>(<params>);` of a binding in the generated tsboot_port.h. */
function portPrototype(portHeader: string, cName: string): { ret: string; params: { type: string; name: string }[] } {
  const m = new RegExp(`^(.+?)\\s+${cName}\\((.*)\\);$`, "m").exec(portHeader);
  if (!m) throw new ProductHookError(`tsboot_port.h declares no ${cName}: the core's hal-bindings/product.ts is not part of the program`);
  const params = m[2] === "void" ? [] : m[2].split(",").map((p) => {
    const parts = p.trim().split(/\s+/);
    return { type: parts.slice(0, -1).join(" "), name: parts[parts.length - 1] };
  });
  return { ret: m[1].trim(), params };
}

/** tsboot_product_hooks.c: each hook forwarded to the entry's function, or its default. */
export function productHooksC(found: ProductHooksFound, moduleName: string, portHeader: string, entryLabel: string): string {
  const lines = [
    `/* Generated by tsboot: the product hooks (docs/extending.md) of ${entryLabel}. Do not edit. */`,
    `#include "tsboot_port.h"`,
    ...(found.hooks.length > 0 ? [`#include "${moduleName}.h"`] : []),
    "",
  ];
  for (const hook of HOOKS) {
    const p = portPrototype(portHeader, hook.c);
    const params = p.params.length ? p.params.map((x) => `${x.type} ${x.name}`).join(", ") : "void";
    lines.push(`${p.ret} ${hook.c}(${params}) {`);
    if (found.hooks.includes(hook.name)) {
      const call = `${moduleName}_${hook.name}(${p.params.map((x) => x.name).join(", ")})`;
      lines.push(p.ret === "void" ? `  ${call};` : `  return ${call};`);
    } else {
      for (const x of p.params) lines.push(`  (void)${x.name};`);
      if (hook.fallback !== null) lines.push(`  return ${hook.fallback};`);
    }
    lines.push("}", "");
  }
  return lines.join("\n");
}
