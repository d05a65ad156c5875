/**
 * Measures the subset's Ed25519 verifier (bootloader-ts/lib/ed25519.ts, with sha512.ts) — a script, not a
 * test: nothing here asserts a figure. `node bin/run-ts.mjs bench/crypto-bench.ts`.
 *
 * (a) Code size for Cortex-M4 (arm-none-eabi-gcc -Os -mcpu=cortex-m4 -mthumb -ffunction-sections
 *     -fdata-sections, linked with --gc-sections around bench/crypto/arm-entry.c, minus an empty baseline):
 *     what one verification pulls into flash (.text + .rodata + .data) and RAM (.data + .bss), next to
 *     Monocypher's crypto_ed25519_check and TweetNaCl's crypto_sign_open built the same way, and SHA-512 alone.
 * (b) Stack: the deepest call chain below the verify function, from GCC's -fstack-usage / -fcallgraph-info
 *     (host/build/stack-depth.ts, as for the bootloader).
 * (c) Time on the host: valgrind --tool=callgrind instruction counts (Ir) of the host build (gcc -Os, x86-64)
 *     verifying a signature over a 256 KB message, split into SHA-512 per byte and the rest (the point
 *     arithmetic), with the same figures for the two C implementations.
 * (d) Time on a Cortex-M4: the ARM build (-Os) under QEMU's netduinoplus2 with -icount shift=0, where SysTick
 *     counts executed Thumb-2 instructions (bench/crypto/qemu-count.c), streaming 256 KB through
 *     verifyUpdate as the bootloader would; then cycles and milliseconds at 100 MHz for a stated range of
 *     cycles per instruction.
 *
 * `--size` runs (a) and (b) only and lists the subset verifier's code and constant symbols; `--cortex-m4` runs (d) only.
 *
 * The C implementations are not part of tsboot and never committed: fetch them outside the repository and
 * name the folder in TSBOOT_CRYPTO_REF, which holds monocypher/ (Monocypher's src/: monocypher.c,
 * optional/monocypher-ed25519.c) and tweetnacl/ (tweetnacl.c, tweetnacl.h). Without it, their columns are
 * skipped with the reason.
 */
import { spawn, spawnSync } from "node:child_process";
import { createPrivateKey, createPublicKey, sign } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { loadBoard } from "../boards/index";
import { generateLinkerScript } from "../boards/linker";
import { generateStartup } from "../boards/startup";
import { compileProgram, formatAll } from "../compiler/index";
import { parseCallGraphs, worstStackDepth } from "../host/build/stack-depth";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RT = path.join(ROOT, "compiler", "c");
const HERE = path.join(ROOT, "bench", "crypto");
const ARM_FLAGS = ["-Os", "-mcpu=cortex-m4", "-mthumb", "-ffunction-sections", "-fdata-sections"];
const HOST_FLAGS = ["-Os", "-std=c11"];
const MESSAGE_BYTES = 256 * 1024;
const REF = process.env.TSBOOT_CRYPTO_REF || undefined;

interface Implementation {
  name: string;
  define: string;
  /** C sources and include folders, or why they are missing. */
  sources?: string[];
  includes?: string[];
  missing?: string;
  /** The verify function: the root of the stack figure. */
  root: string;
  /** Extra flags (warnings the reference code was not written for). */
  flags?: string[];
}

function run(cmd: string, args: string[], options: { cwd?: string; input?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20, ...options });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stderr || r.stdout}`);
  return r.stdout;
}

const have = (tool: string) => !spawnSync(tool, ["--version"]).error;

/** The subset modules as C: ed25519.c (verification, SHA-512 inside) and sha512.c (SHA-512 alone). */
function compileSubset(work: string): string {
  const dir = path.join(work, "subset");
  for (const entry of ["ed25519", "sha512"]) {
    const result = compileProgram({ entry: path.join(ROOT, "bootloader-ts", "lib", `${entry}.ts`), sourceRoot: ROOT, lineDirectives: false });
    if (!result.ok) throw new Error(formatAll(result));
    for (const f of result.files) writeFileSync(path.join(work, "subset-" + f.name), f.text);
  }
  // One folder per module, so that each build sees only its own header.
  for (const entry of ["ed25519", "sha512"]) {
    const sub = path.join(dir, entry);
    spawnSync("mkdir", ["-p", sub]);
    for (const ext of ["c", "h"]) writeFileSync(path.join(sub, `${entry}.${ext}`), readFileSync(path.join(work, `subset-${entry}.${ext}`)));
  }
  return dir;
}

function implementations(subsetDir: string): { verify: Implementation[]; hash: Implementation[] } {
  const subset: Implementation = {
    name: "tsboot subset (lib/ed25519.ts + sha512.ts)",
    define: "BENCH_SUBSET",
    sources: [path.join(subsetDir, "ed25519", "ed25519.c")],
    includes: [path.join(subsetDir, "ed25519"), RT],
    root: "ed25519_ed25519Verify",
  };
  const subsetHash: Implementation = { ...subset, name: "tsboot subset (lib/sha512.ts)", define: "BENCH_SUBSET_SHA512", sources: [path.join(subsetDir, "sha512", "sha512.c")], includes: [path.join(subsetDir, "sha512"), RT], root: "sha512_sha512" };
  const why = REF === undefined ? "TSBOOT_CRYPTO_REF is not set" : undefined;
  const mono = REF && path.join(REF, "monocypher");
  const tweet = REF && path.join(REF, "tweetnacl");
  const monoMissing = why ?? (existsSync(path.join(mono!, "optional", "monocypher-ed25519.c")) ? undefined : `no ${mono}/optional/monocypher-ed25519.c`);
  const tweetMissing = why ?? (existsSync(path.join(tweet!, "tweetnacl.c")) ? undefined : `no ${tweet}/tweetnacl.c`);
  const monocypher: Implementation = monoMissing
    ? { name: "Monocypher crypto_ed25519_check", define: "BENCH_MONOCYPHER", missing: monoMissing, root: "crypto_ed25519_check" }
    : {
        name: "Monocypher crypto_ed25519_check",
        define: "BENCH_MONOCYPHER",
        sources: [path.join(mono!, "monocypher.c"), path.join(mono!, "optional", "monocypher-ed25519.c")],
        includes: [mono!, path.join(mono!, "optional")],
        root: "crypto_ed25519_check",
      };
  const tweetnacl: Implementation = tweetMissing
    ? { name: "TweetNaCl crypto_sign_open", define: "BENCH_TWEETNACL", missing: tweetMissing, root: "crypto_sign_ed25519_tweet_open" }
    : { name: "TweetNaCl crypto_sign_open", define: "BENCH_TWEETNACL", sources: [path.join(tweet!, "tweetnacl.c")], includes: [tweet!], root: "crypto_sign_ed25519_tweet_open", flags: ["-w"] };
  return {
    verify: [subset, monocypher, tweetnacl],
    hash: [
      subsetHash,
      { ...monocypher, name: "Monocypher crypto_sha512", define: "BENCH_MONOCYPHER_SHA512", root: "crypto_sha512" },
      { ...tweetnacl, name: "TweetNaCl crypto_hash", define: "BENCH_TWEETNACL_SHA512", root: "crypto_hash_sha512_tweet" },
    ],
  };
}

interface ArmSize {
  flash: number;
  ram: number;
  text: number;
  rodata: number;
  data: number;
  bss: number;
}

function sectionSizes(elf: string): ArmSize {
  const out = run("arm-none-eabi-size", ["-A", elf]);
  const get = (name: string) => Number(new RegExp(`^\\${name}\\s+(\\d+)`, "m").exec(out)?.[1] ?? 0);
  const [text, rodata, data, bss] = [get(".text"), get(".rodata"), get(".data"), get(".bss")];
  return { text, rodata, data, bss, flash: text + rodata + data, ram: data + bss };
}

/** Links arm-entry.c with an implementation and returns its section sizes; the baseline is define "". */
function armLink(impl: Implementation | undefined, work: string): ArmSize {
  const tag = impl?.define ?? "BASELINE";
  const elf = path.join(work, `${tag}.elf`);
  const defines = impl ? [`-D${impl.define}`] : [];
  run("arm-none-eabi-gcc", [
    ...ARM_FLAGS, ...(impl?.flags ?? []), ...defines, ...(impl?.includes ?? []).map((d) => `-I${d}`),
    "-nostartfiles", "-nostdlib", "-Wl,--gc-sections", "-Wl,-e,bench_entry", "-Wl,--no-warn-rwx-segments",
    path.join(HERE, "arm-entry.c"), ...(impl?.sources ?? []), "-lgcc", "-o", elf,
  ]);
  return sectionSizes(elf);
}

/** The deepest stack below impl.root in the ARM build (each source compiled with -fstack-usage). */
function armStack(impl: Implementation, work: string): string {
  const dir = mkdtempSync(path.join(work, "stack-"));
  for (const src of impl.sources!) {
    run("arm-none-eabi-gcc", [...ARM_FLAGS, ...(impl.flags ?? []), ...impl.includes!.map((d) => `-I${d}`), "-fstack-usage", "-fcallgraph-info=su", "-c", src, "-o", path.join(dir, path.basename(src, ".c") + ".o")], { cwd: dir });
  }
  const graphs = readdirSync(dir).filter((f) => f.endsWith(".ci")).map((f) => path.join(dir, f));
  const nodes = parseCallGraphs(graphs);
  const root = [...nodes.keys()].find((k) => k === impl.root || k.endsWith(`:${impl.root}`));
  if (!root) return `(no ${impl.root} in the call graph)`;
  const report = worstStackDepth(nodes, root);
  const problems = report.problems.filter((p) => !/no stack figure for (memcpy|memset)/.test(p));
  return `${report.depth} B${problems.length ? ` (at least: ${problems.join("; ")})` : ""}  ${report.path.join(" → ")}`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function codeSize(sets: { verify: Implementation[]; hash: Implementation[] }, work: string): void {
  console.log(`== (a) code size: arm-none-eabi-gcc ${ARM_FLAGS.join(" ")}, linked with --gc-sections, minus an empty baseline ==`);
  if (!have("arm-none-eabi-gcc")) {
    console.log("arm-none-eabi-gcc not found (apt-get install gcc-arm-none-eabi): skipped.\n");
    return;
  }
  const base = armLink(undefined, work);
  for (const [title, list] of [["verification (SHA-512 included)", sets.verify], ["SHA-512 alone", sets.hash]] as const) {
    const rows = list.map((impl) => {
      if (impl.missing) return [impl.name, `skipped: ${impl.missing}`, "", "", "", "", ""];
      const s = armLink(impl, work);
      return [impl.name, String(s.flash - base.flash), String(s.text - base.text), String(s.rodata - base.rodata), String(s.data - base.data), String(s.bss - base.bss), String(s.ram - base.ram)];
    });
    console.log(`\n${title}`);
    console.log(table(["implementation", "flash", ".text", ".rodata", ".data", ".bss", "RAM (static)"], rows));
  }
  console.log("\n== (b) stack: deepest chain below the verify function (-fstack-usage, -fcallgraph-info=su) ==");
  for (const impl of sets.verify) console.log(`${impl.name}: ${impl.missing ? `skipped: ${impl.missing}` : armStack(impl, work)}`);
  console.log();
}

/** The benchmark key (seeded: the same every run), the message (byte i = (i·131 + i/256) mod 256) and its signatures. */
function benchInputs(): { key: Buffer; signature: Buffer; message: Buffer; emptySignature: Buffer } {
  const seed = Buffer.alloc(32, 7);
  const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]), format: "der", type: "pkcs8" });
  const key = createPublicKey(privateKey).export({ format: "der", type: "spki" }).subarray(12);
  const message = Buffer.alloc(MESSAGE_BYTES);
  for (let i = 0; i < message.length; i++) message[i] = (i * 131 + (i >> 8)) & 0xff;
  return { key, signature: sign(null, message, privateKey), message, emptySignature: sign(null, Buffer.alloc(0), privateKey) };
}

/** The inputs as files for the host program. */
function writeInputs(work: string): { key: string; signature: string; message: string; empty: string; emptySignature: string } {
  const inputs = benchInputs();
  const files = {
    key: path.join(work, "key.bin"),
    signature: path.join(work, "signature.bin"),
    message: path.join(work, "message.bin"),
    empty: path.join(work, "empty.bin"),
    emptySignature: path.join(work, "empty-signature.bin"),
  };
  writeFileSync(files.key, inputs.key);
  writeFileSync(files.signature, inputs.signature);
  writeFileSync(files.message, inputs.message);
  writeFileSync(files.empty, Buffer.alloc(0));
  writeFileSync(files.emptySignature, inputs.emptySignature);
  return files;
}

/** Instructions counted by callgrind inside bench_run. */
function callgrind(exe: string, args: string[], work: string): { ir: number; output: string } {
  const out = path.join(work, `callgrind.${path.basename(exe)}.${args.map((a) => path.basename(a)).join("-")}`);
  const r = spawnSync("valgrind", ["--tool=callgrind", `--callgrind-out-file=${out}`, "--toggle-collect=bench_run", exe, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`valgrind failed: ${r.stderr}`);
  const totals = /^(?:summary|totals):\s+(\d+)/m.exec(readFileSync(out, "utf8"));
  return { ir: Number(totals?.[1] ?? NaN), output: r.stdout.trim() };
}

function hostBuild(impl: Implementation, work: string, hashOnly: boolean): string {
  const exe = path.join(work, `host-${impl.define}${hashOnly ? "-hash" : ""}`);
  const sources = hashOnly && impl.define === "BENCH_SUBSET" ? [path.join(path.dirname(path.dirname(impl.sources![0])), "sha512", "sha512.c")] : impl.sources!;
  const includes = hashOnly && impl.define === "BENCH_SUBSET" ? [path.join(path.dirname(path.dirname(impl.sources![0])), "sha512"), RT] : impl.includes!;
  const platform = impl.define === "BENCH_SUBSET" ? [path.join(RT, "tsboot_host.c")] : [];
  run("gcc", [...HOST_FLAGS, ...(impl.flags ?? []), `-D${impl.define}`, ...(hashOnly ? ["-DBENCH_HASH_ONLY"] : []), ...includes.map((d) => `-I${d}`), path.join(HERE, "host-verify.c"), ...sources, ...platform, "-o", exe]);
  return exe;
}

const millions = (n: number) => `${(n / 1e6).toFixed(2)} M`;

function timing(sets: { verify: Implementation[] }, work: string): void {
  console.log(`== (c) time: valgrind --tool=callgrind, host gcc ${HOST_FLAGS.join(" ")} (x86-64), instructions inside bench_run ==`);
  if (!have("valgrind") || !have("gcc")) {
    console.log("valgrind or gcc not found: skipped.\n");
    return;
  }
  const files = writeInputs(work);
  const rows: string[][] = [];
  let subsetPerByte = 0;
  let subsetFixed = 0;
  for (const impl of sets.verify) {
    if (impl.missing) {
      rows.push([impl.name, `skipped: ${impl.missing}`, "", "", "", ""]);
      continue;
    }
    const verify = hostBuild(impl, work, false);
    const hash = hostBuild(impl, work, true);
    const big = callgrind(verify, [files.key, files.signature, files.message], work);
    const small = callgrind(verify, [files.key, files.emptySignature, files.empty], work);
    const hashed = callgrind(hash, [files.key, files.signature, files.message], work);
    if (big.output !== "1" || small.output !== "1") throw new Error(`${impl.name} did not accept the benchmark signature (${big.output}, ${small.output})`);
    const perByte = (big.ir - small.ir) / MESSAGE_BYTES;
    if (impl.define === "BENCH_SUBSET") {
      subsetPerByte = perByte;
      subsetFixed = small.ir;
    }
    rows.push([impl.name, millions(big.ir), millions(small.ir), perByte.toFixed(1), (hashed.ir / MESSAGE_BYTES).toFixed(1), millions(big.ir - small.ir)]);
  }
  console.log(table(["implementation", "verify 256 KB", "verify 0 B (points)", "Ir/byte (verify diff)", "Ir/byte (SHA-512 alone)", "hashing 256 KB"], rows));
  if (subsetFixed > 0) console.log(`subset: ${millions(subsetFixed)} for the point arithmetic, ${subsetPerByte.toFixed(1)} per message byte (x86-64; see (d) for ARM)`);
  console.log();
}

/** Runs QEMU until the bench line appears (or the timeout), returns the line. */
function runQemu(elf: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const qemu = spawn("qemu-system-arm", ["-M", "netduinoplus2", "-nographic", "-monitor", "none", "-serial", "stdio", "-icount", "shift=0", "-kernel", elf]);
    let out = "";
    const timer = setTimeout(() => {
      qemu.kill();
      reject(new Error(`no result from QEMU within ${timeoutMs / 1000} s (output so far: ${JSON.stringify(out)})`));
    }, timeoutMs);
    qemu.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
      const line = out.split("\n").find((l) => l.startsWith("calibration ") || l.startsWith("PANIC"));
      if (line && out.includes("\n", out.indexOf(line))) {
        clearTimeout(timer);
        qemu.kill();
        resolve(line.trim());
      }
    });
    qemu.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

async function cortexM4(work: string): Promise<void> {
  console.log("== (d) time on a Cortex-M4: QEMU netduinoplus2 (STM32F405), -icount shift=0, SysTick counting instructions ==");
  if (!have("qemu-system-arm") || !have("arm-none-eabi-gcc")) {
    console.log("qemu-system-arm or arm-none-eabi-gcc not found: skipped.\n");
    return;
  }
  const dir = mkdtempSync(path.join(work, "qemu-"));
  const board = loadBoard("netduinoplus2");
  writeFileSync(path.join(dir, "startup.c"), generateStartup(board, { entry: "bench_main", role: "bootloader" }));
  writeFileSync(path.join(dir, "link.ld"), generateLinkerScript(board, "bootloader", { stackSize: 0x1000 }));
  for (const entry of ["ed25519", "sha256"]) {
    const result = compileProgram({ entry: path.join(ROOT, "bootloader-ts", "lib", `${entry}.ts`), sourceRoot: ROOT, lineDirectives: false });
    if (!result.ok) throw new Error(formatAll(result));
    for (const f of result.files) writeFileSync(path.join(dir, f.name), f.text);
  }
  const inputs = benchInputs();
  const array = (b: Uint8Array) => `{${[...b].join(", ")}}`;
  writeFileSync(path.join(dir, "qemu-inputs.h"), `#define BENCH_KEY ${array(inputs.key)}\n#define BENCH_SIGNATURE ${array(inputs.signature)}\n#define BENCH_EMPTY_SIGNATURE ${array(inputs.emptySignature)}\n#define BENCH_MESSAGE_BYTES ${MESSAGE_BYTES}u\n`);
  const elf = path.join(dir, "count.elf");
  run("arm-none-eabi-gcc", [
    ...ARM_FLAGS, "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-ffreestanding", `-I${dir}`, `-I${RT}`,
    "-nostartfiles", "-nostdlib", "-T", path.join(dir, "link.ld"), "-Wl,--gc-sections",
    path.join(dir, "startup.c"), path.join(dir, "ed25519.c"), path.join(dir, "sha256.c"), path.join(HERE, "qemu-count.c"), "-lgcc", "-o", elf,
  ]);
  const line = await runQemu(elf, 300_000);
  const field = (name: string) => Number(new RegExp(`${name} (\\d+)`).exec(line)?.[1] ?? NaN);
  if (field("valid") !== 1 || field("empty_valid") !== 1) throw new Error(`the ARM build did not accept the benchmark signatures: ${line}`);
  const perInstruction = field("calibration") / 1e6; // SysTick ticks per instruction
  const instructions = (ticks: number) => ticks / perInstruction;
  const hashing = instructions(field("update") - field("fill"));
  const finishing = instructions(field("finish"));
  const starting = instructions(field("start"));
  const total = starting + hashing + finishing;
  console.log(`calibration: ${perInstruction.toFixed(6)} SysTick ticks per instruction (168 MHz SysTick, 1 ns per instruction)`);
  console.log(table(["part", "Thumb-2 instructions", "per byte"], [
    ["verifyStart (copies, SHA-512 of R ‖ A begun)", millions(starting), ""],
    [`verifyUpdate × ${MESSAGE_BYTES / 1024} KB (SHA-512)`, millions(hashing), (hashing / MESSAGE_BYTES).toFixed(1)],
    ["verifyFinish (last block, k mod L, decode A, [S]B - [k]A, encode)", millions(finishing), ""],
    ["total", millions(total), ""],
    ["a whole verification of an empty message (start + finish)", millions(instructions(field("empty"))), ""],
    ["for comparison: lib/sha256.ts over the same 256 KB", millions(instructions(field("sha256"))), (instructions(field("sha256")) / MESSAGE_BYTES).toFixed(1)],
  ]));
  // Cortex-M4: ALU instructions take 1 cycle, loads 2 (1 when pipelined), taken branches 2-4, UMULL 1; at
  // 100 MHz from flash the ART accelerator hides the wait states for loops that fit its 1 KB cache (the
  // SHA-512 compression and the field product do). So 1.1 to 1.4 cycles per instruction.
  const ms = (n: number, cpi: number) => ((n * cpi) / 100e6) * 1000;
  console.log(`\nat 100 MHz, 1.1 to 1.4 cycles per instruction: ${ms(total, 1.1).toFixed(0)} to ${ms(total, 1.4).toFixed(0)} ms for a 256 KB image ` +
    `(${ms(finishing, 1.1).toFixed(0)} to ${ms(finishing, 1.4).toFixed(0)} ms of it fixed, ${(ms(hashing, 1.1) / 256).toFixed(2)} to ${(ms(hashing, 1.4) / 256).toFixed(2)} ms per KB)`);
  console.log(`an empty message: ${ms(instructions(field("empty")), 1.1).toFixed(0)} to ${ms(instructions(field("empty")), 1.4).toFixed(0)} ms`);
  console.log();
}

/** The code and constant symbols of impl's ARM link, largest first (arm-none-eabi-nm; inlined code counts in its caller). */
function largestSymbols(impl: Implementation, work: string): void {
  armLink(impl, work);
  const elf = path.join(work, `${impl.define}.elf`);
  const lines = run("arm-none-eabi-nm", ["--size-sort", "-S", "-t", "d", elf]).trim().split("\n");
  console.log(`code and constants of ${impl.name} (the bench entry's own excluded):`);
  for (const line of lines.reverse()) {
    if (/ [tTrRdD] /.test(line) && !/ bench_/.test(line)) console.log(`  ${line.replace(/^\S+ /, "")}`);
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), "tsboot-crypto-bench-"));
  try {
    console.log(`tsboot crypto bench (node ${process.version}); reference C: ${REF ?? "TSBOOT_CRYPTO_REF not set"}\n`);
    // --cortex-m4: only (d), the time on the Cortex-M4 under QEMU (bench/signature-bench.ts runs it so).
    if (process.argv.includes("--cortex-m4")) {
      await cortexM4(work);
      return;
    }
    const subsetDir = compileSubset(work);
    const sets = implementations(subsetDir);
    codeSize(sets, work);
    // --size: only (a) and (b), with the subset verifier's largest symbols (for working on its size).
    if (process.argv.includes("--size")) {
      largestSymbols(sets.verify[0], work);
      return;
    }
    timing(sets, work);
    await cortexM4(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
