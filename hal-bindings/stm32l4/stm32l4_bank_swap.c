/*
 * STM32L4 dual-bank boot as the bank-swap install (docs/slots.md, docs/hal-stm32l4.md "BFB2"): the option bit
 * FLASH_OPTR.BFB2 (RM0351 3.4.1 and 3.7.8, bit 20) and the mapping register SYSCFG_MEMRMP.FB_MODE (RM0351
 * 9.2.1, bit 8).
 *
 * With BFB2 = 1 and the boot pins selecting the main flash, the device starts in system memory, whose ROM
 * bootloader (AN2606, "dual bank boot" of the STM32L47xxx/48xxx) jumps to bank 2 when its first word is a
 * stack pointer in SRAM, after setting FB_MODE (bank 2 at 0x08000000, bank 1 at 0x08080000); else to bank 1.
 * With BFB2 = 0 the device starts from bank 1, FB_MODE = 0. On a bank-swap board both banks start with the
 * same tsboot bootloader, so BFB2 says which bank is at the flash base after the next option load, as
 * SWAP_BANK does on H7.
 *
 * An option change is written to the option bytes by OPTSTRT and takes effect only when they are loaded:
 * by OBL_LAUNCH (a reset of its own) or a power-on, never by a plain system reset (RM0351 3.4.2). FLASH_OPTR
 * reads the value written until then, so it stands for "the next reset" as H7's OPTSR_CUR.SWAP_BANK_OPT does,
 * and stm32l4_flash_bank_swap_load turns the port's requested reset into OBL_LAUNCH.
 */
#include "stm32l4.h"
#include "stm32l4_regs.h"
#include "tsboot_hal.h"

bool stm32l4_flash_bank_swap_active(void) {
  /* SYSCFG reads 0 with its clock off (RCC_APB2ENR.SYSCFGEN, RM0351 6.4). The enable is written only when
   * needed; reading it back delays the first SYSCFG access until the clock runs, as ST's
   * __HAL_RCC_SYSCFG_CLK_ENABLE does. */
  uint32_t enr = REG_READ32(RCC_APB2ENR);
  if ((enr & RCC_APB2ENR_SYSCFGEN) == 0u) {
    REG_WRITE32(RCC_APB2ENR, enr | RCC_APB2ENR_SYSCFGEN);
    (void)REG_READ32(RCC_APB2ENR);
  }
  return (REG_READ32(SYSCFG_MEMRMP) & SYSCFG_MEMRMP_FB_MODE) != 0u;
}

bool stm32l4_flash_bank_swap_next_reset(void) { return (REG_READ32(FLASH_OPTR) & FLASH_OPTR_BFB2) != 0u; }

/*
 * RM0351 3.4.2 "Modifying user option bytes": FLASH_CR unlocked, OPTKEYR, the new value in FLASH_OPTR (a
 * read-modify-write: RDP, the watchdog and boot options are written back as they are), OPTSTRT, BSY. On an
 * error FLASH_OPTR gets its old value back, so that it does not announce a mapping the option bytes do not
 * hold; FLASH_CR (LOCK and OPTLOCK) is locked again on every path.
 */
uint32_t stm32l4_flash_bank_swap_set(bool swapped) {
  if (stm32l4_flash_bank_swap_next_reset() == swapped) {
    return HAL_OK; /* already what the next option load applies: no option byte cycle spent */
  }
  uint32_t status = stm32l4_options_begin();
  if (status != HAL_OK) {
    return status;
  }
  uint32_t optr = REG_READ32(FLASH_OPTR);
  REG_WRITE32(FLASH_OPTR, swapped ? (optr | FLASH_OPTR_BFB2) : (optr & ~FLASH_OPTR_BFB2));
  status = stm32l4_options_program();
  if (status != HAL_OK) {
    REG_WRITE32(FLASH_OPTR, optr);
  }
  hal_flash_lock();
  if (status == HAL_OK && stm32l4_flash_bank_swap_next_reset() != swapped) {
    status = HAL_ERR_VERIFY;
  }
  return status;
}

void stm32l4_flash_bank_swap_load(void) {
  if (stm32l4_flash_bank_swap_next_reset() == stm32l4_flash_bank_swap_active()) {
    return; /* nothing programmed that waits for a load */
  }
  if (stm32l4_options_begin() == HAL_OK) {
    (void)stm32l4_options_load(); /* a reset; returns (locked) only if the load never came */
  }
}
