/**
 * ACME's bootloader: tsboot's boot flow with one more reason to stay in update mode, the service jumper.
 * tsboot is a dependency (package.json); nothing of it is copied or edited here.
 */
import { bootloaderMain as tsbootMain } from "tsboot/bootloader-ts/main";
import { requestUpdateMode, serviceJumperFitted } from "./service-jumper";

export function bootloaderMain(): void {
  // TODO(tsboot extension points): register the jumper as a product update reason (with its own message)
  // once the core has a hook for it. Until then it asks for update mode through the update-request word,
  // which the core reads first, so the bootloader reports "requested by the application".
  if (serviceJumperFitted()) requestUpdateMode();
  tsbootMain();
}
