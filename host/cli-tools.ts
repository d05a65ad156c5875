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
import { generateKeys, KeyError, loadPrivateKey } from "./image/keys";
import { constants as osConstants } from "node:os";
import { Flasher, FlasherError, type DeviceInfo, type FlashProgress, type FlasherOptions } from "./flasher/index";
import { connect } from "./flasher/connect";
import { negotiateBaud, parseBaudRequest, type BaudRequest } from "./flasher/baud";
import { eraseApplication, verifyInstalled } from "./flasher/maintenance";
import { parseResetSequence, runResetSteps, type ResetSequence } from "./flasher/reset-sequence";

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
  tsboot image <app.bin|app.hex|app.elf> --board <name|board.json> --version X.Y.Z [-o app.tsb] [--format bin|hex|elf]
               [--key key.pem] [--security-counter N] [--json]
  tsboot keygen -o key.pem                           an Ed25519 key pair: key.pem (private, PKCS#8) and key.pub
  tsboot flash  <app.tsb> --port <port> [--no-boot] [--verify] [--permanent] [--allow-downgrade] [--window N] [--json]
  tsboot verify <app.tsb> --port <port> [--json]     the installed image against a file (CRC-32 and bytes, READ)
  tsboot erase  --port <port> [--json]               the application region, left with no application
  tsboot info   --port <port> [--json]
  tsboot boot   --port <port>
  tsboot read   --port <port> --address 0x08008000 --length 256 [-o out.bin]
  tsboot protect | unprotect --port <port>           write-protect the bootloader region (option bytes), or lift it
  tsboot install [--permanent] | confirm | revert --port <port>   two-slot boards (docs/slots.md)

  Every command that talks to a device also takes:
  --baud <rate|auto>  after the handshake, switch the session to this rate (auto: the fastest both ends
                      support; serial and rfc2217:// ports); a failed faster link falls back to the old rate
  --base-baud <rate>  the rate the bootloader listens at, where every session starts (default 115200)
  --wait <seconds>    keep trying while you reset the board (INFO every 25 ms; the port may come and go)
  --reset <sequence>  drive DTR/RTS first, as stm32flash -i: e.g. -dtr,dtr  (',' 100 ms apart, '&' together,
                      '-' releases, after ':' the sequence run when the command is done)

  <port> is a serial device (/dev/ttyACM0, COM3), rfc2217://HOST:PORT (a network serial server, or the host
  simulation with a rate) or tcp://HOST:PORT (a raw pipe: the host simulation, a bridge).
  Ctrl-C (or SIGTERM) stops a command and says what state the device is in.`;

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
    if (e instanceof InterruptedCommand) {
      if (io.isTTY) io.stderr.write("\r\x1b[K");
      io.stderr.write(`tsboot ${command}: ${e.message}\n`);
      if (json()) io.stdout.write(JSON.stringify({ ok: false, error: { code: "interrupted", message: e.message } }) + "\n");
      return 128 + (osConstants.signals[e.signal] ?? 2);
    }
    const known = e instanceof FlasherError || e instanceof ImageInputError || e instanceof KeyError;
    const message = known ? (e as Error).message : `${(e as Error)?.stack ?? e}`;
    if (io.isTTY) io.stderr.write("\r\x1b[K");
    io.stderr.write(`tsboot ${command}: ${message}\n`);
    if (json()) {
      const code = e instanceof FlasherError ? e.code : e instanceof ImageInputError || e instanceof KeyError ? "bad-input" : "internal";
      io.stdout.write(JSON.stringify({ ok: false, error: { code, message } }) + "\n");
    }
    return 1;
  }
}

// ---------------------------------------------------------------------------------------------- image

export async function imageCommand(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  let asJson = false;
  return run("image", io, () => asJson, async () => {
    const { opts, positional } = parseArgs(
      "image",
      argv,
      { board: "string", version: "string", out: "string", format: "string", json: "boolean", key: "string", "security-counter": "string" },
      { "-o": "out", "-b": "board" },
    );
    asJson = opts.json === true;
    if (positional.length !== 1) throw new UsageError("tsboot image: needs exactly one input file (.bin, .hex or .elf)");
    const input = positional[0];
    const format = opts.format as InputFormat | undefined;
    if (format !== undefined && !["bin", "hex", "elf"].includes(format)) throw new UsageError(`tsboot image: --format must be bin, hex or elf, not '${format}'`);
    const out = typeof opts.out === "string" ? opts.out : input.replace(/\.(bin|hex|ihex|ihx|elf|axf|out)$/i, "") + ".tsb";
    if (path.resolve(out) === path.resolve(input)) throw new UsageError("tsboot image: the output would overwrite the input; pass -o <file.tsb>");
    const key = typeof opts.key === "string" ? loadPrivateKey(opts.key) : undefined;
    const securityCounter = opts["security-counter"] === undefined ? 0 : parseNumber("image", "--security-counter", opts["security-counter"], { min: 0, max: 0xffffffff });
    const packaged = packageImage({ input, board: opts.board as string, version: opts.version as string, format, key, securityCounter });
    fs.writeFileSync(out, packaged.image);
    if (asJson) {
      io.stdout.write(
        JSON.stringify({
          ok: true, output: out, format: packaged.format, board: packaged.board.name, boardId: hex32(packaged.board.boardId),
          loadAddress: hex32(packaged.loadAddress), payloadBytes: packaged.payload.length, fileBytes: packaged.image.length,
          version: decodeVersion(packaged.appVersion), payloadCrc32: hex32(packaged.payloadCrc), signed: packaged.signed,
          securityCounter: packaged.securityCounter,
        }) + "\n",
      );
    } else {
      io.stdout.write(describeImage(packaged, out) + "\n");
    }
    return 0;
  });
}

/** `tsboot keygen -o key.pem`: a new Ed25519 key pair for signed images. */
export async function keygenCommand(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  return run("keygen", io, () => false, async () => {
    const { opts, positional } = parseArgs("keygen", argv, { out: "string" }, { "-o": "out" });
    if (positional.length !== 0 || typeof opts.out !== "string") throw new UsageError("tsboot keygen: needs -o <key.pem>");
    const { privatePath, publicPath } = generateKeys(opts.out);
    io.stdout.write(
      `wrote ${privatePath} (the private key: keep it secret; sign with \`tsboot image … --key ${privatePath}\`) and ` +
        `${publicPath} (the public key: \`tsboot build --pubkey ${publicPath}\` builds it into the bootloader)\n`,
    );
    return 0;
  });
}

// ------------------------------------------------------------------------------------ device commands

const PORT_SPEC: Spec = { port: "string", baud: "string", "base-baud": "string", json: "boolean", wait: "string", reset: "string" };

/** --port, --base-baud (the rate the session starts at) and --baud (the rate to negotiate), checked before anything is opened. */
function portOptions(command: string, opts: Record<string, string | boolean>): { port: string; baseBaud: number | undefined; baud: BaudRequest | undefined } {
  if (typeof opts.port !== "string") throw new UsageError(`tsboot ${command}: needs --port <serial device, rfc2217://host:port or tcp://host:port>`);
  const baseBaud = opts["base-baud"] === undefined ? undefined : parseNumber(command, "--base-baud", opts["base-baud"], { min: 1200, max: 12_000_000 });
  let baud: BaudRequest | undefined;
  if (opts.baud !== undefined) {
    const parsed = typeof opts.baud === "string" ? parseBaudRequest(opts.baud) : null;
    if (parsed === null) throw new UsageError(`tsboot ${command}: --baud '${opts.baud}' is not a rate: auto (the fastest both ends support) or a number in 1200…12000000`);
    baud = parsed;
  }
  return { port: opts.port, baseBaud, baud };
}

/** --wait and --reset, checked before anything is opened. */
function sessionOptions(command: string, opts: Record<string, string | boolean>): { waitMs?: number; reset?: ResetSequence } {
  const waitMs = opts.wait === undefined ? undefined : parseNumber(command, "--wait", opts.wait, { min: 1, max: 3600 }) * 1000;
  let reset: ResetSequence | undefined;
  if (typeof opts.reset === "string") {
    try {
      reset = parseResetSequence(opts.reset);
    } catch (e) {
      throw new UsageError(`tsboot ${command}: --reset: ${(e as Error).message}`);
    }
  }
  return { waitMs, reset };
}

/**
 * Opens the session (waiting and resetting as asked), runs `body`, then the reset sequence's exit part and
 * closes. A SIGINT or SIGTERM meanwhile interrupts `body` (Flasher.interrupt); `onInterrupt` then says
 * what state the device is in.
 */
async function withFlasher<T>(
  command: string,
  opts: Record<string, string | boolean>,
  extra: FlasherOptions,
  body: (f: Flasher) => Promise<T>,
  io?: CliIO,
  onInterrupt?: (f: Flasher, signal: NodeJS.Signals) => Promise<string>,
): Promise<T> {
  const { port, baseBaud, baud } = portOptions(command, opts);
  const { waitMs, reset } = sessionOptions(command, opts);
  let flasher: Flasher | null = null;
  let signalled: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => () => {
    if (signalled) return;
    signalled = signal;
    flasher?.interrupt(`interrupted (${signal})`);
  };
  const handlers = { SIGINT: onSignal("SIGINT"), SIGTERM: onSignal("SIGTERM") };
  process.on("SIGINT", handlers.SIGINT);
  process.on("SIGTERM", handlers.SIGTERM);
  try {
    const opened = await connect(port, { baud: baseBaud, ...extra, waitMs, reset, onWaiting: (m) => io?.stderr.write(`${m}\n`) });
    flasher = opened.flasher;
    if (signalled) flasher.interrupt(`interrupted (${signalled})`);
    try {
      const negotiated = baud === undefined ? null : await negotiateBaud(flasher, baud);
      if (negotiated?.note) io?.stderr.write(`tsboot ${command}: ${negotiated.note}\n`);
      const result = await body(flasher);
      // Back to the base rate while the bootloader still listens, so that the next command finds it there
      // (else it would only return after its session's idle timeout).
      if (negotiated && negotiated.baud !== negotiated.from && !flasher.left) await negotiateBaud(flasher, negotiated.from);
      if (reset) await runResetSteps(flasher.transport, reset.exit);
      return result;
    } catch (e) {
      if (signalled && e instanceof FlasherError && e.code === "interrupted") {
        flasher.resume();
        const state = onInterrupt ? await onInterrupt(flasher, signalled) : "";
        throw new InterruptedCommand(signalled, `${e.message}${state ? `: ${state}` : ""}`);
      }
      throw e;
    } finally {
      await flasher.close();
    }
  } catch (e) {
    if (signalled && !(e instanceof InterruptedCommand)) throw new InterruptedCommand(signalled, `interrupted (${signalled}) before the session started: nothing was sent to the device`);
    throw e;
  } finally {
    process.off("SIGINT", handlers.SIGINT);
    process.off("SIGTERM", handlers.SIGTERM);
  }
}

/** A command cut short by a signal: exit 128 + the signal's number, with a message saying where it stood. */
class InterruptedCommand extends Error {
  constructor(
    readonly signal: NodeJS.Signals,
    message: string,
  ) {
    super(message);
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
    `signatures:   ${d.signatureRequired ? "required (Ed25519, the public key built into the bootloader)" : "not required (CRC-checked images)"}; ` +
      `anti-rollback counter ${d.securityCounter}`,
    ...(d.lineErrors.length ? [`line errors:  ${d.lineErrors.join(", ")} since boot`] : []),
    ...(d.slots.mode === "swap" ? slotLines(d) : []),
  ].join("\n");
}

/** Two-slot devices: what the primary and the secondary slot hold, and what happened last (docs/slots.md). */
function slotLines(d: DeviceInfo): string[] {
  const s = d.slots;
  const trial = s.trial === "pending" ? "on trial, not yet started" : s.trial === "started" ? "on trial, started: the next reset without a confirmation reverts it" : "confirmed";
  const secondary =
    s.secondary === "pending" ? `version ${s.secondaryVersion}, downloaded, waiting for INSTALL` :
    s.secondary === "previous" ? `version ${s.secondaryVersion}, the previous image (what REVERT brings back)` : "empty";
  const last = s.lastEvent === "none" ? "none" : s.lastEvent === "reverted" ? `reverted (${s.lastReason})` : s.lastEvent;
  return [
    `primary:      ${d.appValid ? `version ${d.appVersionText}, ${trial}` : "no valid image"}`,
    `secondary:    ${secondary}`,
    `last install: ${last}${s.swapInProgress ? "; a swap is in progress (it finishes at the next boot)" : ""}`,
  ];
}

function infoJson(d: DeviceInfo) {
  return {
    board: d.boardName, boardId: hex32(d.boardId), bootloaderVersion: d.bootloaderVersionText, protocolVersion: d.protocolVersion,
    appStart: hex32(d.appStart), appSize: d.appSize, appValid: d.appValid, appVersion: d.appVersionText,
    writeUnit: d.writeUnit, maxData: d.maxData, window: d.window,
    resetCause: d.resetCause, lastFault: d.lastFault, watchdog: d.watchdog, bootloaderProtected: d.bootloaderProtected,
    protectionFailed: d.protectionFailed, signatureRequired: d.signatureRequired, securityCounter: d.securityCounter,
    lineErrors: d.lineErrors, slots: d.slots,
  };
}

export async function infoCommand(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  let asJson = false;
  return run("info", io, () => asJson, async () => {
    const { opts, positional } = parseArgs("info", argv, PORT_SPEC);
    asJson = opts.json === true;
    if (positional.length) throw new UsageError(`tsboot info: unexpected '${positional[0]}'`);
    const info = await withFlasher("info", opts, {}, (f) => f.info(), io);
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
    }, io);
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
    const data = await withFlasher("read", opts, {}, (f) => f.read(address, length, (n) => bar.show("reading", n, length)), io);
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
    const { opts, positional } = parseArgs("flash", argv, {
      ...PORT_SPEC, boot: "boolean", verify: "boolean", window: "string", permanent: "boolean", "allow-downgrade": "boolean",
    });
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
    const again = `tsboot flash ${file} --port ${opts.port}`;
    const result = await withFlasher(
      "flash",
      opts,
      { window },
      (f) =>
        f
          .flash(bytes, {
            boot: opts.boot !== false, verify: opts.verify === true, permanent: opts.permanent === true,
            allowDowngrade: opts["allow-downgrade"] === true, onProgress: (e) => bar.flashEvent(e),
          })
          .catch((e) => {
            if (e instanceof FlasherError && e.code === "bad-image") throw new FlasherError(e.code, `${name}: ${e.message}`);
            throw e;
          }),
      io,
      async (f) => {
        bar.done();
        return interruptedFlashState(f, again, `tsboot info --port ${opts.port}`);
      },
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
          baud: result.baud,
          lineEfficiency: line ? round(result.writeBytesPerSecond / line, 3) : null,
          retries: result.retries,
          window: result.window,
          minWindow: result.minWindow,
          chunk: result.chunk,
          frames: result.writeFrames,
          version: decodeVersion(result.header.appVersion),
          verified: result.verified,
          booted: result.booted,
          installed: result.installed,
          device: infoJson(result.device),
        }) + "\n",
      );
    } else {
      const board = result.device.boardName ?? hex32(result.device.boardId);
      const share = line ? ` (${Math.round((100 * result.writeBytesPerSecond) / line)}% of the line's ${Math.round(line)} B/s)` : "";
      io.stdout.write(
        `flashed ${name}: ${result.bytes} bytes, version ${decodeVersion(result.header.appVersion)}, to ${board} in ${result.seconds.toFixed(2)} s, ` +
          `${kib(Math.round(result.bytesPerSecond))}/s${share}, ${result.retries} ${result.retries === 1 ? "retry" : "retries"}` +
          `${result.verified ? ", verified" : ""}` +
          `${result.installed === "trial" ? "; installed for a trial (the application must confirm it, or the next reset reverts it)" : result.installed === "permanent" ? "; installed for good" : ""}` +
          `${result.booted ? "; application started" : "; left in the bootloader (--no-boot)"}\n`,
      );
    }
    return 0;
  });
}

/**
 * What an interrupted flash leaves on the device, and how to recover. During the transfer an ABORT makes
 * the device forget it at once (without it the session ends after its idle timeout).
 */
async function interruptedFlashState(f: Flasher, again: string, info: string): Promise<string> {
  const { phase, bytes, total } = f.state;
  const abort = async () => {
    try {
      await f.abort();
      return " (ABORT sent: the device has dropped the transfer)";
    } catch {
      return " (the device did not answer ABORT: it drops the transfer by itself after a silent session times out)";
    }
  };
  switch (phase) {
    case "idle":
    case "info":
      return "nothing was changed on the device: the installed application, if any, is as it was";
    case "begin":
    case "write":
      if (f.cachedDevice?.slots.mode === "swap") {
        return `stopped during the download after ${bytes} of ${total} bytes: the installed application is untouched (a download goes to the secondary slot)${await abort()} — run \`${again}\` again to update it`;
      }
      if (phase === "begin") {
        return `stopped during BEGIN: the device holds no valid application now and stays in update mode${await abort()} — run \`${again}\` again`;
      }
      return (
        `stopped during the transfer after ${bytes} of ${total} bytes: the device holds no valid application (BEGIN erased the old one; the image ` +
        `header is written only at END, after the CRC check) and stays in update mode${await abort()} — run \`${again}\` again to finish`
      );
    case "end":
      return `stopped after END was sent: the device may already hold the new image — check with \`${info}\`, and flash again if it shows none valid`;
    case "install":
      return `stopped during INSTALL: the device finishes an interrupted swap by itself at its next boot — check with \`${info}\``;
    case "verify":
      return "stopped while reading the image back: it was installed (END succeeded); only the read-back check is missing";
    case "boot":
      return "stopped at BOOT: the image is installed; the application may be starting";
  }
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
      case "install":
        this.note(e.permanent ? "installing for good (INSTALL): swapping the slots" : "installing for a trial (INSTALL): swapping the slots; the application must confirm it");
        break;
      case "swap":
        this.show("swapping", e.done, e.total, `${e.done}/${e.total} steps`, e.done === e.total);
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

// ------------------------------------------------------------------------------- production commands

export async function verifyCommand(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  let asJson = false;
  return run("verify", io, () => asJson, async () => {
    const { opts, positional } = parseArgs("verify", argv, PORT_SPEC);
    asJson = opts.json === true;
    if (positional.length !== 1) throw new UsageError("tsboot verify: needs exactly one image file (.tsb) to compare with");
    portOptions("verify", opts);
    const file = positional[0];
    if (!fs.existsSync(file)) throw new ImageInputError(`${file}: no such file`);
    const bytes = new Uint8Array(fs.readFileSync(file));
    const bar = new ProgressBar(io);
    const r = await withFlasher("verify", opts, {}, (f) => verifyInstalled(f, bytes, (n, total) => bar.show("reading", n, total)), io);
    bar.done();
    const name = path.basename(file);
    if (asJson) {
      io.stdout.write(JSON.stringify({ ok: r.matches, file, bytes: r.bytes, fileCrc32: hex32(r.fileCrc), deviceCrc32: hex32(r.deviceCrc), firstDifference: r.firstDifference, fileVersion: r.fileVersion, deviceVersion: r.device.appVersionText }) + "\n");
    }
    if (!r.matches) {
      const where = r.firstDifference >= 0 ? `, first difference at ${hex32(r.device.appStart + r.firstDifference)} (offset ${r.firstDifference})` : "";
      const version = r.device.appVersionText !== r.fileVersion ? `; the device's application is version ${r.device.appVersionText}, the file's ${r.fileVersion}` : "";
      io.stderr.write(`tsboot verify: the installed image differs from ${name}: CRC-32 ${hex32(r.deviceCrc)} on the device, ${hex32(r.fileCrc)} in the file${where}${version}\n`);
      return 1;
    }
    if (!asJson) io.stdout.write(`verified: the installed image is ${name} (${r.bytes} bytes, CRC-32 ${hex32(r.fileCrc)}, version ${r.fileVersion})\n`);
    return 0;
  });
}

export async function eraseCommand(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  let asJson = false;
  return run("erase", io, () => asJson, async () => {
    const { opts, positional } = parseArgs("erase", argv, PORT_SPEC);
    asJson = opts.json === true;
    if (positional.length) throw new UsageError(`tsboot erase: unexpected '${positional[0]}'`);
    portOptions("erase", opts);
    const bar = new ProgressBar(io);
    const r = await withFlasher("erase", opts, {}, (f) => eraseApplication(f, (done, total) => bar.show("erasing", done, total, `${done}/${total}`)), io);
    bar.done();
    const region = `[${hex32(r.device.appStart)}, ${hex32(r.device.appStart + r.device.appSize)})`;
    io.stdout.write(
      asJson
        ? JSON.stringify({ ok: true, erased: region, units: r.units }) + "\n"
        : `erased the application region ${region} (${r.units} erase units): the device stays in the bootloader with no application\n`,
    );
    return 0;
  });
}

function deviceCommand(name: string, action: (f: Flasher, opts: Record<string, string | boolean>) => Promise<string>, extraSpec: Spec = {}) {
  return async (argv: string[], io: CliIO = defaultIO()): Promise<number> => {
    let asJson = false;
    return run(name, io, () => asJson, async () => {
      const { opts, positional } = parseArgs(name, argv, { ...PORT_SPEC, ...extraSpec });
      asJson = opts.json === true;
      if (positional.length) throw new UsageError(`tsboot ${name}: unexpected '${positional[0]}'`);
      portOptions(name, opts);
      const said = await withFlasher(name, opts, {}, (f) => action(f, opts), io);
      io.stdout.write(asJson ? JSON.stringify({ ok: true, result: said }) + "\n" : `${said}\n`);
      return 0;
    });
  };
}

export const protectCommand = deviceCommand("protect", async (f) => {
  await f.protect(true);
  return "the bootloader region is write-protected (option bytes): \`tsboot info\` shows it; \`tsboot unprotect\` lifts it";
});
export const unprotectCommand = deviceCommand("unprotect", async (f) => {
  await f.protect(false);
  return "the bootloader region's write protection is lifted";
});
export const installCommand = deviceCommand("install", async (f, opts) => {
  await f.install(opts.permanent === true);
  return opts.permanent === true ? "installed for good" : "installed for a trial: the application must confirm it (tsboot_confirm), or the next reset brings the previous image back";
}, { permanent: "boolean" });
export const confirmCommand = deviceCommand("confirm", async (f) => {
  await f.confirm();
  return "confirmed: the image on trial stays";
});
export const revertCommand = deviceCommand("revert", async (f) => {
  await f.revert();
  return "reverted: the previous image is back";
});

// ------------------------------------------------------------------------------------------ dispatch

export const HOST_COMMANDS: Record<string, (argv: string[], io?: CliIO) => Promise<number>> = {
  image: imageCommand,
  keygen: keygenCommand,
  flash: flashCommand,
  info: infoCommand,
  boot: bootCommand,
  read: readCommand,
  verify: verifyCommand,
  erase: eraseCommand,
  protect: protectCommand,
  unprotect: unprotectCommand,
  install: installCommand,
  confirm: confirmCommand,
  revert: revertCommand,
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
