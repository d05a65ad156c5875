/*
 * Faults on the STM32L4 (Cortex-M4, PM0214 2.3): every fault handler and every trap ends in
 * hal_fault_reset, which keeps the cause in four no-init RAM words and requests a system reset, so the next
 * boot can report it and the device stays updatable. The one exception is the NMI of a flash ECC double
 * error (FLASH_ECCR.ECCD, RM0351 3.3.4): a double word torn by a power cut reads with ECCD, and the NMI that
 * follows must return so the read completes and the bootloader can treat the data as unreliable. Resetting
 * there would read the same torn double word at the next boot, and fault again: a reset loop.
 *
 * The record: word 0 = FAULT_MAGIC, 1 = kind, 2 = detail, 3 = ~(magic ^ kind ^ detail). SRAM holds garbage
 * after a power-on; a record that does not check out reads as HAL_FAULT_NONE.
 */
#include "stm32l4_regs.h"
#include "tsboot_hal.h"

#include <stddef.h>

#define FAULT_MAGIC 0x7F5A17EDu
#define FAULT_WORD(i) (BOARD_FAULT_RECORD_ADDR + 4u * (i))

static bool s_loaded = false;
static uint32_t s_kind = HAL_FAULT_NONE;
static uint32_t s_detail = 0;

static void fault_load(void) {
  if (s_loaded) {
    return;
  }
  uint32_t magic = REG_READ32(FAULT_WORD(0u));
  uint32_t kind = REG_READ32(FAULT_WORD(1u));
  uint32_t detail = REG_READ32(FAULT_WORD(2u));
  uint32_t check = REG_READ32(FAULT_WORD(3u));
  bool valid = magic == FAULT_MAGIC && check == ~(magic ^ kind ^ detail);
  s_kind = valid ? kind : HAL_FAULT_NONE;
  s_detail = valid ? detail : 0u;
  for (uint32_t i = 0; i < 4u; i++) {
    REG_WRITE32(FAULT_WORD(i), 0u); /* read once: the next reset reports only its own cause */
  }
  s_loaded = true;
}

uint32_t hal_fault_kind(void) {
  fault_load();
  return s_kind;
}

uint32_t hal_fault_detail(void) {
  fault_load();
  return s_detail;
}

_Noreturn void hal_fault_reset(uint32_t kind, uint32_t detail) {
#ifndef TSBOOT_REG_MODEL
  __asm__ volatile("cpsid i" ::: "memory"); /* nothing else runs between the record and the reset */
#endif
  REG_WRITE32(FAULT_WORD(0u), FAULT_MAGIC);
  REG_WRITE32(FAULT_WORD(1u), kind);
  REG_WRITE32(FAULT_WORD(2u), detail);
  REG_WRITE32(FAULT_WORD(3u), ~(FAULT_MAGIC ^ kind ^ detail));
  REG_DSB();
  /* AIRCR: VECTKEY, the priority grouping kept, SYSRESETREQ (PM0214 4.4.4). */
  uint32_t aircr = REG_READ32(SCB_AIRCR);
  REG_WRITE32(SCB_AIRCR, SCB_AIRCR_VECTKEY | (aircr & SCB_AIRCR_PRIGROUP_Msk) | SCB_AIRCR_SYSRESETREQ);
  REG_DSB();
  for (;;) {
  }
}

/* The stacked PC (frame[6]) when the frame pointer is inside SRAM: a fault from a broken stack pointer must
 * not fault again while reporting itself. */
static uint32_t frame_pc(const uint32_t *frame) {
#ifdef TSBOOT_REG_MODEL
  return frame != NULL ? frame[6] : 0u;
#else
  uintptr_t at = (uintptr_t)frame;
  bool in_sram1 = at >= SRAM1_BASE && at <= SRAM1_BASE + SRAM1_SIZE + SRAM2_SIZE - 32u; /* with the alias */
  bool in_sram2 = at >= SRAM2_BASE && at <= SRAM2_BASE + SRAM2_SIZE - 32u;
  return (in_sram1 || in_sram2) && (at & 3u) == 0u ? frame[6] : 0u;
#endif
}

void stm32l4_exception_entry(uint32_t kind, const uint32_t *frame) {
  if (kind == HAL_FAULT_NMI && stm32l4_flash_ecc_nmi()) {
    return; /* a torn double word: recorded for hal_flash_take_ecc_error, and the read completes */
  }
  /* Any other NMI (the clock security system, an SRAM2 parity error) and every fault: record and reset. */
  hal_fault_reset(kind, frame_pc(frame));
}

#ifndef TSBOOT_REG_MODEL
/* The handlers, under the names the generated vector table uses (weak there). Each passes its HAL_FAULT_*
 * number and the frame the exception stacked (MSP or PSP, from EXC_RETURN bit 2), then branches (not
 * calls) to the C entry, so a return from it is the exception return. Basic asm only: these are naked. */
_Static_assert(HAL_FAULT_HARD == 1u && HAL_FAULT_NMI == 2u && HAL_FAULT_MEMMANAGE == 3u && HAL_FAULT_BUS == 4u &&
                   HAL_FAULT_USAGE == 5u,
               "the handlers below pass these numbers");
#define EXCEPTION_HANDLER(name, kind)                                                                          \
  void name(void);                                                                                             \
  __attribute__((naked)) void name(void) {                                                                     \
    __asm__ volatile("movs r0, #" #kind "\n\t"                                                                  \
                     "tst lr, #4\n\t"                                                                          \
                     "ite eq\n\t"                                                                              \
                     "mrseq r1, msp\n\t"                                                                       \
                     "mrsne r1, psp\n\t"                                                                       \
                     "b stm32l4_exception_entry\n\t");                                                         \
  }
EXCEPTION_HANDLER(HardFault_Handler, 1)
EXCEPTION_HANDLER(NMI_Handler, 2)
EXCEPTION_HANDLER(MemManage_Handler, 3)
EXCEPTION_HANDLER(BusFault_Handler, 4)
EXCEPTION_HANDLER(UsageFault_Handler, 5)
#endif

#ifdef TSBOOT_REG_MODEL
void stm32l4_fault_model_boot(void) {
  s_loaded = false;
  s_kind = HAL_FAULT_NONE;
  s_detail = 0;
}
#endif
