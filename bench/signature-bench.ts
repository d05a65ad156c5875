/**
 * What signed images cost the bootloader — a script, not a test: nothing here asserts a figure.
 * `node bin/run-ts.mjs bench/signature-bench.ts [--board nucleo-f411re-ab]`
 *
 * (a) Flash footprint: the bootloader (bootloader-ts/main.ts, -Os, LTO, as `tsboot build`) for the board
 *     without a key and with one (`tsboot build --pubkey`), the difference, and the symbols of the verifier's
 *     modules (lib/ed25519, edwards25519, field25519, scalar25519, sha512, signature.ts) by arm-none-eabi-nm.
 *     When either build does not fit the board's bootloader region, both are built for a measurement copy of
 *     the board whose bootloader region is twice as large (config moved right after it), and the table says
 *     so: the figures are the code's size, not a layout to ship.
 * (b) Verification time on a Cortex-M4: bench/crypto-bench.ts --cortex-m4 (QEMU netduinoplus2 with
 *     -icount shift=0, SysTick counting executed instructions), for a 256 KB image and an empty message.
 */
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { loadBoard, type Board } from "../boards/index";
import { buildBootloader, BuildError, type BuildResult } from "../host/build/bootloader-build";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The verifier's modules as the generated C names them (lib/ modules with a lib_ prefix). */
const VERIFIER_MODULES = ["lib_ed25519", "lib_edwards25519", "lib_field25519", "lib_scalar25519", "lib_sha512", "signature"];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** The board with a bootloader region twice as large and the config region moved right after it. */
function measurementCopy(board: Board): Board {
  const map = board.memoryMap;
  const bootloader = { start: map.bootloader.start, size: map.bootloader.size * 2 };
  const config = map.config ? { start: bootloader.start + bootloader.size, size: map.config.size } : null;
  const end = config ? config.start + config.size : bootloader.start + bootloader.size;
  if (end > map.application.start) {
    throw new Error(`${board.name}: no room for a measurement layout (a ${bootloader.size / 1024} KB bootloader and the config end past the application start)`);
  }
  return { ...board, name: `${board.name}-measure`, memoryMap: { ...map, bootloader, config } };
}

/** Symbol sizes (text and read-only data) per module prefix, from the ELF. */
function moduleSizes(elf: string): Map<string, number> {
  const r = spawnSync("arm-none-eabi-nm", ["--size-sort", "-S", elf], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`arm-none-eabi-nm: ${r.stderr}`);
  const sizes = new Map<string, number>();
  for (const line of r.stdout.split("\n")) {
    const m = /^[0-9a-f]+ ([0-9a-f]+) ([tTrRdD]) (\S+)$/.exec(line.trim());
    if (!m) continue;
    const module = VERIFIER_MODULES.find((p) => m[3].startsWith(`${p}_`));
    if (module) sizes.set(module, (sizes.get(module) ?? 0) + parseInt(m[1], 16));
  }
  return sizes;
}

async function build(board: Board, dir: string, publicKey?: Uint8Array): Promise<BuildResult> {
  return buildBootloader({ board, outDir: dir, publicKey });
}

async function footprint(boardName: string, work: string): Promise<void> {
  console.log(`== (a) flash footprint: tsboot build --board ${boardName}, without and with --pubkey ==`);
  const key = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" }) as { x: string };
  const raw = new Uint8Array(Buffer.from(key.x, "base64url"));
  let board = loadBoard(boardName);
  let note = "";
  let plain: BuildResult;
  let keyed: BuildResult;
  const overflow: string[] = [];
  for (const [name, publicKey] of [["without a key", undefined], ["with a key", raw]] as const) {
    try {
      await build(board, path.join(work, `fit-${name.replace(/ /g, "-")}`), publicKey);
    } catch (e) {
      if (!(e instanceof BuildError)) throw e;
      overflow.push(name);
    }
  }
  if (overflow.length) {
    note = `the bootloader ${overflow.join(" and ")} does not fit ${boardName}'s ${board.memoryMap.bootloader.size / 1024} KB region; both measured on a copy with a ${(board.memoryMap.bootloader.size * 2) / 1024} KB region`;
    board = measurementCopy(board);
  }
  plain = await build(board, path.join(work, "plain"));
  keyed = await build(board, path.join(work, "keyed"), raw);
  if (note) console.log(`note: ${note}\n`);
  const rows: string[][] = [];
  for (const [name, r] of [["without a key", plain], ["with a key", keyed]] as const) {
    rows.push([name, String(r.flashUsed), String(r.sizes.text), String(r.sizes.rodata), String(r.sizes.data), String(r.ramUsed), `${r.stack.depth}`]);
  }
  rows.push(["difference", String(keyed.flashUsed - plain.flashUsed), String(keyed.sizes.text - plain.sizes.text), String(keyed.sizes.rodata - plain.sizes.rodata), String(keyed.sizes.data - plain.sizes.data), String(keyed.ramUsed - plain.ramUsed), String(keyed.stack.depth - plain.stack.depth)]);
  console.log(table(["bootloader", "flash", ".text", ".rodata", ".data", "RAM (static)", "stack (worst)"], rows));
  const a = moduleSizes(plain.elf);
  const b = moduleSizes(keyed.elf);
  console.log("\nsymbols of the verifier's modules left after LTO (arm-none-eabi-nm -S; inlined code counts in its caller):");
  console.log(table(["module", "without a key", "with a key"], VERIFIER_MODULES.map((m) => [m, String(a.get(m) ?? 0), String(b.get(m) ?? 0)])));
  console.log();
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), "tsboot-signature-bench-"));
  try {
    await footprint(arg("--board", "nucleo-f411re-ab"), work);
    console.log("== (b) verification time on a Cortex-M4 ==");
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin/run-ts.mjs"), path.join(ROOT, "bench/crypto-bench.ts"), "--cortex-m4"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    process.stdout.write(r.stdout.split("\n").filter((l) => !l.startsWith("tsboot crypto bench")).join("\n"));
    if (r.status !== 0) process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
