/**
 * Native-protocol frames over a Transport (docs/protocol.md), built on host/frames.ts: sends requests with
 * their own sequence numbers, queues decoded reply frames, and lets the flasher wait for the next one with
 * a timeout. Retry policy lives in the flasher; this layer only tells frames, timeouts and a closed pipe
 * apart.
 */
import { encodeFrame, FrameDecoder, REPLY_BIT, STATUS_NAMES, type Frame } from "../frames";
import { FlasherError } from "./errors";
import type { Transport } from "./transport";

/** The device's "bad frame" NACK: `cmd 0x80, seq 0xFF, status 1`, sent after dropping a damaged frame. */
export const BAD_FRAME_SEQ = 0xff;

export function isBadFrameNack(f: Frame): boolean {
  return f.command === REPLY_BIT && f.seq === BAD_FRAME_SEQ;
}

export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `status ${status}`;
}

export interface LinkStats {
  framesSent: number;
  bytesSent: number;
  framesReceived: number;
  bytesReceived: number;
}

export class Link {
  private decoder = new FrameDecoder();
  private seq = 0;
  private queue: Frame[] = [];
  private waiter: ((f: Frame | null) => void) | null = null;
  private lost: FlasherError | null = null;
  private interrupted: FlasherError | null = null;
  readonly stats: LinkStats = { framesSent: 0, bytesSent: 0, framesReceived: 0, bytesReceived: 0 };

  constructor(readonly transport: Transport) {
    transport.onData((chunk) => this.receive(chunk));
    transport.onClose((reason) => {
      // The peer may say why it hung up (a busy simulation): that reason is the error.
      if (reason instanceof FlasherError) this.lost = reason;
      else this.lost = new FlasherError("connection-lost", `the connection to ${transport.description} was lost${reason ? ` (${reason.message})` : ""}`);
      this.wake(null);
    });
  }

  /** Sequence numbers run 0 … 0xFE: 0xFF is the device's bad-frame NACK. */
  nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) % 0xff;
    return s;
  }

  send(command: number, seq: number, payload?: Uint8Array): void {
    this.throwIfLost();
    if (this.interrupted) throw this.interrupted;
    const bytes = encodeFrame(command, seq, payload);
    this.stats.framesSent++;
    this.stats.bytesSent += bytes.length;
    this.transport.write(bytes);
  }

  /** The next received frame, or null when none arrives within `timeoutMs`; throws if the pipe closed. */
  async next(timeoutMs: number): Promise<Frame | null> {
    if (this.interrupted) throw this.interrupted;
    const queued = this.queue.shift();
    if (queued) return queued;
    this.throwIfLost();
    const frame = await new Promise<Frame | null>((resolve) => {
      const timer = setTimeout(() => this.wake(null), Math.max(0, timeoutMs));
      this.waiter = (f) => {
        clearTimeout(timer);
        this.waiter = null;
        resolve(f);
      };
    });
    if (this.interrupted) throw this.interrupted;
    if (frame === null) this.throwIfLost();
    return frame;
  }

  /** Makes the current wait, and every send or wait until resume(), throw `error` (Ctrl-C). */
  interrupt(error: FlasherError): void {
    this.interrupted = error;
    this.wake(null);
  }

  resume(): void {
    this.interrupted = null;
  }

  /** Looks past a partial frame that may be a false sync (see FrameDecoder.resync); keeps what it finds. */
  resync(): void {
    for (const f of this.decoder.resync()) this.queue.push(f);
  }

  /** Drops frames already received and any partial frame (e.g. after a false sync on noise). */
  flush(): void {
    this.queue = [];
    this.decoder = new FrameDecoder();
  }

  get isLost(): boolean {
    return this.lost !== null;
  }

  private throwIfLost(): void {
    if (this.lost) throw this.lost;
  }

  private receive(chunk: Uint8Array): void {
    const frames = this.decoder.push(chunk);
    this.stats.bytesReceived += chunk.length;
    this.stats.framesReceived += frames.length;
    for (const f of frames) {
      if (this.waiter) this.wake(f);
      else this.queue.push(f);
    }
  }

  private wake(f: Frame | null): void {
    const w = this.waiter;
    if (w) w(f);
  }
}
