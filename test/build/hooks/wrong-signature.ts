import type { i32, u8 } from "../../../runtime/index";
import { bootloaderMain as core } from "../../../bootloader-ts/main";
export function bootloaderMain(): void {
  core();
}
export function productCommand(command: u8, payload: Uint8Array): i32 {
  return payload.length > 0 ? command : -1;
}
