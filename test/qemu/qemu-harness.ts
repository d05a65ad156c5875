/**
 * QEMU 7.2's netduinoplus2 (STM32F405) running the real ARM bootloader, its USART1 on a TCP port.
 * QEMU models the USART, SysTick and NVIC but not the flash controller or RCC: flash writes vanish and
 * unwritten flash reads 0x00 (not 0xFF). Images are preloaded with -device loader.
 */
import * as net from "node:net";
import { execa, type ResultPromise } from "execa";
import { freePort } from "../support/net";
import { waitUntil } from "../support/wait";

export interface Preload {
  file: string;
  address: number;
}

export class QemuBoard {
  private received: number[] = [];
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly process: ResultPromise,
    private readonly socket: net.Socket,
  ) {
    socket.on("data", (chunk) => {
      for (const b of chunk) this.received.push(b);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async start(kernel: string, preloads: Preload[] = []): Promise<QemuBoard> {
    const port = await freePort();
    const args = ["-M", "netduinoplus2", "-nographic", "-monitor", "none", "-serial", `tcp:127.0.0.1:${port},server=on,wait=on`, "-kernel", kernel];
    for (const p of preloads) args.push("-device", `loader,file=${p.file},addr=0x${p.address.toString(16)}`);
    const child = execa("qemu-system-arm", args, { reject: false });
    const socket = await connectWithRetry(port);
    return new QemuBoard(child, socket);
  }

  get bytes(): Uint8Array {
    return Uint8Array.from(this.received);
  }

  get text(): string {
    return Buffer.from(this.received).toString("latin1");
  }

  send(bytes: Uint8Array | number[]): void {
    this.socket.write(Uint8Array.from(bytes));
  }

  /** Waits until the received bytes satisfy `done`, or fails after `timeoutMs` with what arrived. */
  async waitFor(done: (received: Uint8Array) => boolean, timeoutMs = 5000, what = "output"): Promise<void> {
    await waitUntil(() => done(this.bytes), timeoutMs, this.waiters, () => new Error(`QEMU: timed out waiting for ${what}; received ${JSON.stringify(this.text)}`));
  }

  async waitForText(needle: string, timeoutMs = 5000): Promise<void> {
    await this.waitFor(() => this.text.includes(needle), timeoutMs, JSON.stringify(needle));
  }

  async stop(): Promise<void> {
    this.socket.destroy();
    this.process.kill("SIGKILL");
    await this.process;
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
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function qemuAvailable(): Promise<string | null> {
  for (const tool of ["qemu-system-arm", "arm-none-eabi-gcc"]) {
    const found = await execa("sh", ["-c", `command -v ${tool}`], { reject: false });
    if (found.exitCode !== 0) return `${tool} not found (bash scripts/setup.sh installs it)`;
  }
  return null;
}
