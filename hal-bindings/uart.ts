/**
 * The UART port: the board's console/update UART. Reception runs by itself into a ring the bootloader owns
 * (circular DMA on silicon, so no byte is lost while the CPU stalls on a flash erase or program); sending is
 * polled. The polled receive (uartRead) remains for ports and tests without DMA.
 */
import type { i32, u8, u32 } from "../runtime/index";
import { simulation } from "./sim/current";

/**
 * 8N1, or 8E1 (even parity) for the AN3155 ROM protocol. Waits until the last byte has left the line (TC)
 * before it touches a running UART, so a reply is never cut by the change. Reception into the ring given
 * to uartRxStart goes on across it. @extern hal_port_uart_init
 */
export function uartInit(baud: u32, evenParity: boolean): void {
  simulation().uartInit(baud, evenParity);
}

/**
 * The ring reception writes into: the port's own buffer, sized by board data (BOARD_UART_RX_RING_SIZE,
 * boards/uart-rates.ts) so that it takes what the line carries while the CPU stalls on an erase; the
 * same view at every call. @extern hal_port_uart_rx_ring @pure
 */
export function uartRxRing(): Uint8Array {
  return simulation().uartRxRing();
}

/**
 * Starts reception into `ring`, circularly, for good: byte k received after this call lands in
 * ring[k % ring.length]. The ring must outlive the program (module-level). @extern hal_port_uart_rx_start
 */
export function uartRxStart(ring: Uint8Array): void {
  simulation().uartRxStart(ring);
}

/** The ring index reception writes next (0 … ring.length - 1). @extern hal_port_uart_rx_head */
export function uartRxHead(): u32 {
  return simulation().uartRxHead();
}

/** Polled reception: the next received byte, or -1 when none is waiting (never blocks). @extern hal_port_uart_read */
export function uartRead(): i32 {
  return simulation().readByte();
}

/** Sends one byte (waits, bounded, until the transmitter can take it). @extern hal_port_uart_write */
export function uartWrite(value: u8): void {
  simulation().uartWrite(value);
}

/** Waits until the last byte has left the shift register. @extern hal_port_uart_flush */
export function uartFlush(): void {
  simulation().uartFlush();
}

/**
 * Line errors seen since the last call, then cleared: 1 parity, 2 framing, 4 noise, 8 overrun
 * (UartError in bootloader-ts/uart-io.ts). @extern hal_port_uart_take_errors
 */
export function uartTakeErrors(): u32 {
  return simulation().uartTakeErrors();
}

/**
 * Puts the UART, its reception and its pins back in their reset state, and switches their clocks off
 * (before starting the application). @extern hal_port_uart_deinit
 */
export function uartDeinit(): void {
  simulation().uartDeinit();
}
