/**
 * For applications written in the subset: ask tsboot for an update — write the update-request word and
 * reset (tsboot_app.h from `tsboot app-kit` is the C equivalent). `flagAddress` is the board's
 * __tsboot_update_flag (boards/noinit.ts: 16 bytes below the top of RAM, in the no-init words).
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
