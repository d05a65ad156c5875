/** The UART port: the board's console/update UART, polled. */
import type { i32, u8, u32 } from "../runtime/index";
import { simulation } from "./sim/current";

/** 8N1, or 8E1 (even parity) for the AN3155 ROM protocol. @extern hal_port_uart_init */
export function uartInit(baud: u32, evenParity: boolean): void {
  const uart = simulation().uart;
  uart.baud = baud;
  uart.evenParity = evenParity;
  uart.enabled = true;
}

/** The next received byte, or -1 when none is waiting (never blocks). @extern hal_port_uart_read */
export function uartRead(): i32 {
  return simulation().readByte();
}

/** @extern hal_port_uart_write */
export function uartWrite(value: u8): void {
  simulation().uart.tx.push(value);
}

/** Waits until the last byte has left the shift register. @extern hal_port_uart_flush */
export function uartFlush(): void {}

/** Puts the UART back in its reset state (before starting the application). @extern hal_port_uart_deinit */
export function uartDeinit(): void {
  simulation().uart.enabled = false;
}
