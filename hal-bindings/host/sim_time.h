/*
 * The virtual-time model of the simulated board. It mirrors TIME and the watchdog constants of
 * hal-bindings/sim/simulation.ts: change both or neither, or a scripted session stops giving byte-identical
 * transcripts in Node and in C. The clock counts nanoseconds; flash times come from the part's datasheet
 * (hal-bindings/sim/flash-timing.ts, generated into the board file) and UART times from the baud rate and
 * framing (hal-bindings/sim/uart.ts).
 */
#ifndef TSBOOT_SIM_TIME_H
#define TSBOOT_SIM_TIME_H

/* A UART poll that finds nothing new. */
#define SIM_POLL_US 10u
/* A UART read that returns a byte (polled), or a DMA head read that finds new bytes. */
#define SIM_READ_US 1u
/* Every hal_port_millis() call (before it reads the clock). */
#define SIM_MILLIS_CALL_US 1u

/* The IWDG after a reset when the option bytes start it: prescaler /4, reload 0xFFF at the LSI's 32 kHz. */
#define SIM_WATCHDOG_RESET_PERIOD_MS 512u
/* The longest IWDG period (prescaler /256, reload 0xFFF): hal_port_watchdog_start caps at this. */
#define SIM_WATCHDOG_LONGEST_MS 32768u

/* OPTION_CHANGE_US: how long an option-byte change (the bank swap) keeps OPT_BUSY set, per timing mode. */
#define SIM_OPTION_CHANGE_TYP_US 300000u
#define SIM_OPTION_CHANGE_MAX_US 1000000u

/* Simulation.limitUs: a run whose clock passes this is stopped (outcome "timeout"). */
#define SIM_DEFAULT_LIMIT_US 600000000ull
/* Simulation.idleLimitUs: with every scripted byte received, an empty poll more than this after the device
 * last received or sent a byte or ran a flash operation ends the run (outcome "idle"). */
#define SIM_DEFAULT_IDLE_US 20000000ull

#endif /* TSBOOT_SIM_TIME_H */
