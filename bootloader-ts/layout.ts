/** The board's flash map as the bootloader uses it: which erase units cover a range, what is writable. */
import { u32 } from "../runtime/index";
import { boardAppSize, boardAppStart, boardSectorCount, boardSectorSize, boardSectorStart } from "../hal-bindings/board";

/** Returned when no erase unit matches. */
export const NO_SECTOR: u32 = 0xffffffff;

/** The index of the erase unit that starts exactly at `address`, or NO_SECTOR. */
export function sectorStartingAt(address: u32): u32 {
  const count = boardSectorCount();
  for (let i: u32 = 0; i < count; i++) {
    if (boardSectorStart(i) === address) return i;
  }
  return NO_SECTOR;
}

/** The index of the erase unit holding `address`, or NO_SECTOR. */
export function sectorContaining(address: u32): u32 {
  const count = boardSectorCount();
  for (let i: u32 = 0; i < count; i++) {
    const start = boardSectorStart(i);
    if (address >= start && u32(address - start) < boardSectorSize(i)) return i; // no wrap: address >= start
  }
  return NO_SECTOR;
}

/** True when [address, address + length) lies inside the application region (and length > 0). */
export function inAppRegion(address: u32, length: u32): boolean {
  return inRegion(address, length, boardAppStart(), boardAppSize());
}

/** True when erase unit `index` lies entirely inside [start, start + size) (erase units are never empty). */
export function unitInRegion(index: u32, start: u32, size: u32): boolean {
  if (index >= boardSectorCount()) return false;
  return inRegion(boardSectorStart(index), boardSectorSize(index), start, size);
}

/** True when [address, address + length) lies inside [start, start + size) (and length > 0). */
export function inRegion(address: u32, length: u32, start: u32, size: u32): boolean {
  if (length === 0 || length > size || address < start) return false;
  // In 32 bits, with no wrap: address >= start and size >= length (so size > 0 too).
  return u32(address - start) <= u32(size - length);
}

/** True when erase unit `index` lies entirely inside the application region. */
export function sectorInAppRegion(index: u32): boolean {
  if (index >= boardSectorCount()) return false;
  return inAppRegion(boardSectorStart(index), boardSectorSize(index));
}
