/**
 * A fake tsboot device for the flasher tests: the native protocol of docs/protocol.md (and
 * bootloader-ts/native-protocol.ts) served on a TCP port, with a RAM flash for the application region.
 * It exists to test the host's windowing, retries and errors, so it is honest where the host could be
 * fooled — frames are parsed from the byte stream (sync, length limit, CRC, a 200 ms inter-byte timeout),
 * a damaged frame gets the `bad frame` NACK and discards what was buffered, WRITEs must come in order
 * (resends of written ranges are compared and acknowledged, anything beyond is `out of order` with the
 * count), the header is stored only at END after the payload CRC checks — and it can misbehave on command
 * (`fault`): lose a request, damage one, lose or damage a reply, or drop the connection.
 *
 * An optional line model (`lineBytesPerSecond`, `latencyMs`) delays bytes as a UART plus a USB bridge
 * would, to measure what the window buys.
 */
import net from "node:net";
import { crc32 } from "node:zlib";
import { loadBoard, type Board } from "../../boards/index";
import { Command, encodeFrame, EVENT_PROGRESS, MAX_READ, REPLY_BIT } from "../../host/frames";
import { HEADER_MAGIC, HEADER_SIZE, HEADER_VERSION } from "../../host/image-format";

export type Fault = "drop-request" | "corrupt-request" | "drop-reply" | "corrupt-reply" | "close" | "late-reply";

export interface FaultContext {
  command: number;
  seq: number;
  /** Frames received so far, this one included (1-based). */
  frameIndex: number;
  /** For WRITE: WRITE frames received so far, this one included (1-based). */
  writeIndex: number;
  /** For WRITE: its offset field. */
  offset: number;
  /** Payload bytes written so far. */
  received: number;
}

export interface FakeDeviceOptions {
  board?: string;
  boardId?: number;
  protocolVersion?: number;
  bootloaderVersion?: number;
  /** Cut INFO's reply to this many bytes after the status (an older bootloader). */
  infoLength?: number;
  window?: number;
  maxData?: number;
  writeUnit?: number;
  /** Commands answered with `unknown command` (an older bootloader without READ, say). */
  unknownCommands?: number[];
  /** Commands answered with this status (a refusal the test wants the host to word). */
  refusals?: Partial<Record<number, number>>;
  /** Never answer anything. */
  silent?: boolean;
  fault?: (ctx: FaultContext) => Fault | undefined;
  /** UART model: bytes per second each way (none: instant). */
  lineBytesPerSecond?: number;
  /** One-way latency added to every chunk (a USB serial bridge's ~1 ms frames). */
  latencyMs?: number;
  /**
   * With the line model: a polled UART whose CPU cannot read while it transmits a reply (blocking writes),
   * so of the bytes arriving meanwhile the receive register keeps the first and the rest overrun.
   */
  overrunWhileReplying?: boolean;
  /** Initial application-region contents (for READ tests). */
  preload?: Uint8Array;
  /** The device's turnaround: time from a request's last byte to its reply's first (an emulator, a busy CPU). */
  turnaroundMs?: number;
  /** How late a "late-reply" fault sends its reply (default 3000 ms). */
  lateReplyMs?: number;
  /** PROTECT answers "protection failed" (16) instead of ok. */
  protectFails?: boolean;
  /** The TCP port to listen on (default: any free one). */
  listenPort?: number;
}

const MAX_DATA = 1024;
const INTER_BYTE_TIMEOUT_MS = 200;

export class FakeDevice {
  readonly board: Board;
  readonly appStart: number;
  readonly appSize: number;
  /** The application region. */
  readonly flash: Uint8Array;
  /** The stored header (the config record): set only by a successful END. */
  record: Uint8Array | null = null;
  booted = false;
  /** The bootloader region's write protection, as PROTECT left it. */
  protected = false;
  readonly stats = { frames: 0, writes: 0, badFrames: 0, outOfOrder: 0, duplicates: 0, connections: 0, maxFramesBuffered: 0, overrunBytes: 0, aborts: 0 };
  readonly log: string[] = [];

  private server!: net.Server;
  private sockets = new Set<net.Socket>();
  private header: Uint8Array | null = null;
  private receiving = false;
  private received = 0;
  private writeIndex = 0;
  port = 0;

  constructor(readonly options: FakeDeviceOptions = {}) {
    this.board = loadBoard(options.board ?? "nucleo-f411re");
    this.appStart = this.board.memoryMap.application.start;
    this.appSize = this.board.memoryMap.application.size;
    this.flash = new Uint8Array(this.appSize).fill(0xff);
    if (options.preload) this.flash.set(options.preload);
  }

  get url(): string {
    return `tcp://127.0.0.1:${this.port}`;
  }

  get boardId(): number {
    return this.options.boardId ?? this.board.boardId;
  }

  static async start(options: FakeDeviceOptions = {}): Promise<FakeDevice> {
    const d = new FakeDevice(options);
    await d.listen();
    return d;
  }

  private listen(): Promise<void> {
    this.server = net.createServer((socket) => this.serve(socket));
    return new Promise((resolve) => {
      this.server.listen(this.options.listenPort ?? 0, "127.0.0.1", () => {
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The payload of the valid application, or null. */
  get application(): Uint8Array | null {
    if (!this.record) return null;
    const size = new DataView(this.record.buffer, this.record.byteOffset).getUint32(8, true);
    return this.flash.subarray(0, size);
  }

  private serve(socket: net.Socket): void {
    this.stats.connections++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const conn = new Connection(this, socket);
    socket.on("data", (chunk: Buffer) => conn.arrive(new Uint8Array(chunk)));
    socket.on("error", () => {});
    socket.on("close", () => {
      this.sockets.delete(socket);
      conn.closed = true;
    });
  }

  /** Handles one frame that arrived intact; returns the reply frames to send. */
  handle(command: number, seq: number, payload: Uint8Array, conn: Connection): void {
    this.stats.frames++;
    const rc = command | REPLY_BIT;
    let offset = 0;
    if (command === Command.Write) {
      this.writeIndex++;
      this.stats.writes++;
      offset = payload.length >= 4 ? new DataView(payload.buffer, payload.byteOffset).getUint32(0, true) : 0;
    }
    const fault = this.options.fault?.({ command, seq, frameIndex: this.stats.frames, writeIndex: this.writeIndex, offset, received: this.received });
    if (fault) this.log.push(`${fault} on cmd ${command} seq ${seq} (write #${this.writeIndex}, offset ${offset})`);
    if (fault === "drop-request") return;
    if (fault === "corrupt-request") {
      conn.damaged();
      return;
    }
    if (fault === "close") {
      conn.closed = true;
      conn.socket.destroy();
      return;
    }
    const send = (frame: Uint8Array) => {
      if (fault === "drop-reply") return;
      if (fault === "corrupt-reply") frame[frame.length - 1] ^= 0x55;
      const late = fault === "late-reply" ? (this.options.lateReplyMs ?? 3000) : 0;
      conn.transmit(frame, (this.options.turnaroundMs ?? 0) + late);
    };
    const reply = (status: number, extra: Uint8Array = new Uint8Array(0)) => {
      const body = new Uint8Array(1 + extra.length);
      body[0] = status;
      body.set(extra, 1);
      send(encodeFrame(rc, seq, body));
    };
    if (this.options.silent) return;
    if (this.options.unknownCommands?.includes(command)) return reply(2);
    const refusal = this.options.refusals?.[command];
    if (refusal !== undefined) return reply(refusal);
    switch (command) {
      case Command.Info:
        return reply(0, this.info());
      case Command.Begin:
        return reply(this.begin(payload, (done, total) => {
          const ev = new Uint8Array(5);
          const v = new DataView(ev.buffer);
          v.setUint16(1, done, true);
          v.setUint16(3, total, true);
          conn.transmit(encodeFrame(EVENT_PROGRESS, seq, ev), this.options.lineBytesPerSecond ? 5 : 0);
        }));
      case Command.Write: {
        const status = this.write(payload);
        const count = new Uint8Array(4);
        new DataView(count.buffer).setUint32(0, this.received, true);
        return reply(status, count);
      }
      case Command.End:
        return reply(this.end());
      case Command.Boot:
        if (!this.record) return reply(13);
        reply(0);
        this.booted = true;
        return;
      case Command.Abort:
        this.receiving = false;
        this.stats.aborts++;
        return reply(0);
      case Command.Protect:
        if (payload.length !== 1 || payload[0] > 1) return reply(3);
        if (this.options.protectFails) return reply(16);
        this.protected = payload[0] === 1;
        return reply(0);
      case Command.Read: {
        if (payload.length !== 6) return reply(8);
        const v = new DataView(payload.buffer, payload.byteOffset);
        const address = v.getUint32(0, true);
        const length = v.getUint16(4, true);
        if (length === 0 || length > MAX_READ || address < this.appStart || address - this.appStart + length > this.appSize) return reply(8);
        return reply(0, this.flash.slice(address - this.appStart, address - this.appStart + length));
      }
      default:
        return reply(2);
    }
  }

  private info(): Uint8Array {
    const out = new Uint8Array(51);
    const v = new DataView(out.buffer);
    out[0] = this.options.protocolVersion ?? 2;
    v.setUint32(1, this.options.bootloaderVersion ?? 0x000200, true);
    v.setUint32(5, this.board.boardId, true);
    v.setUint32(9, this.appStart, true);
    v.setUint32(13, this.appSize, true);
    v.setUint16(17, this.options.writeUnit ?? 4, true);
    v.setUint16(19, this.options.maxData ?? MAX_DATA, true);
    out[21] = this.options.window ?? 4;
    out[22] = this.record ? 1 : 0;
    v.setUint32(23, this.record ? new DataView(this.record.buffer, this.record.byteOffset).getUint32(20, true) : 0, true);
    // Bytes 27 … 45 (reset cause, last fault, watchdog, protection, line errors, slots) stay 0: a healthy
    // single-slot device.
    return out.subarray(0, this.options.infoLength ?? 51);
  }

  private begin(payload: Uint8Array, progress: (done: number, total: number) => void): number {
    this.receiving = false;
    // The header, then the payload's vector table (initial SP, reset vector): protocol 2.
    if (payload.length !== HEADER_SIZE + 8) return 3;
    const v = new DataView(payload.buffer, payload.byteOffset, payload.length);
    if (v.getUint32(0, true) !== HEADER_MAGIC || v.getUint16(4, true) !== HEADER_VERSION || v.getUint16(6, true) !== HEADER_SIZE) return 5;
    if ((crc32(payload.subarray(0, 60)) >>> 0) !== v.getUint32(60, true)) return 5;
    const size = v.getUint32(8, true);
    if (size === 0 || v.getUint32(36, true) !== 0) return 5;
    if (v.getUint32(24, true) !== this.board.boardId) return 6;
    if (v.getUint32(12, true) !== this.appStart) return 8;
    if (size > this.appSize) return 7;
    this.header = payload.slice(0, HEADER_SIZE);
    this.record = null; // from here the old application is gone
    const end = this.appStart + size;
    const sectors = this.board.sectors.filter((s) => s.start >= this.appStart && s.start < end);
    sectors.forEach((s, i) => {
      this.flash.fill(0xff, s.start - this.appStart, s.start - this.appStart + s.size);
      progress(i + 1, sectors.length);
    });
    this.received = 0;
    this.receiving = true;
    return 0;
  }

  private write(payload: Uint8Array): number {
    if (!this.receiving || !this.header) return 4;
    if (payload.length < 5) return 3;
    const offset = new DataView(payload.buffer, payload.byteOffset).getUint32(0, true);
    const data = payload.subarray(4);
    const size = new DataView(this.header.buffer).getUint32(8, true);
    if (offset > size || data.length > size - offset) return 7;
    const unit = this.options.writeUnit ?? 4;
    if (data.length % unit !== 0 && offset + data.length !== size) return 3;
    if (offset + data.length <= this.received) {
      this.stats.duplicates++;
      const have = this.flash.subarray(offset, offset + data.length);
      return have.every((b, i) => b === data[i]) ? 0 : 11;
    }
    if (offset !== this.received) {
      this.stats.outOfOrder++;
      return 9;
    }
    this.flash.set(data, offset);
    this.received = offset + data.length;
    return 0;
  }

  private end(): number {
    if (!this.receiving || !this.header) return 4;
    const v = new DataView(this.header.buffer);
    const size = v.getUint32(8, true);
    if (this.received !== size) return 14;
    this.receiving = false;
    if ((crc32(this.flash.subarray(0, size)) >>> 0) !== v.getUint32(16, true)) return 12;
    this.record = this.header.slice();
    return 0;
  }
}

/** One TCP client: the byte stream, frame parsing, the optional line model. */
class Connection {
  private buffer: number[] = [];
  private gapTimer: NodeJS.Timeout | null = null;
  private inFreeAt = 0;
  private outFreeAt = 0;
  /** Overrun model: the device's CPU is busy transmitting until this time; whether a byte is already held. */
  private busyUntil = 0;
  private held = false;
  /** The device time of the byte being handled (overrun model). */
  private clock: number | null = null;
  closed = false;

  constructor(
    private readonly device: FakeDevice,
    readonly socket: net.Socket,
  ) {}

  /** Bytes from the host: through the line model (if any), then into the parser. */
  arrive(chunk: Uint8Array): void {
    const rate = this.device.options.lineBytesPerSecond;
    const latency = this.device.options.latencyMs ?? 0;
    if (!rate && !latency) return this.feed(chunk);
    const now = performance.now();
    if (rate && this.device.options.overrunWhileReplying) {
      // Byte by byte, in slices of about a millisecond, each byte with its arrival time.
      const per = 1000 / rate;
      const start = Math.max(now + latency, this.inFreeAt);
      this.inFreeAt = start + chunk.length * per;
      const perSlice = Math.max(1, Math.floor(rate / 1000));
      for (let i = 0; i < chunk.length; i += perSlice) {
        const bytes = chunk.subarray(i, Math.min(chunk.length, i + perSlice));
        const times = Array.from(bytes, (_, j) => start + (i + j + 1) * per);
        setTimeout(() => this.feedTimed(bytes, times), Math.max(0, times[times.length - 1] - now));
      }
      return;
    }
    const done = Math.max(now + latency, this.inFreeAt) + (rate ? (chunk.length * 1000) / rate : 0);
    this.inFreeAt = done;
    setTimeout(() => this.feed(chunk), Math.max(0, done - now));
  }

  /** Overrun model: bytes that arrive while the CPU transmits are lost, but the first. */
  private feedTimed(bytes: Uint8Array, times: number[]): void {
    if (this.closed) return;
    for (let i = 0; i < bytes.length; i++) {
      if (times[i] < this.busyUntil) {
        if (this.held) {
          this.device.stats.overrunBytes++;
          continue;
        }
        this.held = true;
      }
      this.clock = times[i];
      this.buffer.push(bytes[i]);
      if (this.frameMayBeComplete()) this.parse();
      this.clock = null;
    }
    this.armGapTimer();
  }

  private frameMayBeComplete(): boolean {
    const b = this.buffer;
    if (b.length < 2) return false;
    if (b[0] !== 0xa5 || b[1] !== 0x5a) return true; // let parse() resync
    if (b.length < 6) return false;
    const length = b[4] | (b[5] << 8);
    return length > MAX_DATA + 4 || b.length >= 10 + length;
  }

  /** Bytes to the host, through the line model. */
  transmit(frame: Uint8Array, extraDelayMs = 0): void {
    if (this.closed) return;
    const rate = this.device.options.lineBytesPerSecond;
    const latency = this.device.options.latencyMs ?? 0;
    if (!rate && !latency && !extraDelayMs) {
      this.socket.write(frame);
      return;
    }
    const now = performance.now();
    const at = this.clock ?? now;
    const sent = Math.max(at + extraDelayMs, this.outFreeAt) + (rate ? (frame.length * 1000) / rate : 0);
    this.outFreeAt = sent;
    if (this.device.options.overrunWhileReplying && rate) {
      // Blocking writes: the CPU is busy from now until the last byte is out.
      this.busyUntil = sent;
      this.held = false;
    }
    setTimeout(() => {
      if (!this.closed) this.socket.write(frame);
    }, Math.max(0, sent + latency - now));
  }

  /** A damaged frame: NACK it and drop whatever was buffered, as the bootloader does. */
  damaged(): void {
    this.device.stats.badFrames++;
    this.buffer = [];
    if (!this.device.options.silent) this.transmit(encodeFrame(REPLY_BIT, 0xff, Uint8Array.of(1)));
  }

  private feed(chunk: Uint8Array): void {
    if (this.closed) return;
    for (const b of chunk) this.buffer.push(b);
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.gapTimer = null;
    this.parse();
    this.armGapTimer();
  }

  private armGapTimer(): void {
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.gapTimer = null;
    if (this.buffer.length > 0 && !this.closed) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = null;
        if (this.buffer.length >= 2 && this.buffer[0] === 0xa5 && this.buffer[1] === 0x5a) this.damaged();
        else this.buffer = [];
      }, INTER_BYTE_TIMEOUT_MS);
    }
  }

  /** Whole frames waiting in the buffer: what the host has in flight, at most. */
  private countFrames(): number {
    let n = 0;
    let at = 0;
    while (at + 6 <= this.buffer.length && this.buffer[at] === 0xa5 && this.buffer[at + 1] === 0x5a) {
      const total = 10 + (this.buffer[at + 4] | (this.buffer[at + 5] << 8));
      if (at + total > this.buffer.length) break;
      n++;
      at += total;
    }
    return n;
  }

  private parse(): void {
    this.device.stats.maxFramesBuffered = Math.max(this.device.stats.maxFramesBuffered, this.countFrames());
    while (this.buffer.length > 0 && !this.closed) {
      const start = this.buffer.findIndex((b, i) => b === 0xa5 && this.buffer[i + 1] === 0x5a);
      if (start < 0) {
        // Keep a trailing 0xA5: it may be the first sync byte.
        this.buffer = this.buffer[this.buffer.length - 1] === 0xa5 ? [0xa5] : [];
        return;
      }
      this.buffer.splice(0, start);
      if (this.buffer.length < 6) return;
      const length = this.buffer[4] | (this.buffer[5] << 8);
      if (length > MAX_DATA + 4) {
        this.damaged();
        return;
      }
      const total = 6 + length + 4;
      if (this.buffer.length < total) return;
      const bytes = Uint8Array.from(this.buffer.splice(0, total));
      const crc = new DataView(bytes.buffer).getUint32(6 + length, true);
      if ((crc32(bytes.subarray(2, 6 + length)) >>> 0) !== crc) {
        this.damaged();
        return;
      }
      this.device.handle(bytes[2], bytes[3], bytes.slice(6, 6 + length), this);
    }
  }
}
