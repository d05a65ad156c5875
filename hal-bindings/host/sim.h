/*
 * The host simulation of a tsboot board: the C twin of hal-bindings/sim/. The bootloader compiled to C
 * (main.c) calls the @extern bindings declared here; sim_main.c drives it in one of two modes:
 *
 *   scripted  virtual time exactly as in the Node Simulation, UART input from a script, one JSON outcome;
 *   live      real time, the UART served on a TCP port, the flash written through to a file.
 *
 * Files: sim_flash.c (SimFlash), sim_uart.c (SimUart and the live UART), sim_system.c (clock, pins, CPU,
 * print and panic), sim_preload.c (installing a .tsb as the bootloader would), sim_main.c (the driver).
 * The board accessors come from a C file host/sim/board-c.ts generates per board.
 */
#ifndef TSBOOT_SIM_H
#define TSBOOT_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_time.h"
#include "tsboot_rt.h"

#include "tsboot_port.h"

/* The bootloader's entry (compiled bootloader-ts/main.ts). */
void main_bootloaderMain(void);

/* --- Board facts only the simulator needs (generated with the accessors) --- */
const char *sim_board_name(void);
uint32_t sim_board_flash_base(void);
uint32_t sim_board_bootloader_start(void);
uint32_t sim_board_bootloader_size(void);
uint32_t sim_board_flash_size(void);

/* --- Flash status codes (hal-bindings/sim/flash.ts, tsboot_hal.h) --- */
#define SIM_FLASH_OK 0u
#define SIM_FLASH_ERR_LOCKED 2u
#define SIM_FLASH_ERR_ALIGNMENT 4u
#define SIM_FLASH_ERR_NOT_ERASED 9u
#define SIM_FLASH_ERR_ADDRESS 8u
#define SIM_FLASH_ERR_PROTECTED 10u /* the port refuses the bootloader region (HAL_ERR_PROTECTED) */

/* --- How a run ended --- */
enum sim_outcome_kind {
  SIM_RUNNING = 0,
  SIM_OUT_APPLICATION, /* tsb_cpu_start_application */
  SIM_OUT_RESET,       /* hal_port_system_reset */
  SIM_OUT_POWER_CUT,   /* the flash operation counter reached --cut-power-at */
  SIM_OUT_IDLE,        /* scripted: script exhausted and the device idle for idle_us */
  SIM_OUT_TIMEOUT,     /* scripted: the clock passed limit_us */
  SIM_OUT_PANIC,       /* tsb_panic: exit status 70 */
  SIM_OUT_FAULT        /* the bootloader misused the simulated HAL (Node would throw a TypeError/Error): 71 */
};

struct sim_outcome {
  enum sim_outcome_kind kind;
  uint32_t sp, pc, vtor;
  uint32_t operation;
  char message[240];
};

/* RAM that survives a reset: the update-request word, and the outcome a live child reports to its parent. */
struct sim_shared {
  uint32_t update_flag;
  uint32_t fault_kind, fault_detail;
  uint32_t trial_address, trial_id; /* hal_port_trial_publish: no-init RAM the application reads */
  struct sim_outcome outcome;
};

struct sim_state {
  bool live;
  struct sim_shared *shared;
  /* Virtual clock (scripted mode; live mode uses CLOCK_MONOTONIC). */
  uint64_t now_us;
  uint64_t limit_us;
  uint64_t idle_us; /* 0: no idle stop */
  /* Simulation fields */
  bool trigger_pressed;
  uint32_t vector_table;
  bool clocks_up, tick_running, interrupts_enabled;
  /* SimFlash */
  uint8_t *flash;
  uint32_t flash_base, flash_size;
  bool locked;
  uint32_t operations;
  uint32_t cut_power_at; /* 0: never */
  uint32_t inject_error; /* 0: none */
  /* SimUart configuration */
  uint32_t baud;
  bool even_parity, uart_enabled;
  uint32_t uart_errors;
  /* Reception into the bootloader's ring (Simulation.uartRxStart/uartRxHead) */
  uint8_t *rx_ring;
  uint32_t rx_ring_len;
  uint64_t rx_written;
  /* Watchdog, reset cause, fault record, CPU (Simulation.watchdog, resetCauseBits, fault, cpuQuiesced) */
  bool watchdog_hardware, watchdog_running;
  uint32_t watchdog_period_ms;
  uint64_t watchdog_refreshed_at_us;
  uint32_t reset_cause;
  bool cpu_quiesced;
  /* Option-byte write protection of the bootloader region (SimFlash.protectedBootloader) */
  bool protected_bootloader;
};

extern struct sim_state sim;

/* sim_system.c */
void sim_init_state(void);
/* What a reset puts back (flash and the update flag survive it); live mode's millis count from here. */
void sim_begin_boot(void);
void sim_advance(uint64_t us);
_Noreturn void sim_stop(const struct sim_outcome *outcome);
_Noreturn void sim_fault(const char *what, uint32_t value);
/* The driver sets this before calling main_bootloaderMain(); sim_stop() longjmps to it. */
#include <setjmp.h>
extern jmp_buf sim_stop_target;

/* sim_flash.c: the model itself, without time (hal_flash_* add the time). */
uint32_t sim_flash_erase_sector(uint32_t index);
uint32_t sim_flash_program(uint32_t address, const uint8_t *data, uint32_t length);
/* Raw operations for --preload: not counted, no power cut, no time. */
void sim_flash_raw_erase(uint32_t index);
bool sim_flash_raw_program(uint32_t address, const uint8_t *data, uint32_t length);
bool sim_flash_range_erased(uint32_t address, uint32_t length);

/* sim_uart.c */
void sim_uart_deliver(const uint8_t *bytes, size_t count, uint64_t at_us);
size_t sim_uart_rx_pending(void);
const uint8_t *sim_uart_tx(size_t *count);
void sim_uart_live_attach(int fd);
void sim_uart_live_flush(void);
void sim_uart_live_activity(void);
/* Writes text into the device's UART TX stream (tsb_print does; so do the simulator's own reports). */
void sim_uart_write_text(const char *text);

/* sim_preload.c: checks a .tsb against the board and installs it; on error writes why into `error`. */
bool sim_preload(const uint8_t *file, size_t length, char *error, size_t error_size);
uint32_t sim_crc32(const uint8_t *data, size_t length);

#endif /* TSBOOT_SIM_H */
