/*
 * Clock, trigger pin, update flag, reset and the CPU hooks (hal-bindings/system.ts, runtime/cpu.ts), the
 * runtime's output and panic (tsboot_rt.h), and the virtual clock of hal-bindings/sim/simulation.ts.
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
  sim.limit_us = SIM_DEFAULT_LIMIT_US;
  sim.idle_us = SIM_DEFAULT_IDLE_US;
  sim.interrupts_enabled = true;
  sim.locked = true;
  sim.flash_base = sim_board_flash_base();
  sim.flash_size = sim_board_flash_size();
  sim.reset_cause = 0x02u; /* HAL_RESET_POWER_ON, as Simulation.resetCauseBits */
  sim_begin_boot();
}

void sim_begin_boot(void) {
  sim.cpu_quiesced = false;
  sim.watchdog_running = sim.watchdog_hardware;
  sim.rx_ring = NULL;
  sim.uart_errors = 0;
  sim.vector_table = 0;
  sim.clocks_up = false;
  sim.tick_running = false;
  sim.interrupts_enabled = true;
  sim.locked = true;
  sim.baud = 0;
  sim.even_parity = false;
  sim.uart_enabled = false;
  live_boot_ns = monotonic_ns();
}

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

/* Simulation.advance: the clock moves, and a run past limitUs stops (SimulationTimeout). */
void sim_advance(uint64_t us) {
  if (sim.live) return;
  sim.now_us += us;
  if (sim.now_us > sim.limit_us) {
    struct sim_outcome o;
    memset(&o, 0, sizeof o);
    o.kind = SIM_OUT_TIMEOUT;
    sim_stop(&o);
  }
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
  if (sim.live) return (uint32_t)((monotonic_ns() - live_boot_ns) / 1000000u);
  sim_advance(SIM_MILLIS_CALL_US);
  return (uint32_t)(sim.now_us / 1000u);
}

bool hal_port_trigger_active(void) { return sim.trigger_pressed; }

uint32_t hal_port_update_flag_read(void) { return sim.shared->update_flag; }

void hal_port_update_flag_clear(void) { sim.shared->update_flag = 0; }

_Noreturn void hal_port_system_reset(void) {
  struct sim_outcome o;
  memset(&o, 0, sizeof o);
  o.kind = SIM_OUT_RESET;
  sim_stop(&o);
}

bool hal_port_watchdog_hardware(void) { return sim.watchdog_hardware; }

void hal_port_watchdog_start(uint32_t timeoutMs) {
  sim.watchdog_running = true;
  uint32_t ms = timeoutMs < 1u ? 1u : timeoutMs;
  sim.watchdog_period_ms = ms > 32768u ? 32768u : ms;
  sim.watchdog_refreshed_at_us = sim.now_us;
}

void hal_port_watchdog_refresh(void) { sim.watchdog_refreshed_at_us = sim.now_us; }

uint32_t hal_port_reset_cause(void) { return sim.reset_cause; }
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

/* --- runtime/output.ts: print output goes into the UART stream, as in the Node harness --- */

void tsb_print(const char *text) { sim_uart_write_text(text); }

void tsb_print_int(int64_t value) {
  char text[24];
  snprintf(text, sizeof text, "%" PRId64, value);
  sim_uart_write_text(text);
}

_Noreturn void tsb_panic(uint32_t kind, const char *file, uint32_t line, const char *message) {
  struct sim_outcome o;
  memset(&o, 0, sizeof o);
  o.kind = SIM_OUT_PANIC;
  snprintf(o.message, sizeof o.message, "PANIC %" PRIu32 " %s:%" PRIu32 " %s", kind, file, line, message);
  sim_stop(&o);
}
