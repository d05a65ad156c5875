/**
 * What a product's hooks work with (docs/extending.md): the command codes the core leaves to products, and
 * how a product command answers. The hooks themselves are declared in hal-bindings/product.ts.
 */
import { i32, panic, u8 } from "../runtime/index";
import { Status } from "./status";

/** The command codes the core passes to productCommand; the core's own commands never use them. */
export const PRODUCT_COMMAND_FIRST = 0x40;
export const PRODUCT_COMMAND_LAST = 0x7f;

/** productCommand's answer for a code the product does not know either: the core NACKs UnknownCommand. */
export const NOT_A_PRODUCT_COMMAND: i32 = -1;

/** productCommand's answer for a refused request: the core NACKs with `status`. */
export function refuse(status: Status): i32 {
  return -0x100 - status;
}

/** True when `command` is in the range the core leaves to products. */
export function isProductCommand(command: u8): boolean {
  return command >= PRODUCT_COMMAND_FIRST && command <= PRODUCT_COMMAND_LAST;
}

/**
 * The NACK status of a negative productCommand answer (NOT_A_PRODUCT_COMMAND or refuse()'s). Any other
 * negative answer is a bug in the product's hook: it panics, in Node as on the board, so tests see it.
 */
export function refusedStatus(answer: i32): u8 {
  if (answer === NOT_A_PRODUCT_COMMAND) return Status.UnknownCommand;
  if (answer < -0x100 - 0xff || answer > -0x100) panic("product command: bad answer"); // short: it is in the image
  return u8(-0x100 - answer);
}
