/*
 * The port built with a board header whose bootloader region (BOARD_BOOTLOADER_START/SIZE) is sectors 0-1 while
 * the board tables (board.c, what the TypeScript reads) still give sector 1 to the config region: the header's
 * region wins. This is the last line of defence against a bootloader whose own idea of the flash map is wrong.
 * The tables also have two slots: application in sectors 2-4, scratch in sector 5, secondary in sectors 6-7.
 */
#include "tsboot_board.h"
#include "tsboot_hal.h"
#include "tsboot_port.h"

#include "harness.h"

CASE(port_header_bootloader_region_wins) {
  setup(F4_PART_F411XE);
  CHECK_EQ(BOARD_BOOTLOADER_SIZE, 0x8000u);
  CHECK_EQ(board_config_start(), 0x08004000u); /* the tables: sector 1 is config, writable */
  f4_model_flash_poke(0x08004000u, 0u);
  CHECK_EQ(hal_flash_erase(1), HAL_ERR_PROTECTED);
  uint8_t data[4] = {0, 0, 0, 0};
  tsb_view_u8 v = {data, 4};
  CHECK_EQ(hal_flash_program(0x08004004u, v), HAL_ERR_PROTECTED);
  CHECK_EQ(f4_model_flash_word(0x08004000u), 0u);
  CHECK_EQ(f4_model_stats()->flash_erases, 0);
  CHECK_EQ(hal_flash_erase(2), HAL_OK);
  /* Protection covers the header's region too: sectors 0 and 1. */
  CHECK_EQ(hal_port_flash_protect_bootloader(true), HAL_OK);
  CHECK_EQ((f4_model_options() >> 16) & 0xFFFu, 0xFFCu);
}

CASE(port_two_slot_regions_writable) {
  setup(F4_PART_F411XE);
  CHECK_EQ(board_secondary_start(), 0x08040000u);
  uint8_t data[4] = {1, 2, 3, 4};
  tsb_view_u8 v = {data, 4};
  CHECK_EQ(hal_flash_program(0x08040000u, v), HAL_OK); /* secondary slot */
  CHECK_EQ(hal_flash_program(0x08020000u, v), HAL_OK); /* scratch */
  CHECK_EQ(hal_flash_program(0x0807FFFCu, v), HAL_OK); /* the secondary slot's last word */
  CHECK_EQ(hal_flash_erase(6), HAL_OK);
  CHECK_EQ(hal_flash_erase(5), HAL_OK);
  CHECK_EQ(f4_model_stats()->flash_programs, 3);
  CHECK_EQ(hal_flash_program(0x0801FFFEu, v), HAL_ERR_ARG); /* misaligned, whatever the region */
}

static const struct test_case s_cases[] = {
    ENTRY(port_header_bootloader_region_wins)
    ENTRY(port_two_slot_regions_writable)
};
CASE_TABLE(g_port_header_cases, s_cases);
