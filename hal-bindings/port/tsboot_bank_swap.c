/*
 * The bank swap bindings of hal-bindings/flash.ts (docs/slots.md, the hardware bank swap): on STM32H7 the
 * driver's SWAP_BANK functions; on every other family there is no swap (the board data refuses
 * slots.strategy "bank-swap" there), so the mapping is never swapped and programming it is refused.
 */
#include "tsboot_board.h"
#include "tsboot_hal.h"
#include "tsboot_port.h"

#if defined(BOARD_FAMILY_STM32H7)
#include "stm32h7.h"

bool hal_port_flash_bank_swapped(void) { return stm32h7_flash_bank_swap_active(); }

bool hal_port_flash_bank_swap_next_reset(void) { return stm32h7_flash_bank_swap_next_reset(); }

uint32_t hal_port_flash_bank_swap_program(bool swapped) {
  /* Only a board built for the bank swap may change the mapping: on any other the next reset would run
   * whatever the other bank holds. */
  return board_bank_swap_size() != 0u ? stm32h7_flash_bank_swap_set(swapped) : HAL_ERR_ARG;
}
#else
bool hal_port_flash_bank_swapped(void) { return false; }

bool hal_port_flash_bank_swap_next_reset(void) { return false; }

uint32_t hal_port_flash_bank_swap_program(bool swapped) {
  (void)swapped;
  return HAL_ERR_ARG;
}
#endif
