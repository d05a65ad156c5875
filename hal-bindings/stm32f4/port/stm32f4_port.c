/*
 * The STM32F4 port: the @extern bindings the portable bootloader calls (the .ts files of hal-bindings), over the
 * register-level drivers of this folder, plus the platform functions of compiled subset programs
 * (tsb_print, tsb_print_int, tsb_panic). Board facts come from the generated tsboot_board.h.
 */
#include "tsboot_board.h"
#include "tsboot_hal.h"
#include "tsboot_port.h"

/* ---- flash ---- */

uint32_t hal_flash_erase(uint32_t index) { return hal_flash_erase_sector(board_sector_number(index)); }

/* Programs whole 32-bit words (PSIZE x32, the write unit on F4); data.len is a multiple of 4. */
uint32_t hal_flash_program(uint32_t address, tsb_view_u8 data) {
  if ((address & 3u) != 0u || (data.len & 3u) != 0u) return HAL_ERR_ARG;
  for (uint32_t at = 0; at < data.len; at += 4u) {
    uint32_t word = (uint32_t)data.ptr[at] | ((uint32_t)data.ptr[at + 1u] << 8) | ((uint32_t)data.ptr[at + 2u] << 16) |
                    ((uint32_t)data.ptr[at + 3u] << 24);
    uint32_t status = hal_flash_program_word(address + at, word);
    if (status != HAL_OK) return status;
  }
  return HAL_OK;
}

/* Flash is memory-mapped: the view is the flash itself (the bootloader never writes through it). */
tsb_view_u8 hal_flash_view(uint32_t address, uint32_t length) {
  tsb_view_u8 view = {(uint8_t *)(uintptr_t)address, length};
  return view;
}

/* ---- clocks and time ---- */

uint32_t hal_port_clock_init(void) { return hal_clock_init(BOARD_HSE_HZ, BOARD_SYSCLK_HZ); }
void hal_port_clock_deinit(void) { hal_clock_deinit(); }

void hal_port_tick_init(void) {
  uint32_t hz = BOARD_TICK_CLOCK_HZ != 0u ? BOARD_TICK_CLOCK_HZ : hal_clock_hclk_hz();
  hal_tick_init(hz);
}
void hal_port_tick_deinit(void) { hal_tick_deinit(); }
uint32_t hal_port_millis(void) { return hal_millis(); }

/* ---- UART ---- */

void hal_port_uart_init(uint32_t baud, bool even_parity) {
  hal_gpio_af_init(BOARD_UART_TX_PORT, BOARD_UART_TX_PIN, BOARD_UART_TX_AF);
  hal_gpio_af_init(BOARD_UART_RX_PORT, BOARD_UART_RX_PIN, BOARD_UART_RX_AF);
  uint32_t pclk = BOARD_UART_ON_APB2 ? hal_clock_pclk2_hz() : hal_clock_pclk1_hz();
  hal_uart_init(BOARD_UART_BASE, pclk, baud, even_parity);
}
int32_t hal_port_uart_read(void) { return hal_uart_read_byte(); }

/* TRANSITIONAL (until the F4 DMA driver lands): reception is polled into the ring on every head query. */
static tsb_view_u8 s_ring;
static uint32_t s_ring_head;
void hal_port_uart_rx_start(tsb_view_u8 ring) {
  s_ring = ring;
  s_ring_head = 0;
}
uint32_t hal_port_uart_rx_head(void) {
  if (s_ring.len == 0u) return 0u;
  int32_t b;
  while ((b = hal_uart_read_byte()) >= 0) {
    s_ring.ptr[s_ring_head] = (uint8_t)b;
    s_ring_head = s_ring_head + 1u == s_ring.len ? 0u : s_ring_head + 1u;
  }
  return s_ring_head;
}
uint32_t hal_port_uart_take_errors(void) { return hal_uart_take_errors(); }
void hal_port_uart_write(uint8_t value) { hal_uart_write_byte(value); }
void hal_port_uart_flush(void) { hal_uart_flush(); }
/* The USART back to reset; its pins go back to inputs with the port reset (the application reconfigures). */
void hal_port_uart_deinit(void) {
  hal_uart_flush();
  hal_uart_deinit();
  s_ring.len = 0u;
}

/* ---- trigger pin, update flag, reset ---- */

bool hal_port_trigger_active(void) {
  static bool configured = false;
  if (!configured) {
    hal_gpio_input_init(BOARD_TRIGGER_PORT, BOARD_TRIGGER_PIN, BOARD_TRIGGER_PULL);
    configured = true;
    /* Let an internal pull settle before the first read (a few microseconds at most). */
    for (volatile uint32_t i = 0; i < 100u; i++) {
    }
  }
  bool high = hal_gpio_read(BOARD_TRIGGER_PORT, BOARD_TRIGGER_PIN);
  return BOARD_TRIGGER_ACTIVE_HIGH ? high : !high;
}

#define UPDATE_FLAG (*(volatile uint32_t *)(uintptr_t)BOARD_UPDATE_FLAG_ADDR)
uint32_t hal_port_update_flag_read(void) { return UPDATE_FLAG; }
void hal_port_update_flag_clear(void) { UPDATE_FLAG = 0u; }

_Noreturn void hal_port_system_reset(void) {
  hal_uart_flush();
  tsb_cpu_dsb();
  TSB_MMIO_WRITE32(0xE000ED0Cu, 0x05FA0004u); /* SCB AIRCR: VECTKEY | SYSRESETREQ */
  tsb_cpu_dsb();
  for (;;) {
  }
}

/* ---- TRANSITIONAL (until the F4 drivers implement the v2 driver API): watchdog, protection, faults ---- */

bool hal_port_watchdog_hardware(void) { return false; }
void hal_port_watchdog_start(uint32_t timeoutMs) { (void)timeoutMs; }
void hal_port_watchdog_refresh(void) {}
uint32_t hal_port_reset_cause(void) { return 0u; }
uint32_t hal_port_fault_kind(void) { return 0u; }
uint32_t hal_port_fault_detail(void) { return 0u; }
bool hal_port_flash_bootloader_protected(void) { return false; }
uint32_t hal_port_flash_protect_bootloader(bool protect) {
  (void)protect;
  return HAL_ERR_ARG;
}
bool hal_port_flash_take_ecc_error(void) { return false; }
void hal_port_vector_table_set(uint32_t address) { TSB_MMIO_WRITE32(0xE000ED08u, address); }
void hal_port_cpu_quiesce(void) {}
/* No-init words after the update flag: [4] the confirmation entry's address, [5] the trial id, [6] a check
 * (address ^ id ^ "TSBC") that tsboot_confirm() tests, so garbage after a power-on is never acted on. */
void hal_port_trial_publish(uint32_t address, uint32_t id) {
  volatile uint32_t *words = (volatile uint32_t *)(uintptr_t)BOARD_UPDATE_FLAG_ADDR;
  words[4] = address;
  words[5] = id;
  words[6] = address ^ id ^ 0x43425354u;
}

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

/* Decimal without 64-bit division (which would pull libgcc's __aeabi_uldivmod into the bootloader). */
static void print_u32(uint32_t value) {
  char digits[10];
  uint32_t n = 0;
  do {
    digits[n++] = (char)('0' + (char)(value % 10u));
    value /= 10u;
  } while (value != 0u && n < sizeof digits);
  while (n > 0u) hal_uart_write_byte((uint8_t)digits[--n]);
}

/* A broken invariant: say where on the UART, then reset. The bootloader starts again in a clean state and,
 * with no valid application, stays in update mode: the device can always be updated again. */
_Noreturn void tsb_panic(uint32_t kind, const char *file, uint32_t line, const char *message) {
  tsb_print("\r\nPANIC ");
  print_u32(kind);
  tsb_print(" ");
  tsb_print(file);
  tsb_print(":");
  print_u32(line);
  tsb_print(" ");
  tsb_print(message);
  tsb_print("\r\n");
  hal_port_system_reset();
}
