/*
 * The host simulation of a tsboot board: the C twin of hal-bindings/sim/. The bootloader compiled to C
 * (main.c) calls the @extern bindings declared here; sim_main.c drives it in one of two modes:
 *
 *   scripted  virtual time exactly as in the Node Simulation, UART input from a script, one JSON outcome;
 *   live      real time, the UART served on a TCP port, the flash written through to a file.
 *
 * Both model the same device: flash erase and program take the part's datasheet time while the CPU stalls
 * (sim_flash.c), the UART runs at its baud rate and framing with DMA or polled reception (sim_uart.c), the
 * watchdog resets a device that stops refreshing it, a panic records the fault and resets (sim_system.c),
 * a power cut can tear a flash operation (sim_flash.c), and what survives a reset is the boot state
 * (sim_state.c). sim_preload.c installs a .tsb as the bootloader would; sim_main.c is the driver.
 * The board accessors and the part's flash timing come from a C file host/sim/board-c.ts generates.
 */
#ifndef TSBOOT_SIM_H
#define TSBOOT_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_rng.h"
#include "sim_time.h"
#include "tsboot_rt.h"

#include "tsboot_port.h"

/* The bootloader's entry (compiled bootloader-ts/main.ts). */
void main_bootloaderMain(void);

/* --- Board facts only the simulator needs (generated with the accessors) --- */
enum sim_flash_timing { SIM_TIMING_TYP = 0, SIM_TIMING_MAX = 1, SIM_TIMING_NONE = 2 };
const char *sim_board_name(void);
uint32_t sim_board_flash_base(void);
uint32_t sim_board_bootloader_start(void);
uint32_t sim_board_bootloader_size(void);
uint32_t sim_board_flash_size(void);
/* The datasheet's erase time of erase unit `index` and programming time of one write unit (ns). */
uint64_t sim_board_erase_ns(uint32_t index, enum sim_flash_timing timing);
uint64_t sim_board_program_unit_ns(enum sim_flash_timing timing);
/* The flash keeps an ECC per write unit (L4, H7): a torn unit reads as an ECC double error. */
bool sim_board_flash_ecc(void);
/* The update trigger: port index (0 = A), pin, and the level that means "pressed". */
uint32_t sim_board_trigger_port(void);
uint32_t sim_board_trigger_pin(void);
uint32_t sim_board_trigger_active_level(void);
/* The update UART: the base rate every session starts at, the USART's kernel clock (the rate on the wire is
 * clock / BRR), the reception ring's size (boards/uart-rates.ts). */
uint32_t sim_board_uart_baud(void);
uint32_t sim_board_uart_clock_hz(void);
uint32_t sim_board_rx_ring_size(void);

/* --- Flash status codes (hal-bindings/sim/flash.ts, tsboot_hal.h) --- */
#define SIM_FLASH_OK 0u
#define SIM_FLASH_ERR_ARG 1u /* the part has no bank swap */
#define SIM_FLASH_ERR_LOCKED 2u
#define SIM_FLASH_ERR_ALIGNMENT 4u
#define SIM_FLASH_ERR_NOT_ERASED 9u
#define SIM_FLASH_ERR_ADDRESS 8u
#define SIM_FLASH_ERR_PROTECTED 10u /* the port refuses the bootloader region (HAL_ERR_PROTECTED) */

/* --- UART error bits (HAL_UART_ERR_*) --- */
#define SIM_UART_ERR_PE 1u
#define SIM_UART_ERR_FE 2u
#define SIM_UART_ERR_NE 4u
#define SIM_UART_ERR_ORE 8u

/* --- Reset causes (HAL_RESET_*) and the panic fault kind (HAL_FAULT_PANIC) --- */
#define SIM_RESET_POWER_ON 0x02u
#define SIM_RESET_SOFTWARE 0x04u
#define SIM_RESET_IWDG 0x08u
#define SIM_FAULT_PANIC 7u

/* --- How a run ended --- */
enum sim_outcome_kind {
  SIM_RUNNING = 0,
  SIM_OUT_APPLICATION, /* tsb_cpu_start_application */
  SIM_OUT_RESET,       /* hal_port_system_reset, the watchdog, or a panic (reason) */
  SIM_OUT_POWER_CUT,   /* the flash operation counter reached --cut-power-at */
  SIM_OUT_IDLE,        /* scripted: script exhausted and the device idle for idle_us */
  SIM_OUT_TIMEOUT,     /* scripted: the clock passed limit_us */
  SIM_OUT_FAULT        /* the bootloader misused the simulated HAL (Node would throw a TypeError/Error): 71 */
};

enum sim_reset_reason { SIM_RESET_REASON_NONE = 0, SIM_RESET_REASON_SOFTWARE, SIM_RESET_REASON_WATCHDOG, SIM_RESET_REASON_PANIC };

struct sim_outcome {
  enum sim_outcome_kind kind;
  enum sim_reset_reason reason;
  uint32_t sp, pc, vtor;
  uint32_t operation;
  bool inside; /* the power cut tore the operation */
  uint32_t line; /* a panic's TypeScript line */
  char message[240];
  char where[240]; /* a panic's kind and C-side file, for stderr */
};

/* What survives a reset (and, in live mode, is shared between the parent and each boot's child): the
 * no-init RAM, the reset cause and boot count of the coming boot, and how the last boot ended. */
struct sim_shared {
  uint32_t update_flag;
  uint32_t fault_kind, fault_detail;
  uint32_t reset_cause;
  uint32_t boot;
  bool protected_bootloader;
  uint32_t trial_address, trial_id; /* hal_port_trial_publish: no-init RAM the application reads */
  bool swap_bank;                    /* bank-swap boards: the SWAP_BANK_OPT option bit (survives resets) */
  uint32_t host_baud;                /* live: the client's line rate (0: the board's base rate) */
  struct sim_outcome outcome;
};

struct sim_state {
  bool live;
  struct sim_shared *shared;
  /* Virtual clock (scripted mode; live mode reads CLOCK_MONOTONIC: sim_now_ns). */
  uint64_t now_ns;
  uint64_t limit_us;
  uint64_t idle_us; /* 0: no idle stop */
  uint32_t seed;
  enum sim_flash_timing timing;
  /* Input pins: a bit per pin of each port (A … K) set by --pin/--trigger, and their levels. */
  uint16_t pin_set[11], pin_level[11];
  uint32_t vector_table;
  bool clocks_up, tick_running, interrupts_enabled;
  /* SimFlash */
  uint8_t *flash;
  uint8_t *weak;     /* weak bits of each byte */
  uint8_t *ecc_torn; /* ECC parts: torn write units */
  bool ecc;
  bool ecc_error;
  uint32_t flash_base, flash_size;
  bool locked;
  uint32_t operations;
  uint32_t cut_power_at; /* 0: never */
  bool cut_inside;
  uint32_t inject_error; /* 0: none */
  bool bank_swapped;     /* bank-swap boards: the mapping the reset latched from the option bit */
  /* The USART: the rate asked for and its BRR (the rate on the wire is sim_board_uart_clock_hz() / brr) */
  uint32_t baud;
  uint32_t brr;
  /* The host's line: its rate (live: 0 is the board's base rate, until the client sets another through RFC
   * 2217), and the fastest rate the line carries intact (--line-limit-baud; 0: any) */
  uint32_t host_baud;
  uint32_t line_limit_baud;
  bool even_parity, uart_enabled;
  uint32_t uart_errors;
  int32_t rdr; /* polled reception: the receive data register, -1 empty */
  uint8_t *rx_ring;
  uint32_t rx_ring_len;
  uint64_t rx_written;
  uint64_t tx_free_ns; /* when the transmitter is done with everything written */
  bool line_untimed;   /* live --uart-timing none: no frame time either way (fast tests of host tools) */
  /* Watchdog, CPU */
  bool watchdog_hardware, watchdog_running;
  uint32_t watchdog_period_ms;
  uint64_t watchdog_refreshed_at_ns;
  bool cpu_quiesced;
};

extern struct sim_state sim;

/* sim_system.c: the clock, the watchdog, resets */
void sim_init_state(void);
/* What a reset puts back (flash and the shared RAM survive it); live mode's clock counts from here. */
void sim_begin_boot(void);
/* The clock: virtual (scripted) or real since this boot began (live). */
uint64_t sim_now_ns(void);
/* The CPU's own work costs `us` (scripted; live mode just services the line and the watchdog). */
void sim_advance(uint64_t us);
/* Time passes for `ns` while the CPU waits or stalls (live mode waits that long for real). */
void sim_spend_ns(uint64_t ns);
/* Moves the clock to `at` with no watchdog check (a torn operation ends there). */
void sim_wait_to(uint64_t at_ns);
/* When the watchdog fires unless refreshed (UINT64_MAX: not running). */
uint64_t sim_watchdog_deadline_ns(void);
_Noreturn void sim_watchdog_fire(void);
_Noreturn void sim_stop(const struct sim_outcome *outcome);
_Noreturn void sim_fault(const char *what, uint32_t value);
/* The level of an input pin (port index 0 = A). */
bool sim_pin_read(uint32_t port_index, uint32_t pin);
void sim_pin_set(uint32_t port_index, uint32_t pin, bool level);
/* The driver sets this before calling main_bootloaderMain(); sim_stop() longjmps to it. */
#include <setjmp.h>
extern jmp_buf sim_stop_target;

/* sim_flash.c: the model itself (hal_flash_* add the port's checks). */
uint32_t sim_flash_erase_sector(uint32_t index);
uint32_t sim_flash_program(uint32_t address, const uint8_t *data, uint32_t length);
/* Every weak bit reads a new random level (a reset). */
void sim_flash_power_on(uint32_t boot);
/* Raw operations for --preload: not counted, no power cut, no time. */
void sim_flash_raw_erase(uint32_t index);
bool sim_flash_raw_program(uint32_t address, const uint8_t *data, uint32_t length);
bool sim_flash_range_erased(uint32_t address, uint32_t length);

/* sim_uart.c */
#define SIM_FRAMING_8N1 0u
#define SIM_FRAMING_8E1 1u
void sim_uart_deliver(const uint8_t *bytes, size_t count, uint64_t at_us, uint32_t baud, uint32_t framing);
size_t sim_uart_rx_pending(void);
const uint8_t *sim_uart_tx(size_t *count);
/* Live: the parent and the device's process talk over a SOCK_SEQPACKET pair. Parent to device, each message
 * starts with its kind: SIM_WIRE_DATA then the host's bytes, or SIM_WIRE_LINE then the host line's new rate
 * (u32 LE; 0: the board's base rate). Device to parent: the device's bytes, as they are. */
#define SIM_WIRE_DATA 0u
#define SIM_WIRE_LINE 1u
#define SIM_WIRE_MAX 16384u
void sim_uart_live_attach(int fd);
void sim_uart_live_flush(void);
/* Live: takes what the host sent into the line model and sends what the device wrote. */
void sim_uart_live_service(void);
/* Live: waits until sim_now_ns() reaches `at_ns`, servicing the line meanwhile. */
void sim_uart_live_wait_until(uint64_t at_ns);
/* The idle rule's clock: the device received or sent a byte or ran a flash operation now. */
void sim_note_activity(void);
/* Writes text through the device's transmitter (tsb_print does). */
void sim_uart_write_text(const char *text);

/* sim_rfc2217.c: the Telnet Com Port Control subset a live client may speak (the parent decodes it). */
struct sim_rfc2217 {
  int state;
  uint8_t verb;
  uint8_t sb[64];
  size_t sb_len;
  uint8_t answered[256]; /* per option: 1 WILL answered, 2 DO answered */
  uint8_t reply[512];    /* what to send the client back (negotiation answers), drained by the caller */
  size_t reply_len;
};
enum { SIM_RFC2217_NOTHING = 0, SIM_RFC2217_DATA, SIM_RFC2217_BAUD };
void sim_rfc2217_reset(struct sim_rfc2217 *t);
/* One byte from the client: a data byte (*data), a new host baud rate (*baud), or nothing; answers to send
 * back collect in t->reply. `current_baud` answers a client that asks for the rate in effect. */
int sim_rfc2217_feed(struct sim_rfc2217 *t, uint8_t b, uint32_t current_baud, uint8_t *data, uint32_t *baud);
/* Device bytes for a Telnet client: 0xFF doubled; `out` holds 2 x count. Returns the length. */
size_t sim_rfc2217_escape(const uint8_t *in, size_t count, uint8_t *out);

/* sim_state.c: the boot state file (host/sim/state.ts), and the passage from one boot to the next. */
bool sim_state_load(const char *path, bool *found);
bool sim_state_save(const char *path);
void sim_state_next_boot(void);

/* sim_preload.c: checks a .tsb against the board and installs it; on error writes why into `error`. */
bool sim_preload(const uint8_t *file, size_t length, char *error, size_t error_size);
uint32_t sim_crc32(const uint8_t *data, size_t length);

#endif /* TSBOOT_SIM_H */
