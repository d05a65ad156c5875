/**
 * Content hashes for what the compiler generates outside a full build (the checked JavaScript, the port
 * header for C tests): a hash of the program's files (found by following relative imports: a superset is
 * fine), the runtime and the compiler, so a warm run reuses its output without loading the compiler.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The program's files: the entry and every .ts file reachable by relative imports. */
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

export function programHash(entry: string): string {
  const h = createHash("sha256");
  const compilerFiles = filesUnder(path.join(REPO_ROOT, "compiler"), (f) => f.endsWith(".ts") || f.endsWith(".json") || f.endsWith(".h"));
  const inputs = new Set([...importClosure(entry), ...compilerFiles, ...filesUnder(path.join(REPO_ROOT, "runtime"), (f) => f.endsWith(".ts"))]);
  for (const f of [...inputs].sort()) {
    h.update(path.relative(REPO_ROOT, f)).update("\0").update(fs.readFileSync(f)).update("\0");
  }
  return h.digest("hex").slice(0, 16);
}

/** Writes `name` into build/<kind>/<base>-<hash>/ unless it is there, atomically; returns its path. */
export async function cachedFile(kind: string, entry: string, name: string, produce: () => Promise<string>): Promise<string> {
  const dir = path.join(REPO_ROOT, "build", kind, `${path.basename(entry).replace(/\.tsx?$/, "")}-${programHash(entry)}`);
  const file = path.join(dir, name);
  if (fs.existsSync(file)) return file;
  const text = await produce();
  fs.mkdirSync(dir, { recursive: true });
  // Written beside and renamed, so a parallel test process never reads half a file.
  const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
  return file;
}

/**
 * The tsboot_port.h generated from `entry`'s @extern declarations (default: the bootloader), in a directory
 * of its own, for C builds and tests of the ports that do not go through host/build (`-I<dir>`).
 */
export async function portHeaderDir(entry = path.join(REPO_ROOT, "bootloader-ts/main.ts")): Promise<string> {
  const file = await cachedFile("port-header", entry, "tsboot_port.h", async () => {
    const { compileProgram, formatAll } = await import("./index");
    const result = compileProgram({ entry, sourceRoot: REPO_ROOT, portFiles: true });
    if (!result.ok) throw new Error(`tsboot_port.h: ${path.relative(REPO_ROOT, entry)} does not compile:\n${formatAll(result)}`);
    return result.files.find((f) => f.name === "tsboot_port.h")!.text;
  });
  return path.dirname(file);
}
