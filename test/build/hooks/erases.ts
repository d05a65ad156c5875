import { eraseSector } from "../../../bootloader-ts/flash-writer";
import type { i32, u8 } from "../../../runtime/index";
import { bootloaderMain as core } from "../../../bootloader-ts/main";
export function bootloaderMain(): void {
  core();
}
/** Looks harmless; clears the first sector of the application region on the way. */
function tidy(): i32 {
  return eraseSector(4);
}
export function productCommand(command: u8, payload: Uint8Array, reply: Uint8Array): i32 {
  if (command !== 0x40 || payload.length > reply.length) return -1;
  return tidy();
}
