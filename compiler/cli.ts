/**
 * The compiler's commands:
 *   tsboot compile <entry.ts> -o <dir>   writes <module>.c, <module>.h, tsboot_rt.h (and --checked-js, --port)
 *   tsboot check <entry.ts>… [--watch]    reports the diagnostics only; --watch re-checks on every change,
 *                                         printing tsc-watch's start/end lines so editors can run it as a task
 * Diagnostics go to stderr (check: stdout) in tsc's format; an error exits non-zero, warnings do not
 * unless --warnings-as-errors.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { compileProgram, compileToDirectory, formatAll, type CompileResult } from "./index";
import { type Diagnostic, formatDiagnostic } from "./diagnostics";

const USAGE = "usage: tsboot compile <entry.ts> -o <dir> [--no-line] [--warnings-as-errors] [--checked-js] [--port]";
const CHECK_USAGE = "usage: tsboot check <entry.ts>... [--watch] [--warnings-as-errors]";

function summary(result: CompileResult): { errors: number; warnings: number } {
  const errors = result.diagnostics.filter((d) => d.category === "error").length;
  return { errors, warnings: result.diagnostics.length - errors };
}

/** `tsboot compile`: translate a subset program into C (docs/subset.md). */
export function compileCommand(args: string[]): number {
  let entry: string | undefined;
  let outDir: string | undefined;
  let lineDirectives = true;
  let warningsAsErrors = false;
  let checkedJs = false;
  let portFiles = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--help" || a === "-h") {
      process.stdout.write(USAGE + "\n");
      return 0;
    }
    if (a === "-o" || a === "--out") outDir = args[++i];
    else if (a === "--no-line") lineDirectives = false;
    else if (a === "--warnings-as-errors") warningsAsErrors = true;
    else if (a === "--checked-js") checkedJs = true;
    else if (a === "--port") portFiles = true;
    else if (a.startsWith("-")) {
      process.stderr.write(`tsboot compile: unknown option '${a}'\n${USAGE}\n`);
      return 2;
    } else entry = a;
  }
  if (!entry || !outDir) {
    process.stderr.write(`tsboot compile: needs an entry file and -o <dir>\n${USAGE}\n`);
    return 2;
  }
  const result = compileToDirectory({ entry, outDir, lineDirectives, sourceRoot: process.cwd(), warningsAsErrors, checkedJs, portFiles });
  const { errors, warnings } = summary(result);
  if (result.diagnostics.length > 0) process.stderr.write(formatAll(result) + "\n");
  if (!result.ok) {
    process.stderr.write(`tsboot: ${errors} error(s)${warnings ? `, ${warnings} warning(s)` : ""}; no C written.\n`);
    return 1;
  }
  process.stdout.write(`tsboot: wrote ${result.files.map((f) => path.join(outDir!, f.name)).join(", ")}${warnings ? ` (${warnings} warning(s))` : ""}\n`);
  return 0;
}

/** tsc's watch-mode time stamp, so editors' tsc-watch problem matchers see where a run begins and ends. */
function stamp(): string {
  return `[${new Date().toLocaleTimeString("en-US")}]`;
}

export interface CheckOptions {
  /** Where the report goes (default stdout). */
  write?: (text: string) => void;
  /** Ends --watch (default: SIGINT). */
  signal?: AbortSignal;
  /**
   * Diagnostics of later stages for an entry, reported with the compiler's (`tsboot check` passes the
   * product-hook checks of host/build/product-hooks.ts, which the compiler alone does not know).
   */
  moreDiagnostics?: (entry: string) => Diagnostic[];
}

/** `tsboot check`: the diagnostics of one or more programs, once or on every change (--watch). */
export async function checkCommand(args: string[], options: CheckOptions = {}): Promise<number> {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const entries: string[] = [];
  let watch = false;
  let warningsAsErrors = false;
  for (const a of args) {
    if (a === "--help" || a === "-h") {
      process.stdout.write(CHECK_USAGE + "\n");
      return 0;
    }
    if (a === "--watch" || a === "-w") watch = true;
    else if (a === "--warnings-as-errors") warningsAsErrors = true;
    else if (a.startsWith("-")) {
      process.stderr.write(`tsboot check: unknown option '${a}'\n${CHECK_USAGE}\n`);
      return 2;
    } else entries.push(a);
  }
  if (entries.length === 0) {
    process.stderr.write(`tsboot check: needs an entry file\n${CHECK_USAGE}\n`);
    return 2;
  }
  const run = (): { failed: boolean; sources: Set<string> } => {
    let errors = 0;
    let warnings = 0;
    const sources = new Set<string>(entries.map((e) => path.resolve(e)));
    const seen = new Set<string>();
    for (const entry of entries) {
      const result = compileProgram({ entry, sourceRoot: process.cwd(), warningsAsErrors });
      for (const s of result.sources) sources.add(s);
      for (const d of [...result.diagnostics, ...(options.moreDiagnostics?.(entry) ?? [])]) {
        // Programs that share files report a shared file's diagnostics once.
        const text = formatDiagnostic(d);
        if (seen.has(text)) continue;
        seen.add(text);
        write(text + "\n");
        if (d.category === "error" || warningsAsErrors) errors++;
        else warnings++;
      }
    }
    const found = `Found ${errors} error${errors === 1 ? "" : "s"}${warnings ? ` and ${warnings} warning${warnings === 1 ? "" : "s"}` : ""}.`;
    write(watch ? `${stamp()} ${found} Watching for file changes.\n` : `tsboot check: ${found}\n`);
    return { failed: errors > 0, sources };
  };
  if (!watch) return run().failed ? 1 : 0;

  write(`${stamp()} Starting compilation in watch mode...\n`);
  let watched = new Map<string, fs.FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  const again = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      write(`${stamp()} File change detected. Starting incremental compilation...\n`);
      rewatch(run().sources);
    }, 100);
  };
  // Directories, not files: editors often save by writing a new file and renaming it over the old one.
  const rewatch = (sources: Set<string>) => {
    const dirs = new Set([...sources].map((f) => path.dirname(f)));
    const next = new Map<string, fs.FSWatcher>();
    for (const dir of dirs) {
      const existing = watched.get(dir);
      if (existing) next.set(dir, existing);
      else if (fs.existsSync(dir)) next.set(dir, fs.watch(dir, (_, name) => {
        if (name && /\.tsx?$/.test(String(name))) again();
      }));
    }
    for (const [dir, w] of watched) if (!next.has(dir)) w.close();
    watched = next;
  };
  rewatch(run().sources);
  // Runs until interrupted; the watchers keep the process alive.
  return new Promise<number>((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      for (const w of watched.values()) w.close();
      resolve(0);
    };
    if (options.signal) options.signal.addEventListener("abort", stop, { once: true });
    else process.once("SIGINT", stop);
  });
}
