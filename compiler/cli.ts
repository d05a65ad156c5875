/**
 * `tsboot compile <entry.ts> -o <dir>` writes <module>.c, <module>.h and
 * tsboot_rt.h; diagnostics go to stderr in tsc's format and any error exits non-zero.
 */
import * as path from "node:path";
import { compileToDirectory, formatAll } from "./index";

const USAGE = "usage: tsboot compile <entry.ts> -o <dir> [--no-line]";

/** `tsboot compile`: translate a subset program into C (docs/subset.md). */
export function compileCommand(args: string[]): number {
  let entry: string | undefined;
  let outDir: string | undefined;
  let lineDirectives = true;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--help" || a === "-h") {
      process.stdout.write(USAGE + "\n");
      return 0;
    }
    if (a === "-o" || a === "--out") outDir = args[++i];
    else if (a === "--no-line") lineDirectives = false;
    else if (a.startsWith("-")) {
      process.stderr.write(`tsboot compile: unknown option '${a}'\n${USAGE}\n`);
      return 2;
    } else entry = a;
  }
  if (!entry || !outDir) {
    process.stderr.write(`tsboot compile: needs an entry file and -o <dir>\n${USAGE}\n`);
    return 2;
  }
  const result = compileToDirectory({ entry, outDir, lineDirectives, sourceRoot: process.cwd() });
  if (!result.ok) {
    process.stderr.write(formatAll(result) + "\n");
    process.stderr.write(`tsboot: ${result.diagnostics.length} error(s); no C written.\n`);
    return 1;
  }
  process.stdout.write(`tsboot: wrote ${result.files.map((f) => path.join(outDir!, f.name)).join(", ")}\n`);
  return 0;
}
