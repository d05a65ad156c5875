/**
 * A probe program for both simulations (compiled to C by the tsboot compiler, and run as it is in Node):
 * what a receiver keeps of bytes that arrive while the CPU stalls on flash programming.
 *
 * The host sends 100 bytes from 2 ms and 100 more from 50 ms (test/host-sim/model-parity.test.ts).
 *   polled: from 1 ms the CPU programs 200 words (at the datasheet's maximum, 100 us each: 20 ms of
 *           stall), then reads the receive register until it is empty (what is left of the burst is
 *           drained at 30 ms);
 *   DMA:    reception into RING starts at 40 ms, then the same 200 words, then the ring's head at 80 ms.
 * It prints "polled N errors E dma M errors F" and resets.
 */
import { print, printInt, u32 } from "../../../../runtime/index";
import { boardAppStart } from "../../../../hal-bindings/board";
import { flashLock, flashProgram, flashUnlock } from "../../../../hal-bindings/flash";
import { millis, systemReset } from "../../../../hal-bindings/system";
import { uartInit, uartRead, uartRxHead, uartRxStart, uartTakeErrors } from "../../../../hal-bindings/uart";

const RING = new Uint8Array(256);
const WORD = new Uint8Array(4);

function waitUntilMs(ms: u32): void {
  while (millis() < ms) {
    // busy: the CPU polls the clock
  }
}

function programWords(address: u32, count: u32): void {
  for (let i: u32 = 0; i < count; i++) {
    flashUnlock();
    flashProgram(address + i * 4, WORD);
    flashLock();
  }
}

export function bootloaderMain(): void {
  uartInit(115200, false);
  waitUntilMs(1);
  programWords(boardAppStart(), 200);
  let polled: u32 = 0;
  while (uartRead() >= 0) polled++;
  const polledErrors = uartTakeErrors();
  // What is left of the first burst, whatever the timing: drained before the DMA part.
  waitUntilMs(30);
  while (uartRead() >= 0) {
    // dropped
  }
  uartTakeErrors();
  waitUntilMs(40);
  uartRxStart(RING);
  programWords(boardAppStart() + 1024, 200);
  waitUntilMs(80);
  const dma = uartRxHead();
  const dmaErrors = uartTakeErrors();
  print("polled ");
  printInt(polled);
  print(" errors ");
  printInt(polledErrors);
  print(" dma ");
  printInt(dma);
  print(" errors ");
  printInt(dmaErrors);
  print("\r\n");
  systemReset();
}
