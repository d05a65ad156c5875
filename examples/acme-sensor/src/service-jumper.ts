/**
 * ACME's own bindings: the service jumper J7 (PB5 to ground, the board file's product.serviceJumper), and
 * a way to ask for update mode. Each is declared once here with @extern. Its C bodies are in c/: on the
 * board (service_jumper_stm32f4.c) and in tsboot's host simulation (service_jumper_host.c). The function
 * body below is the Node simulation's.
 */
import { UPDATE_REQUEST_MAGIC } from "tsboot/bootloader-ts/config";
import { simulation } from "tsboot/hal-bindings/sim/current";
import { acmeSim } from "./sim-state";

/** True while the service jumper is fitted. @extern acme_service_jumper_fitted */
export function serviceJumperFitted(): boolean {
  return acmeSim.jumperFitted;
}

/**
 * Asks the core for update mode the way an application does: the update-request word in no-init RAM.
 * @extern acme_request_update_mode
 */
export function requestUpdateMode(): void {
  simulation().updateFlag = UPDATE_REQUEST_MAGIC;
}
