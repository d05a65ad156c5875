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
    if (address >= start && address - start < boardSectorSize(i)) return i;
  }
  return NO_SECTOR;
}

/** True when [address, address + length) lies inside the application region (and length > 0). */
export function inAppRegion(address: u32, length: u32): boolean {
  const start = boardAppStart();
  if (length === 0 || address < start) return false;
  return address - start + length <= boardAppSize();
}

/** True when erase unit `index` lies entirely inside [start, start + size). */
export function unitInRegion(index: u32, start: u32, size: u32): boolean {
  if (index >= boardSectorCount() || size === 0) return false;
  const unit = boardSectorStart(index);
  return unit >= start && unit - start + boardSectorSize(index) <= size;
}

/** True when [address, address + length) lies inside [start, start + size) (and length > 0). */
export function inRegion(address: u32, length: u32, start: u32, size: u32): boolean {
  if (length === 0 || size === 0 || address < start) return false;
  return address - start + length <= size;
}

/** True when erase unit `index` lies entirely inside the application region. */
export function sectorInAppRegion(index: u32): boolean {
  if (index >= boardSectorCount()) return false;
  return inAppRegion(boardSectorStart(index), boardSectorSize(index));
}
