/**
 * The installed image: the primary slot holds a valid application when the status log records its header
 * (an Image entry, written only after the payload was written and verified), the payload's CRC matches it,
 * and its vector table is sane — all read without an ECC error. Recording the image is the last step of
 * every update, and forgetting it (an Empty entry, or a reset single-half log) the first, so a power cut at
 * any point leaves either the old valid image or no valid image — never a half-written one that would be
 * started. An entry torn by a power cut fails its own CRC and reads as no entry (status-log.ts).
 */
import { u32 } from "../runtime/index";
import { boardAppSize, boardAppStart, boardRamRegionCount, boardRamRegionSize, boardRamRegionStart } from "../hal-bindings/board";
import { flashTakeEccError, flashView } from "../hal-bindings/flash";
import { readU32LE } from "./bytes";
import { appVersion, checkHeader, HeaderSource, payloadCrc, payloadSize } from "./image-header";
import { crc32 } from "./lib/crc32";
import { Entry, logAppend, logImage, primaryHeader, primaryRecorded, resetLog, Slot, singleHalfLog } from "./status-log";
import { Status } from "./status";
import { verifyAtBoot } from "./signature";

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

/** An initial stack pointer inside RAM, a Thumb reset handler inside the application (primary) region. */
export function vectorsSane(stack: u32, reset: u32): boolean {
  if (!stackInRam(stack)) return false;
  if ((reset & 1) === 0) return false;
  const entry = reset & 0xfffffffe;
  const appStart = boardAppStart();
  return entry >= appStart + 8 && entry < appStart + boardAppSize();
}

/** The vector table at `address` in flash is sane (vectorsSane: it is to run from the primary slot). */
export function vectorTableSane(address: u32): boolean {
  const vectors = flashView(address, 8);
  return vectorsSane(readU32LE(vectors, 0), readU32LE(vectors, 4));
}

/**
 * The image `header` describes is complete at `start`: a header that passes its checks, a payload whose
 * CRC matches, a sane vector table, all read without an ECC error (L4/H7: a unit torn by a power cut).
 */
export function imageValidAt(header: Uint8Array, start: u32): boolean {
  flashTakeEccError();
  if (checkHeader(header, HeaderSource.Record) !== Status.Ok) return false;
  if (crc32(flashView(start, payloadSize(header))) !== payloadCrc(header)) return false;
  if (!vectorTableSane(start)) return false;
  return !flashTakeEccError();
}

/**
 * The primary slot holds a recorded, complete, valid application (and, when the board data asks, one whose
 * signature verifies at this boot too).
 */
export function applicationValid(): boolean {
  return primaryRecorded() && imageValidAt(primaryHeader(), boardAppStart()) && verifyAtBoot(primaryHeader(), boardAppStart());
}

/** The version of the valid application, or 0. */
export function applicationVersion(): u32 {
  return applicationValid() ? appVersion(primaryHeader()) : 0;
}

/**
 * Forgets the primary image before anything of it changes. A single-half log that is nearly full is
 * reset instead (the primary was its only content worth keeping, and it is being replaced).
 */
export function invalidatePrimary(): Status {
  if (!primaryRecorded()) return Status.Ok;
  if (singleHalfLog()) return resetLog();
  return logAppend(Entry.Empty, Slot.Primary, 0);
}

/** Records `header` as the primary image (its payload is written and verified). */
export function recordPrimary(header: Uint8Array): Status {
  return logImage(Slot.Primary, header);
}
