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
  /** hal_port_cpu_quiesce ran (NVIC cleared) since the last reset. */
  cpuQuiesced = false;
  /** The independent watchdog: started by the option bytes (hardware) or by the bootloader. */
  readonly watchdog = { hardware: false, running: false, periodMs: 0, refreshedAtUs: 0, refreshes: 0, longestGapUs: 0 };
  /** The reset controller's flags for this boot (HAL_RESET_* bits of tsboot_hal.h). */
  resetCauseBits = 0x02;
  /** The fault record the previous boot left in no-init RAM. */
  fault = { kind: 0, detail: 0 };
  /** What the bootloader published for a trial image's confirmation (address 0: not on trial). */
  trialPublished = { address: 0, id: 0 };
  /** Line errors (UART_ERR bits) not yet taken. */
  uartErrors = 0;
  /** The reception ring given to uartRxStart, and how many bytes reception has written into it. */
  private rxRing: Uint8Array | null = null;
  private rxWritten = 0;
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

  uartInit(baud: number, evenParity: boolean): void {
    this.uart.baud = baud;
    this.uart.evenParity = evenParity;
    this.uart.enabled = true;
  }

  uartWrite(value: number): void {
    this.uart.tx.push(value & 0xff);
  }

  uartFlush(): void {}

  uartDeinit(): void {
    this.uart.enabled = false;
    this.rxRing = null;
  }

  uartTakeErrors(): number {
    const e = this.uartErrors;
    this.uartErrors = 0;
    return e;
  }

  uartRxStart(ring: Uint8Array): void {
    this.rxRing = ring;
    this.rxWritten = 0;
  }

  /** Reception by DMA: every byte that has arrived by now is in the ring, whatever the CPU was doing. */
  uartRxHead(): number {
    const ring = this.rxRing;
    if (!ring) throw new Error("uartRxHead() before uartRxStart()");
    const next = this.uart.peek();
    if (next && next.availableAtUs <= this.nowUs) {
      while (true) {
        const b = this.uart.peek();
        if (!b || b.availableAtUs > this.nowUs) break;
        this.uart.shift();
        ring[this.rxWritten % ring.length] = b.value;
        this.rxWritten++;
      }
      this.advance(TIME.readUs);
      this.lastInputUs = this.nowUs;
    } else {
      this.advance(TIME.pollUs);
      if (this.onIdle) this.onIdle(this);
      else if (this.uart.pending() === 0 && this.nowUs - this.lastInputUs > this.idleLimitUs) throw new SimulationIdle(this.nowUs);
    }
    return this.rxWritten % ring.length;
  }

  watchdogStart(timeoutMs: number): void {
    const w = this.watchdog;
    w.running = true;
    w.periodMs = Math.min(Math.max(timeoutMs, 1), 32_768);
    w.refreshedAtUs = this.nowUs;
  }

  watchdogRefresh(): void {
    const w = this.watchdog;
    if (w.running) w.longestGapUs = Math.max(w.longestGapUs, this.nowUs - w.refreshedAtUs);
    w.refreshedAtUs = this.nowUs;
    w.refreshes++;
  }

  /** The same flash and RAM flag, after a reset (power cut or software reset). */
  rebooted(): Simulation {
    const next = new Simulation(this.board, this.flash.bytes);
    next.updateFlag = this.updateFlag;
    next.watchdog.hardware = this.watchdog.hardware;
    next.flash.protectedBootloader = this.flash.protectedBootloader;
    next.trialPublished = { ...this.trialPublished }; // no-init RAM survives a reset
    return next;
  }
}
