/**
 * The scripted simulator in Node: the same command line and output as hal-bindings/host/sim_main.c's
 * scripted mode, running bootloader-ts/main.ts itself on hal-bindings/sim (Simulation, SimFlash, SimUart).
 * A scripted session must give the same outcome, clock, transcript and flash in both; test/host-sim checks.
 *
 *   node --import tsx host/sim/node-run.ts --board NAME [--flash F] [--preload A.tsb] [--script S]
 *        [--transcript T] [--trigger] [--update-flag HEX] [--cut-power-at N] [--inject-error S]
 *        [--limit-us N] [--idle-us N]
 *
 * One run per process: the bootloader's module state (ring buffer, transfer state) is its static RAM.
 * The bootloader runs as checked Node (compiler/checked-loader.ts), trapping where the C traps
 * (TSBOOT_NODE_CHECKED=0: the TypeScript itself).
 * The run ends as Simulation ends it; --idle-us sets Simulation.idleLimitUs (0: never).
 */
import fs from "node:fs";
import { importProgram } from "../../compiler/checked-loader";
import type { BoardLayout } from "../../hal-bindings/sim/board-layout";
import { installSimulation } from "../../hal-bindings/sim/current";
import { PowerCut } from "../../hal-bindings/sim/flash";
import { ApplicationStarted, Simulation, SimulationIdle, SimulationTimeout, SystemReset } from "../../hal-bindings/sim/simulation";
import { PanicError, setCpuHooks, setOutputSink } from "../../runtime/index";
import { loadBoardLayout } from "./board-c";
import { installImage } from "./preload";
import { parseScript, type SessionOptions } from "./script";

export const DEFAULT_IDLE_US = 20_000_000;

const { bootloaderMain } = await importProgram(new URL("../../bootloader-ts/main.ts", import.meta.url).pathname, () => import("../../bootloader-ts/main"));

interface Args {
  board: string;
  flash?: string;
  preload?: string;
  script?: string;
  transcript?: string;
  trigger: boolean;
  updateFlag: number;
  cutPowerAt: number;
  injectError: number;
  limitUs: number;
  idleUs: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { board: "", trigger: false, updateFlag: 0, cutPowerAt: 0, injectError: 0, limitUs: 600_000_000, idleUs: DEFAULT_IDLE_US };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    const int = (x: string, radix = 10) => {
      if (!(radix === 16 ? /^(0x)?[0-9a-fA-F]+$/ : /^\d+$/).test(x)) throw new Error(`${k}: '${x}' is not a number`);
      return parseInt(x.replace(/^0x/, ""), radix);
    };
    if (k === "--board") a.board = v();
    else if (k === "--flash") a.flash = v();
    else if (k === "--preload") a.preload = v();
    else if (k === "--script") a.script = v();
    else if (k === "--transcript") a.transcript = v();
    else if (k === "--trigger") a.trigger = true;
    else if (k === "--update-flag") a.updateFlag = int(v(), 16) >>> 0;
    else if (k === "--cut-power-at") a.cutPowerAt = int(v());
    else if (k === "--inject-error") a.injectError = int(v());
    else if (k === "--limit-us") a.limitUs = int(v());
    else if (k === "--idle-us") a.idleUs = int(v());
    else throw new Error(`unknown option '${k}'`);
  }
  if (!a.board) throw new Error("--board is required");
  return a;
}

export interface NodeRunOptions extends SessionOptions {
  layout: BoardLayout;
  /** The whole flash from its base (default: erased). */
  flash?: Uint8Array;
  /** A .tsb image installed first (host/sim/preload.ts, as sim_preload.c does). */
  preload?: Uint8Array;
}

export interface NodeRunResult {
  /** The same JSON object sim_main.c prints. */
  json: Record<string, unknown>;
  exitCode: number;
  transcript: Uint8Array;
  flash: Uint8Array;
}

/**
 * One scripted run on the Node simulation. Call it once per fresh set of modules (a new process, or after
 * vi.resetModules() with this module imported again): the bootloader's module state is its static RAM.
 */
export function runInNode(o: NodeRunOptions): NodeRunResult {
  const sim = new Simulation(o.layout, o.flash);
  if (o.preload) installImage(o.layout, sim.flash.bytes, o.preload);
  sim.limitUs = o.limitUs ?? 600_000_000;
  const idleUs = o.idleUs ?? DEFAULT_IDLE_US;
  sim.idleLimitUs = idleUs > 0 ? idleUs : Infinity;
  sim.triggerPressed = o.trigger ?? false;
  sim.updateFlag = (o.updateFlag ?? 0) >>> 0;
  sim.flash.cutPowerAt = o.cutPowerAt ?? 0;
  sim.flash.injectError = o.injectError ?? 0;
  for (const e of o.script ?? []) sim.uart.deliver(e.bytes, e.atUs);
  installSimulation(sim);
  // print() output goes into the UART stream, byte for byte as the C tsb_print writes it.
  setOutputSink((text) => {
    for (const b of Buffer.from(text, "utf8")) sim.uart.tx.push(b);
  });
  setCpuHooks({
    disableInterrupts: () => void (sim.interruptsEnabled = false),
    enableInterrupts: () => void (sim.interruptsEnabled = true),
    barrier: () => {},
    setVectorTable: (address) => void (sim.vectorTable = address >>> 0),
    startApplication: (sp, pc) => {
      throw new ApplicationStarted(sp >>> 0, pc >>> 0);
    },
  });
  let json: Record<string, unknown>;
  let exitCode = 0;
  try {
    bootloaderMain();
    json = { outcome: "fault", message: "bootloaderMain returned" };
    exitCode = 71;
  } catch (e) {
    if (e instanceof ApplicationStarted) json = { outcome: "application", sp: e.stackPointer, pc: e.resetHandler, vtor: sim.vectorTable };
    else if (e instanceof SystemReset) json = { outcome: "reset" };
    else if (e instanceof PowerCut) json = { outcome: "power-cut", operation: e.operation };
    else if (e instanceof SimulationIdle) json = { outcome: "idle" };
    else if (e instanceof SimulationTimeout) json = { outcome: "timeout" };
    else if (e instanceof PanicError) {
      json = { outcome: "panic", message: e.message };
      exitCode = 70;
    } else {
      json = { outcome: "fault", message: e instanceof Error ? e.message : String(e) };
      exitCode = 71;
    }
  } finally {
    installSimulation(null);
    setCpuHooks(null);
  }
  json = { ...json, nowUs: sim.nowUs, flashOperations: sim.flash.operations, txBytes: sim.uart.tx.length, rxUnread: sim.uart.pending() };
  return { json, exitCode, transcript: Uint8Array.from(sim.uart.tx), flash: sim.flash.bytes };
}

function main(argv: string[]): number {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`node-run: ${(e as Error).message}\n`);
    return 2;
  }
  const read = (file: string) => new Uint8Array(fs.readFileSync(file));
  const r = runInNode({
    layout: loadBoardLayout(args.board),
    flash: args.flash && fs.existsSync(args.flash) ? read(args.flash) : undefined,
    preload: args.preload ? read(args.preload) : undefined,
    script: args.script ? parseScript(fs.readFileSync(args.script, "utf8"), args.script) : undefined,
    trigger: args.trigger,
    updateFlag: args.updateFlag,
    cutPowerAt: args.cutPowerAt,
    injectError: args.injectError,
    limitUs: args.limitUs,
    idleUs: args.idleUs,
  });
  if (args.transcript) fs.writeFileSync(args.transcript, r.transcript);
  if (args.flash) fs.writeFileSync(args.flash, r.flash);
  if (typeof r.json.message === "string") process.stderr.write(`node-run: ${r.json.message}\n`);
  process.stdout.write(JSON.stringify(r.json) + "\n");
  return r.exitCode;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.exitCode = main(process.argv.slice(2));
}
