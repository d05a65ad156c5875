/* The SysTick timer's registers (F0, F4, H7, L4): see systick.h. */
#include "systick.h"

#define STK_CTRL 0xE000E010u
#define STK_LOAD 0xE000E014u
#define STK_VAL 0xE000E018u
#define STK_CALIB 0xE000E01Cu
#define STK_COUNTFLAG (1u << 16)

void systick_reset(struct systick *t) { *t = (struct systick){0}; }

bool systick_read(struct systick *t, uint32_t addr, bool peek, uint32_t *v) {
  switch (addr) {
  case STK_CTRL:
    *v = t->ctrl;
    if (!peek) {
      t->ctrl &= ~STK_COUNTFLAG;
    }
    return true;
  case STK_LOAD:
    *v = t->load;
    return true;
  case STK_VAL:
    *v = t->val;
    return true;
  case STK_CALIB:
    *v = 0;
    return true;
  default:
    return false;
  }
}

bool systick_write(struct systick *t, uint32_t addr, uint32_t v) {
  switch (addr) {
  case STK_CTRL:
    t->ctrl = (t->ctrl & STK_COUNTFLAG) | (v & 7u);
    return true;
  case STK_LOAD:
    t->load = v & 0x00FFFFFFu;
    return true;
  case STK_VAL:
    t->val = 0;
    t->ctrl &= ~STK_COUNTFLAG;
    return true;
  default:
    return false; /* STK_CALIB is read-only: the family treats the write as any other it does not model */
  }
}
