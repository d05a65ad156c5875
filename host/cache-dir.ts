/**
 * Where tsboot keeps what it builds for reuse (the host simulators): build/ in a clone of tsboot, and the
 * project's node_modules/.cache/tsboot when tsboot is a dependency (its own folder may be read-only or shared
 * between projects). TSBOOT_CACHE_DIR overrides both.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TSBOOT_CACHE_DIR) return path.resolve(env.TSBOOT_CACHE_DIR);
  const inNodeModules = PACKAGE_ROOT.split(path.sep).includes("node_modules");
  return inNodeModules ? path.join(process.cwd(), "node_modules", ".cache", "tsboot") : path.join(PACKAGE_ROOT, "build");
}
