/**
 * GET_SERIAL, ACME's own native-protocol command: no payload; the reply is the part's 96-bit unique ID,
 * which the production line records against the serial number it prints on the label.
 */
import type { i32, u8 } from "tsboot/runtime/index";
import { NOT_A_PRODUCT_COMMAND, refuse } from "tsboot/bootloader-ts/product";
import { Status } from "tsboot/bootloader-ts/status";
import { readUniqueId, UNIQUE_ID_SIZE } from "./unique-id";

/** In the range tsboot leaves to products (0x40-0x7F). */
export const GET_SERIAL = 0x40;

/** Answers GET_SERIAL; any other code is not ACME's either. */
export function serialCommand(command: u8, payload: Uint8Array, reply: Uint8Array): i32 {
  if (command !== GET_SERIAL) return NOT_A_PRODUCT_COMMAND;
  if (payload.length !== 0) return refuse(Status.BadLength);
  readUniqueId(reply.subarray(0, UNIQUE_ID_SIZE));
  return UNIQUE_ID_SIZE;
}
