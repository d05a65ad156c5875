/*
 * STM32L4 registers used by tsboot's drivers: addresses and bit names as in RM0351 (STM32L47x/L48x/L49x/
 * L4Ax, Rev 9) and, for the Cortex-M4 core (SysTick, SCB, NVIC), PM0214. The target is the STM32L476
 * (NUCLEO-L476RG); section numbers below are RM0351's.
 *
 * All register access goes through REG_READ32/REG_WRITE32, the one seam between the drivers and the
 * hardware: with TSBOOT_REG_MODEL defined they call the host register model (test/hal-stm32l4/model),
 * otherwise they are volatile 32-bit accesses. The two word stores that program a flash double word and the
 * reads of the fault record go through the seam too, and so does the RAM address a DMA channel is given.
 */
#ifndef STM32L4_REGS_H
#define STM32L4_REGS_H

#include <stdbool.h>
#include <stdint.h>

#include "cortex_m.h"

/* The bus address of a RAM buffer, for a DMA channel (the model maps its own SRAM). */
#ifdef TSBOOT_REG_MODEL
uint32_t reg_model_ram_address(void *p, uint32_t length);
#define REG_RAM_ADDRESS(p, length) reg_model_ram_address((p), (length))
#else
#define REG_RAM_ADDRESS(p, length) ((void)(length), (uint32_t)(uintptr_t)(p))
#endif

/* ---------------- Memory (RM0351 2.2.2, 3.2) ----------------
 * STM32L476xG: 1 MB of flash in two banks of 512 KB, each 256 pages of 2 KB; 64-bit double words with 8 ECC
 * bits (72-bit cells). SRAM1 96 KB at 0x20000000; SRAM2 32 KB at 0x10000000, also seen at 0x20018000 so the
 * two SRAMs are contiguous. */
#define FLASH_BASE 0x08000000u
#define FLASH_PAGE_SIZE 2048u
#define FLASH_DOUBLE_WORD 8u
#define SRAM1_BASE 0x20000000u
#define SRAM1_SIZE 0x00018000u
#define SRAM2_BASE 0x10000000u
#define SRAM2_SIZE 0x00008000u
#define SRAM2_ALIAS_BASE 0x20018000u

/* Flash size in KB (RM0351 "Device electronic signature", flash size data register): 16 bits at 0x1FFF75E0. */
#define FLASHSIZE_BASE 0x1FFF75E0u
#define FLASHSIZE_Msk 0xFFFFu

/* The fault record: four no-init RAM words (see stm32l4_fault.c). Board builds define the address from the
 * linker layout; the model build uses the last 16 bytes of SRAM1. Keep it out of SRAM2 when its parity check
 * is on (FLASH_OPTR.SRAM2_PE = 0): a read of a word never written since power-on is then a parity error,
 * and that is an NMI. */
#ifndef BOARD_FAULT_RECORD_ADDR
#define BOARD_FAULT_RECORD_ADDR (SRAM1_BASE + SRAM1_SIZE - 16u)
#endif

/* ---------------- Flash interface (RM0351 3.7) ---------------- */
#define FLASH_R_BASE 0x40022000u
#define FLASH_ACR (FLASH_R_BASE + 0x00u)
#define FLASH_PDKEYR (FLASH_R_BASE + 0x04u)
#define FLASH_KEYR (FLASH_R_BASE + 0x08u)
#define FLASH_OPTKEYR (FLASH_R_BASE + 0x0Cu)
#define FLASH_SR (FLASH_R_BASE + 0x10u)
#define FLASH_CR (FLASH_R_BASE + 0x14u)
#define FLASH_ECCR (FLASH_R_BASE + 0x18u)
#define FLASH_OPTR (FLASH_R_BASE + 0x20u)
#define FLASH_PCROP1SR (FLASH_R_BASE + 0x24u)
#define FLASH_PCROP1ER (FLASH_R_BASE + 0x28u)
#define FLASH_WRP1AR (FLASH_R_BASE + 0x2Cu)
#define FLASH_WRP1BR (FLASH_R_BASE + 0x30u)
#define FLASH_PCROP2SR (FLASH_R_BASE + 0x44u)
#define FLASH_PCROP2ER (FLASH_R_BASE + 0x48u)
#define FLASH_WRP2AR (FLASH_R_BASE + 0x4Cu)
#define FLASH_WRP2BR (FLASH_R_BASE + 0x50u)

/* FLASH_ACR resets to 0x00000600: the instruction and data caches are ON out of reset, unlike F4. */
#define FLASH_ACR_LATENCY_Pos 0u
#define FLASH_ACR_LATENCY_Msk (0x7u << FLASH_ACR_LATENCY_Pos)
#define FLASH_ACR_PRFTEN BIT(8)
#define FLASH_ACR_ICEN BIT(9)
#define FLASH_ACR_DCEN BIT(10)
#define FLASH_ACR_ICRST BIT(11) /* writable only while ICEN = 0 */
#define FLASH_ACR_DCRST BIT(12) /* writable only while DCEN = 0 */
#define FLASH_ACR_RUN_PD BIT(13)
#define FLASH_ACR_SLEEP_PD BIT(14)

#define FLASH_KEY1 0x45670123u
#define FLASH_KEY2 0xCDEF89ABu
#define FLASH_OPTKEY1 0x08192A3Bu
#define FLASH_OPTKEY2 0x4C5D6E7Fu

/* FLASH_SR: every flag but BSY is rc_w1. EOP only with EOPIE, OPERR only with ERRIE. RDERR is a PCROP read
 * error; OPTVERR says the option bytes loaded at reset were not valid. */
#define FLASH_SR_EOP BIT(0)
#define FLASH_SR_OPERR BIT(1)
#define FLASH_SR_PROGERR BIT(3) /* the double word was not erased (and the data is not all zero) */
#define FLASH_SR_WRPERR BIT(4)
#define FLASH_SR_PGAERR BIT(5) /* the data is not within one double word */
#define FLASH_SR_SIZERR BIT(6) /* a byte or half-word write */
#define FLASH_SR_PGSERR BIT(7) /* a write without PG, or an operation started over a stale error flag */
#define FLASH_SR_MISERR BIT(8) /* RM0351 spells it MISERR in the register map, MISSERR in the text */
#define FLASH_SR_FASTERR BIT(9)
#define FLASH_SR_RDERR BIT(14)
#define FLASH_SR_OPTVERR BIT(15)
#define FLASH_SR_BSY BIT(16)
/* "Check and clear all error programming flags due to a previous programming. If not, PGSERR is set."
 * (RM0351 3.3.7): every error flag, cleared before each operation. */
#define FLASH_SR_ERRORS                                                                                            \
  (FLASH_SR_OPERR | FLASH_SR_PROGERR | FLASH_SR_WRPERR | FLASH_SR_PGAERR | FLASH_SR_SIZERR | FLASH_SR_PGSERR |    \
   FLASH_SR_MISERR | FLASH_SR_FASTERR | FLASH_SR_RDERR | FLASH_SR_OPTVERR)

#define FLASH_CR_PG BIT(0)
#define FLASH_CR_PER BIT(1)
#define FLASH_CR_MER1 BIT(2)
#define FLASH_CR_PNB_Pos 3u
#define FLASH_CR_PNB_Msk (0xFFu << FLASH_CR_PNB_Pos)
#define FLASH_CR_BKER BIT(11) /* 0: the page is in bank 1, 1: in bank 2 */
#define FLASH_CR_MER2 BIT(15)
#define FLASH_CR_STRT BIT(16)
#define FLASH_CR_OPTSTRT BIT(17)
#define FLASH_CR_FSTPG BIT(18)
#define FLASH_CR_EOPIE BIT(24)
#define FLASH_CR_ERRIE BIT(25)
#define FLASH_CR_RDERRIE BIT(26)
#define FLASH_CR_OBL_LAUNCH BIT(27) /* reloads the option bytes: a system reset; needs OPTLOCK = 0 */
#define FLASH_CR_OPTLOCK BIT(30)    /* set-only; cleared by the OPTKEYR sequence */
#define FLASH_CR_LOCK BIT(31)       /* set-only; cleared by the KEYR sequence */

/* FLASH_ECCR: ECCC/ECCD rc_w1. While either flag is set, ADDR_ECC and BK_ECC keep the first error's place:
 * clear them to capture the next one. ECCD raises an NMI. */
#define FLASH_ECCR_ADDR_ECC_Pos 0u
#define FLASH_ECCR_ADDR_ECC_Msk (0x7FFFFu << FLASH_ECCR_ADDR_ECC_Pos) /* byte offset in the bank */
#define FLASH_ECCR_BK_ECC BIT(19)
#define FLASH_ECCR_SYSF_ECC BIT(20)
#define FLASH_ECCR_ECCIE BIT(24)
#define FLASH_ECCR_ECCC BIT(30)
#define FLASH_ECCR_ECCD BIT(31)

/* FLASH_OPTR (RM0351 3.7.8). RDP lives in bits 7:0 (0xAA = level 0). tsboot writes only BFB2, and only on a
 * board built for the bank swap (stm32l4_bank_swap.c). */
#define FLASH_OPTR_RDP_Msk 0xFFu
#define FLASH_OPTR_IWDG_SW BIT(16) /* 1: software watchdog, 0: the IWDG starts by hardware at every reset */
#define FLASH_OPTR_IWDG_STOP BIT(17)
#define FLASH_OPTR_IWDG_STDBY BIT(18)
#define FLASH_OPTR_WWDG_SW BIT(19)
#define FLASH_OPTR_BFB2 BIT(20) /* dual-bank boot: boot through system memory, which starts bank 2 first */
#define FLASH_OPTR_DUALBANK BIT(21) /* 256/512 KB parts only; 1 MB parts are always dual bank */
#define FLASH_OPTR_nBOOT1 BIT(23)
#define FLASH_OPTR_SRAM2_PE BIT(24)
#define FLASH_OPTR_SRAM2_RST BIT(25)

/* FLASH_WRPxyR (x = bank, y = area A/B): pages STRT..END of the bank (offsets in the bank, END included) are
 * write protected; STRT > END means no area. The other bits are reserved and read as 1. */
#define FLASH_WRP_STRT_Pos 0u
#define FLASH_WRP_STRT_Msk (0xFFu << FLASH_WRP_STRT_Pos)
#define FLASH_WRP_END_Pos 16u
#define FLASH_WRP_END_Msk (0xFFu << FLASH_WRP_END_Pos)
#define FLASH_WRP_NONE ((0xFFu << FLASH_WRP_STRT_Pos) | (0x00u << FLASH_WRP_END_Pos)) /* STRT > END */

/* ---------------- SYSCFG (RM0351 9.2.1) ---------------- */
#define SYSCFG_BASE 0x40010000u
#define SYSCFG_MEMRMP (SYSCFG_BASE + 0x00u)
/* FB_MODE: 0 bank 1 at 0x08000000 and bank 2 at 0x08080000; 1 the other way round. The system memory's
 * dual-bank boot (FLASH_OPTR.BFB2 = 1) sets it before it jumps to bank 2; a reset clears it. */
#define SYSCFG_MEMRMP_FB_MODE BIT(8)

/* ---------------- RCC (RM0351 6.4) ---------------- */
#define RCC_BASE 0x40021000u
#define RCC_CR (RCC_BASE + 0x00u)
#define RCC_ICSCR (RCC_BASE + 0x04u)
#define RCC_CFGR (RCC_BASE + 0x08u)
#define RCC_PLLCFGR (RCC_BASE + 0x0Cu)
#define RCC_AHB1RSTR (RCC_BASE + 0x28u)
#define RCC_AHB2RSTR (RCC_BASE + 0x2Cu)
#define RCC_APB1RSTR1 (RCC_BASE + 0x38u)
#define RCC_APB2RSTR (RCC_BASE + 0x40u)
#define RCC_AHB1ENR (RCC_BASE + 0x48u)
#define RCC_AHB2ENR (RCC_BASE + 0x4Cu)
#define RCC_APB1ENR1 (RCC_BASE + 0x58u)
#define RCC_APB2ENR (RCC_BASE + 0x60u)
#define RCC_CCIPR (RCC_BASE + 0x88u)
#define RCC_CSR (RCC_BASE + 0x94u)

/* RCC_CR resets to 0x00000063: MSI on and ready at range 6 (4 MHz); HSI16, HSE and the PLL off. */
#define RCC_CR_MSION BIT(0)
#define RCC_CR_MSIRDY BIT(1)
#define RCC_CR_MSIRANGE_Pos 4u
#define RCC_CR_MSIRANGE_Msk (0xFu << RCC_CR_MSIRANGE_Pos)
#define RCC_CR_HSION BIT(8)
#define RCC_CR_HSIRDY BIT(10)
#define RCC_CR_HSEON BIT(16)
#define RCC_CR_HSERDY BIT(17)
#define RCC_CR_HSEBYP BIT(18) /* writable only while HSEON = 0 */
#define RCC_CR_CSSON BIT(19)
#define RCC_CR_PLLON BIT(24)
#define RCC_CR_PLLRDY BIT(25)

#define RCC_CFGR_SW_Pos 0u
#define RCC_CFGR_SW_Msk (0x3u << RCC_CFGR_SW_Pos)
#define RCC_CFGR_SW_MSI 0x0u
#define RCC_CFGR_SW_HSI16 0x1u
#define RCC_CFGR_SW_HSE 0x2u
#define RCC_CFGR_SW_PLL 0x3u
#define RCC_CFGR_SWS_Pos 2u
#define RCC_CFGR_SWS_Msk (0x3u << RCC_CFGR_SWS_Pos)
#define RCC_CFGR_HPRE_Pos 4u
#define RCC_CFGR_HPRE_Msk (0xFu << RCC_CFGR_HPRE_Pos)
#define RCC_CFGR_PPRE1_Pos 8u
#define RCC_CFGR_PPRE1_Msk (0x7u << RCC_CFGR_PPRE1_Pos)
#define RCC_CFGR_PPRE2_Pos 11u
#define RCC_CFGR_PPRE2_Msk (0x7u << RCC_CFGR_PPRE2_Pos)

/* RCC_PLLCFGR (RM0351 6.4.4) resets to 0x00001000 (PLLN = 16, no source). f(VCO in) = src / PLLM must be
 * 4..16 MHz, f(VCO) = f(VCO in) * PLLN 64..344 MHz with PLLN 8..86, PLLCLK = f(VCO) / PLLR <= 80 MHz. */
#define RCC_PLLCFGR_PLLSRC_Pos 0u
#define RCC_PLLCFGR_PLLSRC_Msk (0x3u << RCC_PLLCFGR_PLLSRC_Pos)
#define RCC_PLLCFGR_PLLSRC_NONE 0x0u
#define RCC_PLLCFGR_PLLSRC_MSI 0x1u
#define RCC_PLLCFGR_PLLSRC_HSI16 0x2u
#define RCC_PLLCFGR_PLLSRC_HSE 0x3u
#define RCC_PLLCFGR_PLLM_Pos 4u /* PLLM - 1 */
#define RCC_PLLCFGR_PLLM_Msk (0x7u << RCC_PLLCFGR_PLLM_Pos)
#define RCC_PLLCFGR_PLLN_Pos 8u
#define RCC_PLLCFGR_PLLN_Msk (0x7Fu << RCC_PLLCFGR_PLLN_Pos)
#define RCC_PLLCFGR_PLLPEN BIT(16)
#define RCC_PLLCFGR_PLLQEN BIT(20)
#define RCC_PLLCFGR_PLLREN BIT(24) /* the PLLCLK output that can drive SYSCLK */
#define RCC_PLLCFGR_PLLR_Pos 25u   /* 0: /2, 1: /4, 2: /6, 3: /8 */
#define RCC_PLLCFGR_PLLR_Msk (0x3u << RCC_PLLCFGR_PLLR_Pos)
#define RCC_PLLCFGR_RESET 0x00001000u

#define RCC_AHB1ENR_DMA1EN BIT(0) /* same position in RCC_AHB1RSTR (DMA1RST) */
#define RCC_AHB2ENR_GPIOAEN BIT(0) /* GPIOxEN = BIT(x), A = 0 ... H = 7; same positions in RCC_AHB2RSTR */
#define RCC_APB1ENR1_USART2EN BIT(17) /* same positions in RCC_APB1RSTR1 */
#define RCC_APB1ENR1_USART3EN BIT(18)
#define RCC_APB1ENR1_UART4EN BIT(19)
#define RCC_APB1ENR1_UART5EN BIT(20)
#define RCC_APB1ENR1_PWREN BIT(28)
#define RCC_APB2ENR_SYSCFGEN BIT(0) /* SYSCFG registers read 0 while it is off */
#define RCC_APB2ENR_USART1EN BIT(14) /* same position in RCC_APB2RSTR */

/* RCC_CCIPR: the kernel clock of each U(S)ART, two bits each: 00 PCLK, 01 SYSCLK, 10 HSI16, 11 LSE. */
#define RCC_CCIPR_USART1SEL_Pos 0u
#define RCC_CCIPR_USART2SEL_Pos 2u
#define RCC_CCIPR_USART3SEL_Pos 4u
#define RCC_CCIPR_UART4SEL_Pos 6u
#define RCC_CCIPR_UART5SEL_Pos 8u
#define RCC_CCIPR_SEL_PCLK 0x0u
#define RCC_CCIPR_SEL_SYSCLK 0x1u
#define RCC_CCIPR_SEL_HSI16 0x2u
#define RCC_CCIPR_SEL_LSE 0x3u

/* RCC_CSR: reset flags, cleared together by writing RMVF. LSION and MSISRANGE are rw. */
#define RCC_CSR_LSION BIT(0)
#define RCC_CSR_LSIRDY BIT(1)
#define RCC_CSR_MSISRANGE_Pos 8u
#define RCC_CSR_MSISRANGE_Msk (0xFu << RCC_CSR_MSISRANGE_Pos)
#define RCC_CSR_RMVF BIT(23)
#define RCC_CSR_FWRSTF BIT(24)
#define RCC_CSR_OBLRSTF BIT(25)
#define RCC_CSR_PINRSTF BIT(26)
#define RCC_CSR_BORRSTF BIT(27) /* BOR, which includes power-on: the L4 has no separate POR flag */
#define RCC_CSR_SFTRSTF BIT(28)
#define RCC_CSR_IWDGRSTF BIT(29)
#define RCC_CSR_WWDGRSTF BIT(30)
#define RCC_CSR_LPWRRSTF BIT(31)

#define MSI_RESET_HZ 4000000u /* MSIRANGE 6 */
#define HSI16_HZ 16000000u
#define LSE_HZ 32768u

/* ---------------- PWR (RM0351 5.4) ---------------- */
#define PWR_BASE 0x40007000u
#define PWR_CR1 (PWR_BASE + 0x00u)
#define PWR_SR2 (PWR_BASE + 0x14u)
#define PWR_CR1_VOS_Pos 9u
#define PWR_CR1_VOS_Msk (0x3u << PWR_CR1_VOS_Pos)
#define PWR_CR1_VOS_RANGE1 (0x1u << PWR_CR1_VOS_Pos) /* up to 80 MHz; the reset value */
#define PWR_CR1_VOS_RANGE2 (0x2u << PWR_CR1_VOS_Pos) /* up to 26 MHz */
#define PWR_SR2_VOSF BIT(10)                         /* 1 while the regulator moves to the new range */

/* ---------------- GPIO (RM0351 8.5) ---------------- */
#define GPIOA_BASE 0x48000000u
#define GPIO_PORT_COUNT 8u /* A..H on the STM32L476 */
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
#define GPIO_BRR(b) ((b) + 0x28u)
#define GPIO_ASCR(b) ((b) + 0x2Cu)
#define GPIO_MODE_INPUT 0x0u
#define GPIO_MODE_OUTPUT 0x1u
#define GPIO_MODE_AF 0x2u
#define GPIO_MODE_ANALOG 0x3u /* the reset mode of most pins on L4 (F4: input) */
#define GPIO_PUPD_NONE 0x0u
#define GPIO_PUPD_PULLUP 0x1u
#define GPIO_PUPD_PULLDOWN 0x2u
/* Reset values that are not "analog, no pull" (RM0351 8.5.1-8.5.4): the debug pins PA13-15 and PB3-4. */
#define GPIOA_MODER_RESET 0xABFFFFFFu
#define GPIOB_MODER_RESET 0xFFFFFEBFu
#define GPIOH_MODER_RESET 0x0000000Fu /* PH0/PH1 only on the STM32L47x */
#define GPIOX_MODER_RESET 0xFFFFFFFFu
#define GPIOA_OSPEEDR_RESET 0x0C000000u
#define GPIOA_PUPDR_RESET 0x64000000u
#define GPIOB_PUPDR_RESET 0x00000100u

/* ---------------- DMA1 (RM0351 11.6) ----------------
 * Seven channels; each channel's request comes from one of up to 8 peripherals chosen by its 4-bit field in
 * DMA_CSELR. RM0351 table "DMA1 requests for each channel": USART2_RX is channel 6, request 2 (C6S = 0010);
 * USART2_TX is channel 7, request 2. USART1_RX is channel 5, USART3_RX channel 3 (request 2 both); UART4/5
 * are on DMA2 and are not supported here (no DMA: the port polls). */
#define DMA1_BASE 0x40020000u
#define DMA_ISR(b) ((b) + 0x00u)
#define DMA_IFCR(b) ((b) + 0x04u)
#define DMA_CCR(b, ch) ((b) + 0x08u + 0x14u * ((ch) - 1u))
#define DMA_CNDTR(b, ch) ((b) + 0x0Cu + 0x14u * ((ch) - 1u))
#define DMA_CPAR(b, ch) ((b) + 0x10u + 0x14u * ((ch) - 1u))
#define DMA_CMAR(b, ch) ((b) + 0x14u + 0x14u * ((ch) - 1u))
#define DMA_CSELR(b) ((b) + 0xA8u)
#define DMA_CSELR_CxS_Pos(ch) (4u * ((ch) - 1u))
#define DMA_CSELR_CxS_Msk(ch) (0xFu << DMA_CSELR_CxS_Pos(ch))
/* ISR flags (and IFCR clear bits, same positions): GIF, TCIF, HTIF, TEIF of channel ch. */
#define DMA_ISR_GIF(ch) BIT(4u * ((ch) - 1u) + 0u)
#define DMA_ISR_TCIF(ch) BIT(4u * ((ch) - 1u) + 1u)
#define DMA_ISR_HTIF(ch) BIT(4u * ((ch) - 1u) + 2u)
#define DMA_ISR_TEIF(ch) BIT(4u * ((ch) - 1u) + 3u)
#define DMA_IFCR_CGIF(ch) DMA_ISR_GIF(ch) /* clears all four flags of the channel */

#define DMA_CCR_EN BIT(0)
#define DMA_CCR_TCIE BIT(1)
#define DMA_CCR_HTIE BIT(2)
#define DMA_CCR_TEIE BIT(3)
#define DMA_CCR_DIR BIT(4) /* 0: read from the peripheral */
#define DMA_CCR_CIRC BIT(5)
#define DMA_CCR_PINC BIT(6)
#define DMA_CCR_MINC BIT(7)
#define DMA_CCR_PSIZE_Pos 8u /* 00: 8 bits */
#define DMA_CCR_MSIZE_Pos 10u
#define DMA_CCR_PL_Pos 12u
#define DMA_CCR_PL_VERY_HIGH (0x3u << DMA_CCR_PL_Pos)
#define DMA_CCR_MEM2MEM BIT(14)
#define DMA_CNDTR_Msk 0xFFFFu

/* ---------------- USART, the v2 IP with ISR/ICR/RDR/TDR (RM0351 USART chapter, registers) ---------------- */
#define USART1_BASE 0x40013800u
#define USART2_BASE 0x40004400u
#define USART3_BASE 0x40004800u
#define UART4_BASE 0x40004C00u
#define UART5_BASE 0x40005000u
#define USART_CR1(b) ((b) + 0x00u)
#define USART_CR2(b) ((b) + 0x04u)
#define USART_CR3(b) ((b) + 0x08u)
#define USART_BRR(b) ((b) + 0x0Cu)
#define USART_GTPR(b) ((b) + 0x10u)
#define USART_RTOR(b) ((b) + 0x14u)
#define USART_RQR(b) ((b) + 0x18u)
#define USART_ISR(b) ((b) + 0x1Cu)
#define USART_ICR(b) ((b) + 0x20u)
#define USART_RDR(b) ((b) + 0x24u)
#define USART_TDR(b) ((b) + 0x28u)

/* CR1: M1:M0 = 00 8 data bits, 01 9 data bits, 10 7 data bits; with PCE the MSB of those is the parity.
 * M0, M1, PCE, PS, OVER8 (and BRR, CR2, most of CR3) can only be written while UE = 0. */
#define USART_CR1_UE BIT(0)
#define USART_CR1_RE BIT(2)
#define USART_CR1_TE BIT(3)
#define USART_CR1_RXNEIE BIT(5)
#define USART_CR1_TCIE BIT(6)
#define USART_CR1_TXEIE BIT(7)
#define USART_CR1_PEIE BIT(8)
#define USART_CR1_PS BIT(9) /* 0: even parity */
#define USART_CR1_PCE BIT(10)
#define USART_CR1_M0 BIT(12)
#define USART_CR1_OVER8 BIT(15)
#define USART_CR1_M1 BIT(28)
#define USART_CR2_STOP_Pos 12u
#define USART_CR2_STOP_Msk (0x3u << USART_CR2_STOP_Pos)
#define USART_CR3_EIE BIT(0)
#define USART_CR3_DMAR BIT(6) /* writable while UE = 1 */
#define USART_CR3_DMAT BIT(7)
#define USART_CR3_OVRDIS BIT(12)
#define USART_CR3_DDRE BIT(13) /* 0: a byte with PE/FE/NE is not transferred by DMA, the next good one is */

#define USART_ISR_PE BIT(0)
#define USART_ISR_FE BIT(1)
#define USART_ISR_NF BIT(2) /* "NE" in CMSIS */
#define USART_ISR_ORE BIT(3)
#define USART_ISR_IDLE BIT(4)
#define USART_ISR_RXNE BIT(5) /* cleared by reading RDR */
#define USART_ISR_TC BIT(6)
#define USART_ISR_TXE BIT(7) /* cleared by writing TDR */
#define USART_ISR_BUSY BIT(16)
#define USART_ISR_TEACK BIT(21)
#define USART_ISR_REACK BIT(22)
#define USART_ISR_ERRORS (USART_ISR_PE | USART_ISR_FE | USART_ISR_NF | USART_ISR_ORE)
#define USART_ICR_PECF BIT(0) /* the clear bit of each flag sits at the flag's position */
#define USART_ICR_FECF BIT(1)
#define USART_ICR_NCF BIT(2)
#define USART_ICR_ORECF BIT(3)
#define USART_ICR_IDLECF BIT(4)
#define USART_ICR_TCCF BIT(6)
#define USART_RQR_RXFRQ BIT(3)

/* ---------------- IWDG (RM0351 IWDG chapter, registers), LSI about 32 kHz ---------------- */
#define IWDG_BASE 0x40003000u
#define IWDG_KR (IWDG_BASE + 0x00u)
#define IWDG_PR (IWDG_BASE + 0x04u)
#define IWDG_RLR (IWDG_BASE + 0x08u)
#define IWDG_SR (IWDG_BASE + 0x0Cu)
#define IWDG_WINR (IWDG_BASE + 0x10u)
#define IWDG_KR_START 0xCCCCu
#define IWDG_KR_RELOAD 0xAAAAu
#define IWDG_KR_ACCESS 0x5555u /* PR, RLR and WINR writable until the next reload */
#define IWDG_PR_Msk 0x7u     /* divider 4 << PR (6 and 7: 256) */
#define IWDG_RLR_Msk 0xFFFu
#define IWDG_WINR_Msk 0xFFFu /* 0xFFF (the reset value): no window */
#define IWDG_SR_PVU BIT(0)
#define IWDG_SR_RVU BIT(1)
#define IWDG_SR_WVU BIT(2)
#define LSI_HZ 32000u

/* ---------------- Cortex-M4 core (PM0214 4.3-4.5): SysTick, the NVIC and the SCB are in cortex_m.h -------- */
#define NVIC_IRQ_LINES 82u /* STM32L476: IRQ 0..81 (RM0351 table "STM32L47x/L48x vector table") */
#define NVIC_WORDS ((NVIC_IRQ_LINES + 31u) / 32u)

#define SCB_VTOR 0xE000ED08u
#define SCB_AIRCR_PRIGROUP_Msk (0x7u << 8)
/* VTOR: the table must be aligned to the next power of two above its size: 16 + 82 vectors = 392 bytes,
 * so a 512-byte boundary on the STM32L476. */
#define VTOR_ALIGNMENT 512u

/* ---------------- Family functions beyond tsboot_hal.h ---------------- */
/* The address of the last ECC double error the NMI recorded (0: none since reset). */
uint32_t stm32l4_flash_ecc_address(void);
/* Called by the NMI entry: true when FLASH_ECCR.ECCD was set (then recorded and cleared). */
bool stm32l4_flash_ecc_nmi(void);
/* The option byte sequence (RM0351 3.4.2) shared by the WRP areas (stm32l4_flash.c) and BFB2
 * (stm32l4_bank_swap.c): begin (idle, stale flags cleared, FLASH_KEYR and FLASH_OPTKEYR; on a refusal
 * FLASH_CR is locked again), then the option registers written, program (OPTSTRT, BSY, FLASH_SR mapped and
 * cleared; FLASH_CR left unlocked), then hal_flash_lock or load (OBL_LAUNCH: a reset; if it ever returns,
 * FLASH_CR is locked and HAL_ERR_TIMEOUT reported). */
uint32_t stm32l4_options_begin(void);
uint32_t stm32l4_options_program(void);
uint32_t stm32l4_options_load(void);

#ifdef TSBOOT_REG_MODEL
/* Model builds only: forget the drivers' RAM state, as the startup code's .bss clearing does at each boot
 * (stm32l4_model_boot calls one function per driver file that keeps state). */
void stm32l4_model_boot(void);
void stm32l4_flash_model_boot(void);
void stm32l4_fault_model_boot(void);
void stm32l4_reset_model_boot(void);
void stm32l4_clock_model_boot(void);
void stm32l4_uart_model_boot(void);
#endif

#endif /* STM32L4_REGS_H */
