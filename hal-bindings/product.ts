/**
 * The core's view of a product's hooks (docs/extending.md). A product's entry exports functions under these
 * names; the build links them here (host/build/product-hooks.ts writes tsboot_product_hooks.c), and a build
 * whose entry exports none links defaults that answer as the core alone does. In Node the bodies below call
 * the hooks installed with installProductHooks (hal-bindings/sim/product-hooks.ts).
 */
import type { i32, u8 } from "../runtime/index";
import { productHooks } from "./sim/product-hooks";

/**
 * A native-protocol command the core does not know (only codes 0x40-0x7F get here): its reply length in
 * `reply`, or a NACK (bootloader-ts/product.ts). @extern tsboot_product_command
 */
export function productCommand(command: u8, payload: Uint8Array, reply: Uint8Array): i32 {
  const hook = productHooks().productCommand;
  return hook ? hook(command, payload, reply) : -1;
}

/** The product's own reason to stay in update mode (0: none). @extern tsboot_product_update_reason */
export function productUpdateReason(): u8 {
  const hook = productHooks().productUpdateReason;
  return hook ? hook() : 0;
}

/** Prints the product's reason after "update: " in the boot text. @extern tsboot_announce_product_reason */
export function announceProductReason(reason: u8): void {
  const hook = productHooks().announceProductReason;
  if (hook) hook(reason);
}
