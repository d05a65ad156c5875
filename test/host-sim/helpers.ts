/** Shared by the host-sim tests: tool detection, a test application, host-side protocol scripts. */
import { execFileSync } from "node:child_process";
import net from "node:net";
import { Command, encodeFrame, FrameDecoder, u32le, type Frame } from "../../host/frames";
import { buildImage, encodeVersion } from "../../host/image-format";
import type { ScriptEntry } from "../../host/sim/script";
import type { NodeRunResult } from "../../host/sim/node-run";
import type { ScriptedResult } from "../../host/sim/run";
import { expect } from "vitest";

export function have(tool: string, versionArg = "--version"): boolean {
  try {
    execFileSync(tool, [versionArg], { stdio: "ignore" });
    return true;
  } catch (e) {
    // stm32flash -h exits non-zero but exists.
    return (e as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

export const BOARD = "nucleo-f411re";
export const APP_START = 0x08008000;
export const APP_SP = 0x20020000;
export const APP_PC = 0x08008201;
export const BOARD_ID = 0x04310001;

/** A 4 KB application: the vector table's first two words, then arbitrary bytes, not ending in 0xFF. */
export function testApplication(size = 4096, seed = 1): Uint8Array {
  const app = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    app[i] = x & 0xff;
  }
  app.set(u32le(APP_SP), 0);
  app.set(u32le(APP_PC), 4);
  app[size - 1] = 0x42;
  return app;
}

export function testImage(payload = testApplication(), version = "1.2.3"): Uint8Array {
  return buildImage(payload, { loadAddress: APP_START, appVersion: encodeVersion(version), boardId: BOARD_ID });
}

/** A native-protocol update as a timed script: INFO, BEGIN, WRITEs of 1 KB, END, then BOOT. */
export function nativeUpdateScript(image: Uint8Array, options: { startUs?: number; boot?: boolean } = {}): ScriptEntry[] {
  // BEGIN carries the header and the payload's vector table (initial SP, reset vector).
  const header = image.subarray(0, 72);
  const payload = image.subarray(64);
  let t = options.startUs ?? 1_000;
  let seq = 1;
  const out: ScriptEntry[] = [];
  const send = (cmd: number, body: Uint8Array, gapUs: number) => {
    out.push({ atUs: t, bytes: encodeFrame(cmd, seq++, body) });
    t += gapUs;
  };
  send(Command.Info, new Uint8Array(0), 20_000);
  send(Command.Begin, header, 200_000);
  for (let off = 0; off < payload.length; off += 1024) {
    const chunk = payload.subarray(off, Math.min(off + 1024, payload.length));
    const body = new Uint8Array(4 + chunk.length);
    body.set(u32le(off), 0);
    body.set(chunk, 4);
    send(Command.Write, body, 150_000);
  }
  send(Command.End, new Uint8Array(0), 100_000);
  if (options.boot ?? true) send(Command.Boot, new Uint8Array(0), 0);
  return out;
}

const xor = (bytes: number[]) => bytes.reduce((a, b) => a ^ b, 0);
const be32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

/** What stm32flash does, as a timed script: init, GET, GET ID, erase sector 2, write 256-byte blocks, GO. */
export function an3155Script(app: Uint8Array, options: { startUs?: number; go?: boolean } = {}): ScriptEntry[] {
  let t = options.startUs ?? 1_000;
  const out: ScriptEntry[] = [];
  const send = (bytes: number[], gapUs: number) => {
    out.push({ atUs: t, bytes });
    t += gapUs;
  };
  send([0x7f], 5_000);
  send([0x00, 0xff], 5_000);
  send([0x02, 0xfd], 5_000);
  send([0x44, 0xbb], 5_000);
  send([0x00, 0x00, 0x00, 0x02, xor([0, 0, 0, 2])], 50_000);
  for (let off = 0; off < app.length; off += 256) {
    const block = Array.from(app.subarray(off, off + 256));
    const address = be32(APP_START + off);
    send([0x31, 0xce], 2_000);
    send([...address, xor(address)], 2_000);
    const data = [block.length - 1, ...block];
    send([...data, xor(data)], 40_000);
  }
  if (options.go ?? true) {
    const address = be32(APP_START);
    send([0x21, 0xde], 2_000);
    send([...address, xor(address)], 0);
  }
  return out;
}

/** A TCP client speaking native frames to a live simulator. */
export class NativeClient {
  private decoder = new FrameDecoder();
  private frames: Frame[] = [];
  private waiting: (() => void) | null = null;
  readonly raw: number[] = [];
  /** Resolves when the simulator closes the connection. */
  readonly ended: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    this.ended = new Promise((resolve) => socket.once("end", () => resolve()));
    socket.on("data", (d) => {
      this.raw.push(...d);
      this.frames.push(...this.decoder.push(d));
      this.waiting?.();
    });
  }

  static connect(port: number): Promise<NativeClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, "127.0.0.1", () => resolve(new NativeClient(s)));
      s.once("error", reject);
    });
  }

  /** Sends a frame and resolves with the reply to it (progress events are skipped). */
  async request(command: number, seq: number, payload: Uint8Array = new Uint8Array(0), timeoutMs = 3000): Promise<Frame> {
    this.socket.write(encodeFrame(command, seq, payload));
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const i = this.frames.findIndex((f) => f.command === (command | 0x80) && f.seq === seq);
      if (i >= 0) return this.frames.splice(i, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply to command 0x${command.toString(16)} seq ${seq}; received ${Buffer.from(this.raw).toString("hex")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.end();
    });
  }
}

export interface InfoReply {
  status: number;
  protocol: number;
  bootloaderVersion: number;
  boardId: number;
  appStart: number;
  appSize: number;
  writeUnit: number;
  maxData: number;
  window: number;
  appValid: boolean;
  appVersion: number;
}

export function decodeInfo(f: Frame): InfoReply {
  const b = Buffer.from(f.payload);
  return {
    status: b[0],
    protocol: b[1],
    bootloaderVersion: b.readUInt32LE(2),
    boardId: b.readUInt32LE(6),
    appStart: b.readUInt32LE(10),
    appSize: b.readUInt32LE(14),
    writeUnit: b.readUInt16LE(18),
    maxData: b.readUInt16LE(20),
    window: b[22],
    appValid: b[23] === 1,
    appVersion: b.readUInt32LE(24),
  };
}

export { Command };

/** A Node run (host/sim/node-run.ts) in the shape of a C simulator run (host/sim/run.ts), to compare them. */
export function asScripted(r: NodeRunResult): ScriptedResult {
  const { nowUs, flashOperations } = r.json as { nowUs: number; flashOperations: number };
  return { outcome: r.json as never, nowUs, flashOperations, transcript: r.transcript, flash: r.flash, exitCode: r.exitCode, json: r.json, state: r.state, stderr: "" };
}

/**
 * The C simulator and Node ended one session alike: the JSON line (outcome, time, flash operations), the UART
 * bytes, the flash and the exit code; with `state`, also what the next boot starts with.
 */
export function expectSameRun(c: ScriptedResult, node: ScriptedResult, options: { state?: boolean } = {}): void {
  expect(c.json, `C stderr: ${c.stderr}`).toEqual(node.json);
  expect(Buffer.from(c.transcript).toString("latin1")).toBe(Buffer.from(node.transcript).toString("latin1"));
  expect(Buffer.compare(Buffer.from(c.flash), Buffer.from(node.flash)), "flash contents differ").toBe(0);
  if (options.state) expect(c.state).toEqual(node.state);
  expect(c.exitCode).toBe(node.exitCode);
}
