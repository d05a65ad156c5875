/**
 * A byte pipe to a bootloader's UART: TCP (`tcp://host:port`, a raw serial-to-TCP bridge, the host
 * simulation) through node:net, a network serial server that speaks RFC 2217 (`rfc2217://host:port`:
 * ser2net, the host simulation; rfc2217.ts), or a serial device (`/dev/ttyACM0`, `COM3`) through the
 * serialport package. The flasher above it only writes bytes, listens for bytes, learns when the pipe
 * closes, and — where the pipe has a line rate it controls (serial, RFC 2217) — changes the rate.
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { FlasherError } from "./errors";
import { BaseTransport, checkedBaud, DEFAULT_BAUD } from "./base-transport";
import { isRfc2217Address, Rfc2217Transport } from "./rfc2217";

export { BaseTransport, checkedBaud, DEFAULT_BAUD } from "./base-transport";

export interface Transport {
  /** "tcp://127.0.0.1:3333" or "/dev/ttyACM0 at 115200 baud", for messages. */
  readonly description: string;
  /** The line rate in bytes per second when there is one (serial: baud / 10 at 8N1), else null. */
  readonly bytesPerSecond: number | null;
  /** The line's baud rate, where the host sets one (serial, RFC 2217); absent on a raw TCP pipe. */
  readonly baud?: number;
  /**
   * Changes the line's rate (after whatever was written has left): serial and RFC 2217 only. A raw TCP
   * pipe has no rate of its own to change: its bridge runs at a rate the host does not know.
   */
  setBaud?(baud: number): Promise<void>;
  write(data: Uint8Array): void;
  /** Replaces the data listener. */
  onData(listener: (chunk: Uint8Array) => void): void;
  /** Called once when the pipe closes by itself (not after close()), with the reason if known. */
  onClose(listener: (reason?: Error) => void): void;
  readonly closed: boolean;
  close(): Promise<void>;
  /** A serial port's control lines (stm32flash -i style reset sequences); absent where there are none (TCP). */
  setSignals?(signals: ControlSignals): Promise<void>;
}

/** RS-232 control lines: true asserts the line (DTR/RTS active, a break on TX). */
export interface ControlSignals {
  dtr?: boolean;
  rts?: boolean;
  brk?: boolean;
}

export interface OpenOptions {
  /** The rate the bootloader listens at, where sessions start (serial and RFC 2217); 115200 when absent. */
  baud?: number;
  /** How long to wait for a TCP connection. */
  connectTimeoutMs?: number;
}


export function isTcpAddress(port: string): boolean {
  return /^tcp:\/\//i.test(port);
}

export function parseTcpAddress(port: string): { host: string; port: number } {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/i.exec(port);
  if (!m) throw new FlasherError("port-error", `'${port}' is not a TCP address: write tcp://HOST:PORT, e.g. tcp://127.0.0.1:3333`);
  const n = Number(m[2]);
  if (n < 1 || n > 65535) throw new FlasherError("port-error", `'${port}': port ${n} is out of range`);
  return { host: m[1].replace(/^\[|\]$/g, ""), port: n };
}

export async function openTransport(port: string, options: OpenOptions = {}): Promise<Transport> {
  if (!port) throw new FlasherError("port-error", "no port given: pass --port /dev/ttyACM0 (serial) or --port tcp://127.0.0.1:3333 (simulation)");
  if (isTcpAddress(port)) return TcpTransport.connect(port, options.connectTimeoutMs ?? 3000);
  if (isRfc2217Address(port)) return Rfc2217Transport.connect(port, checkedBaud(options.baud ?? DEFAULT_BAUD), options.connectTimeoutMs ?? 3000);
  return SerialTransport.open(port, options.baud ?? DEFAULT_BAUD);
}

export class TcpTransport extends BaseTransport {
  readonly bytesPerSecond = null;
  /** The last bytes received, to tell why the peer hung up (a simulation that is busy says so). */
  private tail = "";

  /** The host simulation serves one client at a time and tells another one so before it hangs up. */
  private busyReason(): FlasherError | undefined {
    if (!/tsboot-sim: busy/.test(this.tail)) return undefined;
    return new FlasherError(
      "port-busy",
      `${this.description} is busy: another client is connected to that simulated UART (one host at a time, as on a serial port) — ` +
        "close the other session (tsboot, socat, stm32flash) and retry",
    );
  }

  private constructor(
    private readonly socket: net.Socket,
    readonly description: string,
  ) {
    super();
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString("latin1")).slice(-256);
      this.dataListener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    });
    socket.on("error", (e) => this.closedByPeer(this.busyReason() ?? e));
    socket.on("close", () => this.closedByPeer(this.busyReason()));
  }

  static connect(address: string, timeoutMs: number): Promise<TcpTransport> {
    const { host, port } = parseTcpAddress(address);
    const description = `tcp://${host.includes(":") ? `[${host}]` : host}:${port}`;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new FlasherError("connect-failed", `no connection to ${description} within ${timeoutMs} ms: is the simulation (or bridge) running there?`));
      }, timeoutMs);
      socket.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const why =
          e.code === "ECONNREFUSED" ? "connection refused — nothing listens there: start the simulation (or bridge) first" :
          e.code === "ENOTFOUND" ? `unknown host '${host}'` :
          e.message;
        reject(new FlasherError("connect-failed", `cannot connect to ${description}: ${why}`));
      });
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(new TcpTransport(socket, description));
      });
    });
  }

  write(data: Uint8Array): void {
    if (!this.closed) this.socket.write(data);
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

/** Serial device paths that exist here, for "no such port" messages (Linux and macOS names). */
export function candidateSerialPorts(): string[] {
  if (process.platform === "win32") return [];
  try {
    return fs
      .readdirSync("/dev")
      .filter((n) => /^(ttyACM\d+|ttyUSB\d+|tty\.usb\S+|cu\.usb\S+)$/.test(n))
      .map((n) => path.join("/dev", n))
      .sort();
  } catch {
    return [];
  }
}

export class SerialTransport extends BaseTransport {
  description: string;
  baud: number;

  // The port's type comes from the serialport package, loaded only when a serial port is opened.
  private constructor(
    private readonly port: import("serialport").SerialPort,
    path: string,
    baud: number,
  ) {
    super();
    this.description = `${path} at ${baud} baud`;
    this.baud = baud;
    port.on("data", (chunk: Buffer) => this.dataListener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    port.on("error", (e: Error) => this.closedByPeer(e));
    port.on("close", (e?: Error) => this.closedByPeer(e ?? undefined));
  }

  get bytesPerSecond(): number {
    return this.baud / 10;
  }

  static async open(portPath: string, baud: number): Promise<SerialTransport> {
    checkedBaud(baud);
    const { SerialPort } = await import("serialport");
    const port = new SerialPort({ path: portPath, baudRate: baud, dataBits: 8, parity: "none", stopBits: 1, autoOpen: false, lock: true });
    await new Promise<void>((resolve, reject) => {
      port.open((e) => {
        if (!e) return resolve();
        reject(serialOpenError(portPath, e));
      });
    });
    return new SerialTransport(port, portPath, baud);
  }

  write(data: Uint8Array): void {
    if (!this.closed) this.port.write(Buffer.from(data.buffer, data.byteOffset, data.length));
  }

  /** The port's rate from now on, once what was written has left (tcdrain, then the new termios speed). */
  async setBaud(baud: number): Promise<void> {
    checkedBaud(baud);
    await new Promise<void>((resolve, reject) => this.port.drain((e) => (e ? reject(e) : resolve())));
    await new Promise<void>((resolve, reject) =>
      this.port.update({ baudRate: baud }, (e) => (e ? reject(new FlasherError("port-error", `${this.description}: cannot change to ${baud} baud: ${e.message}`)) : resolve())),
    );
    this.baud = baud;
    this.description = this.description.replace(/ at \d+ baud$/, ` at ${baud} baud`);
  }

  setSignals(signals: ControlSignals): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.set(signals, (e) => (e ? reject(new FlasherError("port-error", `${this.description}: cannot set ${Object.keys(signals).join("/").toUpperCase()}: ${e.message}`)) : resolve()));
    });
  }

  close(): Promise<void> {
    this.closing = true;
    if (this.closed || !this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => {
      this.port.drain(() => this.port.close(() => resolve()));
    });
  }
}

/** Turns serialport's open errors (plain messages, no codes) into what to do. */
export function serialOpenError(portPath: string, e: Error): FlasherError {
  const m = e.message;
  if (/No such file|ENOENT|cannot find the file|File not found/i.test(m)) {
    const found = candidateSerialPorts();
    return new FlasherError(
      "port-missing",
      `no serial port ${portPath}: is the board plugged in? ` +
        (found.length ? `Serial ports here: ${found.join(", ")}` : "No USB serial port (ttyACM*, ttyUSB*) is present.") +
        " For the simulation, use --port tcp://127.0.0.1:PORT.",
    );
  }
  if (/Cannot lock port|Resource temporarily unavailable|EBUSY|EAGAIN|busy|Access denied/i.test(m) && !/Permission denied|EACCES/i.test(m)) {
    return new FlasherError("port-busy", `${portPath} is busy: another program has it open (a serial monitor, screen, minicom, another tsboot?) — close it and retry`);
  }
  if (/Permission denied|EACCES/i.test(m)) {
    return new FlasherError("port-permission", `no permission to open ${portPath}: add your user to the 'dialout' group (then log in again), or run as root`);
  }
  return new FlasherError("port-error", `cannot open ${portPath}: ${m}`);
}
