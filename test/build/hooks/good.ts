import { i32, u8 } from "../../../runtime/index";
import { bootloaderMain as core } from "../../../bootloader-ts/main";
export function bootloaderMain(): void {
  core();
}
export function productCommand(command: u8, payload: Uint8Array, reply: Uint8Array): i32 {
  if (command !== 0x40) return -1;
  reply[0] = u8(payload.length);
  return 1;
}
export function productUpdateReason(): u8 {
  return 0;
}
