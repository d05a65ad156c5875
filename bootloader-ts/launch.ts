/**
 * Starting the application: put back what the bootloader changed (the UART, its pins and their clocks,
 * SysTick, the clocks: the application starts as if from reset, on the reset clock), clear every NVIC
 * interrupt (enabled and pending) and, where the part has them, switch the caches and the MPU off; then
 * point the vector table at the application's, load its stack pointer and branch. Interrupts are enabled
 * again before the branch (nothing can fire: SysTick is off and the NVIC is clear), so an application that
 * never calls __enable_irq still works. A running watchdog cannot be stopped: it is refreshed last, so the
 * application starts with a whole period. A trial image is recorded as started first (slots.ts).
 */
import { dataSyncBarrier, disableInterrupts, enableInterrupts, instructionSyncBarrier, startApplication } from "../runtime/index";
import { boardAppStart } from "../hal-bindings/board";
import { flashView } from "../hal-bindings/flash";
import { clockDeinit, cpuQuiesce, tickDeinit, vectorTableSet, watchdogRefresh } from "../hal-bindings/system";
import { uartDeinit, uartFlush } from "../hal-bindings/uart";
import { readU32LE } from "./bytes";
import { prepareLaunch } from "./slots";

export function launchApplication(): never {
  prepareLaunch();
  const app = boardAppStart();
  const vectors = flashView(app, 8);
  const stack = readU32LE(vectors, 0);
  const reset = readU32LE(vectors, 4);
  uartFlush();
  disableInterrupts();
  uartDeinit();
  tickDeinit();
  clockDeinit();
  cpuQuiesce();
  vectorTableSet(app);
  dataSyncBarrier();
  instructionSyncBarrier();
  watchdogRefresh();
  enableInterrupts();
  startApplication(stack, reset);
}
