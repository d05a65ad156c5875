/**
 * Simulated UART: bytes the host sends become readable at their arrival time (one byte per byte-time
 * after the chunk's start); bytes the device writes are collected in order.
 */
export interface PendingByte {
  value: number;
  availableAtUs: number;
}

export class SimUart {
  /** Received bytes from rxNext on are still to be read (an index, so reading is O(1)). */
  readonly rx: PendingByte[] = [];
  rxNext = 0;
  readonly tx: number[] = [];
  baud = 0;
  evenParity = false;
  enabled = false;
  /** Microseconds one byte takes on the line (10 bits at 115200 baud). */
  byteTimeUs = 87;

  /** Queues bytes from the host, the first arriving at `atUs`. */
  deliver(bytes: Iterable<number>, atUs: number): void {
    const last = this.rx.length > this.rxNext ? this.rx[this.rx.length - 1] : undefined;
    let t = Math.max(atUs, last ? last.availableAtUs + this.byteTimeUs : atUs);
    for (const value of bytes) {
      this.rx.push({ value: value & 0xff, availableAtUs: t });
      t += this.byteTimeUs;
    }
  }

  /** The next byte not yet read, if any. */
  peek(): PendingByte | undefined {
    return this.rx[this.rxNext];
  }

  shift(): void {
    this.rxNext++;
  }

  pending(): number {
    return this.rx.length - this.rxNext;
  }

  takeTx(): Uint8Array {
    const out = Uint8Array.from(this.tx);
    this.tx.length = 0;
    return out;
  }
}
