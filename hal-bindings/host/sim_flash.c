/*
 * Simulated NOR flash, the C twin of hal-bindings/sim/flash.ts (SimFlash) and the flash bindings of
 * hal-bindings/flash.ts. Same rules, same checks in the same order, same status codes:
 *   locked → 2; erase: unknown index → 9; program: misaligned address or length → 4, outside flash → 9,
 *   a unit not erased → 5 (the units before it stay programmed).
 * Every erase and every programmed unit is counted after those checks; when the counter reaches
 * cut_power_at the power is cut before the operation happens. inject_error makes every counted operation
 * return that status without touching the flash.
 */
#include "sim.h"

#include <string.h>

static void count_operation(void) {
  sim.operations++;
  if (sim.cut_power_at != 0 && sim.operations >= sim.cut_power_at) {
    struct sim_outcome o;
    memset(&o, 0, sizeof o);
    o.kind = SIM_OUT_POWER_CUT;
    o.operation = sim.operations;
    sim_stop(&o);
  }
}

static int64_t offset_of(uint32_t address) { return (int64_t)address - (int64_t)sim.flash_base; }

uint32_t sim_flash_erase_sector(uint32_t index) {
  if (sim.locked) return SIM_FLASH_ERR_LOCKED;
  if (index >= board_sector_count()) return SIM_FLASH_ERR_ADDRESS;
  count_operation();
  if (sim.inject_error != 0) return sim.inject_error;
  sim_flash_raw_erase(index);
  return SIM_FLASH_OK;
}

uint32_t sim_flash_program(uint32_t address, const uint8_t *data, uint32_t length) {
  if (sim.locked) return SIM_FLASH_ERR_LOCKED;
  uint32_t unit = board_write_unit();
  if (address % unit != 0 || length % unit != 0) return SIM_FLASH_ERR_ALIGNMENT;
  int64_t offset = offset_of(address);
  if (offset < 0 || offset + (int64_t)length > (int64_t)sim.flash_size) return SIM_FLASH_ERR_ADDRESS;
  uint8_t *target = sim.flash + offset;
  for (uint32_t at = 0; at < length; at += unit) {
    count_operation();
    if (sim.inject_error != 0) return sim.inject_error;
    for (uint32_t i = 0; i < unit; i++) {
      if (target[at + i] != 0xFF) return SIM_FLASH_ERR_NOT_ERASED;
    }
    for (uint32_t i = 0; i < unit; i++) target[at + i] &= data[at + i];
  }
  return SIM_FLASH_OK;
}

void sim_flash_raw_erase(uint32_t index) {
  int64_t offset = offset_of(board_sector_start(index));
  memset(sim.flash + offset, 0xFF, board_sector_size(index));
}

bool sim_flash_raw_program(uint32_t address, const uint8_t *data, uint32_t length) {
  int64_t offset = offset_of(address);
  if (offset < 0 || offset + (int64_t)length > (int64_t)sim.flash_size) return false;
  for (uint32_t i = 0; i < length; i++) {
    if (sim.flash[offset + i] != 0xFF) return false;
  }
  for (uint32_t i = 0; i < length; i++) sim.flash[offset + i] &= data[i];
  return true;
}

bool sim_flash_range_erased(uint32_t address, uint32_t length) {
  int64_t offset = offset_of(address);
  if (offset < 0 || offset + (int64_t)length > (int64_t)sim.flash_size) return false;
  for (uint32_t i = 0; i < length; i++) {
    if (sim.flash[offset + i] != 0xFF) return false;
  }
  return true;
}

/* --- hal-bindings/flash.ts --- */

uint32_t hal_flash_unlock(void) {
  sim.locked = false;
  return SIM_FLASH_OK;
}

void hal_flash_lock(void) { sim.locked = true; }

/* The port's last line of defence (hal-bindings/flash.ts touchesBootloader): nothing in the bootloader's
 * region is erased or programmed, whatever the bootloader asks. */
static bool touches_bootloader(uint32_t address, uint32_t length) {
  uint64_t start = sim_board_bootloader_start(), end = start + sim_board_bootloader_size();
  return (uint64_t)address < end && (uint64_t)address + length > start;
}

uint32_t hal_flash_erase(uint32_t index) {
  if (index < board_sector_count() && touches_bootloader(board_sector_start(index), board_sector_size(index))) return SIM_FLASH_ERR_PROTECTED;
  uint32_t status = sim_flash_erase_sector(index);
  sim_uart_live_activity();
  sim_advance(SIM_ERASE_SECTOR_US);
  return status;
}

uint32_t hal_flash_program(uint32_t address, tsb_view_u8 data) {
  if (touches_bootloader(address, data.len)) return SIM_FLASH_ERR_PROTECTED;
  uint32_t status = sim_flash_program(address, data.ptr, data.len);
  uint32_t unit = board_write_unit();
  sim_uart_live_activity();
  /* TIME.programUnitUs * Math.ceil(data.length / writeUnit) */
  sim_advance((uint64_t)SIM_PROGRAM_UNIT_US * (((uint64_t)data.len + unit - 1u) / unit));
  return status;
}

tsb_view_u8 hal_flash_view(uint32_t address, uint32_t length) {
  int64_t offset = offset_of(address);
  if (offset < 0 || offset + (int64_t)length > (int64_t)sim.flash_size) {
    /* SimFlash.view throws: "flash view 0x... outside flash". */
    sim_fault("hal_flash_view outside flash at address", address);
  }
  tsb_view_u8 view = {sim.flash + offset, length};
  return view;
}

bool hal_port_flash_bootloader_protected(void) { return sim.protected_bootloader; }

uint32_t hal_port_flash_protect_bootloader(bool protect) {
  sim.protected_bootloader = protect;
  return SIM_FLASH_OK;
}

bool hal_port_flash_take_ecc_error(void) { return false; }
