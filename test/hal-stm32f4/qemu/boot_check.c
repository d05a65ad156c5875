/*
 * Boots on QEMU's netduinoplus2 with the generated startup and linker script and the real drivers, and
 * reports over USART1 (QEMU's first -serial) what it found; exits through semihosting (exit code 0 when
 * .data/.bss/FPU were set up right). Board values come in as -D flags from boards/netduinoplus2.json.
 *
 * Expected under QEMU 7.2: RCC is not modelled, so hal_clock_init falls back to HSI (16 MHz); the flash
 * interface is not modelled and flash is ROM, so programming reports HAL_ERR_VERIFY (9).
 */
#include "tsboot_hal.h"

#include <stdint.h>

static volatile uint32_t g_data = 0x12345678u;
static volatile uint32_t g_bss;
static volatile float g_scale = 2.5f;

static void uart_puts(const char *s) {
  while (*s != '\0') {
    hal_uart_write_byte((uint8_t)*s++);
  }
}

static void uart_hex(uint32_t v) {
  for (int shift = 28; shift >= 0; shift -= 4) {
    hal_uart_write_byte((uint8_t)"0123456789ABCDEF"[(v >> shift) & 0xFu]);
  }
}

static void semihost_exit(bool ok) {
  register uint32_t r0 __asm__("r0") = 0x18u;                       /* SYS_EXIT */
  register uint32_t r1 __asm__("r1") = ok ? 0x20026u : 0x20023u;    /* ApplicationExit / RunTimeError */
  __asm__ volatile("bkpt 0xAB" : : "r"(r0), "r"(r1) : "memory");
}

int main(void) {
  uint32_t sysclk = hal_clock_init(BOARD_HSE_HZ, BOARD_SYSCLK_HZ);
  hal_uart_init(BOARD_UART_BASE, hal_clock_pclk_hz(BOARD_UART_BASE), BOARD_BAUD, false);
  bool ok = g_data == 0x12345678u && g_bss == 0u && (int)(g_scale * 4.0f) == 10;
  uart_puts("tsboot-qemu sysclk=");
  uart_hex(sysclk);
  uart_puts(ok ? " data=ok" : " data=BAD");
  uart_puts(" program=");
  static const uint8_t word[4] = {0xA5, 0x5A, 0xA5, 0x5A};
  uart_hex(hal_flash_program_unit(BOARD_APP_START, word)); /* unloaded flash reads 0 there */
  uart_puts(" end\n");
  hal_uart_flush();
  semihost_exit(ok);
  return 0;
}
