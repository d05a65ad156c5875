/*
 * STM32L4-only driver functions, beside the common driver API of tsboot_hal.h. The port may use them; the
 * portable bootloader never sees them.
 */
#ifndef STM32L4_H
#define STM32L4_H

#include <stdbool.h>
#include <stdint.h>

/* ---- The bank swap (docs/slots.md, docs/hal-stm32l4.md "BFB2") ----
 * The bank mapping in force since the last reset (SYSCFG_MEMRMP.FB_MODE: true = bank 2 at 0x08000000, set
 * by the system memory's dual-bank boot), and the mapping the next option load applies (FLASH_OPTR.BFB2). */
bool stm32l4_flash_bank_swap_active(void);
bool stm32l4_flash_bank_swap_next_reset(void);
/* Programs FLASH_OPTR.BFB2 (the option byte sequence, FLASH_CR locked again on every path): the next option
 * load boots bank 2 first when `swapped`. HAL_OK at once when OPTR already holds that value; otherwise the
 * status of the option programming (HAL_ERR_LOCKED after a key lockout, HAL_ERR_OPERATION/PGS/WRP from
 * FLASH_SR), or HAL_ERR_VERIFY when OPTR does not show the new value. The bank-swap install uses it
 * through the port. */
uint32_t stm32l4_flash_bank_swap_set(bool swapped);
/* Before a requested reset: when BFB2 differs from the mapping in force, loads the option bytes with
 * OBL_LAUNCH (a reset: it does not return). A system reset alone does not load them (RM0351 3.4.2).
 * Returns when nothing waits, or when FLASH_CR cannot be unlocked (the caller's reset follows). */
void stm32l4_flash_bank_swap_load(void);

#endif
