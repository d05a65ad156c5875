/**
 * Starting the application: put back what the bootloader changed (UART, SysTick, clocks: the application
 * starts as if from reset, on HSI), point VTOR at its vector table, load its stack pointer, branch.
 * The bootloader enables no NVIC interrupt (it polls), so once SysTick is off nothing can fire and
 * interrupts are re-enabled before the branch: an application that never calls __enable_irq still works.
 */
import { dataSyncBarrier, disableInterrupts, enableInterrupts, instructionSyncBarrier, setVectorTable, startApplication } from "../runtime/index";
import { boardAppStart } from "../hal-bindings/board";
import { flashView } from "../hal-bindings/flash";
import { clockDeinit, tickDeinit } from "../hal-bindings/system";
import { uartDeinit, uartFlush } from "../hal-bindings/uart";
import { readU32LE } from "./bytes";

export function launchApplication(): never {
  const app = boardAppStart();
  const vectors = flashView(app, 8);
  const stack = readU32LE(vectors, 0);
  const reset = readU32LE(vectors, 4);
  uartFlush();
  disableInterrupts();
  uartDeinit();
  tickDeinit();
  clockDeinit();
  setVectorTable(app);
  dataSyncBarrier();
  instructionSyncBarrier();
  enableInterrupts();
  startApplication(stack, reset);
}
