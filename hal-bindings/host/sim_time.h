/*
 * The virtual-time model of the simulated board, in microseconds. It mirrors TIME in
 * hal-bindings/sim/simulation.ts and SimUart.byteTimeUs in hal-bindings/sim/uart.ts: change both or neither,
 * or a scripted session stops giving byte-identical transcripts in Node and in C.
 */
#ifndef TSBOOT_SIM_TIME_H
#define TSBOOT_SIM_TIME_H

/* A UART poll that finds nothing waiting. */
#define SIM_POLL_US 10u
/* A UART read that returns a byte. */
#define SIM_READ_US 1u
/* Every hal_port_millis() call (before it reads the clock). */
#define SIM_MILLIS_CALL_US 1u
/* hal_flash_erase, whatever it returns (charged after the operation, not when the power is cut before it). */
#define SIM_ERASE_SECTOR_US 10000u
/* hal_flash_program, per write unit of the data (rounded up), whatever it returns. */
#define SIM_PROGRAM_UNIT_US 16u
/* One byte on the line: 10 bits at 115200 baud, whatever baud the device configured. */
#define SIM_UART_BYTE_US 87u

/* Simulation.limitUs: a run whose clock passes this is stopped (outcome "timeout"). */
#define SIM_DEFAULT_LIMIT_US 600000000ull
/* Simulation.idleLimitUs: with every scripted byte read, an empty poll more than this after the last byte
 * was read ends the run (outcome "idle"). */
#define SIM_DEFAULT_IDLE_US 20000000ull

#endif /* TSBOOT_SIM_TIME_H */
