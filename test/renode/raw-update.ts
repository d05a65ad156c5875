/**
 * A raw native-protocol session for device-side refusal tests: it sends an image's header and payload as
 * they are, frame by frame (host/flasher's Link: framing only), with none of the flasher's checks. The
 * flasher refuses a damaged .tsb before BEGIN (its own CRC check); this is how the same bytes reach the
 * bootloader, so a test sees what the device does with them.
 *
 * No retries: Renode's UART loses nothing, so a missing reply is a failure to report, not to paper over.
 * Also the tool for requests the flasher has no command for (PROTECT) and for requests sent into a power cut.
 */
import { decodeInfo, Link, statusName, type DeviceInfo, type Transport } from "../../host/flasher/index";
import { Command, EVENT_PROGRESS, REPLY_BIT } from "../../host/frames";

const HEADER_SIZE = 64;

export interface RawReply {
  status: number;
  statusName: string;
  data: Uint8Array;
}

/** Where a raw update stopped: the first command refused, or "done" after END's ok. */
/** BEGIN's payload (protocol 2): the 64-byte header and the payload's first 8 bytes (initial SP, reset vector). */
export function beginPayload(image: Uint8Array): Uint8Array {
  const announced = new Uint8Array(HEADER_SIZE + 8);
  announced.set(image.subarray(0, HEADER_SIZE), 0);
  announced.set(image.subarray(HEADER_SIZE, HEADER_SIZE + 8), HEADER_SIZE);
  return announced;
}

export interface RawUpdateOutcome {
  stoppedAt: "BEGIN" | "WRITE" | "END" | "done";
  status: string;
  /** Payload bytes the device confirmed. */
  written: number;
}

export class RawSession {
  private readonly link: Link;

  constructor(
    private readonly transport: Transport,
    private readonly timeoutMs = 120_000,
  ) {
    this.link = new Link(transport);
  }

  /** One request and its reply; progress events (BEGIN's erase) restart the wait. */
  async request(command: number, payload: Uint8Array = new Uint8Array(0), timeoutMs = this.timeoutMs): Promise<RawReply> {
    const seq = this.link.nextSeq();
    this.link.send(command, seq, payload);
    while (true) {
      const frame = await this.link.next(timeoutMs);
      if (frame === null) throw new Error(`raw session: no reply to command 0x${command.toString(16)} within ${timeoutMs} ms on ${this.transport.description}`);
      if (frame.seq !== seq) continue;
      if (frame.command === EVENT_PROGRESS) continue;
      if (frame.command === (command | REPLY_BIT)) {
        const status = frame.payload[0] ?? 0xff;
        return { status, statusName: statusName(status), data: frame.payload.subarray(1) };
      }
    }
  }

  async info(): Promise<DeviceInfo> {
    const reply = await this.request(Command.Info);
    if (reply.status !== 0) throw new Error(`raw session: INFO refused: ${reply.statusName}`);
    return decodeInfo(reply.data);
  }

  /** BEGIN with the image's header, its payload in WRITEs as the device asks for them, then END. */
  async update(image: Uint8Array): Promise<RawUpdateOutcome> {
    const upTo = await this.updateUpToEnd(image);
    if (upTo.stoppedAt !== "done") return upTo;
    const end = await this.request(Command.End);
    return { stoppedAt: end.status === 0 ? "done" : "END", status: end.statusName, written: upTo.written };
  }

  /** BEGIN and every WRITE, no END: "done" when the device holds the whole payload. */
  async updateUpToEnd(image: Uint8Array): Promise<RawUpdateOutcome> {
    const info = await this.info();
    const payload = image.subarray(HEADER_SIZE);
    const begin = await this.request(Command.Begin, beginPayload(image));
    if (begin.status !== 0) return { stoppedAt: "BEGIN", status: begin.statusName, written: 0 };
    const unit = Math.max(1, info.writeUnit);
    const chunk = Math.max(unit, Math.floor(info.maxData / unit) * unit);
    let written = 0;
    while (written < payload.length) {
      const frame = new Uint8Array(4 + Math.min(chunk, payload.length - written));
      new DataView(frame.buffer).setUint32(0, written, true);
      frame.set(payload.subarray(written, written + frame.length - 4), 4);
      const reply = await this.request(Command.Write, frame);
      if (reply.status !== 0) return { stoppedAt: "WRITE", status: reply.statusName, written };
      written = new DataView(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength).getUint32(0, true);
    }
    return { stoppedAt: "done", status: "ok", written };
  }

  /** Sends a request and does not wait for its reply (the power is about to fail in the middle of it). */
  sendOnly(command: number, payload: Uint8Array = new Uint8Array(0)): void {
    this.link.send(command, this.link.nextSeq(), payload);
  }

  /** PROTECT (native 0x08): 1 write-protects the bootloader region through the option bytes, 0 clears it. */
  async protect(on: boolean): Promise<RawReply> {
    return this.request(Command.Protect, Uint8Array.of(on ? 1 : 0));
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
