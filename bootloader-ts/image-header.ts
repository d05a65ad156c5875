/**
 * The image header (docs/image-format.md): 64 bytes, little-endian, in front of the payload in a .tsb
 * file, and stored alone in the config region once the payload it describes is written and verified.
 */
import { u32 } from "../runtime/index";
import { boardAppSize, boardAppStart, boardId } from "../hal-bindings/board";
import { readU32LE } from "./bytes";
import { crc32 } from "./lib/crc32";
import { Status } from "./status";

export const HEADER_SIZE = 64;
/** "TSB1" in memory order. */
export const HEADER_MAGIC = 0x31425354;
export const HEADER_VERSION = 1;

export const OFFSET_MAGIC = 0;
export const OFFSET_HEADER_VERSION = 4;
export const OFFSET_HEADER_SIZE = 6;
export const OFFSET_PAYLOAD_SIZE = 8;
export const OFFSET_LOAD_ADDRESS = 12;
export const OFFSET_PAYLOAD_CRC = 16;
export const OFFSET_APP_VERSION = 20;
export const OFFSET_BOARD_ID = 24;
export const OFFSET_FLAGS = 28;
export const OFFSET_SECURITY_COUNTER = 32;
export const OFFSET_SIGNATURE_SIZE = 36;
/** An Ed25519 signature (RFC 8032) over header ‖ payload follows the payload (signature_size). */
export const SIGNATURE_SIZE = 64;
/** Bytes 40 … 59 are reserved: zero, so that a later version can give them meaning safely. */
export const OFFSET_RESERVED = 40;
export const OFFSET_HEADER_CRC = 60;

/** Set in a header the bootloader wrote itself for an image an AN3155 client uploaded. */
export const FLAG_ADOPTED = 1;
/** Every flag this version knows; a header with any other bit set is refused. */
const KNOWN_FLAGS = FLAG_ADOPTED;

/** Who a header comes from: a host (BEGIN) may not set the flags only the bootloader writes. */
export enum HeaderSource {
  Host,
  Record,
}

/**
 * Checks a header against this board: its own CRC, magic and version, the fields documented as zero, the
 * flags, the board id, the load address (the start of the application region) and the size (not zero,
 * not larger than the region).
 */
export function checkHeader(header: Uint8Array, source: HeaderSource): Status {
  if (header.length < HEADER_SIZE) return Status.BadLength;
  if (readU32LE(header, OFFSET_MAGIC) !== HEADER_MAGIC) return Status.BadHeader;
  // The version and the header size, two u16 next to each other, compared as one word.
  if (readU32LE(header, OFFSET_HEADER_VERSION) !== (HEADER_VERSION | (HEADER_SIZE << 16))) return Status.BadHeader;
  if (!endsWithItsCrc(header.subarray(0, HEADER_SIZE))) return Status.BadHeader; // the CRC is its last word
  const signature = readU32LE(header, OFFSET_SIGNATURE_SIZE);
  if (signature !== 0 && signature !== SIGNATURE_SIZE) return Status.BadHeader;
  for (let i: u32 = OFFSET_RESERVED; i < OFFSET_HEADER_CRC; i++) {
    if (header[i] !== 0) return Status.BadHeader;
  }
  const flags = readU32LE(header, OFFSET_FLAGS);
  if ((flags & ~KNOWN_FLAGS) !== 0) return Status.BadHeader;
  if (source === HeaderSource.Host && (flags & FLAG_ADOPTED) !== 0) return Status.BadHeader;
  if (readU32LE(header, OFFSET_BOARD_ID) !== boardId()) return Status.WrongBoard;
  if (readU32LE(header, OFFSET_LOAD_ADDRESS) !== boardAppStart()) return Status.BadAddress;
  const size = readU32LE(header, OFFSET_PAYLOAD_SIZE);
  if (size === 0) return Status.BadHeader;
  const room = boardAppSize();
  if (size > room || u32(room - size) < signature) return Status.TooBig; // room >= size: no wrap
  return Status.Ok;
}

/**
 * The CRC-32 of any block followed by its own CRC-32 (little-endian) is this constant: a property of the
 * CRC. So "the last word is the CRC of the rest" is one CRC over the whole block, and no separate read.
 */
const CRC32_RESIDUE = 0x2144df1c;

/** True when `block` ends with the CRC-32 (little-endian) of the bytes before it. */
export function endsWithItsCrc(block: Uint8Array): boolean {
  return crc32(block) === CRC32_RESIDUE;
}

/** Bytes of signature after the payload: 0 or SIGNATURE_SIZE. */
export function signatureSize(header: Uint8Array): u32 {
  return readU32LE(header, OFFSET_SIGNATURE_SIZE);
}

/** What an image occupies in its slot: the payload, then its signature. */
export function storedSize(header: Uint8Array): u32 {
  return payloadSize(header) + signatureSize(header);
}

export function securityCounterOf(header: Uint8Array): u32 {
  return readU32LE(header, OFFSET_SECURITY_COUNTER);
}

export function payloadSize(header: Uint8Array): u32 {
  return readU32LE(header, OFFSET_PAYLOAD_SIZE);
}

export function payloadCrc(header: Uint8Array): u32 {
  return readU32LE(header, OFFSET_PAYLOAD_CRC);
}

export function appVersion(header: Uint8Array): u32 {
  return readU32LE(header, OFFSET_APP_VERSION);
}
