/**
 * An AN3155-compatible subset of the STM32 ROM bootloader's USART protocol, so stm32flash and
 * STM32CubeProgrammer can read, write, verify and start the application through tsboot. Every address
 * outside the application region is NACKed; GO starts only a valid application. The session runs at 8E1,
 * like the ROM: the 0x7F that opened it reads as 0x7F at 8N1 too (docs/protocol.md).
 */
import { i32, u8, u32 } from "../runtime/index";
import { boardAppStart, boardProductId, boardSectorCount, boardSectorNumber, boardSectorSize, boardSectorStart } from "../hal-bindings/board";
import { flashView } from "../hal-bindings/flash";
import { uartInit } from "../hal-bindings/uart";
import { UART_BAUD } from "./config";
import { eraseSector, isErased, programBytes } from "./flash-writer";
import { FLAG_ADOPTED, HEADER_MAGIC, HEADER_SIZE, HEADER_VERSION, OFFSET_APP_VERSION, OFFSET_BOARD_ID, OFFSET_FLAGS, OFFSET_HEADER_CRC, OFFSET_HEADER_SIZE, OFFSET_HEADER_VERSION, OFFSET_LOAD_ADDRESS, OFFSET_MAGIC, OFFSET_PAYLOAD_CRC, OFFSET_PAYLOAD_SIZE } from "./image-header";
import { applicationValid, invalidateRecord, vectorTableSane, writeRecord } from "./installed-image";
import { launchApplication } from "./launch";
import { inAppRegion, sectorInAppRegion } from "./layout";
import { boardAppSize, boardId } from "../hal-bindings/board";
import { crc32 } from "./lib/crc32";
import { writeU16LE, writeU32LE } from "./bytes";
import { Status } from "./status";
import { readByte, writeByte, writeBytes } from "./uart-io";

export const AN3155_SYNC = 0x7f;
const ACK = 0x79;
const NACK = 0x1f;
const PROTOCOL_VERSION = 0x31;
const COMMAND_TIMEOUT_MS = 30000;
const BYTE_TIMEOUT_MS = 1000;

enum Code {
  Get = 0x00,
  GetVersion = 0x01,
  GetId = 0x02,
  ReadMemory = 0x11,
  Go = 0x21,
  WriteMemory = 0x31,
  ExtendedErase = 0x44,
}
const SUPPORTED = new Uint8Array([0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44]);
const DATA = new Uint8Array(256);
const HEADER = new Uint8Array(HEADER_SIZE);

/** Runs a session after the 0x7F: ACK it at 8E1, serve commands until the host goes quiet. */
export function an3155Session(): void {
  uartInit(UART_BAUD, true);
  writeByte(ACK);
  while (true) {
    const code = readByte(COMMAND_TIMEOUT_MS);
    if (code < 0) break;
    const check = readByte(BYTE_TIMEOUT_MS);
    if (check < 0) break;
    if ((code ^ check) !== 0xff) {
      // Includes 7F 7F: a host that restarts inside a session (stm32flash's init retry) expects NACK here.
      writeByte(NACK);
      continue;
    }
    if (!command(u8(code))) break;
  }
  uartInit(UART_BAUD, false);
}

/** One command; false ends the session (a byte timed out mid-command). */
function command(code: u8): boolean {
  switch (code) {
    case Code.Get:
      writeByte(ACK);
      writeByte(SUPPORTED.length);
      writeByte(PROTOCOL_VERSION);
      writeBytes(SUPPORTED);
      writeByte(ACK);
      return true;
    case Code.GetVersion:
      writeByte(ACK);
      writeByte(PROTOCOL_VERSION);
      writeByte(0);
      writeByte(0);
      writeByte(ACK);
      return true;
    case Code.GetId: {
      const pid = boardProductId();
      writeByte(ACK);
      writeByte(1);
      writeByte(u8(pid >>> 8));
      writeByte(u8(pid));
      writeByte(ACK);
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
    default:
      writeByte(NACK);
      return true;
  }
}

let address: u32 = 0;

/** Receives a 4-byte big-endian address and its XOR checksum into `address`; -1 timeout, 0 bad, 1 good. */
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
  address = value;
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
  if (got === 0 || !inAppRegion(address, 1)) {
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
  if ((n ^ check) !== 0xff || !inAppRegion(address, n + 1)) {
    writeByte(NACK);
    return true;
  }
  writeByte(ACK);
  writeBytes(flashView(address, n + 1));
  return true;
}

function go(): boolean {
  writeByte(ACK);
  const got = receiveAddress();
  if (got < 0) return false;
  if (got === 0 || address !== boardAppStart() || !(applicationValid() || adoptRawImage() === Status.Ok)) {
    writeByte(NACK);
    return true;
  }
  writeByte(ACK);
  launchApplication();
}

function writeMemory(): boolean {
  const accepted = acceptAppAddress();
  if (accepted <= 0) return accepted === 0;
  const n = readByte(BYTE_TIMEOUT_MS);
  if (n < 0) return false;
  let xor: u32 = u32(n);
  for (let i: u32 = 0; i <= u32(n); i++) {
    const b = readByte(BYTE_TIMEOUT_MS);
    if (b < 0) return false;
    DATA[i & 255] = u8(b);
    xor = xor ^ b;
  }
  const checksum = readByte(BYTE_TIMEOUT_MS);
  if (checksum < 0) return false;
  const length = u32(n) + 1;
  if (checksum !== xor || !inAppRegion(address, length)) {
    writeByte(NACK);
    return true;
  }
  // Any change to the application makes the installed record stale: drop it first.
  if (invalidateRecord() !== Status.Ok || programBytes(address, DATA.subarray(0, length)) !== Status.Ok) {
    writeByte(NACK);
    return true;
  }
  writeByte(ACK);
  return true;
}

function extendedErase(): boolean {
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
  // n + 1 sector numbers, big-endian, then the XOR of every byte including the two count bytes.
  let xor: u32 = u32(hi ^ lo);
  let allowed = true;
  const count = n + 1;
  for (let i: u32 = 0; i < count && i < 128; i++) {
    const a = readByte(BYTE_TIMEOUT_MS);
    const b = readByte(BYTE_TIMEOUT_MS);
    if (a < 0 || b < 0) return false;
    xor = xor ^ a ^ b;
    const index = sectorWithNumber(u32((a << 8) | b));
    if (index >= boardSectorCount() || !sectorInAppRegion(index)) allowed = false;
    writeU16LE(DATA, (i & 127) * 2, index >= boardSectorCount() ? 0xffff : index);
  }
  const checksum = readByte(BYTE_TIMEOUT_MS);
  if (checksum < 0) return false;
  if (checksum !== xor || !allowed || count > 128) {
    writeByte(NACK);
    return true;
  }
  if (invalidateRecord() !== Status.Ok) {
    writeByte(NACK);
    return true;
  }
  for (let i: u32 = 0; i < count && i < 128; i++) {
    const index = DATA[(i & 127) * 2] | (DATA[(i & 127) * 2 + 1] << 8);
    if (eraseSector(index) !== Status.Ok) {
      writeByte(NACK);
      return true;
    }
  }
  writeByte(ACK);
  return true;
}

/** The map index of the sector with hardware number `number`, or the sector count when there is none. */
function sectorWithNumber(number: u32): u32 {
  const count = boardSectorCount();
  for (let i: u32 = 0; i < count; i++) {
    if (boardSectorNumber(i) === number) return i;
  }
  return count;
}

function eraseApplication(): Status {
  const invalidated = invalidateRecord();
  if (invalidated !== Status.Ok) return invalidated;
  const count = boardSectorCount();
  for (let i: u32 = 0; i < count; i++) {
    if (sectorInAppRegion(i) && !isErased(boardSectorStart(i), boardSectorSize(i))) {
      const status = eraseSector(i);
      if (status !== Status.Ok) return status;
    }
  }
  return Status.Ok;
}

/**
 * An AN3155 client writes a raw binary with no tsboot header. GO adopts it: if its vector table is sane,
 * the image is taken to end at the last byte that is not 0xFF, and a record with its CRC is written, so
 * it keeps booting after a reset and corruption is still caught.
 */
function adoptRawImage(): Status {
  const start = boardAppStart();
  if (!vectorTableSane(start)) return Status.NoValidApp;
  const region = flashView(start, boardAppSize());
  let size: u32 = region.length;
  while (size > 0 && region[size - 1] === 0xff) size--;
  if (size === 0) return Status.NoValidApp;
  const invalidated = invalidateRecord();
  if (invalidated !== Status.Ok) return invalidated;
  for (let i: u32 = 0; i < HEADER_SIZE; i++) HEADER[i] = 0;
  writeU32LE(HEADER, OFFSET_MAGIC, HEADER_MAGIC);
  writeU16LE(HEADER, OFFSET_HEADER_VERSION, HEADER_VERSION);
  writeU16LE(HEADER, OFFSET_HEADER_SIZE, HEADER_SIZE);
  writeU32LE(HEADER, OFFSET_PAYLOAD_SIZE, size);
  writeU32LE(HEADER, OFFSET_LOAD_ADDRESS, start);
  writeU32LE(HEADER, OFFSET_PAYLOAD_CRC, crc32(region.subarray(0, size)));
  writeU32LE(HEADER, OFFSET_APP_VERSION, 0);
  writeU32LE(HEADER, OFFSET_BOARD_ID, boardId());
  writeU32LE(HEADER, OFFSET_FLAGS, FLAG_ADOPTED);
  writeU32LE(HEADER, OFFSET_HEADER_CRC, crc32(HEADER.subarray(0, OFFSET_HEADER_CRC)));
  const stored = writeRecord(HEADER);
  if (stored !== Status.Ok) return stored;
  return applicationValid() ? Status.Ok : Status.VerifyFailed;
}
