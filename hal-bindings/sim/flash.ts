/**
 * Simulated NOR flash with the real rules: erase sets a whole sector to 0xFF, programming only clears bits
 * (programming a unit that is not erased is an error, as on L4 and H7, and caught by read-back on F4),
 * addresses must be aligned to the write unit, and nothing happens while the controller is locked.
 * Every erase and programmed unit is counted; a test can cut the power at operation N (MCUboot's
 * simulator idea), before it or inside it.
 *
 * Cut inside, an operation is torn (hal-bindings/host/sim_flash.c tears the same bytes with the same
 * random numbers; `progress` is how far it got, 0 … 65536):
 *   - a programmed unit: each bit that was to be programmed ends programmed, not programmed, or weak;
 *   - an erased sector: each byte ends erased, still old, or partly erased (some of its 0 bits now 1,
 *     some weak, the rest still 0).
 * A weak bit is a cell left between the two states: it reads as a random level, and as a new random level
 * after every reset (powerOn). Programming a 0 into it, or erasing its sector, makes it solid again. On
 * families with ECC (L4, H7) a torn unit also reads as an ECC double error until its sector is erased.
 * This class keeps the memory; Simulation times the operations and decides where they are cut.
 */
import { bankSwapSize, hasFlashEcc, type BoardLayout } from "./board-layout";
import type { Rng } from "./rng";

/** Status codes as in hal-bindings/include/tsboot_hal.h (HAL_OK, HAL_ERR_LOCKED, _PGA, _VERIFY, _ARG). */
export const FLASH_OK = 0;
export const FLASH_ERR_LOCKED = 2;
export const FLASH_ERR_ALIGNMENT = 4;
export const FLASH_ERR_NOT_ERASED = 9;
export const FLASH_ERR_ADDRESS = 8;
/** HAL_ERR_PROTECTED: the port refuses to touch the bootloader's own region. */
export const FLASH_ERR_PROTECTED = 10;

/** Thrown when the simulated power is cut: before operation N (it never happens), or inside it (torn). */
export class PowerCut extends Error {
  constructor(
    readonly operation: number,
    readonly inside = false,
  ) {
    super(`power cut ${inside ? "inside" : "before"} flash operation ${operation}`);
  }
}

export class SimFlash {
  readonly bytes: Uint8Array;
  /** Weak bits of each byte (reads random, re-read after each reset). */
  readonly weak: Uint8Array;
  /** ECC families: write units torn by a cut (reading one is an ECC double error), by unit index. */
  readonly eccTorn: Uint8Array;
  readonly ecc: boolean;
  locked = true;
  operations = 0;
  /** Cut the power at this operation (0: never): before it, or inside it when cutInside. */
  cutPowerAt = 0;
  cutInside = false;
  /** Make the next operations fail with this status (a controller reporting an error). */
  injectError = 0;
  readonly log: string[] = [];
  /** Option-byte write protection of the bootloader region. */
  protectedBootloader = false;
  /** An ECC double error seen by a read and not yet taken (L4/H7 models). */
  eccError = false;
  /**
   * Bank-swap boards (STM32H7 SWAP_BANK): the option bit (FLASH_OPTSR SWAP_BANK_OPT), which survives
   * resets and power cuts, and the mapping in force since the last reset (FLASH_OPTCR.SWAP_BANK), which
   * the reset latches from it. Swapped, every address of bank 1 reaches bank 2's memory and the other way
   * round; `bytes` is the physical memory, bank 1 first.
   */
  swapBankOption = false;
  bankSwapped = false;

  constructor(
    readonly board: BoardLayout,
    contents?: Uint8Array,
  ) {
    const size = board.sectors.reduce((n, s) => n + s.size, 0);
    this.bytes = contents ? Uint8Array.from(contents) : new Uint8Array(size).fill(0xff);
    if (this.bytes.length !== size) throw new Error(`flash image is ${this.bytes.length} bytes, the board has ${size}`);
    this.weak = new Uint8Array(size);
    this.ecc = hasFlashEcc(board);
    this.eccTorn = new Uint8Array(Math.ceil(size / board.writeUnit));
  }

  /** The physical offset in `bytes` of a bus address, through the bank mapping in force. */
  offsetOf(address: number): number {
    const offset = address - this.board.flashBase;
    const bank = bankSwapSize(this.board);
    if (!this.bankSwapped || bank === 0 || offset < 0 || offset >= 2 * bank) return offset;
    return offset < bank ? offset + bank : offset - bank;
  }

  unlock(): number {
    this.locked = false;
    return FLASH_OK;
  }

  lock(): void {
    this.locked = true;
  }

  /** Counts an operation; throws PowerCut when the power goes before it. Returns its number. */
  count(what: string): number {
    this.operations++;
    if (this.cutPowerAt !== 0 && !this.cutInside && this.operations >= this.cutPowerAt) throw new PowerCut(this.operations);
    this.log.push(what);
    return this.operations;
  }

  /** True when the power goes inside operation `op`. */
  cutsInside(op: number): boolean {
    return this.cutInside && this.cutPowerAt === op;
  }

  /** The checks before an erase is counted: locked, unknown index. */
  eraseRefused(index: number): number {
    if (this.locked) return FLASH_ERR_LOCKED;
    if (!this.board.sectors[index]) return FLASH_ERR_ADDRESS;
    return FLASH_OK;
  }

  /** The checks before any unit of a program is counted: locked, alignment, range. */
  programRefused(address: number, length: number): number {
    if (this.locked) return FLASH_ERR_LOCKED;
    const unit = this.board.writeUnit;
    if (address % unit !== 0 || length % unit !== 0) return FLASH_ERR_ALIGNMENT;
    const offset = this.offsetOf(address);
    if (offset < 0 || offset + length > this.bytes.length) return FLASH_ERR_ADDRESS;
    return FLASH_OK;
  }

  unitErased(offset: number): boolean {
    for (let i = 0; i < this.board.writeUnit; i++) if (this.bytes[offset + i] !== 0xff) return false;
    return true;
  }

  /** A complete erase. */
  erase(index: number): void {
    const s = this.board.sectors[index];
    const from = this.offsetOf(s.start);
    this.bytes.fill(0xff, from, from + s.size);
    this.weak.fill(0, from, from + s.size);
    if (this.ecc) this.eccTorn.fill(0, from / this.board.writeUnit, (from + s.size) / this.board.writeUnit);
  }

  /** A complete program of one erased unit: 0 bits become solid 0. */
  programUnit(offset: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      this.bytes[offset + i] &= data[i];
      this.weak[offset + i] &= data[i];
    }
  }

  /** A unit program cut at `progress` (0 … 65536). */
  tearProgram(offset: number, data: Uint8Array, progress: number, rng: Rng): void {
    for (let i = 0; i < data.length; i++) {
      let value = this.bytes[offset + i];
      let weak = this.weak[offset + i];
      for (let bit = 0; bit < 8; bit++) {
        const mask = 1 << bit;
        if (data[i] & mask) continue;
        const r = rng.next16();
        if (r * 4 < progress * 3) {
          value &= ~mask;
          weak &= ~mask;
        } else if (r * 4 < progress * 3 + 65536) {
          weak |= mask;
          value = rng.next() & 1 ? value | mask : value & ~mask;
        }
      }
      this.bytes[offset + i] = value;
      this.weak[offset + i] = weak;
    }
    if (this.ecc) this.eccTorn[offset / this.board.writeUnit] = 1;
  }

  /** A sector erase cut at `progress` (0 … 65536). */
  tearErase(index: number, progress: number, rng: Rng): void {
    const s = this.board.sectors[index];
    const from = this.offsetOf(s.start);
    for (let o = from; o < from + s.size; o++) {
      const c = rng.next16();
      if (c < progress) {
        this.bytes[o] = 0xff;
        this.weak[o] = 0;
      } else if (2 * c >= progress + 65536) {
        let value = this.bytes[o];
        let weak = this.weak[o];
        for (let bit = 0; bit < 8; bit++) {
          const mask = 1 << bit;
          if (value & mask) continue;
          const r = rng.next() & 3;
          if (r === 0) value |= mask;
          else if (r === 1) {
            weak |= mask;
            if (rng.next() & 1) value |= mask;
          }
        }
        this.bytes[o] = value;
        this.weak[o] = weak;
      }
    }
    if (this.ecc) {
      const unit = this.board.writeUnit;
      for (let o = from; o < from + s.size; o += unit) {
        let clean = true;
        for (let i = 0; i < unit; i++) if (this.bytes[o + i] !== 0xff || this.weak[o + i] !== 0) clean = false;
        this.eccTorn[o / unit] = clean ? 0 : 1;
      }
    }
  }

  /** After a reset, every weak bit reads a new random level. */
  powerOn(rng: Rng): void {
    for (let o = 0; o < this.weak.length; o++) {
      const w = this.weak[o];
      if (w !== 0) this.bytes[o] = (this.bytes[o] & ~w) | (rng.next() & w);
    }
  }

  weakBits(): number {
    let n = 0;
    for (const w of this.weak) for (let v = w; v; v &= v - 1) n++;
    return n;
  }

  /**
   * The port's last line of defence: nothing in the bootloader's region is erased or programmed (on a
   * bank-swap board, nor in its copy one bank up, whichever bank is mapped first).
   */
  touchesBootloader(address: number, length: number): boolean {
    const b = this.board.bootloader;
    const touches = (start: number) => address < start + b.size && address + length > start;
    const bank = bankSwapSize(this.board);
    return touches(b.start) || (bank !== 0 && touches(b.start + bank));
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

  /** A read: on ECC families a torn unit in the range is an ECC double error. */
  view(address: number, length: number): Uint8Array {
    const offset = this.offsetOf(address);
    if (offset < 0 || offset + length > this.bytes.length) throw new Error(`flash view 0x${address.toString(16)}+${length} outside flash`);
    if (this.ecc && length > 0) {
      const unit = this.board.writeUnit;
      for (let u = Math.floor(offset / unit); u * unit < offset + length; u++) {
        if (this.eccTorn[u]) {
          this.eccError = true;
          break;
        }
      }
    }
    return this.bytes.subarray(offset, offset + length);
  }
}
