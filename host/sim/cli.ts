/**
 * `tsboot sim`: the bootloader compiled to C on a simulated board, as a host program.
 *
 *   tsboot sim [--board B] --port N [--flash FILE] [--preload APP.tsb] [--stay] [--trigger] [--update-flag HEX]
 *   tsboot sim [--board B] --script FILE [--flash FILE] [--preload APP.tsb] [--transcript FILE] [...]
 *
 * simCommand(argv) takes the arguments after "sim" (a leading "sim" is skipped too) and resolves with the
 * exit status.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { BoardError, DEFAULT_BOARD, listBoards } from "../../boards/index";
import { BoardLayoutError, loadBoardLayout } from "./board-c";
import { buildHostSim, HostSimBuildError } from "./build";
import { checkImage, PreloadError } from "./preload";
import { parseScript, ScriptError } from "./script";

export const SIM_USAGE = `usage: tsboot sim [--board <board>] --port <port> [--flash <file>] [--preload <app.tsb>] [--stay]
       tsboot sim [--board <board>] --script <file> [--flash <file>] [--transcript <file>] [...]

Runs the bootloader (bootloader-ts/, compiled to C) on a simulated board.

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
  --board <board>        ${listBoardsSafe()} (default ${DEFAULT_BOARD})
  --port <port>          TCP port on 127.0.0.1 (0: any free port, printed)
  --flash <file>         the whole flash as a raw image; created erased if missing; live: written through
                         after every erase and program, so it survives a kill; scripted: written at the end
  --preload <app.tsb>    install this image first, as the bootloader's own update would
  --stay                 live: keep serving after the application starts (it requests an update)
  --reset-on-connect     live: every client connection resets the device (the listen window opens as it connects)
  --trigger              the update trigger pin is held at boot
  --update-flag <hex>    the update-request word in RAM at boot (55425354 requests an update)
  --script <file>        scripted: the host's bytes
  --transcript <file>    scripted: write every byte the device sent
  --cut-power-at <n>     scripted: cut the power before flash operation n
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
  port?: number;
  flash?: string;
  preload?: string;
  script?: string;
  passthrough: string[];
}

function parse(argv: string[]): SimArgs | "help" {
  const args: SimArgs = { board: DEFAULT_BOARD, passthrough: [] };
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
      case "--board":
        args.board = value("a board name");
        break;
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
        args.passthrough.push(a);
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
  if (args.port === undefined && args.script === undefined) throw new UsageError("needs --port <port> (live) or --script <file> (scripted)");
  if (args.port !== undefined && args.script !== undefined) throw new UsageError("--port and --script do not go together: live or scripted");
  if (args.port === undefined && args.passthrough.includes("--stay")) throw new UsageError("--stay is for live runs (--port)");
  if (args.port !== undefined) {
    for (const scriptedOnly of ["--transcript", "--cut-power-at", "--limit-us", "--idle-us"]) {
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
    const layout = loadBoardLayout(args.board);
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
    const sim = await buildHostSim({ board: layout, onBuild: (m) => err(m) });
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

// Run directly: node --import tsx host/sim/cli.ts --port 3333 ...
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  simCommand(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
