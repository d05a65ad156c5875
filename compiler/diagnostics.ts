/**
 * Diagnostics as data: a code from diagnostic-messages.ts, a category, a position, the filled-in message
 * and a suggested rewrite, printed like tsc's: `file(line,col): error TSB1001: message`.
 * Errors (TSB1xxx) stop the compile; warnings (TSB2xxx) are reported and the C is still written, unless
 * the caller asks for warnings as errors.
 */
import * as path from "node:path";
import { Messages, MessageName, type MessageTemplate } from "./diagnostic-messages";

export type Category = "error" | "warning";

export interface Diagnostic {
  readonly code: number;
  readonly category: Category;
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  readonly message: string;
  readonly suggestion: string;
}

export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

function fill(template: string, args: readonly string[]): string {
  return template.replace(/\{(\d)\}/g, (_, i: string) => args[Number(i)] ?? "");
}

/** A diagnostic from a template ({0}, {1} … filled from args): the compiler's own, or another stage's (product hooks). */
export function makeDiagnostic(template: MessageTemplate, at: SourcePosition, ...args: string[]): Diagnostic {
  return {
    code: template.code,
    category: template.category ?? "error",
    file: at.file,
    line: at.line,
    column: at.column,
    message: fill(template.message, args),
    suggestion: fill(template.suggestion, args),
  };
}

export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  /** While capturing (a trial pass over a loop body), diagnostics go to the innermost buffer instead. */
  private readonly captures: Diagnostic[][] = [];
  /** Spans tsc already reported an error in: the subset's own complaints there would repeat it. */
  private readonly quiet: { file: string; from: number; to: number }[] = [];

  /** Reports the diagnostic `name` (its category comes from its template). */
  error(name: MessageName, at: SourcePosition, ...args: string[]): void {
    this.add(makeDiagnostic(Messages[name], at, ...args));
  }

  /** The same as error(): the template decides the category; the name reads better at warning sites. */
  warning(name: MessageName, at: SourcePosition, ...args: string[]): void {
    this.error(name, at, ...args);
  }

  /** Marks a span (1-based line/column, end exclusive) where tsc reported an error. */
  quietBetween(file: string, from: { line: number; column: number }, to: { line: number; column: number }): void {
    this.quiet.push({ file, from: from.line * 100000 + from.column, to: to.line * 100000 + to.column });
  }

  private add(diagnostic: Diagnostic): void {
    if (diagnostic.code !== Messages.TypeScriptError.code) {
      const at = diagnostic.line * 100000 + diagnostic.column;
      if (this.quiet.some((q) => q.file === diagnostic.file && q.from <= at && at < Math.max(q.to, q.from + 1))) return;
    }
    if (this.captures.length > 0) {
      this.captures[this.captures.length - 1].push(diagnostic);
      return;
    }
    // The same complaint at the same place once is enough (a node can be visited on two paths).
    const key = `${diagnostic.code}:${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.diagnostics.push(diagnostic);
  }

  /** Starts buffering diagnostics (nested captures are allowed). */
  capture(): void {
    this.captures.push([]);
  }

  /** Ends the innermost capture; `keep` replays what it buffered, otherwise it is dropped. Returns it. */
  release(keep: boolean): Diagnostic[] {
    const buffered = this.captures.pop() ?? [];
    if (keep) for (const d of buffered) this.add(d);
    return buffered;
  }

  /** Takes back a reported diagnostic (one mistake that two checks reported). */
  remove(diagnostic: Diagnostic): void {
    const i = this.diagnostics.indexOf(diagnostic);
    if (i >= 0) this.diagnostics.splice(i, 1);
  }

  /** The errors reported so far (warnings do not count). */
  get count(): number {
    return this.diagnostics.filter((d) => d.category === "error").length;
  }
}

export function formatDiagnostic(d: Diagnostic, relativeTo: string = process.cwd()): string {
  const file = path.isAbsolute(d.file) ? path.relative(relativeTo, d.file) || d.file : d.file;
  const head = `${file}(${d.line},${d.column}): ${d.category ?? "error"} TSB${d.code}: ${d.message}`;
  return d.suggestion ? `${head}\n  suggestion: ${d.suggestion}` : head;
}

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}
