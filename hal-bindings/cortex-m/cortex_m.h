/*
 * What every Cortex-M core of the four families shares (Cortex-M0 on F0, M4 on F4 and L4, M7 on H7): the
 * register access macros, and the system registers at the same addresses in PM0215 (M0), PM0214 (M4) and
 * the ARMv7-M ARM (M7): SysTick, the NVIC's clear registers, and the SCB's ICSR and AIRCR. Each family's
 * stm32xx_regs.h includes this first and adds its own core's extras (VTOR on ARMv7-M, the M7's caches).
 *
 * Built with -DTSBOOT_REG_MODEL (the host driver tests), every access goes through the family's register
 * model instead of the bus, and the barriers are no-ops.
 */
#ifndef TSBOOT_CORTEX_M_H
#define TSBOOT_CORTEX_M_H

#include <stdint.h>

#ifdef TSBOOT_REG_MODEL
uint32_t reg_model_read32(uint32_t addr);
void reg_model_write32(uint32_t addr, uint32_t v);
#define REG_READ32(addr) reg_model_read32((uint32_t)(addr))
#define REG_WRITE32(addr, v) reg_model_write32((uint32_t)(addr), (uint32_t)(v))
#define REG_DSB() ((void)0)
#define REG_ISB() ((void)0)
#define REG_DMB() ((void)0)
/* The host driver tests boot the drivers more than once in one process (cortex_m_systick.c). */
void cortex_m_systick_model_boot(void);
#else
/* DSB completes buffered stores (a flash word write, a cache operation) before the next access (the SR
 * poll); ISB refetches after a change to what the CPU fetches; DMB orders memory accesses. The same
 * encodings on ARMv6-M (PM0215 3.5) and ARMv7-M. */
#define REG_READ32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define REG_WRITE32(addr, v) (*(volatile uint32_t *)(uintptr_t)(addr) = (uint32_t)(v))
#define REG_DSB() __asm__ volatile("dsb 0xF" ::: "memory")
#define REG_ISB() __asm__ volatile("isb 0xF" ::: "memory")
#define REG_DMB() __asm__ volatile("dmb 0xF" ::: "memory")
#endif

#define BIT(n) (1u << (n))

/* SysTick (PM0215 4.4, PM0214 4.5, ARMv7-M ARM B3.3) */
#define STK_BASE 0xE000E010u
#define STK_CTRL (STK_BASE + 0x00u)
#define STK_LOAD (STK_BASE + 0x04u)
#define STK_VAL (STK_BASE + 0x08u)
#define STK_CTRL_ENABLE BIT(0)
#define STK_CTRL_TICKINT BIT(1)
#define STK_CTRL_CLKSOURCE BIT(2) /* 1: the processor clock (HCLK on F0/F4/L4, the CPU clock on H7), 0: /8 */
#define STK_LOAD_RELOAD_Msk 0x00FFFFFFu

/* NVIC: 32 interrupt lines per register (one register on the M0, which has at most 32 IRQs) */
#define NVIC_ISER(n) (0xE000E100u + 4u * (n))
#define NVIC_ICER(n) (0xE000E180u + 4u * (n)) /* write 1 to disable: zeros change nothing */
#define NVIC_ISPR(n) (0xE000E200u + 4u * (n))
#define NVIC_ICPR(n) (0xE000E280u + 4u * (n))

/* SCB */
#define SCB_ICSR 0xE000ED04u
#define SCB_AIRCR 0xE000ED0Cu
#define SCB_ICSR_PENDSTCLR BIT(25) /* write 1: clear a pending SysTick; zeros in ICSR change nothing */
#define SCB_ICSR_PENDSTSET BIT(26)
#define SCB_ICSR_PENDSVCLR BIT(27)
#define SCB_AIRCR_VECTKEY (0x05FAu << 16)
#define SCB_AIRCR_SYSRESETREQ BIT(2)

#endif /* TSBOOT_CORTEX_M_H */
