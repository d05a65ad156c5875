/**
 * One simulated board: flash, UART, a virtual clock, the input pins, the independent watchdog and the RAM
 * words that survive a reset (the update request, the fault record). The time model is shared with the
 * host C simulation (hal-bindings/host/) so that a scripted session gives byte-identical transcripts in both.
 *
 * Time (a nanosecond clock; nowUs is its microseconds):
 *   - the CPU's own work costs TIME (a poll, a read, a millis call);
 *   - an erase or a program stalls the CPU for the part's datasheet time (flash-timing.ts, typ/max/none):
 *     the time passes in one block, nothing the CPU does happens meanwhile, while the line, the DMA and
 *     the watchdog go on;
 *   - the UART takes its frame time per byte, both ways (uart.ts).
 * A running watchdog that is not refreshed within its period resets the device (inside a flash operation
 * it tears it, like a power cut); the next boot's reset cause says so.
 */
import { bankSwapSize, hasFlashEcc, type BoardLayout } from "./board-layout";
import { FLASH_ERR_NOT_ERASED, FLASH_OK, PowerCut, SimFlash } from "./flash";
import { boardFlashTiming, type BoardFlashTiming, type FlashTimingMode } from "./flash-timing";
import { Pins } from "./pins";
import { mixSeed, Rng, SALT_POWER_ON, SALT_TORN_OPERATION } from "./rng";
import { SimUart } from "./uart";

/** Virtual time each simulated CPU operation costs, in microseconds (hal-bindings/host/sim_time.h mirrors it). */
export const TIME = {
  pollUs: 10,
  readUs: 1,
  millisCallUs: 1,
} as const;

/** The IWDG after a reset when the option bytes start it: prescaler /4, reload 0xFFF at the LSI's 32 kHz. */
export const WATCHDOG_RESET_PERIOD_MS = 512;
/** The longest IWDG period (prescaler /256, reload 0xFFF): hal_port_watchdog_start caps at this. */
export const WATCHDOG_LONGEST_MS = 32768;

/**
 * How long an option-byte change keeps OPT_BUSY set (the CPU polls it): RM0433 and DS12110 give no figure;
 * about 300 ms on silicon (docs/hal-stm32h7.md), 1 s the driver's bound. hal-bindings/host/sim_time.h mirrors it.
 */
export const OPTION_CHANGE_US = { typ: 300_000, max: 1_000_000, none: 0 } as const;
/** HAL_ERR_ARG: the part has no bank swap. */
export const FLASH_ERR_ARG = 1;

/** HAL_RESET_* bits (tsboot_hal.h). */
export const RESET_POWER_ON = 0x02;
export const RESET_SOFTWARE = 0x04;
export const RESET_IWDG = 0x08;
/** HAL_FAULT_PANIC: a panic's fault record (detail: the TypeScript line). */
export const FAULT_PANIC = 7;

export type ResetReason = "software" | "watchdog" | "panic";

/** How a simulated run of the bootloader ended. */
export type Outcome =
  | { kind: "application"; stackPointer: number; resetHandler: number; vectorTable: number }
  | { kind: "reset"; reason?: ResetReason; line?: number; message?: string }
  | { kind: "power-cut"; operation: number; inside?: boolean }
  | { kind: "idle"; nowUs: number };

/** How a boot ended, for the next one: what its reset cause and no-init RAM will be. */
export type Ending =
  | { kind: "power-cut" }
  | { kind: "reset"; reason: ResetReason; line?: number; message?: string }
  | { kind: "other" };

export class ApplicationStarted extends Error {
  constructor(
    readonly stackPointer: number,
    readonly resetHandler: number,
  ) {
    super("application started");
  }
}
export class SystemReset extends Error {
  constructor() {
    super("system reset");
  }
}
/** The watchdog was not refreshed in time: the device reset (the clock stands at the moment it fired). */
export class WatchdogReset extends Error {
  constructor(readonly nowUs: number) {
    super(`watchdog reset at ${nowUs} us`);
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

/** What a boot starts with that the previous one left: the C simulation reads and writes it as --state. */
export interface BootState {
  /** Boots since the flash was first powered (the seed of the weak cells' levels at this boot). */
  boot: number;
  resetCause: number;
  updateFlag: number;
  fault: { kind: number; detail: number };
  protectedBootloader: boolean;
  /** The trial words hal_port_trial_publish left in no-init RAM (address 0: none). */
  trial: { address: number; id: number };
  /** Weak bits: [flash offset, mask]. */
  weak: [number, number][];
  /** ECC families: torn write units by index. */
  eccTorn: number[];
  /** Bank-swap boards: the SWAP_BANK_OPT option bit the next boot's reset latches (absent: false). */
  swapBank?: boolean;
}

export interface SimulationOptions {
  /** Flash timing (default typ: the datasheet's typical figures). */
  flashTiming?: FlashTimingMode;
  /** Seed of every random choice (torn operations, weak cells). */
  seed?: number;
}

export class Simulation {
  /** The clock, in nanoseconds. */
  nowNs = 0;
  readonly flash: SimFlash;
  readonly uart = new SimUart();
  readonly pins: Pins;
  readonly flashTiming: FlashTimingMode;
  readonly timing: BoardFlashTiming;
  readonly seed: number;
  /** Boots since the flash was first powered (BootState.boot). */
  boot = 0;
  /** The RAM word an application sets before resetting to ask for an update. */
  updateFlag = 0;
  vectorTable = 0;
  clocksUp = false;
  tickRunning = false;
  interruptsEnabled = true;
  /** hal_port_cpu_quiesce ran (NVIC cleared) since the last reset. */
  cpuQuiesced = false;
  /**
   * The independent watchdog: `hardware` is the option bit (WDG_SW = 0: it runs from every reset with the
   * reset period, about 0.5 s), or the bootloader starts it. Refreshes and the longest gap are counted.
   */
  readonly watchdog = { hardware: false, running: false, periodMs: 0, refreshedAtUs: 0, refreshes: 0, longestGapUs: 0, fired: false };
  private watchdogRefreshedNs = 0;
  private watchdogChecked = false;
  /** The reset controller's flags for this boot (HAL_RESET_* bits of tsboot_hal.h). */
  resetCauseBits = RESET_POWER_ON;
  /** The fault record the previous boot left in no-init RAM. */
  fault = { kind: 0, detail: 0 };
  /** How this boot ended (set when it does). */
  ending: Ending = { kind: "other" };
  /** What the bootloader published for a trial image's confirmation (address 0: not on trial). */
  trialPublished = { address: 0, id: 0 };
  /** Called whenever the device polls the UART and finds nothing: a reactive host answers here. */
  onIdle: ((sim: Simulation) => void) | null = null;
  /**
   * Called whenever the device looks at its receiver, before anything is received, found or not. A host
   * that answers the device's replies as they leave the line (a real one does, while the device programs
   * or erases) reacts here: what it sends from rxObservedNs on cannot have been seen by the device yet.
   */
  onHostTurn: ((sim: Simulation) => void) | null = null;
  /** When the device last looked at its receiver (the host may still send from then on). */
  rxObservedNs = 0;
  /** A run longer than this (virtual time) is stopped: a test never hangs. */
  limitUs = 600_000_000;
  /**
   * With no input left and no reactive host, this much idle polling ends the run (SimulationIdle): polling
   * and finding nothing, with no byte received, no flash operation and no byte sent for that long (a device
   * still working through its ring after a long erase is not idle).
   */
  idleLimitUs = 20_000_000;
  private lastActivityNs = 0;

  constructor(
    readonly board: BoardLayout,
    flashContents?: Uint8Array,
    options: SimulationOptions = {},
  ) {
    this.flash = new SimFlash(board, flashContents);
    this.pins = new Pins(board);
    this.flashTiming = options.flashTiming ?? "typ";
    this.timing = boardFlashTiming(board, this.flashTiming);
    this.seed = (options.seed ?? 1) >>> 0;
    this.uart.clockHz = board.uart.clockHz;
  }

  get nowUs(): number {
    return Math.floor(this.nowNs / 1000);
  }

  /** The board's update trigger pin is at its active level (a pin like any other: pins.set). */
  get triggerPressed(): boolean {
    return this.pins.triggerActive;
  }

  set triggerPressed(pressed: boolean) {
    this.pins.triggerActive = pressed;
  }

  // ---- time ----

  /** The CPU's own work: `us` microseconds. */
  advance(us: number): void {
    this.spend(us * 1000);
  }

  /** When the watchdog fires if nobody refreshes it (Infinity when it does not run). */
  private watchdogDeadlineNs(): number {
    const w = this.watchdog;
    if (!this.watchdogChecked) {
      // The option bytes start it at the reset, with the reset period, before the first instruction.
      this.watchdogChecked = true;
      if (w.hardware && !w.running) {
        w.running = true;
        w.periodMs = WATCHDOG_RESET_PERIOD_MS;
        this.watchdogRefreshedNs = 0;
      }
    }
    return w.running ? this.watchdogRefreshedNs + w.periodMs * 1_000_000 : Infinity;
  }

  /** Time passes (the CPU works, waits or stalls); the watchdog may fire and the run may hit its limit. */
  spend(ns: number): void {
    const end = this.nowNs + ns;
    const deadline = this.watchdogDeadlineNs();
    const limitNs = this.limitUs * 1000;
    if (deadline < end && deadline <= limitNs) {
      this.nowNs = deadline;
      this.watchdogFires();
    }
    this.nowNs = end;
    if (this.nowNs > limitNs) throw new SimulationTimeout(this.nowUs);
  }

  private watchdogFires(): never {
    this.watchdog.fired = true;
    this.ending = { kind: "reset", reason: "watchdog" };
    throw new WatchdogReset(this.nowUs);
  }

  // ---- flash (the bindings of hal-bindings/flash.ts) ----

  /** Counts a flash operation; a power cut before it ends the run here. */
  private countFlashOperation(what: string): number {
    try {
      return this.flash.count(what);
    } catch (e) {
      if (e instanceof PowerCut) this.ending = { kind: "power-cut" };
      throw e;
    }
  }

  /**
   * The CPU stalls `durationNs` on flash operation `op`, unless the power is cut inside it or the watchdog
   * fires before it ends: then `tear` leaves it torn at that point and the run ends there.
   */
  private stall(op: number, durationNs: number, tear: (progress: number, rng: Rng) => void): void {
    const start = this.nowNs;
    let at = Infinity;
    let progress = 0;
    let rng: Rng | null = null;
    const cut = this.flash.cutsInside(op);
    if (cut) {
      rng = new Rng(mixSeed(this.seed, SALT_TORN_OPERATION + op));
      progress = rng.next16();
      at = start + Math.floor((progress * durationNs) / 65536);
    }
    const deadline = this.watchdogDeadlineNs();
    const byWatchdog = deadline < start + durationNs && deadline < at;
    if (byWatchdog) {
      at = deadline;
      progress = Math.floor(((deadline - start) * 65536) / durationNs);
    }
    if (!cut && !byWatchdog) return;
    if (!rng) rng = new Rng(mixSeed(this.seed, SALT_TORN_OPERATION + op));
    tear(progress, rng);
    this.nowNs = at;
    if (byWatchdog) this.watchdogFires();
    this.ending = { kind: "power-cut" };
    throw new PowerCut(op, true);
  }

  flashErase(index: number): number {
    const refused = this.flash.eraseRefused(index);
    if (refused !== FLASH_OK) return refused;
    const op = this.countFlashOperation(`erase ${index}`);
    if (this.flash.injectError) return this.flash.injectError;
    const duration = this.timing.eraseNs[index];
    this.stall(op, duration, (progress, rng) => this.flash.tearErase(index, progress, rng));
    this.flash.erase(index);
    this.spend(duration);
    this.lastActivityNs = this.nowNs;
    return FLASH_OK;
  }

  flashProgram(address: number, data: Uint8Array): number {
    const refused = this.flash.programRefused(address, data.length);
    if (refused !== FLASH_OK) return refused;
    const unit = this.board.writeUnit;
    const offset = this.flash.offsetOf(address);
    for (let at = 0; at < data.length; at += unit) {
      const op = this.countFlashOperation(`program 0x${(address + at).toString(16)}`);
      if (this.flash.injectError) return this.flash.injectError;
      if (!this.flash.unitErased(offset + at)) return FLASH_ERR_NOT_ERASED;
      const unitData = data.subarray(at, at + unit);
      this.stall(op, this.timing.programUnitNs, (progress, rng) => this.flash.tearProgram(offset + at, unitData, progress, rng));
      this.flash.programUnit(offset + at, unitData);
      this.spend(this.timing.programUnitNs);
      this.lastActivityNs = this.nowNs;
    }
    return FLASH_OK;
  }

  /**
   * The bank swap option bit (hal_port_flash_bank_swap_program): a counted operation like an erase, so a
   * power cut can come before it or inside it. Cut inside, the change is torn at `progress`: the option
   * bytes keep the old value before the midpoint and hold the new one after it (RM0433 4.4.3: an
   * interrupted change leaves one of the two; the OPTCHANGEERR state is the register model's business,
   * test/hal-stm32h7). The mapping changes only at the next reset.
   */
  flashBankSwapProgram(swapped: boolean): number {
    if (bankSwapSize(this.board) === 0) return FLASH_ERR_ARG;
    if (this.flash.swapBankOption === swapped) return FLASH_OK;
    const op = this.countFlashOperation(`option swap-bank ${swapped ? 1 : 0}`);
    if (this.flash.injectError) return this.flash.injectError;
    const duration = OPTION_CHANGE_US[this.flashTiming] * 1000;
    this.stall(op, duration, (progress) => {
      if (progress >= 32768) this.flash.swapBankOption = swapped;
    });
    this.flash.swapBankOption = swapped;
    this.spend(duration);
    this.lastActivityNs = this.nowNs;
    return FLASH_OK;
  }

  // ---- UART (hal-bindings/uart.ts) ----

  private idle(): void {
    this.advance(TIME.pollUs);
    if (this.onIdle) this.onIdle(this);
    else if (this.uart.pending() === 0 && this.nowNs - this.lastActivityNs > this.idleLimitUs * 1000) throw new SimulationIdle(this.nowUs);
  }

  /** The host's turn before the device looks at its receiver (onHostTurn). */
  private observeRx(): void {
    if (this.onHostTurn) this.onHostTurn(this);
    this.rxObservedNs = this.nowNs;
  }

  /** Polled reception: the byte in the receive data register, or -1. */
  readByte(): number {
    this.observeRx();
    this.uart.receiveUntil(this.nowNs);
    const value = this.uart.takeRdr();
    if (value >= 0) {
      this.advance(TIME.readUs);
      this.lastActivityNs = this.nowNs;
      return value;
    }
    this.idle();
    return -1;
  }

  /** Waits for TC (the last byte sent) before it touches the USART; reception goes on across it. A rate the
   * driver refuses (BRR out of range) changes nothing, as on the board. */
  uartInit(baud: number, evenParity: boolean): void {
    if (this.uart.brrFor(baud) === 0) return;
    this.spend(this.uart.flushWaitNs(this.nowNs));
    // Bytes complete before this instant met the old configuration (or a USART that was off, and are lost).
    this.uart.receiveBefore(this.nowNs);
    this.uart.configure(baud, evenParity);
  }

  uartWrite(value: number): void {
    this.spend(this.uart.txWaitNs(this.nowNs));
    this.uart.transmit(value, this.nowNs);
    this.lastActivityNs = this.nowNs;
  }

  /** print() output (its UTF-8 bytes): the same transmitter. */
  uartWriteBytes(bytes: Iterable<number>): void {
    for (const b of bytes) this.uartWrite(b);
  }

  uartFlush(): void {
    this.spend(this.uart.flushWaitNs(this.nowNs));
  }

  uartDeinit(): void {
    this.uart.receiveUntil(this.nowNs);
    this.uart.disable();
  }

  uartTakeErrors(): number {
    return this.uart.takeErrors();
  }

  private rxRing: Uint8Array | null = null;

  /** The port's reception ring (board data's size), the same at every call. */
  uartRxRing(): Uint8Array {
    this.rxRing ??= new Uint8Array(this.board.uart.rxRingSize);
    return this.rxRing;
  }

  uartRxStart(ring: Uint8Array): void {
    this.uart.receiveUntil(this.nowNs);
    this.uart.startDma(ring);
  }

  /** Reception by DMA: every byte that has arrived by now is in the ring, whatever the CPU was doing. */
  uartRxHead(): number {
    const ring = this.uart.ring;
    if (!ring) throw new Error("uartRxHead() before uartRxStart()");
    this.observeRx();
    if (this.uart.receiveUntil(this.nowNs) > 0) {
      this.advance(TIME.readUs);
      this.lastActivityNs = this.nowNs;
    } else {
      this.idle();
    }
    return this.uart.written % ring.length;
  }

  // ---- watchdog ----

  watchdogStart(timeoutMs: number): void {
    this.watchdogDeadlineNs();
    const w = this.watchdog;
    w.running = true;
    w.periodMs = Math.min(Math.max(timeoutMs, 1), WATCHDOG_LONGEST_MS);
    this.watchdogRefreshedNs = this.nowNs;
    w.refreshedAtUs = this.nowUs;
  }

  watchdogRefresh(): void {
    this.watchdogDeadlineNs();
    const w = this.watchdog;
    if (w.running) w.longestGapUs = Math.max(w.longestGapUs, Math.floor((this.nowNs - this.watchdogRefreshedNs) / 1000));
    this.watchdogRefreshedNs = this.nowNs;
    w.refreshedAtUs = this.nowUs;
    w.refreshes++;
  }

  // ---- resets ----

  systemReset(): never {
    this.ending = { kind: "reset", reason: "software" };
    throw new SystemReset();
  }

  /**
   * A panic ends the boot as on the board: the fault record gets kind 7 and the TypeScript line, and the
   * MCU resets. Returns the outcome; `error` is the PanicError runtime/output.ts threw.
   */
  panicked(error: Error): Outcome {
    const message = error.message.replace(/^panic: /, "");
    const line = panicLine(error);
    this.ending = { kind: "reset", reason: "panic", line, message };
    return { kind: "reset", reason: "panic", line, message };
  }

  /** What the next boot starts with, after the way this one ended. */
  nextBootState(): BootState {
    const weak: [number, number][] = [];
    this.flash.weak.forEach((m, o) => {
      if (m) weak.push([o, m]);
    });
    const eccTorn: number[] = [];
    this.flash.eccTorn.forEach((t, i) => {
      if (t) eccTorn.push(i);
    });
    const e = this.ending;
    const cold = e.kind === "power-cut";
    const panic = e.kind === "reset" && e.reason === "panic";
    return {
      boot: this.boot + 1,
      resetCause: e.kind !== "reset" ? RESET_POWER_ON : e.reason === "watchdog" ? RESET_IWDG : RESET_SOFTWARE,
      updateFlag: cold ? 0 : this.updateFlag >>> 0,
      fault: panic ? { kind: FAULT_PANIC, detail: (e as { line?: number }).line ?? 0 } : { kind: 0, detail: 0 },
      protectedBootloader: this.flash.protectedBootloader,
      trial: cold ? { address: 0, id: 0 } : { ...this.trialPublished },
      weak,
      eccTorn,
      ...(this.flash.swapBankOption ? { swapBank: true } : {}),
    };
  }

  /** A boot of this board with flash `contents` that begins in `state` (weak cells read anew). */
  static resume(board: BoardLayout, contents: Uint8Array, state: BootState, options: SimulationOptions = {}): Simulation {
    const next = new Simulation(board, contents, options);
    next.boot = state.boot;
    next.resetCauseBits = state.resetCause;
    next.updateFlag = state.updateFlag >>> 0;
    next.fault = { ...state.fault };
    next.flash.protectedBootloader = state.protectedBootloader;
    // The reset latches the mapping from the option bit.
    next.flash.swapBankOption = next.flash.bankSwapped = bankSwapSize(board) !== 0 && state.swapBank === true;
    next.trialPublished = { ...state.trial };
    for (const [o, m] of state.weak) next.flash.weak[o] = m;
    if (hasFlashEcc(board)) for (const u of state.eccTorn) next.flash.eccTorn[u] = 1;
    next.flash.powerOn(new Rng(mixSeed(next.seed, SALT_POWER_ON + state.boot)));
    return next;
  }

  /**
   * The same board after the reset that ended this boot: a power cut loses RAM (power-on reset); a
   * software or watchdog reset keeps it (the update flag, the trial words, a panic's fault record); a boot
   * that ended any other way is power-cycled keeping them. Weak cells read anew; the option bits stay.
   */
  rebooted(): Simulation {
    const next = Simulation.resume(this.board, this.flash.bytes, this.nextBootState(), { flashTiming: this.flashTiming, seed: this.seed });
    next.watchdog.hardware = this.watchdog.hardware;
    return next;
  }
}

/** The TypeScript line of the panic() call: the first stack frame outside runtime/. */
export function panicLine(error: Error): number {
  const frames = (error.stack ?? "").split("\n").slice(1);
  for (const f of frames) {
    if (/[\\/]runtime[\\/]/.test(f) || f.includes("node:internal")) continue;
    const m = /:(\d+):\d+\)?\s*$/.exec(f);
    if (m) return Number(m[1]);
  }
  return 0;
}
