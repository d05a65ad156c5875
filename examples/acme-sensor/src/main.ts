/**
 * ACME's bootloader: tsboot's boot flow, plus what tsboot's hooks let a product add without editing tsboot
 * (docs/extending.md): a command of its own (GET_SERIAL) and a reason of its own to stay in update mode
 * (the service jumper). The hooks are the functions below, exported under the names tsboot looks for.
 * tsboot is a dependency (package.json); nothing of it is copied or edited here.
 */
import type { i32, u8 } from "tsboot/runtime/index";
import { bootloaderMain as tsbootMain } from "tsboot/bootloader-ts/main";
import { serialCommand } from "./serial";
import { announceJumper, jumperReason } from "./service-jumper";

export function bootloaderMain(): void {
  tsbootMain();
}

/** tsboot's hook for command codes 0x40-0x7F. */
export function productCommand(command: u8, payload: Uint8Array, reply: Uint8Array): i32 {
  return serialCommand(command, payload, reply);
}

/** tsboot's hook for a product's own update reason (0: none). */
export function productUpdateReason(): u8 {
  return jumperReason();
}

/** tsboot's hook for that reason's text, after "update: ". */
export function announceProductReason(reason: u8): void {
  announceJumper(reason);
}
