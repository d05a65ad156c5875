/**
 * Simulated NOR flash with the real rules: erase sets a whole sector to 0xFF, programming only clears bits
 * (programming a unit that is not erased is an error, as on L4 and H7, and caught by read-back on F4),
 * addresses must be aligned to the write unit, and nothing happens while the controller is locked.
 * Every erase and program is counted; a test can cut the power at operation N (MCUboot's simulator idea).
 */
import type { BoardLayout } from "./board-layout";

/** Status codes as in hal-bindings/include/tsboot_hal.h (HAL_OK, HAL_ERR_LOCKED, _PGA, _VERIFY, _ARG). */
export const FLASH_OK = 0;
export const FLASH_ERR_LOCKED = 2;
export const FLASH_ERR_ALIGNMENT = 4;
export const FLASH_ERR_NOT_ERASED = 9;
export const FLASH_ERR_ADDRESS = 8;
/** HAL_ERR_PROTECTED: the port refuses to touch the bootloader's own region. */
export const FLASH_ERR_PROTECTED = 10;

/** Thrown when the simulated power is cut: the operation that would have been number N never happens. */
export class PowerCut extends Error {
  constructor(readonly operation: number) {
    super(`power cut before flash operation ${operation}`);
  }
}

export class SimFlash {
  readonly bytes: Uint8Array;
  locked = true;
  operations = 0;
  /** Cut the power when the operation counter would reach this number (0: never). */
  cutPowerAt = 0;
  /** Make the next operations fail with this status (a controller reporting an error). */
  injectError = 0;
  readonly log: string[] = [];
  /** Option-byte write protection of the bootloader region. */
  protectedBootloader = false;
  /** An ECC double error seen by a read and not yet taken (L4/H7 models). */
  eccError = false;

  constructor(readonly board: BoardLayout, contents?: Uint8Array) {
    const size = board.sectors.reduce((n, s) => n + s.size, 0);
    this.bytes = contents ? Uint8Array.from(contents) : new Uint8Array(size).fill(0xff);
    if (this.bytes.length !== size) throw new Error(`flash image is ${this.bytes.length} bytes, the board has ${size}`);
  }

  private count(what: string): void {
    this.operations++;
    if (this.cutPowerAt !== 0 && this.operations >= this.cutPowerAt) throw new PowerCut(this.operations);
    this.log.push(what);
  }

  offsetOf(address: number): number {
    return address - this.board.flashBase;
  }

  unlock(): number {
    this.locked = false;
    return FLASH_OK;
  }

  lock(): void {
    this.locked = true;
  }

  eraseSector(index: number): number {
    if (this.locked) return FLASH_ERR_LOCKED;
    const sector = this.board.sectors[index];
    if (!sector) return FLASH_ERR_ADDRESS;
    this.count(`erase ${index}`);
    if (this.injectError) return this.injectError;
    this.bytes.fill(0xff, this.offsetOf(sector.start), this.offsetOf(sector.start) + sector.size);
    return FLASH_OK;
  }

  program(address: number, data: Uint8Array): number {
    if (this.locked) return FLASH_ERR_LOCKED;
    const unit = this.board.writeUnit;
    if (address % unit !== 0 || data.length % unit !== 0) return FLASH_ERR_ALIGNMENT;
    const offset = this.offsetOf(address);
    if (offset < 0 || offset + data.length > this.bytes.length) return FLASH_ERR_ADDRESS;
    for (let at = 0; at < data.length; at += unit) {
      this.count(`program 0x${(address + at).toString(16)}`);
      if (this.injectError) return this.injectError;
      for (let i = 0; i < unit; i++) {
        if (this.bytes[offset + at + i] !== 0xff) return FLASH_ERR_NOT_ERASED;
      }
      for (let i = 0; i < unit; i++) this.bytes[offset + at + i] &= data[at + i];
    }
    return FLASH_OK;
  }

  /** The port's last line of defence: nothing in the bootloader's region is erased or programmed. */
  touchesBootloader(address: number, length: number): boolean {
    const b = this.board.bootloader;
    return address < b.start + b.size && address + length > b.start;
  }

  bootloaderProtected(): boolean {
    return this.protectedBootloader;
  }

  protectBootloader(protect: boolean): number {
    this.protectedBootloader = protect;
    return FLASH_OK;
  }

  takeEccError(): boolean {
    const e = this.eccError;
    this.eccError = false;
    return e;
  }

  view(address: number, length: number): Uint8Array {
    const offset = this.offsetOf(address);
    if (offset < 0 || offset + length > this.bytes.length) throw new Error(`flash view 0x${address.toString(16)}+${length} outside flash`);
    return this.bytes.subarray(offset, offset + length);
  }
}
