/**
 * The service jumper J7: fitted, it ties PB5 to ground and the bootloader stays in update mode, saying
 * "update: service jumper". Read with tsboot's own pinRead (any pin, pulled up for the read), so ACME needs
 * no binding of its own for it. The pin is the board file's product.serviceJumper (the test checks that
 * they agree).
 */
import type { u8 } from "tsboot/runtime/index";
import { print } from "tsboot/runtime/index";
import { pinRead, Pull } from "tsboot/hal-bindings/system";

/** PB5 (port 0 = A), active low. */
export const JUMPER_PORT = 1;
export const JUMPER_PIN = 5;

/** ACME's update reason code (any nonzero u8 of the product's choosing). */
export const SERVICE_JUMPER = 1;

/** SERVICE_JUMPER while the jumper is fitted, else 0. */
export function jumperReason(): u8 {
  return pinRead(JUMPER_PORT, JUMPER_PIN, Pull.Up) ? 0 : SERVICE_JUMPER;
}

/** The reason's text in the boot banner. */
export function announceJumper(reason: u8): void {
  if (reason === SERVICE_JUMPER) print("service jumper");
}
