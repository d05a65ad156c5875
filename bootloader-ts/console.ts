/**
 * What the bootloader says on the console. It speaks only in update mode and before a session opens: in a
 * normal boot the line may belong to the application's peer, and inside a session the next byte on the
 * wire must be that protocol's reply.
 */
import { print } from "../runtime/index";
import { u32 } from "../runtime/index";
import { FaultKind, lastFaultDetail, lastFaultKind } from "./device-state";
import { writeByte } from "./uart-io";

/** Writes `value` as 0x followed by eight lowercase hex digits. */
export function printHex(value: u32): void {
  print("0x");
  for (let i: u32 = 0; i < 8; i++) {
    const digit = (value >>> (28 - i * 4)) & 15;
    writeByte(digit < 10 ? 0x30 + digit : 0x57 + digit); // '0' … '9', then 'a' (0x61 = 0x57 + 10) … 'f'
  }
}

/**
 * The fault or panic that ended the previous boot, if any: one line, such as "last boot ended by a hard
 * fault at pc 0x08008123". The five CPU faults share " fault at pc " (the NMI " at pc ").
 */
export function reportLastFault(): void {
  const kind = lastFaultKind();
  if (kind === FaultKind.None) return;
  print("last boot ended by ");
  switch (kind) {
    case FaultKind.HardFault:
      print("a hard fault");
      break;
    case FaultKind.Nmi:
      print("an NMI");
      break;
    case FaultKind.MemManage:
      print("a memory management fault");
      break;
    case FaultKind.BusFault:
      print("a bus fault");
      break;
    case FaultKind.UsageFault:
      print("a usage fault");
      break;
    case FaultKind.UnexpectedIrq:
      print("an unexpected interrupt, number ");
      break;
    case FaultKind.Panic:
      print("a panic, line ");
      break;
    case FaultKind.FlashStuck:
      print("a flash controller that stayed busy, status ");
      break;
    case FaultKind.Ecc:
      print("an ECC error at ");
      break;
    default:
      print("fault kind ");
      printHex(kind);
      print(", detail ");
      break;
  }
  if (kind <= FaultKind.UsageFault) print(" at pc ");
  printHex(lastFaultDetail());
  print("\r\n");
}
