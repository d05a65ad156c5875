/**
 * For applications written in the subset: ask tsboot for an update — write the update-request word and
 * reset (apps/include/tsboot_app.h is the C equivalent). `flagAddress` is the board's
 * __tsboot_update_flag (boards/linker.ts: the first of the 16 no-init bytes at the top of RAM).
 */
import { dataSyncBarrier, mmioWrite32, u32 } from "../../runtime/index";
import { UPDATE_REQUEST_MAGIC } from "../config";

const SCB_AIRCR = 0xe000ed0c;
const AIRCR_SYSRESETREQ = 0x05fa0004;

export function requestUpdate(flagAddress: u32): never {
  mmioWrite32(flagAddress, UPDATE_REQUEST_MAGIC);
  dataSyncBarrier();
  mmioWrite32(SCB_AIRCR, AIRCR_SYSRESETREQ);
  dataSyncBarrier();
  while (true) {}
}
