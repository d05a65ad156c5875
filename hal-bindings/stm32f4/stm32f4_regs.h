/*
 * STM32F4 registers used by tsboot's drivers: addresses and bit names as in RM0090 (STM32F405/407/415/417/
 * 427/437/429/439) and, for the Cortex-M core (SysTick, SCB, NVIC), PM0214. F401/F411 (RM0368/RM0383) share
 * every register and bit used here; differences are commented where they matter.
 *
 * All register access goes through REG_READ32/REG_WRITE32, the one seam between the drivers and the
 * hardware: with TSBOOT_REG_MODEL defined they call the host register model (test/hal-stm32f4/model),
 * otherwise they are volatile 32-bit accesses. The word store that programs flash goes through the seam too.
 */
#ifndef STM32F4_REGS_H
#define STM32F4_REGS_H

#include <stdint.h>

#include "cortex_m.h"

/*
 * Code that runs from RAM. While an erase or a program runs, any read of the flash stalls the bus until it
 * ends (RM0090 3.5.4), instruction fetches and vector fetches included. A loop that waits for BSY, serves the
 * watchdog and resets when BSY never clears must therefore run from RAM with interrupts masked. The linker
 * script puts .ramfunc in .data, so Reset_Handler copies these functions to RAM with the initialised
 * data; long_call because RAM is out of reach of a BL from flash (the linker adds a veneer for callers in
 * other files); noinline and noclone so that no copy of the code lands in .text.
 * Host builds (the register model) have no such split.
 */
#if defined(__arm__) && !defined(TSBOOT_REG_MODEL)
#define TSBOOT_RAMFUNC __attribute__((section(".ramfunc"), noinline, noclone, long_call))
static inline uint32_t irq_save(void) {
  uint32_t primask;
  __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask) : : "memory");
  return primask;
}
static inline void irq_restore(uint32_t primask) { __asm__ volatile("msr primask, %0" : : "r"(primask) : "memory"); }
#else
#define TSBOOT_RAMFUNC
static inline uint32_t irq_save(void) { return 0u; }
static inline void irq_restore(uint32_t primask) { (void)primask; }
#endif

/* ---------------- Memory ----------------
 * Main flash: sectors 0-3 are 16 KB, sector 4 is 64 KB, sectors 5.. are 128 KB (RM0090 table 5). Sector
 * sizes are not uniform: never compute a sector address as index * size. */
#define FLASH_BASE 0x08000000u
#define SRAM1_BASE 0x20000000u
#define CCMDATARAM_BASE 0x10000000u /* F405/407 only */

/* Flash size in KB (RM0090 39.2 "Flash size"): a 16-bit read-only value at 0x1FFF7A22, read here as the
 * upper half of the aligned word at 0x1FFF7A20. */
#define F_SIZE 0x1FFF7A22u
#define F_SIZE_WORD 0x1FFF7A20u
#define F_SIZE_WORD_Pos 16u

/* ---------------- Flash interface (RM0090 3.9) ---------------- */
#define FLASH_R_BASE 0x40023C00u
#define FLASH_ACR (FLASH_R_BASE + 0x00u)
#define FLASH_KEYR (FLASH_R_BASE + 0x04u)
#define FLASH_OPTKEYR (FLASH_R_BASE + 0x08u)
#define FLASH_SR (FLASH_R_BASE + 0x0Cu)
#define FLASH_CR (FLASH_R_BASE + 0x10u)
#define FLASH_OPTCR (FLASH_R_BASE + 0x14u)

#define FLASH_ACR_LATENCY_Pos 0u
#define FLASH_ACR_LATENCY_Msk (0xFu << FLASH_ACR_LATENCY_Pos) /* 3 bits on F405/407, 4 on F42x/F401/F411 */
#define FLASH_ACR_PRFTEN BIT(8)
#define FLASH_ACR_ICEN BIT(9)
#define FLASH_ACR_DCEN BIT(10)
#define FLASH_ACR_ICRST BIT(11) /* writable only while ICEN = 0 */
#define FLASH_ACR_DCRST BIT(12) /* writable only while DCEN = 0 */

#define FLASH_KEY1 0x45670123u
#define FLASH_KEY2 0xCDEF89ABu

/* Status bits are rc_w1 (cleared by writing 1). EOP is set only when EOPIE = 1, OPERR only when ERRIE = 1. */
#define FLASH_SR_EOP BIT(0)
#define FLASH_SR_OPERR BIT(1)
#define FLASH_SR_WRPERR BIT(4)
#define FLASH_SR_PGAERR BIT(5)
#define FLASH_SR_PGPERR BIT(6)
#define FLASH_SR_PGSERR BIT(7)
#define FLASH_SR_BSY BIT(16)
#define FLASH_SR_ERRORS (FLASH_SR_OPERR | FLASH_SR_WRPERR | FLASH_SR_PGAERR | FLASH_SR_PGPERR | FLASH_SR_PGSERR)

#define FLASH_CR_PG BIT(0)
#define FLASH_CR_SER BIT(1)
#define FLASH_CR_MER BIT(2)
#define FLASH_CR_SNB_Pos 3u
#define FLASH_CR_SNB_Msk (0x1Fu << FLASH_CR_SNB_Pos) /* sectors 12..23 of 2 MB parts are SNB 16..27 */
#define FLASH_CR_PSIZE_Pos 8u
#define FLASH_CR_PSIZE_Msk (0x3u << FLASH_CR_PSIZE_Pos)
#define FLASH_CR_PSIZE_x8 (0x0u << FLASH_CR_PSIZE_Pos)
#define FLASH_CR_PSIZE_x16 (0x1u << FLASH_CR_PSIZE_Pos)
#define FLASH_CR_PSIZE_x32 (0x2u << FLASH_CR_PSIZE_Pos) /* VDD 2.7-3.6 V without VPP */
#define FLASH_CR_PSIZE_x64 (0x3u << FLASH_CR_PSIZE_Pos) /* needs VPP */
#define FLASH_CR_MER1 BIT(15)                            /* F42x/43x bank 2 */
#define FLASH_CR_STRT BIT(16)
#define FLASH_CR_EOPIE BIT(24)
#define FLASH_CR_ERRIE BIT(25)
#define FLASH_CR_LOCK BIT(31)

/* FLASH_OPTCR (RM0090 3.9.7): the user option bytes in force, and the register software changes them through
 * (RM0090 3.7.2: unlock with OPTKEYR, write the new values, set OPTSTRT, wait for BSY, set OPTLOCK). On F4 the
 * new values take effect when the operation ends: no reset is needed. */
#define FLASH_OPTCR_OPTLOCK BIT(0)
#define FLASH_OPTCR_OPTSTRT BIT(1)
#define FLASH_OPTCR_BOR_LEV_Msk (0x3u << 2)
#define FLASH_OPTCR_WDG_SW BIT(5) /* 0: the hardware starts the IWDG at every reset ("hardware watchdog") */
#define FLASH_OPTCR_nRST_STOP BIT(6)
#define FLASH_OPTCR_nRST_STDBY BIT(7)
#define FLASH_OPTCR_RDP_Pos 8u
#define FLASH_OPTCR_RDP_Msk (0xFFu << FLASH_OPTCR_RDP_Pos)
#define FLASH_OPTCR_RDP_LEVEL2 0xCCu /* read protection level 2: the option bytes are frozen for good */
#define FLASH_OPTCR_nWRP_Pos 16u
#define FLASH_OPTCR_nWRP_Msk (0xFFFu << FLASH_OPTCR_nWRP_Pos) /* bit i clear: sector i protected (0..11) */
#define FLASH_OPTCR_SPRMOD BIT(31) /* F401/F411/F42x: 1 turns nWRP into PCROP; reserved (0) on F405/407 */
#define FLASH_OPT_KEY1 0x08192A3Bu /* into FLASH_OPTKEYR, in this order */
#define FLASH_OPT_KEY2 0x4C5D6E7Fu

/* ---------------- RCC (RM0090 7.3) ---------------- */
#define RCC_BASE 0x40023800u
#define RCC_CR (RCC_BASE + 0x00u)
#define RCC_PLLCFGR (RCC_BASE + 0x04u)
#define RCC_CFGR (RCC_BASE + 0x08u)
#define RCC_CIR (RCC_BASE + 0x0Cu)
#define RCC_AHB1RSTR (RCC_BASE + 0x10u)
#define RCC_APB1RSTR (RCC_BASE + 0x20u)
#define RCC_APB2RSTR (RCC_BASE + 0x24u)
#define RCC_AHB1ENR (RCC_BASE + 0x30u)
#define RCC_APB1ENR (RCC_BASE + 0x40u)
#define RCC_APB2ENR (RCC_BASE + 0x44u)
#define RCC_CSR (RCC_BASE + 0x74u)

#define RCC_CR_HSION BIT(0)
#define RCC_CR_HSIRDY BIT(1)
#define RCC_CR_HSEON BIT(16)
#define RCC_CR_HSERDY BIT(17)
#define RCC_CR_HSEBYP BIT(18) /* writable only while HSEON = 0 */
#define RCC_CR_CSSON BIT(19)
#define RCC_CR_PLLON BIT(24)
#define RCC_CR_PLLRDY BIT(25)

#define RCC_PLLCFGR_PLLM_Pos 0u
#define RCC_PLLCFGR_PLLM_Msk (0x3Fu << RCC_PLLCFGR_PLLM_Pos)
#define RCC_PLLCFGR_PLLN_Pos 6u
#define RCC_PLLCFGR_PLLN_Msk (0x1FFu << RCC_PLLCFGR_PLLN_Pos)
#define RCC_PLLCFGR_PLLP_Pos 16u
#define RCC_PLLCFGR_PLLP_Msk (0x3u << RCC_PLLCFGR_PLLP_Pos) /* 0: /2, 1: /4, 2: /6, 3: /8 */
#define RCC_PLLCFGR_PLLSRC BIT(22)                            /* 1: HSE, 0: HSI */
#define RCC_PLLCFGR_PLLQ_Pos 24u
#define RCC_PLLCFGR_PLLQ_Msk (0xFu << RCC_PLLCFGR_PLLQ_Pos)
#define RCC_PLLCFGR_RESET 0x24003010u /* bit 29 is reserved and resets to 1: keep it */

#define RCC_CFGR_SW_Pos 0u
#define RCC_CFGR_SW_Msk (0x3u << RCC_CFGR_SW_Pos)
#define RCC_CFGR_SW_HSI 0x0u
#define RCC_CFGR_SW_HSE 0x1u
#define RCC_CFGR_SW_PLL 0x2u
#define RCC_CFGR_SWS_Pos 2u
#define RCC_CFGR_SWS_Msk (0x3u << RCC_CFGR_SWS_Pos)
#define RCC_CFGR_SWS_HSI (0x0u << RCC_CFGR_SWS_Pos)
#define RCC_CFGR_SWS_HSE (0x1u << RCC_CFGR_SWS_Pos)
#define RCC_CFGR_SWS_PLL (0x2u << RCC_CFGR_SWS_Pos)
#define RCC_CFGR_HPRE_Pos 4u
#define RCC_CFGR_HPRE_Msk (0xFu << RCC_CFGR_HPRE_Pos)
#define RCC_CFGR_PPRE1_Pos 10u
#define RCC_CFGR_PPRE1_Msk (0x7u << RCC_CFGR_PPRE1_Pos)
#define RCC_CFGR_PPRE2_Pos 13u
#define RCC_CFGR_PPRE2_Msk (0x7u << RCC_CFGR_PPRE2_Pos)
#define RCC_CFGR_PPRE_DIV1 0x0u /* 0xx */
#define RCC_CFGR_PPRE_DIV2 0x4u
#define RCC_CFGR_PPRE_DIV4 0x5u
#define RCC_CFGR_PPRE_DIV8 0x6u
#define RCC_CFGR_PPRE_DIV16 0x7u

#define RCC_AHB1ENR_GPIOAEN BIT(0) /* GPIOxEN = BIT(x), A = 0 ... I = 8; same positions in AHB1RSTR */
#define RCC_AHB1ENR_CCMDATARAMEN BIT(20)
#define RCC_AHB1ENR_DMA1EN BIT(21) /* same positions in AHB1RSTR (DMA1RST, DMA2RST) */
#define RCC_AHB1ENR_DMA2EN BIT(22)
#define RCC_APB1ENR_USART2EN BIT(17)
#define RCC_APB1ENR_USART3EN BIT(18)
#define RCC_APB1ENR_UART4EN BIT(19)
#define RCC_APB1ENR_UART5EN BIT(20)
#define RCC_APB1ENR_PWREN BIT(28)
#define RCC_APB2ENR_USART1EN BIT(4)
#define RCC_APB2ENR_USART6EN BIT(5)

/* RCC_CSR (RM0090 7.3.21): the reset flags survive a system reset (not a power-on reset) and are cleared
 * together by writing RMVF. A power-on reset sets PORRSTF, BORRSTF and PINRSTF; every reset source drives
 * NRST, so PINRSTF accompanies the others. */
#define RCC_CSR_LSION BIT(0)
#define RCC_CSR_LSIRDY BIT(1)
#define RCC_CSR_RMVF BIT(24)
#define RCC_CSR_BORRSTF BIT(25)
#define RCC_CSR_PINRSTF BIT(26)
#define RCC_CSR_PORRSTF BIT(27)
#define RCC_CSR_SFTRSTF BIT(28)
#define RCC_CSR_IWDGRSTF BIT(29)
#define RCC_CSR_WWDGRSTF BIT(30)
#define RCC_CSR_LPWRRSTF BIT(31)

/* The HSI: the clock after reset, and the fallback when the HSE or the PLL does not start. */
#define CLOCK_HSI_HZ 16000000u

/* ---------------- PWR (RM0090 5.4) ----------------
 * Regulator voltage scaling. F405/407 (RM0090): VOS is bit 14 alone: 1 = scale 1 (<= 168 MHz, the reset
 * value), 0 = scale 2 (<= 144 MHz); bit 15 is reserved. F401 (RM0368) and F411 (RM0383): VOS[1:0] in bits
 * 15:14: 01 scale 3 (F401 <= 60 MHz, F411 <= 64 MHz), 10 scale 2 (<= 84 MHz, the reset value), 11 scale 1
 * (F411 <= 100 MHz; on F401 "reserved, scale 2 selected"). F42x/43x: VOS[1:0] as well, resetting to 11.
 * The clock driver writes the whole field of the part it runs on (DBGMCU_IDCODE tells them apart). */
#define PWR_BASE 0x40007000u
#define PWR_CR (PWR_BASE + 0x00u)
#define PWR_CSR (PWR_BASE + 0x04u)
#define PWR_CR_VOS_Pos 14u
#define PWR_CR_VOS_Msk (0x3u << PWR_CR_VOS_Pos) /* parts with a two-bit field */
#define PWR_CR_VOS BIT(14)                      /* F405/407: the one-bit field */
#define PWR_CR_VOS_SCALE2 (0x2u << PWR_CR_VOS_Pos)
#define PWR_CR_VOS_SCALE1 (0x3u << PWR_CR_VOS_Pos)
#define PWR_CSR_VOSRDY BIT(14)

/* ---------------- GPIO (RM0090 8.4) ---------------- */
#define GPIOA_BASE 0x40020000u
#define GPIO_PORT_COUNT 9u /* A..I; F401/F411 have A-E and H only */
#define GPIO_PORT_BASE(i) (GPIOA_BASE + 0x400u * (i))
#define GPIO_MODER(b) ((b) + 0x00u)
#define GPIO_OTYPER(b) ((b) + 0x04u)
#define GPIO_OSPEEDR(b) ((b) + 0x08u)
#define GPIO_PUPDR(b) ((b) + 0x0Cu)
#define GPIO_IDR(b) ((b) + 0x10u)
#define GPIO_ODR(b) ((b) + 0x14u)
#define GPIO_BSRR(b) ((b) + 0x18u)
#define GPIO_LCKR(b) ((b) + 0x1Cu)
#define GPIO_AFRL(b) ((b) + 0x20u)
#define GPIO_AFRH(b) ((b) + 0x24u)
#define GPIO_MODE_INPUT 0x0u
#define GPIO_MODE_OUTPUT 0x1u
#define GPIO_MODE_AF 0x2u
#define GPIO_MODE_ANALOG 0x3u
#define GPIO_PUPD_NONE 0x0u
#define GPIO_PUPD_PULLUP 0x1u
#define GPIO_PUPD_PULLDOWN 0x2u
/* Reset values that are not 0 (RM0090 8.4): the debug pins PA13-15 (SWD/JTAG) and PB3-4 (JTAG). */
#define GPIOA_MODER_RESET 0xA8000000u
#define GPIOA_OSPEEDR_RESET 0x0C000000u
#define GPIOA_PUPDR_RESET 0x64000000u
#define GPIOB_MODER_RESET 0x00000280u
#define GPIOB_OSPEEDR_RESET 0x000000C0u
#define GPIOB_PUPDR_RESET 0x00000100u

/* ---------------- USART (RM0090 30.6) ---------------- */
#define USART1_BASE 0x40011000u
#define USART2_BASE 0x40004400u
#define USART3_BASE 0x40004800u
#define UART4_BASE 0x40004C00u
#define UART5_BASE 0x40005000u
#define USART6_BASE 0x40011400u
#define USART_SR(b) ((b) + 0x00u)
#define USART_DR(b) ((b) + 0x04u)
#define USART_BRR(b) ((b) + 0x08u)
#define USART_CR1(b) ((b) + 0x0Cu)
#define USART_CR2(b) ((b) + 0x10u)
#define USART_CR3(b) ((b) + 0x14u)
#define USART_GTPR(b) ((b) + 0x18u)

#define USART_SR_PE BIT(0)
#define USART_SR_FE BIT(1)
#define USART_SR_NE BIT(2) /* "NF" in later manuals */
#define USART_SR_ORE BIT(3)
#define USART_SR_IDLE BIT(4)
#define USART_SR_RXNE BIT(5) /* rc_w0 */
#define USART_SR_TC BIT(6)   /* rc_w0 */
#define USART_SR_TXE BIT(7)
#define USART_SR_LBD BIT(8)
#define USART_SR_CTS BIT(9)
#define USART_SR_ERRORS (USART_SR_PE | USART_SR_FE | USART_SR_NE | USART_SR_ORE)

#define USART_CR1_SBK BIT(0)
#define USART_CR1_RWU BIT(1)
#define USART_CR1_RE BIT(2)
#define USART_CR1_TE BIT(3)
#define USART_CR1_IDLEIE BIT(4)
#define USART_CR1_RXNEIE BIT(5)
#define USART_CR1_TCIE BIT(6)
#define USART_CR1_TXEIE BIT(7)
#define USART_CR1_PEIE BIT(8)
#define USART_CR1_PS BIT(9) /* 0: even parity */
#define USART_CR1_PCE BIT(10)
#define USART_CR1_WAKE BIT(11)
#define USART_CR1_M BIT(12) /* 1: 9-bit frame = 8 data bits + parity when PCE = 1 */
#define USART_CR1_UE BIT(13)
#define USART_CR1_OVER8 BIT(15)
#define USART_CR2_STOP_Pos 12u
#define USART_CR2_STOP_Msk (0x3u << USART_CR2_STOP_Pos)
#define USART_CR3_EIE BIT(0)
#define USART_CR3_DMAR BIT(6) /* a received character requests the USART's RX DMA stream */
#define USART_CR3_DMAT BIT(7)

/* ---------------- DMA (RM0090 10.5; RM0368/RM0383 9.5) ----------------
 * Two controllers of 8 streams; a stream serves one of 8 request lines (CHSEL). The interrupt flags of streams
 * 0-3 are in LISR/LIFCR, of streams 4-7 in HISR/HIFCR, at bit offsets 0, 6, 16 and 22. */
#define DMA1_BASE 0x40026000u
#define DMA2_BASE 0x40026400u
#define DMA_LISR(b) ((b) + 0x00u)
#define DMA_HISR(b) ((b) + 0x04u)
#define DMA_LIFCR(b) ((b) + 0x08u)
#define DMA_HIFCR(b) ((b) + 0x0Cu)
#define DMA_SxCR(b, s) ((b) + 0x10u + 0x18u * (s))
#define DMA_SxNDTR(b, s) ((b) + 0x14u + 0x18u * (s))
#define DMA_SxPAR(b, s) ((b) + 0x18u + 0x18u * (s))
#define DMA_SxM0AR(b, s) ((b) + 0x1Cu + 0x18u * (s))
#define DMA_SxFCR(b, s) ((b) + 0x24u + 0x18u * (s))
#define DMA_SxCR_EN BIT(0)
#define DMA_SxCR_DIR_Msk (0x3u << 6) /* 00: peripheral to memory */
#define DMA_SxCR_CIRC BIT(8)
#define DMA_SxCR_PINC BIT(9)
#define DMA_SxCR_MINC BIT(10)
#define DMA_SxCR_PSIZE_Msk (0x3u << 11) /* 00: byte */
#define DMA_SxCR_MSIZE_Msk (0x3u << 13) /* 00: byte */
#define DMA_SxCR_PL_HIGH (0x2u << 16)
#define DMA_SxCR_CHSEL_Pos 25u
#define DMA_SxCR_CHSEL_Msk (0x7u << DMA_SxCR_CHSEL_Pos)
#define DMA_SxNDTR_Msk 0xFFFFu
#define DMA_STREAM_FLAGS 0x3Du /* FEIF, DMEIF, TEIF, HTIF, TCIF of one stream (bit 1 is reserved) */

/* ---------------- IWDG (RM0090 21.4) ----------------
 * Counts down from RLR at LSI / (4 << PR); a reset when it reaches 0. The LSI is 17-47 kHz (datasheets),
 * 32 kHz typical. Once started (KR = 0xCCCC, or by hardware with WDG_SW = 0) only a reset stops it. */
#define IWDG_BASE 0x40003000u
#define IWDG_KR (IWDG_BASE + 0x00u)
#define IWDG_PR (IWDG_BASE + 0x04u)
#define IWDG_RLR (IWDG_BASE + 0x08u)
#define IWDG_SR (IWDG_BASE + 0x0Cu)
#define IWDG_KR_START 0xCCCCu
#define IWDG_KR_RELOAD 0xAAAAu
#define IWDG_KR_ACCESS 0x5555u /* PR and RLR writable until another key is written */
#define IWDG_PR_Msk 0x7u       /* divider 4 << PR; 6 and 7 both divide by 256 */
#define IWDG_RLR_Msk 0xFFFu
#define IWDG_SR_PVU BIT(0) /* a PR update is still on its way to the LSI domain: PR cannot be written */
#define IWDG_SR_RVU BIT(1) /* the same for RLR */

/* ---------------- Cortex-M4 core (PM0214 4.3-4.5): SysTick, the NVIC and the SCB are in cortex_m.h -------- */
#define SCB_VTOR 0xE000ED08u
#define SCB_SHPR3 0xE000ED20u
#define SCB_CPACR 0xE000ED88u

/* NVIC: ICTR.INTLINESNUM + 1 registers of 32 lines are implemented (3 on F4: 82-86 IRQs). */
#define SCS_ICTR 0xE000E004u
#define SCS_ICTR_INTLINESNUM_Msk 0xFu

/* DEV_ID in bits 11:0 (RM0090 38.6.1: "accessible ... by the user software"): 0x413 F405/407, 0x419 F42x/43x,
 * 0x423 and 0x433 F401, 0x431 F411. QEMU reads 0 there. */
#define DBGMCU_IDCODE 0xE0042000u
#define DBGMCU_IDCODE_DEV_ID_Msk 0xFFFu

#endif /* STM32F4_REGS_H */
