/**
 * Loads a subset program as checked Node: the JavaScript that compiler/emit-js.ts emits from the program's
 * IR, which computes what the TypeScript computes and traps (TrapError) where the C traps. Builds are cached
 * under build/checked/<module>-<hash>/, the hash covering the program's files (found by following relative
 * imports), the runtime and the compiler, so a warm run needs no compiler at all.
 *
 * TSBOOT_NODE_CHECKED=0 loads the TypeScript itself instead (plain Node), for comparison.
 */
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { cachedFile, programHash, REPO_ROOT } from "./build-cache";

export { REPO_ROOT };

/** True unless TSBOOT_NODE_CHECKED=0: Node test harnesses run the checked build by default. */
export function checkedNodeEnabled(): boolean {
  return process.env.TSBOOT_NODE_CHECKED !== "0";
}

/** Writes the checked build of `entry` (if the cache has none) and returns the module's path. */
export async function buildChecked(entry: string): Promise<string> {
  const base = path.basename(entry).replace(/\.tsx?$/, "");
  return cachedFile("checked", entry, `${base}.checked.mjs`, async () => {
    // The compiler (ts-morph) takes seconds to load: only a cache miss pays for it.
    const { compileProgram, formatAll } = await import("./index");
    const dir = path.join(REPO_ROOT, "build", "checked", `${base}-${programHash(entry)}`);
    const result = compileProgram({ entry, sourceRoot: REPO_ROOT, checkedJs: { outDir: dir } });
    if (!result.ok) throw new Error(`checked Node: ${path.relative(REPO_ROOT, entry)} does not compile:\n${formatAll(result)}`);
    return result.files.find((f) => f.name.endsWith(".checked.mjs"))!.text;
  });
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
