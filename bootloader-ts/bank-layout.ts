/**
 * Where things are on a board that installs by the hardware bank swap (docs/slots.md). Both banks hold the
 * same layout: bootloader, one half of the status log, an image. Whichever bank the option bit maps at the
 * flash base runs; the other bank's image region, one bank size up, is the secondary slot. The status log's
 * halves stay where they physically are: half h is the config region of bank h + 1, at the address the
 * mapping in force gives it, so the log reads the same before and after a swap.
 */
import { u32 } from "../runtime/index";
import { boardBankSwapSize, boardConfigSize, boardConfigStart } from "../hal-bindings/board";
import { flashBankSwapped } from "../hal-bindings/flash";
import { inRegion } from "./layout";

/** The board installs by the bank swap (board data: slots.strategy "bank-swap"). */
export function bankSwapBoard(): boolean {
  return boardBankSwapSize() !== 0;
}

/** The address of status-log half `h` (0 or 1): the config region of physical bank h + 1. */
export function bankConfigHalfStart(h: u32): u32 {
  const physicalBank2 = (h === 1) !== flashBankSwapped();
  return physicalBank2 ? boardConfigStart() + boardBankSwapSize() : boardConfigStart();
}

/** True when the range lies in the config region's twin one bank up (the status log's other half). */
export function inConfigTwin(address: u32, length: u32): boolean {
  const bank = boardBankSwapSize();
  return bank !== 0 && inRegion(address, length, boardConfigStart() + bank, boardConfigSize());
}
