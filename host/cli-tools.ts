/**
 * The host-tool commands of `tsboot`: image, flash, info, boot, read. Each takes the arguments after its
 * own name and resolves to an exit code: 0 done, 1 failed (the message says why and what to do), 2 bad
 * usage. Progress goes to stderr as a bar when stderr is a terminal, and nowhere otherwise; results go to
 * stdout (one JSON object with --json).
 *
 * Run directly: `node bin/run-ts.mjs host/cli-tools.ts <command> …`.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { decodeVersion, HEADER_MAGIC } from "./image-format";
import { describeImage, hex32, ImageInputError, packageImage, type InputFormat } from "./image/package";
import { Flasher, FlasherError, type DeviceInfo, type FlashProgress, type FlasherOptions } from "./flasher/index";

export interface CliIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Draw progress bars (on stderr). */
  isTTY: boolean;
  /** Terminal width for the bar. */
  columns?: number;
}

function defaultIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, isTTY: Boolean(process.stderr.isTTY), columns: process.stderr.columns };
}

export const USAGE = `usage:
  tsboot image <app.bin|app.hex|app.elf> --board <name> --version X.Y.Z [-o app.tsb] [--format bin|hex|elf] [--json]
  tsboot flash <app.tsb> --port <port> [--baud 115200] [--no-boot] [--verify] [--window N] [--json]
  tsboot info  --port <port> [--baud 115200] [--json]
  tsboot boot  --port <port> [--baud 115200]
  tsboot read  --port <port> --address 0x08008000 --length 256 [-o out.bin] [--baud 115200]

  <port> is a serial device (/dev/ttyACM0, COM3) or tcp://HOST:PORT (the host simulation).`;

class UsageError extends Error {}
class HelpRequested extends Error {}

type Spec = Record<string, "string" | "boolean">;

/** `--name value`, `--name=value`, `-o value`, `--flag`, `--no-flag`; one positional list. */
function parseArgs(command: string, argv: string[], spec: Spec, aliases: Record<string, string> = {}): { opts: Record<string, string | boolean>; positional: string[] } {
  const opts: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    if (a === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      positional.push(a);
      continue;
    }
    if (a === "--help" || a === "-h") throw new HelpRequested();
    let value: string | undefined;
    const eq = a.indexOf("=");
    if (a.startsWith("--") && eq > 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const name = aliases[a] ?? a.replace(/^--?/, "");
    if (spec[name] === undefined && name.startsWith("no-") && spec[name.slice(3)] === "boolean") {
      opts[name.slice(3)] = false;
      continue;
    }
    if (spec[name] === undefined) throw new UsageError(`tsboot ${command}: unknown option '${a}'`);
    if (spec[name] === "boolean") {
      if (value !== undefined) throw new UsageError(`tsboot ${command}: ${a} takes no value`);
      opts[name] = true;
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`tsboot ${command}: ${a} needs a value`);
    }
    opts[name] = value;
  }
  return { opts, positional };
}

function parseNumber(command: string, option: string, text: string | boolean | undefined, { min = 0, max = 0xffffffff } = {}): number {
  if (typeof text !== "string") throw new UsageError(`tsboot ${command}: needs ${option} <number>`);
  const t = text.replace(/_/g, "");
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t.slice(2), 16) : /^[0-9]+$/.test(t) ? parseInt(t, 10) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`tsboot ${command}: ${option} '${text}' is not a number in ${min}…${max} (decimal or 0x hex)`);
  return n;
}

/** Runs a command body: usage errors → 2, tool errors → 1 with their message (JSON with --json). */
async function run(command: string, io: CliIO, json: () => boolean, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof HelpRequested) {
      io.stdout.write(USAGE + "\n");
      return 0;
    }
    if (e instanceof UsageError) {
      io.stderr.write(`${e.message}\n${USAGE}\n`);
      return 2;
    }
    const known = e instanceof FlasherError || e instanceof ImageInputError;
    const message = known ? (e as Error).message : `${(e as Error)?.stack ?? e}`;
    if (io.isTTY) io.stderr.write("\r\x1b[K");
    io.stderr.write(`tsboot ${command}: ${message}\n`);
    if (json()) {
      const code = e instanceof FlasherError ? e.code : e instanceof ImageInputError ? "bad-input" : "internal";
      io.stdout.write(JSON.stringify({ ok: false, error: { code, message } }) + "\n");
    }
    return 1;
  }
}

// ---------------------------------------------------------------------------------------------- image

export async function imageCommand(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  let asJson = false;
  return run("image", io, () => asJson, async () => {
    const { opts, positional } = parseArgs("image", argv, { board: "string", version: "string", out: "string", format: "string", json: "boolean" }, { "-o": "out", "-b": "board" });
    asJson = opts.json === true;
    if (positional.length !== 1) throw new UsageError("tsboot image: needs exactly one input file (.bin, .hex or .elf)");
    const input = positional[0];
    const format = opts.format as InputFormat | undefined;
    if (format !== undefined && !["bin", "hex", "elf"].includes(format)) throw new UsageError(`tsboot image: --format must be bin, hex or elf, not '${format}'`);
    const out = typeof opts.out === "string" ? opts.out : input.replace(/\.(bin|hex|ihex|ihx|elf|axf|out)$/i, "") + ".tsb";
    if (path.resolve(out) === path.resolve(input)) throw new UsageError("tsboot image: the output would overwrite the input; pass -o <file.tsb>");
    const packaged = packageImage({ input, board: opts.board as string, version: opts.version as string, format });
    fs.writeFileSync(out, packaged.image);
    if (asJson) {
      io.stdout.write(
        JSON.stringify({
          ok: true, output: out, format: packaged.format, board: packaged.board.name, boardId: hex32(packaged.board.boardId),
          loadAddress: hex32(packaged.loadAddress), payloadBytes: packaged.payload.length, fileBytes: packaged.image.length,
          version: decodeVersion(packaged.appVersion), payloadCrc32: hex32(packaged.payloadCrc),
        }) + "\n",
      );
    } else {
      io.stdout.write(describeImage(packaged, out) + "\n");
    }
    return 0;
  });
}

// ------------------------------------------------------------------------------------ device commands

const PORT_SPEC: Spec = { port: "string", baud: "string", json: "boolean" };

/** --port and --baud, checked before anything is read or opened. */
function portOptions(command: string, opts: Record<string, string | boolean>): { port: string; baud: number | undefined } {
  if (typeof opts.port !== "string") throw new UsageError(`tsboot ${command}: needs --port <serial device or tcp://host:port>`);
  const baud = opts.baud === undefined ? undefined : parseNumber(command, "--baud", opts.baud, { min: 1200, max: 4_000_000 });
  return { port: opts.port, baud };
}

async function openFlasher(command: string, opts: Record<string, string | boolean>, extra: FlasherOptions = {}): Promise<Flasher> {
  const { port, baud } = portOptions(command, opts);
  return Flasher.open(port, { baud, ...extra });
}

async function withFlasher<T>(command: string, opts: Record<string, string | boolean>, extra: FlasherOptions, body: (f: Flasher) => Promise<T>): Promise<T> {
  const flasher = await openFlasher(command, opts, extra);
  try {
    return await body(flasher);
  } finally {
    await flasher.close();
  }
}

function kib(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KiB` : `${n} B`;
}

export function describeDevice(d: DeviceInfo): string {
  const board = d.boardName ? `${d.boardName} (board id ${hex32(d.boardId)})` : `board id ${hex32(d.boardId)} (not in boards/)`;
  return [
    `board:        ${board}`,
    `bootloader:   ${d.bootloaderVersionText}, protocol ${d.protocolVersion}`,
    `application:  region ${hex32(d.appStart)}…${hex32(d.appStart + d.appSize)} (${kib(d.appSize)}); ` +
      (d.appValid ? `valid, version ${d.appVersionText}` : "none valid"),
    `transfer:     write unit ${d.writeUnit} B, up to ${d.maxData} B per WRITE, window ${d.window}`,
    `last reset:   ${d.resetCause.length ? d.resetCause.join(", ") : "unknown"}` +
      (d.lastFault ? `; the previous boot ended by a ${d.lastFault.kind} (${d.lastFault.kind === "panic" ? "line" : "at"} ${hex32(d.lastFault.detail)})` : ""),
    `watchdog:     ${d.watchdog === "hardware" ? "running (started by the option bytes), refreshed by the bootloader" : d.watchdog === "started" ? "started by the bootloader (board data)" : "off"}`,
    `protection:   bootloader region ${d.bootloaderProtected ? "write-protected" : "not write-protected"}` +
      (d.protectionFailed ? " (the protection the board data asks for failed at boot)" : ""),
    ...(d.lineErrors.length ? [`line errors:  ${d.lineErrors.join(", ")} since boot`] : []),
  ].join("\n");
}

function infoJson(d: DeviceInfo) {
  return {
    board: d.boardName, boardId: hex32(d.boardId), bootloaderVersion: d.bootloaderVersionText, protocolVersion: d.protocolVersion,
    appStart: hex32(d.appStart), appSize: d.appSize, appValid: d.appValid, appVersion: d.appVersionText,
    writeUnit: d.writeUnit, maxData: d.maxData, window: d.window,
    resetCause: d.resetCause, lastFault: d.lastFault, watchdog: d.watchdog, bootloaderProtected: d.bootloaderProtected,
    protectionFailed: d.protectionFailed, lineErrors: d.lineErrors,
  };
}

export async function infoCommand(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  let asJson = false;
  return run("info", io, () => asJson, async () => {
    const { opts, positional } = parseArgs("info", argv, PORT_SPEC);
    asJson = opts.json === true;
    if (positional.length) throw new UsageError(`tsboot info: unexpected '${positional[0]}'`);
    const info = await withFlasher("info", opts, {}, (f) => f.info());
    io.stdout.write(asJson ? JSON.stringify({ ok: true, ...infoJson(info) }) + "\n" : describeDevice(info) + "\n");
    return 0;
  });
}

export async function bootCommand(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  let asJson = false;
  return run("boot", io, () => asJson, async () => {
    const { opts, positional } = parseArgs("boot", argv, PORT_SPEC);
    asJson = opts.json === true;
    if (positional.length) throw new UsageError(`tsboot boot: unexpected '${positional[0]}'`);
    const info = await withFlasher("boot", opts, {}, async (f) => {
      const i = await f.info();
      await f.boot();
      return i;
    });
    const board = info.boardName ?? hex32(info.boardId);
    io.stdout.write(asJson ? JSON.stringify({ ok: true, booted: true, board, appVersion: info.appVersionText }) + "\n" : `started application ${info.appVersionText} on ${board}\n`);
    return 0;
  });
}

export async function readCommand(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  let asJson = false;
  return run("read", io, () => asJson, async () => {
    const { opts, positional } = parseArgs("read", argv, { ...PORT_SPEC, address: "string", length: "string", out: "string" }, { "-o": "out" });
    asJson = opts.json === true;
    if (positional.length) throw new UsageError(`tsboot read: unexpected '${positional[0]}'`);
    portOptions("read", opts);
    const address = parseNumber("read", "--address", opts.address);
    const length = parseNumber("read", "--length", opts.length, { min: 1, max: 16 * 1024 * 1024 });
    const bar = new ProgressBar(io);
    const data = await withFlasher("read", opts, {}, (f) => f.read(address, length, (n) => bar.show("reading", n, length)));
    bar.done();
    if (typeof opts.out === "string") {
      fs.writeFileSync(opts.out, data);
      if (asJson) io.stdout.write(JSON.stringify({ ok: true, address: hex32(address), length, output: opts.out }) + "\n");
      else io.stdout.write(`wrote ${length} bytes from ${hex32(address)} to ${opts.out}\n`);
    } else if (asJson) {
      io.stdout.write(JSON.stringify({ ok: true, address: hex32(address), length, hex: Buffer.from(data).toString("hex") }) + "\n");
    } else {
      io.stdout.write(hexDump(address, data));
    }
    return 0;
  });
}

export function hexDump(address: number, data: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < data.length; at += 16) {
    const row = data.subarray(at, at + 16);
    const hexes = [...row].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const text = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${(address + at).toString(16).padStart(8, "0")}  ${hexes.padEnd(47)}  ${text}`);
  }
  return lines.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------- flash

export async function flashCommand(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  let asJson = false;
  return run("flash", io, () => asJson, async () => {
    const { opts, positional } = parseArgs("flash", argv, { ...PORT_SPEC, boot: "boolean", verify: "boolean", window: "string" });
    asJson = opts.json === true;
    if (positional.length !== 1) throw new UsageError("tsboot flash: needs exactly one image file (.tsb, from `tsboot image`)");
    portOptions("flash", opts);
    const file = positional[0];
    const window = opts.window === undefined ? undefined : parseNumber("flash", "--window", opts.window, { min: 1, max: 255 });
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(fs.readFileSync(file));
    } catch (e) {
      throw new ImageInputError((e as NodeJS.ErrnoException).code === "ENOENT" ? `${file}: no such file` : `${file}: ${(e as Error).message}`);
    }
    const name = path.basename(file);
    if (bytes.length === 0) throw new ImageInputError(`${name} is empty`);
    if (bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true) !== HEADER_MAGIC) {
      throw new ImageInputError(
        `${name} is not a tsboot image (.tsb): package it first — tsboot image ${name} --board <board> --version X.Y.Z -o ${name.replace(/\.[^.]+$/, "")}.tsb`,
      );
    }
    const bar = new ProgressBar(io);
    const result = await withFlasher("flash", opts, { window }, (f) =>
      f
        .flash(bytes, { boot: opts.boot !== false, verify: opts.verify === true, onProgress: (e) => bar.flashEvent(e) })
        .catch((e) => {
          if (e instanceof FlasherError && e.code === "bad-image") throw new FlasherError(e.code, `${name}: ${e.message}`);
          throw e;
        }),
    );
    bar.done();
    const line = result.lineBytesPerSecond;
    if (asJson) {
      io.stdout.write(
        JSON.stringify({
          ok: true,
          file,
          bytes: result.bytes,
          bytesSent: result.bytes + result.resentBytes,
          resentBytes: result.resentBytes,
          seconds: round(result.seconds, 3),
          bytesPerSecond: Math.round(result.bytesPerSecond),
          writeSeconds: round(result.writeSeconds, 3),
          writeBytesPerSecond: Math.round(result.writeBytesPerSecond),
          lineBytesPerSecond: line,
          lineEfficiency: line ? round(result.writeBytesPerSecond / line, 3) : null,
          retries: result.retries,
          window: result.window,
          minWindow: result.minWindow,
          chunk: result.chunk,
          frames: result.writeFrames,
          version: decodeVersion(result.header.appVersion),
          verified: result.verified,
          booted: result.booted,
          device: infoJson(result.device),
        }) + "\n",
      );
    } else {
      const board = result.device.boardName ?? hex32(result.device.boardId);
      const share = line ? ` (${Math.round((100 * result.writeBytesPerSecond) / line)}% of the line's ${Math.round(line)} B/s)` : "";
      io.stdout.write(
        `flashed ${name}: ${result.bytes} bytes, version ${decodeVersion(result.header.appVersion)}, to ${board} in ${result.seconds.toFixed(2)} s, ` +
          `${kib(Math.round(result.bytesPerSecond))}/s${share}, ${result.retries} ${result.retries === 1 ? "retry" : "retries"}` +
          `${result.verified ? ", verified" : ""}${result.booted ? "; application started" : "; left in the bootloader (--no-boot)"}\n`,
      );
    }
    return 0;
  });
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** A one-line progress bar on stderr, redrawn at most ~10 times a second; silent when not a TTY. */
class ProgressBar {
  private last = 0;
  private drawn = false;

  constructor(private readonly io: CliIO) {}

  flashEvent(e: FlashProgress): void {
    switch (e.phase) {
      case "info":
        this.note(`${e.info.boardName ?? hex32(e.info.boardId)}, bootloader ${e.info.bootloaderVersionText}`);
        break;
      case "erase":
        this.show("erasing", e.done, e.total, `${e.done}/${e.total} sectors`, e.done === e.total);
        break;
      case "write": {
        const rate = e.elapsedMs > 0 ? (e.bytes * 1000) / e.elapsedMs : 0;
        const left = rate > 0 ? (e.total - e.bytes) / rate : 0;
        this.show("writing", e.bytes, e.total, `${kib(e.bytes)}/${kib(e.total)}  ${kib(Math.round(rate))}/s  ${clock(left)} left`, e.bytes === e.total);
        break;
      }
      case "retry":
        this.note(`retry ${e.retries} (${e.reason}): resuming at byte ${e.resumeAt}`);
        break;
      case "end":
        this.note("checking CRC and storing the header (END)");
        break;
      case "verify":
        this.show("verifying", e.bytes, e.total, `${kib(e.bytes)}/${kib(e.total)}`, e.bytes === e.total);
        break;
      case "boot":
        this.note("starting the application (BOOT)");
        break;
    }
  }

  show(label: string, done: number, total: number, detail = `${kib(done)}/${kib(total)}`, force = done === total): void {
    if (!this.io.isTTY) return;
    const now = performance.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const width = Math.max(10, Math.min(30, (this.io.columns ?? 80) - 60));
    const filled = total > 0 ? Math.round((width * done) / total) : width;
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    const finished = done >= total;
    this.io.stderr.write(`\r\x1b[K${label.padEnd(9)} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(pct).padStart(3)}%  ${detail}${finished ? "\n" : ""}`);
    this.drawn = !finished;
  }

  note(text: string): void {
    if (!this.io.isTTY) return;
    this.io.stderr.write(`\r\x1b[K${text}\n`);
    this.drawn = false;
  }

  done(): void {
    if (this.io.isTTY && this.drawn) this.io.stderr.write("\n");
    this.drawn = false;
  }
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

// ------------------------------------------------------------------------------------------ dispatch

export const HOST_COMMANDS: Record<string, (argv: string[], io?: CliIO) => Promise<number>> = {
  image: imageCommand,
  flash: flashCommand,
  info: infoCommand,
  boot: bootCommand,
  read: readCommand,
};

export async function hostToolsMain(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const [command, ...rest] = argv;
  const handler = command ? HOST_COMMANDS[command] : undefined;
  if (!handler) {
    io.stderr.write(`${command ? `tsboot: unknown command '${command}'\n` : ""}${USAGE}\n`);
    return 2;
  }
  return handler(rest, io);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  hostToolsMain(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
