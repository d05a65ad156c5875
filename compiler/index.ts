/**
 * The compiler's programmatic API: TypeScript entry file → C translation unit and header.
 * Stages: program.ts (load and type-check) → declarations.ts / lower-*.ts (typed IR with ranges)
 * → emit-c.ts (C). Any error is returned as a diagnostic; the compiler does not throw on bad input.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ts } from "ts-morph";
import { Diagnostic, DiagnosticSink, formatDiagnostic, sortDiagnostics } from "./diagnostics";
import { CEmitter } from "./emit-c";
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
}

export interface OutputFile {
  name: string;
  text: string;
}

export interface CompileResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  /** <module>.c and <module>.h; empty when there are errors. */
  files: OutputFile[];
  moduleName: string;
}

export function compileProgram(options: CompileOptions): CompileResult {
  const sink = new DiagnosticSink();
  let moduleName = path.basename(options.entry).replace(/\.tsx?$/, "");
  try {
    const program = loadProgram(options.entry);
    moduleName = program.entry.prefix;
    for (const module of program.modules) {
      for (const d of module.source.getPreEmitDiagnostics()) {
        if (d.getCategory() !== ts.DiagnosticCategory.Error) continue;
        const source = d.getSourceFile();
        const start = d.getStart() ?? 0;
        const pos = source ? source.getLineAndColumnAtPos(start) : { line: 1, column: 1 };
        const text = ts.flattenDiagnosticMessageText(d.compilerObject.messageText, " ");
        sink.error("TypeScriptError", { file: source?.getFilePath() ?? module.path, line: pos.line, column: pos.column }, `TS${d.getCode()}: ${text}`);
      }
    }
    const ir = lowerProgram(program, sink);
    if (sink.count > 0) return { ok: false, diagnostics: sortDiagnostics(sink.diagnostics), files: [], moduleName };
    const emitted = new CEmitter(ir, {
      sourceRoot: options.sourceRoot ?? process.cwd(),
      lineDirectives: options.lineDirectives ?? true,
    }).emit();
    return {
      ok: true,
      diagnostics: [],
      files: [
        { name: `${emitted.moduleName}.c`, text: emitted.source },
        { name: `${emitted.moduleName}.h`, text: emitted.header },
      ],
      moduleName: emitted.moduleName,
    };
  } catch (error) {
    // A crash is a compiler bug; it is still reported as a diagnostic so callers never see a throw.
    const message = error instanceof Error ? error.message : String(error);
    if (process.env.TSBOOT_DEBUG) console.error(error);
    sink.error("Unsupported", { file: path.resolve(options.entry), line: 1, column: 1 }, `Internal compiler error (${message}); this program`, "Please report it with the program that caused it.");
    return { ok: false, diagnostics: sink.diagnostics, files: [], moduleName };
  }
}

/** Compiles and writes the C files (plus tsboot_rt.h) into outDir. */
export function compileToDirectory(options: CompileOptions & { outDir: string }): CompileResult {
  const result = compileProgram(options);
  if (!result.ok) return result;
  fs.mkdirSync(options.outDir, { recursive: true });
  for (const f of result.files) fs.writeFileSync(path.join(options.outDir, f.name), f.text);
  fs.copyFileSync(path.join(RUNTIME_HEADER_DIR, "tsboot_rt.h"), path.join(options.outDir, "tsboot_rt.h"));
  return result;
}

export function formatAll(result: CompileResult): string {
  return result.diagnostics.map((d) => formatDiagnostic(d)).join("\n");
}
