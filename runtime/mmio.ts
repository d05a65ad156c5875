/**
 * Volatile register access. In C each call is one volatile load or store of the given width at the address.
 * In Node the access goes to the bus that the simulation installs (setMmioBus); with none installed it is
 * an error, so a host test can never read a register it did not model.
 */
import type { u8, u16, u32 } from "./ints";

export interface MmioBus {
  read(address: number, width: 8 | 16 | 32): number;
  write(address: number, width: 8 | 16 | 32, value: number): void;
}

const unmapped: MmioBus = {
  read(address) {
    throw new Error(`MMIO read at 0x${address.toString(16)} with no simulated bus installed`);
  },
  write(address) {
    throw new Error(`MMIO write at 0x${address.toString(16)} with no simulated bus installed`);
  },
};
let bus: MmioBus = unmapped;

/** Installs the simulated bus for Node runs; returns the previous one. Not callable from compiled code. */
export function setMmioBus(next: MmioBus | null): MmioBus {
  const previous = bus;
  bus = next ?? unmapped;
  return previous;
}

/** @intrinsic */
export function mmioRead8(address: u32): u8 {
  return bus.read(address >>> 0, 8) & 0xff;
}
/** @intrinsic */
export function mmioRead16(address: u32): u16 {
  return bus.read(address >>> 0, 16) & 0xffff;
}
/** @intrinsic */
export function mmioRead32(address: u32): u32 {
  return bus.read(address >>> 0, 32) >>> 0;
}
/** @intrinsic */
export function mmioWrite8(address: u32, value: u8): void {
  bus.write(address >>> 0, 8, value & 0xff);
}
/** @intrinsic */
export function mmioWrite16(address: u32, value: u16): void {
  bus.write(address >>> 0, 16, value & 0xffff);
}
/** @intrinsic */
export function mmioWrite32(address: u32, value: u32): void {
  bus.write(address >>> 0, 32, value >>> 0);
}
