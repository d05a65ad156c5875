/*
 * What one boot leaves for the next besides the flash (host/sim/state.ts has the file format and
 * Simulation.nextBootState the rules): the boot count, the next reset cause, the no-init RAM, the
 * option-byte protection and bank swap bit, and the cells a torn operation left weak (and torn ECC units).
 *   power cut               power-on reset: the update flag and the fault record are lost
 *   software reset          reset cause software; RAM kept
 *   watchdog                reset cause IWDG; RAM kept
 *   panic                   reset cause software; the fault record holds kind 7 and the TypeScript line
 *   anything else           a power cycle that keeps the update flag (the Node simulation's rebooted())
 */
#include "sim.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sim_state_next_boot(void) {
  struct sim_shared *s = sim.shared;
  const struct sim_outcome *o = &s->outcome;
  s->boot++;
  s->fault_kind = 0;
  s->fault_detail = 0;
  if (o->kind == SIM_OUT_POWER_CUT) {
    s->reset_cause = SIM_RESET_POWER_ON;
    s->update_flag = 0;
    s->trial_address = 0;
    s->trial_id = 0;
  } else if (o->kind == SIM_OUT_RESET) {
    s->reset_cause = o->reason == SIM_RESET_REASON_WATCHDOG ? SIM_RESET_IWDG : SIM_RESET_SOFTWARE;
    if (o->reason == SIM_RESET_REASON_PANIC) {
      s->fault_kind = SIM_FAULT_PANIC;
      s->fault_detail = o->line;
    }
  } else {
    s->reset_cause = SIM_RESET_POWER_ON;
  }
}

bool sim_state_save(const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) return false;
  const struct sim_shared *s = sim.shared;
  fprintf(f, "boot %" PRIu32 "\nreset-cause %" PRIu32 "\nupdate-flag %" PRIu32 "\nfault %" PRIu32 " %" PRIu32 "\nprotected %d\ntrial %" PRIu32 " %" PRIu32 "\n",
          s->boot, s->reset_cause, s->update_flag, s->fault_kind, s->fault_detail, s->protected_bootloader ? 1 : 0, s->trial_address, s->trial_id);
  if (s->swap_bank) fprintf(f, "swap-bank 1\n");
  for (uint32_t o = 0; o < sim.flash_size; o++) {
    if (sim.weak[o]) fprintf(f, "weak %" PRIu32 " %u\n", o, (unsigned)sim.weak[o]);
  }
  if (sim.ecc) {
    uint32_t units = sim.flash_size / board_write_unit();
    for (uint32_t u = 0; u < units; u++) {
      if (sim.ecc_torn[u]) fprintf(f, "ecc-torn %" PRIu32 "\n", u);
    }
  }
  return fclose(f) == 0;
}

static bool number(const char *text, uint64_t max, uint64_t *out) {
  if (text == NULL || *text < '0' || *text > '9') return false;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || v > max) return false;
  *out = v;
  return true;
}

bool sim_state_load(const char *path, bool *found) {
  *found = false;
  FILE *f = fopen(path, "r");
  if (!f) return errno == ENOENT;
  *found = true;
  struct sim_shared *s = sim.shared;
  char line[200];
  bool ok = true;
  while (ok && fgets(line, sizeof line, f)) {
    char *words[4] = {NULL, NULL, NULL, NULL};
    int n = 0;
    for (char *w = strtok(line, " \t\r\n"); w != NULL && n < 4; w = strtok(NULL, " \t\r\n")) words[n++] = w;
    if (n == 0) continue;
    uint64_t a = 0, b = 0;
    if (strcmp(words[0], "boot") == 0 && n == 2 && number(words[1], UINT32_MAX, &a)) s->boot = (uint32_t)a;
    else if (strcmp(words[0], "reset-cause") == 0 && n == 2 && number(words[1], UINT32_MAX, &a)) s->reset_cause = (uint32_t)a;
    else if (strcmp(words[0], "update-flag") == 0 && n == 2 && number(words[1], UINT32_MAX, &a)) s->update_flag = (uint32_t)a;
    else if (strcmp(words[0], "fault") == 0 && n == 3 && number(words[1], UINT32_MAX, &a) && number(words[2], UINT32_MAX, &b)) {
      s->fault_kind = (uint32_t)a;
      s->fault_detail = (uint32_t)b;
    } else if (strcmp(words[0], "trial") == 0 && n == 3 && number(words[1], UINT32_MAX, &a) && number(words[2], UINT32_MAX, &b)) {
      s->trial_address = (uint32_t)a;
      s->trial_id = (uint32_t)b;
    } else if (strcmp(words[0], "protected") == 0 && n == 2 && number(words[1], 1, &a)) s->protected_bootloader = a != 0;
    else if (strcmp(words[0], "swap-bank") == 0 && n == 2 && number(words[1], 1, &a)) s->swap_bank = a != 0;
    else if (strcmp(words[0], "weak") == 0 && n == 3 && number(words[1], sim.flash_size - 1u, &a) && number(words[2], 255, &b)) sim.weak[a] = (uint8_t)b;
    else if (strcmp(words[0], "ecc-torn") == 0 && n == 2 && number(words[1], UINT32_MAX, &a)) {
      if (sim.ecc && a < sim.flash_size / board_write_unit()) sim.ecc_torn[a] = 1;
    } else ok = false;
  }
  fclose(f);
  return ok;
}
