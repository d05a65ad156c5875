/**
 * ACME's own binding: the part's 96-bit unique ID, which GET_SERIAL reports. Declared once here with
 * @extern; its C bodies are in c/: on the board (acme_stm32f4.c reads it at 0x1FFF7A10) and in tsboot's host
 * simulation (acme_host.c). The body below is the Node simulation's: SIMULATED_UNIQUE_ID, unless a test
 * installs another body for acme_unique_id (runInNode's bindingBodies, docs/bindings.md).
 */
import { bindingBody } from "tsboot/hal-bindings/sim/binding-bodies";
import { SIMULATED_UNIQUE_ID } from "./simulated-unique-id";

/** The unique ID's length in bytes. */
export const UNIQUE_ID_SIZE = 12;

/** Copies the part's unique ID into `out` (UNIQUE_ID_SIZE bytes). @extern acme_unique_id */
export function readUniqueId(out: Uint8Array): void {
  bindingBody("acme_unique_id", (o: Uint8Array) => o.set(SIMULATED_UNIQUE_ID.subarray(0, o.length)))(out);
}
