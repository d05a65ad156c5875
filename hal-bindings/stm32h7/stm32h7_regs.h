/*
 * STM32H7 registers used by tsboot's drivers: addresses and bit names as in RM0433 (STM32H742/743/753/750,
 * rev 7) and ST's CMSIS stm32h743xx.h, and for the Cortex-M7 core (SysTick, SCB, caches, MPU, NVIC) the
 * ARMv7-M ARM and the Cortex-M7 TRM. Target: STM32H743ZI (NUCLEO-H743ZI2) and STM32H753ZI (NUCLEO-H753ZI).
 *
 * All register access goes through REG_READ32/REG_WRITE32, the one seam between the drivers and the
 * hardware: with TSBOOT_REG_MODEL defined they call the host register model (test/hal-stm32h7/model),
 * otherwise they are volatile 32-bit accesses. The stores that fill the flash write buffer, the reads that
 * verify flash, the fault record in RAM and the address of a DMA buffer go through the seam too.
 */
#ifndef STM32H7_REGS_H
#define STM32H7_REGS_H

#include <stdint.h>

#include "cortex_m.h"

/* The address a bus master (DMA1) uses for a buffer the CPU knows by pointer. */
#ifdef TSBOOT_REG_MODEL
uint32_t reg_model_bus_address(const volatile void *p);
#define REG_BUS_ADDRESS(p) reg_model_bus_address(p)
#else
#define REG_BUS_ADDRESS(p) ((uint32_t)(uintptr_t)(p))
#endif

/* ---------------- Memory map (RM0433 2.3.2, table 7) ----------------
 * Flash: two banks of up to 1 MB, bank 1 at 0x08000000, bank 2 at 0x08100000 (also on 1 MB parts, where
 * each bank is 512 KB and the banks are not contiguous). Eight 128 KB sectors per bank on 2 MB parts.
 * The flash word (program unit) is 256 bits = 32 bytes, protected by 10 ECC bits (RM0433 4.3.4). */
#define FLASH_BANK1_BASE 0x08000000u
#define FLASH_BANK2_BASE 0x08100000u
#define FLASH_BANK_WINDOW 0x00100000u /* address space of one bank, whatever its size */
#define FLASH_SECTOR_SIZE 0x00020000u
#define FLASH_SECTORS_PER_BANK_MAX 8u
#define FLASH_WORD_SIZE 32u
#define FLASH_WORD_WORDS 8u /* 32-bit words per flash word (FLASH_NB_32BITWORD_IN_FLASHWORD) */

/* RAMs. DTCM and ITCM are on the Cortex-M7's TCM ports: the CPU (and MDMA through the AHBS port) reaches
 * them, DMA1/DMA2 do not (RM0433 2.1, figure 1, table 3). A DMA1 buffer must be in AXI SRAM or SRAM1-3. */
#define ITCM_BASE 0x00000000u
#define ITCM_SIZE 0x00010000u
#define DTCM_BASE 0x20000000u
#define DTCM_SIZE 0x00020000u
#define AXI_SRAM_BASE 0x24000000u
#define AXI_SRAM_SIZE 0x00080000u
#define D2_SRAM_BASE 0x30000000u /* SRAM1 128 KB, SRAM2 128 KB, SRAM3 32 KB, contiguous */
#define D2_SRAM_SIZE 0x00048000u
#define SRAM4_BASE 0x38000000u
#define SRAM4_SIZE 0x00010000u

/* Flash size in KB (RM0433 61.2 "Flash size"): a 16-bit read-only value at 0x1FF1E880, read here as the
 * lower half of the aligned word. */
#define FLASHSIZE_BASE 0x1FF1E880u
#define FLASHSIZE_Msk 0xFFFFu

/* Where the fault record lives (four no-init RAM words below the stack, boards/linker.ts). The board
 * header defines it; this default (the top of DTCM) serves the model build. DTCM's ECC granule is 32 bits
 * (RM0433 3.2), so the record's aligned word stores never need a read-modify-write of unwritten RAM. */
#ifndef BOARD_FAULT_RECORD_ADDR
#define BOARD_FAULT_RECORD_ADDR (DTCM_BASE + DTCM_SIZE - 16u)
#endif

/* ---------------- Embedded flash interface (RM0433 4.9) ----------------
 * One register set per bank: bank 1 at offsets 0x00-0x60, bank 2 at the same offsets + 0x100. The bank
 * registers follow the address window: the ...1 registers drive whatever bank is mapped at 0x08000000 (ST's
 * HAL and Zephyr pick the register set by address only, also with SWAP_BANK set). */
#define FLASH_R_BASE 0x52002000u
#define FLASH_BANK_REG_OFFSET 0x100u
#define FLASH_ACR (FLASH_R_BASE + 0x000u)
#define FLASH_KEYR1 (FLASH_R_BASE + 0x004u)
#define FLASH_OPTKEYR (FLASH_R_BASE + 0x008u)
#define FLASH_CR1 (FLASH_R_BASE + 0x00Cu)
#define FLASH_SR1 (FLASH_R_BASE + 0x010u)
#define FLASH_CCR1 (FLASH_R_BASE + 0x014u)
#define FLASH_OPTCR (FLASH_R_BASE + 0x018u)
#define FLASH_OPTSR_CUR (FLASH_R_BASE + 0x01Cu)
#define FLASH_OPTSR_PRG (FLASH_R_BASE + 0x020u)
#define FLASH_OPTCCR (FLASH_R_BASE + 0x024u)
#define FLASH_WPSN_CUR1 (FLASH_R_BASE + 0x038u)
#define FLASH_WPSN_PRG1 (FLASH_R_BASE + 0x03Cu)
#define FLASH_ECC_FA1 (FLASH_R_BASE + 0x060u)
#define FLASH_KEYR2 (FLASH_R_BASE + 0x104u)
#define FLASH_CR2 (FLASH_R_BASE + 0x10Cu)
#define FLASH_SR2 (FLASH_R_BASE + 0x110u)
#define FLASH_CCR2 (FLASH_R_BASE + 0x114u)
#define FLASH_WPSN_CUR2 (FLASH_R_BASE + 0x138u)
#define FLASH_WPSN_PRG2 (FLASH_R_BASE + 0x13Cu)
#define FLASH_ECC_FA2 (FLASH_R_BASE + 0x160u)
/* bank 0 = bank 1 (0x08000000 window), bank 1 = bank 2 (0x08100000 window) */
#define FLASH_KEYR(bank) (FLASH_KEYR1 + FLASH_BANK_REG_OFFSET * (bank))
#define FLASH_CR(bank) (FLASH_CR1 + FLASH_BANK_REG_OFFSET * (bank))
#define FLASH_SR(bank) (FLASH_SR1 + FLASH_BANK_REG_OFFSET * (bank))
#define FLASH_CCR(bank) (FLASH_CCR1 + FLASH_BANK_REG_OFFSET * (bank))
#define FLASH_WPSN_CUR(bank) (FLASH_WPSN_CUR1 + FLASH_BANK_REG_OFFSET * (bank))
#define FLASH_WPSN_PRG(bank) (FLASH_WPSN_PRG1 + FLASH_BANK_REG_OFFSET * (bank))
#define FLASH_ECC_FA(bank) (FLASH_ECC_FA1 + FLASH_BANK_REG_OFFSET * (bank))
#define FLASH_ECC_FA_FAIL_ECC_ADDR_Msk 0x7FFFu /* the failing flash word, counted from the bank's start */

/* FLASH_ACR (reset 0x00000037: 7 wait states, WRHIGHFREQ 11 "at startup"). */
#define FLASH_ACR_LATENCY_Pos 0u
#define FLASH_ACR_LATENCY_Msk (0xFu << FLASH_ACR_LATENCY_Pos)
#define FLASH_ACR_WRHIGHFREQ_Pos 4u
#define FLASH_ACR_WRHIGHFREQ_Msk (0x3u << FLASH_ACR_WRHIGHFREQ_Pos)
#define FLASH_ACR_RESET 0x00000037u

#define FLASH_KEY1 0x45670123u
#define FLASH_KEY2 0xCDEF89ABu
#define FLASH_OPT_KEY1 0x08192A3Bu
#define FLASH_OPT_KEY2 0x4C5D6E7Fu

/* FLASH_CRx (reset 0x00000031: LOCK, PSIZE x64) */
#define FLASH_CR_LOCK BIT(0)
#define FLASH_CR_PG BIT(1)
#define FLASH_CR_SER BIT(2)
#define FLASH_CR_BER BIT(3)
#define FLASH_CR_PSIZE_Pos 4u
#define FLASH_CR_PSIZE_Msk (0x3u << FLASH_CR_PSIZE_Pos)
#define FLASH_CR_PSIZE_x8 (0x0u << FLASH_CR_PSIZE_Pos)
#define FLASH_CR_PSIZE_x16 (0x1u << FLASH_CR_PSIZE_Pos)
#define FLASH_CR_PSIZE_x32 (0x2u << FLASH_CR_PSIZE_Pos)
#define FLASH_CR_PSIZE_x64 (0x3u << FLASH_CR_PSIZE_Pos) /* the reset value; fastest erase and program */
#define FLASH_CR_FW BIT(6)                                 /* force-write a partly filled write buffer */
#define FLASH_CR_START BIT(7)
#define FLASH_CR_SNB_Pos 8u
#define FLASH_CR_SNB_Msk (0x7u << FLASH_CR_SNB_Pos)
#define FLASH_CR_CRC_EN BIT(15)
#define FLASH_CR_EOPIE BIT(16)
#define FLASH_CR_DBECCERRIE BIT(26)
#define FLASH_CR_RESET (FLASH_CR_LOCK | FLASH_CR_PSIZE_x64)

/* FLASH_SRx: status flags are read-only; each has a write-1-to-clear twin in FLASH_CCRx (same position). */
#define FLASH_SR_BSY BIT(0)
#define FLASH_SR_WBNE BIT(1) /* write buffer not empty: a flash word is partly written */
#define FLASH_SR_QW BIT(2)   /* an operation waits in the queue or runs; clears when it ends */
#define FLASH_SR_CRC_BUSY BIT(3)
#define FLASH_SR_EOP BIT(16)
#define FLASH_SR_WRPERR BIT(17)
#define FLASH_SR_PGSERR BIT(18)
#define FLASH_SR_STRBERR BIT(19)
#define FLASH_SR_INCERR BIT(21)
#define FLASH_SR_OPERR BIT(22)
#define FLASH_SR_RDPERR BIT(23)
#define FLASH_SR_RDSERR BIT(24)
#define FLASH_SR_SNECCERR BIT(25) /* SNECCERR1/2: one bit corrected on a read */
#define FLASH_SR_DBECCERR BIT(26) /* DBECCERR1/2: two bits wrong on a read; the read returned a bus error */
#define FLASH_SR_CRCEND BIT(27)
#define FLASH_SR_CRCRDERR BIT(28)
/* Errors a program or erase can end with. */
#define FLASH_SR_OP_ERRORS (FLASH_SR_WRPERR | FLASH_SR_PGSERR | FLASH_SR_STRBERR | FLASH_SR_INCERR | FLASH_SR_OPERR)
/* Read errors, set by reads of any master (RDPERR/RDSERR are reported to set spontaneously: Zephyr #60449). */
#define FLASH_SR_READ_ERRORS (FLASH_SR_RDPERR | FLASH_SR_RDSERR | FLASH_SR_SNECCERR | FLASH_SR_DBECCERR)
/* Every flag FLASH_CCRx can clear. */
#define FLASH_CCR_ALL                                                                                          \
  (FLASH_SR_EOP | FLASH_SR_OP_ERRORS | FLASH_SR_READ_ERRORS | FLASH_SR_CRCEND | FLASH_SR_CRCRDERR)
#define FLASH_CCR_CLR_SNECCERR FLASH_SR_SNECCERR
#define FLASH_CCR_CLR_DBECCERR FLASH_SR_DBECCERR

/* FLASH_OPTCR: OPTLOCK resets to 1; SWAP_BANK (bit 31) shows the bank mapping in force since the last reset. */
#define FLASH_OPTCR_OPTLOCK BIT(0)
#define FLASH_OPTCR_OPTSTART BIT(1)
#define FLASH_OPTCR_MER BIT(4)
#define FLASH_OPTCR_OPTCHANGEERRIE BIT(30)
#define FLASH_OPTCR_SWAP_BANK BIT(31)

/* FLASH_OPTSR_CUR / FLASH_OPTSR_PRG */
#define FLASH_OPTSR_OPT_BUSY BIT(0) /* _CUR only: an option byte change runs */
#define FLASH_OPTSR_IWDG1_SW BIT(4) /* 0: IWDG1 started by hardware at every reset */
#define FLASH_OPTSR_RDP_Pos 8u
#define FLASH_OPTSR_RDP_Msk (0xFFu << FLASH_OPTSR_RDP_Pos)
#define FLASH_OPTSR_OPTCHANGEERR BIT(30) /* _CUR only */
#define FLASH_OPTSR_SWAP_BANK_OPT BIT(31) /* the bank swap the next reset applies */
#define FLASH_OPTCCR_CLR_OPTCHANGEERR BIT(30)

/* FLASH_WPSN_CURx/PRGx: WRPSN bit i = sector i of the bank, active low (0 = write protected). */
#define FLASH_WPSN_WRPSN_Msk 0xFFu

/* ---------------- RCC (RM0433 8.7) ---------------- */
#define RCC_BASE 0x58024400u
#define RCC_CR (RCC_BASE + 0x000u)
#define RCC_CFGR (RCC_BASE + 0x010u)
#define RCC_D1CFGR (RCC_BASE + 0x018u)
#define RCC_D2CFGR (RCC_BASE + 0x01Cu)
#define RCC_D3CFGR (RCC_BASE + 0x020u)
#define RCC_PLLCKSELR (RCC_BASE + 0x028u)
#define RCC_PLLCFGR (RCC_BASE + 0x02Cu)
#define RCC_PLL1DIVR (RCC_BASE + 0x030u)
#define RCC_PLL1FRACR (RCC_BASE + 0x034u)
#define RCC_D2CCIP2R (RCC_BASE + 0x054u)
#define RCC_RSR (RCC_BASE + 0x0D0u)
#define RCC_AHB1RSTR (RCC_BASE + 0x080u)
#define RCC_AHB4RSTR (RCC_BASE + 0x088u)
#define RCC_APB1LRSTR (RCC_BASE + 0x090u)
#define RCC_APB2RSTR (RCC_BASE + 0x098u)
#define RCC_AHB1ENR (RCC_BASE + 0x0D8u)
#define RCC_AHB4ENR (RCC_BASE + 0x0E0u)
#define RCC_APB1LENR (RCC_BASE + 0x0E8u)
#define RCC_APB2ENR (RCC_BASE + 0x0F0u)

/* RCC_CR (reset 0x00000025: HSION, HSIRDY, HSIDIVF; HSIDIV /1 = 64 MHz) */
#define RCC_CR_HSION BIT(0)
#define RCC_CR_HSIRDY BIT(2)
#define RCC_CR_HSIDIV_Pos 3u
#define RCC_CR_HSIDIV_Msk (0x3u << RCC_CR_HSIDIV_Pos)
#define RCC_CR_HSEON BIT(16)
#define RCC_CR_HSERDY BIT(17)
#define RCC_CR_HSEBYP BIT(18) /* writable only while HSEON = 0 */
#define RCC_CR_CSSHSEON BIT(19)
#define RCC_CR_PLL1ON BIT(24)
#define RCC_CR_PLL1RDY BIT(25)

/* RCC_CFGR: SW[2:0], SWS[5:3] */
#define RCC_CFGR_SW_Pos 0u
#define RCC_CFGR_SW_Msk (0x7u << RCC_CFGR_SW_Pos)
#define RCC_CFGR_SW_HSI 0x0u
#define RCC_CFGR_SW_HSE 0x2u
#define RCC_CFGR_SW_PLL1 0x3u
#define RCC_CFGR_SWS_Pos 3u
#define RCC_CFGR_SWS_Msk (0x7u << RCC_CFGR_SWS_Pos)

/* RCC_D1CFGR: HPRE[3:0] (AXI/AHB clock from the CPU clock), D1PPRE[6:4] (APB3), D1CPRE[11:8] (CPU clock) */
#define RCC_D1CFGR_HPRE_Pos 0u
#define RCC_D1CFGR_HPRE_Msk (0xFu << RCC_D1CFGR_HPRE_Pos)
#define RCC_D1CFGR_HPRE_DIV1 0x0u
#define RCC_D1CFGR_HPRE_DIV2 0x8u
#define RCC_D1CFGR_D1PPRE_Pos 4u
#define RCC_D1CFGR_D1PPRE_Msk (0x7u << RCC_D1CFGR_D1PPRE_Pos)
#define RCC_D1CFGR_D1CPRE_Pos 8u
#define RCC_D1CFGR_D1CPRE_Msk (0xFu << RCC_D1CFGR_D1CPRE_Pos)
#define RCC_D2CFGR_D2PPRE1_Pos 4u /* APB1: USART2/3, UART4/5/7/8 */
#define RCC_D2CFGR_D2PPRE1_Msk (0x7u << RCC_D2CFGR_D2PPRE1_Pos)
#define RCC_D2CFGR_D2PPRE2_Pos 8u /* APB2: USART1/6 */
#define RCC_D2CFGR_D2PPRE2_Msk (0x7u << RCC_D2CFGR_D2PPRE2_Pos)
#define RCC_D3CFGR_D3PPRE_Pos 4u /* APB4 */
#define RCC_D3CFGR_D3PPRE_Msk (0x7u << RCC_D3CFGR_D3PPRE_Pos)
#define RCC_PPRE_DIV1 0x0u /* 0xx */
#define RCC_PPRE_DIV2 0x4u

/* RCC_PLLCKSELR (reset 0x02020200: DIVM1 = DIVM2 = DIVM3 = 32, PLLSRC = HSI) */
#define RCC_PLLCKSELR_PLLSRC_Pos 0u
#define RCC_PLLCKSELR_PLLSRC_Msk (0x3u << RCC_PLLCKSELR_PLLSRC_Pos)
#define RCC_PLLCKSELR_PLLSRC_HSI 0x0u
#define RCC_PLLCKSELR_PLLSRC_HSE 0x2u
#define RCC_PLLCKSELR_DIVM1_Pos 4u
#define RCC_PLLCKSELR_DIVM1_Msk (0x3Fu << RCC_PLLCKSELR_DIVM1_Pos)
#define RCC_PLLCKSELR_RESET 0x02020200u

/* RCC_PLLCFGR (reset 0x01FF0000: every DIVxyEN set) */
#define RCC_PLLCFGR_PLL1FRACEN BIT(0)
#define RCC_PLLCFGR_PLL1VCOSEL BIT(1) /* 0: wide VCO 192-960 MHz (ref 2-16 MHz), 1: medium 150-420 MHz */
#define RCC_PLLCFGR_PLL1RGE_Pos 2u
#define RCC_PLLCFGR_PLL1RGE_Msk (0x3u << RCC_PLLCFGR_PLL1RGE_Pos) /* ref 1-2, 2-4, 4-8, 8-16 MHz */
#define RCC_PLLCFGR_DIVP1EN BIT(16)
#define RCC_PLLCFGR_DIVQ1EN BIT(17)
#define RCC_PLLCFGR_DIVR1EN BIT(18)
#define RCC_PLLCFGR_RESET 0x01FF0000u

/* RCC_PLL1DIVR (reset 0x01010280): each field holds its divider minus one */
#define RCC_PLL1DIVR_N1_Pos 0u
#define RCC_PLL1DIVR_N1_Msk (0x1FFu << RCC_PLL1DIVR_N1_Pos)
#define RCC_PLL1DIVR_P1_Pos 9u
#define RCC_PLL1DIVR_P1_Msk (0x7Fu << RCC_PLL1DIVR_P1_Pos)
#define RCC_PLL1DIVR_Q1_Pos 16u
#define RCC_PLL1DIVR_Q1_Msk (0x7Fu << RCC_PLL1DIVR_Q1_Pos)
#define RCC_PLL1DIVR_R1_Pos 24u
#define RCC_PLL1DIVR_R1_Msk (0x7Fu << RCC_PLL1DIVR_R1_Pos)
#define RCC_PLL1DIVR_RESET 0x01010280u

/* RCC_D2CCIP2R: the kernel clock of the USARTs (RM0433 8.7.22) */
#define RCC_D2CCIP2R_USART28SEL_Pos 0u /* USART2/3, UART4/5/7/8 ("USART234578SEL") */
#define RCC_D2CCIP2R_USART28SEL_Msk (0x7u << RCC_D2CCIP2R_USART28SEL_Pos)
#define RCC_D2CCIP2R_USART16SEL_Pos 3u /* USART1/6 */
#define RCC_D2CCIP2R_USART16SEL_Msk (0x7u << RCC_D2CCIP2R_USART16SEL_Pos)
#define RCC_USARTSEL_PCLK 0x0u /* rcc_pclk1 (USART234578) or rcc_pclk2 (USART16), the reset value */
#define RCC_USARTSEL_HSI 0x3u  /* hsi_ker_ck */
#define RCC_USARTSEL_CSI 0x4u  /* csi_ker_ck, 4 MHz */
#define RCC_USARTSEL_LSE 0x5u

/* RCC_RSR (RM0433 8.7.39): reset flags; RMVF is set and cleared by software. */
#define RCC_RSR_RMVF BIT(16)
#define RCC_RSR_CPURSTF BIT(17)
#define RCC_RSR_D1RSTF BIT(19)
#define RCC_RSR_D2RSTF BIT(20)
#define RCC_RSR_BORRSTF BIT(21)
#define RCC_RSR_PINRSTF BIT(22)
#define RCC_RSR_PORRSTF BIT(23)
#define RCC_RSR_SFTRSTF BIT(24)
#define RCC_RSR_IWDG1RSTF BIT(26)
#define RCC_RSR_WWDG1RSTF BIT(28)
#define RCC_RSR_LPWRRSTF BIT(30)

#define RCC_AHB1ENR_DMA1EN BIT(0) /* same position in RCC_AHB1RSTR */
#define RCC_AHB4ENR_GPIOAEN BIT(0) /* GPIOxEN = BIT(x), A = 0 ... K = 10; same positions in RCC_AHB4RSTR */
#define RCC_APB1LENR_USART2EN BIT(17)
#define RCC_APB1LENR_USART3EN BIT(18)
#define RCC_APB1LENR_UART4EN BIT(19)
#define RCC_APB1LENR_UART5EN BIT(20)
#define RCC_APB1LENR_UART7EN BIT(30)
#define RCC_APB1LENR_UART8EN BIT(31)
#define RCC_APB2ENR_USART1EN BIT(4)
#define RCC_APB2ENR_USART6EN BIT(5)

/* ---------------- PWR (RM0433 6.8) ----------------
 * PWR is always clocked on H7 (no PWREN bit). */
#define PWR_BASE 0x58024800u
#define PWR_CSR1 (PWR_BASE + 0x04u)
#define PWR_CR3 (PWR_BASE + 0x0Cu)
#define PWR_D3CR (PWR_BASE + 0x18u)
#define PWR_CSR1_ACTVOSRDY BIT(13) /* the supply configuration and the VOS in force are valid */
#define PWR_CSR1_ACTVOS_Pos 14u
#define PWR_CSR1_ACTVOS_Msk (0x3u << PWR_CSR1_ACTVOS_Pos)
/* PWR_CR3 (reset 0x00000006 at power-on only: SCUEN, LDOEN). SCUEN = 1 until the first write after a
 * power-on reset; from then the supply configuration (LDOEN, BYPASS) is fixed until the next power-on. */
#define PWR_CR3_BYPASS BIT(0)
#define PWR_CR3_LDOEN BIT(1)
#define PWR_CR3_SCUEN BIT(2)
#define PWR_CR3_SUPPLY_Msk (PWR_CR3_BYPASS | PWR_CR3_LDOEN | PWR_CR3_SCUEN)
/* PWR_D3CR (reset 0x00004000: VOS3) */
#define PWR_D3CR_VOSRDY BIT(13)
#define PWR_D3CR_VOS_Pos 14u
#define PWR_D3CR_VOS_Msk (0x3u << PWR_D3CR_VOS_Pos)
#define PWR_VOS_SCALE3 0x1u /* CPU <= 200 MHz, AXI/AHB <= 100 MHz, APB <= 50 MHz */
#define PWR_VOS_SCALE2 0x2u /* 300 / 150 / 75 MHz */
#define PWR_VOS_SCALE1 0x3u /* 400 / 200 / 100 MHz (480 MHz needs VOS0, rev V only: not used) */

/* ---------------- GPIO (RM0433 11.4) ---------------- */
#define GPIOA_BASE 0x58020000u
#define GPIO_PORT_COUNT 11u /* A..K */
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
#define GPIO_MODE_ANALOG 0x3u /* the reset mode of every pin but the debug pins on H7 */
#define GPIO_PUPD_PULLUP 0x1u
/* Reset values (RM0433 11.4.1-11.4.4): port A keeps PA13/14/15 for SWD/JTAG, port B keeps PB3/PB4. */
#define GPIOA_MODER_RESET 0xABFFFFFFu
#define GPIOB_MODER_RESET 0xFFFFFEBFu
#define GPIO_MODER_RESET 0xFFFFFFFFu
#define GPIOA_OSPEEDR_RESET 0x0C000000u
#define GPIOB_OSPEEDR_RESET 0x000000C0u
#define GPIOA_PUPDR_RESET 0x64000000u
#define GPIOB_PUPDR_RESET 0x00000100u

/* ---------------- USART, the v2 USART with ISR/ICR/RDR/TDR (RM0433 48.7) ---------------- */
#define USART1_BASE 0x40011000u
#define USART2_BASE 0x40004400u
#define USART3_BASE 0x40004800u
#define UART4_BASE 0x40004C00u
#define UART5_BASE 0x40005000u
#define USART6_BASE 0x40011400u
#define UART7_BASE 0x40007800u
#define UART8_BASE 0x40007C00u
#define USART_CR1(b) ((b) + 0x00u)
#define USART_CR2(b) ((b) + 0x04u)
#define USART_CR3(b) ((b) + 0x08u)
#define USART_BRR(b) ((b) + 0x0Cu)
#define USART_RQR(b) ((b) + 0x18u)
#define USART_ISR(b) ((b) + 0x1Cu)
#define USART_ICR(b) ((b) + 0x20u)
#define USART_RDR(b) ((b) + 0x24u)
#define USART_TDR(b) ((b) + 0x28u)
#define USART_PRESC(b) ((b) + 0x2Cu)

/* CR1: M, PCE, PS, OVER8 and FIFOEN are writable only while UE = 0. */
#define USART_CR1_UE BIT(0)
#define USART_CR1_RE BIT(2)
#define USART_CR1_TE BIT(3)
#define USART_CR1_PS BIT(9) /* 0: even parity */
#define USART_CR1_PCE BIT(10)
#define USART_CR1_M0 BIT(12) /* M[1:0] = 01: 9-bit word = 8 data bits + parity when PCE = 1 */
#define USART_CR1_OVER8 BIT(15)
#define USART_CR1_M1 BIT(28)
#define USART_CR1_FIFOEN BIT(29) /* FIFO mode: left off (reset value) */
#define USART_CR2_STOP_Msk (0x3u << 12)
#define USART_CR3_EIE BIT(0)
#define USART_CR3_DMAR BIT(6)
#define USART_CR3_OVRDIS BIT(12)
#define USART_CR3_DDRE BIT(13)

#define USART_ISR_PE BIT(0)
#define USART_ISR_FE BIT(1)
#define USART_ISR_NE BIT(2)
#define USART_ISR_ORE BIT(3)
#define USART_ISR_IDLE BIT(4)
#define USART_ISR_RXNE BIT(5) /* RXNE_RXFNE; cleared by reading RDR */
#define USART_ISR_TC BIT(6)
#define USART_ISR_TXE BIT(7) /* TXE_TXFNF */
#define USART_ISR_BUSY BIT(16)
#define USART_ISR_TEACK BIT(21)
#define USART_ISR_REACK BIT(22)
#define USART_ISR_ERRORS (USART_ISR_PE | USART_ISR_FE | USART_ISR_NE | USART_ISR_ORE)
/* ICR: write 1 to clear; the error flags are not cleared by reading RDR on the v2 USART. */
#define USART_ICR_PECF BIT(0)
#define USART_ICR_FECF BIT(1)
#define USART_ICR_NECF BIT(2)
#define USART_ICR_ORECF BIT(3)
#define USART_ICR_IDLECF BIT(4)
#define USART_ICR_TCCF BIT(6)

/* ---------------- DMA1 and DMAMUX1 (RM0433 15, 17) ----------------
 * DMAMUX1 channel n feeds DMA1 stream n (channels 8-15 feed DMA2). USART3_RX is DMAMUX1 request 45
 * (RM0433 table 121, ST's DMA_REQUEST_USART3_RX). tsboot uses DMA1 stream 1 / DMAMUX1 channel 1. */
#define DMA1_BASE 0x40020000u
#define DMA_LISR (DMA1_BASE + 0x00u)
#define DMA_HISR (DMA1_BASE + 0x04u)
#define DMA_LIFCR (DMA1_BASE + 0x08u)
#define DMA_HIFCR (DMA1_BASE + 0x0Cu)
#define DMA_STREAM_BASE(n) (DMA1_BASE + 0x10u + 0x18u * (n))
#define DMA_SxCR(n) (DMA_STREAM_BASE(n) + 0x00u)
#define DMA_SxNDTR(n) (DMA_STREAM_BASE(n) + 0x04u)
#define DMA_SxPAR(n) (DMA_STREAM_BASE(n) + 0x08u)
#define DMA_SxM0AR(n) (DMA_STREAM_BASE(n) + 0x0Cu)
#define DMA_SxM1AR(n) (DMA_STREAM_BASE(n) + 0x10u)
#define DMA_SxFCR(n) (DMA_STREAM_BASE(n) + 0x14u)
#define DMA_SxCR_EN BIT(0)
#define DMA_SxCR_TEIE BIT(2)
#define DMA_SxCR_HTIE BIT(3)
#define DMA_SxCR_TCIE BIT(4)
#define DMA_SxCR_DIR_Pos 6u
#define DMA_SxCR_DIR_P2M (0x0u << DMA_SxCR_DIR_Pos)
#define DMA_SxCR_CIRC BIT(8)
#define DMA_SxCR_PINC BIT(9)
#define DMA_SxCR_MINC BIT(10)
#define DMA_SxCR_PSIZE_Pos 11u /* 00: byte */
#define DMA_SxCR_MSIZE_Pos 13u /* 00: byte */
#define DMA_SxCR_PL_Pos 16u
#define DMA_SxCR_PL_HIGH (0x2u << DMA_SxCR_PL_Pos)
#define DMA_SxNDT_Msk 0xFFFFu
/* Stream flags: FEIF, DMEIF, TEIF, HTIF, TCIF at bits 0, 2, 3, 4, 5 of a 6-bit group; the groups of
 * streams 0-3 sit at bits 0, 6, 16, 22 of LISR/LIFCR (streams 4-7 likewise in HISR/HIFCR). */
#define DMA_STREAM1_FLAGS_Pos 6u
#define DMA_STREAM_FLAGS 0x3Du
#define DMA_FLAG_TEIF 0x08u

#define DMAMUX1_BASE 0x40020800u
#define DMAMUX1_CxCR(n) (DMAMUX1_BASE + 4u * (n))
#define DMAMUX_CxCR_DMAREQ_ID_Msk 0xFFu
#define DMAMUX1_REQ_USART1_RX 41u
#define DMAMUX1_REQ_USART2_RX 43u
#define DMAMUX1_REQ_USART3_RX 45u
#define DMAMUX1_REQ_UART4_RX 63u
#define DMAMUX1_REQ_UART5_RX 65u
#define DMAMUX1_REQ_USART6_RX 71u
#define DMAMUX1_REQ_UART7_RX 79u
#define DMAMUX1_REQ_UART8_RX 81u
#define UART_RX_DMA_STREAM 1u

/* ---------------- IWDG1 (RM0433 45.4) ---------------- */
#define IWDG1_BASE 0x58004800u
#define IWDG_KR (IWDG1_BASE + 0x00u)
#define IWDG_PR (IWDG1_BASE + 0x04u)
#define IWDG_RLR (IWDG1_BASE + 0x08u)
#define IWDG_SR (IWDG1_BASE + 0x0Cu)
#define IWDG_KR_START 0xCCCCu
#define IWDG_KR_REFRESH 0xAAAAu
#define IWDG_KR_ACCESS 0x5555u
#define IWDG_PR_Msk 0x7u
#define IWDG_RLR_Msk 0xFFFu
#define IWDG_SR_PVU BIT(0)
#define IWDG_SR_RVU BIT(1)
#define IWDG_SR_WVU BIT(2)
#define IWDG_LSI_HZ 32000u

/* ---------------- Cortex-M7 core (ARMv7-M ARM B3.2-B3.5, Cortex-M7 TRM): SysTick, the NVIC's clear
 * registers, ICSR and AIRCR are in cortex_m.h ---------------- */
#define NVIC_ICTR 0xE000E004u /* INTLINESNUM[3:0]: (n + 1) * 32 interrupt lines */
#define NVIC_ICTR_INTLINESNUM_Msk 0xFu

#define SCB_VTOR 0xE000ED08u
#define SCB_CCR 0xE000ED14u
#define SCB_SHCSR 0xE000ED24u
#define SCB_CFSR 0xE000ED28u
#define SCB_HFSR 0xE000ED2Cu
#define SCB_BFAR 0xE000ED38u
#define SCB_CCSIDR 0xE000ED80u
#define SCB_CSSELR 0xE000ED84u
#define SCB_VTOR_TBLOFF_Msk 0xFFFFFF80u
#define SCB_CCR_DC BIT(16) /* L1 data cache enable */
#define SCB_CCR_IC BIT(17) /* L1 instruction cache enable */
#define SCB_CFSR_IBUSERR BIT(8)
#define SCB_CFSR_PRECISERR BIT(9)
#define SCB_CFSR_IMPRECISERR BIT(10)
#define SCB_CFSR_BFARVALID BIT(15)
#define SCB_CFSR_BUSFAULT_Msk 0x0000FF00u
#define SCB_HFSR_FORCED BIT(30)
/* CCSIDR with CSSELR = 0 (L1 data cache): NumSets-1 [27:13], Associativity-1 [12:3], LineSize [2:0]. */
#define SCB_CCSIDR_SETS(v) (((v) >> 13) & 0x7FFFu)
#define SCB_CCSIDR_WAYS(v) (((v) >> 3) & 0x3FFu)
#define SCB_CSSELR_L1_DATA 0u
/* Cache maintenance (write-only): by address (MVA) or by set/way. */
#define SCB_ICIALLU 0xE000EF50u
#define SCB_DCIMVAC 0xE000EF5Cu
#define SCB_DCCIMVAC 0xE000EF70u
#define SCB_DCCISW 0xE000EF74u
/* DCCISW for the M7's 4-way, 32-byte-line L1 D-cache: set in [13:5], way in [31:30]. */
#define SCB_DCCISW_SET_Pos 5u
#define SCB_DCCISW_SET_Msk (0x1FFu << SCB_DCCISW_SET_Pos)
#define SCB_DCCISW_WAY_Pos 30u
#define SCB_DCCISW_WAY_Msk (0x3u << SCB_DCCISW_WAY_Pos)
#define SCB_CACHE_LINE 32u

#define MPU_CTRL 0xE000ED94u

#endif /* STM32H7_REGS_H */
