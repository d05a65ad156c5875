/*
 * The probe application, for the Renode scenarios of issue 9 (renode/build-artifacts.ts builds it with
 * renode/probe-app.ts as probe-app-1.0.0). Like apps/demo it prints a banner and echoes what it receives;
 * on top of that it does, on request, what those scenarios need an application to do:
 *
 *   'f'  hard-fault: probe_hard_fault executes UDF. The startup routes every fault here to probe_fault_entry,
 *        which records it in tsboot's no-init fault record with the stacked PC (hal_fault_reset, the same
 *        record the bootloader's own fault entry writes) and resets, so the next boot reports it in INFO.
 *   'e'  try to erase flash sector 0, the bootloader's own, straight through FLASH_KEYR/FLASH_CR as a buggy
 *        application could, and print FLASH_SR afterwards. With the option bytes' nWRP protecting sector 0
 *        the controller refuses it (WRPERR) and the bootloader survives; without, sector 0 is gone.
 *   'u'  request an update (the update-request flag, then a reset), as the demo application.
 */
#include "stm32f4_regs.h"
#include "tsboot_app.h"
#include "tsboot_board.h"
#include "tsboot_hal.h"

#define PROBE_ERASE_POLLS 100000000u /* far beyond a 16 KB erase (500 ms at most) at any clock here */

static void put(const char *s) {
  while (*s != '\0') hal_uart_write_byte((uint8_t)*s++);
}

static void put_hex(uint32_t v) {
  static const char digits[] = "0123456789ABCDEF";
  for (int shift = 28; shift >= 0; shift -= 4) hal_uart_write_byte((uint8_t)digits[(v >> (uint32_t)shift) & 0xFu]);
}

/* The faulting instruction is this function's first: the stacked PC is its address (the tests read it from
 * the ELF's symbol table). UDF with UsageFault disabled escalates to HardFault. */
__attribute__((naked, noinline)) void probe_hard_fault(void) { __asm__ volatile("udf #0"); }

/* The C half of the fault entry: frame is the stacked exception frame (r0-r3, r12, lr, pc, xPSR); the kinds
 * as hal-bindings/port/tsboot_fault_entry.c maps them. */
__attribute__((used)) _Noreturn void probe_fault_record(const uint32_t *frame, uint32_t ipsr) {
  static const uint32_t kinds[7] = {HAL_FAULT_UNEXPECTED_IRQ, HAL_FAULT_UNEXPECTED_IRQ, HAL_FAULT_NMI, HAL_FAULT_HARD,
                                    HAL_FAULT_MEMMANAGE, HAL_FAULT_BUS, HAL_FAULT_USAGE};
  uint32_t exception = ipsr & 0x1FFu;
  hal_fault_reset(exception < 7u ? kinds[exception] : HAL_FAULT_UNEXPECTED_IRQ, frame[6]);
}

/* Default_Handler branches here (the startup is generated with faultHandler "probe_fault_entry"). */
__attribute__((naked)) void probe_fault_entry(void) {
  __asm__ volatile(
      "tst lr, #4\n\t"
      "ite eq\n\t"
      "mrseq r0, msp\n\t"
      "mrsne r0, psp\n\t"
      "mrs r1, ipsr\n\t"
      "b probe_fault_record\n\t");
}

static void probe_erase_bootloader_sector(void) {
  REG_WRITE32(FLASH_KEYR, FLASH_KEY1);
  REG_WRITE32(FLASH_KEYR, FLASH_KEY2);
  REG_WRITE32(FLASH_CR, FLASH_CR_PSIZE_x32 | FLASH_CR_SER | (0u << FLASH_CR_SNB_Pos));
  REG_WRITE32(FLASH_CR, FLASH_CR_PSIZE_x32 | FLASH_CR_SER | (0u << FLASH_CR_SNB_Pos) | FLASH_CR_STRT);
  for (uint32_t i = 0; i < PROBE_ERASE_POLLS && (REG_READ32(FLASH_SR) & FLASH_SR_BSY) != 0u; i++) {
  }
  uint32_t sr = REG_READ32(FLASH_SR);
  REG_WRITE32(FLASH_SR, sr & FLASH_SR_ERRORS);
  REG_WRITE32(FLASH_CR, FLASH_CR_LOCK);
  put("probe-app: erase sector 0: FLASH_SR=0x");
  put_hex(sr);
  put((sr & FLASH_SR_WRPERR) != 0u ? " refused (WRPERR)\r\n" : " done\r\n");
}

int main(void) {
  (void)hal_clock_init(BOARD_HSE_HZ, BOARD_SYSCLK_HZ);
  hal_gpio_af_init(BOARD_UART_TX_PORT, BOARD_UART_TX_PIN, BOARD_UART_TX_AF);
  hal_gpio_af_init(BOARD_UART_RX_PORT, BOARD_UART_RX_PIN, BOARD_UART_RX_AF);
  hal_uart_init(BOARD_UART_BASE, hal_clock_pclk_hz(BOARD_UART_BASE), BOARD_BAUD, false);
  put("probe-app " APP_VERSION " on " BOARD_NAME "\r\n");
  for (;;) {
    int32_t c = hal_uart_read_byte();
    if (c < 0) continue;
    if (c == 'f') {
      put("probe-app: hard fault now\r\n");
      hal_uart_flush();
      probe_hard_fault();
    } else if (c == 'e') {
      probe_erase_bootloader_sector();
    } else if (c == 'u') {
      put("probe-app: update requested\r\n");
      hal_uart_flush();
      tsboot_request_update();
    } else {
      hal_uart_write_byte((uint8_t)c);
    }
  }
}
