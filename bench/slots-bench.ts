/**
 * Flash wear and device time of the two-slot update (docs/slots.md) — a script, not a test: nothing here
 * asserts a figure. `npm run bench:slots [-- --board nucleo-f411re-ab --size 100000 --cycles 16]`.
 *
 * Each boot runs the bootloader in a fresh Node process (host/sim/node-run.ts: the same program the C build
 * is) with a paced host on its UART (test/bootloader/paced-host.ts), on the board's flash with the
 * datasheet's flash timing, carrying flash and the boot state (no-init words) from one boot to the next as a
 * real device does. It counts, from the simulation's flash
 * log, the erases of every sector and the bytes programmed in each phase of an update:
 *   download  (INFO, BEGIN, WRITEs, END into the secondary slot)
 *   install   (INSTALL test: the swap with scratch; then BOOT starts the trial)
 *   confirm   (the application's tsboot_confirm(), then the next boot)
 *   revert    (a trial that resets without confirming: the next boot swaps back)
 * and the device's flash time for install and revert (erase and program stalls; typ and max timing), next
 * to a plain overwrite of the same image on the single-slot nucleo-f411re. Then it runs `--cycles` complete
 * updates (download, permanent install) and counts how often the status log
 * compacts (its halves are erased), for the erase cycles per update per sector.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadBoardLayout } from "../boards/layout";
import type { BoardLayout } from "../hal-bindings/sim/board-layout";
import type { FlashTimingMode } from "../hal-bindings/sim/flash-timing";
import { Command, encodeFrame, FrameDecoder, REPLY_BIT, STATUS_NAMES } from "../host/frames";
import { confirmStub } from "../host/image/status-log";
import { formatBootState, parseBootState } from "../host/sim/state";
import { makeApplication, makeImage, updateFrames } from "../test/bootloader/fixtures";
import { pacedHost } from "../test/bootloader/paced-host";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** One boot's request, passed to the child process as JSON. */
interface BootSpec {
  board: string;
  flashFile: string;
  stateFile: string;
  /** The host's frames (hex), sent by a paced host: each when the device's replies allow it. */
  frames: string[];
  trigger: boolean;
  timing: FlashTimingMode;
}

interface BootResult {
  outcome: string;
  nowUs: number;
  erases: Record<number, number>;
  programmedBytes: number;
  /** Time the CPU stalled in erases and programs (ns). */
  flashNs: number;
  replies: string[];
}

// ---- child: one boot ----

async function bootChild(specFile: string): Promise<void> {
  const spec = JSON.parse(fs.readFileSync(specFile, "utf8")) as BootSpec;
  const { runInNode } = await import("../host/sim/node-run");
  const layout = loadBoardLayout(spec.board);
  const r = runInNode({
    layout,
    flash: fs.existsSync(spec.flashFile) ? new Uint8Array(fs.readFileSync(spec.flashFile)) : undefined,
    state: fs.existsSync(spec.stateFile) ? parseBootState(fs.readFileSync(spec.stateFile, "utf8")) : undefined,
    trigger: spec.trigger,
    prepare: (sim) => {
      if (spec.frames.length) pacedHost(sim, spec.frames.map((f) => new Uint8Array(Buffer.from(f, "hex"))), { quietUs: 3_000_000 });
    },
    flashTiming: spec.timing,
    idleUs: 3_000_000,
  });
  const erases: Record<number, number> = {};
  let programmedBytes = 0;
  let flashNs = 0;
  for (const op of r.sim.flash.log) {
    const erase = /^erase (\d+)$/.exec(op);
    if (erase) {
      const index = Number(erase[1]);
      erases[index] = (erases[index] ?? 0) + 1;
      flashNs += r.sim.timing.eraseNs[index];
    } else if (op.startsWith("program ")) {
      programmedBytes += layout.writeUnit;
      flashNs += r.sim.timing.programUnitNs;
    }
  }
  const replies = new FrameDecoder()
    .push(r.transcript)
    .filter((f) => (f.command & REPLY_BIT) !== 0 && f.payload.length > 0)
    .map((f) => `${f.command & ~REPLY_BIT}:${STATUS_NAMES[f.payload[0]] ?? f.payload[0]}`);
  fs.writeFileSync(spec.flashFile, r.flash);
  fs.writeFileSync(spec.stateFile, formatBootState(r.state));
  const result: BootResult = { outcome: String(r.json.outcome), nowUs: r.sim.nowUs, erases, programmedBytes, flashNs, replies };
  process.stdout.write(JSON.stringify(result) + "\n");
}

// ---- parent: the scenarios ----

class Device {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-slots-bench-"));
  readonly flashFile = path.join(this.dir, "flash.bin");
  readonly stateFile = path.join(this.dir, "state.txt");
  constructor(
    readonly board: string,
    readonly layout: BoardLayout,
    readonly timing: FlashTimingMode,
  ) {}

  boot(frames: Uint8Array[], trigger: boolean): BootResult {
    const spec: BootSpec = { board: this.board, flashFile: this.flashFile, stateFile: this.stateFile, frames: frames.map((f) => Buffer.from(f).toString("hex")), trigger, timing: this.timing };
    const specFile = path.join(this.dir, "spec.json");
    fs.writeFileSync(specFile, JSON.stringify(spec));
    const child = spawnSync(process.execPath, [path.join(ROOT, "bin/run-ts.mjs"), fileURLToPath(import.meta.url), "--boot", specFile], { cwd: ROOT, encoding: "utf8" });
    if (child.status !== 0) throw new Error(`a boot failed (exit ${child.status}):\n${child.stderr}`);
    return JSON.parse(child.stdout.trim().split("\n").pop()!) as BootResult;
  }

  /** What tsboot_confirm() does in the application: the confirmation programmed where the bootloader published it. */
  applicationConfirms(): void {
    const state = parseBootState(fs.readFileSync(this.stateFile, "utf8"));
    if (state.trial.address === 0) throw new Error("no trial was published");
    const flash = fs.readFileSync(this.flashFile);
    const stub = confirmStub(state.trial.id);
    const at = state.trial.address - this.layout.flashBase;
    for (let i = 0; i < stub.length; i++) flash[at + i] &= stub[i];
    fs.writeFileSync(this.flashFile, flash);
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function expectReplies(phase: string, r: BootResult, command: number, outcome: string): void {
  const mine = r.replies.filter((x) => x.startsWith(`${command}:`));
  if (mine.length === 0 || mine.some((x) => !x.endsWith(":ok"))) throw new Error(`${phase}: command ${command} answered ${mine.join(", ") || "nothing"}`);
  if (r.outcome !== outcome) throw new Error(`${phase}: the boot ended ${r.outcome}, expected ${outcome}`);
}

const INSTALL_TEST = 0;
const INSTALL_PERMANENT = 1;

function download(image: Uint8Array): Uint8Array[] {
  return updateFrames(image, 1024, false);
}

interface Phase {
  name: string;
  boots: BootResult[];
}

function sum(boots: BootResult[], f: (b: BootResult) => number): number {
  return boots.reduce((n, b) => n + f(b), 0);
}

/** One trial update then one reverted trial, from a device running v1. */
function phases(board: string, layout: BoardLayout, size: number, timing: FlashTimingMode): Phase[] {
  const d = new Device(board, layout, timing);
  try {
    const v = (n: number) => makeImage(layout, makeApplication(layout, size, n), `${n}.0.0`);
    // v1, installed permanently through the protocol (the log then holds it, as in the field).
    const first = d.boot([...download(v(1)), encodeFrame(Command.Install, 90, Uint8Array.of(INSTALL_PERMANENT)), encodeFrame(Command.Boot, 91)], true);
    expectReplies("v1", first, Command.Install, "application");
    const out: Phase[] = [];
    const dl = d.boot(download(v(2)), true);
    expectReplies("download", dl, Command.End, "idle");
    out.push({ name: "download", boots: [dl] });
    const install = d.boot([encodeFrame(Command.Install, 90, Uint8Array.of(INSTALL_TEST)), encodeFrame(Command.Boot, 91)], true);
    expectReplies("install", install, Command.Install, "application");
    out.push({ name: "install (swap)", boots: [install] });
    d.applicationConfirms();
    const confirmed = d.boot([], false);
    if (confirmed.outcome !== "application") throw new Error(`confirm: the boot ended ${confirmed.outcome}`);
    out.push({ name: "confirm + boot", boots: [confirmed] });
    // v3 in trial, never confirmed: the next boot reverts to v2.
    expectReplies("v3 download", d.boot(download(v(3)), true), Command.End, "idle");
    const trial = d.boot([encodeFrame(Command.Install, 90, Uint8Array.of(INSTALL_TEST)), encodeFrame(Command.Boot, 91)], true);
    expectReplies("v3 install", trial, Command.Install, "application");
    const revert = d.boot([], false);
    if (revert.outcome !== "application") throw new Error(`revert: the boot ended ${revert.outcome}`);
    const app = fs.readFileSync(d.flashFile).subarray(layout.app.start - layout.flashBase, layout.app.start - layout.flashBase + 64);
    if (!Buffer.from(app).equals(Buffer.from(makeApplication(layout, size, 2).subarray(0, 64)))) throw new Error("revert: v2 is not back in the primary slot");
    out.push({ name: "revert (unconfirmed)", boots: [revert] });
    return out;
  } finally {
    d.remove();
  }
}

/** The same update on a single-slot board (nucleo-f411re): BEGIN..END overwrite the application in place. */
function plainOverwrite(size: number, timing: FlashTimingMode): BootResult {
  const board = "nucleo-f411re";
  const layout = loadBoardLayout(board);
  const d = new Device(board, layout, timing);
  try {
    const v = (n: number) => makeImage(layout, makeApplication(layout, size, n), `${n}.0.0`);
    expectReplies("plain v1", d.boot([...download(v(1)), encodeFrame(Command.Boot, 91)], true), Command.End, "application");
    const r = d.boot([...download(v(2)), encodeFrame(Command.Boot, 91)], true);
    expectReplies("plain v2", r, Command.End, "application");
    return r;
  } finally {
    d.remove();
  }
}

/** `cycles` complete updates (download, permanent install): erases per sector in total. */
function cycles(board: string, layout: BoardLayout, size: number, count: number): Record<number, number> {
  const d = new Device(board, layout, "none");
  const total: Record<number, number> = {};
  try {
    for (let n = 1; n <= count; n++) {
      const image = makeImage(layout, makeApplication(layout, size, n), `${n}.0.0`);
      const r = d.boot([...download(image), encodeFrame(Command.Install, 90, Uint8Array.of(INSTALL_PERMANENT)), encodeFrame(Command.Boot, 91)], true);
      expectReplies(`cycle ${n}`, r, Command.Install, "application");
      for (const [i, c] of Object.entries(r.erases)) total[Number(i)] = (total[Number(i)] ?? 0) + c;
    }
    return total;
  } finally {
    d.remove();
  }
}

function sectorLabel(layout: BoardLayout, index: number): string {
  const s = layout.sectors[index];
  const inside = (r: { start: number; size: number } | null | undefined) => r && s.start >= r.start && s.start < r.start + r.size;
  const role = inside(layout.config) ? "log" : inside(layout.app) ? "primary" : inside(layout.slots?.secondary) ? "secondary" : inside(layout.slots?.scratch) ? "scratch" : "?";
  return `s${index} ${role}`;
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string, fallback: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const board = arg("--board", "nucleo-f411re-ab");
  const size = Number(arg("--size", "100000"));
  const count = Number(arg("--cycles", "16"));
  const layout = loadBoardLayout(board);
  if (!layout.slots) throw new Error(`${board} has no secondary slot: the bench measures the two-slot update`);
  const typ = phases(board, layout, size, "typ");
  const max = phases(board, layout, size, "max");
  const touched = [...new Set(typ.flatMap((p) => p.boots.flatMap((b) => Object.keys(b.erases).map(Number))))].sort((a, b) => a - b);
  console.log(`two-slot update on ${board}, ${size}-byte image (Node simulation, datasheet flash timing)\n`);
  console.log(["phase".padEnd(22), ...touched.map((i) => sectorLabel(layout, i).padStart(13)), "programmed".padStart(11), "flash typ".padStart(10), "flash max".padStart(10)].join(" "));
  typ.forEach((p, k) => {
    const erases = touched.map((i) => String(sum(p.boots, (b) => b.erases[i] ?? 0)).padStart(13));
    const bytes = String(sum(p.boots, (b) => b.programmedBytes)).padStart(11);
    const t = (ph: Phase) => `${(sum(ph.boots, (b) => b.flashNs) / 1e9).toFixed(2)} s`.padStart(10);
    console.log([p.name.padEnd(22), ...erases, bytes, t(p), t(max[k])].join(" "));
  });
  const plainTyp = plainOverwrite(size, "typ");
  const plainMax = plainOverwrite(size, "max");
  const plainErases = Object.entries(plainTyp.erases).map(([i, c]) => `s${i}×${c}`).join(" ");
  console.log(
    `\nside by side, a plain overwrite on nucleo-f411re (single slot, same image): erases ${plainErases}, ` +
      `${plainTyp.programmedBytes} bytes programmed, flash ${(plainTyp.flashNs / 1e9).toFixed(2)} s typ, ${(plainMax.flashNs / 1e9).toFixed(2)} s max ` +
      `(and no way back: the old image is gone at the first erase)`,
  );
  const total = cycles(board, layout, size, count);
  console.log(`\n${count} complete updates (download + permanent install): erases per sector`);
  for (const [i, c] of Object.entries(total)) console.log(`  ${sectorLabel(layout, Number(i)).padEnd(14)} ${String(c).padStart(4)}  (${(c / count).toFixed(2)} per update)`);
  const worst = Math.max(...Object.values(total)) / count;
  console.log(`\nat the datasheet's 10,000 erase cycles per sector: about ${Math.floor(10_000 / worst)} updates before the most-erased sector's rating`);
}

const argv = process.argv.slice(2);
if (argv[0] === "--boot") await bootChild(argv[1]);
else await main(argv);
