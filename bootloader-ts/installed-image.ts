/**
 * The installed image: its header, stored in the config region only after the payload was written and
 * verified, is what makes an application valid. Writing it is the last step of every update and erasing
 * it the first, so a power cut at any point leaves either the old valid image or no valid image — never a
 * half-written one that would be started.
 */
import { u32 } from "../runtime/index";
import { boardAppSize, boardAppStart, boardConfigStart, boardRamSize, boardRamStart } from "../hal-bindings/board";
import { flashView } from "../hal-bindings/flash";
import { readU32LE } from "./bytes";
import { eraseSector, isErased, programBytes } from "./flash-writer";
import { checkHeader, HEADER_SIZE, payloadCrc, payloadSize } from "./image-header";
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

/** An initial stack pointer inside RAM, a Thumb reset handler inside the application region. */
export function vectorTableSane(address: u32): boolean {
  const vectors = flashView(address, 8);
  const stack = readU32LE(vectors, 0);
  const reset = readU32LE(vectors, 4);
  const ramStart = boardRamStart();
  if (stack < ramStart || stack > ramStart + boardRamSize() || (stack & 3) !== 0) return false;
  if ((reset & 1) === 0) return false;
  const entry = reset & 0xfffffffe;
  const appStart = boardAppStart();
  return entry >= appStart + 8 && entry < appStart + boardAppSize();
}

/** A valid record, a payload whose CRC matches it, and a sane vector table. */
export function applicationValid(): boolean {
  const record = recordView();
  if (checkHeader(record) !== Status.Ok) return false;
  if (crc32(flashView(boardAppStart(), payloadSize(record))) !== payloadCrc(record)) return false;
  return vectorTableSane(boardAppStart());
}
