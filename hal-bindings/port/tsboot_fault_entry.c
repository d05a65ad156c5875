/*
 * Where every exception without its own handler ends, for every family (the generated startup's
 * Default_Handler branches here: NMI, HardFault, MemManage, BusFault, UsageFault, SVC, PendSV, DebugMon and
 * every unused IRQ). The family's driver may claim the one exception it must survive (hal_fault_recover:
 * L4's ECC NMI, H7's precise BusFault on a torn flash word); then this returns from the exception. Anything
 * else is recorded with the PC the exception interrupted, and the MCU resets (hal_fault_reset), so a fault
 * never hangs the board and the next boot can report it. Cortex-M only; ARMv6-M's instructions serve
 * Cortex-M0 (F0), and M3/M4/M7 pick the stack with Thumb-2's conditional execution instead of a branch.
 */
#if defined(__arm__)

#include "tsboot_hal.h"
#include "tsboot_port.h"

#define EXC_NMI 2u
#define EXC_HARDFAULT 3u
#define EXC_MEMMANAGE 4u
#define EXC_BUSFAULT 5u
#define EXC_USAGEFAULT 6u
#define EXC_FRAME_WORDS 8u /* r0-r3, r12, lr, pc, xPSR */
#define EXC_FRAME_PC 6u

/* The stacked frame lies wholly in one of the board's RAM blocks: reading it cannot fault again. */
static bool frame_readable(const uint32_t *frame) {
  uint32_t at = (uint32_t)(uintptr_t)frame;
  if ((at & 3u) != 0u) {
    return false;
  }
  for (uint32_t i = 0; i < board_ram_region_count(); i++) {
    uint32_t start = board_ram_region_start(i);
    uint32_t size = board_ram_region_size(i);
    /* A frame below the region wraps at - start to at least 2^32 - start >= size: no test of its own. */
    if (size >= 4u * EXC_FRAME_WORDS && at - start <= size - 4u * EXC_FRAME_WORDS) {
      return true;
    }
  }
  return false;
}

static uint32_t fault_kind_of(uint32_t exception) {
  switch (exception) {
  case EXC_NMI:
    return HAL_FAULT_NMI;
  case EXC_HARDFAULT:
    return HAL_FAULT_HARD;
  case EXC_MEMMANAGE:
    return HAL_FAULT_MEMMANAGE;
  case EXC_BUSFAULT:
    return HAL_FAULT_BUS;
  case EXC_USAGEFAULT:
    return HAL_FAULT_USAGE;
  default:
    return HAL_FAULT_UNEXPECTED_IRQ; /* SVC, DebugMon, PendSV, an IRQ nobody enabled on purpose */
  }
}

/* The C half: returns only when the family recovered (then the assembly half returns from the exception).
 * detail: the stacked PC, or 0xFFFFFFFF when the frame is not where it can be read. `used`: it is called from
 * the assembly only, which link-time optimisation does not see. */
void tsboot_fault_dispatch(uint32_t *frame, uint32_t ipsr) __attribute__((used));
void tsboot_fault_dispatch(uint32_t *frame, uint32_t ipsr) {
  uint32_t kind = fault_kind_of(ipsr & 0x1FFu);
  bool readable = frame_readable(frame);
  if (readable && hal_fault_recover(kind, frame)) {
    return;
  }
  hal_fault_reset(kind, readable ? frame[EXC_FRAME_PC] : 0xFFFFFFFFu);
}

/* The assembly half: the frame is on the stack the interrupted code used, MSP or PSP (EXC_RETURN bit 2). LR
 * (EXC_RETURN) is kept on the stack across the call, and popping it into PC is the exception return. */
void tsboot_fault_entry(void) __attribute__((naked));
void tsboot_fault_entry(void) {
  __asm__ volatile(
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
      /* Thumb-2 (M3/M4/M7): the test and the choice without a branch. */
      "tst lr, #4\n\t"
      "ite eq\n\t"
      "mrseq r0, msp\n\t"
      "mrsne r0, psp\n\t"
#else
      "movs r0, #4\n\t"
      "mov r1, lr\n\t"
      "tst r0, r1\n\t"
      "beq 1f\n\t"
      "mrs r0, psp\n\t"
      "b 2f\n"
      "1:\n\t"
      "mrs r0, msp\n"
      "2:\n\t"
#endif
      "mrs r1, ipsr\n\t"
      "push {r4, lr}\n\t"
      "bl tsboot_fault_dispatch\n\t"
      "pop {r4, pc}\n\t");
}

#else
/* Host builds (register-model tests of the port): no exceptions to route. */
typedef int tsboot_fault_entry_is_cortex_m_only;
#endif
