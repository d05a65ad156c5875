/**
 * The installed image: its header, stored in the config region only after the payload was written and
 * verified, is what makes an application valid. Writing it is the last step of every update and erasing
 * it the first, so a power cut at any point leaves either the old valid image or no valid image — never a
 * half-written one that would be started. The record's own CRC is its last word: a record torn by a power
 * cut (a partly programmed word, or the words after it still erased) fails that CRC and reads as no record.
 */
import { u32 } from "../runtime/index";
import { boardAppSize, boardAppStart, boardConfigStart, boardRamRegionCount, boardRamRegionSize, boardRamRegionStart } from "../hal-bindings/board";
import { flashTakeEccError, flashView } from "../hal-bindings/flash";
import { readU32LE } from "./bytes";
import { eraseSector, isErased, programBytes } from "./flash-writer";
import { checkHeader, HEADER_SIZE, HeaderSource, payloadCrc, payloadSize } from "./image-header";
import { NO_SECTOR, sectorStartingAt } from "./layout";
import { crc32 } from "./lib/crc32";
import { Status } from "./status";

export function recordView(): Uint8Array {
  return flashView(boardConfigStart(), HEADER_SIZE);
}

/** Erases the record (the config region's first erase unit): from here on no application is valid. */
export function invalidateRecord(): Status {
  if (isErased(boardConfigStart(), HEADER_SIZE)) return Status.Ok;
  const sector = sectorStartingAt(boardConfigStart());
  if (sector === NO_SECTOR) return Status.BadAddress;
  return eraseSector(sector);
}

/** Stores a header as the record. The record area must be erased (invalidateRecord). */
export function writeRecord(header: Uint8Array): Status {
  return programBytes(boardConfigStart(), header.subarray(0, HEADER_SIZE));
}

/** True when `sp` can be an initial stack pointer: word-aligned, above a RAM block's start, at most its end. */
function stackInRam(sp: u32): boolean {
  if ((sp & 3) !== 0) return false;
  const count = boardRamRegionCount();
  for (let i: u32 = 0; i < count; i++) {
    const start = boardRamRegionStart(i);
    if (sp > start && sp - start <= boardRamRegionSize(i)) return true;
  }
  return false;
}

/** An initial stack pointer inside RAM, a Thumb reset handler inside the application region. */
export function vectorsSane(stack: u32, reset: u32): boolean {
  if (!stackInRam(stack)) return false;
  if ((reset & 1) === 0) return false;
  const entry = reset & 0xfffffffe;
  const appStart = boardAppStart();
  return entry >= appStart + 8 && entry < appStart + boardAppSize();
}

/** The vector table at `address` in flash is sane (vectorsSane). */
export function vectorTableSane(address: u32): boolean {
  const vectors = flashView(address, 8);
  return vectorsSane(readU32LE(vectors, 0), readU32LE(vectors, 4));
}

/**
 * A valid record, a payload whose CRC matches it, and a sane vector table — all read without an ECC
 * error (L4/H7: a unit torn by a power cut reads as unreliable, and then nothing is valid).
 */
export function applicationValid(): boolean {
  flashTakeEccError();
  const record = recordView();
  if (checkHeader(record, HeaderSource.Record) !== Status.Ok) return false;
  if (crc32(flashView(boardAppStart(), payloadSize(record))) !== payloadCrc(record)) return false;
  if (!vectorTableSane(boardAppStart())) return false;
  return !flashTakeEccError();
}
