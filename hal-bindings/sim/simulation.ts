/**
 * One simulated board: flash, UART, a virtual clock, the trigger pin and the RAM word that carries the
 * update request across a reset. The time model is shared with the host C simulation (hal-bindings/host/)
 * so that a scripted session gives byte-identical transcripts in both.
 */
import type { BoardLayout } from "./board-layout";
import { SimFlash } from "./flash";
import { SimUart } from "./uart";

/** Virtual time each simulated operation costs, in microseconds (hal-bindings/host/sim_time.h mirrors it). */
export const TIME = {
  pollUs: 10,
  readUs: 1,
  millisCallUs: 1,
  eraseSectorUs: 10_000,
  programUnitUs: 16,
} as const;

/** How a simulated run of the bootloader ended. */
export type Outcome =
  | { kind: "application"; stackPointer: number; resetHandler: number; vectorTable: number }
  | { kind: "reset" }
  | { kind: "power-cut"; operation: number }
  | { kind: "idle"; nowUs: number };

export class ApplicationStarted extends Error {
  constructor(readonly stackPointer: number, readonly resetHandler: number) {
    super("application started");
  }
}
export class SystemReset extends Error {
  constructor() {
    super("system reset");
  }
}
export class SimulationTimeout extends Error {
  constructor(readonly nowUs: number) {
    super(`simulation still running at ${nowUs} us`);
  }
}
/** The script is exhausted and the device has only polled an empty UART for `idleLimitUs`: the run ends. */
export class SimulationIdle extends Error {
  constructor(readonly nowUs: number) {
    super(`device idle at ${nowUs} us`);
  }
}

export class Simulation {
  nowUs = 0;
  readonly flash: SimFlash;
  readonly uart = new SimUart();
  triggerPressed = false;
  /** The RAM word an application sets before resetting to ask for an update. */
  updateFlag = 0;
  vectorTable = 0;
  clocksUp = false;
  tickRunning = false;
  interruptsEnabled = true;
  /** Called whenever the device polls the UART and finds nothing: a reactive host answers here. */
  onIdle: ((sim: Simulation) => void) | null = null;
  /** A run longer than this (virtual time) is stopped: a test never hangs. */
  limitUs = 600_000_000;
  /** With no input left and no reactive host, this much idle polling ends the run (SimulationIdle). */
  idleLimitUs = 20_000_000;
  private lastInputUs = 0;

  constructor(readonly board: BoardLayout, flashContents?: Uint8Array) {
    this.flash = new SimFlash(board, flashContents);
  }

  advance(us: number): void {
    this.nowUs += us;
    if (this.nowUs > this.limitUs) throw new SimulationTimeout(this.nowUs);
  }

  /** The device side of the UART: the next byte that has arrived, or -1. */
  readByte(): number {
    const next = this.uart.peek();
    if (next && next.availableAtUs <= this.nowUs) {
      this.uart.shift();
      this.advance(TIME.readUs);
      this.lastInputUs = this.nowUs;
      return next.value;
    }
    this.advance(TIME.pollUs);
    if (this.onIdle) this.onIdle(this);
    else if (this.uart.pending() === 0 && this.nowUs - this.lastInputUs > this.idleLimitUs) throw new SimulationIdle(this.nowUs);
    return -1;
  }

  /** The same flash and RAM flag, after a reset (power cut or software reset). */
  rebooted(): Simulation {
    const next = new Simulation(this.board, this.flash.bytes);
    next.updateFlag = this.updateFlag;
    return next;
  }
}
