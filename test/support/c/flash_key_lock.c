/* The two-key unlock of a flash key register (see flash_key_lock.h). */
#include "flash_key_lock.h"

#include "model_report.h"

enum key_write_result key_register_write(const struct key_register *reg, struct key_sequence *seq,
                                         uint32_t *lock_reg, uint32_t lock_bit, uint32_t value) {
  if (seq->lockout) {
    violation("%s write 0x%08X after a lockout", reg->name, (unsigned)value);
    return KEY_AFTER_LOCKOUT;
  }
  bool locked = (*lock_reg & lock_bit) != 0u;
  if (!locked || value != reg->keys[seq->stage]) {
    violation("%s: 0x%08X where %s was expected: %s", reg->name, (unsigned)value,
              !locked ? "no key (already unlocked)" : reg->key_names[seq->stage], reg->wrong_sequence_is);
    seq->lockout = true;
    seq->stage = 0;
    *lock_reg |= lock_bit;
    return KEY_LOCKS_OUT;
  }
  if (seq->stage == 0) {
    seq->stage = 1;
  } else {
    seq->stage = 0;
    *lock_reg &= ~lock_bit;
  }
  return KEY_TAKEN;
}

void key_register_count(enum key_write_result result, uint32_t *bus_errors, uint32_t *lockouts) {
  *bus_errors += result != KEY_TAKEN ? 1u : 0u;
  *lockouts += result == KEY_LOCKS_OUT ? 1u : 0u;
}
