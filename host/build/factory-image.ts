/**
 * The factory image of a bank-swap board: the bootloader at the start of both banks, as one Intel HEX file.
 *
 * On a bank-swap board (docs/slots.md) each bank starts with the same bootloader, because after a swap the
 * CPU boots from the other bank. The bootloader never writes either copy (a power cut there would leave the
 * bank that boots next half written), so the factory programs both, and `bootloader-factory.hex` lets one
 * programmer step do it: STM32CubeProgrammer (`-w bootloader-factory.hex`), st-flash (`--format ihex`),
 * OpenOCD (`program`), or stm32flash over the ROM bootloader. The bootloader refuses to start a swap while the
 * two copies differ, so a device provisioned without this step stays on its current image (INSTALL: bad state).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import MemoryMap from "nrf-intel-hex";
import type { Board } from "../../boards/index";

export const FACTORY_HEX = "bootloader-factory.hex";

/** Where the bootloader's copies go: its own start, and the same offset in every other bank. */
export function bootloaderCopies(board: Board): number[] {
  if (board.slotStrategy !== "bank-swap") return [board.memoryMap.bootloader.start];
  const banks = board.flash.size / board.bankSize;
  return Array.from({ length: banks }, (_, bank) => board.memoryMap.bootloader.start + bank * board.bankSize);
}

/**
 * Writes outDir/bootloader-factory.hex from the built bootloader.bin on a bank-swap board, and returns its
 * path; on any other board the bootloader's own .hex is the factory image, and this returns null.
 */
export function writeFactoryImage(board: Board, bin: string, outDir: string): string | null {
  if (board.slotStrategy !== "bank-swap") return null;
  const image = new Uint8Array(fs.readFileSync(bin));
  if (image.length > board.memoryMap.bootloader.size) {
    throw new Error(`${bin} is ${image.length} bytes, more than the ${board.memoryMap.bootloader.size}-byte bootloader region of ${board.name}`);
  }
  const map = new MemoryMap(bootloaderCopies(board).map((start) => [start, image] as [number, Uint8Array]));
  const file = path.join(outDir, FACTORY_HEX);
  fs.writeFileSync(file, map.asHexString() + "\n");
  return file;
}
