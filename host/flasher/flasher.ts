/**
 * The host side of an update over the native protocol (docs/protocol.md): handshake and INFO checks,
 * BEGIN with erase progress, windowed WRITEs with recovery, END, optional read-back and BOOT; READ and
 * ABORT. Used by the CLI (host/cli-tools.ts), the tests and the Renode harness.
 *
 * Windowing: up to `window` WRITE frames are in flight, so on a UART the line, not the round trip, sets
 * the pace. Recovery is go-back-N on the device's own count — every WRITE reply carries the bytes written
 * so far, and the device acknowledges a resent frame whose range it already holds (after comparing it with
 * flash):
 * - an `out of order` reply to a frame sent since the last rewind → resume from the count it carries;
 * - a `bad frame` NACK (the device dropped a damaged frame and what it had buffered) → wait until the
 *   replies still on their way have arrived, then resume from the highest count seen;
 * - no reply within the write timeout → resume from the highest count seen.
 * Frames sent before a rewind stay counted in the window until their reply arrives (or a timeout writes
 * them off), so the device's receive buffer never holds more than `window` frames.
 *
 * The window adapts: each bad-frame or timeout recovery halves it, and it grows back by one frame after
 * GROW_AFTER clean replies. A line that damages frames only while several are in flight (a polled UART
 * that cannot receive while it transmits a reply) thus settles at one frame in flight instead of stalling.
 */
import { listBoards, loadBoard } from "../../boards/index";
import { Command, EVENT_PROGRESS, MAX_READ, REPLY_BIT, type Frame, u32le } from "../frames";
import { decodeVersion, ImageFormatError, parseImage, type ImageHeader } from "../image-format";
import { FlasherError, HALF_WRITTEN_NOTE, NO_ANSWER_HINT } from "./errors";
import { isBadFrameNack, Link, statusName } from "./link";
import { openTransport, type OpenOptions, type Transport } from "./transport";

/** The native protocol version this host speaks (INFO's first byte). */
export const HOST_PROTOCOL_VERSION = 2;
/** INFO's reply payload after the status byte, protocol version 2. */
export const INFO_LENGTH = 46;
/** Clean WRITE replies after which a shrunk window grows by one frame. */
export const GROW_AFTER = 64;

export const Status = {
  Ok: 0, BadFrame: 1, UnknownCommand: 2, BadLength: 3, BadState: 4, BadHeader: 5, WrongBoard: 6, TooBig: 7,
  BadAddress: 8, OutOfOrder: 9, FlashError: 10, VerifyFailed: 11, CrcMismatch: 12, NoValidApp: 13, Incomplete: 14,
  BadVectorTable: 15, ProtectionFailed: 16,
} as const;

export interface DeviceInfo {
  protocolVersion: number;
  /** major << 16 | minor << 8 | patch */
  bootloaderVersion: number;
  bootloaderVersionText: string;
  boardId: number;
  /** The board whose boards/<name>.json has this id, if any. */
  boardName: string | null;
  appStart: number;
  appSize: number;
  writeUnit: number;
  maxData: number;
  window: number;
  appValid: boolean;
  /** major << 24 | minor << 16 | patch, 0 without a valid application. */
  appVersion: number;
  appVersionText: string | null;
  /** Why the device last reset (reset-controller flags; docs/protocol.md, INFO). */
  resetCause: string[];
  /** The fault or panic that ended the previous boot, or null. */
  lastFault: { kind: string; detail: number } | null;
  watchdog: "off" | "hardware" | "started";
  /** The bootloader region is write-protected by the option bytes. */
  bootloaderProtected: boolean;
  /** The automatic protection the board data asks for failed at this boot. */
  protectionFailed: boolean;
  /** UART line errors seen since boot: parity, framing, noise, overrun. */
  lineErrors: string[];
  /** Two slots (docs/slots.md), or one. */
  slots: SlotInfo;
}

export interface SlotInfo {
  mode: "single" | "swap";
  /** The primary image: on trial (installed for a test, not yet started / started once), or not. */
  trial: "none" | "pending" | "started";
  /** What the secondary slot holds: a downloaded image waiting for INSTALL, the previous image, or nothing. */
  secondary: "empty" | "pending" | "previous";
  secondaryVersion: string | null;
  lastEvent: "none" | "installed" | "confirmed" | "reverted";
  lastReason: "none" | "not confirmed" | "requested" | "invalid";
  swapInProgress: boolean;
}

const RESET_CAUSES = ["pin", "power-on", "software", "independent watchdog", "window watchdog", "low power", "brown-out", "option load"];
const FAULT_KINDS = ["none", "hard fault", "NMI", "memory management fault", "bus fault", "usage fault", "unexpected interrupt", "panic", "flash controller stuck busy", "ECC error"];
const LINE_ERRORS = ["parity", "framing", "noise", "overrun"];
const bitNames = (bits: number, names: string[]) => names.filter((_, i) => (bits >> i) & 1);

export type FlashProgress =
  | { phase: "info"; info: DeviceInfo }
  | { phase: "erase"; done: number; total: number }
  | { phase: "write"; bytes: number; total: number; elapsedMs: number }
  | { phase: "retry"; reason: "bad-frame" | "timeout" | "out-of-order"; resumeAt: number; retries: number; window: number }
  | { phase: "end" }
  | { phase: "verify"; bytes: number; total: number }
  | { phase: "boot" };

export interface FlashOptions {
  onProgress?: (event: FlashProgress) => void;
  /** Send BOOT after END (default false: the CLI boots unless --no-boot). */
  boot?: boolean;
  /** Read the payload back with READ after END and compare (the device already verifies each unit and the CRC). */
  verify?: boolean;
}

export interface FlashResult {
  /** Payload bytes written. */
  bytes: number;
  /** From BEGIN to the END reply (plus read-back when verifying). */
  seconds: number;
  /** Payload bytes per second over `seconds`. */
  bytesPerSecond: number;
  /** The WRITE phase alone. */
  writeSeconds: number;
  writeBytesPerSecond: number;
  /** Recoveries: bad-frame NACKs, timeouts and out-of-order rewinds. */
  retries: number;
  /** Payload bytes sent more than once. */
  resentBytes: number;
  writeFrames: number;
  /** Frames in flight at the start (the device's window, or less if asked). */
  window: number;
  /** The smallest the window shrank to after recoveries. */
  minWindow: number;
  chunk: number;
  /** The UART's bytes per second, when the transport has a line rate. */
  lineBytesPerSecond: number | null;
  verified: boolean;
  booted: boolean;
  device: DeviceInfo;
  header: ImageHeader;
}

export interface FlasherOptions {
  /** INFO attempts before "no answer" (default 4). */
  handshakeAttempts?: number;
  /** Wait for each INFO reply (default 500 ms). */
  handshakeTimeoutMs?: number;
  /** Wait for INFO/READ/ABORT/BOOT/END replies (default 1000 ms). */
  replyTimeoutMs?: number;
  /** Wait between BEGIN's erase progress events (default 10 s: a 128 KB F4 sector takes up to 4 s). */
  eraseTimeoutMs?: number;
  /** Wait for any WRITE reply before resending (default: from the line rate; 2 s over TCP). */
  writeTimeoutMs?: number;
  /** Frames in flight: at most the device's window (default: the device's window). */
  window?: number;
  /** Recoveries in a row without progress before giving up (default 8). */
  maxRetries?: number;
}

export const hex32 = (n: number) => `0x${(n >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;

function boardNameFor(boardId: number): string | null {
  try {
    for (const name of listBoards()) {
      try {
        if (loadBoard(name).boardId === boardId) return name;
      } catch {
        // a board file being edited: skip it
      }
    }
  } catch {
    // no boards directory
  }
  return null;
}

export function decodeInfo(data: Uint8Array): DeviceInfo {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const boardId = v.getUint32(5, true);
  const bootloaderVersion = v.getUint32(1, true);
  const appValid = data[22] === 1;
  const appVersion = v.getUint32(23, true);
  return {
    protocolVersion: data[0],
    bootloaderVersion,
    bootloaderVersionText: `${bootloaderVersion >>> 16}.${(bootloaderVersion >>> 8) & 0xff}.${bootloaderVersion & 0xff}`,
    boardId,
    boardName: boardNameFor(boardId),
    appStart: v.getUint32(9, true),
    appSize: v.getUint32(13, true),
    writeUnit: v.getUint16(17, true),
    maxData: v.getUint16(19, true),
    window: data[21],
    appValid,
    appVersion,
    appVersionText: appValid ? decodeVersion(appVersion) : null,
    resetCause: bitNames(data[27], RESET_CAUSES),
    lastFault: data[28] === 0 ? null : { kind: FAULT_KINDS[data[28]] ?? `fault kind ${data[28]}`, detail: v.getUint32(29, true) },
    watchdog: data[33] === 1 ? "hardware" : data[33] === 2 ? "started" : "off",
    bootloaderProtected: (data[34] & 1) !== 0,
    protectionFailed: (data[34] & 2) !== 0,
    lineErrors: bitNames(data[35], LINE_ERRORS),
    slots: {
      mode: data[36] === 1 ? "swap" : "single",
      trial: (["none", "pending", "started"] as const)[data[37]] ?? "none",
      secondary: (["empty", "pending", "previous"] as const)[data[40]] ?? "empty",
      secondaryVersion: data[40] !== 0 ? decodeVersion(v.getUint32(41, true)) : null,
      lastEvent: (["none", "installed", "confirmed", "reverted"] as const)[data[38]] ?? "none",
      lastReason: (["none", "not confirmed", "requested", "invalid"] as const)[data[39]] ?? "none",
      swapInProgress: data[45] !== 0,
    },
  };
}

function describeBoard(id: number, name: string | null): string {
  return name ? `${name} (${hex32(id)})` : `board id ${hex32(id)}`;
}

export class Flasher {
  readonly link: Link;
  private cachedInfo: DeviceInfo | null = null;
  private readonly o: Required<Omit<FlasherOptions, "writeTimeoutMs" | "window">> & Pick<FlasherOptions, "writeTimeoutMs" | "window">;

  constructor(
    readonly transport: Transport,
    options: FlasherOptions = {},
  ) {
    this.link = new Link(transport);
    this.o = {
      handshakeAttempts: options.handshakeAttempts ?? 4,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 500,
      replyTimeoutMs: options.replyTimeoutMs ?? 1000,
      eraseTimeoutMs: options.eraseTimeoutMs ?? 10_000,
      writeTimeoutMs: options.writeTimeoutMs,
      window: options.window,
      maxRetries: options.maxRetries ?? 8,
    };
  }

  /** Opens `port` (tcp://host:port or a serial device) and returns a Flasher on it. */
  static async open(port: string, options: FlasherOptions & OpenOptions = {}): Promise<Flasher> {
    return new Flasher(await openTransport(port, options), options);
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  /** One request, resent on a timeout or a bad-frame NACK; returns the reply frame (status not checked). */
  private async request(
    command: number,
    payload: Uint8Array | undefined,
    { timeoutMs, attempts, onEvent }: { timeoutMs: number; attempts: number; onEvent?: (f: Frame) => void },
  ): Promise<Frame | null> {
    for (let attempt = 0; attempt < attempts; attempt++) {
      const seq = this.link.nextSeq();
      this.link.send(command, seq, payload);
      let heard = false;
      while (true) {
        const f = await this.link.next(timeoutMs);
        if (f === null) break; // timeout: resend
        // The device dropped a damaged frame — ours, unless it already sent progress for ours.
        if (isBadFrameNack(f)) {
          if (heard) continue;
          break;
        }
        if (f.seq !== seq) continue; // a late reply to an earlier attempt or request
        if (f.command === EVENT_PROGRESS) {
          heard = true;
          onEvent?.(f);
          continue; // each event restarts the wait
        }
        if (f.command === (command | REPLY_BIT)) return f;
      }
      if (attempt + 1 < attempts) this.link.flush();
    }
    return null;
  }

  /** Handshake: INFO, resent a few times if nothing answers; checks the protocol version. */
  async info(): Promise<DeviceInfo> {
    const reply = await this.request(Command.Info, undefined, { timeoutMs: this.o.handshakeTimeoutMs, attempts: this.o.handshakeAttempts });
    if (!reply) {
      const { bytesReceived } = this.link.stats;
      const heard =
        bytesReceived > 0
          ? ` Received ${bytesReceived} bytes that were not tsboot frames: a wrong baud rate, an application (not the bootloader) ` +
            "on the line, or an AN3155 (stm32flash) session still open (it ends after 30 s of silence)."
          : "";
      throw new FlasherError(
        "no-answer",
        `no answer from the bootloader on ${this.transport.description} (${this.o.handshakeAttempts} INFO requests, ` +
          `${this.o.handshakeTimeoutMs} ms each): ${NO_ANSWER_HINT}.${heard}`,
      );
    }
    const status = reply.payload[0];
    const data = reply.payload.subarray(1);
    const protocol = data.length > 0 ? data[0] : 0;
    if (status !== Status.Ok || data.length < INFO_LENGTH || protocol < HOST_PROTOCOL_VERSION) {
      throw new FlasherError(
        "too-old",
        `bootloader too old for this host: it answered INFO with ${status !== Status.Ok ? `'${statusName(status)}'` : `${data.length} bytes`} ` +
          `(protocol version ${protocol}); this host speaks protocol ${HOST_PROTOCOL_VERSION} — update the bootloader`,
      );
    }
    if (protocol > HOST_PROTOCOL_VERSION) {
      throw new FlasherError("too-new", `the bootloader speaks protocol ${protocol}, newer than this host's ${HOST_PROTOCOL_VERSION}: update tsboot on the host`);
    }
    this.cachedInfo = decodeInfo(data);
    return this.cachedInfo;
  }

  private async deviceInfo(): Promise<DeviceInfo> {
    return this.cachedInfo ?? this.info();
  }

  /** Checks a .tsb file (or its parsed form) against the device before anything is erased. */
  checkImage(file: Uint8Array, info: DeviceInfo): { header: ImageHeader; headerBytes: Uint8Array; payload: Uint8Array } {
    let parsed;
    try {
      parsed = parseImage(file);
    } catch (e) {
      if (e instanceof ImageFormatError) throw new FlasherError("bad-image", `not a valid tsboot image: ${e.message} — rebuild it with \`tsboot image\``);
      throw e;
    }
    const { header } = parsed;
    if (header.boardId !== info.boardId) {
      throw new FlasherError(
        "wrong-board",
        `image built for ${describeBoard(header.boardId, boardNameFor(header.boardId))} but the device is ${describeBoard(info.boardId, info.boardName)}: ` +
          `rebuild it with \`tsboot image … --board ${info.boardName ?? "<this board>"}\``,
      );
    }
    if (header.loadAddress !== info.appStart) {
      throw new FlasherError(
        "wrong-board",
        `image linked for ${hex32(header.loadAddress)} but the device's application region starts at ${hex32(info.appStart)}: rebuild the image for this bootloader`,
      );
    }
    if (header.payloadSize > info.appSize) {
      throw new FlasherError(
        "too-big",
        `image too big: ${header.payloadSize} bytes, the device's application region [${hex32(info.appStart)}, ${hex32(info.appStart + info.appSize)}) ` +
          `holds ${info.appSize} (${header.payloadSize - info.appSize} bytes over)`,
      );
    }
    return parsed;
  }

  /** A whole update: INFO checks, BEGIN (erase), WRITEs, END, then optional read-back and BOOT. */
  async flash(file: Uint8Array, options: FlashOptions = {}): Promise<FlashResult> {
    const emit = options.onProgress ?? (() => {});
    const info = await this.deviceInfo();
    emit({ phase: "info", info });
    const { header, headerBytes, payload } = this.checkImage(file, info);
    const started = performance.now();

    // BEGIN: the device checks the header, invalidates the stored one, erases what the payload needs.
    // BEGIN carries the header and the payload's first 8 bytes (initial SP and reset vector), so the device
    // refuses an image that cannot start before it erases anything (docs/protocol.md).
    const beginPayload = new Uint8Array(headerBytes.length + 8);
    beginPayload.set(headerBytes, 0);
    beginPayload.set(payload.subarray(0, 8), headerBytes.length);
    const begin = await this.request(Command.Begin, beginPayload, {
      timeoutMs: this.o.eraseTimeoutMs,
      attempts: 2,
      onEvent: (f) => {
        const v = new DataView(f.payload.buffer, f.payload.byteOffset, f.payload.byteLength);
        if (f.payload.length >= 5) emit({ phase: "erase", done: v.getUint16(1, true), total: v.getUint16(3, true) });
      },
    }).catch((e) => {
      throw this.lostDuring(e, "BEGIN (erase)", 0, payload.length);
    });
    if (!begin) {
      throw new FlasherError("timeout", `no reply to BEGIN within ${this.o.eraseTimeoutMs} ms of the last erase progress: ${NO_ANSWER_HINT}. ${HALF_WRITTEN_NOTE}`);
    }
    const beginStatus = begin.payload[0];
    if (beginStatus !== Status.Ok) throw this.refusal("BEGIN", beginStatus, info, header);

    // WRITEs.
    const writeStarted = performance.now();
    const w = await this.writePayload(payload, info, emit, writeStarted).catch((e) => {
      throw this.lostDuring(e, "the transfer", this.lastAcked, payload.length);
    });
    const writeSeconds = (performance.now() - writeStarted) / 1000;

    // END: the device checks the payload's CRC in flash, then stores the header.
    emit({ phase: "end" });
    await this.end(header, payload.length).catch((e) => {
      throw this.lostDuring(e, "END", payload.length, payload.length);
    });

    let verified = false;
    if (options.verify) {
      const back = await this.read(info.appStart, payload.length, (bytes) => emit({ phase: "verify", bytes, total: payload.length }));
      const at = back.findIndex((b, i) => b !== payload[i]);
      if (at >= 0) throw new FlasherError("refused", `read-back differs from the image at ${hex32(info.appStart + at)} (offset ${at})`);
      verified = true;
    }
    const seconds = (performance.now() - started) / 1000;

    let booted = false;
    if (options.boot) {
      emit({ phase: "boot" });
      await this.boot();
      booted = true;
    }
    return {
      bytes: payload.length,
      seconds,
      bytesPerSecond: payload.length / seconds,
      writeSeconds,
      writeBytesPerSecond: payload.length / writeSeconds,
      retries: w.retries,
      resentBytes: w.resentBytes,
      writeFrames: w.frames,
      window: w.window,
      minWindow: w.minWindow,
      chunk: w.chunk,
      lineBytesPerSecond: this.transport.bytesPerSecond,
      verified,
      booted,
      device: info,
      header,
    };
  }

  /** For messages about a failure mid-transfer: the highest count the device confirmed. */
  private lastAcked = 0;

  private lostDuring(e: unknown, what: string, bytes: number, total: number): unknown {
    if (e instanceof FlasherError && e.code === "connection-lost") {
      return new FlasherError("connection-lost", `${e.message} during ${what}, after ${bytes} of ${total} bytes. ${HALF_WRITTEN_NOTE}`);
    }
    return e;
  }

  private refusal(command: string, status: number, info: DeviceInfo, header?: ImageHeader): FlasherError {
    const name = statusName(status);
    const erased = command === "BEGIN" ? "" : ` ${HALF_WRITTEN_NOTE}`;
    switch (status) {
      case Status.WrongBoard:
        return new FlasherError("wrong-board", `the bootloader refused the image: wrong board (it is ${describeBoard(info.boardId, info.boardName)})${erased}`, status);
      case Status.TooBig:
        return new FlasherError("too-big", `the bootloader refused the image: too big for its application region (${info.appSize} bytes)${erased}`, status);
      case Status.BadHeader:
        return new FlasherError("bad-image", "the bootloader refused the image header (bad magic, version, header CRC, zero size or a signature it cannot check): rebuild it with `tsboot image`", status);
      case Status.BadAddress:
        return new FlasherError("wrong-board", `the bootloader refused the image: load address ${header ? hex32(header.loadAddress) : "?"} is not its application start ${hex32(info.appStart)}`, status);
      case Status.FlashError:
        return new FlasherError("refused", `${command}: the flash controller reported an error (flash error) — write protection in the option bytes, or worn flash.${erased}`, status);
      case Status.VerifyFailed:
        return new FlasherError("refused", `${command}: flash did not read back as written (verify failed).${erased}`, status);
      case Status.CrcMismatch:
        return new FlasherError("refused", `END: the payload in flash does not match the image's CRC (CRC mismatch): the data was damaged on the way.${erased}`, status);
      case Status.BadState:
        return new FlasherError(
          "refused",
          `${command}: the bootloader has no transfer in progress (bad state): it was reset, or the session was silent for 10 s and ended.${erased}`,
          status,
        );
      case Status.BadVectorTable:
        return new FlasherError(
          "bad-image",
          `the bootloader refused the image: bad vector table (its initial stack pointer is not in RAM, or its reset vector is not a Thumb address inside the application region ${hex32(info.appStart)}…): link the application for the application region (docs/application.md).${erased}`,
          status,
        );
      case Status.UnknownCommand:
        return new FlasherError("too-old", `bootloader too old for this host: it does not know ${command} (unknown command) — update the bootloader`, status);
      default:
        return new FlasherError("protocol", `${command} refused: ${name} (status ${status}).${erased}`, status);
    }
  }

  private writeTimeoutMs(window: number, chunk: number): number {
    if (this.o.writeTimeoutMs !== undefined) return this.o.writeTimeoutMs;
    const rate = this.transport.bytesPerSecond;
    if (!rate) return 2000;
    // The window's bytes on the line, twice over (the replies share nothing but the time), plus a margin.
    return Math.ceil((2 * window * (chunk + 14) * 1000) / rate) + 1000;
  }

  private async writePayload(
    payload: Uint8Array,
    info: DeviceInfo,
    emit: (e: FlashProgress) => void,
    startedAt: number,
  ): Promise<{ retries: number; resentBytes: number; frames: number; window: number; minWindow: number; chunk: number }> {
    const size = payload.length;
    const unit = Math.max(1, info.writeUnit);
    const chunk = Math.max(unit, Math.floor(info.maxData / unit) * unit);
    const maxWindow = Math.max(1, Math.min(info.window || 1, this.o.window ?? Infinity));
    let window = maxWindow;
    let minWindow = maxWindow;
    let clean = 0; // OK replies since the window last changed
    const window0 = maxWindow;
    const timeoutMs = this.writeTimeoutMs(maxWindow, chunk);
    const settleMs = this.transport.bytesPerSecond ? Math.ceil((maxWindow * (chunk + 14) * 1000) / this.transport.bytesPerSecond) + 50 : 50;

    interface InFlight {
      offset: number;
      length: number;
      epoch: number;
    }
    const inFlight = new Map<number, InFlight>();
    let acked = 0; // the highest count the device reported
    let next = 0; // the next offset to send
    let highest = 0; // the end of the furthest frame ever sent, for resentBytes
    let epoch = 0;
    let retries = 0;
    let failures = 0; // recoveries since the count last advanced
    let resentBytes = 0;
    let frames = 0;
    this.lastAcked = 0;

    const fill = () => {
      while (inFlight.size < window && next < size) {
        const length = Math.min(chunk, size - next);
        const body = new Uint8Array(4 + length);
        body.set(u32le(next), 0);
        body.set(payload.subarray(next, next + length), 4);
        const seq = this.link.nextSeq();
        inFlight.set(seq, { offset: next, length, epoch });
        this.link.send(Command.Write, seq, body);
        frames++;
        if (next < highest) resentBytes += Math.min(length, highest - next);
        next += length;
        highest = Math.max(highest, next);
      }
    };
    const advance = (count: number) => {
      if (count > size) throw new FlasherError("protocol", `the device reports ${count} bytes written, more than the ${size} sent`);
      if (count > acked) {
        acked = count;
        this.lastAcked = acked;
        failures = 0;
        emit({ phase: "write", bytes: acked, total: size, elapsedMs: performance.now() - startedAt });
      }
    };
    const rewind = (reason: "bad-frame" | "timeout" | "out-of-order") => {
      retries++;
      failures++;
      epoch++;
      next = acked;
      if (failures > this.o.maxRetries) {
        throw new FlasherError(
          "timeout",
          `the transfer stalled at ${acked} of ${size} bytes: ${failures} recoveries in a row (last: ${reason}) without progress — ` +
            `a noisy line or a wrong baud rate? ${HALF_WRITTEN_NOTE}`,
        );
      }
      if (reason !== "out-of-order") {
        window = Math.max(1, window >> 1);
        minWindow = Math.min(minWindow, window);
        clean = 0;
      }
      emit({ phase: "retry", reason, resumeAt: acked, retries, window });
    };
    /** A WRITE reply; returns true when it asks for a rewind. */
    const handleReply = (f: Frame, mayRewind: boolean): boolean => {
      const sent = inFlight.get(f.seq);
      if (!sent) return false; // a reply to a frame written off by a timeout, or to another request
      inFlight.delete(f.seq);
      const status = f.payload[0];
      const count = f.payload.length >= 5 ? new DataView(f.payload.buffer, f.payload.byteOffset).getUint32(1, true) : -1;
      if (status === Status.Ok) {
        advance(Math.max(count, 0));
        if (window < maxWindow && ++clean >= GROW_AFTER) {
          window++;
          clean = 0;
        }
        return false;
      }
      if (status === Status.OutOfOrder) {
        if (count >= 0) advance(count);
        return mayRewind && sent.epoch === epoch;
      }
      if (status === Status.VerifyFailed && sent.offset + sent.length <= acked) {
        throw new FlasherError("refused", `the device's flash at offset ${sent.offset} differs from the image (a resent frame did not match what was written). ${HALF_WRITTEN_NOTE}`, status);
      }
      throw this.refusal(`WRITE at offset ${sent.offset}`, status, info);
    };

    // After an erase progress event the device is erasing (the CPU stalls for up to seconds): wait longer.
    let waitMs = timeoutMs;
    while (acked < size) {
      fill();
      const f = await this.link.next(waitMs);
      waitMs = timeoutMs;
      if (f === null) {
        // Nothing for a whole timeout: whatever is in flight is lost.
        inFlight.clear();
        this.link.flush();
        rewind("timeout");
        continue;
      }
      if (isBadFrameNack(f)) {
        // The device dropped a damaged frame and everything it had buffered. Let the replies already on
        // their way arrive, then go back to the highest count.
        const settleUntil = performance.now() + timeoutMs;
        while (performance.now() < settleUntil) {
          const g = await this.link.next(settleMs);
          if (g === null) break;
          if (g.command === (Command.Write | REPLY_BIT)) handleReply(g, false);
        }
        inFlight.clear();
        rewind("bad-frame");
        continue;
      }
      if (f.command === EVENT_PROGRESS && f.payload.length >= 5) {
        const v = new DataView(f.payload.buffer, f.payload.byteOffset, f.payload.byteLength);
        emit({ phase: "erase", done: v.getUint16(1, true), total: v.getUint16(3, true) });
        waitMs = Math.max(timeoutMs, this.o.eraseTimeoutMs);
        continue;
      }
      if (f.command !== (Command.Write | REPLY_BIT)) continue;
      if (handleReply(f, true)) rewind("out-of-order");
    }
    return { retries, resentBytes, frames, window: window0, minWindow, chunk };
  }

  /** END, resent on a timeout; a resent END that finds no transfer checks INFO for the new application. */
  private async end(header: ImageHeader, size: number): Promise<void> {
    const info = this.cachedInfo!;
    const attempts = 3;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const reply = await this.request(Command.End, undefined, { timeoutMs: this.o.replyTimeoutMs + Math.ceil(size / 100), attempts: 1 });
      if (!reply) continue;
      const status = reply.payload[0];
      if (status === Status.Ok) return;
      if (status === Status.BadState && attempt > 0) {
        // The first END went through and its reply was lost: the device forgot the transfer when it ran.
        const now = await this.info();
        if (now.appValid && now.appVersion === header.appVersion) return;
      }
      throw this.refusal("END", status, info, header);
    }
    throw new FlasherError("timeout", `no reply to END (${attempts} attempts): ${NO_ANSWER_HINT}. ${HALF_WRITTEN_NOTE}`);
  }

  /** BOOT: the device replies, then starts the application (refused without a valid one). */
  async boot(): Promise<void> {
    const info = await this.deviceInfo();
    const reply = await this.request(Command.Boot, undefined, { timeoutMs: this.o.replyTimeoutMs, attempts: 1 });
    if (!reply) throw new FlasherError("timeout", `no reply to BOOT within ${this.o.replyTimeoutMs} ms (the application may have started anyway)`);
    const status = reply.payload[0];
    if (status === Status.NoValidApp) {
      throw new FlasherError("refused", "the bootloader has no valid application to start (no valid application): flash one first", status);
    }
    if (status !== Status.Ok) throw this.refusal("BOOT", status, info);
  }

  /** ABORT: the device forgets the transfer in progress. */
  async abort(): Promise<void> {
    const info = await this.deviceInfo();
    const reply = await this.request(Command.Abort, undefined, { timeoutMs: this.o.replyTimeoutMs, attempts: 3 });
    if (!reply) throw new FlasherError("timeout", `no reply to ABORT: ${NO_ANSWER_HINT}`);
    if (reply.payload[0] !== Status.Ok) throw this.refusal("ABORT", reply.payload[0], info);
  }

  /** READ: `length` bytes from `address`, inside the application region, in requests of up to 256 bytes. */
  async read(address: number, length: number, onProgress?: (bytes: number) => void): Promise<Uint8Array> {
    const info = await this.deviceInfo();
    const end = info.appStart + info.appSize;
    if (!Number.isInteger(address) || !Number.isInteger(length) || length < 1) throw new FlasherError("refused", `cannot read ${length} bytes`);
    if (address < info.appStart || address + length > end) {
      throw new FlasherError(
        "refused",
        `[${hex32(address)}, ${hex32(address + length)}) is outside the application region [${hex32(info.appStart)}, ${hex32(end)}): the bootloader reads only there`,
      );
    }
    const out = new Uint8Array(length);
    for (let at = 0; at < length; at += MAX_READ) {
      const n = Math.min(MAX_READ, length - at);
      const body = new Uint8Array(6);
      body.set(u32le(address + at), 0);
      body[4] = n & 0xff;
      body[5] = n >>> 8;
      const reply = await this.request(Command.Read, body, { timeoutMs: this.o.replyTimeoutMs, attempts: 3 });
      if (!reply) throw new FlasherError("timeout", `no reply to READ at ${hex32(address + at)}: ${NO_ANSWER_HINT}`);
      const status = reply.payload[0];
      if (status !== Status.Ok) {
        if (status === Status.UnknownCommand) {
          throw new FlasherError("too-old", `bootloader too old for this host: it does not know READ (unknown command) — update the bootloader`, status);
        }
        throw this.refusal(`READ at ${hex32(address + at)}`, status, info);
      }
      if (reply.payload.length !== 1 + n) throw new FlasherError("protocol", `READ at ${hex32(address + at)}: ${reply.payload.length - 1} bytes instead of ${n}`);
      out.set(reply.payload.subarray(1), at);
      onProgress?.(at + n);
    }
    return out;
  }
}
