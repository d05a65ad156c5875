/**
 * The native tsboot protocol (docs/protocol.md): CRC-checked frames, a window of WRITE frames in flight,
 * a NACK with a reason code for every failure, and a session that returns to a clean state when the host
 * goes quiet. Frame: A5 5A | cmd | seq | len (u16 LE) | payload | CRC-32 (LE) over cmd..payload.
 */
import { i32, u8, u16, u32 } from "../runtime/index";
import { boardAppSize, boardAppStart, boardId, boardSectorCount, boardSectorSize, boardSectorStart, boardWriteUnit } from "../hal-bindings/board";
import { flashView } from "../hal-bindings/flash";
import { readU16LE, readU32LE, writeU16LE, writeU32LE, equalBytes } from "./bytes";
import { BOOTLOADER_VERSION, INTER_BYTE_TIMEOUT_MS, MAX_DATA, NATIVE_PROTOCOL_VERSION, WINDOW } from "./config";
import { lastFaultDetail, lastFaultKind, lastResetCause, protectionState, setBootloaderProtection, watchdogState } from "./device-state";
import { eraseSector, isErased, programBytes } from "./flash-writer";
import { appVersion, checkHeader, HEADER_SIZE, HeaderSource, payloadCrc, payloadSize } from "./image-header";
import { applicationValid, invalidateRecord, recordView, vectorsSane, vectorTableSane, writeRecord } from "./installed-image";
import { launchApplication } from "./launch";
import { crc32 } from "./lib/crc32";
import { inAppRegion, sectorInAppRegion } from "./layout";
import { Status } from "./status";
import { discardInput, readByte, writeBytes } from "./uart-io";
import { uartTakeErrors } from "../hal-bindings/uart";

export const SYNC0 = 0xa5;
export const SYNC1 = 0x5a;

export enum Command {
  Info = 0x01,
  Begin = 0x02,
  Write = 0x03,
  End = 0x04,
  Boot = 0x05,
  Abort = 0x06,
  Read = 0x07,
  Protect = 0x08,
}
/** The most bytes one READ returns. */
export const MAX_READ = 256;
/** Replies carry the command with this bit set; progress events during an erase use EVENT_PROGRESS. */
export const REPLY_BIT = 0x80;
export const EVENT_PROGRESS = 0x90;

/** cmd, seq, len (2), payload (a 4-byte offset + data), CRC (4). */
const MAX_PAYLOAD = MAX_DATA + 4;
const FRAME = new Uint8Array(4 + MAX_PAYLOAD + 4);
const REPLY_DATA = new Uint8Array(MAX_READ);
const REPLY = new Uint8Array(2 + 4 + 1 + MAX_READ + 4);
const SESSION_HEADER = new Uint8Array(HEADER_SIZE);
/** BEGIN's payload: the image header, then the payload's first 8 bytes (its initial SP and reset vector). */
const BEGIN_SIZE = HEADER_SIZE + 8;
/** The vector table BEGIN announced, checked again against flash at END. */
let sessionStack: u32 = 0;
let sessionReset: u32 = 0;
/** Line errors (UartError bits) seen since boot, for INFO. */
let lineErrorsSinceBoot: u32 = 0;

enum Receive {
  Frame,
  Idle,
  Damaged,
}

enum Transfer {
  Idle,
  Receiving,
}
let transfer: Transfer = Transfer.Idle;
/** Payload bytes written so far in the current transfer. */
let received: u32 = 0;

/**
 * Reads one frame into FRAME; the first sync byte may already have been consumed by the caller. A session
 * silent for `idleMs` before a frame starts is Idle; bytes before a SYNC0 SYNC1 pair are skipped.
 */
function receiveFrame(haveSync0: boolean, idleMs: u32): Receive {
  let synced = haveSync0;
  while (true) {
    if (!synced) {
      const b = readByte(idleMs);
      if (b < 0) return Receive.Idle;
      if (b !== SYNC0) continue;
    }
    synced = false;
    const b1 = readByte(INTER_BYTE_TIMEOUT_MS);
    if (b1 < 0) return Receive.Damaged;
    if (b1 === SYNC0) {
      synced = true;
      continue;
    }
    if (b1 === SYNC1) return receiveAfterSync();
  }
}

/** The rest of a frame after SYNC0 SYNC1: cmd, seq, length, payload and CRC into FRAME. */
function receiveAfterSync(): Receive {
  for (let i: u32 = 0; i < 4; i++) {
    const b = readByte(INTER_BYTE_TIMEOUT_MS);
    if (b < 0) return Receive.Damaged;
    FRAME[i] = u8(b);
  }
  const length = readU16LE(FRAME, 2);
  if (length > MAX_PAYLOAD) return Receive.Damaged;
  const total = 4 + length + 4;
  for (let i: u32 = 4; i < total; i++) {
    const b = readByte(INTER_BYTE_TIMEOUT_MS);
    if (b < 0) return Receive.Damaged;
    FRAME[i] = u8(b);
  }
  const errors = uartTakeErrors();
  lineErrorsSinceBoot = (lineErrorsSinceBoot | errors) >>> 0;
  if (crc32(FRAME.subarray(0, 4 + length)) !== readU32LE(FRAME, 4 + length)) return Receive.Damaged;
  return Receive.Frame;
}

/** Sends a reply frame: status, then `extra` bytes of REPLY_DATA. */
function reply(command: u8, seq: u8, status: Status, extra: u32): void {
  const length = 1 + extra;
  REPLY[0] = SYNC0;
  REPLY[1] = SYNC1;
  REPLY[2] = command;
  REPLY[3] = seq;
  writeU16LE(REPLY, 4, length);
  REPLY[6] = status;
  for (let i: u32 = 0; i < extra && i < MAX_READ; i++) REPLY[7 + i] = REPLY_DATA[i];
  const end = 6 + length;
  writeU32LE(REPLY, end, crc32(REPLY.subarray(2, end)));
  writeBytes(REPLY.subarray(0, end + 4));
}

/**
 * The listen window's test of a session start: after a SYNC0, is a whole, CRC-valid frame arriving? It is
 * then left in FRAME for nativeSession(true, …) to answer. Nothing is sent either way: until a valid frame
 * has arrived, the line may belong to the application's peer.
 */
export function nativeFrameArrives(): boolean {
  if (readByte(INTER_BYTE_TIMEOUT_MS) !== SYNC1) return false;
  return receiveAfterSync() === Receive.Frame;
}

/** True while a native transfer (BEGIN … END) is open. */
export function nativeTransferOpen(): boolean {
  return transfer === Transfer.Receiving;
}

/**
 * Serves a native session until the host is silent for `idleMs`. `frameReady`: the listen window already
 * received the first frame (nativeFrameArrives); otherwise SYNC0 has just been read.
 */
export function nativeSession(frameReady: boolean, idleMs: u32): void {
  let pending = frameReady;
  let haveSync = !frameReady;
  while (true) {
    const got = pending ? Receive.Frame : receiveFrame(haveSync, idleMs);
    pending = false;
    haveSync = false;
    if (got === Receive.Idle) {
      // The host went away: forget the transfer (the record stays invalid until a complete update).
      transfer = Transfer.Idle;
      return;
    }
    if (got === Receive.Damaged) {
      // Tell the host how far the transfer got, so it can resume without first asking.
      discardInput();
      writeU32LE(REPLY_DATA, 0, received);
      reply(REPLY_BIT, 0xff, Status.BadFrame, 4);
      continue;
    }
    handle(FRAME[0], FRAME[1], FRAME.subarray(4, 4 + readU16LE(FRAME, 2)));
  }
}

function handle(command: u8, seq: u8, payload: Uint8Array): void {
  const replyCommand = u8(command | REPLY_BIT);
  switch (command) {
    case Command.Info:
      reply(replyCommand, seq, Status.Ok, info());
      return;
    case Command.Begin:
      reply(replyCommand, seq, begin(seq, payload), 0);
      return;
    case Command.Write: {
      const status = write(payload);
      writeU32LE(REPLY_DATA, 0, received);
      reply(replyCommand, seq, status, 4);
      return;
    }
    case Command.End:
      reply(replyCommand, seq, end(), 0);
      return;
    case Command.Boot:
      if (!applicationValid()) {
        reply(replyCommand, seq, Status.NoValidApp, 0);
        return;
      }
      reply(replyCommand, seq, Status.Ok, 0);
      launchApplication();
    case Command.Abort:
      transfer = Transfer.Idle;
      reply(replyCommand, seq, Status.Ok, 0);
      return;
    case Command.Read: {
      const length = read(payload);
      reply(replyCommand, seq, length < 0 ? Status.BadAddress : Status.Ok, length < 0 ? 0 : u32(length));
      return;
    }
    case Command.Protect:
      // On parts that load option bytes only at a reset (F0, L4) a success resets here: the host sees
      // silence and reads the new state with INFO after the reset.
      reply(replyCommand, seq, payload.length === 1 && payload[0] <= 1 ? setBootloaderProtection(payload[0] === 1) : Status.BadLength, 0);
      return;
    default:
      reply(replyCommand, seq, Status.UnknownCommand, 0);
  }
}

/** READ: address (u32) + length (u16, 1…MAX_READ) inside the application region; returns the length or -1. */
function read(payload: Uint8Array): i32 {
  if (payload.length !== 6) return -1;
  const address = readU32LE(payload, 0);
  const length = readU16LE(payload, 4);
  if (length === 0 || length > MAX_READ || !inAppRegion(address, length)) return -1;
  const data = flashView(address, length);
  for (let i: u32 = 0; i < length && i < MAX_READ; i++) REPLY_DATA[i] = data[i];
  return length;
}

/**
 * INFO: what a host needs to plan an update, and the device's health (docs/protocol.md); returns the
 * reply's extra length.
 */
function info(): u32 {
  REPLY_DATA[0] = NATIVE_PROTOCOL_VERSION;
  writeU32LE(REPLY_DATA, 1, BOOTLOADER_VERSION);
  writeU32LE(REPLY_DATA, 5, boardId());
  writeU32LE(REPLY_DATA, 9, boardAppStart());
  writeU32LE(REPLY_DATA, 13, boardAppSize());
  writeU16LE(REPLY_DATA, 17, boardWriteUnit());
  writeU16LE(REPLY_DATA, 19, MAX_DATA);
  REPLY_DATA[21] = WINDOW;
  const valid = applicationValid();
  REPLY_DATA[22] = valid ? 1 : 0;
  writeU32LE(REPLY_DATA, 23, valid ? appVersion(recordView()) : 0);
  REPLY_DATA[27] = lastResetCause();
  REPLY_DATA[28] = u8(lastFaultKind());
  writeU32LE(REPLY_DATA, 29, lastFaultDetail());
  REPLY_DATA[33] = watchdogState();
  REPLY_DATA[34] = protectionState();
  REPLY_DATA[35] = u8(lineErrorsSinceBoot);
  return 36;
}

/**
 * BEGIN: check the header and the image's vector table (sent with it), and only then invalidate the
 * installed image and erase exactly the sectors the image needs. A refused image touches nothing.
 */
function begin(seq: u8, payload: Uint8Array): Status {
  transfer = Transfer.Idle;
  if (payload.length !== BEGIN_SIZE) return Status.BadLength;
  const checked = checkHeader(payload, HeaderSource.Host);
  if (checked !== Status.Ok) return checked;
  const stack = readU32LE(payload, HEADER_SIZE);
  const reset = readU32LE(payload, HEADER_SIZE + 4);
  if (payloadSize(payload) < 8 || !vectorsSane(stack, reset)) return Status.BadVectorTable;
  sessionStack = stack;
  sessionReset = reset;
  for (let i: u32 = 0; i < HEADER_SIZE; i++) SESSION_HEADER[i] = payload[i];
  const invalidated = invalidateRecord();
  if (invalidated !== Status.Ok) return invalidated;
  const start = boardAppStart();
  const end = start + payloadSize(SESSION_HEADER);
  const count = boardSectorCount();
  let total: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    if (sectorInAppRegion(i) && boardSectorStart(i) < end) total++;
  }
  let done: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    if (!sectorInAppRegion(i) || boardSectorStart(i) >= end) continue;
    if (!isErased(boardSectorStart(i), boardSectorSize(i))) {
      const erased = eraseSector(i);
      if (erased !== Status.Ok) return erased;
    }
    done++;
    writeU16LE(REPLY_DATA, 0, u16(done));
    writeU16LE(REPLY_DATA, 2, u16(total));
    reply(EVENT_PROGRESS, seq, Status.Ok, 4);
  }
  received = 0;
  transfer = Transfer.Receiving;
  return Status.Ok;
}

/** WRITE: offset (u32 LE) + data, in order; a resent frame for data already written is checked and ACKed. */
function write(payload: Uint8Array): Status {
  if (transfer !== Transfer.Receiving) return Status.BadState;
  if (payload.length < 5) return Status.BadLength;
  const offset = readU32LE(payload, 0);
  const data = payload.subarray(4);
  const size = payloadSize(SESSION_HEADER);
  if (offset > size || data.length > size - offset) return Status.TooBig;
  const last = offset + data.length === size;
  const unit = boardWriteUnit();
  if (unit === 0) return Status.FlashError;
  if (data.length % unit !== 0 && !last) return Status.BadLength;
  if (offset + data.length <= received) {
    return equalBytes(flashView(boardAppStart() + offset, data.length), data) ? Status.Ok : Status.VerifyFailed;
  }
  if (offset !== received) return Status.OutOfOrder;
  const status = programBytes(boardAppStart() + offset, data);
  if (status !== Status.Ok) {
    transfer = Transfer.Idle;
    return status;
  }
  received = offset + data.length;
  return Status.Ok;
}

/** True when `header` is the stored record and the application it describes is valid. */
function installed(header: Uint8Array): boolean {
  return equalBytes(recordView(), header) && applicationValid();
}

/** END: the whole payload is in flash and its CRC matches; only then the record makes it valid. */
function end(): Status {
  // A resent END (its reply was lost) finds the transfer done: answer as before if that image is installed.
  if (transfer !== Transfer.Receiving) return installed(SESSION_HEADER) ? Status.Ok : Status.BadState;
  const size = payloadSize(SESSION_HEADER);
  if (received !== size) return Status.Incomplete;
  transfer = Transfer.Idle;
  if (crc32(flashView(boardAppStart(), size)) !== payloadCrc(SESSION_HEADER)) return Status.CrcMismatch;
  // The payload's vector table must be the one BEGIN announced (and checked) before anything was erased.
  const vectors = flashView(boardAppStart(), 8);
  if (readU32LE(vectors, 0) !== sessionStack || readU32LE(vectors, 4) !== sessionReset || !vectorTableSane(boardAppStart())) {
    return Status.BadVectorTable;
  }
  const stored = writeRecord(SESSION_HEADER);
  if (stored !== Status.Ok) return stored;
  return applicationValid() ? Status.Ok : Status.VerifyFailed;
}
