/*
 * STM32F0 registers used by tsboot's drivers: addresses and bit names as in RM0091 (STM32F0x1/x2/x8 reference
 * manual) for the STM32F07x line (NUCLEO-F072RB, STM32F072B-DISCO), and, for the Cortex-M0 core (SysTick,
 * SCB, NVIC), PM0215. The STM32F072 datasheet (DS9826) gives the flash timings and oscillator limits.
 *
 * All register access goes through REG_READ32/REG_WRITE32 (and the 16-bit REG_READ16/REG_WRITE16 that flash
 * and option-byte programming need), the one seam between the drivers and the hardware: with TSBOOT_REG_MODEL
 * defined they call the host register model (test/hal-stm32f0/model), otherwise they are volatile accesses.
 * REG_PTR_ADDR turns a pointer into the bus address a DMA channel is given (the model maps its own SRAM).
 */
#ifndef STM32F0_REGS_H
#define STM32F0_REGS_H

#include <stdint.h>

#include "cortex_m.h"

/* Half-word access (flash and option-byte programming), and the bus address of a buffer for DMA. */
#ifdef TSBOOT_REG_MODEL
uint16_t reg_model_read16(uint32_t addr);
void reg_model_write16(uint32_t addr, uint16_t v);
uint32_t reg_model_ptr_addr(const void *p);
#define REG_READ16(addr) reg_model_read16((uint32_t)(addr))
#define REG_WRITE16(addr, v) reg_model_write16((uint32_t)(addr), (uint16_t)(v))
#define REG_PTR_ADDR(p) reg_model_ptr_addr(p)
#else
#define REG_READ16(addr) (*(volatile uint16_t *)(uintptr_t)(addr))
#define REG_WRITE16(addr, v) (*(volatile uint16_t *)(uintptr_t)(addr) = (uint16_t)(v))
#define REG_PTR_ADDR(p) ((uint32_t)(uintptr_t)(p))
#endif

/* ---------------- Memory (RM0091 "Memory organization", "Flash memory organization") ----------------
 * Main flash: 2 KB pages on the F07x/F09x lines (1 KB on F03x/F04x/F05x), 64 pages on a 128 KB F072xB.
 * SRAM: 16 KB on the F072, mapped at 0 as well when SYSCFG_CFGR1.MEM_MODE = 11. */
#define FLASH_BASE 0x08000000u
#define FLASH_PAGE_SIZE 2048u
#define SRAM_BASE 0x20000000u
#define OB_BASE 0x1FFFF800u /* option bytes: RDP, USER, DATA0, DATA1, WRP0..WRP3, one half-word each */

/* Flash size in KB (RM0091 "Flash size data register"): a 16-bit read-only value at 0x1FFFF7CC, read as
 * the lower half of the aligned word there. */
#define F_SIZE 0x1FFFF7CCu

/* Cortex-M0 exception table: 16 system entries + the F07x's 32 IRQs (RM0091 "Interrupt and exception vectors"). */
#define VECTOR_TABLE_WORDS 48u

/* ---------------- Flash interface (RM0091 "Flash registers") ---------------- */
#define FLASH_R_BASE 0x40022000u
#define FLASH_ACR (FLASH_R_BASE + 0x00u)
#define FLASH_KEYR (FLASH_R_BASE + 0x04u)
#define FLASH_OPTKEYR (FLASH_R_BASE + 0x08u)
#define FLASH_SR (FLASH_R_BASE + 0x0Cu)
#define FLASH_CR (FLASH_R_BASE + 0x10u)
#define FLASH_AR (FLASH_R_BASE + 0x14u)
#define FLASH_OBR (FLASH_R_BASE + 0x1Cu)
#define FLASH_WRPR (FLASH_R_BASE + 0x20u)

#define FLASH_ACR_LATENCY_Pos 0u
#define FLASH_ACR_LATENCY_Msk (0x7u << FLASH_ACR_LATENCY_Pos) /* 000: SYSCLK <= 24 MHz, 001: 24 < SYSCLK <= 48 MHz */
#define FLASH_ACR_PRFTBE BIT(4)                               /* prefetch buffer enable (1 at reset) */
#define FLASH_ACR_PRFTBS BIT(5)                               /* prefetch buffer status (read-only) */
#define FLASH_ACR_RESET (FLASH_ACR_PRFTBE | FLASH_ACR_PRFTBS)

#define FLASH_KEY1 0x45670123u /* FLASH_KEYR and FLASH_OPTKEYR take the same two keys */
#define FLASH_KEY2 0xCDEF89ABu
#define FLASH_OPTKEY1 FLASH_KEY1
#define FLASH_OPTKEY2 FLASH_KEY2

/* PGERR, WRPRTERR and EOP are rc_w1 (cleared by writing 1). Unlike F4, EOP is set at the end of every
 * successful operation whether or not EOPIE is set (RM0091 "Flash program and erase operations": the last step checks it). */
#define FLASH_SR_BSY BIT(0)
#define FLASH_SR_PGERR BIT(2)
#define FLASH_SR_WRPRTERR BIT(4)
#define FLASH_SR_EOP BIT(5)
#define FLASH_SR_ERRORS (FLASH_SR_PGERR | FLASH_SR_WRPRTERR)

#define FLASH_CR_PG BIT(0)
#define FLASH_CR_PER BIT(1)
#define FLASH_CR_MER BIT(2)
#define FLASH_CR_OPTPG BIT(4)
#define FLASH_CR_OPTER BIT(5)
#define FLASH_CR_STRT BIT(6)  /* cleared by hardware when BSY clears */
#define FLASH_CR_LOCK BIT(7)  /* 1 at reset; write 1 to lock, only the key sequence unlocks */
#define FLASH_CR_OPTWRE BIT(9) /* set by the FLASH_OPTKEYR sequence, cleared by writing 0 */
#define FLASH_CR_ERRIE BIT(10)
#define FLASH_CR_EOPIE BIT(12)
#define FLASH_CR_OBL_LAUNCH BIT(13) /* reloads the option bytes: a system reset */

#define FLASH_OBR_OPTERR BIT(0)
#define FLASH_OBR_RDPRT_Pos 1u
#define FLASH_OBR_RDPRT_Msk (0x3u << FLASH_OBR_RDPRT_Pos) /* 00: level 0, 01: level 1, 11: level 2 */
#define FLASH_OBR_USER_Pos 8u                               /* bits 15:8 are the USER option byte */
#define FLASH_OBR_WDG_SW BIT(8)                             /* 0: the IWDG starts by hardware at every reset */
#define FLASH_OBR_DATA0_Pos 16u
#define FLASH_OBR_DATA1_Pos 24u

/* Option bytes (RM0091 "Option bytes"): each is a half-word, the value in the low byte and its complement in the high
 * byte. The driver writes both bytes of each half-word itself, complement included, so the result is the same
 * whether or not the interface computes the complement. */
#define OB_RDP (OB_BASE + 0x0u)
#define OB_USER (OB_BASE + 0x2u)
#define OB_DATA0 (OB_BASE + 0x4u)
#define OB_DATA1 (OB_BASE + 0x6u)
#define OB_WRP0 (OB_BASE + 0x8u) /* WRP0..WRP3 at 0x8, 0xA, 0xC, 0xE: FLASH_WRPR bits 7:0, 15:8, 23:16, 31:24 */
#define OB_WRP(n) (OB_WRP0 + 2u * (n))
#define OB_RDP_LEVEL0 0xAAu      /* level 1: any value but 0xAA and 0xCC; level 2: 0xCC (irreversible) */
#define OB_RDP_LEVEL2 0xCCu
/* A WRP bit at 0 protects a group of pages: 2 pages (4 KB) on the 64/128 KB F07x (RM0091 "Write
 * protection option bytes"; ST's OB_WRP_PAGES0TO1 ... OB_WRP_PAGES62TO63). */
#define FLASH_WRP_PAGES_PER_BIT 2u

/* ---------------- RCC (RM0091 "RCC registers") ---------------- */
#define RCC_BASE 0x40021000u
#define RCC_CR (RCC_BASE + 0x00u)
#define RCC_CFGR (RCC_BASE + 0x04u)
#define RCC_CIR (RCC_BASE + 0x08u)
#define RCC_APB2RSTR (RCC_BASE + 0x0Cu)
#define RCC_APB1RSTR (RCC_BASE + 0x10u)
#define RCC_AHBENR (RCC_BASE + 0x14u)
#define RCC_APB2ENR (RCC_BASE + 0x18u)
#define RCC_APB1ENR (RCC_BASE + 0x1Cu)
#define RCC_BDCR (RCC_BASE + 0x20u)
#define RCC_CSR (RCC_BASE + 0x24u)
#define RCC_AHBRSTR (RCC_BASE + 0x28u)
#define RCC_CFGR2 (RCC_BASE + 0x2Cu)
#define RCC_CFGR3 (RCC_BASE + 0x30u)
#define RCC_CR2 (RCC_BASE + 0x34u)

#define RCC_HSI_HZ 8000000u   /* HSI at reset */
#define RCC_HSI48_HZ 48000000u /* HSI48 (F04x/F07x/F09x), trimmed by the CRS only when something syncs it */
#define RCC_LSE_HZ 32768u

#define RCC_CR_HSION BIT(0)
#define RCC_CR_HSIRDY BIT(1)
#define RCC_CR_HSEON BIT(16)
#define RCC_CR_HSERDY BIT(17)
#define RCC_CR_HSEBYP BIT(18) /* writable only while HSEON = 0 */
#define RCC_CR_CSSON BIT(19)
#define RCC_CR_PLLON BIT(24)
#define RCC_CR_PLLRDY BIT(25)

#define RCC_CFGR_SW_Pos 0u
#define RCC_CFGR_SW_Msk (0x3u << RCC_CFGR_SW_Pos)
#define RCC_CFGR_SW_HSI 0x0u
#define RCC_CFGR_SW_HSE 0x1u
#define RCC_CFGR_SW_PLL 0x2u
#define RCC_CFGR_SW_HSI48 0x3u
#define RCC_CFGR_SWS_Pos 2u
#define RCC_CFGR_SWS_Msk (0x3u << RCC_CFGR_SWS_Pos)
#define RCC_CFGR_HPRE_Msk (0xFu << 4)
#define RCC_CFGR_PPRE_Msk (0x7u << 8) /* one APB on F0 */
#define RCC_CFGR_PLLSRC_Pos 15u
#define RCC_CFGR_PLLSRC_Msk (0x3u << RCC_CFGR_PLLSRC_Pos)
#define RCC_CFGR_PLLSRC_HSI_DIV2 0x0u   /* every F0 */
#define RCC_CFGR_PLLSRC_HSE_PREDIV 0x2u /* bit 16 = 1; bit 15 selects HSI/PREDIV or HSI48/PREDIV on F04x/F07x/F09x */
/* PLLXTPRE is not a bit of its own: it is PREDIV[0] of RCC_CFGR2 seen through RCC_CFGR (RM0091 "Clock configuration register (RCC_CFGR)"). A
 * CFGR write must carry it as it is, or it changes PREDIV. */
#define RCC_CFGR_PLLXTPRE BIT(17)
#define RCC_CFGR_PLLMUL_Pos 18u
#define RCC_CFGR_PLLMUL_Msk (0xFu << RCC_CFGR_PLLMUL_Pos) /* 0000: x2 ... 1110: x16 */
#define RCC_CFGR_MCO_Msk (0xFu << 24)

#define RCC_CFGR2_PREDIV_Msk 0xFu /* 0000: /1 ... 1111: /16; written only while the PLL is off */

#define RCC_CFGR3_USART1SW_Pos 0u
#define RCC_CFGR3_USART2SW_Pos 16u /* F07x/F09x; USART3/USART4 always run from PCLK on the F07x */
#define RCC_CFGR3_USARTSW_PCLK 0x0u
#define RCC_CFGR3_USARTSW_SYSCLK 0x1u
#define RCC_CFGR3_USARTSW_LSE 0x2u
#define RCC_CFGR3_USARTSW_HSI 0x3u

#define RCC_CR2_HSI48ON BIT(16)
#define RCC_CR2_HSI48RDY BIT(17)

/* RCC_CSR reset flags (RM0091 "Control/status register (RCC_CSR)"): read-only, all cleared together by writing RMVF. */
#define RCC_CSR_LSION BIT(0)
#define RCC_CSR_RMVF BIT(24)
#define RCC_CSR_OBLRSTF BIT(25)
#define RCC_CSR_PINRSTF BIT(26)
#define RCC_CSR_PORRSTF BIT(27) /* POR/PDR: the F0 has no separate brown-out flag */
#define RCC_CSR_SFTRSTF BIT(28)
#define RCC_CSR_IWDGRSTF BIT(29)
#define RCC_CSR_WWDGRSTF BIT(30)
#define RCC_CSR_LPWRRSTF BIT(31)

#define RCC_AHBENR_DMAEN BIT(0)
#define RCC_AHBENR_GPIOAEN BIT(17) /* GPIOxEN = BIT(17 + x), A = 0 ... F = 5; same positions in AHBRSTR */
#define RCC_AHBENR_RESET 0x00000014u /* SRAMEN | FLITFEN */
#define RCC_APB2ENR_SYSCFGCOMPEN BIT(0)
#define RCC_APB2ENR_USART1EN BIT(14)
#define RCC_APB1ENR_USART2EN BIT(17)
#define RCC_APB1ENR_USART3EN BIT(18)
#define RCC_APB1ENR_USART4EN BIT(19)

/* ---------------- SYSCFG (RM0091 "SYSCFG configuration register 1") ---------------- */
#define SYSCFG_BASE 0x40010000u
#define SYSCFG_CFGR1 (SYSCFG_BASE + 0x00u)
#define SYSCFG_CFGR1_MEM_MODE_Msk 0x3u
#define SYSCFG_CFGR1_MEM_MODE_SRAM 0x3u /* 11: SRAM at 0x00000000 (00: main flash, 01: system memory) */
#define SYSCFG_CFGR1_USART1RX_DMA_RMP BIT(10) /* 0: USART1_RX on DMA channel 3, 1: channel 5 */
#define SYSCFG_CFGR1_USART2_DMA_RMP BIT(25)   /* F07x: 0: USART2_RX/TX on channels 5/4, 1: channels 6/7 */

/* ---------------- DMA (RM0091 "DMA registers") ---------------- */
#define DMA1_BASE 0x40020000u
#define DMA_ISR (DMA1_BASE + 0x00u)
#define DMA_IFCR (DMA1_BASE + 0x04u)
#define DMA_CCR(ch) (DMA1_BASE + 0x08u + 0x14u * ((ch) - 1u)) /* channels 1..7 */
#define DMA_CNDTR(ch) (DMA1_BASE + 0x0Cu + 0x14u * ((ch) - 1u))
#define DMA_CPAR(ch) (DMA1_BASE + 0x10u + 0x14u * ((ch) - 1u))
#define DMA_CMAR(ch) (DMA1_BASE + 0x14u + 0x14u * ((ch) - 1u))
#define DMA_IFCR_CGIF(ch) BIT(4u * ((ch) - 1u)) /* clears GIF, TCIF, HTIF and TEIF of the channel */
#define DMA_ISR_TEIF(ch) BIT(4u * ((ch) - 1u) + 3u)

#define DMA_CCR_EN BIT(0)
#define DMA_CCR_TCIE BIT(1)
#define DMA_CCR_HTIE BIT(2)
#define DMA_CCR_TEIE BIT(3)
#define DMA_CCR_DIR BIT(4) /* 0: read from the peripheral */
#define DMA_CCR_CIRC BIT(5)
#define DMA_CCR_PINC BIT(6)
#define DMA_CCR_MINC BIT(7)
#define DMA_CCR_PSIZE_8 (0x0u << 8)
#define DMA_CCR_MSIZE_8 (0x0u << 10)
#define DMA_CCR_PL_HIGH (0x2u << 12)
#define DMA_CNDTR_MAX 0xFFFFu

/* ---------------- GPIO (RM0091 "GPIO registers") ---------------- */
#define GPIOA_BASE 0x48000000u
#define GPIO_PORT_COUNT 6u /* A..F; the 64-pin F072RB bonds A, B, C, D2 and F0/F1 */
#define GPIO_PORT_BASE(i) (GPIOA_BASE + 0x400u * (i))
#define GPIO_MODER(b) ((b) + 0x00u)
#define GPIO_OTYPER(b) ((b) + 0x04u)
#define GPIO_OSPEEDR(b) ((b) + 0x08u)
#define GPIO_PUPDR(b) ((b) + 0x0Cu)
#define GPIO_IDR(b) ((b) + 0x10u)
#define GPIO_ODR(b) ((b) + 0x14u)
#define GPIO_BSRR(b) ((b) + 0x18u)
#define GPIO_AFRL(b) ((b) + 0x20u)
#define GPIO_AFRH(b) ((b) + 0x24u)
#define GPIO_MODE_INPUT 0x0u
#define GPIO_MODE_AF 0x2u
#define GPIO_OSPEED_MEDIUM 0x1u
#define GPIO_PUPD_PULLUP 0x1u
/* Reset values: port A keeps PA13 (SWDIO, AF, pull-up, high speed) and PA14 (SWCLK, AF, pull-down) for the
 * debugger; every other port resets to 0 (RM0091 GPIOx_MODER,
 * GPIOx_OSPEEDR and GPIOx_PUPDR reset values). */
#define GPIOA_MODER_RESET 0x28000000u
#define GPIOA_OSPEEDR_RESET 0x0C000000u
#define GPIOA_PUPDR_RESET 0x24000000u

/* ---------------- USART, the "v2" USART (RM0091 "USART registers") ---------------- */
#define USART1_BASE 0x40013800u
#define USART2_BASE 0x40004400u
#define USART3_BASE 0x40004800u
#define USART4_BASE 0x40004C00u
#define USART_CR1(b) ((b) + 0x00u)
#define USART_CR2(b) ((b) + 0x04u)
#define USART_CR3(b) ((b) + 0x08u)
#define USART_BRR(b) ((b) + 0x0Cu)
#define USART_ISR(b) ((b) + 0x1Cu)
#define USART_ICR(b) ((b) + 0x20u)
#define USART_RDR(b) ((b) + 0x24u)
#define USART_TDR(b) ((b) + 0x28u)

/* M0, M1, PS, PCE, OVER8 (CR1), all of CR2, BRR and most of CR3 are written only while UE = 0. */
#define USART_CR1_UE BIT(0)
#define USART_CR1_RE BIT(2)
#define USART_CR1_TE BIT(3)
#define USART_CR1_PS BIT(9) /* 0: even parity */
#define USART_CR1_PCE BIT(10)
#define USART_CR1_M0 BIT(12) /* M1:M0 = 01: 9-bit word = 8 data bits + parity when PCE = 1 */
#define USART_CR1_OVER8 BIT(15)
#define USART_CR1_M1 BIT(28)
#define USART_CR3_DMAR BIT(6) /* writable while UE = 1 */
#define USART_CR3_OVRDIS BIT(12)
#define USART_CR3_DDRE BIT(13) /* 0: reception (and its DMA) continues after a reception error */

#define USART_ISR_PE BIT(0)
#define USART_ISR_FE BIT(1)
#define USART_ISR_NF BIT(2)
#define USART_ISR_ORE BIT(3)
#define USART_ISR_RXNE BIT(5) /* cleared by reading RDR; the error flags are not (they need ICR) */
#define USART_ISR_TC BIT(6)
#define USART_ISR_TXE BIT(7)
#define USART_ISR_ERRORS (USART_ISR_PE | USART_ISR_FE | USART_ISR_NF | USART_ISR_ORE)
#define USART_ICR_PECF BIT(0) /* ICR bits 0..3 sit where ISR has PE, FE, NF, ORE */
#define USART_ICR_FECF BIT(1)
#define USART_ICR_NCF BIT(2)
#define USART_ICR_ORECF BIT(3)

/* ---------------- IWDG (RM0091 "IWDG registers") ---------------- */
#define IWDG_BASE 0x40003000u
#define IWDG_KR (IWDG_BASE + 0x00u)
#define IWDG_PR (IWDG_BASE + 0x04u)
#define IWDG_RLR (IWDG_BASE + 0x08u)
#define IWDG_SR (IWDG_BASE + 0x0Cu)
#define IWDG_KEY_RELOAD 0xAAAAu
#define IWDG_KEY_ENABLE 0xCCCCu
#define IWDG_KEY_ACCESS 0x5555u /* unlocks PR, RLR and WINR until the next reload */
#define IWDG_PR_DIV256 0x6u     /* PR n divides LSI by 4 << n; 7 is /256 as well */
#define IWDG_RLR_MAX 0xFFFu
#define IWDG_SR_PVU BIT(0)
#define IWDG_SR_RVU BIT(1)
#define IWDG_SR_WVU BIT(2)
/* LSI 30..50 kHz on the F072 (DS9826 "LSI oscillator characteristics", typ. 40 kHz). A period computed at
 * the fastest LSI is never shorter than asked. */
#define LSI_MAX_HZ 50000u

/* ---------------- Cortex-M0 core (PM0215 4.2-4.4): SysTick, the NVIC and the SCB are in cortex_m.h --------
 * There is no SCB_VTOR on the Cortex-M0 (ARMv6-M makes it optional; the M0 leaves it out, 0xE000ED08 is
 * reserved): the vector table is always fetched from address 0. The NVIC has one register of each kind
 * (NVIC_ICER(0), ...): the M0 has at most 32 IRQs. */

/* ---------------- Board values the drivers need ----------------
 * The fault record: four no-init SRAM words the board's linker script keeps out of .data/.bss (below the
 * stack). The board build passes BOARD_FAULT_RECORD_ADDR; the model build uses the last 16 bytes of SRAM. */
#ifndef BOARD_FAULT_RECORD_ADDR
#ifdef TSBOOT_REG_MODEL
#define BOARD_FAULT_RECORD_ADDR 0x20003FF0u
#else
#error "define BOARD_FAULT_RECORD_ADDR (the board's no-init fault record, tsboot_board.h) for a target build"
#endif
#endif

/* F0-only request flag for hal_clock_init: SYSCLK straight from the 48 MHz HSI48 (SW = 11), no PLL. OR it
 * into hse_hz with hse_hz's frequency 0 and sysclk_hz = 48 MHz. */
#define STM32F0_CLOCK_HSI48 0x40000000u

#endif /* STM32F0_REGS_H */
