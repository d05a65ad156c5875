/**
 * Erasing and programming with the safety rules every path keeps: only inside the application and config
 * regions, unlocked just before each operation and locked again right after it (whatever it returned),
 * and every programmed unit read back and compared. The UART keeps receiving by itself meanwhile (uart-io.ts),
 * and the watchdog is refreshed between operations.
 */
import { u8, u32 } from "../runtime/index";
import { boardConfigSize, boardConfigStart, boardScratchSize, boardScratchStart, boardSecondarySize, boardSecondaryStart, boardSectorCount, boardSectorSize, boardSectorStart, boardWriteUnit } from "../hal-bindings/board";
import { flashErase, flashLock, flashProgram, flashTakeEccError, flashUnlock, flashView } from "../hal-bindings/flash";
import { equalBytes } from "./bytes";
import { inAppRegion, inRegion, NO_SECTOR, sectorContaining } from "./layout";
import { inConfigTwin } from "./bank-layout";
import { Status } from "./status";
import { watchdogRefresh } from "../hal-bindings/system";

/** The largest write unit of any family (H7: a 256-bit flash word). */
const UNIT_BUFFER = new Uint8Array(32);

/** True when [address, address + length) lies in a region the bootloader may change: the application (primary),
 * the config region, and on slot boards the secondary slot and the scratch area (bank swap: the config region's twin). */
function writable(address: u32, length: u32): boolean {
  return (
    inAppRegion(address, length) ||
    inRegion(address, length, boardConfigStart(), boardConfigSize()) ||
    inRegion(address, length, boardSecondaryStart(), boardSecondarySize()) ||
    inRegion(address, length, boardScratchStart(), boardScratchSize()) ||
    inConfigTwin(address, length)
  );
}

/** True when the erase unit lies entirely in a region the bootloader may change. */
export function mayErase(index: u32): boolean {
  if (index >= boardSectorCount()) return false;
  return writable(boardSectorStart(index), boardSectorSize(index));
}

/** Erases one erase unit of the application or config region. */
export function eraseSector(index: u32): Status {
  if (!mayErase(index)) return Status.BadAddress;
  watchdogRefresh();
  const unlocked = flashUnlock();
  if (unlocked !== 0) {
    flashLock();
    return Status.FlashError;
  }
  const status = flashErase(index);
  flashLock();
  if (status !== 0) return Status.FlashError;
  // An erase that did not leave 0xFF everywhere is a failed erase (or a model that differs from silicon).
  const erased = flashView(boardSectorStart(index), boardSectorSize(index));
  for (const b of erased) {
    if (b !== 0xff) return Status.VerifyFailed;
  }
  return Status.Ok;
}

/** Erases unit `index` unless it already reads erased: an erase stalls the CPU and wears the flash. */
export function eraseIfNeeded(index: u32): Status {
  return isErased(boardSectorStart(index), boardSectorSize(index)) ? Status.Ok : eraseSector(index);
}

/** Makes every erase unit of [start, start + size) erased (eraseIfNeeded). */
export function eraseRange(start: u32, size: u32): Status {
  let at = start;
  while (u32(at - start) < size) { // at only grows from start (a checked sum): no wrap
    const index = sectorContaining(at);
    if (index === NO_SECTOR) return Status.BadAddress;
    const status = eraseIfNeeded(index);
    if (status !== Status.Ok) return status;
    at = boardSectorStart(index) + boardSectorSize(index);
  }
  return Status.Ok;
}

/**
 * Programs `data` at `address` (aligned to the write unit) unit by unit, padding the last unit with 0xFF,
 * reading every unit back; units that are all 0xFF are left erased.
 */
export function programBytes(address: u32, data: Uint8Array): Status {
  const unit = boardWriteUnit();
  if (unit === 0 || unit > UNIT_BUFFER.length) return Status.FlashError;
  if (address % unit !== 0) return Status.BadAddress;
  if (!writable(address, data.length)) return Status.BadAddress;
  const staged = UNIT_BUFFER.subarray(0, unit);
  // One index walks data (next < data.length proves each read and each step), and a unit starts where it is.
  let next: u32 = 0;
  while (next < data.length) {
    // No wrap: writable() found all of [address, address + data.length) in a board region, and next < data.length.
    const target = u32(address + next);
    let blank = true;
    for (let i: u32 = 0; i < unit; i++) {
      let b: u8 = 0xff; // past the end of data: padding
      if (next < data.length) {
        b = data[next];
        next++;
      }
      UNIT_BUFFER[i] = b;
      if (b !== 0xff) blank = false;
    }
    // A unit of 0xFF is what erased flash already holds: leave it unprogrammed (on L4/H7 a unit can be
    // programmed once per erase, and programming 0xFF would spend it).
    if (blank && isErased(target, unit)) continue;
    const status = programUnit(target, staged);
    if (status !== Status.Ok) return status;
    watchdogRefresh();
  }
  return Status.Ok;
}

function programUnit(address: u32, unit: Uint8Array): Status {
  if (flashUnlock() !== 0) {
    flashLock();
    return Status.FlashError;
  }
  const status = flashProgram(address, unit);
  flashLock();
  if (status !== 0) return Status.FlashError;
  if (!equalBytes(flashView(address, unit.length), unit)) return Status.VerifyFailed;
  return Status.Ok;
}

/**
 * True when every byte of the range is erased (0xFF) and was read without an ECC error: on L4/H7 a unit a
 * power cut tore can read as 0xFF yet refuse to be programmed.
 */
export function isErased(address: u32, length: u32): boolean {
  flashTakeEccError();
  for (const b of flashView(address, length)) {
    if (b !== 0xff) return false;
  }
  return !flashTakeEccError();
}
