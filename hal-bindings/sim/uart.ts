/**
 * Simulated UART: bytes the host sends become readable at their arrival time (one byte per byte-time
 * after the chunk's start); bytes the device writes are collected in order.
 */
export interface PendingByte {
  value: number;
  availableAtUs: number;
}

export class SimUart {
  readonly rx: PendingByte[] = [];
  readonly tx: number[] = [];
  baud = 0;
  evenParity = false;
  enabled = false;
  /** Microseconds one byte takes on the line (10 bits at 115200 baud). */
  byteTimeUs = 87;

  /** Queues bytes from the host, the first arriving at `atUs`. */
  deliver(bytes: Iterable<number>, atUs: number): void {
    let t = Math.max(atUs, this.rx.length ? this.rx[this.rx.length - 1].availableAtUs + this.byteTimeUs : atUs);
    for (const value of bytes) {
      this.rx.push({ value: value & 0xff, availableAtUs: t });
      t += this.byteTimeUs;
    }
  }

  takeTx(): Uint8Array {
    const out = Uint8Array.from(this.tx);
    this.tx.length = 0;
    return out;
  }
}
