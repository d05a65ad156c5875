/*
 * STM32H7-only driver functions, beside the common driver API of tsboot_hal.h. The port may use them; the
 * portable bootloader never sees them.
 */
#ifndef STM32H7_H
#define STM32H7_H

#include <stdbool.h>
#include <stdint.h>

/* ---- Flash ---- */

/* Programs the first `length` bytes (a multiple of 4, 4..28) of the 32-byte flash word at `address` and
 * force-writes it (FLASH_CRx.FW, RM0433 4.3.9): the bytes not given stay 0xFF, and the word can never be
 * programmed again before an erase. Same checks and statuses as hal_flash_program_unit. A port can use it
 * for the partial last word of an image; padding that word with 0xFF and calling hal_flash_program_unit
 * leaves the same bits in flash. */
uint32_t stm32h7_flash_program_partial(uint32_t address, const uint8_t *data, uint32_t length);

/* Dual bank (RM0433 4.3.13): the bank mapping in force since the last reset (FLASH_OPTCR.SWAP_BANK: true =
 * bank 2 at 0x08000000), and the mapping the next reset applies (FLASH_OPTSR_CUR.SWAP_BANK_OPT). */
bool stm32h7_flash_bank_swap_active(void);
bool stm32h7_flash_bank_swap_next_reset(void);
/* Programs SWAP_BANK_OPT (the option change sequence, option registers locked again on every path): the
 * next reset maps bank 2 at 0x08000000 when `swapped`. HAL_OK at once when it already holds that value;
 * HAL_ERR_OPERATION on OPTCHANGEERR, HAL_ERR_LOCKED after a key lockout, HAL_ERR_VERIFY when OPTSR_CUR
 * does not show the new value. The bank-swap install (docs/slots.md) uses it through the port. */
uint32_t stm32h7_flash_bank_swap_set(bool swapped);

/* The address of the flash word whose ECC double error hal_flash_take_ecc_error last reported (0: none). */
uint32_t stm32h7_flash_ecc_address(void);

/* ---- Clocks ----
 * On H7 the API's "hclk" (hal_clock_hclk_hz: the clock SysTick and the busy-wait bounds count) is the
 * Cortex-M7 clock sys_d1cpre_ck. The AXI/AHB clock that sets the flash wait states is half of it above
 * 200 MHz: */
uint32_t stm32h7_clock_axi_hz(void);

/* ---- Faults ----
 * hal_fault_recover (tsboot_hal.h), called by the port's fault entry with the stacked exception frame
 * (r0-r3, r12, lr, pc, xpsr): a precise data bus error on a flash read that FLASH_SRx.DBECCERR explains is
 * recorded for hal_flash_take_ecc_error, the faulting load is skipped and it returns true; anything else is
 * false (the port then ends in hal_fault_reset(kind, stacked pc)). */

/* The decision inside hal_fault_recover, on the fault status registers: true when the fault is an ECC
 * double error on a data read from flash; then the flags are cleared, the error is recorded and *pc is
 * advanced past the load whose first halfword is `insn`. */
bool stm32h7_fault_skip_flash_ecc_read(uint32_t *pc, uint16_t insn);

/* ---- Caches ----
 * Invalidates the L1 D-cache lines over [address, address + length) when the D-cache is on (no-op when it
 * is off, the bootloader's normal state). Flash lines are never dirty (the code region is write-through),
 * so invalidation loses nothing. */
void stm32h7_dcache_invalidate(uint32_t address, uint32_t length);

#ifdef TSBOOT_REG_MODEL
/* Host model only: forget what the drivers keep in .bss across a reset (on silicon the startup code zeroes
 * it): the reset cause and fault record read at start-up, the ECC latch. */
void stm32h7_model_zero_bss(void);
#endif

#endif /* STM32H7_H */
