/*
 * The bank swap bindings of hal-bindings/flash.ts (docs/slots.md, the hardware bank swap): on STM32H7 the
 * driver's SWAP_BANK functions, on STM32L4 its dual-bank boot (BFB2, loaded by OBL_LAUNCH); on every other
 * family there is no swap (the board data refuses slots.strategy "bank-swap" there), so the mapping is never
 * swapped and programming it is refused. tsboot_bank_swap_before_reset runs before every requested reset.
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

void tsboot_bank_swap_before_reset(void) {} /* a system reset applies SWAP_BANK_OPT */
#elif defined(BOARD_FAMILY_STM32L4)
#include "stm32l4.h"

/* Only a bank-swap board reads the mapping: on any other the bootloader never swaps, and its build keeps no
 * SYSCFG code for it. */
bool hal_port_flash_bank_swapped(void) { return board_bank_swap_size() != 0u && stm32l4_flash_bank_swap_active(); }

bool hal_port_flash_bank_swap_next_reset(void) {
  return board_bank_swap_size() != 0u && stm32l4_flash_bank_swap_next_reset();
}

uint32_t hal_port_flash_bank_swap_program(bool swapped) {
  return board_bank_swap_size() != 0u ? stm32l4_flash_bank_swap_set(swapped) : HAL_ERR_ARG;
}

/* A plain system reset does not load the option bytes (RM0351 3.4.2): a programmed BFB2 needs OBL_LAUNCH. */
void tsboot_bank_swap_before_reset(void) {
  if (board_bank_swap_size() != 0u) {
    stm32l4_flash_bank_swap_load();
  }
}
#else
bool hal_port_flash_bank_swapped(void) { return false; }

bool hal_port_flash_bank_swap_next_reset(void) { return false; }

uint32_t hal_port_flash_bank_swap_program(bool swapped) {
  (void)swapped;
  return HAL_ERR_ARG;
}

void tsboot_bank_swap_before_reset(void) {}
#endif
