/**
 * Loads a subset program as checked Node: the JavaScript that compiler/emit-js.ts emits from the program's
 * IR, which computes what the TypeScript computes and traps (TrapError) where the C traps. Builds are cached
 * under build/checked/<module>-<hash>/, the hash covering the program's files (found by following relative
 * imports), the runtime and the compiler, so a warm run needs no compiler at all.
 *
 * TSBOOT_NODE_CHECKED=0 loads the TypeScript itself instead (plain Node), for comparison.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CACHE_DIR = path.join(REPO_ROOT, "build", "checked");

/** True unless TSBOOT_NODE_CHECKED=0: Node test harnesses run the checked build by default. */
export function checkedNodeEnabled(): boolean {
  return process.env.TSBOOT_NODE_CHECKED !== "0";
}

/** The program's files: the entry and every .ts file reachable by relative imports (a superset is fine). */
function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || !fs.existsSync(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, "utf8");
    for (const m of text.matchAll(/\bfrom\s+["'](\.{1,2}\/[^"']+)["']/g)) {
      const base = path.resolve(path.dirname(file), m[1]);
      for (const candidate of [base, `${base}.ts`, path.join(base, "index.ts")]) {
        if (candidate.endsWith(".ts") && fs.existsSync(candidate)) {
          visit(candidate);
          break;
        }
      }
    }
  };
  visit(path.resolve(entry));
  return [...seen];
}

function filesUnder(dir: string, keep: (f: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, keep));
    else if (keep(e.name)) out.push(p);
  }
  return out;
}

function buildHash(entry: string): string {
  const h = createHash("sha256");
  const inputs = new Set([...importClosure(entry), ...filesUnder(path.join(REPO_ROOT, "compiler"), (f) => f.endsWith(".ts")), ...filesUnder(path.join(REPO_ROOT, "runtime"), (f) => f.endsWith(".ts"))]);
  for (const f of [...inputs].sort()) {
    h.update(path.relative(REPO_ROOT, f)).update("\0").update(fs.readFileSync(f)).update("\0");
  }
  return h.digest("hex").slice(0, 16);
}

/** Writes the checked build of `entry` (if the cache has none) and returns the module's path. */
export async function buildChecked(entry: string): Promise<string> {
  const base = path.basename(entry).replace(/\.tsx?$/, "");
  const dir = path.join(CACHE_DIR, `${base}-${buildHash(entry)}`);
  const existing = fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => f.endsWith(".checked.mjs")) : undefined;
  if (existing) return path.join(dir, existing);
  // The compiler (ts-morph) takes seconds to load: only a cache miss pays for it.
  const { compileProgram, formatAll } = await import("./index");
  const result = compileProgram({ entry, sourceRoot: REPO_ROOT, checkedJs: { outDir: dir } });
  if (!result.ok) throw new Error(`checked Node: ${path.relative(REPO_ROOT, entry)} does not compile:\n${formatAll(result)}`);
  const js = result.files.find((f) => f.name.endsWith(".checked.mjs"))!;
  fs.mkdirSync(dir, { recursive: true });
  // Written beside and renamed, so a parallel test process never imports half a file.
  const tmp = path.join(dir, `.${js.name}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, js.text);
  fs.renameSync(tmp, path.join(dir, js.name));
  return path.join(dir, js.name);
}

/**
 * The module of a subset program, checked (default) or the TypeScript itself (TSBOOT_NODE_CHECKED=0).
 * `plain` imports the TypeScript from the caller's side, so its module identity is the caller's.
 */
export async function importProgram<T>(entry: string, plain: () => Promise<T>): Promise<T> {
  if (!checkedNodeEnabled()) return plain();
  const file = await buildChecked(entry);
  return (await import(/* @vite-ignore */ pathToFileURL(file).href)) as T;
}
