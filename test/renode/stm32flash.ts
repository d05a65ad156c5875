/**
 * The real stm32flash (Debian's) against a Renode board's UART: socat turns Renode's UART socket into a pty
 * (`pty,link=…,rawer tcp:127.0.0.1:PORT`), and stm32flash talks to the pty at 8N1 (`-m 8n1`: a pty refuses
 * parity settings; Renode's UART ignores parity anyway). Renode's socket terminal serves one client: the board
 * must be started with attachUart: false, so that socat is that client.
 *
 * stm32flash's clock runs at the emulator's pace (libfaketime's `faketime -f "+0 x<pace>"`): its timeouts are
 * made for silicon (5 s per sector erase, 1 s per 256-byte write), and Renode on a loaded machine runs a
 * bootloader that polls peripherals at about 1/50-1/100 of real time, so a 0.5 s erase of virtual time takes
 * 25-50 s. Its per-byte read timeout (termios VTIME, 0.5 s, kept by the kernel) is stretched by the same
 * factor through renode/tools/stretch_vtime.c (LD_PRELOAD, built with the host's cc): GO's reply comes after
 * the adoption (two CRCs over the image and a status-log entry), milliseconds on silicon, more than 0.5 s of
 * real time in Renode on a loaded machine.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import { execa, type ResultPromise } from "execa";
import { waitUntil } from "../support/wait";

/** Why the stm32flash scenario cannot run here (null when it can): both tools must be on PATH. */
export async function stm32flashMissing(): Promise<string | null> {
  for (const tool of ["socat", "stm32flash", "faketime", "cc"]) {
    const found = await execa("sh", ["-c", `command -v ${tool}`], { reject: false });
    if (found.exitCode !== 0) return `${tool} not found (apt-get install ${tool})`;
  }
  return null;
}

/** A socat process bridging a pty to Renode's UART socket. */
export class PtyBridge {
  /** Whether the pty's client has sent a byte (socat -x logged a record from the pty towards Renode). */
  private clientHasSent = false;
  /** Wake-ups for clientSent(), run when socat logs. */
  private readonly waiters: (() => void)[] = [];

  private constructor(
    readonly link: string,
    private readonly child: ResultPromise,
  ) {}

  /** Starts socat and waits until its pty exists and its TCP connection to Renode is up. */
  static async open(uartPort: number, dir: string): Promise<PtyBridge> {
    const link = path.join(dir, `tsboot-uart-${uartPort}`);
    fs.rmSync(link, { force: true });
    // -x: socat logs each transfer, "> <time> length=N …" from the pty towards Renode, "<" back.
    const child = execa("socat", ["-d", "-d", "-x", `pty,link=${link},rawer`, `tcp:127.0.0.1:${uartPort}`], { reject: false, buffer: false, stdin: "ignore", stderr: "pipe", cleanup: true });
    let log = "";
    let connected = false;
    let bridge: PtyBridge | null = null;
    child.stderr?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      // socat -d -d: "starting data transfer loop" once both addresses are open.
      if (/starting data transfer loop/.test(log)) connected = true;
      if (bridge && /^> \S+ \S+ +length=\d+/m.test(log)) {
        bridge.clientHasSent = true;
        for (const wake of bridge.waiters.splice(0)) wake();
      }
      if (log.length > 65536) log = log.slice(-4096); // the transfer records: only the start matters
    });
    bridge = new PtyBridge(link, child);
    try {
      await waitUntil(() => connected && fs.existsSync(link), 10_000, [], () => new Error(`socat did not connect to 127.0.0.1:${uartPort}: ${log}`));
    } catch (e) {
      await bridge.close();
      throw e;
    }
    return bridge;
  }

  /**
   * Waits until the pty's client (stm32flash) has sent its first byte towards the UART. A machine kept paused
   * until then receives it when it runs on: the client's start-up, which takes a loaded host longer than the
   * listen window lasts in virtual time, is not part of what a scenario tests.
   */
  async clientSent(timeoutMs = 30_000): Promise<void> {
    await waitUntil(() => this.clientHasSent, timeoutMs, this.waiters, () => new Error(`nothing came from ${this.link}'s client within ${timeoutMs} ms`));
  }

  async close(): Promise<void> {
    this.child.kill("SIGTERM");
    await this.child;
  }
}

export interface Stm32flashRun {
  exitCode: number;
  output: string;
}

/**
 * Runs stm32flash on the bridge's pty (`args` go before the device, e.g. -w app.bin -v -g 0x08008000), its
 * clock running at `pace` (virtual seconds per real second, measured on the emulator; 1: not stretched).
 */
export async function stm32flash(bridge: PtyBridge, args: string[], pace: number): Promise<Stm32flashRun> {
  const command = ["stm32flash", "-m", "8n1", "-b", "115200", ...args, bridge.link];
  const rate = Math.min(1, Math.max(0.001, pace));
  const options = { reject: false, all: true, stdin: "ignore" } as const;
  const run =
    rate < 1
      ? execa("faketime", ["-f", `+0 x${rate.toFixed(4)}`, ...command], {
          ...options,
          env: { LD_PRELOAD: await stretchVtimeShim(), TSBOOT_VTIME_FACTOR: (1 / rate).toFixed(2) },
        })
      : execa(command[0], command.slice(1), options);
  const r = await run;
  return { exitCode: r.exitCode ?? -1, output: r.all ?? "" };
}

const SHIM_SOURCE = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../renode/tools/stretch_vtime.c");
let shim: Promise<string> | null = null;

/** renode/tools/stretch_vtime.c built once per test file (a shared object in a temporary folder). */
function stretchVtimeShim(): Promise<string> {
  shim ??= (async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-stretch-vtime-")), "stretch_vtime.so");
    await execa("cc", ["-shared", "-fPIC", "-O2", "-o", out, SHIM_SOURCE, "-ldl"]);
    return out;
  })();
  return shim;
}
