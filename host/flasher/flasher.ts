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
 *
 * Timeouts follow the link (link-timing.ts): the round trip of INFO and every reply after it, and the byte
 * rate the device really achieves. A reply that arrives late is still the device's word: a late WRITE reply
 * advances the count like any other, and a late reply to an earlier attempt of a request answers it.
 *
 * Besides `flash`, every command has its own method (info, begin, write, end, boot, abort, read, protect),
 * and `command` sends any command code with any payload (a product's own commands).
 */
import { listBoards, loadBoard } from "../../boards/index";
import { Command, EVENT_PROGRESS, MAX_READ, REPLY_BIT, type Frame, u32le } from "../frames";
import { decodeVersion, ImageFormatError, parseImage, type ImageHeader, type ParsedImage } from "../image-format";
import { FlasherError, HALF_WRITTEN_NOTE, NO_ANSWER_HINT, NO_ANSWER_HINT_TCP } from "./errors";
import { isBadFrameNack, Link, statusName } from "./link";
import { FRAME_OVERHEAD, LinkTiming } from "./link-timing";
import { openTransport, type OpenOptions, type Transport } from "./transport";

/** The native protocol version this host speaks (INFO's first byte). */
export const HOST_PROTOCOL_VERSION = 2;
/** INFO's reply payload after the status byte, protocol version 2. */
export const INFO_LENGTH = 51;
/** INFO from a bootloader that also reports its secondary slot's start (and READs it). */
export const INFO_LENGTH_WITH_SECONDARY = 55;
/** Clean WRITE replies after which a shrunk window grows by one frame. */
export const GROW_AFTER = 64;

export const Status = {
  Ok: 0, BadFrame: 1, UnknownCommand: 2, BadLength: 3, BadState: 4, BadHeader: 5, WrongBoard: 6, TooBig: 7,
  BadAddress: 8, OutOfOrder: 9, FlashError: 10, VerifyFailed: 11, CrcMismatch: 12, NoValidApp: 13, Incomplete: 14,
  BadVectorTable: 15, ProtectionFailed: 16, SignatureRequired: 17, BadSignature: 18, CounterTooLow: 19, UnsupportedBaud: 20,
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
  /** The bootloader was built with a public key: it accepts only images signed with its private half. */
  signatureRequired: boolean;
  /** The anti-rollback counter the device keeps: an image with a lower security counter is refused. */
  securityCounter: number;
}

export interface SlotInfo {
  mode: "single" | "swap";
  /** Two slots by the hardware bank swap (INFO slot mode 2): INSTALL and REVERT reset the device after their reply. */
  bankSwap: boolean;
  /** The primary image: on trial (installed for a test, not yet started / started once), or not. */
  trial: "none" | "pending" | "started";
  /** What the secondary slot holds: a downloaded image waiting for INSTALL, the previous image, or nothing. */
  secondary: "empty" | "pending" | "previous";
  secondaryVersion: string | null;
  /** Where the secondary slot starts (READ reaches it), or null: a single slot, or a bootloader that does not say. */
  secondaryStart: number | null;
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
  | { phase: "install"; permanent: boolean }
  | { phase: "swap"; done: number; total: number }
  | { phase: "verify"; bytes: number; total: number }
  | { phase: "boot" };

export interface FlashOptions {
  onProgress?: (event: FlashProgress) => void;
  /** Send BOOT after END (default false: the CLI boots unless --no-boot). */
  boot?: boolean;
  /** Read the payload back with READ after END and compare (the device already verifies each unit and the CRC). */
  verify?: boolean;
  /** Two-slot devices: install for good instead of for a trial that the application must confirm. */
  permanent?: boolean;
  /** Install an image older than the installed one (the security counter is never overridden). */
  allowDowngrade?: boolean;
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
  /** The line's baud rate during the update (after any negotiation), where the host sets one. */
  baud: number | null;
  /** WRITE replies that came after a timeout had written their frame off, and still counted. */
  lateReplies: number;
  /** What the link showed: the largest round trip (ms) and the byte rate the timeouts were planned with. */
  link: { rttMaxMs: number; bytesPerSecond: number | null };
  verified: boolean;
  booted: boolean;
  /** Two-slot devices: how the image was installed (null on a single-slot device). */
  installed: "trial" | "permanent" | null;
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
  /** Wait for any WRITE reply before resending (default: from the link as measured, at least 2 s). */
  writeTimeoutMs?: number;
  /** Frames in flight: at most the device's window (default: the device's window). */
  window?: number;
  /** Recoveries in a row without progress before giving up (default 8). */
  maxRetries?: number;
}

/** A reply to `command()`: its status (0: ok) and the data after the status byte. */
export interface CommandReply {
  status: number;
  statusName: string;
  data: Uint8Array;
  frame: Frame;
}

export interface CommandOptions {
  /** Wait for the reply (default: from the link, at least replyTimeoutMs). */
  timeoutMs?: number;
  /** Sends in all, the first included, before "timeout" (default 3). */
  attempts?: number;
  /** Progress events (EVENT_PROGRESS) the device sends before its reply; each restarts the wait. */
  onEvent?: (frame: Frame) => void;
}

/** Where an update stands, for a message when it is cut short (Ctrl-C, a lost cable). */
export type UpdatePhase = "idle" | "info" | "begin" | "write" | "end" | "install" | "verify" | "boot";
export interface UpdateState {
  phase: UpdatePhase;
  /** Payload bytes the device has confirmed, and the image's size. */
  bytes: number;
  total: number;
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
      mode: data[36] === 1 || data[36] === 2 ? "swap" : "single",
      bankSwap: data[36] === 2,
      trial: (["none", "pending", "started"] as const)[data[37]] ?? "none",
      secondary: (["empty", "pending", "previous"] as const)[data[40]] ?? "empty",
      secondaryVersion: data[40] !== 0 ? decodeVersion(v.getUint32(41, true)) : null,
      lastEvent: (["none", "installed", "confirmed", "reverted"] as const)[data[38]] ?? "none",
      lastReason: (["none", "not confirmed", "requested", "invalid"] as const)[data[39]] ?? "none",
      swapInProgress: data[45] !== 0,
      // Older bootloaders send 51 bytes and cannot READ the secondary slot.
      secondaryStart: data.length >= INFO_LENGTH_WITH_SECONDARY && data[36] !== 0 ? v.getUint32(51, true) : null,
    },
    signatureRequired: data[46] === 1,
    securityCounter: v.getUint32(47, true),
  };
}

function describeBoard(id: number, name: string | null): string {
  return name ? `${name} (${hex32(id)})` : `board id ${hex32(id)}`;
}

export class Flasher {
  readonly link: Link;
  /** What the link has shown: round trips and byte rate, from which every timeout is derived. */
  readonly timing: LinkTiming;
  /** The update in progress (phase "idle" when none). */
  readonly state: UpdateState = { phase: "idle", bytes: 0, total: 0 };
  private cachedInfo: DeviceInfo | null = null;

  /** What the last INFO said, if one was read (no device traffic). */
  get cachedDevice(): DeviceInfo | null {
    return this.cachedInfo;
  }
  private readonly o: Required<Omit<FlasherOptions, "writeTimeoutMs" | "window">> & Pick<FlasherOptions, "writeTimeoutMs" | "window">;

  constructor(
    readonly transport: Transport,
    options: FlasherOptions = {},
  ) {
    this.link = new Link(transport);
    this.timing = new LinkTiming({ lineBytesPerSecond: transport.bytesPerSecond, floorMs: options.replyTimeoutMs ?? 1000 });
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

  /**
   * One request, resent on a timeout or a bad-frame NACK; returns the reply frame (status not checked).
   * Every attempt sends the same request, so a reply to any of them answers it (a late one included). With
   * `grow` the wait doubles after the first attempt, so a slow link gets more time.
   */
  private async request(
    command: number,
    payload: Uint8Array | undefined,
    { timeoutMs, attempts, onEvent, grow = false }: { timeoutMs: number; attempts: number; onEvent?: (f: Frame) => void; grow?: boolean },
  ): Promise<Frame | null> {
    const sentAt = new Map<number, number>();
    const requestBytes = FRAME_OVERHEAD + (payload?.length ?? 0);
    let wait = timeoutMs;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const seq = this.link.nextSeq();
      sentAt.set(seq, performance.now());
      this.link.send(command, seq, payload);
      let heard = false;
      while (true) {
        const f = await this.link.next(wait);
        if (f === null) break; // timeout: resend
        // The device dropped a damaged frame — ours, unless it already sent progress for ours.
        if (isBadFrameNack(f)) {
          if (heard) continue;
          break;
        }
        const at = sentAt.get(f.seq);
        if (at === undefined) continue; // a reply to another request
        if (f.command === EVENT_PROGRESS) {
          heard = true;
          onEvent?.(f);
          continue; // each event restarts the wait
        }
        if (f.command === (command | REPLY_BIT)) {
          if (!heard) this.timing.observeRoundTrip(performance.now() - at, requestBytes + FRAME_OVERHEAD + f.payload.length);
          return f;
        }
      }
      if (grow) wait = Math.min(wait * 2, 2 * timeoutMs);
      // A false sync in noise may hold the decoder: let it look again from the next byte (nothing is lost).
      if (attempt + 1 < attempts) this.link.resync();
    }
    return null;
  }

  /**
   * Any command, by code, with any payload: the reply's status and data, or "timeout". For a product's
   * own commands; tsboot's own have methods of their own below.
   */
  async command(command: number, payload?: Uint8Array, options: CommandOptions = {}): Promise<CommandReply> {
    if (!Number.isInteger(command) || command < 0 || command >= REPLY_BIT) throw new FlasherError("refused", `command 0x${command.toString(16)} is not a request code (0x00-0x7F)`);
    const timeoutMs = options.timeoutMs ?? this.timing.replyTimeoutMs(2 * FRAME_OVERHEAD + (payload?.length ?? 0) + 1024, this.o.replyTimeoutMs);
    const attempts = options.attempts ?? 3;
    const reply = await this.request(command, payload, { timeoutMs, attempts, onEvent: options.onEvent });
    if (!reply) throw new FlasherError("timeout", `no reply to command 0x${command.toString(16).padStart(2, "0")} (${attempts} attempts, ${timeoutMs} ms each): ${this.noAnswerHint()}`);
    const status = reply.payload.length > 0 ? reply.payload[0] : -1;
    return { status, statusName: status < 0 ? "empty reply" : statusName(status), data: reply.payload.subarray(1), frame: reply };
  }

  /** What to check when nothing answers: the wiring and baud rate on a UART, the peer on TCP. */
  private noAnswerHint(): string {
    return this.transport.bytesPerSecond === null ? NO_ANSWER_HINT_TCP : NO_ANSWER_HINT;
  }

  /**
   * Cuts an operation short (Ctrl-C): whatever waits for the device fails with "interrupted" at once. The
   * link stays usable (for an ABORT) once `resume()` is called; `state` says where the update stood.
   */
  interrupt(reason = "interrupted"): void {
    this.link.interrupt(new FlasherError("interrupted", reason));
  }

  resume(): void {
    this.link.resume();
  }

  /**
   * Handshake: INFO, resent a few times if nothing answers; checks the protocol version. `within` sets the
   * wait and the attempts (baud negotiation confirms a new rate inside the device's window with it).
   */
  async info(within?: { timeoutMs: number; attempts: number }): Promise<DeviceInfo> {
    const reply = await this.request(Command.Info, undefined, within ?? { timeoutMs: this.o.handshakeTimeoutMs, attempts: this.o.handshakeAttempts, grow: true });
    return this.decodeInfoReply(reply);
  }

  /**
   * Wait-for-device: INFO every `intervalMs` for up to `totalMs`, while the operator resets the board. A
   * bootloader opens a session only on a valid start inside its listen window (100 ms by default), so the
   * requests come often enough for several to land in it; a reply to any of them will do.
   */
  async waitForDevice(totalMs: number, intervalMs = 25): Promise<DeviceInfo> {
    const attempts = Math.max(1, Math.ceil(totalMs / intervalMs));
    const reply = await this.request(Command.Info, undefined, { timeoutMs: intervalMs, attempts });
    if (!reply) {
      throw new FlasherError(
        "no-answer",
        `no bootloader answered on ${this.transport.description} within ${(totalMs / 1000).toFixed(1)} s of waiting (INFO every ${intervalMs} ms): ` +
          `reset the board (or hold its trigger pin while it resets) during the wait${this.transport.bytesPerSecond === null ? "" : ", and check the baud rate"}`,
      );
    }
    return this.decodeInfoReply(reply);
  }

  private decodeInfoReply(reply: Frame | null): DeviceInfo {
    if (!reply) {
      const { bytesReceived } = this.link.stats;
      const heard =
        bytesReceived > 0
          ? ` Received ${bytesReceived} bytes that were not tsboot frames: a wrong baud rate, an application (not the bootloader) ` +
            "on the line, or an AN3155 (stm32flash) session still open (it ends after 30 s of silence)."
          : "";
      let total = 0;
      for (let i = 0, t = this.o.handshakeTimeoutMs; i < this.o.handshakeAttempts; i++, t = Math.min(t * 2, 2 * this.o.handshakeTimeoutMs)) total += t;
      throw new FlasherError(
        "no-answer",
        `no answer from the bootloader on ${this.transport.description} (${this.o.handshakeAttempts} INFO requests over ${(total / 1000).toFixed(1)} s): ` +
          `${this.noAnswerHint()}.${heard}`,
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
  checkImage(file: Uint8Array, info: DeviceInfo): ParsedImage {
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
    const stored = parsed.body.length;
    if (stored > info.appSize) {
      throw new FlasherError(
        "too-big",
        `image too big: ${stored} bytes${parsed.signature.length ? " (with its signature)" : ""}, the device's application region ` +
          `[${hex32(info.appStart)}, ${hex32(info.appStart + info.appSize)}) holds ${info.appSize} (${stored - info.appSize} bytes over)`,
      );
    }
    if (info.signatureRequired && parsed.signature.length === 0) {
      throw new FlasherError(
        "unsigned",
        "the bootloader only accepts signed images, and this one is not signed: sign it with `tsboot image … --key key.pem`, using the key whose public half was built into the bootloader",
      );
    }
    if ((header.securityCounter ?? 0) < info.securityCounter) {
      throw new FlasherError(
        "counter",
        `the image's security counter ${header.securityCounter ?? 0} is below the device's ${info.securityCounter}: the device refuses it (anti-rollback) and no option overrides that — ` +
          `rebuild the image with --security-counter ${info.securityCounter} or higher`,
      );
    }
    return parsed;
  }

  /** A whole update: INFO checks, BEGIN (erase), WRITEs, END, then optional read-back and BOOT. */
  async flash(file: Uint8Array, options: FlashOptions = {}): Promise<FlashResult> {
    const emit = options.onProgress ?? (() => {});
    const info = await this.deviceInfo();
    emit({ phase: "info", info });
    // A bank-swap board resets after INSTALL, so its download is read back in the secondary slot, before.
    const verifyBeforeInstall = options.verify === true && info.slots.bankSwap;
    if (verifyBeforeInstall && info.slots.secondaryStart === null) {
      throw new FlasherError("refused", "--verify on this bank-swap board needs a bootloader that reads its secondary slot (INFO of 55 bytes): update the bootloader, or run `tsboot verify` once the device has restarted");
    }
    const { header, headerBytes, payload, body } = this.checkImage(file, info);
    if (info.appValid && header.appVersion < info.appVersion && !options.allowDowngrade) {
      throw new FlasherError(
        "downgrade",
        `the image is version ${decodeVersion(header.appVersion)}, older than the installed ${info.appVersionText}: pass --allow-downgrade to install it anyway`,
      );
    }
    const started = performance.now();

    // BEGIN: the device checks the header and the vector table, invalidates the stored image, erases.
    this.setState("begin", 0, payload.length);
    await this.begin(headerBytes, payload.subarray(0, 8), (done, total) => emit({ phase: "erase", done, total }), header).catch((e) => {
      throw this.lostDuring(e, "BEGIN (erase)", 0, payload.length);
    });

    // WRITEs.
    this.setState("write", 0, payload.length);
    const writeStarted = performance.now();
    // The WRITEs carry the payload and, for a signed image, its signature after it (docs/protocol.md).
    const w = await this.writePayload(body, info, emit, writeStarted).catch((e) => {
      throw this.lostDuring(e, "the transfer", this.lastAcked, body.length);
    });
    const writeSeconds = (performance.now() - writeStarted) / 1000;

    // END: the device checks the payload's CRC in flash, then stores the header.
    this.setState("end", payload.length, payload.length);
    emit({ phase: "end" });
    await this.end(header, body.length).catch((e) => {
      throw this.lostDuring(e, "END", payload.length, payload.length);
    });

    let verified = false;
    if (verifyBeforeInstall) {
      await this.verifyFlash(info.slots.secondaryStart!, payload, emit);
      verified = true;
    }

    // Two slots: the image is in the secondary slot; INSTALL swaps it in (for a trial unless permanent).
    let installed: "trial" | "permanent" | null = null;
    if (info.slots.mode === "swap") {
      this.setState("install", payload.length, payload.length);
      emit({ phase: "install", permanent: options.permanent === true });
      await this.install(options.permanent === true, (done, total) => emit({ phase: "swap", done, total }));
      installed = options.permanent === true ? "permanent" : "trial";
    }

    if (options.verify && !verifyBeforeInstall) {
      await this.verifyFlash(info.appStart, payload, emit);
      verified = true;
    }
    const seconds = (performance.now() - started) / 1000;

    let booted = false;
    if (options.boot && installed !== null && info.slots.bankSwap) {
      booted = true; // INSTALL's reset applies the swap, and the device starts the image by itself
    } else if (options.boot) {
      this.setState("boot", payload.length, payload.length);
      emit({ phase: "boot" });
      await this.boot();
      booted = true;
    }
    this.setState("idle", 0, 0);
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
      baud: this.transport.baud ?? null,
      lateReplies: w.lateReplies,
      link: { rttMaxMs: this.timing.summary.rttMaxMs, bytesPerSecond: this.timing.summary.bytesPerSecond },
      verified,
      booted,
      installed,
      device: info,
      header,
    };
  }

  /** Reads `payload.length` bytes back from `address` and throws at the first that differs. */
  private async verifyFlash(address: number, payload: Uint8Array, emit: (event: FlashProgress) => void): Promise<void> {
    this.setState("verify", payload.length, payload.length);
    const back = await this.read(address, payload.length, (bytes) => emit({ phase: "verify", bytes, total: payload.length }));
    const at = back.findIndex((b, i) => b !== payload[i]);
    if (at >= 0) throw new FlasherError("refused", `read-back differs from the image at ${hex32(address + at)} (offset ${at})`);
  }

  /** For messages about a failure mid-transfer: the highest count the device confirmed. */
  private lastAcked = 0;

  private setState(phase: UpdatePhase, bytes: number, total: number): void {
    this.state.phase = phase;
    this.state.bytes = bytes;
    this.state.total = total;
  }

  /**
   * BEGIN: the image's 64-byte header and its first 8 bytes (the vector table's SP and reset vector). The
   * device checks both, then invalidates the installed image and erases what the payload needs, reporting
   * each erased unit. Throws the device's refusal.
   */
  async begin(headerBytes: Uint8Array, vectors: Uint8Array, onErase?: (done: number, total: number) => void, header?: ImageHeader): Promise<void> {
    const info = await this.deviceInfo();
    const body = new Uint8Array(headerBytes.length + 8);
    body.set(headerBytes, 0);
    body.set(vectors.subarray(0, 8), headerBytes.length);
    const reply = await this.request(Command.Begin, body, {
      timeoutMs: Math.max(this.o.eraseTimeoutMs, this.timing.replyTimeoutMs(2 * FRAME_OVERHEAD + body.length + 5)),
      attempts: 2,
      onEvent: (f) => {
        const v = new DataView(f.payload.buffer, f.payload.byteOffset, f.payload.byteLength);
        if (f.payload.length >= 5) onErase?.(v.getUint16(1, true), v.getUint16(3, true));
      },
    });
    if (!reply) {
      throw new FlasherError("timeout", `no reply to BEGIN within ${this.o.eraseTimeoutMs} ms of the last erase progress: ${this.noAnswerHint()}. ${HALF_WRITTEN_NOTE}`);
    }
    if (reply.payload[0] !== Status.Ok) throw this.refusal("BEGIN", reply.payload[0], info, header);
  }

  /** One WRITE of `data` at payload offset `offset` (after BEGIN); returns the device's byte count. */
  async write(offset: number, data: Uint8Array): Promise<number> {
    const info = await this.deviceInfo();
    const body = new Uint8Array(4 + data.length);
    body.set(u32le(offset), 0);
    body.set(data, 4);
    const reply = await this.command(Command.Write, body);
    const count = reply.data.length >= 4 ? new DataView(reply.data.buffer, reply.data.byteOffset).getUint32(0, true) : -1;
    if (reply.status !== Status.Ok) throw this.refusal(`WRITE at offset ${offset}`, reply.status, info);
    return count;
  }

  /** PROTECT: write-protect the bootloader region through the option bytes (or lift it). */
  async protect(enable: boolean): Promise<void> {
    const info = await this.deviceInfo();
    const reply = await this.request(Command.Protect, Uint8Array.of(enable ? 1 : 0), {
      timeoutMs: Math.max(5000, this.timing.replyTimeoutMs(2 * FRAME_OVERHEAD + 2)),
      attempts: 1,
    });
    const what = enable ? "PROTECT" : "UNPROTECT";
    if (!reply) {
      // F0 and L4 load option bytes only at a reset: the device resets before it can answer (docs/protocol.md).
      throw new FlasherError(
        "timeout",
        `no reply to ${what}: on parts that load the option bytes at a reset (F0, L4) the device resets instead of answering — ` +
          `run \`tsboot info\` to see whether the bootloader is now ${enable ? "" : "un"}protected`,
      );
    }
    const status = reply.payload[0];
    if (status === Status.UnknownCommand) throw new FlasherError("too-old", `bootloader too old for this host: it does not know ${what} (unknown command) — update the bootloader`, status);
    if (status === Status.ProtectionFailed) {
      throw new FlasherError("refused", `${what}: the option bytes could not be changed (protection failed): read-out protection, or option bytes locked by the part's security settings`, status);
    }
    if (status !== Status.Ok) throw this.refusal(what, status, info);
  }

  /**
   * INSTALL: swap the verified downloaded image into the primary slot, for a trial or for good (slot
   * boards); `onSwap` sees the swap's progress (steps done of total).
   */
  async install(permanent: boolean, onSwap?: (done: number, total: number) => void): Promise<void> {
    await this.slotCommand(Command.Install, "INSTALL", Uint8Array.of(permanent ? 1 : 0), onSwap);
  }

  /** CONFIRM: the image on trial becomes permanent. */
  async confirm(): Promise<void> {
    await this.slotCommand(Command.Confirm, "CONFIRM");
  }

  /** REVERT: bring the previous image back (slot boards). */
  async revert(onSwap?: (done: number, total: number) => void): Promise<void> {
    await this.slotCommand(Command.Revert, "REVERT", undefined, onSwap);
  }

  private async slotCommand(command: number, name: string, payload?: Uint8Array, onSwap?: (done: number, total: number) => void): Promise<void> {
    const info = await this.deviceInfo();
    // A swap sends a progress event per step (each restarts the wait): status 0, done (u16), total (u16), phase 1.
    const onEvent = (f: Frame) => {
      if (f.payload.length < 5) return;
      const v = new DataView(f.payload.buffer, f.payload.byteOffset, f.payload.byteLength);
      onSwap?.(v.getUint16(1, true), v.getUint16(3, true));
    };
    const reply = await this.request(command, payload, { timeoutMs: Math.max(this.o.eraseTimeoutMs, this.timing.replyTimeoutMs(64)), attempts: 1, onEvent });
    if (!reply) throw new FlasherError("timeout", `no reply to ${name}: ${this.noAnswerHint()}`);
    if (reply.payload[0] !== Status.Ok) throw this.refusal(name, reply.payload[0], info);
  }

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
      case Status.SignatureRequired:
        return new FlasherError(
          "unsigned",
          `the bootloader refused the image: it only accepts signed images — sign it with \`tsboot image … --key key.pem\`, using the key whose public half was built into the bootloader.${erased}`,
          status,
        );
      case Status.BadSignature:
        return new FlasherError(
          "bad-signature",
          `the bootloader refused the image: its signature does not verify with the bootloader's public key — it was signed with another key, or the image was changed after signing.${erased}`,
          status,
        );
      case Status.CounterTooLow:
        if (command === "REVERT" || command === "INSTALL") {
          return new FlasherError(
            "counter",
            `${command}: the bootloader refused: the image it would start has a security counter below the device's (a confirmed image raised it; anti-rollback, nothing overrides it) — install a newer image instead.`,
            status,
          );
        }
        return new FlasherError(
          "counter",
          `the bootloader refused the image: its security counter is below the device's (anti-rollback; nothing overrides it) — rebuild it with a higher --security-counter.${erased}`,
          status,
        );
      case Status.UnknownCommand:
        return new FlasherError("too-old", `bootloader too old for this host: it does not know ${command} (unknown command) — update the bootloader`, status);
      default:
        return new FlasherError("protocol", `${command} refused: ${name} (status ${status}).${erased}`, status);
    }
  }

  private async writePayload(
    payload: Uint8Array,
    info: DeviceInfo,
    emit: (e: FlashProgress) => void,
    startedAt: number,
  ): Promise<{ retries: number; resentBytes: number; frames: number; window: number; minWindow: number; chunk: number; lateReplies: number }> {
    const size = payload.length;
    const unit = Math.max(1, info.writeUnit);
    const chunk = Math.max(unit, Math.floor(info.maxData / unit) * unit);
    const maxWindow = Math.max(1, Math.min(info.window || 1, this.o.window ?? Infinity));
    let window = maxWindow;
    let minWindow = maxWindow;
    let clean = 0; // OK replies since the window last changed
    const window0 = maxWindow;
    const writeTimeout = () => this.o.writeTimeoutMs ?? this.timing.writeTimeoutMs(window, chunk, failures);
    const wireRate = () => this.timing.bytesPerSecond();
    const settleMs = () => {
      const rate = wireRate();
      return rate ? Math.ceil((maxWindow * (chunk + 14) * 1000) / rate) + 50 : 50;
    };

    interface InFlight {
      offset: number;
      length: number;
      epoch: number;
    }
    const inFlight = new Map<number, InFlight>();
    /** Frames a timeout wrote off, whose replies may still come (sequence numbers are reused after 255). */
    const writtenOff = new Set<number>();
    let lateReplies = 0;
    let acked = 0; // the highest count the device reported
    let next = 0; // the next offset to send
    let highest = 0; // the end of the furthest frame ever sent, for resentBytes
    let epoch = 0;
    let retries = 0;
    let failures = 0; // recoveries since the count last advanced
    let resentBytes = 0;
    let frames = 0;
    this.lastAcked = 0;

    // Frames whose bytes the device has confirmed (a late reply did) no longer hold the window open, but
    // still count against the device's buffer (maxWindow) until their own reply or a timeout.
    const open = () => {
      let n = 0;
      for (const fr of inFlight.values()) if (fr.offset + fr.length > acked) n++;
      return n;
    };
    const fill = () => {
      while (open() < window && inFlight.size < maxWindow && next < size) {
        const length = Math.min(chunk, size - next);
        const body = new Uint8Array(4 + length);
        body.set(u32le(next), 0);
        body.set(payload.subarray(next, next + length), 4);
        const seq = this.link.nextSeq();
        writtenOff.delete(seq);
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
        this.state.bytes = acked;
        failures = 0;
        // A late reply may carry the device past what a rewind went back to: resume from its count.
        if (next < acked) next = acked;
        // What the link really carries: the frames behind these bytes, over the time they took.
        const frameBytes = Math.ceil(acked / chunk) * (chunk + 4 + 14);
        this.timing.observeThroughput(frameBytes, performance.now() - startedAt);
        emit({ phase: "write", bytes: acked, total: size, elapsedMs: performance.now() - startedAt });
      }
    };
    const rewind = (reason: "bad-frame" | "timeout" | "out-of-order") => {
      retries++;
      failures++;
      epoch++;
      next = acked;
      if (failures > this.o.maxRetries) {
        const link = this.timing.summary;
        const rate = link.bytesPerSecond && link.bytesPerSecond < 1_000_000 ? `, about ${Math.round(link.bytesPerSecond)} B/s` : "";
        const seen = `round trips up to ${link.rttMaxMs < 10 ? link.rttMaxMs.toFixed(1) : Math.round(link.rttMaxMs)} ms${rate}`;
        throw new FlasherError(
          "timeout",
          `the transfer stalled at ${acked} of ${size} bytes: ${failures} recoveries in a row (last: ${reason}) without progress (${seen}) — ` +
            `${this.transport.bytesPerSecond === null ? "the device or the bridge stopped answering" : "a noisy line or a wrong baud rate"}? ${HALF_WRITTEN_NOTE}`,
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
      const status = f.payload[0];
      const count = f.payload.length >= 5 ? new DataView(f.payload.buffer, f.payload.byteOffset).getUint32(1, true) : -1;
      const sent = inFlight.get(f.seq);
      if (!sent) {
        // A reply to a frame a timeout wrote off: late, but the device's count in it is still true.
        if (writtenOff.has(f.seq) && (status === Status.Ok || status === Status.OutOfOrder) && count >= 0) {
          writtenOff.delete(f.seq);
          lateReplies++;
          advance(count);
        }
        return false;
      }
      inFlight.delete(f.seq);
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
    let waitMs: number | undefined;
    while (acked < size) {
      fill();
      const f = await this.link.next(waitMs ?? writeTimeout());
      waitMs = undefined;
      if (f === null) {
        // Nothing for a whole timeout: what is in flight is written off (a late reply still counts).
        for (const seq of inFlight.keys()) writtenOff.add(seq);
        inFlight.clear();
        this.link.resync();
        rewind("timeout");
        continue;
      }
      if (isBadFrameNack(f)) {
        // The device dropped a damaged frame and everything it had buffered. Let the replies already on
        // their way arrive, then go back to the highest count.
        const settleUntil = performance.now() + writeTimeout();
        while (performance.now() < settleUntil) {
          const g = await this.link.next(settleMs());
          if (g === null) break;
          if (g.command === (Command.Write | REPLY_BIT)) handleReply(g, false);
        }
        for (const seq of inFlight.keys()) writtenOff.add(seq);
        inFlight.clear();
        rewind("bad-frame");
        continue;
      }
      if (f.command === EVENT_PROGRESS && f.payload.length >= 5) {
        const v = new DataView(f.payload.buffer, f.payload.byteOffset, f.payload.byteLength);
        emit({ phase: "erase", done: v.getUint16(1, true), total: v.getUint16(3, true) });
        waitMs = Math.max(writeTimeout(), this.o.eraseTimeoutMs);
        continue;
      }
      if (f.command !== (Command.Write | REPLY_BIT)) continue;
      if (handleReply(f, true)) rewind("out-of-order");
    }
    return { retries, resentBytes, frames, window: window0, minWindow, chunk, lateReplies };
  }

  /** END, resent on a timeout; a resent END that finds no transfer checks INFO for the new application. */
  async end(header: ImageHeader, size: number): Promise<void> {
    const info = this.cachedInfo!;
    const attempts = 3;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const reply = await this.request(Command.End, undefined, { timeoutMs: this.timing.replyTimeoutMs(64, this.o.replyTimeoutMs) + Math.ceil(size / 100), attempts: 1 });
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
    throw new FlasherError("timeout", `no reply to END (${attempts} attempts): ${this.noAnswerHint()}. ${HALF_WRITTEN_NOTE}`);
  }

  /** BOOT: the device replies, then starts the application (refused without a valid one). */
  async boot(): Promise<void> {
    const info = await this.deviceInfo();
    const timeoutMs = this.timing.replyTimeoutMs(64, this.o.replyTimeoutMs);
    const reply = await this.request(Command.Boot, undefined, { timeoutMs, attempts: 1 });
    if (!reply) throw new FlasherError("timeout", `no reply to BOOT within ${timeoutMs} ms (the application may have started anyway)`);
    const status = reply.payload[0];
    if (status === Status.NoValidApp) {
      throw new FlasherError("refused", "the bootloader has no valid application to start (no valid application): flash one first", status);
    }
    if (status !== Status.Ok) throw this.refusal("BOOT", status, info);
    this.left = true;
  }

  /** True once BOOT has started the application: the bootloader's session is over. */
  left = false;

  /** ABORT: the device forgets the transfer in progress. */
  async abort(): Promise<void> {
    const info = await this.deviceInfo();
    const reply = await this.request(Command.Abort, undefined, { timeoutMs: this.timing.replyTimeoutMs(64, this.o.replyTimeoutMs), attempts: 3 });
    if (!reply) throw new FlasherError("timeout", `no reply to ABORT: ${this.noAnswerHint()}`);
    if (reply.payload[0] !== Status.Ok) throw this.refusal("ABORT", reply.payload[0], info);
  }

  /**
   * READ: `length` bytes from `address`, inside the application region or the secondary slot (at least as
   * large: board data), in requests of up to 256 bytes.
   */
  async read(address: number, length: number, onProgress?: (bytes: number) => void): Promise<Uint8Array> {
    const info = await this.deviceInfo();
    const end = info.appStart + info.appSize;
    const inside = (start: number | null) => start !== null && address >= start && address + length <= start + info.appSize;
    if (!Number.isInteger(address) || !Number.isInteger(length) || length < 1) throw new FlasherError("refused", `cannot read ${length} bytes`);
    if (!inside(info.appStart) && !inside(info.slots.secondaryStart)) {
      throw new FlasherError(
        "refused",
        `[${hex32(address)}, ${hex32(address + length)}) is outside the application region [${hex32(info.appStart)}, ${hex32(end)})` +
          `${info.slots.secondaryStart !== null ? ` and the secondary slot [${hex32(info.slots.secondaryStart)}, ${hex32(info.slots.secondaryStart + info.appSize)})` : ""}: the bootloader reads only there`,
      );
    }
    const out = new Uint8Array(length);
    for (let at = 0; at < length; at += MAX_READ) {
      const n = Math.min(MAX_READ, length - at);
      const body = new Uint8Array(6);
      body.set(u32le(address + at), 0);
      body[4] = n & 0xff;
      body[5] = n >>> 8;
      const reply = await this.request(Command.Read, body, { timeoutMs: this.timing.replyTimeoutMs(2 * FRAME_OVERHEAD + 7 + n, this.o.replyTimeoutMs), attempts: 3 });
      if (!reply) throw new FlasherError("timeout", `no reply to READ at ${hex32(address + at)}: ${this.noAnswerHint()}`);
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
