import type { i32, u8 } from "../../../runtime/index";
import { bootloaderMain as core } from "../../../bootloader-ts/main";
export function bootloaderMain(): void {
  core();
}
/** No hooks of its own: the core answers alone. */
