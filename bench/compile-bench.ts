/**
 * tsboot benchmarks (a script, not a test: nothing here asserts a timing). Run with `npm run bench`
 * (= `node bin/run-ts.mjs bench/compile-bench.ts`); extra arguments are entry files to time instead of the
 * default example programs, and `--warm N` sets the number of warm compiles (default 10).
 *
 * (a) Compile time of the example programs: cold = the first compileProgram() call in a fresh process (one
 *     child process per program, so each one is cold), warm = the median of the next N calls in that process.
 *     The time to import the compiler module is printed separately.
 * (b) Code size: arm-none-eabi-gcc -Os -mcpu=cortex-m4 -mthumb -ffunction-sections .text of the compiled
 *     subset CRC-32 and SHA-256 (bootloader-ts/lib) next to the hand-written C in bench/reference-c, and the
 *     ratio against the target <= 1.05.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const COMPILER_INDEX = path.join(ROOT, "compiler", "index.ts");
const RT_DIR = path.join(ROOT, "compiler", "c");
const REFERENCE_DIR = path.join(ROOT, "bench", "reference-c");
const TARGET_RATIO = 1.05;
const GCC = "arm-none-eabi-gcc";
const SIZE = "arm-none-eabi-size";
const GCC_FLAGS = ["-Os", "-mcpu=cortex-m4", "-mthumb", "-ffunction-sections"];

/** The modules whose size is compared: subset source, hand-written C. */
const SIZE_PAIRS = [
  { name: "CRC-32", subset: "bootloader-ts/lib/crc32.ts", reference: "crc32.c" },
  { name: "SHA-256", subset: "bootloader-ts/lib/sha256.ts", reference: "sha256.c" },
];

// The compiler's API as the brief describes it (compiler/index.ts); declared here so that this script
// does not depend on the compiler's files while they are being written.
interface BenchDiagnostic {
  code?: number;
  file?: string;
  line?: number;
  column?: number;
  message?: string;
  suggestion?: string;
}
interface CompileResult {
  ok: boolean;
  diagnostics: BenchDiagnostic[];
  files: { name: string; text: string }[];
}
type CompileProgram = (options: { entry: string }) => CompileResult;

async function loadCompiler(): Promise<CompileProgram> {
  const mod = (await import(pathToFileURL(COMPILER_INDEX).href)) as { compileProgram?: CompileProgram };
  if (typeof mod.compileProgram !== "function") throw new Error("compiler/index.ts does not export compileProgram");
  return mod.compileProgram;
}

function formatDiagnostic(d: BenchDiagnostic): string {
  const file = d.file ? path.relative(ROOT, d.file) || d.file : "?";
  const where = d.line !== undefined ? `${file}(${d.line},${d.column ?? 0})` : file;
  const code = d.code !== undefined ? ` TSB${d.code}` : "";
  const head = `${where}: error${code}: ${d.message ?? JSON.stringify(d)}`;
  return d.suggestion ? `${head}\n      suggestion: ${d.suggestion}` : head;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

// ---------------------------------------------------------------------------------------------------------
// (a) compile time

interface TimingResult {
  entry: string;
  importMs: number;
  coldMs: number;
  warmMs: number[];
  ok: boolean;
  diagnostics: number;
}

/** Child mode: import the compiler, compile `entry` once cold and `warm` more times, print JSON. */
async function timingChild(entry: string, warm: number): Promise<void> {
  const t0 = performance.now();
  const compileProgram = await loadCompiler();
  const t1 = performance.now();
  const first = compileProgram({ entry });
  const t2 = performance.now();
  const warmMs: number[] = [];
  for (let i = 0; i < warm; i++) {
    const s = performance.now();
    compileProgram({ entry });
    warmMs.push(performance.now() - s);
  }
  const result: TimingResult = {
    entry,
    importMs: t1 - t0,
    coldMs: t2 - t1,
    warmMs,
    ok: first.ok,
    diagnostics: first.diagnostics.length,
  };
  process.stdout.write("BENCH-RESULT " + JSON.stringify(result) + "\n");
}

function listTs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listTs(full));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts") && !name.endsWith(".test.ts")) out.push(full);
  }
  return out;
}

/** The example programs: examples/**.ts, bootloader-ts/main.ts when they exist, and the two lib modules. */
function defaultPrograms(): string[] {
  const programs = [...listTs(path.join(ROOT, "examples"))];
  const main = path.join(ROOT, "bootloader-ts", "main.ts");
  if (existsSync(main)) programs.push(main);
  for (const p of SIZE_PAIRS) programs.push(path.join(ROOT, p.subset));
  return programs;
}

function compileTimes(programs: string[], warm: number): void {
  console.log("== (a) compile time (cold = first compileProgram() in a fresh process; warm = median of the next " +
    `${warm}) ==`);
  if (!existsSync(COMPILER_INDEX)) {
    console.log("compiler not available yet (compiler/index.ts is missing): no compile times.\n");
    return;
  }
  const rows: string[][] = [];
  for (const entry of programs) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), "--time-child", entry, String(warm)],
      { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 },
    );
    const line = child.stdout.split("\n").find((l) => l.startsWith("BENCH-RESULT "));
    const rel = path.relative(ROOT, entry);
    if (!line) {
      const why = (child.stderr || child.stdout || `exit ${child.status}`).trim().split("\n").slice(0, 6).join("\n    ");
      rows.push([rel, "-", "-", "-", "failed: see below"]);
      console.log(`  ${rel}: the compiler threw or did not load:\n    ${why}`);
      continue;
    }
    const r = JSON.parse(line.slice("BENCH-RESULT ".length)) as TimingResult;
    rows.push([
      rel,
      ms(r.importMs),
      ms(r.coldMs),
      r.warmMs.length ? ms(median(r.warmMs)) : "-",
      r.ok ? "ok" : `${r.diagnostics} diagnostic(s)`,
    ]);
  }
  console.log(table(["program", "import", "cold", "warm (median)", "result"], rows));
  console.log();
}

// ---------------------------------------------------------------------------------------------------------
// (b) code size

function have(tool: string): boolean {
  const r = spawnSync(tool, ["--version"], { encoding: "utf8" });
  return !r.error && r.status === 0;
}

interface ObjectSize {
  text: number;
  rodata: number;
  /** .text.<function> sections (with -ffunction-sections), name → bytes. */
  functions: Map<string, number>;
}

function compileObject(cFile: string, includeDirs: string[], outDir: string): ObjectSize | string {
  const obj = path.join(outDir, path.basename(cFile).replace(/\.c$/, "") + `-${Math.random().toString(36).slice(2)}.o`);
  const cc = spawnSync(GCC, [...GCC_FLAGS, ...includeDirs.map((d) => `-I${d}`), "-c", cFile, "-o", obj], {
    encoding: "utf8",
  });
  if (cc.status !== 0) return `${GCC} failed on ${path.basename(cFile)}:\n${(cc.stderr || cc.stdout).trim()}`;
  const sz = spawnSync(SIZE, ["-A", obj], { encoding: "utf8" });
  if (sz.status !== 0) return `${SIZE} failed: ${sz.stderr.trim()}`;
  const result: ObjectSize = { text: 0, rodata: 0, functions: new Map() };
  for (const line of sz.stdout.split("\n")) {
    const m = /^(\.\S+)\s+(\d+)\s+\d+/.exec(line.trim());
    if (!m) continue;
    const [, section, bytes] = m;
    const n = Number(bytes);
    if (section === ".text" || section.startsWith(".text.")) {
      result.text += n;
      if (section.startsWith(".text.") && n > 0) result.functions.set(section.slice(6), n);
    } else if (section === ".rodata" || section.startsWith(".rodata.")) {
      result.rodata += n;
    }
  }
  return result;
}

function addSizes(parts: ObjectSize[]): ObjectSize {
  const total: ObjectSize = { text: 0, rodata: 0, functions: new Map() };
  for (const p of parts) {
    total.text += p.text;
    total.rodata += p.rodata;
    for (const [k, v] of p.functions) total.functions.set(k, (total.functions.get(k) ?? 0) + v);
  }
  return total;
}

/** Compiles a subset module with the tsboot compiler, then its C files with arm-none-eabi-gcc. */
async function subsetSize(
  compileProgram: CompileProgram,
  entry: string,
  work: string,
): Promise<{ size?: ObjectSize; problem?: string }> {
  let result: CompileResult;
  try {
    result = compileProgram({ entry });
  } catch (e) {
    return { problem: `compileProgram threw: ${e instanceof Error ? e.stack ?? e.message : String(e)}` };
  }
  if (!result.ok) {
    return {
      problem: `${result.diagnostics.length} diagnostic(s):\n` +
        result.diagnostics.map((d) => "    " + formatDiagnostic(d)).join("\n"),
    };
  }
  const dir = mkdtempSync(path.join(work, path.basename(entry, ".ts") + "-"));
  for (const f of result.files) {
    const target = path.join(dir, path.basename(f.name));
    writeFileSync(target, f.text);
  }
  const cFiles = result.files.map((f) => path.basename(f.name)).filter((n) => n.endsWith(".c"));
  if (cFiles.length === 0) return { problem: "the compiler wrote no .c file" };
  const parts: ObjectSize[] = [];
  for (const c of cFiles) {
    const r = compileObject(path.join(dir, c), [dir, RT_DIR], dir);
    if (typeof r === "string") return { problem: r };
    parts.push(r);
  }
  return { size: addSizes(parts) };
}

async function codeSizes(): Promise<void> {
  console.log(`== (b) code size: ${GCC} ${GCC_FLAGS.join(" ")} ==`);
  if (!have(GCC) || !have(SIZE)) {
    console.log(`${GCC} / ${SIZE} not found: install the ARM toolchain with \`apt-get install gcc-arm-none-eabi\` ` +
      "(binutils-arm-none-eabi comes with it), then run `npm run bench` again.\n");
    return;
  }
  const work = mkdtempSync(path.join(tmpdir(), "tsboot-bench-"));
  try {
    let compileProgram: CompileProgram | undefined;
    let compilerNote = "";
    if (!existsSync(COMPILER_INDEX)) {
      compilerNote = "compiler not available yet (compiler/index.ts is missing): subset sizes not measured.";
    } else {
      try {
        compileProgram = await loadCompiler();
      } catch (e) {
        compilerNote = `compiler did not load: ${e instanceof Error ? e.message : String(e)}`;
      }
    }

    const rows: string[][] = [];
    const details: string[] = [];
    const problems: string[] = [];
    for (const pair of SIZE_PAIRS) {
      const ref = compileObject(path.join(REFERENCE_DIR, pair.reference), [RT_DIR], work);
      if (typeof ref === "string") {
        problems.push(`${pair.name} reference: ${ref}`);
        rows.push([pair.name, "-", "-", "-", "-", "-", "-"]);
        continue;
      }
      let sub: ObjectSize | undefined;
      if (compileProgram) {
        const r = await subsetSize(compileProgram, path.join(ROOT, pair.subset), work);
        if (r.problem) problems.push(`${pair.subset}: ${r.problem}`);
        sub = r.size;
      }
      const ratio = sub ? sub.text / ref.text : undefined;
      rows.push([
        pair.name,
        sub ? String(sub.text) : "n/a",
        String(ref.text),
        ratio !== undefined ? ratio.toFixed(3) : "n/a",
        ratio !== undefined ? (ratio <= TARGET_RATIO ? "yes" : "NO") : "n/a",
        sub ? String(sub.rodata) : "n/a",
        String(ref.rodata),
      ]);
      const names = new Set([...(sub?.functions.keys() ?? []), ...ref.functions.keys()]);
      for (const fn of [...names].sort()) {
        details.push(`  ${pair.name.padEnd(8)} ${fn.padEnd(28)} subset ${String(sub?.functions.get(fn) ?? "-").padStart(5)}` +
          `   hand-written ${String(ref.functions.get(fn) ?? "-").padStart(5)}`);
      }
    }
    console.log(table(
      ["module", "subset .text", "hand-written .text", "ratio", `<= ${TARGET_RATIO}`, "subset .rodata", "hand-written .rodata"],
      rows,
    ));
    if (compilerNote) console.log(compilerNote);
    console.log("\nper function (.text.<name> bytes; static helpers may be inlined differently on each side):");
    console.log(details.join("\n"));
    for (const p of problems) console.log(`\n${p}`);
    console.log();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--time-child") {
    await timingChild(args[1], Number(args[2] ?? "10"));
    return;
  }
  let warm = 10;
  const entries: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--warm") warm = Number(args[++i]);
    else entries.push(path.resolve(args[i]));
  }
  console.log(`tsboot bench (node ${process.version}, ${process.platform}/${process.arch})\n`);
  compileTimes(entries.length ? entries : defaultPrograms(), warm);
  await codeSizes();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
