/**
 * An AN3155-compatible subset of the STM32 ROM bootloader's USART protocol, so stm32flash and
 * STM32CubeProgrammer can read, write, verify and start the application through tsboot. Every address
 * outside the application region is NACKed; GO starts only a valid application, or adopts an image this
 * same session erased and wrote completely (docs/protocol.md, "Adoption"). The session runs at 8E1, like
 * the ROM: the 0x7F that opened it reads as 0x7F at 8N1 too.
 */
import { i32, u8, u32 } from "../runtime/index";
import { boardAppStart, boardConfigStart, boardId, boardProductId, boardSectorCount, boardSectorNumber, boardSectorSize, boardSectorStart, boardWriteUnit } from "../hal-bindings/board";
import { flashView } from "../hal-bindings/flash";
import { systemReset } from "../hal-bindings/system";
import { uartFlush, uartInit } from "../hal-bindings/uart";
import { writeU32LE } from "./bytes";
import { UART_BAUD } from "./config";
import { setBootloaderProtection } from "./device-state";
import { eraseIfNeeded, eraseSector, isErased, programBytes } from "./flash-writer";
import { FLAG_ADOPTED, HEADER_MAGIC, HEADER_SIZE, HEADER_VERSION, OFFSET_BOARD_ID, OFFSET_FLAGS, OFFSET_HEADER_CRC, OFFSET_HEADER_VERSION, OFFSET_LOAD_ADDRESS, OFFSET_MAGIC, OFFSET_PAYLOAD_CRC, OFFSET_PAYLOAD_SIZE } from "./image-header";
import { applicationValid, invalidatePrimary, recordPrimary, vectorTableSane } from "./installed-image";
import { launchApplication } from "./launch";
import { inAppRegion, sectorInAppRegion } from "./layout";
import { crc32 } from "./lib/crc32";
import { nativeTransferOpen } from "./native-protocol";
import { signatureRequired } from "./signature";
import { Status } from "./status";
import { readByte, writeByte, writeBytes } from "./uart-io";

export const AN3155_SYNC = 0x7f;
const ACK = 0x79;
const NACK = 0x1f;
const PROTOCOL_VERSION = 0x31;
/** Update mode: a session silent this long ends (the bootloader then waits for a new one). */
export const AN3155_IDLE_MS = 30000;
const BYTE_TIMEOUT_MS = 1000;
/** In the listen window, the first command must follow the ACK of 0x7F within this time (stm32flash sends it at once). */
const FIRST_COMMAND_MS = 200;

enum Code {
  Get = 0x00,
  GetVersion = 0x01,
  GetId = 0x02,
  ReadMemory = 0x11,
  Go = 0x21,
  WriteMemory = 0x31,
  ExtendedErase = 0x44,
  WriteProtect = 0x63,
  WriteUnprotect = 0x73,
}
/** GET's answer: ACK, N (the bytes that follow but one), the version, the commands supported, ACK. */
const GET_ANSWER = new Uint8Array([ACK, 9, PROTOCOL_VERSION, 0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0x63, 0x73, ACK]);
/** GET VERSION's answer: ACK, the version, two option bytes (0), ACK. */
const GET_VERSION_ANSWER = new Uint8Array([ACK, PROTOCOL_VERSION, 0, 0, ACK]);
/** GET ID's answer: ACK, N (1), the product id (big-endian, filled in from the board), ACK. */
const GET_ID_ANSWER = new Uint8Array([ACK, 1, 0, 0, ACK]);
/** The data block of WRITE MEMORY, or the unit codes of WRITE PROTECT (receiveData). */
const DATA = new Uint8Array(256);
const HEADER = new Uint8Array(HEADER_SIZE);

/** The most erase units a part may have (L4: 512 pages of 2 KB); ERASED_IN_SESSION has a bit for each. */
const MAX_UNITS = 1024;
/** Erase units this session erased (bit i: map index i); erase units EXTENDED ERASE was asked to erase. */
const ERASED_IN_SESSION = new Uint32Array(32);
const REQUESTED = new Uint32Array(32);
/** What the session's commands share, in one record (in the C one static struct: one address for all of it). */
interface Client {
  /** The address the last command received (receiveAddress). */
  address: u32;
  /** Bytes this session wrote contiguously from the application start; `gap` once a write left a gap. */
  writtenEnd: u32;
  gap: boolean;
}
const client: Client = { address: 0, writtenEnd: 0, gap: false };

function bitSet(bits: Uint32Array, index: u32): boolean {
  return ((bits[(index >>> 5) & 31] >>> (index & 31)) & 1) === 1;
}

function setBit(bits: Uint32Array, index: u32): void {
  const w = (index >>> 5) & 31;
  bits[w] = (bits[w] | (1 << (index & 31))) >>> 0;
}

function clearBits(bits: Uint32Array): void {
  for (let i: u32 = 0; i < bits.length; i++) bits[i] = 0;
}

/** A new client: nothing erased or written in this session yet. */
function sessionReset(): void {
  clearBits(ERASED_IN_SESSION);
  client.writtenEnd = 0;
  client.gap = false;
}

/**
 * Opens a session after its 0x7F: wait until the UART has sent everything (TC), switch to 8E1, ACK.
 * In update mode this is the whole start; the listen window then also waits for a valid first command.
 */
export function an3155Open(): void {
  uartFlush();
  uartInit(UART_BAUD, true);
  writeByte(ACK);
  sessionReset();
}

/**
 * The listen window's test of a session start: after the 0x7F and its ACK, a command byte and its
 * complement must follow at once. Returns the command code, or -1 (noise: the UART goes back to 8N1 and
 * nothing more is sent).
 */
export function an3155FirstCommand(): i32 {
  an3155Open();
  const code = readByte(FIRST_COMMAND_MS);
  const check = code < 0 ? -1 : readByte(FIRST_COMMAND_MS);
  if (code >= 0 && check >= 0 && (code ^ check) === 0xff && code !== AN3155_SYNC) return code;
  an3155Close();
  return -1;
}

/** Back to 8N1 once the last reply has left the line. */
function an3155Close(): void {
  uartFlush();
  uartInit(UART_BAUD, false);
}

/**
 * Serves commands until the host is silent for `idleMs` or a command stops half-way. `firstCode`: a
 * command the listen window already received and checked (-1: none).
 */
export function an3155Session(firstCode: i32, idleMs: u32): void {
  let pending = firstCode;
  while (true) {
    let code = pending;
    pending = -1;
    if (code < 0) {
      code = readByte(idleMs);
      if (code < 0) break;
      if (code === AN3155_SYNC) {
        // A host that starts over (a new stm32flash run): NACK at once, as a synced ROM does — stm32flash
        // reads that as "already initialised" — and forget what the previous client erased and wrote.
        writeByte(NACK);
        sessionReset();
        continue;
      }
      const check = readByte(BYTE_TIMEOUT_MS);
      if (check < 0) break;
      if ((code ^ check) !== 0xff) {
        writeByte(NACK);
        continue;
      }
    }
    if (!command(u8(code))) break;
  }
  an3155Close();
}

/** One command; false ends the session (a byte timed out mid-command). */
function command(code: u8): boolean {
  switch (code) {
    case Code.Get:
      writeBytes(GET_ANSWER);
      return true;
    case Code.GetVersion:
      writeBytes(GET_VERSION_ANSWER);
      return true;
    case Code.GetId: {
      const pid = boardProductId();
      GET_ID_ANSWER[2] = u8(pid >>> 8);
      GET_ID_ANSWER[3] = u8(pid);
      writeBytes(GET_ID_ANSWER);
      return true;
    }
    case Code.ReadMemory:
      return readMemory();
    case Code.Go:
      return go();
    case Code.WriteMemory:
      return writeMemory();
    case Code.ExtendedErase:
      return extendedErase();
    case Code.WriteProtect:
      return writeProtect();
    case Code.WriteUnprotect:
      writeByte(ACK);
      return protectionDone(setBootloaderProtection(false));
    default:
      writeByte(NACK);
      return true;
  }
}

/** Receives a 4-byte big-endian address and its XOR checksum into client.address; -1 timeout, 0 bad, 1 good. */
function receiveAddress(): i32 {
  let value: u32 = 0;
  let xor: u32 = 0;
  for (let i: u32 = 0; i < 4; i++) {
    const b = readByte(BYTE_TIMEOUT_MS);
    if (b < 0) return -1;
    value = ((value << 8) | b) >>> 0;
    xor = xor ^ b;
  }
  const checksum = readByte(BYTE_TIMEOUT_MS);
  if (checksum < 0) return -1;
  client.address = value;
  return checksum === xor ? 1 : 0;
}

/**
 * The opening of READ and WRITE MEMORY: ACK the command, receive the address, ACK it only when it lies in
 * the application region. -1: a byte timed out; 0: refused (NACK sent); 1: accepted (ACK sent).
 */
function acceptAppAddress(): i32 {
  writeByte(ACK);
  const got = receiveAddress();
  if (got < 0) return -1;
  if (got === 0 || !inAppRegion(client.address, 1)) {
    writeByte(NACK);
    return 0;
  }
  writeByte(ACK);
  return 1;
}

function readMemory(): boolean {
  const accepted = acceptAppAddress();
  if (accepted <= 0) return accepted === 0;
  const n = readByte(BYTE_TIMEOUT_MS);
  const check = readByte(BYTE_TIMEOUT_MS);
  if (n < 0 || check < 0) return false;
  if ((n ^ check) !== 0xff || !inAppRegion(client.address, n + 1)) {
    writeByte(NACK);
    return true;
  }
  writeByte(ACK);
  writeBytes(flashView(client.address, n + 1));
  return true;
}

function go(): boolean {
  writeByte(ACK);
  const got = receiveAddress();
  if (got < 0) return false;
  if (got === 0 || client.address !== boardAppStart() || !(applicationValid() || adoptSessionImage() === Status.Ok)) {
    writeByte(NACK);
    return true;
  }
  writeByte(ACK);
  launchApplication();
}

/**
 * Receives N, N + 1 bytes into DATA and their checksum (the XOR of N and the bytes), as WRITE MEMORY and
 * WRITE PROTECT send them; -1 timeout, 0 bad checksum, else the bytes received (1 … 256).
 */
function receiveData(): i32 {
  const n = readByte(BYTE_TIMEOUT_MS);
  if (n < 0) return -1;
  let xor: u32 = u32(n);
  for (let i: u32 = 0; i <= u32(n); i++) {
    const b = readByte(BYTE_TIMEOUT_MS);
    if (b < 0) return -1;
    DATA[i & 255] = u8(b);
    xor = xor ^ b;
  }
  const checksum = readByte(BYTE_TIMEOUT_MS);
  if (checksum < 0) return -1;
  return checksum === xor ? n + 1 : 0;
}

/** `length` rounded up to whole write units. */
function unitsLength(length: u32): u32 {
  const unit = boardWriteUnit();
  if (unit !== 0 && length % unit !== 0) return length + (unit - (length % unit));
  return length;
}

/** True when `value` is a multiple of the write unit. */
function unitAligned(value: u32): boolean {
  const unit = boardWriteUnit();
  return unit !== 0 && value % unit === 0;
}

/**
 * WRITE MEMORY: checked completely before anything changes — inside the application region, aligned to
 * the write unit, onto erased flash — and only then does it drop the installed record (the application
 * changes) and program.
 */
function writeMemory(): boolean {
  const accepted = acceptAppAddress();
  if (accepted <= 0) return accepted === 0;
  const length = receiveData();
  if (length < 0) return false;
  const padded = unitsLength(u32(length));
  // A bootloader with a public key takes signed images only, which AN3155 cannot carry: it writes nothing.
  const ok = !signatureRequired() && length > 0 && unitAligned(client.address) && inAppRegion(client.address, padded) && isErased(client.address, padded);
  if (!ok || invalidatePrimary() !== Status.Ok || programBytes(client.address, DATA.subarray(0, length)) !== Status.Ok) {
    writeByte(NACK);
    return true;
  }
  const offset: u32 = client.address - boardAppStart(); // the address is in the application region: no wrap
  if (offset === client.writtenEnd) client.writtenEnd = offset + length;
  else client.gap = true;
  writeByte(ACK);
  return true;
}

/**
 * EXTENDED ERASE. Everything the host sends is read (so no byte of it can run as a command), but at most
 * the part's erase-unit count is acted on: a longer list, an unknown unit, a unit outside the application
 * region or a bad checksum is NACKed with nothing erased.
 */
function extendedErase(): boolean {
  if (signatureRequired()) {
    writeByte(NACK); // signed images only: AN3155 may read, not erase
    return true;
  }
  writeByte(ACK);
  const hi = readByte(BYTE_TIMEOUT_MS);
  const lo = readByte(BYTE_TIMEOUT_MS);
  if (hi < 0 || lo < 0) return false;
  const n = (hi << 8) | lo;
  if (n >= 0xfff0) {
    // Special erases (mass, bank 1, bank 2): a mass erase here means the whole application region.
    const checksum = readByte(BYTE_TIMEOUT_MS);
    if (checksum < 0) return false;
    if (checksum !== (hi ^ lo) || n !== 0xffff) {
      writeByte(NACK);
      return true;
    }
    writeByte(eraseApplication() === Status.Ok ? ACK : NACK);
    return true;
  }
  // n + 1 unit numbers, big-endian, then the XOR of every byte including the two count bytes.
  const units = boardSectorCount();
  const count = n + 1;
  let xor: u32 = u32(hi ^ lo);
  let allowed = count <= units && units <= MAX_UNITS;
  clearBits(REQUESTED);
  for (let i: u32 = 0; i < count; i++) {
    const a = readByte(BYTE_TIMEOUT_MS);
    const b = readByte(BYTE_TIMEOUT_MS);
    if (a < 0 || b < 0) return false;
    xor = xor ^ a ^ b;
    if (!allowed) continue;
    const index = sectorWithNumber(u32((a << 8) | b));
    if (index >= units || !sectorInAppRegion(index)) allowed = false;
    else setBit(REQUESTED, index);
  }
  const checksum = readByte(BYTE_TIMEOUT_MS);
  if (checksum < 0) return false;
  if (checksum !== xor || !allowed || invalidatePrimary() !== Status.Ok) {
    writeByte(NACK);
    return true;
  }
  for (let i: u32 = 0; i < units && i < MAX_UNITS; i++) {
    if (bitSet(REQUESTED, i) && eraseAndNote(i) !== Status.Ok) {
      writeByte(NACK);
      return true;
    }
  }
  writeByte(ACK);
  return true;
}

function eraseAndNote(index: u32): Status {
  const status = eraseSector(index);
  if (status === Status.Ok) setBit(ERASED_IN_SESSION, index);
  return status;
}

/** The map index of the unit with hardware number `number`, or the unit count when there is none. */
function sectorWithNumber(number: u32): u32 {
  const count = boardSectorCount();
  for (let i: u32 = 0; i < count; i++) {
    if (boardSectorNumber(i) === number) return i;
  }
  return count;
}

function eraseApplication(): Status {
  const invalidated = invalidatePrimary();
  if (invalidated !== Status.Ok) return invalidated;
  const count = boardSectorCount();
  for (let i: u32 = 0; i < count && i < MAX_UNITS; i++) {
    if (!sectorInAppRegion(i)) continue;
    const status = eraseIfNeeded(i);
    if (status !== Status.Ok) return status;
    setBit(ERASED_IN_SESSION, i);
  }
  return Status.Ok;
}

/**
 * WRITE PROTECT: the host lists unit codes (one byte each); tsboot protects only its own region, so the
 * list must be exactly the bootloader's units (anything else would make the device un-updatable) —
 * otherwise NACK. Like the ROM, the device resets after a change of protection.
 */
function writeProtect(): boolean {
  writeByte(ACK);
  const length = receiveData();
  if (length < 0) return false;
  // Exact: every code names a bootloader unit, and there are as many codes as bootloader units.
  let exact = length > 0; // 0: a bad checksum
  for (let i: u32 = 0; i < length && i < DATA.length; i++) {
    const index = sectorWithNumber(DATA[i]);
    if (index >= boardSectorCount() || !inBootloaderRegion(index)) exact = false;
  }
  if (!exact || length !== bootloaderUnits()) {
    writeByte(NACK);
    return true;
  }
  return protectionDone(setBootloaderProtection(true));
}

/** The bootloader's units: the erase units before both the config and the application region. */
function inBootloaderRegion(index: u32): boolean {
  const config = boardConfigStart();
  const app = boardAppStart();
  const end = config < app ? config : app;
  const unitStart = boardSectorStart(index);
  if (unitStart >= end) return false;
  const room: u32 = end - unitStart; // 32-bit: the unit starts below the end
  return room >= boardSectorSize(index);
}

function bootloaderUnits(): u32 {
  let n: u32 = 0;
  const count = boardSectorCount();
  for (let i: u32 = 0; i < count; i++) {
    if (inBootloaderRegion(i)) n++;
  }
  return n;
}

/** After WRITE (UN)PROTECT: the second ACK (or a NACK), then a reset as the ROM does. */
function protectionDone(status: Status): boolean {
  if (status !== Status.Ok) {
    writeByte(NACK);
    return true;
  }
  writeByte(ACK);
  uartFlush();
  systemReset();
}

/**
 * The adoption rule: an AN3155 client writes a raw binary with no tsboot header. GO adopts it only when
 * this same session erased every unit it occupies and wrote it contiguously from the application start,
 * every unit read back as programmed; never while a native transfer is open; and only with a sane vector
 * table. The image is the bytes written, and a record with their CRC is stored, so it keeps booting
 * after a reset and later corruption is still caught. Anything else — a half-written image from an
 * earlier session or an interrupted native update — is refused (NoValidApp).
 */
function adoptSessionImage(): Status {
  const start = boardAppStart();
  const size = client.writtenEnd;
  if (nativeTransferOpen() || client.gap || size === 0 || signatureRequired()) return Status.NoValidApp;
  const count = boardSectorCount();
  for (let i: u32 = 0; i < count && i < MAX_UNITS; i++) {
    const unitStart = boardSectorStart(i);
    const overlaps = unitStart < start + size && unitStart + boardSectorSize(i) > start;
    if (overlaps && !bitSet(ERASED_IN_SESSION, i)) return Status.NoValidApp;
  }
  if (!vectorTableSane(start)) return Status.BadVectorTable;
  const invalidated = invalidatePrimary();
  if (invalidated !== Status.Ok) return invalidated;
  for (let i: u32 = 0; i < HEADER_SIZE; i++) HEADER[i] = 0;
  headerField(OFFSET_MAGIC, HEADER_MAGIC);
  headerField(OFFSET_HEADER_VERSION, HEADER_VERSION | (HEADER_SIZE << 16)); // two u16: the version, then the header size
  headerField(OFFSET_PAYLOAD_SIZE, size);
  headerField(OFFSET_LOAD_ADDRESS, start);
  headerField(OFFSET_PAYLOAD_CRC, crc32(flashView(start, size)));
  headerField(OFFSET_BOARD_ID, boardId());
  headerField(OFFSET_FLAGS, FLAG_ADOPTED);
  headerField(OFFSET_HEADER_CRC, crc32(HEADER.subarray(0, OFFSET_HEADER_CRC)));
  const stored = recordPrimary(HEADER);
  if (stored !== Status.Ok) return stored;
  return applicationValid() ? Status.Ok : Status.VerifyFailed;
}

/** Writes a u32 field (LE) of the adopted image's header. */
function headerField(offset: u32, value: u32): void {
  writeU32LE(HEADER, offset, value);
}
