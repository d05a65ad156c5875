/*
 * The port: the @extern bindings of hal-bindings/{board,flash,uart,system}.ts (prototypes in tsboot_port.h)
 * over the driver API every family implements (tsboot_hal.h), plus the platform functions of compiled subset
 * programs (tsb_print, tsb_print_int, tsb_panic). One file for every family: what differs comes from the
 * drivers and from the generated board header (tsboot_board.h) and tables (board.c).
 *
 * It is also the last line of defence of the flash map: whatever the TypeScript asks, no erase or program
 * touches the bootloader's own region, nor anything outside the regions it may change (application, config,
 * and the secondary slot and scratch area on two-slot boards, the config region's twin on a bank-swap board):
 * HAL_ERR_PROTECTED, nothing touched; a bank-swap board's bootloader copy is protected as its own region.
 */
#include "tsboot_board.h"
#include "tsboot_hal.h"
#include "tsboot_port.h"

/* ---- flash ---- */

/* [start, start + size), size not 0, lies wholly inside [region, region + region_size), a region that ends at or
 * below 2^32 (every board region does). A start below the region needs no test of its own: start - region then
 * wraps to at least 2^32 - region >= region_size > region_size - size. */
static bool range_inside(uint32_t start, uint32_t size, uint32_t region, uint32_t region_size) {
  return size <= region_size && start - region <= region_size - size;
}

/* [start, start + size) and [region, region + region_size), both non-empty, share an address: one of them
 * starts inside the other (modular differences: no sum can overflow). */
static bool range_overlaps(uint32_t start, uint32_t size, uint32_t region, uint32_t region_size) {
  return start - region < region_size || region - start < size;
}

/* size is not 0. */
static bool range_touches_bootloader(uint32_t start, uint32_t size) {
  return range_overlaps(start, size, BOARD_BOOTLOADER_START, BOARD_BOOTLOADER_SIZE) ||
         (board_bank_swap_size() != 0u && /* a bank-swap board's second copy */
          range_overlaps(start, size, BOARD_BOOTLOADER_START + board_bank_swap_size(), BOARD_BOOTLOADER_SIZE));
}

/* The only flash the bootloader may change: the application region, the config region and, on boards with
 * two slots, the secondary slot and the scratch area (size 0 otherwise); never its own region. */
static bool range_writable(uint32_t start, uint32_t size) {
  if (size == 0u || range_touches_bootloader(start, size)) {
    return false;
  }
  return range_inside(start, size, board_app_start(), board_app_size()) ||
         (board_config_size() != 0u && range_inside(start, size, board_config_start(), board_config_size())) ||
         (board_secondary_size() != 0u && range_inside(start, size, board_secondary_start(), board_secondary_size())) ||
         (board_scratch_size() != 0u && range_inside(start, size, board_scratch_start(), board_scratch_size())) ||
         (board_bank_swap_size() != 0u && /* the status log's half in the other bank */
          range_inside(start, size, board_config_start() + board_bank_swap_size(), board_config_size()));
}

uint32_t hal_flash_erase(uint32_t index) {
  if (index >= board_sector_count()) {
    return HAL_ERR_ARG;
  }
  if (!range_writable(board_sector_start(index), board_sector_size(index))) {
    return HAL_ERR_PROTECTED;
  }
  return hal_flash_erase_unit(board_sector_number(index));
}

/* Whole write units (hal_flash_write_unit: a power of two); address and data.len multiples of it. */
uint32_t hal_flash_program(uint32_t address, tsb_view_u8 data) {
  uint32_t unit = hal_flash_write_unit();
  if (unit == 0u || (address & (unit - 1u)) != 0u || (data.len & (unit - 1u)) != 0u) {
    return HAL_ERR_ARG;
  }
  if (data.len == 0u) {
    return HAL_OK;
  }
  if (!range_writable(address, data.len)) {
    return HAL_ERR_PROTECTED;
  }
  for (uint32_t at = 0; at < data.len; at += unit) {
    uint32_t status = hal_flash_program_unit(address + at, data.ptr + at);
    if (status != HAL_OK) {
      return status;
    }
  }
  return HAL_OK;
}

/* Flash is memory-mapped: the view is the flash itself (the bootloader never writes through it). */
tsb_view_u8 hal_flash_view(uint32_t address, uint32_t length) {
  tsb_view_u8 view = {(uint8_t *)(uintptr_t)address, length};
  return view;
}

/* The erase units of the bootloader region, BOARD_BOOTLOADER_FIRST_UNIT to _LAST_UNIT (hardware numbers), are
 * board data: boards/board-c.ts works them out from the region the header gives (whole units: boards/index.ts
 * checks that every region starts and ends on a unit boundary). */
bool hal_port_flash_bootloader_protected(void) {
  if (BOARD_BOOTLOADER_UNITS == 0u) {
    return false;
  }
  for (uint32_t n = BOARD_BOOTLOADER_FIRST_UNIT; n <= BOARD_BOOTLOADER_LAST_UNIT; n++) {
    if (!hal_flash_wrp_active(n)) {
      return false;
    }
  }
  return true;
}

uint32_t hal_port_flash_protect_bootloader(bool protect) {
  if (BOARD_BOOTLOADER_UNITS == 0u) {
    return HAL_ERR_ARG;
  }
  return hal_flash_wrp_set(BOARD_BOOTLOADER_FIRST_UNIT, BOARD_BOOTLOADER_LAST_UNIT, protect);
}

bool hal_port_flash_take_ecc_error(void) { return hal_flash_take_ecc_error(); }

/* ---- clocks and time ---- */

uint32_t hal_port_clock_init(void) {
  /* A hardware watchdog has run since reset at its reset period (about 0.35 s at the fastest LSI); the HSE
   * may take its whole 100 ms bound to fail. */
  hal_iwdg_refresh();
  uint32_t hz = hal_clock_init(BOARD_HSE_HZ, BOARD_SYSCLK_HZ);
  hal_iwdg_refresh();
  return hz;
}
void hal_port_clock_deinit(void) { hal_clock_deinit(); }

void hal_port_tick_init(void) {
  uint32_t hz = BOARD_TICK_CLOCK_HZ != 0u ? BOARD_TICK_CLOCK_HZ : hal_clock_hclk_hz();
  hal_tick_init(hz);
}
void hal_port_tick_deinit(void) { hal_tick_deinit(); }
uint32_t hal_port_millis(void) { return hal_millis(); }

/* ---- UART ---- */

/* Reception into the caller's ring: by DMA (circular, runs while the CPU stalls on flash), or, where the
 * target has no DMA for this UART (BOARD_UART_RX_POLLED, or the driver cannot start it), by polling the UART
 * into the ring whenever the head is asked for: then a byte can be lost while the CPU stalls (ORE).
 * The state in one structure (one address to load): the ring (length 0: no reception runs), whether DMA
 * fills it, where polling stores the next byte, and the pause after an empty poll. */
static struct {
  tsb_view_u8 view;
  bool dma;
  uint32_t head; /* polling: where the next byte goes; DMA: the head last reported */
  uint32_t pause; /* iterations of the pause after an empty poll (rx_idle_pause) */
} s_rx;

void hal_port_uart_init(uint32_t baud, bool evenParity) {
  hal_gpio_af_init(BOARD_UART_TX_PORT, BOARD_UART_TX_PIN, BOARD_UART_TX_AF);
  hal_gpio_af_init(BOARD_UART_RX_PORT, BOARD_UART_RX_PIN, BOARD_UART_RX_AF);
  /* Waits for TC before it changes a running USART; DMA reception into the ring goes on across it. */
  hal_uart_init(BOARD_UART_BASE, hal_clock_pclk_hz(BOARD_UART_BASE), baud, evenParity);
  s_rx.pause = hal_clock_hclk_hz() / baud; /* the caller never passes 0 (uart-io, native-protocol) */
}

/* The ring itself, sized by board data (boards/uart-rates.ts): it takes what the line carries while the CPU
 * stalls on an erase. In .bss: the application gets this RAM back. */
static uint8_t s_ring_storage[BOARD_UART_RX_RING_SIZE];

tsb_view_u8 hal_port_uart_rx_ring(void) {
  tsb_view_u8 ring = {s_ring_storage, (uint32_t)sizeof s_ring_storage};
  return ring;
}

void hal_port_uart_rx_start(tsb_view_u8 ring) {
  if (s_rx.dma) {
    hal_uart_rx_dma_stop();
  }
  s_rx.view = ring;
  s_rx.head = 0;
  s_rx.dma = false;
#if !BOARD_UART_RX_POLLED
  s_rx.dma = ring.len != 0u && hal_uart_rx_dma_start(ring.ptr, ring.len);
#endif
}

/* An empty poll pauses before it answers, so a caller spinning on an empty ring (uart-io.ts readByte) reads
 * the DMA's or the USART's registers some hundred thousand times a second rather than tens of millions. The
 * pause is hclk / baud iterations of 3 to 6 cycles: a third to a half of a character time, which the USART's
 * data register bridges when it is polled (and DMA needs no bridge). On silicon that costs nothing; in an
 * emulator every register access is a call into a device model, and the idle loop made the bootloader
 * crawl in Renode (docs/renode.md). The simulations charge an empty poll 10 us (TIME.pollUs). */
static void rx_idle_pause(void) {
  for (uint32_t n = s_rx.pause; n != 0u; n--) {
    __asm volatile("" ::: "memory");
  }
}

uint32_t hal_port_uart_rx_head(void) {
  if (s_rx.view.len == 0u) {
    return 0u;
  }
  bool idle;
  if (s_rx.dma) {
    uint32_t head = hal_uart_rx_dma_head();
    idle = head == s_rx.head;
    s_rx.head = head;
  } else {
    /* Bounded by the ring: characters arrive far slower than this loop runs. */
    uint32_t n = 0;
    for (; n < s_rx.view.len; n++) {
      int32_t b = hal_uart_read_byte();
      if (b < 0) {
        break;
      }
      s_rx.view.ptr[s_rx.head] = (uint8_t)b;
      s_rx.head = s_rx.head + 1u == s_rx.view.len ? 0u : s_rx.head + 1u;
    }
    idle = n == 0u;
  }
  if (idle) {
    rx_idle_pause();
  }
  return s_rx.head;
}

/* Polled reception, for when no ring reception runs; while one does, the ring owns every byte: -1. */
int32_t hal_port_uart_read(void) { return s_rx.view.len != 0u ? -1 : hal_uart_read_byte(); }
uint32_t hal_port_uart_take_errors(void) { return hal_uart_take_errors(); }
void hal_port_uart_write(uint8_t value) { hal_uart_write_byte(value); }
void hal_port_uart_flush(void) { hal_uart_flush(); }

/* Before the jump: reception stopped, the USART reset and clocked off, its pins back to their reset mode and
 * their ports' clocks off (the trigger pin was put back after its one read). hal_uart_deinit flushes the last
 * reply and stops DMA reception itself, in every family. */
void hal_port_uart_deinit(void) {
  hal_uart_deinit();
  hal_gpio_pin_reset(BOARD_UART_TX_PORT, BOARD_UART_TX_PIN);
  hal_gpio_pin_reset(BOARD_UART_RX_PORT, BOARD_UART_RX_PIN);
  hal_gpio_clock_off(BOARD_UART_TX_PORT);
  if (BOARD_UART_RX_PORT != BOARD_UART_TX_PORT) {
    hal_gpio_clock_off(BOARD_UART_RX_PORT);
  }
  s_rx.view.len = 0u;
  s_rx.dma = false;
}

/* ---- trigger pin, update flag, reset ---- */

/* Configured for the read and put back at once, so nothing of it is left for the application. */
bool hal_port_trigger_active(void) {
  hal_gpio_input_init(BOARD_TRIGGER_PORT, BOARD_TRIGGER_PIN, BOARD_TRIGGER_PULL);
  /* Let an internal pull settle before the read (a few microseconds at most). */
  for (volatile uint32_t i = 0; i < 100u; i++) {
  }
  bool high = hal_gpio_read(BOARD_TRIGGER_PORT, BOARD_TRIGGER_PIN);
  hal_gpio_pin_reset(BOARD_TRIGGER_PORT, BOARD_TRIGGER_PIN);
  if (BOARD_TRIGGER_PORT != BOARD_UART_TX_PORT && BOARD_TRIGGER_PORT != BOARD_UART_RX_PORT) {
    hal_gpio_clock_off(BOARD_TRIGGER_PORT);
  }
  return BOARD_TRIGGER_ACTIVE_HIGH ? high : !high;
}

/* Any input pin, for a product's own triggers (hal-bindings/system.ts pinRead). Configured for the read and
 * put back at once, like the trigger; a UART pin keeps its alternate function (its input register reads
 * the line all the same). */
bool hal_port_pin_read(uint32_t port_index, uint32_t pin, int32_t pull) {
  if (port_index >= 11u || pin >= 16u || pull < 0 || pull > (int32_t)HAL_GPIO_PULL_DOWN) {
    return false;
  }
  const bool uart_pin = (port_index == BOARD_UART_TX_PORT && pin == BOARD_UART_TX_PIN) || (port_index == BOARD_UART_RX_PORT && pin == BOARD_UART_RX_PIN);
  if (uart_pin) {
    return hal_gpio_read(port_index, pin);
  }
  hal_gpio_input_init(port_index, pin, (uint32_t)pull);
  for (volatile uint32_t i = 0; i < 100u; i++) {
  }
  const bool high = hal_gpio_read(port_index, pin);
  hal_gpio_pin_reset(port_index, pin);
  if (port_index != BOARD_UART_TX_PORT && port_index != BOARD_UART_RX_PORT) {
    hal_gpio_clock_off(port_index);
  }
  return high;
}

/* The no-init words at the top of RAM (boards/linker.ts): [0] the update-request flag, [1..2] the reset cause
 * for the application, [4..6] the trial words. */
extern volatile uint32_t __tsboot_update_flag[16]; /* the linker scripts' no-init block (boards/linker.ts) */
#define NOINIT_WORDS __tsboot_update_flag
uint32_t hal_port_update_flag_read(void) { return NOINIT_WORDS[0]; }
void hal_port_update_flag_clear(void) { NOINIT_WORDS[0] = 0u; }

/* [4] the confirmation entry's address, [5] the trial id, [6] a check (address ^ id ^ "TSBC") that
 * tsboot_confirm() (apps/include/tsboot_app.h) tests, so garbage after a power-on is never acted on. */
void hal_port_trial_publish(uint32_t address, uint32_t id) {
  NOINIT_WORDS[4] = address;
  NOINIT_WORDS[5] = id;
  NOINIT_WORDS[6] = address ^ id ^ 0x43425354u;
}

/* Before a requested reset (hal-bindings/port/tsboot_bank_swap.c): on an L4 bank-swap board, a programmed
 * BFB2 is loaded by OBL_LAUNCH, a reset of its own; elsewhere nothing. */
void tsboot_bank_swap_before_reset(void);

/* A requested reset: the last reply fully sent, then a system reset that records no fault. */
_Noreturn void hal_port_system_reset(void) {
  hal_uart_flush();
  tsboot_bank_swap_before_reset();
  hal_fault_reset(HAL_FAULT_NONE, 0u);
}

/* ---- watchdog, reset cause, faults ---- */

bool hal_port_watchdog_hardware(void) { return hal_flash_option_hw_watchdog(); }
void hal_port_watchdog_start(uint32_t timeoutMs) { hal_iwdg_start(timeoutMs); }
void hal_port_watchdog_refresh(void) { hal_iwdg_refresh(); }
/* The reset cause, also left for the application in no-init words [1] (HAL_RESET_* bits) and [2] (its
 * complement, so power-on garbage is not mistaken for a cause): the bootloader cleared RCC_CSR, so the
 * application cannot read it there any more (tsboot_app.h, tsboot_reset_cause()). */
uint32_t hal_port_reset_cause(void) {
  uint32_t cause = hal_reset_cause();
  NOINIT_WORDS[1] = cause;
  NOINIT_WORDS[2] = ~cause;
  return cause;
}
uint32_t hal_port_fault_kind(void) { return hal_fault_kind(); }
uint32_t hal_port_fault_detail(void) { return hal_fault_detail(); }

/* ---- before the jump ---- */

void hal_port_vector_table_set(uint32_t address) { hal_cpu_vector_table(address); }
void hal_port_cpu_quiesce(void) { hal_cpu_quiesce(); }

/* ---- platform of compiled subset programs ---- */

void tsb_print(const char *text) {
  while (*text != '\0') hal_uart_write_byte((uint8_t)*text++);
}

void tsb_print_int(int64_t value) {
  char digits[21];
  uint32_t n = 0;
  uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
  do {
    digits[n++] = (char)('0' + (char)(magnitude % 10u));
    magnitude /= 10u;
  } while (magnitude != 0u && n < sizeof digits);
  if (value < 0) hal_uart_write_byte('-');
  while (n > 0u) hal_uart_write_byte((uint8_t)digits[--n]);
}

/* A broken invariant: recorded (HAL_FAULT_PANIC with the source line) and reset. Nothing is printed: the line
 * may belong to the application's peer, and the next boot reports the record (INFO, and the console when no
 * session is open). With no valid application the bootloader then stays in update mode: the device can
 * always be updated again. */
__attribute__((noinline, cold)) _Noreturn void tsb_panic(uint32_t kind, const char *file, uint32_t line, const char *message) {
  (void)kind;
  (void)file;
  (void)message;
  hal_uart_flush(); /* a reply already handed to the USART leaves whole */
  hal_fault_reset(HAL_FAULT_PANIC, line);
}
