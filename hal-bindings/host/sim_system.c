/*
 * Clock, pins, update flag, watchdog, reset and the CPU hooks (hal-bindings/system.ts, runtime/cpu.ts), the
 * runtime's output and panic (tsboot_rt.h), and the clock of hal-bindings/sim/simulation.ts.
 */
#define _GNU_SOURCE
#include "sim.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct sim_state sim;
jmp_buf sim_stop_target;
static struct sim_shared local_shared;
static uint64_t live_boot_ns;

static uint64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sim_init_state(void) {
  memset(&sim, 0, sizeof sim);
  sim.shared = &local_shared;
  sim.shared->reset_cause = SIM_RESET_POWER_ON;
  sim.limit_us = SIM_DEFAULT_LIMIT_US;
  sim.idle_us = SIM_DEFAULT_IDLE_US;
  sim.seed = 1u;
  sim.timing = SIM_TIMING_TYP;
  sim.interrupts_enabled = true;
  sim.locked = true;
  sim.flash_base = sim_board_flash_base();
  sim.flash_size = sim_board_flash_size();
  sim.ecc = sim_board_flash_ecc();
  sim.rdr = -1;
}

void sim_begin_boot(void) {
  sim.cpu_quiesced = false;
  /* The option bytes start the watchdog at the reset, with the reset period. */
  sim.watchdog_running = sim.watchdog_hardware;
  sim.watchdog_period_ms = sim.watchdog_hardware ? SIM_WATCHDOG_RESET_PERIOD_MS : 0u;
  sim.watchdog_refreshed_at_ns = 0;
  sim.rx_ring = NULL;
  sim.rx_written = 0;
  sim.rdr = -1;
  sim.uart_errors = 0;
  sim.tx_free_ns = 0;
  sim.vector_table = 0;
  sim.clocks_up = false;
  sim.tick_running = false;
  sim.interrupts_enabled = true;
  sim.locked = true;
  sim.ecc_error = false;
  /* The reset maps the banks by the option bit (SimFlash.bankSwapped, Simulation.resume). */
  sim.bank_swapped = board_bank_swap_size() != 0u && sim.shared->swap_bank;
  sim.baud = 0;
  sim.brr = 0;
  sim.even_parity = false;
  sim.uart_enabled = false;
  sim.now_ns = 0;
  live_boot_ns = monotonic_ns();
}

uint64_t sim_now_ns(void) { return sim.live ? monotonic_ns() - live_boot_ns : sim.now_ns; }

_Noreturn void sim_stop(const struct sim_outcome *outcome) {
  sim.shared->outcome = *outcome;
  if (outcome->kind == SIM_OUT_APPLICATION || outcome->kind == SIM_OUT_RESET) {
    if (sim.live) sim_uart_live_flush();
  }
  longjmp(sim_stop_target, 1);
}

_Noreturn void sim_fault(const char *what, uint32_t value) {
  struct sim_outcome o;
  memset(&o, 0, sizeof o);
  o.kind = SIM_OUT_FAULT;
  snprintf(o.message, sizeof o.message, "%s 0x%08" PRIx32, what, value);
  sim_stop(&o);
}

/* --- The watchdog (Simulation.watchdogDeadlineNs, spend) --- */

uint64_t sim_watchdog_deadline_ns(void) {
  if (!sim.watchdog_running) return UINT64_MAX;
  return sim.watchdog_refreshed_at_ns + (uint64_t)sim.watchdog_period_ms * 1000000u;
}

_Noreturn void sim_watchdog_fire(void) {
  struct sim_outcome o;
  memset(&o, 0, sizeof o);
  o.kind = SIM_OUT_RESET;
  o.reason = SIM_RESET_REASON_WATCHDOG;
  sim_stop(&o);
}

static void check_watchdog_live(void) {
  if (sim_now_ns() > sim_watchdog_deadline_ns()) sim_watchdog_fire();
}

void sim_spend_ns(uint64_t ns) {
  if (sim.live) {
    if (ns == 0) return;
    uint64_t end = sim_now_ns() + ns;
    uint64_t deadline = sim_watchdog_deadline_ns();
    if (deadline < end) {
      sim_uart_live_wait_until(deadline);
      sim_watchdog_fire();
    }
    sim_uart_live_wait_until(end);
    return;
  }
  uint64_t end = sim.now_ns + ns;
  uint64_t deadline = sim_watchdog_deadline_ns();
  uint64_t limit = sim.limit_us * 1000u;
  if (deadline < end && deadline <= limit) {
    sim.now_ns = deadline;
    sim_watchdog_fire();
  }
  sim.now_ns = end;
  if (sim.now_ns > limit) {
    struct sim_outcome o;
    memset(&o, 0, sizeof o);
    o.kind = SIM_OUT_TIMEOUT;
    sim_stop(&o);
  }
}

void sim_advance(uint64_t us) {
  if (sim.live) {
    sim_uart_live_service();
    check_watchdog_live();
    return;
  }
  sim_spend_ns(us * 1000u);
}

void sim_wait_to(uint64_t at_ns) {
  if (sim.live) sim_uart_live_wait_until(at_ns);
  else sim.now_ns = at_ns;
}

/* --- Pins (hal-bindings/sim/pins.ts) --- */

void sim_pin_set(uint32_t port_index, uint32_t pin, bool level) {
  if (port_index >= 11 || pin >= 16) return;
  uint16_t bit = (uint16_t)(1u << pin);
  sim.pin_set[port_index] |= bit;
  if (level) sim.pin_level[port_index] |= bit;
  else sim.pin_level[port_index] &= (uint16_t)~bit;
}

/* An unset pin reads its default: the trigger pin its inactive level, any other 0. */
bool sim_pin_read(uint32_t port_index, uint32_t pin) {
  if (port_index >= 11 || pin >= 16) return false;
  uint16_t bit = (uint16_t)(1u << pin);
  if (sim.pin_set[port_index] & bit) return (sim.pin_level[port_index] & bit) != 0;
  if (port_index == sim_board_trigger_port() && pin == sim_board_trigger_pin()) return sim_board_trigger_active_level() == 0u;
  return false;
}

/* hal_port_pin_read's view (hal-bindings/sim/pins.ts Pins.read): an unset pin other than the trigger
 * reads 1 with a pull-up (nothing drives it), else 0. */
bool hal_port_pin_read(uint32_t port_index, uint32_t pin, int32_t pull) {
  if (port_index >= 11 || pin >= 16) return false;
  bool set = (sim.pin_set[port_index] & (uint16_t)(1u << pin)) != 0;
  bool trigger = port_index == sim_board_trigger_port() && pin == sim_board_trigger_pin();
  if (set || trigger) return sim_pin_read(port_index, pin);
  return pull == 1;
}

/* --- hal-bindings/system.ts --- */

uint32_t hal_port_clock_init(void) {
  sim.clocks_up = true;
  return 16000000u;
}

void hal_port_clock_deinit(void) { sim.clocks_up = false; }

void hal_port_tick_init(void) { sim.tick_running = true; }

void hal_port_tick_deinit(void) { sim.tick_running = false; }

uint32_t hal_port_millis(void) {
  sim_advance(SIM_MILLIS_CALL_US);
  return (uint32_t)(sim_now_ns() / 1000000u);
}

bool hal_port_trigger_active(void) {
  return sim_pin_read(sim_board_trigger_port(), sim_board_trigger_pin()) == (sim_board_trigger_active_level() != 0u);
}

uint32_t hal_port_update_flag_read(void) { return sim.shared->update_flag; }

void hal_port_update_flag_clear(void) { sim.shared->update_flag = 0; }

_Noreturn void hal_port_system_reset(void) {
  struct sim_outcome o;
  memset(&o, 0, sizeof o);
  o.kind = SIM_OUT_RESET;
  o.reason = SIM_RESET_REASON_SOFTWARE;
  sim_stop(&o);
}

bool hal_port_watchdog_hardware(void) { return sim.watchdog_hardware; }

void hal_port_watchdog_start(uint32_t timeoutMs) {
  sim.watchdog_running = true;
  uint32_t ms = timeoutMs < 1u ? 1u : timeoutMs;
  sim.watchdog_period_ms = ms > SIM_WATCHDOG_LONGEST_MS ? SIM_WATCHDOG_LONGEST_MS : ms;
  sim.watchdog_refreshed_at_ns = sim_now_ns();
}

void hal_port_watchdog_refresh(void) { sim.watchdog_refreshed_at_ns = sim_now_ns(); }

uint32_t hal_port_reset_cause(void) { return sim.shared->reset_cause; }
uint32_t hal_port_fault_kind(void) { return sim.shared->fault_kind; }
uint32_t hal_port_fault_detail(void) { return sim.shared->fault_detail; }

void hal_port_vector_table_set(uint32_t address) { sim.vector_table = address; }
void hal_port_cpu_quiesce(void) { sim.cpu_quiesced = true; }

void hal_port_trial_publish(uint32_t address, uint32_t id) {
  sim.shared->trial_address = address;
  sim.shared->trial_id = id;
}

/* --- runtime/cpu.ts on the host (tsboot_rt.h declares them when not on ARM) --- */

void tsb_cpu_disable_irq(void) { sim.interrupts_enabled = false; }
void tsb_cpu_enable_irq(void) { sim.interrupts_enabled = true; }
void tsb_cpu_dsb(void) {}
void tsb_cpu_isb(void) {}
void tsb_cpu_set_vtor(uint32_t address) { sim.vector_table = address; }

_Noreturn void tsb_cpu_start_application(uint32_t sp, uint32_t pc) {
  struct sim_outcome o;
  memset(&o, 0, sizeof o);
  o.kind = SIM_OUT_APPLICATION;
  o.sp = sp;
  o.pc = pc;
  o.vtor = sim.vector_table;
  sim_stop(&o);
}

/* --- runtime/output.ts: print output goes through the UART's transmitter, as in the Node harness --- */

void tsb_print(const char *text) { sim_uart_write_text(text); }

void tsb_print_int(int64_t value) {
  char text[24];
  snprintf(text, sizeof text, "%" PRId64, value);
  sim_uart_write_text(text);
}

/* A panic (an explicit panic() or a trap) resets the board as the port's tsb_panic does: the fault record
 * gets HAL_FAULT_PANIC and the TypeScript line (#line maps the C back to it), and the next boot sees it. */
_Noreturn void tsb_panic(uint32_t kind, const char *file, uint32_t line, const char *message) {
  struct sim_outcome o;
  memset(&o, 0, sizeof o);
  o.kind = SIM_OUT_RESET;
  o.reason = SIM_RESET_REASON_PANIC;
  o.line = line;
  snprintf(o.message, sizeof o.message, "%s", message);
  snprintf(o.where, sizeof o.where, "PANIC %" PRIu32 " %s:%" PRIu32, kind, file, line);
  sim_stop(&o);
}
