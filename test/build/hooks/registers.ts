import { mmioWrite32 } from "../../../runtime/index";
import type { i32, u8 } from "../../../runtime/index";
import { bootloaderMain as core } from "../../../bootloader-ts/main";
export function bootloaderMain(): void {
  core();
}
export function productUpdateReason(): u8 {
  mmioWrite32(0x40023c04, 0x45670123); // FLASH_KEYR: unlocking flash by hand
  return 0;
}
