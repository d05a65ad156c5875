/**
 * Running the host simulator from Node: runScripted() for one virtual-time session (the C build, or the
 * same session on the Node simulation for comparison), startLive() for a simulator serving its UART on TCP.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import type { BoardLayout } from "../../hal-bindings/sim/board-layout";
import { buildHostSim, REPO_ROOT, type HostSim } from "./build";
import type { BootState } from "../../hal-bindings/sim/simulation";
import { formatScript, type ScriptEntry, type SessionOptions } from "./script";
import { formatBootState, parseBootState } from "./state";

export type { ScriptEntry } from "./script";

export type Outcome =
  | { outcome: "application"; sp: number; pc: number; vtor: number }
  | { outcome: "reset"; reason: "software" | "watchdog" }
  /** A panic resets the board: the fault record holds kind 7 and the TypeScript line. */
  | { outcome: "reset"; reason: "panic"; line: number; message: string }
  | { outcome: "power-cut"; operation: number; inside?: true }
  | { outcome: "idle" }
  | { outcome: "timeout" }
  | { outcome: "fault"; message: string };

export interface ScriptedOptions extends SessionOptions {
  board: string | BoardLayout;
  /** A build to use (default: buildHostSim({ board })). */
  sim?: HostSim;
  /** "c" (default): the compiled bootloader; "node": bootloader-ts on hal-bindings/sim (host/sim/node-run.ts). */
  engine?: "c" | "node";
  /** Initial flash, the whole flash from its base (default: erased). */
  flash?: Uint8Array;
  /** A .tsb image (bytes or a path) installed before the boot. */
  preload?: Uint8Array | string;
}

export interface ScriptedResult {
  outcome: Outcome;
  nowUs: number;
  flashOperations: number;
  /** Every byte the device wrote (print output included). */
  transcript: Uint8Array;
  /** The flash at the end. */
  flash: Uint8Array;
  exitCode: number;
  /** The JSON line as printed. */
  json: Record<string, unknown>;
  /** What the next boot starts with (--state). */
  state: BootState;
  stderr: string;
}

const NODE_RUN = path.join(path.dirname(fileURLToPath(import.meta.url)), "node-run.ts");

/** One scripted session. */
export async function runScripted(options: ScriptedOptions): Promise<ScriptedResult> {
  const engine = options.engine ?? "c";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-sim-"));
  try {
    const flashFile = path.join(dir, "flash.bin");
    const transcriptFile = path.join(dir, "transcript.bin");
    const stateFile = path.join(dir, "state.txt");
    const args = ["--flash", flashFile, "--transcript", transcriptFile, "--state", stateFile];
    if (options.flash) fs.writeFileSync(flashFile, options.flash);
    if (options.state) fs.writeFileSync(stateFile, formatBootState(options.state));
    if (options.script) {
      const scriptFile = path.join(dir, "script.txt");
      fs.writeFileSync(scriptFile, formatScript(options.script));
      args.push("--script", scriptFile);
    }
    if (options.preload !== undefined) {
      let file = options.preload;
      if (typeof file !== "string") {
        fs.writeFileSync(path.join(dir, "preload.tsb"), file);
        file = path.join(dir, "preload.tsb");
      }
      args.push("--preload", file);
    }
    if (options.trigger) args.push("--trigger");
    for (const p of options.pins ?? []) args.push("--pin", p);
    if (options.updateFlag !== undefined) args.push("--update-flag", (options.updateFlag >>> 0).toString(16));
    if (options.cutPowerAt) args.push("--cut-power-at", String(options.cutPowerAt));
    if (options.cutInside) args.push("--cut-inside");
    if (options.seed !== undefined) args.push("--seed", String(options.seed >>> 0));
    if (options.injectError) args.push("--inject-error", String(options.injectError));
    if (options.flashTiming) args.push("--flash-timing", options.flashTiming);
    if (options.watchdogHardware) args.push("--watchdog-hardware");
    if (options.limitUs !== undefined) args.push("--limit-us", String(options.limitUs));
    if (options.idleUs !== undefined) args.push("--idle-us", String(options.idleUs));
    let command: string;
    let commandArgs: string[];
    if (engine === "node") {
      if (typeof options.board !== "string") throw new Error("runScripted: the node engine takes a board name");
      command = process.execPath;
      commandArgs = ["--import", "tsx", NODE_RUN, "--board", options.board, ...args];
    } else {
      const sim = options.sim ?? (await buildHostSim({ board: options.board }));
      command = sim.binary;
      commandArgs = args;
    }
    const r = await execa(command, commandArgs, { cwd: REPO_ROOT, reject: false });
    const line = r.stdout.trim().split("\n").pop() ?? "";
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(line);
    } catch {
      throw new Error(`the ${engine} simulator printed no outcome (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
    }
    const { nowUs, flashOperations, txBytes: _tx, rxUnread: _rx, ...outcome } = json;
    return {
      outcome: outcome as unknown as Outcome,
      nowUs: nowUs as number,
      flashOperations: flashOperations as number,
      transcript: fs.existsSync(transcriptFile) ? new Uint8Array(fs.readFileSync(transcriptFile)) : new Uint8Array(0),
      flash: fs.existsSync(flashFile) ? new Uint8Array(fs.readFileSync(flashFile)) : new Uint8Array(0),
      exitCode: r.exitCode ?? -1,
      json,
      state: parseBootState(fs.existsSync(stateFile) ? fs.readFileSync(stateFile, "utf8") : ""),
      stderr: r.stderr,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface LiveOptions {
  board: string | BoardLayout;
  sim?: HostSim;
  /** TCP port on 127.0.0.1 (0, the default: any free port; see handle.port). */
  port?: number;
  flashFile?: string;
  /** A .tsb path installed before the first boot. */
  preload?: string;
  /** After the application starts, have it request an update and reset (the bootloader serves again). */
  stay?: boolean;
  /** Every client connection resets the device (the listen window opens as the host connects). */
  resetOnConnect?: boolean;
  trigger?: boolean;
  /** Input pin levels, "PB5=0". */
  pins?: readonly string[];
  updateFlag?: number;
  /** Datasheet flash timing (default typ): live mode waits that long in real time. */
  flashTiming?: "typ" | "max" | "none";
  /** "none": the line has no baud rate (bytes take no time): for host-tool tests that measure no time. */
  uartTiming?: "baud" | "none";
  watchdogHardware?: boolean;
  /** The line garbles every byte sent faster than this (either way): a link that fails at high rates. */
  lineLimitBaud?: number;
}

export interface LiveSim {
  port: number;
  process: ChildProcess;
  /** Every line the simulator printed on stdout so far. */
  readonly lines: string[];
  /** Resolves with the first stdout line (already printed or to come) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the simulator exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  /** Stops the simulator (SIGTERM) and waits for it. */
  close(): Promise<void>;
}

/** Starts a live simulator; resolves once it listens. */
export async function startLive(options: LiveOptions): Promise<LiveSim> {
  const sim = options.sim ?? (await buildHostSim({ board: options.board }));
  const args = ["--port", String(options.port ?? 0)];
  if (options.flashFile) args.push("--flash", options.flashFile);
  if (options.preload) args.push("--preload", options.preload);
  if (options.stay) args.push("--stay");
  if (options.resetOnConnect) args.push("--reset-on-connect");
  if (options.trigger) args.push("--trigger");
  for (const p of options.pins ?? []) args.push("--pin", p);
  if (options.updateFlag !== undefined) args.push("--update-flag", (options.updateFlag >>> 0).toString(16));
  if (options.flashTiming) args.push("--flash-timing", options.flashTiming);
  if (options.watchdogHardware) args.push("--watchdog-hardware");
  if (options.uartTiming === "none") args.push("--uart-timing", "none");
  if (options.lineLimitBaud !== undefined) args.push("--line-limit-baud", String(options.lineLimitBaud));
  const child = spawn(sim.binary, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (l: string) => void }[] = [];
  let partial = "";
  let errText = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf("\n")) >= 0) {
      const line = partial.slice(0, nl).replace(/\r$/, "");
      partial = partial.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => (errText += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => (done = true));
  const waitForLine = (pattern: RegExp, timeoutMs = 5000) => {
    const found = lines.find((l) => pattern.test(l));
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<string>((resolve, reject) => {
      const w = { pattern, resolve: (l: string) => (clearTimeout(timer), resolve(l)) };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(new Error(`tsboot-sim printed no line matching ${pattern} within ${timeoutMs} ms; stdout:\n${lines.join("\n")}\nstderr:\n${errText}`));
      }, timeoutMs);
      waiters.push(w);
      void exited.then(() => {
        if (!waiters.includes(w)) return;
        setTimeout(() => {
          if (!waiters.includes(w)) return;
          waiters.splice(waiters.indexOf(w), 1);
          clearTimeout(timer);
          reject(new Error(`tsboot-sim exited before printing a line matching ${pattern}; stdout:\n${lines.join("\n")}\nstderr:\n${errText}`));
        }, 50);
      });
    });
  };
  let listening: string;
  try {
    listening = await waitForLine(/listening on 127\.0\.0\.1:\d+/);
  } catch (e) {
    child.kill("SIGKILL");
    throw e;
  }
  const port = Number(/:(\d+)$/.exec(listening)![1]);
  return {
    port,
    process: child,
    lines,
    waitForLine,
    exited,
    stderr: () => errText,
    async close() {
      if (!done) child.kill("SIGTERM");
      await exited;
    },
  };
}
