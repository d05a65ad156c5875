/* What the STM32H7 drivers share between their files (not part of any API). */
#ifndef STM32H7_INTERNAL_H
#define STM32H7_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

/* The flash bank register set whose 1 MB address window holds `address` (0: the ...1 registers at
 * 0x08000000, 1: the ...2 registers at 0x08100000); false outside both windows. */
bool stm32h7_flash_window(uint32_t address, uint32_t *bank);

/* The fault path saw an ECC double error on a read of `address` (stm32h7_fault.c -> stm32h7_flash.c). */
void stm32h7_flash_record_ecc(uint32_t address);

/* Bounded waits count polls; one poll takes at least one CPU cycle, so polls = time * CPU clock never
 * gives up before the time has passed (and gives up a few times later at most). */
uint32_t stm32h7_polls_ms(uint32_t ms);
uint32_t stm32h7_polls_us(uint32_t us);

/* Waits, at most `polls` reads, for (REG_READ32(addr) & mask) == value. */
bool stm32h7_wait(uint32_t addr, uint32_t mask, uint32_t value, uint32_t polls);

#ifdef TSBOOT_REG_MODEL
void stm32h7_flash_model_zero_bss(void);
void stm32h7_reset_model_zero_bss(void);
#endif

#endif /* STM32H7_INTERNAL_H */
