/*
 * The SysTick timer's registers in the host register models of all four families (the same on the
 * Cortex-M0 and the Cortex-M4/M7: PM0215 4.4 for the F0, PM0214 4.5 for the F4 and L4, ARMv7-M ARM B3.3 for
 * the H7): STK_CTRL (ENABLE, TICKINT, CLKSOURCE; COUNTFLAG clears when read), STK_LOAD (24 bits), STK_VAL
 * (any write clears it and COUNTFLAG) and STK_CALIB (reads 0). The models do not count: VAL stays as written.
 *
 * What the family keeps: ICSR's PENDSTSET/PENDSTCLR (the SysTick exception's pending state), with the rest
 * of its SCB and NVIC.
 */
#ifndef SYSTICK_H
#define SYSTICK_H

#include <stdbool.h>
#include <stdint.h>

struct systick {
  uint32_t ctrl, load, val;
};

/* The reset: all 0. */
void systick_reset(struct systick *t);

/* A read at addr: false if addr is not a SysTick register, else the value in *v (a peek, the test looking,
 * leaves COUNTFLAG alone). */
bool systick_read(struct systick *t, uint32_t addr, bool peek, uint32_t *v);

/* A write at addr: false if addr is not a SysTick register. */
bool systick_write(struct systick *t, uint32_t addr, uint32_t v);

#endif /* SYSTICK_H */
