/**
 * The compiler's programmatic API: TypeScript entry file → C translation unit and header.
 * Stages: program.ts (load and type-check) → declarations.ts / lower-*.ts (typed IR with ranges)
 * → emit-c.ts (C). Any error is returned as a diagnostic; the compiler does not throw on bad input.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Node, SourceFile, ts } from "ts-morph";
import { Messages } from "./diagnostic-messages";
import { Diagnostic, DiagnosticSink, formatDiagnostic, sortDiagnostics } from "./diagnostics";
import { CEmitter } from "./emit-c";
import { JsEmitter } from "./emit-js";
import { emitPortFiles } from "./emit-port";
import { lowerProgram } from "./lower-module";
import { loadProgram } from "./program";

export { formatDiagnostic } from "./diagnostics";
export type { Diagnostic } from "./diagnostics";

export const RUNTIME_HEADER_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), "c");

export interface CompileOptions {
  /** The program's entry file. */
  entry: string;
  /** #line paths are relative to this directory (default: the current directory). */
  sourceRoot?: string;
  /** Write #line directives (default true). */
  lineDirectives?: boolean;
  /** Treat warnings (TSB2xxx) as errors: no C when there is one (default false). */
  warningsAsErrors?: boolean;
  /**
   * Also emit checked JavaScript (<module>.checked.mjs, compiler/emit-js.ts) for Node runs that trap where
   * the C traps; its imports are relative to `outDir` (default: the entry's directory).
   */
  checkedJs?: boolean | { outDir: string };
  /** Also emit tsboot_port.h (the @extern prototypes the ports implement) and tsboot_port_stub.c. */
  portFiles?: boolean;
}

export interface OutputFile {
  name: string;
  text: string;
}

export interface CompileResult {
  ok: boolean;
  /** Errors and warnings, sorted by file and position. ok is false when there is an error. */
  diagnostics: Diagnostic[];
  /** <module>.c and <module>.h (and the checked JS and port files when asked); empty when there are errors. */
  files: OutputFile[];
  moduleName: string;
  /** Every file of the program (what `tsboot check --watch` watches). */
  sources: string[];
}

export function compileProgram(options: CompileOptions): CompileResult {
  const sink = new DiagnosticSink();
  let moduleName = path.basename(options.entry).replace(/\.tsx?$/, "");
  let sources: string[] = [path.resolve(options.entry)];
  try {
    const program = loadProgram(options.entry);
    moduleName = program.entry.prefix;
    sources = program.modules.map((m) => m.path);
    const missingReturns: { diagnostic: Diagnostic; end: { line: number; column: number } }[] = [];
    for (const module of program.modules) {
      for (const d of module.source.getPreEmitDiagnostics()) {
        if (d.getCategory() !== ts.DiagnosticCategory.Error) continue;
        const source = d.getSourceFile();
        const start = d.getStart() ?? 0;
        const pos = source ? source.getLineAndColumnAtPos(start) : { line: 1, column: 1 };
        const text = ts.flattenDiagnosticMessageText(d.compilerObject.messageText, " ");
        const file = source?.getFilePath() ?? module.path;
        sink.error("TypeScriptError", { file, line: pos.line, column: pos.column }, `TS${d.getCode()}: ${text}`);
        const end = d.getCode() === 2366 && source ? bodyEnd(source, start) : undefined;
        if (end) missingReturns.push({ diagnostic: sink.diagnostics[sink.diagnostics.length - 1], end });
        // The subset's own complaint about the same code would only repeat tsc's.
        if (source) for (const [from, to] of quietSpans(source, start, d.getLength() ?? 0)) sink.quietBetween(file, source.getLineAndColumnAtPos(from), source.getLineAndColumnAtPos(to));
      }
    }
    const ir = lowerProgram(program, sink);
    // tsc's "lacks ending return statement" and the subset's TSB1057 are one mistake: keep TSB1057, which
    // points at the end control reaches and says how to fix it.
    for (const { diagnostic, end } of missingReturns) {
      if (sink.diagnostics.some((d) => d.code === Messages.MissingReturn.code && d.file === diagnostic.file && d.line === end.line && d.column === end.column)) sink.remove(diagnostic);
    }
    const failed = options.warningsAsErrors ? sink.diagnostics.length > 0 : sink.count > 0;
    if (failed) return { ok: false, diagnostics: sortDiagnostics(sink.diagnostics), files: [], moduleName, sources };
    const sourceRoot = options.sourceRoot ?? process.cwd();
    const emitter = new CEmitter(ir, { sourceRoot, lineDirectives: options.lineDirectives ?? true });
    const emitted = emitter.emit();
    const files: OutputFile[] = [
      { name: `${emitted.moduleName}.c`, text: emitted.source },
      { name: `${emitted.moduleName}.h`, text: emitted.header },
    ];
    if (options.checkedJs) {
      const outDir = typeof options.checkedJs === "object" ? options.checkedJs.outDir : path.dirname(path.resolve(options.entry));
      const sourceText = (file: string) => program.project.getSourceFile(file)?.getFullText();
      files.push({ name: `${emitted.moduleName}.checked.mjs`, text: new JsEmitter(ir, { sourceRoot, outDir, sourceText }).emit() });
    }
    if (options.portFiles) {
      const port = emitPortFiles(ir, emitter, sourceRoot);
      files.push({ name: "tsboot_port.h", text: port.header }, { name: "tsboot_port_stub.c", text: port.stub });
    }
    return { ok: true, diagnostics: sortDiagnostics(sink.diagnostics), files, moduleName: emitted.moduleName, sources };
  } catch (error) {
    // A crash is a compiler bug; it is still reported as a diagnostic so callers never see a throw.
    const message = error instanceof Error ? error.message : String(error);
    if (process.env.TSBOOT_DEBUG) console.error(error);
    sink.error("Unsupported", { file: path.resolve(options.entry), line: 1, column: 1 }, `Internal compiler error (${message}); this program`, "Please report it with the program that caused it.");
    return { ok: false, diagnostics: sink.diagnostics, files: [], moduleName, sources };
  }
}

/**
 * Where the subset stays quiet after a tsc error: the statement that holds it (one error per mistake).
 */
function quietSpans(source: SourceFile, start: number, length: number): [number, number][] {
  const spans: [number, number][] = [[start, start + length]];
  const node = source.getDescendantAtPos(start);
  if (!node) return spans;
  const statement = [node, ...node.getAncestors()].find((a) => Node.isStatement(a) && !Node.isFunctionDeclaration(a) && !Node.isClassDeclaration(a) && !Node.isBlock(a));
  if (statement) spans.push([statement.getStart(), statement.getEnd()]);
  return spans;
}

/** The position of a function body's closing brace, where TSB1057 (a missing return) is reported. */
function bodyEnd(source: SourceFile, start: number): { line: number; column: number } | undefined {
  const fn = source.getDescendantAtPos(start)?.getFirstAncestor((a) => Node.isFunctionDeclaration(a));
  const body = fn && Node.isFunctionDeclaration(fn) ? fn.getBody() : undefined;
  return body ? source.getLineAndColumnAtPos(body.getEnd() - 1) : undefined;
}

/** Compiles and writes the C files (plus tsboot_rt.h) into outDir. */
export function compileToDirectory(options: CompileOptions & { outDir: string }): CompileResult {
  const checkedJs = options.checkedJs === true ? { outDir: path.resolve(options.outDir) } : options.checkedJs;
  const result = compileProgram({ ...options, checkedJs });
  if (!result.ok) return result;
  fs.mkdirSync(options.outDir, { recursive: true });
  for (const f of result.files) fs.writeFileSync(path.join(options.outDir, f.name), f.text);
  fs.copyFileSync(path.join(RUNTIME_HEADER_DIR, "tsboot_rt.h"), path.join(options.outDir, "tsboot_rt.h"));
  return result;
}

export function formatAll(result: CompileResult): string {
  return result.diagnostics.map((d) => formatDiagnostic(d)).join("\n");
}
