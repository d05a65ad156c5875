/**
 * The native tsboot protocol (docs/protocol.md): CRC-checked frames, a window of WRITE frames in flight,
 * a NACK with a reason code for every failure, and a session that returns to a clean state when the host
 * goes quiet. Frame: A5 5A | cmd | seq | len (u16 LE) | payload | CRC-32 (LE) over cmd..payload.
 */
import { i32, panic, u8, u16, u32 } from "../runtime/index";
import { boardAppSize, boardAppStart, boardBaudTable, boardId, boardPublicKey, boardSecondarySize, boardSecondaryStart, boardSectorCount, boardSectorSize, boardSectorStart, boardWriteUnit } from "../hal-bindings/board";
import { flashView } from "../hal-bindings/flash";
import { readU16LE, readU32LE, writeU16LE, writeU32LE, equalBytes } from "./bytes";
import { BAUD_CONFIRM_MS, BOOTLOADER_VERSION, INTER_BYTE_TIMEOUT_MS, MAX_DATA, NATIVE_PROTOCOL_VERSION, UART_BAUD } from "./config";
import { lastFaultDetail, lastFaultKind, lastResetCause, protectionState, setBootloaderProtection, watchdogState } from "./device-state";
import { eraseIfNeeded, programBytes } from "./flash-writer";
import { appVersion, checkHeader, HEADER_SIZE, HeaderSource, payloadCrc, payloadSize, SIGNATURE_SIZE, signatureSize, storedSize } from "./image-header";
import { counterAllows, raiseCounter, signatureRequired, verifyImageSignature } from "./signature";
import { applicationValid, invalidatePrimary, recordPrimary, vectorsSane, vectorTableSane } from "./installed-image";
import { secondaryValid, slotsEnabled } from "./slots";
import { Entry, lastInstallEvent, lastInstallReason, logAppend, logImage, primaryHeader, RevertReason, securityCounter, secondaryHeader, secondaryImageRole, secondaryRecorded, SecondaryRole, Slot, swapAreaCount, swapInProgress, SwapKind, trialState, TrialState } from "./status-log";
import { STEPS, swapBegin, swapContinue, SwapProgress, swapStepsDone } from "./swap";
import { launchApplication } from "./launch";
import { applyPendingBankSwap } from "./bank-swap";
import { bankSwapBoard } from "./bank-layout";
import { crc32 } from "./lib/crc32";
import { inAppRegion, inRegion, NO_SECTOR, sectorContaining, sectorInAppRegion, unitInRegion } from "./layout";
import { Status } from "./status";
import { available, discardInput, readByte, ringSize, writeBytes } from "./uart-io";
import { uartInit, uartTakeErrors } from "../hal-bindings/uart";
import { millis } from "../hal-bindings/system";
import { productCommand } from "../hal-bindings/product";
import { isProductCommand, NOT_A_PRODUCT_COMMAND, refusedStatus } from "./product";

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
  Install = 0x09,
  Confirm = 0x0a,
  Revert = 0x0b,
  // 0x10 stays unused: its reply code would be EVENT_PROGRESS.
  Bauds = 0x11,
  SetBaud = 0x12,
}

/** What a progress event reports (its last payload byte). */
enum Phase {
  Erase = 0,
  Swap = 1,
}
/** The most bytes one READ returns. */
export const MAX_READ = 256;
/** Replies carry the command with this bit set; progress events during an erase use EVENT_PROGRESS. */
export const REPLY_BIT = 0x80;
export const EVENT_PROGRESS = 0x90;

/** cmd, seq, len (2), payload (a 4-byte offset + data), CRC (4). */
const MAX_PAYLOAD = MAX_DATA + 4;
/** A whole WRITE frame on the wire: sync (2), cmd, seq, len (2), payload, CRC (4). */
const WRITE_FRAME = MAX_PAYLOAD + 10;
/** Bytes per rate in the board's baud table (BAUDS). */
const BAUD_ENTRY = 6;
const FRAME = new Uint8Array(4 + MAX_PAYLOAD + 4);
/** A reply frame: sync (2), cmd, seq, len (2), status, then the reply's data (from DATA), CRC (4). */
const REPLY = new Uint8Array(2 + 4 + 1 + MAX_READ + 4);
/** Where a reply's data starts in REPLY: commands write it there, reply() frames it in place. */
const DATA = 7;
const SESSION_HEADER = new Uint8Array(HEADER_SIZE);
/** The vector table BEGIN announced (the payload's first 8 bytes), checked again against flash at END. */
const SESSION_VECTORS = new Uint8Array(8);
/** BEGIN's payload: the image header, then the payload's first 8 bytes (its initial SP and reset vector). */
const BEGIN_SIZE = HEADER_SIZE + 8;

enum Receive {
  Frame,
  Idle,
  Damaged,
}

enum Transfer {
  Idle,
  Receiving,
}

/** The protocol's state, in one record (in the C one static struct: one address for all of it). */
interface Session {
  transfer: Transfer;
  /** Payload bytes written so far in the current transfer. */
  received: u32;
  /** What the transfer fills: its header's storedSize (the payload, then its signature), fixed at BEGIN. */
  size: u32;
  /** The payload offset up to which the application region is erased, and the erase progress (units). */
  erasedEnd: u32;
  /** Units erased so far, kept as PROGRESS carries it (a u16 field): the step is then a wrap, not a check. */
  eraseDone: u16;
  eraseTotal: u32;
  /** Line errors (UartError bits) seen since boot, for INFO. */
  lineErrors: u32;
  /** A frame that arrived at a new rate inside SET_BAUD's confirm window waits in FRAME to be handled. */
  frameWaiting: boolean;
}
/** The rate this session runs at: every session starts at UART_BAUD, SET_BAUD may change it until it ends. */
let sessionBaud: u32 = UART_BAUD;
/** Zero-initialized (in .bss: no initializer in flash). */
const session: Session = {
  transfer: Transfer.Idle,
  received: 0,
  size: 0,
  erasedEnd: 0,
  eraseDone: 0,
  eraseTotal: 0,
  lineErrors: 0,
  frameWaiting: false,
};

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
  session.lineErrors = (session.lineErrors | errors) >>> 0;
  if (crc32(FRAME.subarray(0, 4 + length)) !== readU32LE(FRAME, 4 + length)) return Receive.Damaged;
  return Receive.Frame;
}

/** Sends a reply frame: status, then the `extra` bytes of data already in REPLY from DATA. */
function reply(command: u8, seq: u8, status: u8, extra: u32): void {
  if (extra > MAX_READ) panic("reply too long"); // and so the lengths below need no checks
  const length = 1 + extra;
  REPLY[0] = SYNC0;
  REPLY[1] = SYNC1;
  REPLY[2] = command;
  REPLY[3] = seq;
  writeU16LE(REPLY, 4, length);
  REPLY[6] = status;
  const end = 6 + length;
  writeU32LE(REPLY, end, crc32(REPLY.subarray(2, end)));
  writeBytes(REPLY.subarray(0, end + 4));
}

/** Replies with the payload bytes received so far (WRITE, and a damaged frame), so a host can resume. */
function replyReceived(command: u8, seq: u8, status: u8): void {
  put32(0, session.received);
  reply(command, seq, status, 4);
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
  return session.transfer === Transfer.Receiving;
}

/**
 * Serves a native session until the host is silent for `idleMs`. `frameReady`: the listen window already
 * received the first frame (nativeFrameArrives); otherwise SYNC0 has just been read.
 */
export function nativeSession(frameReady: boolean, idleMs: u32): void {
  let pending = frameReady;
  let haveSync = !frameReady;
  while (true) {
    // No whole frame waits: erase the next unit the image needs now, not when its data comes, so the CPU
    // stalls while the line fills the ring rather than while the ring is full and the line waits.
    if (!pending && !session.frameWaiting && session.transfer === Transfer.Receiving && available() < WRITE_FRAME && session.erasedEnd < session.size) {
      eraseAhead(0xff, session.erasedEnd + 1); // a failure comes back at the WRITE that needs the unit
    }
    const got = pending || session.frameWaiting ? Receive.Frame : receiveFrame(haveSync, idleMs);
    pending = false;
    session.frameWaiting = false;
    haveSync = false;
    if (got === Receive.Idle) {
      // The host went away: forget the transfer (the record stays invalid until a complete update), and
      // listen at the base rate again, where every session starts.
      session.transfer = Transfer.Idle;
      if (sessionBaud !== UART_BAUD) uartInit(UART_BAUD, false);
      sessionBaud = UART_BAUD;
      return;
    }
    if (got === Receive.Damaged) {
      // Tell the host how far the transfer got, so it can resume without first asking.
      discardInput();
      replyReceived(REPLY_BIT, 0xff, Status.BadFrame);
      continue;
    }
    handle(FRAME[0], FRAME[1], FRAME.subarray(4, 4 + readU16LE(FRAME, 2)));
  }
}

/** Answers one frame: every command replies once, with a status and its data in REPLY from DATA. */
function handle(command: u8, seq: u8, payload: Uint8Array): void {
  let status: u8 = Status.Ok;
  let extra: u32 = 0;
  let baud: u32 = 0;
  switch (command) {
    case Command.Info:
      extra = info();
      break;
    case Command.Begin:
      status = begin(payload);
      break;
    case Command.Write:
      // Acknowledged with the payload bytes received so far, like a damaged frame.
      status = write(seq, payload);
      put32(0, session.received);
      extra = 4;
      break;
    case Command.End:
      status = end();
      break;
    case Command.Boot:
      // A valid application starts once the reply has gone out (below).
      if (!applicationValid()) status = Status.NoValidApp;
      break;
    case Command.Abort:
      session.transfer = Transfer.Idle;
      break;
    case Command.Read:
      extra = read(payload);
      if (extra === 0) status = Status.BadAddress;
      break;
    case Command.Install: {
      const flag = flagArgument(payload);
      status = flag < 0 ? Status.BadLength : install(seq, flag === 1);
      break;
    }
    case Command.Confirm:
      status = confirm();
      break;
    case Command.Revert:
      // REVERT: the previous image (in the secondary since the last install) is swapped back into the primary.
      status = swapIn(seq, SecondaryRole.Previous, SwapKind.Revert, RevertReason.Requested);
      break;
    case Command.Bauds:
      if (payload.length === 0) extra = bauds();
      else status = Status.BadLength;
      break;
    case Command.SetBaud:
      // The switch happens once the reply has gone out at the old rate (below).
      if (payload.length !== 4) {
        status = Status.BadLength;
      } else if (!baudOffered(readU32LE(payload, 0))) {
        status = Status.UnsupportedBaud;
      } else {
        baud = readU32LE(payload, 0);
        writeU16LE(REPLY, DATA, BAUD_CONFIRM_MS);
        extra = 2;
      }
      break;
    case Command.Protect: {
      // On parts that load option bytes only at a reset (F0, L4) a success resets here: the host sees
      // silence and reads the new state with INFO after the reset.
      const flag = flagArgument(payload);
      status = flag < 0 ? Status.BadLength : setBootloaderProtection(flag === 1);
      break;
    }
    default: {
      // A command the core does not know: the product's hook may answer it (docs/extending.md) with its own
      // data in REPLY from DATA; otherwise the NACK is UnknownCommand, as without hooks.
      const answer = isProductCommand(command) ? productCommand(command, payload, REPLY.subarray(DATA, DATA + MAX_READ)) : NOT_A_PRODUCT_COMMAND;
      if (answer > MAX_READ) panic("product command: reply too long");
      if (answer >= 0) extra = u32(answer);
      else status = refusedStatus(answer);
    }
  }
  reply(u8(command | REPLY_BIT), seq, status, extra);
  // A bank-swap board resets after INSTALL's or REVERT's reply: the reset applies the swap.
  if (command === Command.Install || command === Command.Revert) applyPendingBankSwap();
  if (status !== Status.Ok) return;
  if (command === Command.Boot) launchApplication();
  if (command === Command.SetBaud) switchBaud(baud);
}

/** The one-byte flag INSTALL and PROTECT take: 0 or 1, or -1 when the payload is not one. */
function flagArgument(payload: Uint8Array): i32 {
  return payload.length === 1 && payload[0] <= 1 ? payload[0] : -1;
}

/**
 * READ: address (u32) + length (u16, 1…MAX_READ) inside the application region; returns the length, or 0
 * for a refused request.
 */
function read(payload: Uint8Array): u32 {
  if (payload.length !== 6) return 0;
  const address = readU32LE(payload, 0);
  const length = readU16LE(payload, 4);
  // The application region, or the secondary slot (size 0 without slots): a host verifies a download there
  // before INSTALL, which on a bank-swap board resets the device.
  const readable = inAppRegion(address, length) || inRegion(address, length, boardSecondaryStart(), boardSecondarySize());
  if (length === 0 || length > MAX_READ || !readable) return 0;
  const data = flashView(address, length);
  for (let i: u32 = 0; i < length; i++) REPLY[DATA + i] = data[i];
  return length;
}

/** Writes `value` (u32 LE) at `at` of the reply's data. */
function put32(at: u32, value: u32): void {
  writeU32LE(REPLY, DATA + at, value);
}

/**
 * INFO: what a host needs to plan an update, and the device's health (docs/protocol.md); returns the
 * reply's extra length.
 */
function info(): u32 {
  REPLY[DATA] = NATIVE_PROTOCOL_VERSION;
  put32(1, BOOTLOADER_VERSION);
  put32(5, boardId());
  put32(9, boardAppStart());
  put32(13, boardAppSize());
  writeU16LE(REPLY, DATA + 17, boardWriteUnit());
  writeU16LE(REPLY, DATA + 19, MAX_DATA);
  REPLY[DATA + 21] = windowFrames();
  const valid = applicationValid();
  REPLY[DATA + 22] = valid ? 1 : 0;
  put32(23, valid ? appVersion(primaryHeader()) : 0);
  REPLY[DATA + 27] = lastResetCause();
  REPLY[DATA + 28] = u8(lastFaultKind());
  put32(29, lastFaultDetail());
  REPLY[DATA + 33] = watchdogState();
  REPLY[DATA + 34] = protectionState();
  REPLY[DATA + 35] = u8(session.lineErrors);
  REPLY[DATA + 36] = slotsEnabled() ? (bankSwapBoard() ? 2 : 1) : 0;
  REPLY[DATA + 37] = trialState();
  REPLY[DATA + 38] = lastInstallEvent();
  REPLY[DATA + 39] = u8(lastInstallReason());
  const role = slotsEnabled() && secondaryRecorded() ? secondaryImageRole() : SecondaryRole.None;
  REPLY[DATA + 40] = role;
  put32(41, role !== SecondaryRole.None ? appVersion(secondaryHeader()) : 0);
  REPLY[DATA + 45] = swapInProgress();
  REPLY[DATA + 46] = signatureRequired() ? 1 : 0;
  put32(47, securityCounter());
  put32(51, boardSecondaryStart());
  return 55;
}

/**
 * WRITE frames a host may have in flight: as many as the reception ring holds (at most 255). A frame is
 * acknowledged once programmed, so while the device erases the acknowledgements stop, and a host that keeps
 * to the window stops sending when the ring is full: it is never overrun.
 */
function windowFrames(): u8 {
  const frames = u32(ringSize() / WRITE_FRAME);
  return frames > 255 ? 255 : u8(frames);
}

/**
 * BAUDS: the rate the session runs at now (u32), the number of rates the board offers (u8), then the board's
 * table as it is (boardBaudTable: per rate u32 baud, i16 BRR error in 0.01 %). Returns the reply's extra length.
 */
function bauds(): u32 {
  put32(0, sessionBaud);
  const table = boardBaudTable();
  const n = table.length <= MAX_READ - 5 ? table.length : 0;
  for (let i: u32 = 0; i < n; i++) REPLY[DATA + 5 + i] = table[i];
  REPLY[DATA + 4] = u8(n / BAUD_ENTRY);
  return 5 + n;
}

/** True when the board offers `baud` (BAUDS). */
function baudOffered(baud: u32): boolean {
  const table = boardBaudTable();
  for (let i: u32 = 0; i + BAUD_ENTRY <= table.length; i += BAUD_ENTRY) {
    if (readU32LE(table, i) === baud) return true;
  }
  return false;
}

/**
 * SET_BAUD's switch, after its reply went out at the old rate (uartInit waits until it has left the line):
 * the new rate holds only if a valid frame arrives at it within BAUD_CONFIRM_MS; that frame is then handled
 * as usual. Otherwise — nothing, or only garbage (the two ends' rates do not meet on this line) — the old
 * rate comes back and the session goes on there. Nothing is sent meanwhile: a host at another rate could
 * not read it.
 */
function switchBaud(baud: u32): void {
  if (baud === sessionBaud) return;
  const old = sessionBaud;
  uartInit(baud, false);
  discardInput();
  const start = millis();
  while (true) {
    const elapsed = u32(millis() - start);
    if (elapsed >= BAUD_CONFIRM_MS) break;
    if (receiveFrame(false, BAUD_CONFIRM_MS - elapsed) === Receive.Frame) {
      sessionBaud = baud;
      session.frameWaiting = true;
      return;
    }
    discardInput();
  }
  uartInit(old, false);
  discardInput();
}

/** Sends a progress event for the request `seq`: done of total, in `phase`. */
function progress(seq: u8, done: u32, total: u32, phase: Phase): void {
  writeU16LE(REPLY, DATA, u16(done));
  writeU16LE(REPLY, DATA + 2, u16(total));
  REPLY[DATA + 4] = phase;
  reply(EVENT_PROGRESS, seq, Status.Ok, 5);
}

/** Runs the swap in progress to its end, a progress event per step. */
function swapWithProgress(seq: u8): Status {
  // A Swap entry holds the area count in 24 bits: the mask (a no-op) lets the compiler prove the product fits.
  const total = (swapAreaCount() & 0xffffff) * STEPS;
  while (true) {
    const p = swapContinue();
    if (p === SwapProgress.Done) return Status.Ok;
    if (p === SwapProgress.Failed) return Status.FlashError;
    progress(seq, swapStepsDone(), total, Phase.Swap);
  }
}

/**
 * INSTALL (slot boards): the downloaded image in the secondary slot, checked again, is swapped into the
 * primary — for a test (it must then be confirmed, or the next reset reverts it) or permanently.
 */
function install(seq: u8, permanent: boolean): Status {
  const swapped = swapIn(seq, SecondaryRole.Pending, permanent ? SwapKind.InstallPermanent : SwapKind.InstallTest, RevertReason.None);
  if (swapped !== Status.Ok || !permanent) return swapped;
  return raiseCounter(primaryHeader());
}

/** CONFIRM: the trial image in the primary slot becomes permanent. */
function confirm(): Status {
  if (!slotsEnabled() || trialState() === TrialState.None) return Status.BadState;
  const confirmed = logAppend(Entry.Confirmed, 0, 0);
  return confirmed !== Status.Ok ? confirmed : raiseCounter(primaryHeader());
}

/**
 * INSTALL's and REVERT's swap: the secondary's image of `role` — the pending one (INSTALL: its signature is
 * checked again, the secondary may have changed since END) or the previous one (REVERT) — is swapped into
 * the primary. Its counter must allow it: a host cannot roll back past a confirmed image's counter.
 */
function swapIn(seq: u8, role: SecondaryRole, kind: SwapKind, reason: RevertReason): Status {
  if (!slotsEnabled() || session.transfer !== Transfer.Idle) return Status.BadState;
  if (!secondaryValid(role)) return Status.NoValidApp;
  if (role === SecondaryRole.Pending) {
    const signed = verifyImageSignature(secondaryHeader(), boardSecondaryStart());
    if (signed !== Status.Ok) return signed;
  }
  if (!counterAllows(secondaryHeader())) return Status.CounterTooLow;
  const begun = swapBegin(kind, reason);
  if (begun !== Status.Ok) return begun;
  return swapWithProgress(seq);
}

/** Where a transfer writes: the secondary slot on a slot board, else the primary. */
function transferBase(): u32 {
  return slotsEnabled() ? boardSecondaryStart() : boardAppStart();
}

/** True when erase unit `index` lies in the region a transfer writes. */
function unitInTransferRegion(index: u32): boolean {
  if (!slotsEnabled()) return sectorInAppRegion(index);
  return unitInRegion(index, boardSecondaryStart(), boardSecondarySize());
}

/**
 * BEGIN: check the header and the image's vector table (sent with it), and only then invalidate the
 * installed image and erase exactly the sectors the image needs. A refused image touches nothing.
 */
function begin(payload: Uint8Array): Status {
  session.transfer = Transfer.Idle;
  if (payload.length !== BEGIN_SIZE) return Status.BadLength;
  const checked = checkHeader(payload, HeaderSource.Host);
  if (checked !== Status.Ok) return checked;
  if (signatureRequired() && signatureSize(payload) !== SIGNATURE_SIZE) return Status.SignatureRequired;
  if (!counterAllows(payload)) return Status.CounterTooLow;
  const stack = readU32LE(payload, HEADER_SIZE);
  const reset = readU32LE(payload, HEADER_SIZE + 4);
  if (payloadSize(payload) < 8 || !vectorsSane(stack, reset)) return Status.BadVectorTable;
  for (let i: u32 = 0; i < HEADER_SIZE; i++) SESSION_HEADER[i] = payload[i];
  for (let i: u32 = 0; i < 8; i++) SESSION_VECTORS[i] = payload[HEADER_SIZE + i];
  // From here what the transfer writes over is forgotten: the secondary's image on a slot board (the
  // primary keeps running), the primary on a single-slot board.
  const invalidated = slotsEnabled() ? forgetSecondary() : invalidatePrimary();
  if (invalidated !== Status.Ok) return invalidated;
  // Erasing happens on demand, as the data arrives (WRITE): the line keeps moving while a sector erases,
  // because reception goes on by DMA into the ring during the CPU stall.
  const start = transferBase();
  const size = storedSize(SESSION_HEADER);
  const count = boardSectorCount();
  let units: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    // A unit in the region starts at or after `start`: its offset needs no wrap.
    if (unitInTransferRegion(i) && u32(boardSectorStart(i) - start) < size) units++;
  }
  session.eraseTotal = units;
  session.size = size;
  session.eraseDone = 0;
  session.erasedEnd = 0;
  session.received = 0;
  session.transfer = Transfer.Receiving;
  return Status.Ok;
}

/**
 * Makes the application region erased (or found blank) up to payload offset `end`, one erase unit at a
 * time. A progress event goes out before each unit, so the host knows the device is busy (an erase stalls
 * the CPU for up to seconds) and can show it.
 */
function eraseAhead(seq: u8, end: u32): Status {
  const start = transferBase();
  while (session.erasedEnd < end) {
    const index = sectorContaining(start + session.erasedEnd);
    if (index === NO_SECTOR || !unitInTransferRegion(index)) return Status.BadAddress;
    session.eraseDone = u16(session.eraseDone + 1);
    progress(seq, session.eraseDone, session.eraseTotal, Phase.Erase);
    const erased = eraseIfNeeded(index);
    if (erased !== Status.Ok) return erased;
    // The unit lies in the region (tested above), at or after `start`: its end offset is exact in u32, no wrap.
    session.erasedEnd = u32(boardSectorStart(index) + boardSectorSize(index) - start);
  }
  return Status.Ok;
}

/**
 * WRITE: offset (u32 LE) + data, in order; a resent frame for data already written is checked and ACKed.
 * The erase units the data needs are erased first (eraseAhead).
 */
function write(seq: u8, payload: Uint8Array): Status {
  if (session.transfer !== Transfer.Receiving) return Status.BadState;
  if (payload.length < 5) return Status.BadLength;
  const offset = readU32LE(payload, 0);
  const data = payload.subarray(4);
  const size = session.size; // the payload, then its signature
  const end = offset + data.length; // exact: the test below bounds it by size
  if (end > size) return Status.TooBig;
  const unit = boardWriteUnit();
  if (unit === 0) return Status.FlashError;
  if (data.length % unit !== 0 && end !== size) return Status.BadLength;
  const at: u32 = transferBase() + offset;
  if (end <= session.received) return equalBytes(flashView(at, data.length), data) ? Status.Ok : Status.VerifyFailed;
  if (offset !== session.received) return Status.OutOfOrder;
  let status = eraseAhead(seq, end);
  if (status === Status.Ok) status = programBytes(at, data);
  if (status !== Status.Ok) {
    session.transfer = Transfer.Idle;
    return status;
  }
  session.received = end;
  return Status.Ok;
}

/** True when `header` is the stored record and the application it describes is valid. */
function installed(header: Uint8Array): boolean {
  if (slotsEnabled()) return equalBytes(secondaryHeader(), header) && secondaryValid(SecondaryRole.Pending);
  return equalBytes(primaryHeader(), header) && applicationValid();
}

/** The secondary slot's image (a previous or a pending one) is about to be overwritten. */
function forgetSecondary(): Status {
  return secondaryRecorded() ? logAppend(Entry.Empty, Slot.Secondary, 0) : Status.Ok;
}

/**
 * END: the whole payload is in flash, its CRC matches and its vector table is the one BEGIN announced;
 * only then is it recorded: as the primary image (single slot: now valid), or as the secondary's pending
 * image (slot boards: INSTALL swaps it in).
 */
function end(): Status {
  // A resent END (its reply was lost) finds the transfer done: answer as before if that image is recorded.
  if (session.transfer !== Transfer.Receiving) return installed(SESSION_HEADER) ? Status.Ok : Status.BadState;
  if (session.received !== session.size) return Status.Incomplete;
  session.transfer = Transfer.Idle;
  const size = payloadSize(SESSION_HEADER);
  const base = transferBase();
  if (crc32(flashView(base, size)) !== payloadCrc(SESSION_HEADER)) return Status.CrcMismatch;
  // The payload's vector table must be the one BEGIN announced (and checked) before anything was erased.
  if (!equalBytes(flashView(base, 8), SESSION_VECTORS) || !vectorTableSane(base)) {
    return Status.BadVectorTable;
  }
  const signed = verifyImageSignature(SESSION_HEADER, base);
  if (signed !== Status.Ok) return signed;
  const stored = slotsEnabled() ? logImage(Slot.Secondary, SESSION_HEADER) : recordPrimary(SESSION_HEADER);
  if (stored !== Status.Ok) return stored;
  if (!installed(SESSION_HEADER)) return Status.VerifyFailed;
  // A single-slot image is installed now: its counter becomes the device's floor.
  return slotsEnabled() ? Status.Ok : raiseCounter(SESSION_HEADER);
}
