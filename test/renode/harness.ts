/**
 * Renode as a test bench for the real tsboot bootloader, driven from Node with execa.
 *
 * - findRenode(): RENODE_PATH (the `renode` launcher, or the folder holding it), else `renode` on PATH.
 * - RenodeBoard.start(): one headless Renode process (`--disable-xwt --plain --robot-server-port N`) per
 *   board. Commands go through Renode's Robot Framework remote server (XML-RPC, the same interface
 *   `renode-test` drives), so every monitor command and keyword reports failure as an error with Renode's own
 *   message. The machine is built by renode/scripts/tsboot-machine.resc (platform, bootloader ELF, USART2
 *   on a raw TCP socket terminal), then the application and its header are loaded like renode/scripts/<board>.resc.
 * - The UART: the harness holds the one connection Renode's socket terminal accepts, keeps every byte
 *   (text, waitForText) and lends it to the tsboot flasher library as a Transport (flasher()).
 * - reset(): a warm reset (`machine Reset`; RAM and flash kept, like NVIC_SystemReset).
 * - powerCycle(): pause, dump the flash to a file (`sysbus.flash DumpBinary`), quit, and start a fresh
 *   Renode whose flash is that file (RAM starts blank, like after a power cut).
 * - stop(): StopRemoteServer (Renode exits), SIGKILL if it has not after 10 s.
 *
 * Timing: Renode runs in virtual time, not at the pace of a host on a socket, so the bootloader's 100 ms listen
 * window can pass before such a host reacts. The UART trigger is therefore given in virtual time: the machine
 * runs 5 ms (RunFor: past the bootloader's init, inside its window; the bootloader prints nothing there), the
 * native INFO frame is queued with SendKeyToUart while it is stopped, and the emulation resumes.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { execa, type ResultPromise } from "execa";
import { Flasher, type FlasherOptions, type Transport } from "../../host/flasher/index";
import { Command, encodeFrame } from "../../host/frames";
import { BOOTLOADER_VERSION } from "../../bootloader-ts/config";
import { probeAppOf, type RenodeArtifacts } from "../../renode/build-artifacts";
import { loadBoard } from "../../boards/index";
import { isAddressInUse, freeRenodePort, releaseRenodePort } from "./ports";
import { RawSession } from "./raw-update";
import { type XmlRpcValue, XmlRpcClient } from "./xmlrpc";
import { waitUntil } from "../support/wait";

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const MACHINE_SCRIPT = path.join(ROOT, "renode/scripts/tsboot-machine.resc");

/** The shared machine script of a board's family: tsboot-machine.resc for the F4, tsboot-machine-<family>.resc for the others. */
export function machineScriptFor(board: string): string {
  const family = loadBoard(board).family;
  return family === "stm32f4" ? MACHINE_SCRIPT : path.join(ROOT, `renode/scripts/tsboot-machine-${family}.resc`);
}
/** The bootloader's first line: "tsboot <version>" (bootloader-ts/main.ts prints BOOTLOADER_VERSION). */
export const BOOT_BANNER = `tsboot ${BOOTLOADER_VERSION >>> 16}.${(BOOTLOADER_VERSION >>> 8) & 0xff}.${BOOTLOADER_VERSION & 0xff}`;

/**
 * What the flasher is told about Renode's link: only how long the first INFO may take (the emulated boot
 * runs at a fraction of real time, as `tsboot flash --wait` covers a board's slow start). Every other
 * timeout is the flasher's own, measured from the link (host/flasher/link-timing.ts): an emulator is a
 * slow link, and these scenarios are where that adaptation is tested (issue 16).
 */
export const RENODE_LINK_TIMEOUTS: FlasherOptions = { handshakeTimeoutMs: 10_000 };

/** How long a waitFor on the UART transcript waits by default (real ms): a boot and an update's erases. */
export const WAIT_DEFAULT_MS = 120_000;

/** Virtual time from power-on to a point inside the bootloader's 100 ms listen window (after its init). */
export const LISTEN_WINDOW_ENTRY_S = 0.005;

export type RenodeLookup = { path: string; reason: null } | { path: null; reason: string };

/** RENODE_PATH first (a file, or a folder with `renode` in it), then `renode` on PATH. */
export async function findRenode(env: NodeJS.ProcessEnv = process.env): Promise<RenodeLookup> {
  const configured = env.RENODE_PATH;
  if (configured) {
    let candidate = configured;
    try {
      if (fs.statSync(candidate).isDirectory()) candidate = path.join(candidate, "renode");
      fs.accessSync(candidate, fs.constants.X_OK);
      return { path: candidate, reason: null };
    } catch {
      return { path: null, reason: `Renode not found: RENODE_PATH=${configured} is not an executable renode (or a folder holding one)` };
    }
  }
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, "renode");
    try {
      if (fs.statSync(candidate).isFile()) {
        fs.accessSync(candidate, fs.constants.X_OK);
        return { path: candidate, reason: null };
      }
    } catch {
      // not here
    }
  }
  return { path: null, reason: "Renode not found: set RENODE_PATH" };
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hex = (n: number) => `0x${n.toString(16)}`;

/** A Renode path argument: `@` + the path, with spaces escaped the way the monitor reads them. */
const at = (file: string) => `@${path.resolve(file).replace(/ /g, "\\ ")}`;

/**
 * How the harness starts Renode: headless, its keyword server on `port`, and its monitor on a TCP socket
 * (`-P monitorPort`, never connected to). Without -P, a headless Renode gives its shell a dummy console whose
 * reads return at once, and the shell thread spins a whole core (measured: 98% of a core while idle with
 * `--disable-xwt --plain --robot-server-port N`, 0% with `-P M` added; docs/renode.md).
 */
export const RENODE_ARGS = (port: number, monitorPort: number): string[] => [
  "--disable-xwt",
  "--plain",
  "--robot-server-port",
  String(port),
  "-P",
  String(monitorPort),
];

/** One headless Renode process and its remote keyword server. */
export class RenodeProcess {
  private log: string[] = [];
  private hasExited = false;

  private constructor(
    private readonly child: ResultPromise,
    readonly rpc: XmlRpcClient,
    private readonly monitorPort: number,
  ) {}

  /** Starts Renode with its keyword server on a free port (another, if something took that one first). */
  static async launch(renode: string, cwd: string): Promise<RenodeProcess> {
    for (let attempt = 1; ; attempt++) {
      const port = await freeRenodePort();
      const monitorPort = await freeRenodePort();
      try {
        return await RenodeProcess.launchOn(renode, cwd, port, monitorPort);
      } catch (e) {
        releaseRenodePort(port);
        releaseRenodePort(monitorPort);
        if (attempt >= 3 || !(e instanceof Error) || !isAddressInUse(e.message)) throw e;
      }
    }
  }

  private static async launchOn(renode: string, cwd: string, port: number, monitorPort: number): Promise<RenodeProcess> {
    const child = execa(renode, RENODE_ARGS(port, monitorPort), {
      cwd,
      reject: false,
      buffer: false,
      stdin: "ignore",
      cleanup: true,
    });
    const proc = new RenodeProcess(child, new XmlRpcClient("127.0.0.1", port), monitorPort);
    const keep = (chunk: Buffer) => {
      proc.log.push(...chunk.toString("utf8").split("\n"));
      if (proc.log.length > 400) proc.log.splice(0, proc.log.length - 400);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    let exited = false;
    void child.then(() => {
      exited = true;
      proc.hasExited = true;
    });
    // Renode needs a few seconds to start; its server answers get_keyword_names once it listens.
    const deadline = Date.now() + 60_000;
    while (true) {
      if (exited) throw new Error(`Renode (${renode}) exited before its keyword server came up:\n${proc.logTail()}`);
      try {
        await proc.rpc.call("get_keyword_names", [], 2000);
        return proc;
      } catch {
        if (Date.now() > deadline) {
          child.kill("SIGKILL");
          throw new Error(`Renode's keyword server did not answer on port ${port} within 60 s:\n${proc.logTail()}`);
        }
        await sleep(250);
      }
    }
  }

  private static shared = new Map<string, RenodeProcess>();

  /**
   * One Renode per test file, reused by every board it starts: starting Renode (mono, the keyword server,
   * compiling the flash model) costs more than most scenarios. Between boards the emulation is reset
   * (Renode's `Reset Emulation`, what renode-test does between tests). closeShared() ends it.
   */
  static async reusable(renode: string, cwd: string): Promise<RenodeProcess> {
    const running = RenodeProcess.shared.get(renode);
    if (running && !running.exited) return running;
    const launched = await RenodeProcess.launch(renode, cwd);
    RenodeProcess.shared.set(renode, launched);
    return launched;
  }

  static async closeShared(): Promise<void> {
    const all = [...RenodeProcess.shared.values()];
    RenodeProcess.shared.clear();
    for (const p of all) await p.quit();
  }

  /**
   * A Log Tester (Renode's, for Wait For Log Entry): what the machine logs from now on. Renode's Reset
   * Emulation removes it, so every board creates its own.
   */
  async freshLogTester(): Promise<void> {
    await this.keyword("CreateLogTester", 10);
  }

  /** Ends the current emulation (machines, terminals) and keeps Renode for the next board. */
  async resetEmulation(): Promise<void> {
    await this.keyword("ResetEmulation");
  }

  get exited(): boolean {
    return this.hasExited;
  }

  logTail(lines = 40): string {
    return this.log.slice(-lines).join("\n");
  }

  keyword(name: string, ...args: XmlRpcValue[]): Promise<XmlRpcValue> {
    return this.rpc.runKeyword(name, args);
  }

  /** A monitor command; Renode's ExecuteCommand keyword fails with the monitor's error text. */
  async command(cmd: string): Promise<string> {
    return String((await this.keyword("ExecuteCommand", cmd)) ?? "");
  }

  async quit(): Promise<void> {
    // The server shuts down while answering: a missing or broken reply is expected.
    await this.rpc.call("run_keyword", ["StopRemoteServer", []], 5000).catch(() => undefined);
    const exited = await Promise.race([this.child.then(() => true), sleep(10_000).then(() => false)]);
    if (!exited) {
      this.child.kill("SIGKILL");
      await this.child;
    }
    releaseRenodePort(this.rpc.port);
    releaseRenodePort(this.monitorPort);
  }
}

/** The UART's TCP side, shared between the harness's transcript and a Flasher. */
class UartTransport implements Transport {
  readonly description: string;
  readonly bytesPerSecond = null;
  private listener: (chunk: Uint8Array) => void = () => {};
  private closeListener: (reason?: Error) => void = () => {};
  closed = false;

  constructor(
    private readonly board: RenodeBoard,
    port: number,
  ) {
    this.description = `tcp://127.0.0.1:${port} (Renode ${board.options.artifacts.board} USART2)`;
  }

  deliver(chunk: Uint8Array): void {
    if (!this.closed) this.listener(chunk);
  }

  peerClosed(reason?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeListener(reason);
  }

  write(data: Uint8Array): void {
    if (!this.closed) this.board.send(data);
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.listener = listener;
  }

  onClose(listener: (reason?: Error) => void): void {
    this.closeListener = listener;
  }

  async close(): Promise<void> {
    // Detaches the flasher; the harness keeps the connection (Renode accepts one client at a time).
    this.closed = true;
    this.board.detach(this);
  }
}

export interface BoardOptions {
  renode: string;
  artifacts: RenodeArtifacts;
  /**
   * What is installed at start (payload and the status log recording it): the old demo app (default), its
   * corrupted payload, the probe application (renode/apps/probe_app.c), or nothing.
   */
  app?: "old" | "corrupt" | "probe" | "none";
  /** A whole-flash image (from powerCycle) loaded at 0x08000000 after the bootloader ELF. */
  flashImage?: string;
  /**
   * The platform (renode/platforms/<name>.repl); the board's own by default. "nucleo-f411re-stock-flash" has
   * Renode's own flash controller instead of tsboot's model (the stock-versus-model scenario only).
   */
  platform?: string;
  /** The option bytes' nWRP at power-on (bit i clear: sector i write-protected); all clear by default. */
  optionBytesWriteProtection?: number;
  /** The option bytes' WDG_SW = 0: the independent watchdog runs from power-on and every reset. */
  hardwareWatchdog?: boolean;
  /** Hold the user button from power-on (the trigger pin). */
  holdButton?: boolean;
  /** Send a native INFO frame inside the 100 ms listen window (the UART trigger). */
  uartTrigger?: boolean;
  /** Bytes to put on the line inside the listen window instead (noise, or a session start of one's own). */
  windowBytes?: number[];
  /**
   * Connect the harness to the UART socket (default). Renode's socket terminal serves one client: leave it
   * free for another client (socat and stm32flash) with false.
   */
  attachUart?: boolean;
  /** Start the emulation (default); false leaves the machine built and stopped at power-on (runFor, go). */
  startEmulation?: boolean;
  /** Run in this test file's shared Renode (RenodeProcess.reusable) instead of a Renode of its own. */
  reuseRenode?: boolean;
  /** Where dumps go (a fresh temporary folder when absent). */
  workDir?: string;
}

/** What `app` installs: payload and status log (artifacts from renode/build-artifacts.ts). */
function installedFiles(a: RenodeArtifacts, app: BoardOptions["app"]): { payload: string; statusLog: string } | null {
  switch (app ?? "old") {
    case "old":
      return { payload: a.oldApp.bin, statusLog: a.oldApp.statusLog };
    case "corrupt":
      return { payload: a.corruptBin, statusLog: a.oldApp.statusLog };
    case "probe":
      return { payload: probeAppOf(a).bin, statusLog: probeAppOf(a).statusLog };
    case "none":
      return null;
  }
}

/** Whether a platform has tsboot's flash interface model (`sysbus.flash_interface`). */
export function hasFlashModel(platform: string): boolean {
  return !platform.endsWith("-stock-flash");
}

/** FLASH_OPTKEYR, FLASH_OPTCR and their keys (RM0090 3.7.2), for programming option bytes from the monitor. */
const FLASH_OPTKEYR = 0x40023c08;
const FLASH_OPTCR = 0x40023c14;
const OPTION_KEYS = [0x08192a3b, 0x4c5d6e7f];

/** The button the trigger pin is wired to in renode/platforms/<platform>.repl (or Renode's board file). */
export function buttonFor(board: string): string {
  // As each board's robot suite names it (renode/suites/<board>.robot, ${BUTTON}).
  const buttons: Record<string, string> = {
    "stm32f4-discovery": "sysbus.gpioPortA.UserButton",
    "stm32f072b-disco": "sysbus.gpioPortA.button",
    "nucleo-h753zi": "sysbus.gpioPortC.UserButton1",
  };
  return buttons[board] ?? "sysbus.gpioPortC.UserButton";
}

export class RenodeBoard {
  private received: number[] = [];
  private waiters: (() => void)[] = [];
  private transports: UartTransport[] = [];
  private dumps = 0;
  private socket: net.Socket | null = null;

  private constructor(
    readonly options: BoardOptions,
    readonly renode: RenodeProcess,
    readonly uartPort: number,
    readonly workDir: string,
  ) {}

  /** The platform this board runs on (renode/platforms/<platform>.repl). */
  get platform(): string {
    return this.options.platform ?? this.options.artifacts.platform;
  }

  /** Connects the harness to the UART socket (start() does, unless attachUart is false). */
  async attachUart(): Promise<void> {
    if (this.socket) return;
    const socket = await connectWithRetry(this.uartPort);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      for (const b of chunk) this.received.push(b);
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
      for (const t of this.transports) t.deliver(bytes);
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on("close", () => {
      for (const t of this.transports.splice(0)) t.peerClosed(new Error("Renode closed the UART socket"));
    });
    this.socket = socket;
  }

  /** tcp://127.0.0.1:PORT — Renode's socket terminal serves one client at a time, and the harness is it. */
  get uartAddress(): string {
    return `tcp://127.0.0.1:${this.uartPort}`;
  }

  static async start(options: BoardOptions): Promise<RenodeBoard> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await RenodeBoard.startOnce(options);
      } catch (e) {
        // Another program took the UART's port between our probe and Renode's bind: start again elsewhere.
        if (attempt >= 3 || !(e instanceof Error) || !isAddressInUse(e.message)) throw e;
      }
    }
  }

  private static async startOnce(options: BoardOptions): Promise<RenodeBoard> {
    const a = options.artifacts;
    const workDir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-renode-"));
    const renode = options.reuseRenode ? await RenodeProcess.reusable(options.renode, ROOT) : await RenodeProcess.launch(options.renode, ROOT);
    const uartPort = await freeRenodePort();
    try {
      const platform = options.platform ?? a.platform;
      await renode.command(`$name="${a.board}"`);
      await renode.command(`$platform=${at(path.join(ROOT, "renode/platforms", `${platform}.repl`))}`);
      await renode.command(`$bootloader=${at(a.bootloaderElf)}`);
      await renode.command(`$uart_port=${uartPort}`);
      await renode.command(`include ${at(machineScriptFor(a.board))}`);
      const installed = installedFiles(a, options.app);
      if (options.flashImage) {
        await renode.command(`sysbus LoadBinary ${at(options.flashImage)} 0x08000000`);
      } else if (installed) {
        await renode.command(`sysbus LoadBinary ${at(installed.payload)} ${hex(a.appStart)}`);
        await renode.command(`sysbus LoadBinary ${at(installed.statusLog)} ${hex(a.configStart)}`);
      }
      if (options.optionBytesWriteProtection !== undefined) {
        if (hasFlashModel(platform)) {
          await renode.command(`sysbus.flash_interface OptionBytesWriteProtection ${hex(options.optionBytesWriteProtection)}`);
        } else {
          // Renode's own controller: program them as a programmer would (it takes OPTSTRT at once).
          const optcr = ((options.optionBytesWriteProtection & 0xfff) << 16) | 0xaaec;
          for (const key of OPTION_KEYS) await renode.command(`sysbus WriteDoubleWord ${hex(FLASH_OPTKEYR)} ${hex(key)}`);
          await renode.command(`sysbus WriteDoubleWord ${hex(FLASH_OPTCR)} ${hex(optcr)}`);
          await renode.command(`sysbus WriteDoubleWord ${hex(FLASH_OPTCR)} ${hex(optcr | 2)}`);
          await renode.command(`sysbus WriteDoubleWord ${hex(FLASH_OPTCR)} ${hex(optcr | 1)}`);
        }
      }
      if (options.hardwareWatchdog) {
        if (!hasFlashModel(platform)) throw new Error(`${platform}: Renode's own flash controller has no WDG_SW option byte model`);
        await renode.command("sysbus.flash_interface HardwareWatchdog true");
      }
      if (options.holdButton) await renode.command(`${buttonFor(platform)} Press`);
      // A Terminal Tester on the UART, for waits in virtual time (the transcript below is the socket's), and a
      // Log Tester for what the models log.
      await renode.keyword("CreateTerminalTester", a.uart, "timeout=10");
      await renode.freshLogTester();

      const board = new RenodeBoard(options, renode, uartPort, workDir);
      if (options.attachUart ?? true) await board.attachUart();
      const window = options.windowBytes ?? (options.uartTrigger ? [...encodeFrame(Command.Info, 0)] : null);
      if (window) {
        // The bootloader writes nothing during its listen window (the line may be the application's peer's),
        // so there is no line to wait for: run 5 ms of virtual time (past its init, inside the 100 ms window),
        // queue the bytes on USART2 with the machine paused, and let it run on.
        await board.runFor(LISTEN_WINDOW_ENTRY_S);
        for (const b of window) await renode.keyword("SendKeyToUart", b);
      }
      if (options.startEmulation ?? true) await renode.keyword("StartEmulation");
      return board;
    } catch (e) {
      if (options.reuseRenode) await renode.resetEmulation().catch(() => renode.quit());
      else await renode.quit();
      releaseRenodePort(uartPort);
      if (e instanceof Error) e.message += `\nRenode log (tail):\n${renode.logTail()}`;
      throw e;
    }
  }

  get bytes(): Uint8Array {
    return Uint8Array.from(this.received);
  }

  get text(): string {
    return Buffer.from(this.received).toString("latin1");
  }

  send(bytes: Uint8Array | number[] | string): void {
    if (!this.socket) throw new Error(`Renode ${this.options.artifacts.board}: the harness is not attached to the UART (attachUart: false)`);
    this.socket.write(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : Uint8Array.from(bytes));
  }

  /**
   * The UART trigger for the boot that follows a reset the software causes (a fault, a watchdog): waits (virtual
   * time) until the line `afterLine` is on the UART and stops the machine there; then runs it into the next
   * boot's listen window and queues a native INFO frame (or `bytes`), as start({ uartTrigger }) does at power-on.
   */
  async triggerNextWindow(afterLine: string, bytes: number[] = [...encodeFrame(Command.Info, 0)]): Promise<void> {
    await this.renode.keyword("WaitForLineOnUart", afterLine, "timeout=5", "pauseEmulation=true");
    await this.runFor(LISTEN_WINDOW_ENTRY_S);
    for (const b of bytes) await this.renode.keyword("SendKeyToUart", b);
    await this.go();
  }

  /** Runs the stopped machine for `seconds` of virtual time and stops it again (Renode's RunFor). */
  async runFor(seconds: number): Promise<void> {
    await this.renode.command(`emulation RunFor "${seconds}"`);
  }

  /** Lets the machine run (after startEmulation: false, runFor or a pause). */
  async go(): Promise<void> {
    await this.renode.keyword("StartEmulation");
  }

  /**
   * The CPU hangs (halted, virtual time goes on) until the independent watchdog resets the machine: not before
   * 90% of `periodS` and before 110% of it. Then the CPU runs again (Renode keeps a halted CPU halted across
   * the reset), and so does the machine. Returns the transcript's length at that moment: what follows is the
   * next boot's.
   */
  async hangUntilWatchdogReset(periodS: number): Promise<number> {
    await this.renode.command("pause");
    await this.renode.command("cpu IsHalted true");
    await this.runFor(0.9 * periodS);
    await this.renode.keyword("ShouldNotBeInLog", "Watchdog reset triggered", "timeout=0");
    await this.runFor(0.2 * periodS);
    await this.waitForLogEntry("Watchdog reset triggered", 0);
    const mark = this.text.length;
    await this.renode.command("cpu IsHalted false");
    await this.go();
    return mark;
  }

  /** The machine's virtual time, in seconds. */
  async virtualSeconds(): Promise<number> {
    const info = await this.renode.command("machine ElapsedVirtualTime");
    const m = /Elapsed Virtual Time: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(info);
    if (!m) throw new Error(`cannot read the virtual time from ${JSON.stringify(info)}`);
    return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  }

  /**
   * Waits (virtual time) for a line on the UART as Renode's Terminal Tester sees it (Wait For Line On Uart):
   * works while another client (socat) holds the UART socket. Lines already seen by an earlier wait do not count.
   */
  async waitForLineOnUart(content: string, virtualSeconds: number): Promise<void> {
    await this.renode.keyword("WaitForLineOnUart", content, `timeout=${virtualSeconds}`);
  }

  /**
   * Waits (virtual time) for a line of Renode's log matching `pattern`, a regular expression (Renode's Wait For
   * Log Entry): what the models report, e.g. "Watchdog reset triggered!". Lines logged since this board started
   * count too.
   */
  async waitForLogEntry(pattern: string, virtualSeconds: number, pauseEmulation = false): Promise<string> {
    return String(await this.renode.keyword("WaitForLogEntry", pattern, `timeout=${virtualSeconds}`, "treatAsRegex=true", `pauseEmulation=${pauseEmulation}`));
  }

  /** Waits (real time) until the transcript satisfies `done`; fails with what arrived. */
  async waitFor(done: (text: string) => boolean, timeoutMs = WAIT_DEFAULT_MS, what = "output"): Promise<void> {
    await waitUntil(() => done(this.text), timeoutMs, this.waiters, () =>
      new Error(`Renode ${this.options.artifacts.board}: timed out waiting for ${what}; UART so far ${JSON.stringify(this.text)}\nRenode log (tail):\n${this.renode.logTail()}`),
    );
  }

  async waitForText(needle: string, timeoutMs = WAIT_DEFAULT_MS): Promise<void> {
    await this.waitFor((t) => t.includes(needle), timeoutMs, JSON.stringify(needle));
  }

  /**
   * Fails if `needle` appears on the UART within `virtualSeconds` of emulated time (Renode's Should Not Be On
   * Uart): a real-time wait would prove nothing on an emulator that runs at a fraction of real time.
   */
  async expectSilence(needle: string, virtualSeconds: number): Promise<void> {
    await this.renode.keyword("ShouldNotBeOnUart", needle, `timeout=${virtualSeconds}`);
    if (this.text.includes(needle)) throw new Error(`Renode ${this.options.artifacts.board}: ${JSON.stringify(needle)} appeared on the UART`);
  }

  /** Text received after `mark` (a length of `text` taken earlier). */
  since(mark: number): string {
    return this.text.slice(mark);
  }

  /** The UART as a Transport for host/flasher (the harness keeps its transcript meanwhile). */
  uartTransport(): Transport {
    const t = new UartTransport(this, this.uartPort);
    this.transports.push(t);
    return t;
  }

  detach(t: Transport): void {
    this.transports = this.transports.filter((x) => x !== t);
  }

  /**
   * The tsboot flasher library on this board's UART. Renode's socket is a slow link: on 2 loaded cores the
   * emulated CPU takes host bytes at about 1 ms each, so a window of 1 KB WRITEs needs several seconds, and the
   * flasher's TCP default (2 s, meant for the host simulation) gives up. The timeouts below are what that link
   * needs; the flasher should derive them from the link itself (host/flasher, issue 16 cause 3).
   */
  flasher(options: FlasherOptions = {}): Flasher {
    return new Flasher(this.uartTransport(), { ...RENODE_LINK_TIMEOUTS, ...options });
  }

  /** A raw frame session on this board's UART: sends what it is given, checks nothing (raw-update.ts). */
  rawSession(): RawSession {
    return new RawSession(this.uartTransport());
  }

  async pressButton(): Promise<void> {
    await this.renode.command(`${buttonFor(this.platform)} Press`);
  }

  async releaseButton(): Promise<void> {
    await this.renode.command(`${buttonFor(this.platform)} Release`);
  }

  /** A warm reset of the whole machine (what NVIC_SystemReset does): flash and RAM keep their contents. */
  async reset(): Promise<void> {
    await this.renode.command("machine Reset");
  }

  /**
   * A power cut: the machine stops where it is, its flash is saved and carried into a fresh Renode (blank RAM,
   * every peripheral at its reset state). This board is stopped; use the board returned.
   */
  async powerCycle(options: Partial<Pick<BoardOptions, "holdButton" | "uartTrigger">> = {}): Promise<RenodeBoard> {
    await this.renode.command("pause");
    const dump = path.join(this.workDir, `flash-${process.pid}-${this.dumps++}.bin`);
    await this.renode.command(`sysbus.flash DumpBinary ${at(dump)}`);
    // The option bytes are flash too: they survive the cut.
    const nWRP = Number(await this.flashInterface("OptionBytesWriteProtection"));
    const hardwareWatchdog = (await this.flashInterface("HardwareWatchdog")) === "True";
    await this.stop();
    if (!fs.existsSync(dump)) throw new Error(`Renode did not write the flash dump ${dump}`);
    return RenodeBoard.start({
      ...this.options,
      ...options,
      app: "none",
      flashImage: dump,
      optionBytesWriteProtection: nWRP,
      hardwareWatchdog,
      holdButton: options.holdButton ?? false,
      uartTrigger: options.uartTrigger ?? false,
      windowBytes: undefined,
      attachUart: true,
      startEmulation: true,
    });
  }

  /** A 32-bit word of the system bus (a peripheral register), read from the monitor. */
  async readRegister(address: number): Promise<number> {
    const text = (await this.renode.command(`sysbus ReadDoubleWord 0x${address.toString(16)}`)).trim();
    const value = Number(text);
    if (!/^0x[0-9a-f]+$/i.test(text) || !Number.isFinite(value)) throw new Error(`sysbus ReadDoubleWord 0x${address.toString(16)}: unexpected answer '${text}'`);
    return value >>> 0;
  }

  /** A monitor command to the flash interface model (renode/peripherals/STM32F4_FlashController.cs). */
  async flashInterface(command: string): Promise<string> {
    return (await this.renode.command(`sysbus.flash_interface ${command}`)).trim();
  }

  async stop(): Promise<void> {
    for (const t of this.transports.splice(0)) t.peerClosed(new Error("the Renode board was stopped"));
    this.socket?.destroy();
    if (this.options.reuseRenode) await this.renode.resetEmulation();
    else await this.renode.quit();
    releaseRenodePort(this.uartPort);
  }
}

async function connectWithRetry(port: number): Promise<net.Socket> {
  const deadline = Date.now() + 10_000;
  while (true) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(port, "127.0.0.1", () => resolve(s));
        s.once("error", reject);
      });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}
