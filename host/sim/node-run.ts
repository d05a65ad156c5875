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
 * The idle stop is not in Simulation itself: it is installed here through Simulation.onIdle, with the same
 * rule as sim_uart.c (see IDLE_RULE below).
 */
import fs from "node:fs";
import { bootloaderMain } from "../../bootloader-ts/main";
import type { BoardLayout } from "../../hal-bindings/sim/board-layout";
import { installSimulation } from "../../hal-bindings/sim/current";
import { PowerCut } from "../../hal-bindings/sim/flash";
import { ApplicationStarted, Simulation, SimulationTimeout, SystemReset } from "../../hal-bindings/sim/simulation";
import { PanicError, setCpuHooks, setOutputSink } from "../../runtime/index";
import { loadBoardLayout } from "./board-c";
import { installImage } from "./preload";
import { parseScript } from "./script";

export const DEFAULT_IDLE_US = 20_000_000;

class SimulationIdle extends Error {
  constructor(readonly nowUs: number) {
    super(`idle at ${nowUs} us`);
  }
}

/**
 * IDLE_RULE — at every empty poll (Simulation.onIdle, after the poll's time was charged): if the device read
 * or wrote a byte since the previous empty poll, an idle streak starts now; otherwise, when no scripted byte
 * is left to deliver and the streak has lasted idleUs, the run stops with outcome "idle".
 */
export function installIdleStop(sim: Simulation, idleUs: number): void {
  if (idleUs <= 0) return;
  const delivered = sim.uart.rx.length;
  let since = 0;
  let seenRx = 0;
  let seenTx = 0;
  sim.onIdle = (s) => {
    const consumed = delivered - s.uart.rx.length;
    const written = s.uart.tx.length;
    if (consumed !== seenRx || written !== seenTx) {
      since = s.nowUs;
      seenRx = consumed;
      seenTx = written;
    } else if (s.uart.rx.length === 0 && s.nowUs - since >= idleUs) {
      throw new SimulationIdle(s.nowUs);
    }
  };
}

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

export interface NodeRunResult {
  json: Record<string, unknown>;
  exitCode: number;
  transcript: Uint8Array;
  flash: Uint8Array;
}

/** One scripted run in this process (call it once per process). */
export function runInNode(args: Args, layout: BoardLayout = loadBoardLayout(args.board)): NodeRunResult {
  const size = layout.sectors.reduce((n, s) => n + s.size, 0);
  let contents: Uint8Array | undefined;
  if (args.flash && fs.existsSync(args.flash)) contents = new Uint8Array(fs.readFileSync(args.flash));
  const sim = new Simulation(layout, contents);
  if (sim.flash.bytes.length !== size) throw new Error("flash size mismatch");
  if (args.preload) installImage(layout, sim.flash.bytes, new Uint8Array(fs.readFileSync(args.preload)));
  sim.limitUs = args.limitUs;
  sim.triggerPressed = args.trigger;
  sim.updateFlag = args.updateFlag;
  sim.flash.cutPowerAt = args.cutPowerAt;
  sim.flash.injectError = args.injectError;
  if (args.script) for (const e of parseScript(fs.readFileSync(args.script, "utf8"), args.script)) sim.uart.deliver(e.bytes, e.atUs);
  installIdleStop(sim, args.idleUs);
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
  }
  json = { ...json, nowUs: sim.nowUs, flashOperations: sim.flash.operations, txBytes: sim.uart.tx.length, rxUnread: sim.uart.rx.length };
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
  const r = runInNode(args);
  if (args.transcript) fs.writeFileSync(args.transcript, r.transcript);
  if (args.flash) fs.writeFileSync(args.flash, r.flash);
  if (typeof r.json.message === "string") process.stderr.write(`node-run: ${r.json.message}\n`);
  process.stdout.write(JSON.stringify(r.json) + "\n");
  return r.exitCode;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.exitCode = main(process.argv.slice(2));
}
