/**
 * How long to wait for a reply, from the link the flasher is really on (issue 16: an emulator, or a loaded
 * USB hub, is a slow link). Two things are measured: the round trip of a request and its reply (INFO's
 * first, then every reply), and the byte rate the device really achieves (payload bytes it acknowledged
 * per second while WRITEs were in flight). A serial port's nominal rate is an upper bound, never assumed
 * to be reached; over TCP there is no nominal rate at all. Until a rate is measured, the round trip of
 * INFO is taken as all transmission (the slowest link it can be), which errs on the long side.
 *
 * Timeouts only matter when something is lost, so they are generous: three times what the link should
 * take, never below a floor, and doubled after each timeout that brought no progress (up to a cap).
 */

/** Frame overhead: sync (2), command, seq, length (2), CRC (4). */
export const FRAME_OVERHEAD = 10;
/** INFO's request and reply on the wire (protocol 2: a 36-byte payload plus the status). */
export const INFO_WIRE_BYTES = FRAME_OVERHEAD + FRAME_OVERHEAD + 1 + 36;

export interface TimingOptions {
  /** The transport's nominal rate in bytes per second (serial: baud / 10), or null (TCP). */
  lineBytesPerSecond: number | null;
  /** No timeout is shorter than this (ms). */
  floorMs?: number;
  /** Nor longer than this, however slow the link (ms). */
  capMs?: number;
}

export class LinkTiming {
  /** Smoothed round trip of a request and its reply, transmission included (ms). */
  private rttMs: number | null = null;
  /** The largest round trip seen (ms). */
  private rttMaxMs = 0;
  /** Bytes on the wire per second the device was seen to handle (measured during WRITEs). */
  private measuredRate: number | null = null;
  private readonly floorMs: number;
  private readonly capMs: number;

  private lineBytesPerSecond: number | null;

  constructor(o: TimingOptions) {
    this.lineBytesPerSecond = o.lineBytesPerSecond;
    this.floorMs = o.floorMs ?? 2000;
    this.capMs = o.capMs ?? 120_000;
  }

  /**
   * The line's rate changed (baud negotiation): what was measured at the old rate no longer holds, so
   * measuring starts again at the new nominal rate.
   */
  lineChanged(lineBytesPerSecond: number | null): void {
    this.lineBytesPerSecond = lineBytesPerSecond;
    this.measuredRate = null;
    this.pessimisticRate = null;
  }

  /** A reply arrived `ms` after its request was written; `wireBytes` crossed the line for the pair. */
  observeRoundTrip(ms: number, wireBytes: number): void {
    this.rttMs = this.rttMs === null ? ms : 0.75 * this.rttMs + 0.25 * ms;
    this.rttMaxMs = Math.max(this.rttMaxMs, ms);
    // Before any WRITE, a round trip bounds the rate from below: as if it were all transmission.
    if (this.measuredRate === null && ms > 0) this.pessimisticRate = Math.max(this.pessimisticRate ?? 0, (wireBytes * 1000) / ms);
  }

  private pessimisticRate: number | null = null;

  /** `wireBytes` were acknowledged over `ms` of continuous transfer (the WRITE window kept full). */
  observeThroughput(wireBytes: number, ms: number): void {
    if (ms <= 0 || wireBytes <= 0) return;
    const rate = (wireBytes * 1000) / ms;
    this.measuredRate = this.measuredRate === null ? rate : 0.7 * this.measuredRate + 0.3 * rate;
  }

  /** The byte rate to plan with: the slowest of the nominal, the measured and (before a measurement) the pessimistic one. */
  bytesPerSecond(): number | null {
    const candidates = [this.lineBytesPerSecond, this.measuredRate ?? this.pessimisticRate].filter((r): r is number => r !== null && r > 0);
    return candidates.length ? Math.min(...candidates) : null;
  }

  /** What the link has shown so far, for reports and messages. */
  get summary(): { rttMs: number | null; rttMaxMs: number; bytesPerSecond: number | null } {
    return { rttMs: this.rttMs, rttMaxMs: this.rttMaxMs, bytesPerSecond: this.bytesPerSecond() };
  }

  /** How long `wireBytes` take on the line, plus the device's turnaround (the largest round trip seen). */
  private expectedMs(wireBytes: number): number {
    const rate = this.bytesPerSecond();
    return (rate ? (wireBytes * 1000) / rate : 0) + this.rttMaxMs;
  }

  /** The wait for a reply to a request/reply pair of `wireBytes`, after `failures` timeouts in a row. */
  replyTimeoutMs(wireBytes: number, floorMs = this.floorMs, failures = 0): number {
    return this.bounded(3 * this.expectedMs(wireBytes), floorMs, failures);
  }

  /** The wait for any WRITE reply with `window` frames of `chunk` bytes in flight. */
  writeTimeoutMs(window: number, chunk: number, failures = 0): number {
    return this.bounded(3 * this.expectedMs(window * (chunk + 4 + FRAME_OVERHEAD) + FRAME_OVERHEAD + 5), this.floorMs, failures);
  }

  private bounded(ms: number, floorMs: number, failures: number): number {
    return Math.ceil(Math.min(this.capMs, Math.max(floorMs, ms) * 2 ** Math.min(failures, 6)));
  }
}
