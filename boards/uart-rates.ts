/**
 * The update UART's speed, from board data: the kernel clock the family's drivers give the board's USART
 * (the clock tree of boards/<board>.json, by the same rules as hal-bindings/<family>/*_clock.c), the BRR
 * each standard rate gets there and its error, the rates the bootloader offers for baud negotiation
 * (docs/protocol.md, BAUDS and SET_BAUD), and the size of the reception ring, which must take what the line
 * carries while the CPU stalls on an erase.
 *
 * Every family's driver programs OVER8 = 0: BRR = round(kernel clock / baud), at least 16 (RM0090 30.3.4,
 * RM0091/RM0351/RM0433 "USART baud rate generation"). The rate on the wire is then kernel clock / BRR.
 */
import type { Board } from "./index";
import { flashTimingTable } from "../hal-bindings/sim/flash-timing";

/** The rates a host is offered, when the board's link carries them (uart.maxBaud). */
export const STANDARD_BAUDS: readonly number[] = [115200, 230400, 460800, 921600, 1_000_000, 1_500_000, 2_000_000, 3_000_000, 4_000_000];

/**
 * The largest BRR error the bootloader accepts for a rate it offers, in 0.01 %. A receiver at 16x
 * oversampling tolerates 3.41 % in all (RM0383 24.3.5, "USART receiver's tolerance to clock deviation",
 * 8 data bits, a fractional BRR): the device may use half of that, the host's adapter the other half.
 */
export const MAX_BAUD_ERROR_BP = 170;

/** The reception ring's bounds: the DMA's 16-bit transfer counter (F4 SxNDTR, F0/L4 CNDTR) caps it below 64 KB. */
export const RX_RING_MIN = 8 * 1024;
export const RX_RING_MAX = 63 * 1024;
/** A WRITE frame on the wire: sync (2), cmd, seq, len (2), offset (4), 1024 data bytes, CRC (4). */
export const WRITE_FRAME_BYTES = 1024 + 4 + 10;
/** The host turnaround the ring also covers (a USB-serial adapter's 16 ms latency timer, each way). */
export const RX_RING_TURNAROUND_MS = 2 * 16;

export interface UartRate {
  baud: number;
  /** What the driver writes into BRR. */
  brr: number;
  /** The rate on the wire: kernel clock / BRR. */
  actualBaud: number;
  /** (actual - nominal) / nominal, in 0.01 % (rounded). */
  errorBp: number;
}

/**
 * STM32F4 APB limits (Hz) per part: RM0090/RM0368 give 42/84 MHz; the F411 runs APB1 up to 50 MHz and APB2
 * up to 100 MHz (RM0383 6.2, DS10314 "General operating conditions"). hal-bindings/stm32f4/stm32f4_clock.c
 * picks the same by DEV_ID.
 */
export function f4ApbLimits(part: string): { apb1Hz: number; apb2Hz: number } {
  return /^STM32F411/i.test(part) ? { apb1Hz: 50_000_000, apb2Hz: 100_000_000 } : { apb1Hz: 42_000_000, apb2Hz: 84_000_000 };
}

/** The kernel clock of the board's update USART as the family's clock driver sets it up (Hz). */
export function uartClockHz(board: Pick<Board, "family" | "part" | "clock" | "uart">): number {
  const sysclk = board.clock.sysclkHz;
  switch (board.family) {
    case "stm32f4": {
      // hal_clock_init: AHB /1, each APB at the smallest /2^k that keeps it within its limit (clock_ppre_for).
      const limits = f4ApbLimits(board.part);
      const max = board.uart.bus === "apb2" ? limits.apb2Hz : limits.apb1Hz;
      for (let k = 0; k < 4; k++) if (sysclk >> k <= max) return sysclk >> k;
      return sysclk >> 4;
    }
    case "stm32h7": {
      // hal_clock_init: AXI = SYSCLK / 2 above 200 MHz, every APB = AXI / 2 above 100 MHz; the USART kernel
      // clock stays at its reset selection, the APB clock (RCC_D2CCIP2R).
      const axi = sysclk > 200_000_000 ? sysclk / 2 : sysclk;
      return axi > 100_000_000 ? axi / 2 : axi;
    }
    default:
      // F0 and L4: AHB and APB at /1, and the USART clock at its reset selection, PCLK.
      return sysclk;
  }
}

/** BRR for `baud` at `clockHz` as the drivers compute it ((clock + baud / 2) / baud), or null when out of range. */
export function brrFor(clockHz: number, baud: number): number | null {
  if (baud <= 0) return null;
  const brr = Math.floor((clockHz + Math.floor(baud / 2)) / baud);
  return brr >= 16 && brr <= 0xffff ? brr : null;
}

export function rateAt(clockHz: number, baud: number): UartRate | null {
  const brr = brrFor(clockHz, baud);
  if (brr === null) return null;
  const actualBaud = clockHz / brr;
  return { baud, brr, actualBaud, errorBp: Math.round(((actualBaud - baud) / baud) * 10_000) };
}

/**
 * The rates the bootloader offers, slowest first: the board's base rate (uart.baud, where every session
 * starts), then the standard rates above it up to uart.maxBaud whose BRR error is within MAX_BAUD_ERROR_BP.
 */
export function offeredRates(board: Pick<Board, "name" | "family" | "part" | "clock" | "uart">): UartRate[] {
  const clock = uartClockHz(board);
  const base = rateAt(clock, board.uart.baud);
  if (!base) throw new Error(`board ${board.name}: the base rate ${board.uart.baud} baud has no BRR at the USART's ${clock} Hz`);
  const rates = [base];
  for (const baud of STANDARD_BAUDS) {
    if (baud <= board.uart.baud || baud > board.uart.maxBaud) continue;
    const r = rateAt(clock, baud);
    if (r && Math.abs(r.errorBp) <= MAX_BAUD_ERROR_BP) rates.push(r);
  }
  return rates;
}

/**
 * The reception ring (bytes, a multiple of 1 KB): what the fastest offered rate carries during the longest
 * typical erase of a unit an update writes, plus two host turnarounds, so that the host keeps sending
 * while a unit erases (docs/protocol.md, "Window and ring"). At least RX_RING_MIN; at most RX_RING_MAX and
 * half of the images' RAM (the F072 has 16 KB in all).
 */
export function rxRingSize(board: Board): number {
  const fastest = offeredRates(board).at(-1)!.baud;
  const table = flashTimingTable({ name: board.name, part: board.part });
  const regions = [board.memoryMap.application, board.memoryMap.secondary].filter((r): r is NonNullable<typeof r> => r !== null);
  let longestNs = 0;
  for (const s of board.sectors) {
    if (!regions.some((r) => s.start >= r.start && s.start + s.size <= r.start + r.size)) continue;
    longestNs = Math.max(longestNs, table.erase[s.size]?.typNs ?? 0);
  }
  const needed = Math.ceil(((fastest / 10) * (longestNs / 1e9 + RX_RING_TURNAROUND_MS / 1000)) / 1024) * 1024;
  const ceiling = Math.min(RX_RING_MAX, Math.floor(board.ram.size / 2 / 1024) * 1024);
  return Math.max(Math.min(needed, ceiling), Math.min(RX_RING_MIN, ceiling));
}

/** WRITE frames a host may have in flight: as many as the ring holds (the INFO reply's window, at most 255). */
export function windowFrames(ringSize: number): number {
  return Math.min(255, Math.floor(ringSize / WRITE_FRAME_BYTES));
}
