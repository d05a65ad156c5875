/*
 * The two-key unlock of a flash key register in the host register models, the same on the F0, F4, H7 and L4
 * (RM0091 "Unlocking the Flash memory", RM0090 3.5.1 and 3.7.2, RM0433 4.5.1, RM0351 3.3.5): writing KEY1 then
 * KEY2 clears the register's LOCK bit; "any wrong sequence" is a bus error and keeps the register locked
 * until the next reset. The models also count a key written while already unlocked as a wrong sequence (ST's
 * HAL checks LOCK before writing keys for that reason).
 *
 * Used for FLASH_KEYR on all four (the H7: FLASH_KEYR1 and FLASH_KEYR2) and for FLASH_OPTKEYR on the F4 and
 * H7. The F0's and L4's FLASH_OPTKEYR follow other rules (they need FLASH_CR unlocked first) and stay in their
 * models. The family counts the bus errors and lockouts from what key_register_write returns
 * (key_register_count).
 */
#ifndef FLASH_KEY_LOCK_H
#define FLASH_KEY_LOCK_H

#include <stdbool.h>
#include <stdint.h>

/* A key register: what it is called in violations, and its keys. */
struct key_register {
  const char *name;              /* "FLASH_KEYR" */
  uint32_t keys[2];              /* KEY1, KEY2 */
  const char *key_names[2];      /* "KEY1", "KEY2" */
  const char *wrong_sequence_is; /* the end of a wrong sequence's violation: "bus error, FLASH_CR locked until reset" */
};

/* Where software is in a key register's sequence; all zero after a reset. */
struct key_sequence {
  int stage;    /* 0: KEY1 is next, 1: KEY2 is next */
  bool lockout; /* a wrong sequence happened: locked until reset */
};

/* What a write to the key register did. */
enum key_write_result {
  KEY_TAKEN,         /* the key that was next: KEY1, or KEY2, which clears the LOCK bit */
  KEY_LOCKS_OUT,     /* a wrong key, or a key while unlocked: a bus error (a violation); the LOCK bit is set
                      * and stays set until reset */
  KEY_AFTER_LOCKOUT, /* a write after a lockout: a bus error (a violation), nothing changes */
};

/* Software writes `value` to the key register whose LOCK bit is `lock_bit` of `*lock_reg`. */
enum key_write_result key_register_write(const struct key_register *reg, struct key_sequence *seq,
                                         uint32_t *lock_reg, uint32_t lock_bit, uint32_t value);

/* Counts a write in the model's statistics: every refused key is a bus error (a BusFault on silicon), and a
 * key that locks the register out is also a lockout. */
void key_register_count(enum key_write_result result, uint32_t *bus_errors, uint32_t *lockouts);

#endif /* FLASH_KEY_LOCK_H */
