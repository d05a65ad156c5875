/**
 * The scripted simulator in Node: the same command line and output as hal-bindings/host/sim_main.c's
 * scripted mode, running bootloader-ts/main.ts itself on hal-bindings/sim (Simulation, SimFlash, SimUart).
 * A scripted session must give the same outcome, clock, transcript, flash and boot state in both;
 * test/host-sim checks.
 *
 *   node --import tsx host/sim/node-run.ts --board NAME [--flash F] [--preload A.tsb] [--script S]
 *        [--transcript T] [--trigger] [--pin PB5=0]... [--update-flag HEX] [--cut-power-at N [--cut-inside]]
 *        [--seed N] [--inject-error S] [--flash-timing typ|max|none] [--watchdog-hardware] [--state FILE]
 *        [--limit-us N] [--idle-us N] [--entry main.ts [--entry-function F]] [--port N]
 *
 * --entry runs a product's own entry, with the hooks it exports (docs/extending.md). --port serves the UART
 * on a TCP port instead of a script (node-live.ts), for host tools such as the flasher library.
 * One run per process: the bootloader's module state (ring buffer, transfer state) is its static RAM.
 * The bootloader runs as checked Node (compiler/checked-loader.ts), trapping where the C traps
 * (TSBOOT_NODE_CHECKED=0: the TypeScript itself).
 * The run ends as Simulation ends it; --idle-us sets Simulation.idleLimitUs (0: never).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { importProgram } from "../../compiler/checked-loader";
import type { BoardLayout } from "../../hal-bindings/sim/board-layout";
import { installSimulation } from "../../hal-bindings/sim/current";
import { installBindingBody } from "../../hal-bindings/sim/binding-bodies";
import { installProductHooks } from "../../hal-bindings/sim/product-hooks";
import { serveLive } from "./node-live";
import { PowerCut } from "../../hal-bindings/sim/flash";
import { parseFlashTimingMode } from "../../hal-bindings/sim/flash-timing";
import { parsePinSetting } from "../../hal-bindings/sim/pins";
import { ApplicationStarted, Simulation, SimulationIdle, SimulationTimeout, SystemReset, WatchdogReset, type BootState } from "../../hal-bindings/sim/simulation";
import { PanicError, setCpuHooks, setOutputSink } from "../../runtime/index";
import { loadBoardLayout } from "./board-c";
import { installImage } from "./preload";
import { deliverScript, parseScript, type SessionOptions } from "./script";
import { formatBootState, parseBootState } from "./state";

export const DEFAULT_IDLE_US = 20_000_000;

const { bootloaderMain } = await importProgram(new URL("../../bootloader-ts/main.ts", import.meta.url).pathname, () => import("../../bootloader-ts/main"));

interface Args extends SessionOptions {
  board: string;
  flash?: string;
  preload?: string;
  scriptFile?: string;
  transcript?: string;
  stateFile?: string;
  pinList: string[];
  entry?: string;
  entryFunction?: string;
  port?: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { board: "", pinList: [], limitUs: 600_000_000, idleUs: DEFAULT_IDLE_US };
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
    else if (k === "--script") a.scriptFile = v();
    else if (k === "--transcript") a.transcript = v();
    else if (k === "--state") a.stateFile = v();
    else if (k === "--trigger") a.trigger = true;
    else if (k === "--pin") a.pinList.push(v());
    else if (k === "--update-flag") a.updateFlag = int(v(), 16) >>> 0;
    else if (k === "--cut-power-at") a.cutPowerAt = int(v());
    else if (k === "--cut-inside") a.cutInside = true;
    else if (k === "--seed") a.seed = int(v()) >>> 0;
    else if (k === "--inject-error") a.injectError = int(v());
    else if (k === "--flash-timing") a.flashTiming = parseFlashTimingMode(v());
    else if (k === "--watchdog-hardware") a.watchdogHardware = true;
    else if (k === "--limit-us") a.limitUs = int(v());
    else if (k === "--idle-us") a.idleUs = int(v());
    else if (k === "--entry") a.entry = v();
    else if (k === "--entry-function") a.entryFunction = v();
    else if (k === "--port") a.port = int(v());
    else throw new Error(`unknown option '${k}'`);
  }
  if (!a.board) throw new Error("--board is required");
  a.pins = a.pinList;
  return a;
}

export interface NodeRunOptions extends SessionOptions {
  layout: BoardLayout;
  /** The whole flash from its base (default: erased). */
  flash?: Uint8Array;
  /** A .tsb image installed first (host/sim/preload.ts, as sim_preload.c does). */
  preload?: Uint8Array;
  /** The bootloader's entry (default bootloader-ts/main.ts's bootloaderMain): a product passes its own. */
  entry?: () => void;
  /** The product's hooks: its entry module (whose exports named as hal-bindings/product.ts's are installed). */
  productHooks?: object;
  /** Bodies for @extern bindings for this run, by C name (hal-bindings/sim/binding-bodies.ts). */
  bindingBodies?: Record<string, (...args: never[]) => unknown>;
  /** Serve the UART on this TCP port (0: any free one) instead of the script (node-live.ts). */
  livePort?: number;
  /** Called with the simulation before the bootloader starts (a bench attaches a paced host). */
  prepare?: (sim: Simulation) => void;
}

export interface NodeRunResult {
  /** The same JSON object sim_main.c prints. */
  json: Record<string, unknown>;
  exitCode: number;
  transcript: Uint8Array;
  flash: Uint8Array;
  /** What the next boot starts with (sim_main.c writes it to --state). */
  state: BootState;
  /** The simulation after the run (its clock, watchdog, UART). */
  sim: Simulation;
}

/** A simulation set up as sim_main.c sets up its scripted run. */
export function simulationFor(o: NodeRunOptions): Simulation {
  const options = { flashTiming: o.flashTiming, seed: o.seed };
  const sim = o.state ? Simulation.resume(o.layout, o.flash ?? new Uint8Array(o.layout.sectors.reduce((n, s) => n + s.size, 0)).fill(0xff), o.state, options) : new Simulation(o.layout, o.flash, options);
  if (o.preload) installImage(o.layout, sim.flash.bytes, o.preload);
  sim.limitUs = o.limitUs ?? 600_000_000;
  const idleUs = o.idleUs ?? DEFAULT_IDLE_US;
  sim.idleLimitUs = idleUs > 0 ? idleUs : Infinity;
  for (const p of o.pins ?? []) {
    const setting = parsePinSetting(p);
    sim.pins.set(setting, setting.level);
  }
  if (o.trigger) sim.triggerPressed = true;
  if (o.updateFlag !== undefined) sim.updateFlag = o.updateFlag >>> 0;
  sim.watchdog.hardware = o.watchdogHardware ?? false;
  sim.flash.cutPowerAt = o.cutPowerAt ?? 0;
  sim.flash.cutInside = o.cutInside ?? false;
  sim.flash.injectError = o.injectError ?? 0;
  deliverScript(sim.uart, o.script ?? []);
  return sim;
}

/** How a run ended, as the JSON sim_main.c prints (without the common fields). */
export function outcomeJson(sim: Simulation, e: unknown): { json: Record<string, unknown>; exitCode: number } {
  if (e instanceof ApplicationStarted) return { json: { outcome: "application", sp: e.stackPointer, pc: e.resetHandler, vtor: sim.vectorTable }, exitCode: 0 };
  if (e instanceof SystemReset) return { json: { outcome: "reset", reason: "software" }, exitCode: 0 };
  if (e instanceof WatchdogReset) return { json: { outcome: "reset", reason: "watchdog" }, exitCode: 0 };
  if (e instanceof PanicError) {
    const o = sim.panicked(e);
    return { json: { outcome: "reset", reason: "panic", line: o.kind === "reset" ? o.line : 0, message: o.kind === "reset" ? o.message : "" }, exitCode: 0 };
  }
  if (e instanceof PowerCut) return { json: e.inside ? { outcome: "power-cut", operation: e.operation, inside: true } : { outcome: "power-cut", operation: e.operation }, exitCode: 0 };
  if (e instanceof SimulationIdle) return { json: { outcome: "idle" }, exitCode: 0 };
  if (e instanceof SimulationTimeout) return { json: { outcome: "timeout" }, exitCode: 0 };
  return { json: { outcome: "fault", message: e instanceof Error ? e.message : String(e) }, exitCode: 71 };
}

/**
 * One scripted run on the Node simulation. Call it once per fresh set of modules (a new process, or after
 * vi.resetModules() with this module imported again): the bootloader's module state is its static RAM.
 */
export function runInNode(o: NodeRunOptions): NodeRunResult {
  const sim = simulationFor(o);
  for (const [name, body] of Object.entries(o.bindingBodies ?? {})) installBindingBody(sim, name, body);
  o.prepare?.(sim);
  installSimulation(sim);
  installProductHooks(o.productHooks ?? null);
  // print() output goes into the UART stream, byte for byte as the C tsb_print writes it.
  setOutputSink((text) => sim.uartWriteBytes(Buffer.from(text, "utf8")));
  setCpuHooks({
    disableInterrupts: () => void (sim.interruptsEnabled = false),
    enableInterrupts: () => void (sim.interruptsEnabled = true),
    barrier: () => {},
    setVectorTable: (address) => void (sim.vectorTable = address >>> 0),
    startApplication: (sp, pc) => {
      throw new ApplicationStarted(sp >>> 0, pc >>> 0);
    },
  });
  const live = o.livePort !== undefined ? serveLive(sim, o.livePort, o.layout.name) : null;
  let ended: { json: Record<string, unknown>; exitCode: number };
  try {
    (o.entry ?? bootloaderMain)();
    ended = { json: { outcome: "fault", message: "bootloaderMain returned" }, exitCode: 71 };
  } catch (e) {
    ended = outcomeJson(sim, e);
  } finally {
    live?.close();
    installSimulation(null);
    installProductHooks(null);
    setCpuHooks(null);
  }
  const json = { ...ended.json, nowUs: sim.nowUs, flashOperations: sim.flash.operations, txBytes: sim.uart.tx.length, rxUnread: sim.uart.pending() };
  return { json, exitCode: ended.exitCode, transcript: Uint8Array.from(sim.uart.tx), flash: sim.flash.bytes, state: sim.nextBootState(), sim };
}

/** A product's entry module, checked like the core (importProgram), and the function to start. */
async function productEntry(entry: string, fn: string): Promise<{ module: Record<string, unknown>; start: () => void }> {
  const file = path.resolve(entry);
  if (!fs.existsSync(file)) throw new Error(`--entry ${entry}: no such file`);
  const module = await importProgram<Record<string, unknown>>(file, () => import(pathToFileURL(file).href));
  const start = module[fn];
  if (typeof start !== "function") throw new Error(`${entry} exports no function ${fn}()`);
  return { module, start: start as () => void };
}

async function main(argv: string[]): Promise<number> {
  let args: Args;
  let product: { module: Record<string, unknown>; start: () => void } | undefined;
  try {
    args = parseArgs(argv);
    if (args.entry) product = await productEntry(args.entry, args.entryFunction ?? "bootloaderMain");
  } catch (e) {
    process.stderr.write(`node-run: ${(e as Error).message}\n`);
    return 2;
  }
  const read = (file: string) => new Uint8Array(fs.readFileSync(file));
  const r = runInNode({
    ...args,
    entry: product?.start,
    productHooks: product?.module,
    livePort: args.port,
    limitUs: args.port !== undefined && !argv.includes("--limit-us") ? Number.MAX_SAFE_INTEGER / 1000 : args.limitUs,
    layout: loadBoardLayout(args.board),
    flash: args.flash && fs.existsSync(args.flash) ? read(args.flash) : undefined,
    preload: args.preload ? read(args.preload) : undefined,
    script: args.scriptFile ? parseScript(fs.readFileSync(args.scriptFile, "utf8"), args.scriptFile) : undefined,
    state: args.stateFile && fs.existsSync(args.stateFile) ? parseBootState(fs.readFileSync(args.stateFile, "utf8")) : undefined,
  });
  if (args.transcript) fs.writeFileSync(args.transcript, r.transcript);
  if (args.flash) fs.writeFileSync(args.flash, r.flash);
  if (args.stateFile) fs.writeFileSync(args.stateFile, formatBootState(r.state));
  if (typeof r.json.message === "string") process.stderr.write(`node-run: ${r.json.message}\n`);
  process.stdout.write(JSON.stringify(r.json) + "\n");
  return r.exitCode;
}

// Run directly (also through a node_modules link, whose path is not this module's real one).
if (process.argv[1] && fs.existsSync(process.argv[1]) && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url))) {
  process.exitCode = await main(process.argv.slice(2));
}
