/*
 * Faults on STM32H7: every fault records its kind and the stacked PC and resets (hal_fault_reset, through
 * the port's fault entry hal-bindings/port/tsboot_fault_entry.c, the handlers of every family), except one
 * that the bootloader must survive: a CPU read of a flash word with an ECC double error (hal_fault_recover).
 *
 * RM0433 4.3.4: on a read, a double ECC error sets FLASH_SRx.DBECCERR (and FLASH_ECC_FAx) and the flash
 * answers the read with a bus error, whatever DBECCERRIE says (Zephyr PR #34374: "the bus fault happens even
 * if DBECCERRIE1/2 is disabled"). For the Cortex-M7 that is a precise data BusFault (CFSR.PRECISERR with
 * BFAR valid), or a HardFault with HFSR.FORCED when BusFault is not enabled in SHCSR. A flash word torn by a
 * power cut reads that way, and resetting on it would fault again at the next boot, in a loop. So when the
 * fault is exactly that - precise, BFAR in flash, DBECCERR set in the bank that holds BFAR - the handler
 * records it for hal_flash_take_ecc_error, clears the flags and returns past the faulting load. The load's
 * destination register keeps what it held: the bootloader reads garbage, and learns from
 * hal_flash_take_ecc_error that what it read is unreliable. Instruction fetches (IBUSERR) are never
 * skipped: tsboot runs code only from its own sector, which it never writes.
 */
#include "stm32h7.h"
#include "stm32h7_internal.h"
#include "stm32h7_regs.h"
#include "tsboot_hal.h"

/* Thumb-2: a first halfword 0b11101..., 0b11110... or 0b11111... starts a 32-bit instruction. */
static uint32_t fault_insn_size(uint16_t insn) { return (insn & 0xF800u) >= 0xE800u ? 4u : 2u; }

bool stm32h7_fault_skip_flash_ecc_read(uint32_t *pc, uint16_t insn) {
  uint32_t cfsr = REG_READ32(SCB_CFSR);
  if ((cfsr & (SCB_CFSR_PRECISERR | SCB_CFSR_BFARVALID)) != (SCB_CFSR_PRECISERR | SCB_CFSR_BFARVALID)) {
    return false;
  }
  uint32_t bfar = REG_READ32(SCB_BFAR);
  uint32_t bank = 0u;
  if (!stm32h7_flash_window(bfar, &bank)) {
    return false;
  }
  uint32_t sr = REG_READ32(FLASH_SR(bank));
  if ((sr & FLASH_SR_DBECCERR) == 0u) {
    return false; /* a bus error in flash that ECC does not explain (a protected area): not ours to hide */
  }
  stm32h7_flash_record_ecc(bfar);
  REG_WRITE32(FLASH_CCR(bank), sr & (FLASH_CCR_CLR_DBECCERR | FLASH_CCR_CLR_SNECCERR));
  REG_WRITE32(SCB_CFSR, SCB_CFSR_PRECISERR | SCB_CFSR_BFARVALID); /* write 1 to clear */
  if ((REG_READ32(SCB_HFSR) & SCB_HFSR_FORCED) != 0u) {
    REG_WRITE32(SCB_HFSR, SCB_HFSR_FORCED);
  }
  *pc += fault_insn_size(insn);
  return true;
}

/* Code the faulting load can have been fetched from: flash, ITCM, AXI SRAM. Reading the instruction from
 * anywhere else could fault inside the handler (a lockup). */
static bool fault_code_address(uint32_t pc) {
  uint32_t bank = 0u;
  return stm32h7_flash_window(pc, &bank) || pc < ITCM_BASE + ITCM_SIZE ||
         (pc >= AXI_SRAM_BASE && pc - AXI_SRAM_BASE < AXI_SRAM_SIZE);
}

/* The port's fault entry (hal-bindings/port/tsboot_fault_entry.c) asks first, for every exception. */
bool hal_fault_recover(uint32_t kind, uint32_t *frame) {
  uint32_t pc = frame[6];
  if ((kind != HAL_FAULT_BUS && kind != HAL_FAULT_HARD) || !fault_code_address(pc)) {
    return false;
  }
  /* The halfword at pc, through the register seam (the model serves flash too). */
  uint32_t word = REG_READ32(pc & ~3u);
  uint16_t insn = (uint16_t)((pc & 2u) != 0u ? word >> 16 : word & 0xFFFFu);
  if (!stm32h7_fault_skip_flash_ecc_read(&pc, insn)) {
    return false; /* the port records kind and stacked PC, and resets */
  }
  frame[6] = pc; /* the exception return resumes after the load */
  return true;
}
