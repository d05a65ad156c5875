/**
 * Builds the host simulator: bootloader-ts/main.ts compiled to C (compiler/index.ts compileToDirectory),
 * the board's accessors (board-c.ts) and hal-bindings/host/*.c, linked by the host gcc into one program.
 * Builds are cached under build/host-sim/<board>-<hash>/, the hash covering every input (the TypeScript the
 * compiler reads, the compiler itself, the C sources, the board layout, the flags and the gcc version).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import type { BoardLayout } from "../../hal-bindings/sim/board-layout";
import { boardLayoutToC, checkLayout, loadBoardLayout } from "./board-c";
import { cacheRoot } from "../cache-dir";
import { entryFunctionC } from "../build/entry";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const HOST_SIM_DIR = path.join(REPO_ROOT, "hal-bindings/host");
export const CACHE_DIR = path.join(cacheRoot(), "host-sim");
export const ENTRY = path.join(REPO_ROOT, "bootloader-ts/main.ts");
export const CFLAGS = ["-std=c11", "-O1", "-Wall", "-Wextra", "-Wconversion", "-Werror"] as const;
export const BINARY_NAME = "tsboot-sim";

export interface BuildOptions {
  /** A board name (boards/<name>.json) or a layout. */
  board: string | BoardLayout;
  /** Where to build; default build/host-sim/<board>-<hash>/. A directory holding the same build is reused. */
  outDir?: string;
  /** gcc to use (default "gcc"). */
  cc?: string;
  /** Told when a build starts (not on a cache hit): building takes a few seconds. */
  onBuild?: (message: string) => void;
  /** A product's own entry (default bootloader-ts/main.ts), its entry function's C name, its C files. */
  product?: ProductSources;
  /** -Og -g3 instead of -O1, for gdb (the #line directives map the C back to the .ts). */
  debug?: boolean;
}

export interface ProductSources {
  entry: string;
  /** The function the simulator starts, exported by the entry (default bootloaderMain). */
  entryFunction?: string;
  extraC?: string[];
  includeDirs?: string[];
  /** Generated headers (tsboot_product.h) written beside the generated C. */
  headers?: Record<string, string>;
}

export interface HostSim {
  binary: string;
  outDir: string;
  layout: BoardLayout;
  hash: string;
  cached: boolean;
}

export class HostSimBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HostSimBuildError";
  }
}

/** Every input file of the build: what the compiler reads, the compiler, and the host C. */
function inputFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string, keep: (f: string) => boolean) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, keep);
      else if (keep(e.name)) out.push(p);
    }
  };
  const ts = (f: string) => f.endsWith(".ts");
  walk(path.join(REPO_ROOT, "bootloader-ts"), ts);
  walk(path.join(REPO_ROOT, "runtime"), ts);
  walk(path.join(REPO_ROOT, "compiler"), (f) => ts(f) || f.endsWith(".h") || f.endsWith(".c"));
  for (const f of fs.readdirSync(path.join(REPO_ROOT, "hal-bindings"))) if (ts(f)) out.push(path.join(REPO_ROOT, "hal-bindings", f));
  walk(HOST_SIM_DIR, (f) => f.endsWith(".c") || f.endsWith(".h"));
  out.push(path.join(REPO_ROOT, "hal-bindings/sim/flash-timing.ts")); // generated into board.c
  out.push(fileURLToPath(import.meta.url), path.join(path.dirname(fileURLToPath(import.meta.url)), "board-c.ts"));
  out.push(path.join(REPO_ROOT, "host/build/product-hooks.ts")); // writes tsboot_product_hooks.c
  return out.sort();
}

let gccVersion: string | null = null;
function ccVersion(cc: string): string {
  if (gccVersion === null) {
    try {
      gccVersion = execFileSync(cc, ["--version"], { encoding: "utf8" }).split("\n")[0];
    } catch {
      throw new HostSimBuildError(`${cc} not found: the host simulator is built with the host C compiler (apt-get install gcc)`);
    }
  }
  return gccVersion;
}

/** A product's files: every .ts beside its entry (and below), its C files, the headers in its include folders. */
function productFiles(product: ProductSources | undefined): string[] {
  if (!product) return [];
  const out: string[] = [];
  const walk = (dir: string, keep: (f: string) => boolean, depth: number) => {
    if (!fs.existsSync(dir) || depth > 4) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== "node_modules" && !e.name.startsWith(".")) walk(p, keep, depth + 1);
      else if (e.isFile() && keep(e.name)) out.push(p);
    }
  };
  walk(path.dirname(path.resolve(product.entry)), (f) => f.endsWith(".ts"), 0);
  for (const d of product.includeDirs ?? []) walk(path.resolve(d), (f) => f.endsWith(".h"), 3);
  out.push(...(product.extraC ?? []).map((f) => path.resolve(f)));
  return [...new Set(out)].sort();
}

export function buildHash(layout: BoardLayout, cc = "gcc", product?: ProductSources, debug = false): string {
  const h = createHash("sha256");
  h.update(JSON.stringify({ layout, cflags: CFLAGS, cc: ccVersion(cc), product: product ?? null, debug }));
  for (const f of [...inputFiles(), ...productFiles(product)]) {
    h.update(path.relative(REPO_ROOT, f));
    h.update("\0");
    h.update(fs.readFileSync(f));
    h.update("\0");
  }
  return h.digest("hex").slice(0, 16);
}

function stampOk(dir: string, hash: string): boolean {
  try {
    return fs.readFileSync(path.join(dir, "build-hash"), "utf8").trim() === hash && fs.statSync(path.join(dir, BINARY_NAME)).isFile();
  } catch {
    return false;
  }
}

async function buildInto(dir: string, layout: BoardLayout, hash: string, cc: string, product?: ProductSources, debug = false): Promise<void> {
  const gen = path.join(dir, "gen");
  fs.mkdirSync(gen, { recursive: true });
  // Loaded here, not at the top: the compiler (ts-morph) takes seconds to load, and a cache hit needs none of it.
  const { compileToDirectory, formatAll } = await import("../../compiler/index");
  const entry = product ? path.resolve(product.entry) : ENTRY;
  const result = compileToDirectory({ entry, outDir: gen, sourceRoot: REPO_ROOT, portFiles: true });
  if (!result.ok) throw new HostSimBuildError(`compiling ${path.relative(process.cwd(), entry)} to C failed:\n${formatAll(result)}`);
  for (const [name, text] of Object.entries(product?.headers ?? {})) fs.writeFileSync(path.join(gen, name), text);
  const { checkProductHooks, productHooksC } = await import("../build/product-hooks");
  try {
    const hooks = productHooksC(checkProductHooks(entry), result.moduleName, fs.readFileSync(path.join(gen, "tsboot_port.h"), "utf8"), path.relative(process.cwd(), entry) || entry);
    fs.writeFileSync(path.join(gen, "tsboot_product_hooks.c"), hooks);
  } catch (e) {
    throw new HostSimBuildError((e as Error).message);
  }
  fs.writeFileSync(path.join(dir, "board.c"), boardLayoutToC(layout));
  const sources = fs
    .readdirSync(HOST_SIM_DIR)
    .filter((f) => f.endsWith(".c"))
    .sort()
    .map((f) => path.join(HOST_SIM_DIR, f));
  const extraC = (product?.extraC ?? []).map((f) => path.resolve(f));
  const userIncludes = [...new Set([...extraC.map((f) => path.dirname(f)), ...(product?.includeDirs ?? []).map((d) => path.resolve(d))])];
  const includes = ["-I", gen, "-I", path.join(REPO_ROOT, "compiler/c"), "-I", HOST_SIM_DIR, "-I", path.join(REPO_ROOT, "hal-bindings/include"),
    ...userIncludes.flatMap((d) => ["-I", d])];
  const cflags: string[] = debug ? [...CFLAGS.map((f) => (f === "-O1" ? "-Og" : f)), "-g3"] : [...CFLAGS];
  // The generated C's extern prototypes must match tsboot_port.h, which the simulation implements.
  const check = await execa(cc, [...cflags, ...includes, "-fsyntax-only", "-include", "tsboot_port.h", path.join(gen, `${result.moduleName}.c`)], { cwd: REPO_ROOT, reject: false, all: true });
  if (check.exitCode !== 0) throw new HostSimBuildError(`the bootloader's bindings do not match the generated tsboot_port.h:\n${check.all}`);
  // A product's entry: sim_main.c (alone) calls it under the core's name.
  let mainObject: string[] = [];
  let entryC = "main_bootloaderMain";
  if (product) {
    try {
      entryC = entryFunctionC(result.moduleName, product.entryFunction ?? "bootloaderMain", result.files, entry);
    } catch (e) {
      throw new HostSimBuildError((e as Error).message);
    }
  }
  if (entryC !== "main_bootloaderMain") {
    const simMain = sources.find((f) => path.basename(f) === "sim_main.c")!;
    const obj = path.join(dir, "sim_main.o");
    const r = await execa(cc, [...cflags, ...includes, `-Dmain_bootloaderMain=${entryC}`, "-c", simMain, "-o", obj], { cwd: REPO_ROOT, reject: false, all: true });
    if (r.exitCode !== 0) throw new HostSimBuildError(`${cc} failed compiling sim_main.c for the entry ${entryC}:\n${r.all}`);
    sources.splice(sources.indexOf(simMain), 1);
    mainObject = [obj];
  }
  const args = [...cflags, ...includes,
    path.join(gen, `${result.moduleName}.c`), path.join(gen, "tsboot_product_hooks.c"), path.join(gen, "tsboot_port_stub.c"), path.join(dir, "board.c"), ...sources, ...extraC, ...mainObject, "-o", path.join(dir, BINARY_NAME)];
  const built = await execa(cc, args, { cwd: REPO_ROOT, reject: false, all: true });
  if (built.exitCode !== 0) {
    throw new HostSimBuildError(`${cc} failed building the host simulator (exit ${built.exitCode}):\n${cc} ${args.join(" ")}\n${built.all}`);
  }
  fs.writeFileSync(path.join(dir, "build-hash"), hash + "\n");
}

/** Keeps the newest few builds of a board: every change to the bootloader or the compiler makes a new one. */
function pruneCache(board: string, keep: string, count = 3): void {
  try {
    const entries = fs
      .readdirSync(CACHE_DIR)
      .filter((e) => new RegExp(`^${board.replace(/[.]/g, "\\.")}-[0-9a-f]{16}$`).test(e))
      .map((e) => path.join(CACHE_DIR, e))
      .filter((e) => e !== keep)
      .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
    for (const old of entries.slice(count - 1)) fs.rmSync(old, { recursive: true, force: true });
  } catch {
    // A cache that cannot be tidied still works.
  }
}

/** Builds (or finds in the cache) the host simulator for a board. */
export async function buildHostSim(options: BuildOptions): Promise<HostSim> {
  const layout = typeof options.board === "string" ? loadBoardLayout(options.board) : options.board;
  checkLayout(layout);
  const cc = options.cc ?? "gcc";
  const hash = buildHash(layout, cc, options.product, options.debug);
  const dir = path.resolve(options.outDir ?? path.join(CACHE_DIR, `${layout.name}-${hash}`));
  const done = (cached: boolean): HostSim => ({ binary: path.join(dir, BINARY_NAME), outDir: dir, layout, hash, cached });
  if (stampOk(dir, hash)) return done(true);
  options.onBuild?.(`building the host simulator for ${layout.name} into ${path.relative(process.cwd(), dir) || dir}`);
  if (options.outDir) {
    await buildInto(dir, layout, hash, cc, options.product, options.debug);
    return done(false);
  }
  // The cache: one build per hash at a time (a lock directory; others wait for its result), built beside
  // the cache entry and renamed into place, so nobody ever sees a half-built one.
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const lock = `${dir}.lock`;
  const deadline = Date.now() + 120_000;
  while (true) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (stampOk(dir, hash)) return done(true);
      let age = 0;
      try {
        age = Date.now() - fs.statSync(lock).mtimeMs;
      } catch {
        continue;
      }
      if (age > 120_000 || Date.now() > deadline) fs.rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (stampOk(dir, hash)) {
    fs.rmSync(lock, { recursive: true, force: true });
    return done(true);
  }
  const tmp = fs.mkdtempSync(path.join(CACHE_DIR, `.${layout.name}-${hash}-`));
  try {
    await buildInto(tmp, layout, hash, cc, options.product, options.debug);
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      if (!stampOk(dir, hash)) throw e;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(lock, { recursive: true, force: true });
  }
  pruneCache(layout.name, dir);
  return done(false);
}
