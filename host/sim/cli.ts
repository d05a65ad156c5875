/**
 * `tsboot sim`: the bootloader compiled to C on a simulated board, as a host program.
 *
 *   tsboot sim [--board B|board.json] [--entry main.ts] [--c file.c]... [--pin PB5=0]... [--debug] ...
 *   tsboot sim [--board B] --port N [--flash FILE] [--preload APP.tsb] [--stay] [--trigger] [--update-flag HEX]
 *   tsboot sim [--board B] --script FILE [--flash FILE] [--preload APP.tsb] [--transcript FILE] [...]
 *
 * simCommand(argv) takes the arguments after "sim" (a leading "sim" is skipped too) and resolves with the
 * exit status.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BoardError, DEFAULT_BOARD, listBoards, loadBoard, type Board } from "../../boards/index";
import { productHeader } from "../../boards/board-c";
import { BoardLayoutError, layoutFromBoard } from "./board-c";
import { buildHostSim, ENTRY, HostSimBuildError } from "./build";
import { checkImage, PreloadError } from "./preload";
import { parseScript, ScriptError } from "./script";

export const SIM_USAGE = `usage: tsboot sim [--board <board>] --port <port> [--flash <file>] [--preload <app.tsb>] [--stay]
       tsboot sim [--board <board>] --script <file> [--flash <file>] [--transcript <file>] [...]
       ... [--entry <main.ts>] [--c <file.c>]... [--pin PB5=0]... [--debug] [--node]

Runs the bootloader (bootloader-ts/, compiled to C; or your own entry) on a simulated board.

Live (--port): the board's UART is served on 127.0.0.1:<port>, one client at a time (a client that
disconnects is a host that vanished; the next one is accepted). Real time. Use it like a serial port:
  socat pty,link=/tmp/tsboot,rawer tcp:127.0.0.1:<port>    then    stm32flash -m 8n1 -b 115200 /tmp/tsboot
When the bootloader starts the application the simulator says so (on stdout and to the client:
"tsboot-sim: application started sp=0x.. pc=0x..") and exits 0, or with --stay the application asks for an
update and resets, and the bootloader serves again.

Scripted (--script): virtual time, the same model as the Node simulation; the script's lines are
"AT_US HEX_BYTES" (bytes the host sends, the first arriving at AT_US microseconds); one JSON line reports
the outcome (application, reset, power-cut, idle, timeout).

Options:
  --board <board>        ${listBoardsSafe()} (default ${DEFAULT_BOARD}), or a board file's path
  --entry <main.ts>      your own entry (default: tsboot's bootloader-ts/main.ts)
  --entry-function <f>   the function to start, exported by the entry (default bootloaderMain)
  --c <file.c>           a C file with the host bodies of your own bindings; repeat for more
  -I <dir>               an include folder for those files; repeat for more
  --pin <PB5=0>          an input pin's level at power-on (0 or 1); repeat for more
  --debug                build with -Og -g3 (gdb steps through the .ts)
  --node                 run the TypeScript itself on the Node simulation instead of the C build (each
                         binding runs its TypeScript body; live: one boot, then the outcome is printed)
  --which                build the simulator (if needed), print its path and exit: gdb --args <path> ...
  --port <port>          TCP port on 127.0.0.1 (0: any free port, printed)
  --flash <file>         the whole flash as a raw image; created erased if missing; live: written through
                         after every erase and program, so it survives a kill; scripted: written at the end
  --preload <app.tsb>    install this image first, as the bootloader's own update would
  --stay                 live: keep serving after the application starts (it requests an update)
  --reset-on-connect     live: every client connection resets the device (the listen window opens as it connects)
  --trigger              the update trigger pin is held at boot
  --flash-timing <t>     typ (default), max or none: the part's datasheet erase and program times, for
                         which the CPU stalls (live: in real time)
  --watchdog-hardware    the option bytes start the watchdog at every reset (WDG_SW = 0, about 0.5 s)
  --update-flag <hex>    the update-request word in RAM at boot (55425354 requests an update)
  --script <file>        scripted: the host's bytes
  --transcript <file>    scripted: write every byte the device sent
  --cut-power-at <n>     scripted: cut the power before flash operation n
  --cut-inside           scripted: ... inside it instead (the operation is left torn)
  --seed <n>             scripted: the seed of torn operations and weak cells (default 1)
  --state <file>         scripted: what the previous boot left (reset cause, RAM, weak cells); read if it
                         exists, written for the next boot
  --limit-us <n>         scripted: stop when the virtual clock passes n us (default 600000000)
  --idle-us <n>          scripted: stop after n us idle with the script done (default 20000000; 0: never)`;

function listBoardsSafe(): string {
  try {
    return listBoards().join(", ");
  } catch {
    return "a board in boards/";
  }
}

class UsageError extends Error {}

interface SimArgs {
  board: string;
  entry?: string;
  entryFunction?: string;
  extraC: string[];
  includeDirs: string[];
  pins: { port: string; pin: number; level: 0 | 1; text: string }[];
  debug: boolean;
  which: boolean;
  /** Run the TypeScript itself on the Node simulation (host/sim/node-run.ts) instead of the C build. */
  node: boolean;
  port?: number;
  flash?: string;
  preload?: string;
  script?: string;
  passthrough: string[];
}

function parse(argv: string[]): SimArgs | "help" {
  const args: SimArgs = { board: DEFAULT_BOARD, passthrough: [], extraC: [], includeDirs: [], pins: [], debug: false, which: false, node: false };
  const list = argv[0] === "sim" ? argv.slice(1) : argv;
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    const value = (what: string): string => {
      const v = list[++i];
      if (v === undefined || (v.startsWith("--") && v.length > 2)) throw new UsageError(`${a} needs ${what}`);
      return v;
    };
    const number = (what: string, max: number): string => {
      const v = value(what);
      if (!/^\d+$/.test(v) || Number(v) > max) throw new UsageError(`${a}: '${v}' is not ${what}`);
      return v;
    };
    switch (a) {
      case "-h":
      case "--help":
        return "help";
      case "--node":
        args.node = true;
        break;
      case "--board":
        args.board = value("a board name or file");
        break;
      case "--entry":
        args.entry = value("a TypeScript file");
        break;
      case "--entry-function":
        args.entryFunction = value("a function name");
        break;
      case "--c":
        args.extraC.push(value("a C file"));
        break;
      case "-I":
        args.includeDirs.push(value("a folder"));
        break;
      case "--debug":
        args.debug = true;
        break;
      case "--which":
        args.which = true;
        break;
      case "--pin": {
        const v = value("PORT PIN=LEVEL, e.g. PB5=0");
        const m = /^P?([A-K])(\d{1,2})=([01])$/i.exec(v);
        if (!m || Number(m[2]) > 15) throw new UsageError(`--pin '${v}' is not a pin and a level: write e.g. PB5=0 (port A-K, pin 0-15, level 0 or 1)`);
        const port = m[1].toUpperCase();
        args.pins.push({ port, pin: Number(m[2]), level: Number(m[3]) as 0 | 1, text: `P${port}${Number(m[2])}=${m[3]}` });
        break;
      }
      case "--port":
        args.port = Number(number("a TCP port (0-65535)", 65535));
        break;
      case "--flash":
        args.flash = value("a file");
        break;
      case "--preload":
        args.preload = value("a .tsb file");
        break;
      case "--script":
        args.script = value("a file");
        args.passthrough.push(a, path.resolve(args.script));
        break;
      case "--transcript":
        args.passthrough.push(a, path.resolve(value("a file")));
        break;
      case "--reset-on-connect":
      case "--stay":
      case "--trigger":
      case "--cut-inside":
      case "--watchdog-hardware":
        args.passthrough.push(a);
        break;
      case "--flash-timing": {
        const v = value("typ, max or none");
        if (!["typ", "max", "none"].includes(v)) throw new UsageError(`--flash-timing: '${v}' is not typ, max or none`);
        args.passthrough.push(a, v);
        break;
      }
      case "--seed":
        args.passthrough.push(a, number("a 32-bit number", 0xffffffff));
        break;
      case "--state":
        args.passthrough.push(a, path.resolve(value("a file")));
        break;
      case "--update-flag": {
        const v = value("a hex number");
        if (!/^(0x)?[0-9a-fA-F]{1,8}$/.test(v)) throw new UsageError(`--update-flag: '${v}' is not a 32-bit hex number`);
        args.passthrough.push(a, v.replace(/^0x/, ""));
        break;
      }
      case "--cut-power-at":
        args.passthrough.push(a, number("an operation number", 0xffffffff));
        break;
      case "--limit-us":
      case "--idle-us":
        args.passthrough.push(a, number("a number of microseconds", Number.MAX_SAFE_INTEGER));
        break;
      default:
        throw new UsageError(a.startsWith("-") ? `unknown option '${a}'` : `unexpected argument '${a}'`);
    }
  }
  if (args.node) {
    if (args.extraC.length > 0 || args.includeDirs.length > 0) throw new UsageError("--c and -I are for the C simulation: with --node each binding runs its TypeScript body (docs/bindings.md)");
    for (const cOnly of ["--debug", "--which", "--stay", "--reset-on-connect"]) {
      if ((cOnly === "--debug" && args.debug) || (cOnly === "--which" && args.which) || args.passthrough.includes(cOnly)) throw new UsageError(`${cOnly} is for the C simulation, not --node`);
    }
  }
  if (args.which) return args;
  if (args.port === undefined && args.script === undefined) throw new UsageError("needs --port <port> (live) or --script <file> (scripted)");
  if (args.port !== undefined && args.script !== undefined) throw new UsageError("--port and --script do not go together: live or scripted");
  if (args.port === undefined && args.passthrough.includes("--stay")) throw new UsageError("--stay is for live runs (--port)");
  if (args.port !== undefined) {
    for (const scriptedOnly of ["--transcript", "--cut-power-at", "--cut-inside", "--seed", "--state", "--limit-us", "--idle-us"]) {
      if (args.passthrough.includes(scriptedOnly)) throw new UsageError(`${scriptedOnly} is for scripted runs (--script)`);
    }
  }
  return args;
}

export async function simCommand(argv: string[]): Promise<number> {
  const err = (text: string) => process.stderr.write(`tsboot sim: ${text}\n`);
  let args: SimArgs | "help";
  try {
    args = parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`${e.message} (tsboot sim --help lists the options)`);
    return 2;
  }
  if (args === "help") {
    process.stdout.write(SIM_USAGE + "\n");
    return 0;
  }
  try {
    const board = loadBoard(args.board);
    const layout = layoutFromBoard(board);
    const flashSize = layout.sectors.reduce((n, s) => n + s.size, 0);
    const childArgs = [...args.passthrough];
    if (args.port !== undefined) childArgs.push("--port", String(args.port));
    if (args.flash) {
      const file = path.resolve(args.flash);
      if (!fs.existsSync(path.dirname(file))) throw new UsageError(`--flash ${args.flash}: the directory ${path.dirname(file)} does not exist`);
      if (fs.existsSync(file)) {
        const size = fs.statSync(file).size;
        if (size !== flashSize && !(size === 0 && args.port !== undefined)) {
          throw new UsageError(`--flash ${args.flash} is ${size} bytes; ${layout.name}'s flash is ${flashSize} bytes (a raw image from 0x${layout.flashBase.toString(16)})`);
        }
      }
      childArgs.push("--flash", file);
    }
    if (args.preload) {
      if (!fs.existsSync(args.preload)) throw new UsageError(`--preload ${args.preload}: no such file`);
      checkImage(layout, new Uint8Array(fs.readFileSync(args.preload)));
      childArgs.push("--preload", path.resolve(args.preload));
    }
    if (args.script) parseScript(fs.readFileSync(args.script, "utf8"), args.script);
    childArgs.push(...pinArgs(board, args.pins));
    for (const f of [args.entry, ...args.extraC]) {
      if (f !== undefined && !fs.existsSync(f)) throw new UsageError(`${f}: no such file`);
    }
    if (args.node) return await runNode(args, childArgs, err);
    const product = args.entry || args.extraC.length || args.includeDirs.length || board.product
      ? { entry: args.entry ?? ENTRY, entryFunction: args.entryFunction, extraC: args.extraC, includeDirs: args.includeDirs, headers: { "tsboot_product.h": productHeader(board) } }
      : undefined;
    const sim = await buildHostSim({ board: layout, onBuild: (m) => err(m), product, debug: args.debug });
    if (args.which) {
      process.stdout.write(`${sim.binary}\n`);
      return 0;
    }
    if (args.pins.some((p) => !isTrigger(board, p)) && !simSupportsPins(sim.binary)) {
      throw new UsageError(
        `--pin ${args.pins.filter((p) => !isTrigger(board, p)).map((p) => p.text).join(" ")}: this host simulation drives only the trigger pin ` +
          `P${board.trigger.port}${board.trigger.pin} so far (pin state for every input is being added to hal-bindings/host)`,
      );
    }
    return await new Promise<number>((resolve) => {
      const child = spawn(sim.binary, childArgs, { stdio: "inherit" });
      const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
      const onInt = forward("SIGINT");
      const onTerm = forward("SIGTERM");
      process.on("SIGINT", onInt);
      process.on("SIGTERM", onTerm);
      child.on("error", (e) => {
        err(`cannot run ${sim.binary}: ${e.message}`);
        resolve(1);
      });
      child.on("exit", (code, signal) => {
        process.off("SIGINT", onInt);
        process.off("SIGTERM", onTerm);
        resolve(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1));
      });
    });
  } catch (e) {
    if (e instanceof UsageError || e instanceof BoardError || e instanceof BoardLayoutError || e instanceof PreloadError || e instanceof ScriptError) {
      err(e instanceof PreloadError ? `--preload ${args.preload}: ${e.message}` : e.message);
      return 2;
    }
    if (e instanceof HostSimBuildError) {
      err(e.message);
      return 1;
    }
    throw e;
  }
}

const NODE_RUN = path.join(path.dirname(fileURLToPath(import.meta.url)), "node-run.ts");

/** `tsboot sim --node`: the same run on the Node simulation, through host/sim/node-run.ts (checked Node). */
function runNode(args: SimArgs, childArgs: string[], err: (text: string) => void): Promise<number> {
  const nodeArgs = ["--import", import.meta.resolve("tsx"), NODE_RUN, "--board", fs.existsSync(args.board) ? path.resolve(args.board) : args.board];
  if (args.entry) nodeArgs.push("--entry", path.resolve(args.entry));
  if (args.entryFunction) nodeArgs.push("--entry-function", args.entryFunction);
  return new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, ...childArgs], { stdio: "inherit" });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onInt = forward("SIGINT");
    const onTerm = forward("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    child.on("error", (e) => {
      err(`cannot run the Node simulation: ${e.message}`);
      resolve(1);
    });
    child.on("exit", (code, signal) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1));
    });
  });
}

function isTrigger(board: Board, p: { port: string; pin: number }): boolean {
  return p.port === board.trigger.port && p.pin === board.trigger.pin;
}

/**
 * --pin as the simulator's options: the trigger pin at its active level is --trigger (the simulator has
 * always known that pin); every other pin goes through as --pin PB5=0. Ports the part lacks are refused.
 */
export function pinArgs(board: Board, pins: { port: string; pin: number; level: 0 | 1; text: string }[]): string[] {
  const out: string[] = [];
  for (const p of pins) {
    if (!board.partInfo.gpioPorts.includes(p.port as never)) {
      throw new UsageError(`--pin ${p.text}: ${board.part} has no port ${p.port} (its ports: ${board.partInfo.gpioPorts.join(", ")})`);
    }
    if (isTrigger(board, p)) {
      const active = (board.trigger.activeLevel === "high" ? 1 : 0) === p.level;
      if (active && !out.includes("--trigger")) out.push("--trigger");
    } else {
      out.push("--pin", p.text);
    }
  }
  return out;
}

/** Whether the simulator binary takes --pin (its usage lists it). */
function simSupportsPins(binary: string): boolean {
  const r = spawnSync(binary, ["--help"], { encoding: "utf8" });
  return /--pin\b/.test(`${r.stdout ?? ""}${r.stderr ?? ""}`);
}

// Run directly: node --import tsx host/sim/cli.ts --port 3333 ...
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  simCommand(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
