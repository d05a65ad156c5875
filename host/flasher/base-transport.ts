/** What every transport shares (transport.ts): the listeners, and how a pipe that closed by itself is told. */
import { FlasherError } from "./errors";
import type { Transport } from "./transport";

/** The rate a bootloader listens at unless told otherwise (its board's uart.baud). */
export const DEFAULT_BAUD = 115200;

export function checkedBaud(baud: number): number {
  if (!Number.isInteger(baud) || baud < 1200 || baud > 12_000_000) throw new FlasherError("port-error", `baud rate ${baud} is not a usable rate (e.g. 115200)`);
  return baud;
}

export abstract class BaseTransport implements Transport {
  abstract readonly description: string;
  abstract readonly bytesPerSecond: number | null;
  protected dataListener: (chunk: Uint8Array) => void = () => {};
  private closeListener: (reason?: Error) => void = () => {};
  private closeReason: Error | undefined;
  closed = false;
  protected closing = false;

  abstract write(data: Uint8Array): void;
  abstract close(): Promise<void>;

  onData(listener: (chunk: Uint8Array) => void): void {
    this.dataListener = listener;
  }

  onClose(listener: (reason?: Error) => void): void {
    this.closeListener = listener;
    if (this.closed && !this.closing) listener(this.closeReason);
  }

  protected closedByPeer(reason?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    if (!this.closing) this.closeListener(reason);
  }
}

