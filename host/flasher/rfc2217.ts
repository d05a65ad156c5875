/**
 * A serial line behind a network serial server that speaks RFC 2217 (Telnet Com Port Control): ser2net in
 * telnet mode, ESP-Link, and tsboot's own live simulation (`tsboot sim --port`, hal-bindings/host/
 * sim_rfc2217.c). `rfc2217://host:port`. Unlike a raw TCP pipe, it has a baud rate the host sets, so a
 * session can change it (baud negotiation): SET-BAUDRATE, and the server's answer says the rate in effect.
 *
 * Telnet framing: the data is binary, 0xFF (IAC) doubled both ways; the server's negotiation and
 * subnegotiation answers are taken out of the data stream here.
 */
import net from "node:net";
import { FlasherError } from "./errors";
import { BaseTransport, DEFAULT_BAUD } from "./base-transport";

const IAC = 255;
const DONT = 254;
const DO = 253;
const WONT = 252;
const WILL = 251;
const SB = 250;
const SE = 240;
const BINARY = 0;
const SGA = 3;
const COM_PORT = 44;
const SET_BAUDRATE = 1;
const SET_DATASIZE = 2;
const SET_PARITY = 3;
const SET_STOPSIZE = 4;
const SERVER = 100;

export function isRfc2217Address(port: string): boolean {
  return /^rfc2217:\/\//i.test(port);
}

export function parseRfc2217Address(port: string): { host: string; port: number } {
  const m = /^rfc2217:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/i.exec(port);
  if (!m) throw new FlasherError("port-error", `'${port}' is not an RFC 2217 address: write rfc2217://HOST:PORT, e.g. rfc2217://127.0.0.1:3333`);
  const n = Number(m[2]);
  if (n < 1 || n > 65535) throw new FlasherError("port-error", `'${port}': port ${n} is out of range`);
  return { host: m[1].replace(/^\[|\]$/g, ""), port: n };
}

/** Telnet decoding of what the server sends: data bytes, and the subnegotiations it answered. */
class TelnetDecoder {
  private state: "data" | "iac" | "option" | "sb" | "sb-iac" = "data";
  private sb: number[] = [];

  constructor(private readonly onSubnegotiation: (bytes: number[]) => void) {}

  push(chunk: Uint8Array): Uint8Array {
    const out: number[] = [];
    for (const b of chunk) {
      switch (this.state) {
        case "data":
          if (b === IAC) this.state = "iac";
          else out.push(b);
          break;
        case "iac":
          if (b === IAC) {
            out.push(b);
            this.state = "data";
          } else if (b === WILL || b === WONT || b === DO || b === DONT) this.state = "option";
          else if (b === SB) {
            this.sb = [];
            this.state = "sb";
          } else this.state = "data";
          break;
        case "option":
          this.state = "data"; // the answers to our WILL/DO: nothing to do either way
          break;
        case "sb":
          if (b === IAC) this.state = "sb-iac";
          else this.sb.push(b);
          break;
        case "sb-iac":
          if (b === IAC) {
            this.sb.push(b);
            this.state = "sb";
          } else {
            this.state = "data";
            if (b === SE) this.onSubnegotiation(this.sb);
          }
          break;
      }
    }
    return Uint8Array.from(out);
  }
}

function escapeIac(data: Uint8Array): Uint8Array {
  if (!data.includes(IAC)) return data;
  const out: number[] = [];
  for (const b of data) {
    out.push(b);
    if (b === IAC) out.push(IAC);
  }
  return Uint8Array.from(out);
}

function subnegotiation(command: number, value: number[]): Uint8Array {
  const body: number[] = [];
  for (const b of value) {
    body.push(b);
    if (b === IAC) body.push(IAC);
  }
  return Uint8Array.from([IAC, SB, COM_PORT, command, ...body, IAC, SE]);
}

const u32be = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

export class Rfc2217Transport extends BaseTransport {
  baud: number;
  private readonly decoder: TelnetDecoder;
  /** Waiting for the server's answer to a subnegotiation, by its server code. */
  private answers = new Map<number, (value: number[]) => void>();

  private constructor(
    private readonly socket: net.Socket,
    readonly description: string,
    baud: number,
  ) {
    super();
    this.baud = baud;
    this.decoder = new TelnetDecoder((sb) => {
      if (sb[0] !== COM_PORT || sb.length < 2) return;
      const waiter = this.answers.get(sb[1]);
      this.answers.delete(sb[1]);
      waiter?.(sb.slice(2));
    });
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      const data = this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      if (data.length) this.dataListener(data);
    });
    socket.on("error", (e) => this.closedByPeer(e));
    socket.on("close", () => this.closedByPeer());
  }

  get bytesPerSecond(): number {
    return this.baud / 10;
  }

  /** Connects, agrees on binary Telnet with the Com Port option, and sets 8N1 at `baud`. */
  static async connect(address: string, baud = DEFAULT_BAUD, timeoutMs = 3000): Promise<Rfc2217Transport> {
    const { host, port } = parseRfc2217Address(address);
    const description = `rfc2217://${host.includes(":") ? `[${host}]` : host}:${port}`;
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new FlasherError("connect-failed", `no connection to ${description} within ${timeoutMs} ms: is the serial server (or simulation) running there?`));
      }, timeoutMs);
      s.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new FlasherError("connect-failed", `cannot connect to ${description}: ${e.code === "ECONNREFUSED" ? "connection refused — nothing listens there" : e.message}`));
      });
      s.once("connect", () => {
        clearTimeout(timer);
        s.removeAllListeners("error");
        resolve(s);
      });
    });
    const t = new Rfc2217Transport(socket, description, baud);
    socket.write(Uint8Array.from([IAC, WILL, BINARY, IAC, DO, BINARY, IAC, WILL, SGA, IAC, DO, SGA, IAC, WILL, COM_PORT]));
    try {
      await t.subnegotiate(SET_DATASIZE, [8], timeoutMs);
      await t.subnegotiate(SET_PARITY, [1], timeoutMs); // NONE
      await t.subnegotiate(SET_STOPSIZE, [1], timeoutMs);
      await t.setBaud(baud, timeoutMs);
    } catch (e) {
      socket.destroy();
      throw e;
    }
    return t;
  }

  /** Sends a Com Port subnegotiation and resolves with the value the server answers (it is then in effect). */
  private subnegotiate(command: number, value: number[], timeoutMs: number): Promise<number[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.answers.delete(command + SERVER);
        reject(new FlasherError("port-error", `${this.description} did not answer RFC 2217 command ${command} within ${timeoutMs} ms: is it a raw TCP port? Use tcp://…`));
      }, timeoutMs);
      this.answers.set(command + SERVER, (v) => {
        clearTimeout(timer);
        resolve(v);
      });
      if (!this.closed) this.socket.write(subnegotiation(command, value));
    });
  }

  /** The line's rate from now on (SET-BAUDRATE); the server must answer with that rate. */
  async setBaud(baud: number, timeoutMs = 2000): Promise<void> {
    const answer = await this.subnegotiate(SET_BAUDRATE, u32be(baud), timeoutMs);
    const set = answer.length >= 4 ? ((answer[0] << 24) | (answer[1] << 16) | (answer[2] << 8) | answer[3]) >>> 0 : 0;
    if (set !== baud) throw new FlasherError("port-error", `${this.description} runs at ${set} baud after being asked for ${baud}`);
    this.baud = baud;
  }

  write(data: Uint8Array): void {
    if (!this.closed) this.socket.write(escapeIac(data));
  }

  close(): Promise<void> {
    this.closing = true;
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.end();
      setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 200).unref();
    });
  }
}
