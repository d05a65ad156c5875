/**
 * The simulated USART and the line to the host, timed to the nanosecond (hal-bindings/host/sim_uart.c is
 * its C twin).
 *
 * The line: the host sends chunks at its own baud rate and framing (HostLine, 115200 8N1 unless a script
 * says otherwise); byte k of a chunk has been received completely (stop bit done) k frame times after the
 * first, and a chunk never starts before the previous one has finished. 8N1 is 10 bits a byte, 8E1 11.
 *
 * Reception, as the silicon does it, byte by byte at each byte's arrival time:
 *   - USART off (before hal_port_uart_init, after deinit): the byte is lost.
 *   - DMA running (uartRxStart): the byte goes into the ring, whatever the CPU is doing.
 *   - otherwise the receive data register (RDR) holds one byte; a byte that completes while it is still
 *     full is lost and sets ORE. (The shift register is the "one more": a byte being received is lost only
 *     when its stop bit completes with RDR still full.)
 * The simulation processes arrivals lazily, at the device's next UART call, which gives the same result:
 * the CPU can only look at the UART through those calls.
 *
 * The USART's rate is what its BRR makes of its kernel clock (BRR = round(clock / baud), OVER8 = 0, as
 * every family's driver programs it; boards/uart-rates.ts): clock / BRR, not the nominal rate. A rate whose
 * BRR would fall outside 16 … 0xFFFF is refused, as the drivers refuse it: the USART stays as it was.
 *
 * Line errors (framing mismatches), simply modelled:
 *   - the host's rate more than 3 % away from the USART's: FE, and the value is unreliable (modelled as its
 *     complement); the same for what the host receives of the device's bytes (hostReceives);
 *   - a line that carries no more than `lineLimitBaud` (a long cable, a marginal adapter): every byte sent
 *     faster, either way, arrives the same way (FE, complemented);
 *   - host 8E1, device 8N1: the parity bit lands where the stop bit is expected: FE when it is 0 (data of
 *     even weight); the data is intact (this is why the ROM's 0x7F sync reads fine at 8N1);
 *   - host 8N1, device 8E1: the host's stop bit is read as the parity bit (1): PE when the data has even
 *     weight; FE when the next byte starts less than one bit after it (its start bit falls on the expected
 *     stop bit); the data is kept (a real receiver may then lose sync: not modelled).
 * NE is never set (no noise on a simulated line).
 *
 * Transmission: the transmit data register holds one byte while the shift register sends the previous
 * one; writing waits (the CPU busy-waits) until the register is free, and flush waits for TC.
 */

export type Framing = "8N1" | "8E1";

export interface HostLine {
  baud: number;
  framing: Framing;
}

export const DEFAULT_HOST_LINE: Readonly<HostLine> = { baud: 115200, framing: "8N1" };

/** UART_ERR bits (tsboot_hal.h HAL_UART_ERR_*, UartError in bootloader-ts/uart-io.ts). */
export const UART_ERR_PE = 1;
export const UART_ERR_FE = 2;
export const UART_ERR_NE = 4;
export const UART_ERR_ORE = 8;

export function frameBits(framing: Framing): number {
  return framing === "8E1" ? 11 : 10;
}

/** floor(k · bits · 10^9 / baud): k frames in nanoseconds, exactly (and within safe integers). */
export function framesNs(k: number, bits: number, baud: number): number {
  const numerator = bits * 1_000_000_000;
  const q = Math.floor(numerator / baud);
  const r = numerator - q * baud;
  return k * q + Math.floor((k * r) / baud);
}

function weightIsEven(value: number): boolean {
  let v = value & 0xff;
  let ones = 0;
  while (v) {
    ones += v & 1;
    v >>>= 1;
  }
  return (ones & 1) === 0;
}

export interface PendingByte {
  value: number;
  /** When its stop bit is complete (ns). */
  atNs: number;
  baud: number;
  framing: Framing;
}

/** True when a byte at `hostBaud` is unreadable to a USART running at clockHz / brr (more than 3 % apart). */
export function ratesMismatch(hostBaud: number, clockHz: number, brr: number): boolean {
  return Math.abs(hostBaud * brr - clockHz) * 100 > clockHz * 3;
}

export class SimUart {
  /** Bytes the host sent, in order; rxNext is the first not yet received by the USART. */
  readonly rx: PendingByte[] = [];
  rxNext = 0;
  /** The host's line for chunks delivered without one. */
  hostLine: HostLine = { ...DEFAULT_HOST_LINE };

  /** The USART's kernel clock (board data); its rate is clockHz / brr. */
  clockHz = 0;
  /** Bytes faster than this, either way, arrive garbled (0: no limit). */
  lineLimitBaud = 0;

  /** The USART's configuration (hal_port_uart_init): the nominal rate asked for, and its BRR. */
  enabled = false;
  baud = 0;
  brr = 0;
  evenParity = false;

  /** DMA reception: the ring and how many bytes it has written into it. */
  ring: Uint8Array | null = null;
  written = 0;
  /** Polled reception: the receive data register (-1: empty). */
  rdr = -1;
  /** Line errors not yet taken (UART_ERR bits). */
  errors = 0;

  /** Every byte the device wrote, when its stop bit left the line (ns), and the BRR it was sent with. */
  readonly tx: number[] = [];
  readonly txDoneNs: number[] = [];
  readonly txBrr: number[] = [];
  /** When the transmitter's shift register is done with everything written so far. */
  txFreeNs = 0;

  /** Queues bytes from the host, the first complete at `atUs` (or when the line is free). */
  deliver(bytes: Iterable<number>, atUs: number, line: HostLine = this.hostLine): void {
    const bits = frameBits(line.framing);
    const last = this.rx.length > 0 ? this.rx[this.rx.length - 1] : undefined;
    let start = Math.round(atUs * 1000);
    if (last) start = Math.max(start, last.atNs + framesNs(1, bits, line.baud));
    let k = 0;
    for (const value of bytes) {
      this.rx.push({ value: value & 0xff, atNs: start + framesNs(k, bits, line.baud), baud: line.baud, framing: line.framing });
      k++;
    }
  }

  /** Bytes the host sent that the USART has not received yet. */
  pending(): number {
    return this.rx.length - this.rxNext;
  }

  /** Receives every byte complete by `nowNs`; returns how many arrived (kept or lost). */
  receiveUntil(nowNs: number): number {
    return this.receiveBefore(nowNs + 1);
  }

  /** Receives every byte complete before `endNs` (not at it). */
  receiveBefore(endNs: number): number {
    let count = 0;
    while (this.rxNext < this.rx.length && this.rx[this.rxNext].atNs < endNs) {
      this.receive(this.rxNext);
      this.rxNext++;
      count++;
    }
    return count;
  }

  private receive(index: number): void {
    if (!this.enabled) return;
    const b = this.rx[index];
    let value = b.value;
    const device: Framing = this.evenParity ? "8E1" : "8N1";
    if (ratesMismatch(b.baud, this.clockHz, this.brr) || this.garbledAt(b.baud)) {
      this.errors |= UART_ERR_FE;
      value = ~value & 0xff;
    } else if (b.framing === "8E1" && device === "8N1") {
      if (weightIsEven(value)) this.errors |= UART_ERR_FE;
    } else if (b.framing === "8N1" && device === "8E1") {
      if (weightIsEven(value)) this.errors |= UART_ERR_PE;
      const next = this.rx[index + 1];
      if (next && next.atNs - b.atNs < framesNs(1, frameBits(next.framing), next.baud) + Math.floor(1_000_000_000 / b.baud)) {
        this.errors |= UART_ERR_FE;
      }
    }
    if (this.ring) {
      this.ring[this.written % this.ring.length] = value;
      this.written++;
    } else if (this.rdr >= 0) {
      this.errors |= UART_ERR_ORE;
    } else {
      this.rdr = value;
    }
  }

  /** Polled read of RDR: the byte, or -1. */
  takeRdr(): number {
    const v = this.rdr;
    this.rdr = -1;
    return v;
  }

  /** The line limit garbles a byte at this rate. */
  private garbledAt(baud: number): boolean {
    return this.lineLimitBaud > 0 && baud > this.lineLimitBaud;
  }

  /** BRR for `baud` as the drivers compute it, or 0 when they refuse the rate. */
  brrFor(baud: number): number {
    if (baud <= 0 || this.clockHz <= 0) return 0;
    const brr = Math.floor((this.clockHz + Math.floor(baud / 2)) / baud);
    return brr >= 16 && brr <= 0xffff ? brr : 0;
  }

  /** hal_port_uart_init's effect; false (nothing changes) for a rate the driver refuses. */
  configure(baud: number, evenParity: boolean): boolean {
    const brr = this.brrFor(baud);
    if (brr === 0) return false;
    this.baud = baud;
    this.brr = brr;
    this.evenParity = evenParity;
    this.enabled = true;
    return true;
  }

  /** The device's byte `index` as a host whose line runs at `line` receives it (garbled when the rates differ). */
  hostReceives(index: number, line: HostLine): number {
    const brr = this.txBrr[index];
    const value = this.tx[index];
    if (brr === 0) return value;
    const actual = this.clockHz / brr;
    if (ratesMismatch(line.baud, this.clockHz, brr) || this.garbledAt(actual)) return ~value & 0xff;
    return value;
  }

  /** DMA starts: a byte waiting in RDR is its first transfer. */
  startDma(ring: Uint8Array): void {
    this.ring = ring;
    this.written = 0;
    if (this.rdr >= 0) {
      ring[0] = this.rdr;
      this.written = 1;
      this.rdr = -1;
    }
  }

  disable(): void {
    this.enabled = false;
    this.ring = null;
    this.rdr = -1;
  }

  takeErrors(): number {
    const e = this.errors;
    this.errors = 0;
    return e;
  }

  /** One frame at clockHz / brr: bits × BRR kernel clocks. */
  private frameNs(): number {
    return framesNs(1, frameBits(this.evenParity ? "8E1" : "8N1") * this.brr, this.clockHz);
  }

  /** How long a write at `nowNs` waits for the transmit data register (0 when the USART is not set up). */
  txWaitNs(nowNs: number): number {
    if (!this.enabled || this.brr === 0) return 0;
    return Math.max(0, this.txFreeNs - this.frameNs() - nowNs);
  }

  /** Queues a byte at `nowNs` (after txWaitNs has passed). */
  transmit(value: number, nowNs: number): void {
    if (!this.enabled || this.brr === 0) {
      this.tx.push(value & 0xff);
      this.txDoneNs.push(nowNs);
      this.txBrr.push(0);
      return;
    }
    this.txFreeNs = Math.max(nowNs, this.txFreeNs) + this.frameNs();
    this.tx.push(value & 0xff);
    this.txDoneNs.push(this.txFreeNs);
    this.txBrr.push(this.brr);
  }

  /** How long until the last byte written has left the line (TC). */
  flushWaitNs(nowNs: number): number {
    return Math.max(0, this.txFreeNs - nowNs);
  }

  takeTx(): Uint8Array {
    const out = Uint8Array.from(this.tx);
    this.tx.length = 0;
    this.txDoneNs.length = 0;
    this.txBrr.length = 0;
    return out;
  }
}
