/*
 * Faults on the STM32L4 (Cortex-M4, PM0214 2.3): every fault handler and every trap ends in
 * hal_fault_reset, which keeps the cause in four no-init RAM words and requests a system reset, so the next
 * boot can report it and the device stays updatable. The one exception is the NMI of a flash ECC double
 * error (FLASH_ECCR.ECCD, RM0351 3.3.4): a double word torn by a power cut reads with ECCD, and the NMI that
 * follows must return so the read completes and the bootloader can treat the data as unreliable. Resetting
 * there would read the same torn double word at the next boot, and fault again: a reset loop. The handlers
 * themselves are the port's, for every family (hal-bindings/port/tsboot_fault_entry.c); this file says which
 * exception returns (hal_fault_recover).
 *
 * The record: word 0 = FAULT_MAGIC, 1 = kind, 2 = detail, 3 = ~(magic ^ kind ^ detail). SRAM holds garbage
 * after a power-on; a record that does not check out reads as HAL_FAULT_NONE.
 */
#include "stm32l4_regs.h"
#include "tsboot_hal.h"

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

/* The port's fault entry (hal-bindings/port/tsboot_fault_entry.c) asks first. An NMI with ECCD set: recorded
 * for hal_flash_take_ecc_error and cleared, and the port returns, so the load that hit the torn double word
 * completes with whatever bits it read. Any other NMI (the clock security system, an SRAM2 parity error) and
 * every fault: false, and the port records it and resets. */
bool hal_fault_recover(uint32_t kind, uint32_t *frame) {
  (void)frame;
  return kind == HAL_FAULT_NMI && stm32l4_flash_ecc_nmi();
}

#ifdef TSBOOT_REG_MODEL
void stm32l4_fault_model_boot(void) {
  s_loaded = false;
  s_kind = HAL_FAULT_NONE;
  s_detail = 0;
}
#endif
