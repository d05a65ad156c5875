/*
 * Simulated NOR flash, the C twin of hal-bindings/sim/flash.ts (SimFlash), of Simulation.flashErase/
 * flashProgram/stall in hal-bindings/sim/simulation.ts and of the flash bindings of hal-bindings/flash.ts.
 * Same rules, same checks in the same order, same status codes, same random numbers:
 *   locked → 2; erase: unknown index → 8; program: misaligned address or length → 4, outside flash → 8,
 *   a unit not erased → 9 (the units before it stay programmed).
 * Every erase and every programmed unit is counted after those checks; when the counter reaches
 * cut_power_at the power is cut before the operation happens, or (cut_inside) inside it: the operation is
 * torn. inject_error makes every counted operation return that status at once without touching the flash.
 * An operation stalls the CPU for the part's datasheet time (sim_board_erase_ns, sim_board_program_unit_ns);
 * a watchdog that fires before it ends tears it too.
 */
#include "sim.h"

#include <string.h>

/* SimFlash.offsetOf: the physical offset of a bus address, through the bank mapping in force. */
static int64_t offset_of(uint32_t address) {
  int64_t offset = (int64_t)address - (int64_t)sim.flash_base;
  int64_t bank = board_bank_swap_size();
  if (!sim.bank_swapped || bank == 0 || offset < 0 || offset >= 2 * bank) return offset;
  return offset < bank ? offset + bank : offset - bank;
}

static _Noreturn void power_cut(uint32_t operation, bool inside) {
  struct sim_outcome o;
  memset(&o, 0, sizeof o);
  o.kind = SIM_OUT_POWER_CUT;
  o.operation = operation;
  o.inside = inside;
  sim_stop(&o);
}

/* SimFlash.count: returns the operation's number; a power cut before it ends the run here. */
static uint32_t count_operation(void) {
  sim.operations++;
  if (sim.cut_power_at != 0 && !sim.cut_inside && sim.operations >= sim.cut_power_at) power_cut(sim.operations, false);
  return sim.operations;
}

/* --- Tearing (SimFlash.tearProgram, tearErase); progress is 0 … 65536 --- */

static void tear_program(int64_t offset, const uint8_t *data, uint32_t unit, uint32_t progress, struct sim_rng *rng) {
  for (uint32_t i = 0; i < unit; i++) {
    uint8_t value = sim.flash[offset + i];
    uint8_t weak = sim.weak[offset + i];
    for (uint32_t bit = 0; bit < 8; bit++) {
      uint8_t mask = (uint8_t)(1u << bit);
      if (data[i] & mask) continue;
      uint32_t r = sim_rng_next16(rng);
      if (r * 4u < progress * 3u) {
        value &= (uint8_t)~mask;
        weak &= (uint8_t)~mask;
      } else if (r * 4u < progress * 3u + 65536u) {
        weak |= mask;
        if (sim_rng_next(rng) & 1u) value |= mask;
        else value &= (uint8_t)~mask;
      }
    }
    sim.flash[offset + i] = value;
    sim.weak[offset + i] = weak;
  }
  if (sim.ecc) sim.ecc_torn[(uint64_t)offset / unit] = 1;
}

static void tear_erase(uint32_t index, uint32_t progress, struct sim_rng *rng) {
  int64_t from = offset_of(board_sector_start(index));
  uint32_t size = board_sector_size(index);
  for (int64_t o = from; o < from + size; o++) {
    uint32_t c = sim_rng_next16(rng);
    if (c < progress) {
      sim.flash[o] = 0xFF;
      sim.weak[o] = 0;
    } else if (2u * c >= progress + 65536u) {
      uint8_t value = sim.flash[o];
      uint8_t weak = sim.weak[o];
      for (uint32_t bit = 0; bit < 8; bit++) {
        uint8_t mask = (uint8_t)(1u << bit);
        if (value & mask) continue;
        uint32_t r = sim_rng_next(rng) & 3u;
        if (r == 0u) value |= mask;
        else if (r == 1u) {
          weak |= mask;
          if (sim_rng_next(rng) & 1u) value |= mask;
        }
      }
      sim.flash[o] = value;
      sim.weak[o] = weak;
    }
  }
  if (sim.ecc) {
    uint32_t unit = board_write_unit();
    for (int64_t o = from; o < from + size; o += unit) {
      bool clean = true;
      for (uint32_t i = 0; i < unit; i++) {
        if (sim.flash[o + i] != 0xFF || sim.weak[o + i] != 0) clean = false;
      }
      sim.ecc_torn[(uint64_t)o / unit] = clean ? 0 : 1;
    }
  }
}

/* Simulation.stall: the CPU stalls `duration` on operation `op` unless the power is cut inside it or the
 * watchdog fires before it ends; then the operation is left torn at that point and the run ends there. */
struct tear {
  bool option; /* the bank swap option bit: changed from the midpoint on */
  bool swapped;
  bool erase;
  uint32_t index;
  int64_t offset;
  const uint8_t *data;
  uint32_t unit;
};

static void stall(uint32_t op, uint64_t duration, const struct tear *t) {
  uint64_t start = sim_now_ns();
  uint64_t at = UINT64_MAX;
  uint32_t progress = 0;
  struct sim_rng rng;
  bool have_rng = false;
  bool cut = sim.cut_inside && sim.cut_power_at == op;
  if (cut) {
    sim_rng_seed(&rng, sim_mix_seed(sim.seed, SIM_SALT_TORN_OPERATION + op));
    have_rng = true;
    progress = sim_rng_next16(&rng);
    at = start + (uint64_t)progress * duration / 65536u;
  }
  uint64_t deadline = sim_watchdog_deadline_ns();
  bool by_watchdog = deadline < start + duration && deadline < at;
  if (by_watchdog) {
    at = deadline;
    progress = (uint32_t)((deadline - start) * 65536u / duration);
  }
  if (!cut && !by_watchdog) return;
  if (!have_rng) sim_rng_seed(&rng, sim_mix_seed(sim.seed, SIM_SALT_TORN_OPERATION + op));
  if (t->option) {
    if (progress >= 32768u) sim.shared->swap_bank = t->swapped;
  } else if (t->erase) tear_erase(t->index, progress, &rng);
  else tear_program(t->offset, t->data, t->unit, progress, &rng);
  sim_wait_to(at);
  if (by_watchdog) sim_watchdog_fire();
  power_cut(op, true);
}

/* --- The model (SimFlash, Simulation.flashErase/flashProgram) --- */

static void erase_complete(uint32_t index) {
  int64_t from = offset_of(board_sector_start(index));
  uint32_t size = board_sector_size(index);
  memset(sim.flash + from, 0xFF, size);
  memset(sim.weak + from, 0, size);
  if (sim.ecc) {
    uint32_t unit = board_write_unit();
    memset(sim.ecc_torn + (uint64_t)from / unit, 0, size / unit);
  }
}

uint32_t sim_flash_erase_sector(uint32_t index) {
  if (sim.locked) return SIM_FLASH_ERR_LOCKED;
  if (index >= board_sector_count()) return SIM_FLASH_ERR_ADDRESS;
  uint32_t op = count_operation();
  if (sim.inject_error != 0) return sim.inject_error;
  uint64_t duration = sim_board_erase_ns(index, sim.timing);
  struct tear t = {.option = false, .swapped = false, .erase = true, .index = index, .offset = 0, .data = NULL, .unit = 0};
  stall(op, duration, &t);
  erase_complete(index);
  sim_spend_ns(duration);
  sim_note_activity();
  return SIM_FLASH_OK;
}

uint32_t sim_flash_program(uint32_t address, const uint8_t *data, uint32_t length) {
  if (sim.locked) return SIM_FLASH_ERR_LOCKED;
  uint32_t unit = board_write_unit();
  if (address % unit != 0 || length % unit != 0) return SIM_FLASH_ERR_ALIGNMENT;
  int64_t offset = offset_of(address);
  if (offset < 0 || offset + (int64_t)length > (int64_t)sim.flash_size) return SIM_FLASH_ERR_ADDRESS;
  uint64_t duration = sim_board_program_unit_ns(sim.timing);
  for (uint32_t at = 0; at < length; at += unit) {
    uint32_t op = count_operation();
    if (sim.inject_error != 0) return sim.inject_error;
    uint8_t *target = sim.flash + offset + at;
    for (uint32_t i = 0; i < unit; i++) {
      if (target[i] != 0xFF) return SIM_FLASH_ERR_NOT_ERASED;
    }
    struct tear t = {.option = false, .swapped = false, .erase = false, .index = 0, .offset = offset + at, .data = data + at, .unit = unit};
    stall(op, duration, &t);
    for (uint32_t i = 0; i < unit; i++) {
      target[i] &= data[at + i];
      sim.weak[offset + at + i] &= data[at + i];
    }
    sim_spend_ns(duration);
    sim_note_activity();
  }
  return SIM_FLASH_OK;
}

void sim_flash_power_on(uint32_t boot) {
  struct sim_rng rng;
  sim_rng_seed(&rng, sim_mix_seed(sim.seed, SIM_SALT_POWER_ON + boot));
  for (uint32_t o = 0; o < sim.flash_size; o++) {
    uint8_t w = sim.weak[o];
    if (w != 0) sim.flash[o] = (uint8_t)((sim.flash[o] & (uint8_t)~w) | (sim_rng_next(&rng) & w));
  }
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
static bool touches(uint32_t address, uint32_t length, uint64_t start) {
  return (uint64_t)address < start + sim_board_bootloader_size() && (uint64_t)address + length > start;
}

/* ... nor, on a bank-swap board, in its copy one bank up. */
static bool touches_bootloader(uint32_t address, uint32_t length) {
  uint64_t start = sim_board_bootloader_start();
  return touches(address, length, start) || (board_bank_swap_size() != 0u && touches(address, length, start + board_bank_swap_size()));
}

uint32_t hal_flash_erase(uint32_t index) {
  if (index < board_sector_count() && touches_bootloader(board_sector_start(index), board_sector_size(index))) return SIM_FLASH_ERR_PROTECTED;
  return sim_flash_erase_sector(index);
}

uint32_t hal_flash_program(uint32_t address, tsb_view_u8 data) {
  if (touches_bootloader(address, data.len)) return SIM_FLASH_ERR_PROTECTED;
  return sim_flash_program(address, data.ptr, data.len);
}

/* SimFlash.view: a read; on ECC parts a torn unit in the range is an ECC double error. */
tsb_view_u8 hal_flash_view(uint32_t address, uint32_t length) {
  int64_t offset = offset_of(address);
  if (offset < 0 || offset + (int64_t)length > (int64_t)sim.flash_size) {
    /* SimFlash.view throws: "flash view 0x... outside flash". */
    sim_fault("hal_flash_view outside flash at address", address);
  }
  if (sim.ecc && length > 0) {
    uint32_t unit = board_write_unit();
    for (uint64_t u = (uint64_t)offset / unit; u * unit < (uint64_t)offset + length; u++) {
      if (sim.ecc_torn[u]) {
        sim.ecc_error = true;
        break;
      }
    }
  }
  tsb_view_u8 view = {sim.flash + offset, length};
  return view;
}

bool hal_port_flash_bootloader_protected(void) { return sim.shared->protected_bootloader; }

uint32_t hal_port_flash_protect_bootloader(bool protect) {
  sim.shared->protected_bootloader = protect;
  return SIM_FLASH_OK;
}

bool hal_port_flash_take_ecc_error(void) {
  bool e = sim.ecc_error;
  sim.ecc_error = false;
  return e;
}

/* --- The bank swap (hal-bindings/flash.ts, Simulation.flashBankSwapProgram) --- */

bool hal_port_flash_bank_swapped(void) { return sim.bank_swapped; }

bool hal_port_flash_bank_swap_next_reset(void) { return sim.shared->swap_bank; }

/* A counted operation like an erase: a power cut before it, or inside it (the option bit changed from the
 * midpoint of the change on); the mapping changes only at the next reset. */
uint32_t hal_port_flash_bank_swap_program(bool swapped) {
  if (board_bank_swap_size() == 0u) return SIM_FLASH_ERR_ARG;
  if (sim.shared->swap_bank == swapped) return SIM_FLASH_OK;
  uint32_t op = count_operation();
  if (sim.inject_error != 0) return sim.inject_error;
  uint64_t us = sim.timing == SIM_TIMING_TYP ? SIM_OPTION_CHANGE_TYP_US : sim.timing == SIM_TIMING_MAX ? SIM_OPTION_CHANGE_MAX_US : 0u;
  uint64_t duration = us * 1000u;
  struct tear t = {.option = true, .swapped = swapped, .erase = false, .index = 0, .offset = 0, .data = NULL, .unit = 0};
  stall(op, duration, &t);
  sim.shared->swap_bank = swapped;
  sim_spend_ns(duration);
  sim_note_activity();
  return SIM_FLASH_OK;
}
