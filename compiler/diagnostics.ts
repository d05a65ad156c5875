/**
 * Diagnostics as data: a code from diagnostic-messages.ts, a position, the filled-in message and a
 * suggested rewrite, printed like tsc's: `file(line,col): error TSB1001: message`.
 */
import * as path from "node:path";
import { Messages, MessageName } from "./diagnostic-messages";

export interface Diagnostic {
  readonly code: number;
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

export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];
  private readonly seen = new Set<string>();

  error(name: MessageName, at: SourcePosition, ...args: string[]): void {
    const template = Messages[name];
    const diagnostic: Diagnostic = {
      code: template.code,
      file: at.file,
      line: at.line,
      column: at.column,
      message: fill(template.message, args),
      suggestion: fill(template.suggestion, args),
    };
    // The same complaint at the same place once is enough (a node can be visited on two paths).
    const key = `${diagnostic.code}:${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.diagnostics.push(diagnostic);
  }

  get count(): number {
    return this.diagnostics.length;
  }
}

export function formatDiagnostic(d: Diagnostic, relativeTo: string = process.cwd()): string {
  const file = path.isAbsolute(d.file) ? path.relative(relativeTo, d.file) || d.file : d.file;
  const head = `${file}(${d.line},${d.column}): error TSB${d.code}: ${d.message}`;
  return d.suggestion ? `${head}\n  suggestion: ${d.suggestion}` : head;
}

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}
