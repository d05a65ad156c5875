/**
 * The native tsboot protocol (docs/protocol.md): CRC-checked frames, a window of WRITE frames in flight,
 * a NACK with a reason code for every failure, and a session that returns to a clean state when the host
 * goes quiet. Frame: A5 5A | cmd | seq | len (u16 LE) | payload | CRC-32 (LE) over cmd..payload.
 */
import { i32, u8, u16, u32 } from "../runtime/index";
import { boardAppSize, boardAppStart, boardId, boardSectorCount, boardSectorSize, boardSectorStart, boardWriteUnit } from "../hal-bindings/board";
import { flashView } from "../hal-bindings/flash";
import { readU16LE, readU32LE, writeU16LE, writeU32LE, equalBytes } from "./bytes";
import { BOOTLOADER_VERSION, INTER_BYTE_TIMEOUT_MS, MAX_DATA, NATIVE_PROTOCOL_VERSION, SESSION_IDLE_MS, WINDOW } from "./config";
import { eraseSector, isErased, programBytes } from "./flash-writer";
import { appVersion, checkHeader, HEADER_SIZE, payloadCrc, payloadSize } from "./image-header";
import { applicationValid, invalidateRecord, recordView, writeRecord } from "./installed-image";
import { launchApplication } from "./launch";
import { crc32 } from "./lib/crc32";
import { inAppRegion, sectorInAppRegion } from "./layout";
import { Status } from "./status";
import { discardInput, readByte, takeOverflow, writeBytes } from "./uart-io";

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

/** Reads one frame into FRAME; the first sync byte may already have been consumed by the caller. */
function receiveFrame(haveSync0: boolean): Receive {
  let synced = haveSync0;
  while (true) {
    if (!synced) {
      const b = readByte(SESSION_IDLE_MS);
      if (b < 0) return Receive.Idle;
      if (b !== SYNC0) continue;
    }
    synced = false;
    const b1 = readByte(INTER_BYTE_TIMEOUT_MS);
    if (b1 === SYNC0) {
      synced = true;
      continue;
    }
    if (b1 !== SYNC1) continue;
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
    if (takeOverflow()) return Receive.Damaged;
    if (crc32(FRAME.subarray(0, 4 + length)) !== readU32LE(FRAME, 4 + length)) return Receive.Damaged;
    return Receive.Frame;
  }
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

export function nativeSession(): void {
  let haveSync = true;
  while (true) {
    const got = receiveFrame(haveSync);
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

/** INFO: what a host needs to plan an update; returns the reply's extra length. */
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
  return 27;
}

/** BEGIN: check the header, invalidate the installed image, erase exactly the sectors the image needs. */
function begin(seq: u8, payload: Uint8Array): Status {
  transfer = Transfer.Idle;
  if (payload.length !== HEADER_SIZE) return Status.BadLength;
  const checked = checkHeader(payload);
  if (checked !== Status.Ok) return checked;
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
  const stored = writeRecord(SESSION_HEADER);
  if (stored !== Status.Ok) return stored;
  return applicationValid() ? Status.Ok : Status.VerifyFailed;
}
