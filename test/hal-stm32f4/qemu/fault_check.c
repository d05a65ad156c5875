/*
 * The fault path end to end on QEMU's netduinoplus2 (a real Cortex-M4 core model): the first boot executes an
 * undefined instruction; the generated startup's Default_Handler branches to the port's tsboot_fault_entry,
 * which takes the stacked PC and calls hal_fault_reset (from RAM), whose SYSRESETREQ resets the machine. The
 * second boot finds the record in no-init RAM and reports it over USART1, then exits through semihosting:
 * exit code 0 when the kind is HAL_FAULT_HARD (UsageFault escalated) and the PC is the faulting instruction's.
 */
#include "tsboot_board.h"
#include "tsboot_hal.h"

#include <stdint.h>

extern const char fault_here[]; /* the faulting instruction, labelled in main */

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
  register uint32_t r0 __asm__("r0") = 0x18u;                    /* SYS_EXIT */
  register uint32_t r1 __asm__("r1") = ok ? 0x20026u : 0x20023u; /* ApplicationExit / RunTimeError */
  __asm__ volatile("bkpt 0xAB" : : "r"(r0), "r"(r1) : "memory");
}

int main(void) {
  hal_uart_init(BOARD_UART_BASE, hal_clock_pclk_hz(BOARD_UART_BASE), BOARD_BAUD, false);
  uint32_t kind = hal_fault_kind();
  uint32_t detail = hal_fault_detail();
  if (kind == HAL_FAULT_NONE) {
    uart_puts("first boot\n");
    hal_uart_flush();
    __asm__ volatile(".global fault_here\nfault_here:\n\tudf #0" ::: "memory");
  }
  uart_puts("fault kind=");
  uart_hex(kind);
  uart_puts(" pc=");
  uart_hex(detail);
  uart_puts(" expected=");
  uart_hex((uint32_t)(uintptr_t)fault_here & ~1u);
  uart_puts(" end\n");
  hal_uart_flush();
  semihost_exit(kind == HAL_FAULT_HARD && detail == ((uint32_t)(uintptr_t)fault_here & ~1u));
  return 0;
}
