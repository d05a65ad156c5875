/**
 * The flash port the portable bootloader uses (MCUboot's flash_area idea, at register level in C):
 * unlock, erase one sector, program whole write units, lock, and a read-only view of flash memory.
 * Status codes: 0 is success; see hal-bindings/include/tsboot_hal.h for the rest.
 */
import type { u32 } from "../runtime/index";
import { simulation } from "./sim/current";
import { TIME } from "./sim/simulation";

/** @extern hal_flash_unlock */
export function flashUnlock(): u32 {
  return simulation().flash.unlock();
}

/** @extern hal_flash_lock */
export function flashLock(): void {
  simulation().flash.lock();
}

/** Erases erase unit `index` of the board's flash map (not the hardware number). @extern hal_flash_erase */
export function flashErase(index: u32): u32 {
  const sim = simulation();
  const status = sim.flash.eraseSector(index);
  sim.advance(TIME.eraseSectorUs);
  return status;
}

/**
 * Programs `data` at `address`; both aligned to the board's write unit, the flash there erased.
 * @extern hal_flash_program
 */
export function flashProgram(address: u32, data: Uint8Array): u32 {
  const sim = simulation();
  const status = sim.flash.program(address, data);
  sim.advance(TIME.programUnitUs * Math.ceil(data.length / sim.board.writeUnit));
  return status;
}

/** A read-only view of flash memory (in C, the memory-mapped flash itself). Never write through it. @extern hal_flash_view @pure */
export function flashView(address: u32, length: u32): Uint8Array {
  return simulation().flash.view(address, length);
}
