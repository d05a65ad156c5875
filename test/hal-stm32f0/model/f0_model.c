/*
 * STM32F072RB register model for host tests (see f0_model.h). Rules cite RM0091 (STM32F0x1/x2/x8 reference
 * manual) by section title, DS9826 (STM32F072x8/xB datasheet) and PM0215 (Cortex-M0 programming manual).
 *
 * Addresses and bits are written out here independently of hal-bindings/stm32f0/stm32f0_regs.h, so a wrong
 * constant there shows up as a failing test instead of being shared by the driver and the model.
 */
#include "f0_model.h"

#include "dma_channel.h"
#include "flash_key_lock.h"
#include "gpio_port.h"
#include "systick.h"

#include <string.h>

/* ------------------------------------------------------------------------------------------------------ */
/* Addresses and bits                                                                                      */

#define MHZ 1000000u
#define HSI_HZ (8u * MHZ)
#define HSI48_HZ (48u * MHZ)
#define LSE_HZ 32768u

#define M_FLASH_MEM 0x08000000u
#define M_FLASH_MAX (128u * 1024u)
#define M_SRAM 0x20000000u
#define M_SRAM_SIZE (16u * 1024u)
#define M_ALIAS_SIZE 0x00020000u /* what MEM_MODE maps at 0: flash (128 KB) or SRAM (16 KB) */
#define M_FSIZE 0x1FFFF7CCu
#define M_OB 0x1FFFF800u

#define M_FLASH_IF 0x40022000u
#define M_ACR (M_FLASH_IF + 0x00u)
#define M_KEYR (M_FLASH_IF + 0x04u)
#define M_OPTKEYR (M_FLASH_IF + 0x08u)
#define M_SR (M_FLASH_IF + 0x0Cu)
#define M_CR (M_FLASH_IF + 0x10u)
#define M_AR (M_FLASH_IF + 0x14u)
#define M_OBR (M_FLASH_IF + 0x1Cu)
#define M_WRPR (M_FLASH_IF + 0x20u)
#define M_KEY1 0x45670123u
#define M_KEY2 0xCDEF89ABu

#define SR_BSY 0x01u
#define SR_PGERR 0x04u
#define SR_WRPRTERR 0x10u
#define SR_EOP 0x20u
#define SR_W1C (SR_PGERR | SR_WRPRTERR | SR_EOP)

#define CR_PG 0x0001u
#define CR_PER 0x0002u
#define CR_MER 0x0004u
#define CR_OPTPG 0x0010u
#define CR_OPTER 0x0020u
#define CR_STRT 0x0040u
#define CR_LOCK 0x0080u
#define CR_OPTWRE 0x0200u
#define CR_ERRIE 0x0400u
#define CR_EOPIE 0x1000u
#define CR_OBL_LAUNCH 0x2000u
#define CR_PLAIN (CR_PG | CR_PER | CR_MER | CR_OPTPG | CR_OPTER | CR_STRT | CR_ERRIE | CR_EOPIE)

#define ACR_LATENCY 0x7u
#define ACR_PRFTBE 0x10u
#define ACR_PRFTBS 0x20u

#define M_RCC 0x40021000u
#define M_RCC_CR (M_RCC + 0x00u)
#define M_RCC_CFGR (M_RCC + 0x04u)
#define M_RCC_CIR (M_RCC + 0x08u)
#define M_RCC_APB2RSTR (M_RCC + 0x0Cu)
#define M_RCC_APB1RSTR (M_RCC + 0x10u)
#define M_RCC_AHBENR (M_RCC + 0x14u)
#define M_RCC_APB2ENR (M_RCC + 0x18u)
#define M_RCC_APB1ENR (M_RCC + 0x1Cu)
#define M_RCC_CSR (M_RCC + 0x24u)
#define M_RCC_AHBRSTR (M_RCC + 0x28u)
#define M_RCC_CFGR2 (M_RCC + 0x2Cu)
#define M_RCC_CFGR3 (M_RCC + 0x30u)
#define M_RCC_CR2 (M_RCC + 0x34u)

#define RCR_HSION 0x00000001u
#define RCR_HSIRDY 0x00000002u
#define RCR_HSITRIM 0x000000F8u
#define RCR_HSEON 0x00010000u
#define RCR_HSERDY 0x00020000u
#define RCR_HSEBYP 0x00040000u
#define RCR_CSSON 0x00080000u
#define RCR_PLLON 0x01000000u
#define RCR_PLLRDY 0x02000000u
#define RCR2_HSI48ON 0x00010000u
#define RCR2_HSI48RDY 0x00020000u
#define CFGR_PLLXTPRE 0x00020000u
#define CFGR_PLL_FIELDS 0x003F8000u /* PLLSRC, PLLXTPRE, PLLMUL */
#define CSR_FLAGS 0xFF800000u
#define CSR_RMVF 0x01000000u
#define CSR_OBLRSTF 0x02000000u
#define CSR_PINRSTF 0x04000000u
#define CSR_PORRSTF 0x08000000u
#define CSR_SFTRSTF 0x10000000u
#define CSR_IWDGRSTF 0x20000000u
#define AHBENR_RESET 0x00000014u
#define AHB_DMAEN 0x1u
#define APB2_SYSCFGEN 0x1u

#define M_SYSCFG_CFGR1 0x40010000u

#define M_DMA 0x40020000u
#define M_DMA_END (M_DMA + 0x08u + 7u * 0x14u)

#define M_GPIO 0x48000000u
#define GPIO_PORTS 6u

#define M_IWDG 0x40003000u

#define M_NVIC_ISER 0xE000E100u
#define M_NVIC_ICER 0xE000E180u
#define M_NVIC_ISPR 0xE000E200u
#define M_NVIC_ICPR 0xE000E280u
#define M_ICSR 0xE000ED04u
#define M_VTOR 0xE000ED08u
#define M_AIRCR 0xE000ED0Cu

/* USART v2 (RM0091 "USART registers") */
#define U_CR1 0x00u
#define U_CR2 0x04u
#define U_CR3 0x08u
#define U_BRR 0x0Cu
#define U_ISR 0x1Cu
#define U_ICR 0x20u
#define U_RDR 0x24u
#define U_TDR 0x28u
#define UCR1_UE 0x00000001u
#define UCR1_RE 0x00000004u
#define UCR1_TE 0x00000008u
#define UCR1_PS 0x00000200u
#define UCR1_PCE 0x00000400u
#define UCR1_M0 0x00001000u
#define UCR1_OVER8 0x00008000u
#define UCR1_M1 0x10000000u
#define UCR1_LOCKED (UCR1_M0 | UCR1_M1 | UCR1_PS | UCR1_PCE | UCR1_OVER8 | 0x00000800u | 0x03FF0000u)
#define UCR3_DMAR 0x40u
#define UCR3_ANYTIME (0x1u | 0x40u | 0x80u | 0x400u | 0x400000u) /* EIE, DMAR, DMAT, CTSIE, WUFIE */
#define UISR_PE 0x001u
#define UISR_FE 0x002u
#define UISR_NF 0x004u
#define UISR_ORE 0x008u
#define UISR_RXNE 0x020u
#define UISR_TC 0x040u
#define UISR_TXE 0x080u
#define UISR_TEACK 0x200000u
#define UISR_REACK 0x400000u
#define UISR_RESET (UISR_TC | UISR_TXE)

/* ------------------------------------------------------------------------------------------------------ */
/* State                                                                                                   */

#define RX_QUEUE 8192u
#define TX_LOG 65536u
#define USARTS 4u

static const uint32_t usart_bases[USARTS] = {0x40013800u, 0x40004400u, 0x40004800u, 0x40004C00u};
/* RCC enable/reset: APB2 bit 14 (USART1), APB1 bits 17-19 (USART2..4) */
static const uint32_t usart_rcc_bit[USARTS] = {1u << 14, 1u << 17, 1u << 18, 1u << 19};
static const bool usart_on_apb2[USARTS] = {true, false, false, false};

enum flash_op_kind { OP_NONE, OP_PROGRAM, OP_ERASE, OP_MASS_ERASE, OP_OPT_PROGRAM, OP_OPT_ERASE };

struct usart_state {
  uint32_t cr1, cr2, cr3, brr, isr, rdr, tdr;
  bool tdr_full, shift_busy, tx_stuck;
  uint32_t shift_data;
  uint64_t shift_done_at;
  uint32_t line_baud;
  bool line_even;
  /* reader-paced queue */
  uint8_t rxq[RX_QUEUE];
  uint32_t rxq_head, rxq_len;
  /* line-paced stream */
  uint8_t stream[RX_QUEUE];
  uint32_t stream_head, stream_len, stream_polls;
  uint64_t stream_next_at;
  uint8_t tx[TX_LOG];
  uint32_t tx_len, tx_garbled;
};

/* A GPIO port: the registers every family's port has (gpio_port.h), and LCKR. */
struct gpio_state {
  struct gpio_port regs;
  uint32_t lckr;
};

static struct {
  uint8_t flash[M_FLASH_MAX];
  uint16_t ob[8];
  uint8_t sram[M_SRAM_SIZE];
  uint32_t fsize_kb;
  uint64_t now;
  jmp_buf *reset_target;
  uint32_t system_resets;
  /* flash interface */
  uint32_t acr, cr, sr, ar, obr, wrpr;
  struct key_sequence keys; /* FLASH_KEYR's */
  int optkey_stage;
  bool opt_lockout;
  bool ar_since_per; /* FLASH_AR written while PER was set */
  uint32_t program_polls, erase_polls;
  uint32_t inject_flags, inject_countdown;
  uint32_t weak_addr;
  uint16_t weak_mask;
  bool stuck;
  struct {
    enum flash_op_kind kind;
    uint32_t addr, value, fail_flags;
    uint64_t done_at;
  } op;
  /* RCC */
  uint32_t rcc_cr, cfgr, cfgr2, cfgr3, cr2, cir, csr, apb2rstr, apb1rstr, ahbrstr, ahbenr, apb2enr, apb1enr;
  enum f0_hse_source hse_source;
  uint32_t hse_hz;
  uint64_t hse_ready_at, pll_ready_at, hsi48_ready_at;
  bool pll_never_locks, hsi48_never_ready;
  /* peripherals */
  uint32_t syscfg_cfgr1;
  struct gpio_state gpio[GPIO_PORTS];
  struct usart_state usart[USARTS];
  struct dma_channel_controller dma;
  /* IWDG */
  uint32_t lsi_hz;
  bool iwdg_running, iwdg_access, iwdg_stuck_updates;
  uint32_t iwdg_pr, iwdg_rlr, iwdg_winr, iwdg_pr_pending, iwdg_rlr_pending, iwdg_sr;
  uint64_t iwdg_pvu_at, iwdg_rvu_at;
  uint32_t iwdg_counter, iwdg_prescale;
  uint64_t iwdg_lsi_acc;
  /* core */
  struct systick systick;
  uint32_t nvic_enabled, nvic_pending;
  bool systick_pending, pendsv_pending;
  /* inspection */
  struct f0_model_stats stats;
} m;

/* ------------------------------------------------------------------------------------------------------ */
/* Reporting (violation(), fatal() and the read counts: test/support/c/model_report.h)                    */

static const char *usart_name(uint32_t i) {
  static const char *names[USARTS] = {"USART1", "USART2", "USART3", "USART4"};
  return names[i];
}

/* ------------------------------------------------------------------------------------------------------ */
/* Clocks (RM0091 "Clocks"; DS9826 limits)                                                                 */

static uint32_t pll_src_hz(void) {
  uint32_t prediv = (m.cfgr2 & 0xFu) + 1u;
  switch ((m.cfgr >> 15) & 3u) {
  case 0:
    return HSI_HZ / 2u; /* HSI/2, PREDIV not used */
  case 1:
    return HSI_HZ / prediv;
  case 2:
    return m.hse_hz / prediv;
  default:
    return HSI48_HZ / prediv;
  }
}

static uint32_t pll_out_hz(void) {
  uint32_t mul = ((m.cfgr >> 18) & 0xFu) + 2u;
  return pll_src_hz() * (mul > 16u ? 16u : mul);
}

static uint32_t sws(void) { return (m.cfgr >> 2) & 3u; }

uint32_t f0_model_sysclk_hz(void) {
  switch (sws()) {
  case 0:
    return HSI_HZ;
  case 1:
    return m.hse_hz;
  case 2:
    return pll_out_hz();
  default:
    return HSI48_HZ;
  }
}

uint32_t f0_model_hclk_hz(void) {
  uint32_t hpre = (m.cfgr >> 4) & 0xFu;
  static const uint32_t shift[8] = {1, 2, 3, 4, 6, 7, 8, 9}; /* /2 /4 /8 /16 /64 /128 /256 /512 */
  return hpre < 8u ? f0_model_sysclk_hz() : f0_model_sysclk_hz() >> shift[hpre - 8u];
}

uint32_t f0_model_pclk_hz(void) {
  uint32_t ppre = (m.cfgr >> 8) & 7u;
  return ppre < 4u ? f0_model_hclk_hz() : f0_model_hclk_hz() >> (ppre - 3u);
}

uint32_t f0_model_usart_kernel_hz(uint32_t base) {
  uint32_t sw = 0;
  if (base == usart_bases[0]) {
    sw = m.cfgr3 & 3u;
  } else if (base == usart_bases[1]) {
    sw = (m.cfgr3 >> 16) & 3u;
  }
  switch (sw) {
  case 1:
    return f0_model_sysclk_hz();
  case 2:
    return LSE_HZ;
  case 3:
    return HSI_HZ;
  default:
    return f0_model_pclk_hz();
  }
}

/* What RM0091 and DS9826 require of the clock tree as it runs now. */
static void rcc_check(const char *after) {
  uint32_t hclk = f0_model_hclk_hz();
  /* RM0091 FLASH_ACR: "000: Zero wait state, if SYSCLK <= 24 MHz; 001: One wait state, if 24 MHz < SYSCLK
   * <= 48 MHz". */
  uint32_t need = f0_model_sysclk_hz() > 24u * MHZ ? 1u : 0u;
  if ((m.acr & ACR_LATENCY) < need) {
    violation("after %s: SYSCLK %u Hz needs LATENCY = 1 (FLASH_ACR has %u)", after, (unsigned)f0_model_sysclk_hz(),
              (unsigned)(m.acr & ACR_LATENCY));
  }
  if (f0_model_sysclk_hz() > 48u * MHZ || hclk > 48u * MHZ || f0_model_pclk_hz() > 48u * MHZ) {
    violation("after %s: SYSCLK %u / HCLK %u / PCLK %u Hz above the 48 MHz limit", after,
              (unsigned)f0_model_sysclk_hz(), (unsigned)hclk, (unsigned)f0_model_pclk_hz());
  }
}

static void rcc_check_pll_config(void) {
  uint32_t in = pll_src_hz();
  uint32_t mul = ((m.cfgr >> 18) & 0xFu) + 2u;
  if (mul == 17u) {
    mul = 16u;
  }
  /* DS9826 "PLL characteristics": input 1-24 MHz, output 16-48 MHz. */
  if (in < 1u * MHZ || in > 24u * MHZ) {
    violation("PLLON with a PLL input of %u Hz (1-24 MHz)", (unsigned)in);
  }
  uint64_t out = (uint64_t)in * mul;
  if (out < 16u * MHZ || out > 48u * MHZ) {
    violation("PLLON with a PLL output of %llu Hz (16-48 MHz)", (unsigned long long)out);
  }
}

static bool hse_works(void) {
  if ((m.rcc_cr & RCR_HSEON) == 0u) {
    return false;
  }
  bool bypass = (m.rcc_cr & RCR_HSEBYP) != 0u;
  return (m.hse_source == F0_HSE_CRYSTAL && !bypass) || (m.hse_source == F0_HSE_CLOCK_IN && bypass);
}

static bool source_ready(uint32_t sw) {
  switch (sw) {
  case 0:
    return (m.rcc_cr & RCR_HSIRDY) != 0u;
  case 1:
    return (m.rcc_cr & RCR_HSERDY) != 0u;
  case 2:
    return (m.rcc_cr & RCR_PLLRDY) != 0u;
  default:
    return (m.cr2 & RCR2_HSI48RDY) != 0u;
  }
}

static bool pll_source_ready(void) {
  switch ((m.cfgr >> 15) & 3u) {
  case 2:
    return (m.rcc_cr & RCR_HSERDY) != 0u;
  case 3:
    return (m.cr2 & RCR2_HSI48RDY) != 0u;
  default:
    return (m.rcc_cr & RCR_HSIRDY) != 0u;
  }
}

/* "A switch from one clock source to another occurs only if the target clock source is ready." */
static void rcc_switch(void) {
  uint32_t sw = m.cfgr & 3u;
  if (sw != sws() && source_ready(sw)) {
    m.cfgr = (m.cfgr & ~0xCu) | (sw << 2);
    rcc_check("the SYSCLK switch");
  }
}

static void rcc_tick(void) {
  if (hse_works() && (m.rcc_cr & RCR_HSERDY) == 0u && m.now >= m.hse_ready_at) {
    m.rcc_cr |= RCR_HSERDY;
  }
  if ((m.cr2 & RCR2_HSI48ON) != 0u && (m.cr2 & RCR2_HSI48RDY) == 0u && !m.hsi48_never_ready &&
      m.now >= m.hsi48_ready_at) {
    m.cr2 |= RCR2_HSI48RDY;
  }
  if ((m.rcc_cr & RCR_PLLON) != 0u && (m.rcc_cr & RCR_PLLRDY) == 0u && pll_source_ready() && !m.pll_never_locks &&
      m.now >= m.pll_ready_at) {
    m.rcc_cr |= RCR_PLLRDY;
  }
  rcc_switch();
}

static bool hsi_in_use(void) {
  uint32_t s = sws();
  uint32_t src = (m.cfgr >> 15) & 3u;
  return s == 0u || (s == 2u && src <= 1u);
}

static void rcc_cr_write(uint32_t v) {
  uint32_t old = m.rcc_cr;
  bool pll_is_sys = sws() == 2u;
  bool hse_in_use = sws() == 1u || (pll_is_sys && ((m.cfgr >> 15) & 3u) == 2u);
  uint32_t writable = RCR_HSION | RCR_HSITRIM | RCR_HSEON | RCR_HSEBYP | RCR_CSSON | RCR_PLLON;
  uint32_t nv = (old & ~writable) | (v & writable);
  if ((old & RCR_HSION) != 0u && (nv & RCR_HSION) == 0u && hsi_in_use()) {
    violation("RCC_CR: HSION cleared while HSI drives SYSCLK (ignored)");
    nv |= RCR_HSION;
  }
  if ((old & RCR_HSEON) != 0u && (nv & RCR_HSEON) == 0u && hse_in_use) {
    violation("RCC_CR: HSEON cleared while HSE drives SYSCLK (ignored)");
    nv |= RCR_HSEON;
  }
  if ((old & RCR_PLLON) != 0u && (nv & RCR_PLLON) == 0u && pll_is_sys) {
    violation("RCC_CR: PLLON cleared while the PLL drives SYSCLK (ignored)");
    nv |= RCR_PLLON;
  }
  /* RM0091 RCC_CR HSEBYP: "This bit can be written only if the HSE oscillator is disabled." */
  if ((old & RCR_HSEON) != 0u && ((old ^ nv) & RCR_HSEBYP) != 0u) {
    violation("RCC_CR: HSEBYP changed while HSEON = 1 (ignored)");
    nv = (nv & ~RCR_HSEBYP) | (old & RCR_HSEBYP);
  }
  if ((nv & RCR_HSEON) == 0u) {
    nv &= ~RCR_HSERDY;
  } else if ((old & RCR_HSEON) == 0u) {
    m.hse_ready_at = m.now + 20u;
  }
  if ((nv & RCR_PLLON) == 0u) {
    nv &= ~RCR_PLLRDY;
  } else if ((old & RCR_PLLON) == 0u) {
    m.pll_ready_at = m.now + 10u;
    m.rcc_cr = nv;
    rcc_check_pll_config();
  }
  m.rcc_cr = nv;
  rcc_switch();
}

static void rcc_cr2_write(uint32_t v) {
  uint32_t old = m.cr2;
  uint32_t nv = (old & ~(RCR2_HSI48ON | 0x1FDu)) | (v & (RCR2_HSI48ON | 0x1FDu)); /* HSI48ON, HSI14 bits */
  bool hsi48_in_use = sws() == 3u || (sws() == 2u && ((m.cfgr >> 15) & 3u) == 3u);
  if ((old & RCR2_HSI48ON) != 0u && (nv & RCR2_HSI48ON) == 0u && hsi48_in_use) {
    violation("RCC_CR2: HSI48ON cleared while HSI48 drives SYSCLK (ignored)");
    nv |= RCR2_HSI48ON;
  }
  if ((nv & RCR2_HSI48ON) == 0u) {
    nv &= ~RCR2_HSI48RDY;
  } else if ((old & RCR2_HSI48ON) == 0u) {
    m.hsi48_ready_at = m.now + 5u;
  }
  m.cr2 = nv;
}

/* RM0091 RCC_CFGR: PLLSRC, PLLXTPRE and PLLMUL "can be written only when PLL is disabled"; PLLXTPRE is the same
 * bit as PREDIV[0] of RCC_CFGR2. */
static void rcc_cfgr_write(uint32_t v) {
  uint32_t cur = sws();
  if ((m.rcc_cr & RCR_PLLON) != 0u && ((v ^ m.cfgr) & CFGR_PLL_FIELDS & ~CFGR_PLLXTPRE) != 0u) {
    violation("RCC_CFGR: PLLSRC/PLLMUL written while the PLL is on (ignored)");
    v = (v & ~CFGR_PLL_FIELDS) | (m.cfgr & CFGR_PLL_FIELDS);
  }
  uint32_t xtpre = (v & CFGR_PLLXTPRE) != 0u ? 1u : 0u;
  if ((m.cfgr2 & 1u) != xtpre) {
    if ((m.rcc_cr & RCR_PLLON) != 0u) {
      violation("RCC_CFGR: PLLXTPRE (PREDIV[0]) written while the PLL is on (ignored)");
    } else {
      m.cfgr2 = (m.cfgr2 & ~1u) | xtpre;
    }
  }
  m.cfgr = (m.cfgr & 0xCu) | (v & ~0xCu & ~CFGR_PLLXTPRE);
  rcc_switch();
  if (sws() == cur) {
    rcc_check("an RCC_CFGR write");
  }
}

static uint32_t rcc_cfgr_read(void) { return m.cfgr | ((m.cfgr2 & 1u) != 0u ? CFGR_PLLXTPRE : 0u); }

static void rcc_cfgr2_write(uint32_t v) {
  if ((m.rcc_cr & RCR_PLLON) != 0u && ((v ^ m.cfgr2) & 0xFu) != 0u) {
    violation("RCC_CFGR2: PREDIV written while the PLL is on (ignored)");
    return;
  }
  m.cfgr2 = v & 0xFu;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Reset values                                                                                            */

static void gpio_reset(uint32_t i) {
  if (i == 0u) { /* PA13 SWDIO (AF, pull-up, high speed), PA14 SWCLK (AF, pull-down) */
    gpio_port_reset(&m.gpio[i].regs, 0x28000000u, 0x0C000000u, 0x24000000u);
  } else { /* every pin an input, no pull */
    gpio_port_reset(&m.gpio[i].regs, 0u, 0u, 0u);
  }
  m.gpio[i].lckr = 0;
}

static void usart_reset(uint32_t i) {
  struct usart_state *u = &m.usart[i];
  u->cr1 = u->cr2 = u->cr3 = u->brr = u->rdr = u->tdr = 0;
  u->isr = UISR_RESET;
  u->tdr_full = u->shift_busy = false;
  u->rxq_head = u->rxq_len = 0;
  /* the peer, its stream, what went out on the line and armed faults stay */
}

static void dma_reset(void) { dma_channel_controller_reset(&m.dma); }

/* RM0091 "Option byte loading": each byte is checked against its complement; a mismatch sets OPTERR and the
 * byte loads as 0xFF (read protection level 1 for RDP). */
static uint32_t option_byte(uint32_t i, bool *error) {
  uint32_t half = m.ob[i];
  uint32_t value = half & 0xFFu;
  if (((half >> 8) ^ value) != 0xFFu) {
    *error = true;
    return 0xFFu;
  }
  return value;
}

static void options_load(void) {
  bool error = false;
  uint32_t rdp_half = m.ob[0];
  uint32_t rdp = option_byte(0, &error);
  uint32_t level = 1u;
  if (((rdp_half >> 8) ^ (rdp_half & 0xFFu)) == 0xFFu) {
    level = rdp == 0xAAu ? 0u : (rdp == 0xCCu ? 3u : 1u);
  }
  uint32_t user = option_byte(1, &error);
  uint32_t data0 = option_byte(2, &error);
  uint32_t data1 = option_byte(3, &error);
  uint32_t wrp = 0;
  for (uint32_t i = 0; i < 4u; i++) {
    wrp |= option_byte(4u + i, &error) << (8u * i);
  }
  m.obr = (error ? 1u : 0u) | (level << 1) | (user << 8) | (data0 << 16) | (data1 << 24);
  m.wrpr = wrp;
}

static bool hardware_watchdog(void) { return (m.obr & 0x100u) == 0u; }

static void iwdg_reset(void) {
  m.iwdg_pr = 0;
  m.iwdg_rlr = 0xFFFu;
  m.iwdg_winr = 0xFFFu;
  m.iwdg_sr = 0;
  m.iwdg_access = false;
  m.iwdg_prescale = 0;
  m.iwdg_lsi_acc = 0;
  /* RM0091: with the WDG_SW option bit at 0 ("hardware watchdog") the IWDG starts at every reset. */
  m.iwdg_running = hardware_watchdog();
  m.iwdg_counter = m.iwdg_rlr;
}

static void registers_reset(void) {
  m.acr = ACR_PRFTBE | ACR_PRFTBS; /* 0x00000030 */
  m.cr = CR_LOCK;                  /* 0x00000080 */
  m.sr = 0;
  m.ar = 0;
  m.keys = (struct key_sequence){0};
  m.optkey_stage = 0;
  m.opt_lockout = false;
  m.ar_since_per = false;
  memset(&m.op, 0, sizeof m.op);
  m.rcc_cr = 0x00000083u; /* HSION, HSIRDY, HSITRIM = 16 */
  m.cfgr = m.cfgr2 = m.cfgr3 = 0;
  m.cr2 = 0x00000080u; /* HSI14TRIM = 16 */
  m.cir = 0;
  m.apb2rstr = m.apb1rstr = m.ahbrstr = 0;
  m.ahbenr = AHBENR_RESET;
  m.apb2enr = m.apb1enr = 0;
  m.syscfg_cfgr1 = 0; /* MEM_MODE 00: booted from main flash */
  for (uint32_t i = 0; i < GPIO_PORTS; i++) {
    gpio_reset(i);
  }
  for (uint32_t i = 0; i < USARTS; i++) {
    usart_reset(i);
  }
  dma_reset();
  iwdg_reset();
  systick_reset(&m.systick);
  m.nvic_enabled = m.nvic_pending = 0;
  m.systick_pending = m.pendsv_pending = false;
}

/* A system reset: registers back to reset values (this ends a key lockout); SRAM, flash, option bytes and
 * the RCC_CSR flags stay (the new cause is added), and control returns to the test's setjmp. */
static void system_reset(uint32_t csr_flag, const char *why) {
  m.system_resets++;
  uint32_t flags = m.csr & CSR_FLAGS;
  if (csr_flag == CSR_OBLRSTF) {
    options_load(); /* RM0091 OBL_LAUNCH: "forces the option byte loading ... generates a system reset" */
  }
  registers_reset();
  m.csr = flags | csr_flag | CSR_PINRSTF;
  if (m.reset_target == NULL) {
    fatal("system reset (%s) where the test did not expect one", why);
  }
  jmp_buf *target = m.reset_target;
  m.reset_target = NULL;
  longjmp(*target, 1);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Flash (RM0091 "Flash program and erase operations", "Flash registers")                                  */

uint32_t f0_model_flash_page_count(void) { return M_FLASH_MAX / F0_MODEL_PAGE_SIZE; }

static bool in_flash(uint32_t addr) { return addr >= M_FLASH_MEM && addr - M_FLASH_MEM < M_FLASH_MAX; }
static bool in_sram(uint32_t addr) { return addr >= M_SRAM && addr - M_SRAM < M_SRAM_SIZE; }
static bool in_ob(uint32_t addr) { return addr >= M_OB && addr < M_OB + 16u; }

static uint16_t flash_load16(uint32_t addr) {
  uint32_t off = addr - M_FLASH_MEM;
  return (uint16_t)(m.flash[off] | (m.flash[off + 1u] << 8));
}

static uint32_t flash_load32(uint32_t addr) {
  return (uint32_t)flash_load16(addr) | ((uint32_t)flash_load16(addr + 2u) << 16);
}

static bool page_protected(uint32_t page) { return (m.wrpr & (1u << (page / 2u))) == 0u; }

static void flash_complete(void) {
  if (m.op.kind == OP_NONE) {
    return;
  }
  if (m.op.fail_flags != 0u) {
    m.sr |= m.op.fail_flags;
  } else {
    switch (m.op.kind) {
    case OP_PROGRAM: {
      uint32_t off = m.op.addr - M_FLASH_MEM;
      if (m.op.addr == m.weak_addr) {
        m.op.value &= ~(uint32_t)m.weak_mask;
      }
      m.flash[off] = (uint8_t)m.op.value;
      m.flash[off + 1u] = (uint8_t)(m.op.value >> 8);
      m.stats.flash_programs++;
      break;
    }
    case OP_ERASE:
      memset(&m.flash[m.op.addr - M_FLASH_MEM], 0xFF, F0_MODEL_PAGE_SIZE);
      m.stats.flash_erases++;
      break;
    case OP_MASS_ERASE:
      memset(m.flash, 0xFF, sizeof m.flash);
      m.stats.mass_erases++;
      break;
    case OP_OPT_PROGRAM:
      m.ob[(m.op.addr - M_OB) / 2u] = (uint16_t)m.op.value;
      m.stats.option_programs++;
      break;
    case OP_OPT_ERASE:
      for (uint32_t i = 0; i < 8u; i++) {
        m.ob[i] = 0xFFFFu;
      }
      m.stats.option_erases++;
      break;
    default:
      break;
    }
    /* EOP: "Set by hardware when a Flash operation (programming / erase) is completed." (any EOPIE) */
    m.sr |= SR_EOP;
  }
  m.cr &= ~CR_STRT; /* STRT is reset when BSY is reset */
  m.op.kind = OP_NONE;
}

static void flash_start(enum flash_op_kind kind, uint32_t addr, uint32_t value) {
  m.op.kind = kind;
  m.op.addr = addr;
  m.op.value = value;
  bool erase = kind == OP_ERASE || kind == OP_MASS_ERASE || kind == OP_OPT_ERASE;
  m.op.done_at = m.now + (erase ? m.erase_polls : m.program_polls);
  m.op.fail_flags = 0;
  if (m.inject_flags != 0u) {
    if (m.inject_countdown == 0u) {
      m.op.fail_flags = m.inject_flags;
      m.inject_flags = 0;
    } else {
      m.inject_countdown--;
    }
  }
}

static void flash_tick(void) {
  if (m.op.kind != OP_NONE && !m.stuck && m.now >= m.op.done_at) {
    flash_complete();
  }
}

/* A flash read while an operation runs: the AHB bus stalls until it ends. */
static void flash_stall(const char *what) {
  if (m.op.kind == OP_NONE) {
    return;
  }
  if (m.stuck) {
    fatal("%s while BSY is stuck: the bus would stall forever", what);
  }
  violation("%s while BSY was set: the bus stalled until the operation ended", what);
  m.now = m.op.done_at;
  flash_complete();
}

static void flash_store16(uint32_t addr, uint16_t value) {
  flash_stall("flash write");
  if ((addr & 1u) != 0u) {
    fatal("unaligned half-word store to flash at 0x%08X: a HardFault on a Cortex-M0", (unsigned)addr);
  }
  if ((m.cr & CR_PG) == 0u || (m.cr & CR_LOCK) != 0u) {
    violation("flash store 0x%04X at 0x%08X with PG = 0 or FLASH_CR locked (ignored)", value, (unsigned)addr);
    return;
  }
  if ((m.cr & (CR_PER | CR_MER | CR_OPTPG | CR_OPTER)) != 0u) {
    violation("flash store with PG and an erase/option bit set in FLASH_CR 0x%04X (ignored)", (unsigned)m.cr);
    return;
  }
  /* WRPRTERR: "Set by hardware when programming a write-protected address of the Flash memory." */
  if (page_protected((addr - M_FLASH_MEM) / F0_MODEL_PAGE_SIZE)) {
    m.sr |= SR_WRPRTERR;
    return;
  }
  /* RM0091 "Main Flash memory programming": the interface checks the address was erased; if not, "the
   * program operation is skipped and a warning is issued by the PGERR bit", except when 0x0000 is written. */
  uint16_t old = flash_load16(addr);
  if (old != 0xFFFFu && value != 0x0000u) {
    m.sr |= SR_PGERR;
    return;
  }
  flash_start(OP_PROGRAM, addr, value);
}

static void option_store16(uint32_t addr, uint16_t value) {
  flash_stall("option byte write");
  if ((addr & 1u) != 0u) {
    fatal("unaligned half-word store to the option bytes at 0x%08X", (unsigned)addr);
  }
  if ((m.cr & CR_OPTPG) == 0u || (m.cr & CR_OPTWRE) == 0u || (m.cr & CR_LOCK) != 0u) {
    violation("option byte store at 0x%08X without OPTPG and OPTWRE (ignored)", (unsigned)addr);
    return;
  }
  uint32_t index = (addr - M_OB) / 2u;
  if (m.ob[index] != 0xFFFFu) {
    m.sr |= SR_PGERR; /* not erased: skipped, as for main flash */
    return;
  }
  /* The interface writes the low byte and its complement. */
  uint32_t low = value & 0xFFu;
  uint16_t stored = (uint16_t)(low | ((~low & 0xFFu) << 8));
  uint32_t level = (m.obr >> 1) & 3u;
  if (index == 0u && low == 0xAAu && level == 1u) {
    /* RM0091 "Read protection": going back to level 0 from level 1 mass-erases the main flash. */
    violation("RDP programmed to 0xAA under level 1: the whole main flash (bootloader included) is mass erased");
    memset(m.flash, 0xFF, sizeof m.flash);
    m.stats.mass_erases++;
  }
  flash_start(OP_OPT_PROGRAM, addr, stored);
}

static void flash_cr_write(uint32_t v) {
  if (m.op.kind != OP_NONE) {
    /* "the registers are not accessible in write mode when the BSY bit of the FLASH_SR register is set" */
    violation("FLASH_CR write 0x%04X while BSY is set (ignored)", (unsigned)v);
    return;
  }
  if (m.keys.lockout || (m.cr & CR_LOCK) != 0u) {
    violation("FLASH_CR write 0x%08X while locked (ignored)", (unsigned)v);
    m.stats.cr_writes_rejected++;
    return;
  }
  uint32_t old = m.cr;
  uint32_t nv = v & CR_PLAIN;
  nv |= (v & CR_LOCK) != 0u ? CR_LOCK : 0u;                                    /* LOCK: set only */
  nv |= ((old & CR_OPTWRE) != 0u && (v & CR_OPTWRE) != 0u) ? CR_OPTWRE : 0u; /* OPTWRE: cleared by 0 */
  if ((nv & CR_PER) == 0u) {
    m.ar_since_per = false;
  }
  m.cr = nv;
  if ((v & CR_OBL_LAUNCH) != 0u) {
    if ((nv & CR_LOCK) != 0u) {
      violation("OBL_LAUNCH written together with LOCK (ignored)");
    } else {
      system_reset(CSR_OBLRSTF, "OBL_LAUNCH");
    }
  }
  if ((nv & CR_STRT) == 0u || (old & CR_STRT) != 0u) {
    return;
  }
  uint32_t ops = nv & (CR_PER | CR_MER | CR_OPTER);
  if (ops == CR_PER) {
    /* RM0091 "Page erase": set PER, program FLASH_AR, then set STRT. */
    if ((old & CR_PER) == 0u) {
      violation("STRT in the same FLASH_CR write that sets PER (PER, FLASH_AR, then STRT)");
    }
    if (!m.ar_since_per) {
      violation("STRT for a page erase without FLASH_AR written after PER");
    }
    if (!in_flash(m.ar)) {
      violation("page erase with FLASH_AR 0x%08X outside main flash (ignored)", (unsigned)m.ar);
      m.cr &= ~CR_STRT;
      return;
    }
    uint32_t page = (m.ar - M_FLASH_MEM) / F0_MODEL_PAGE_SIZE;
    if (page_protected(page)) {
      m.sr |= SR_WRPRTERR;
      m.cr &= ~CR_STRT;
      return;
    }
    flash_start(OP_ERASE, M_FLASH_MEM + page * F0_MODEL_PAGE_SIZE, 0);
  } else if (ops == CR_MER) {
    violation("mass erase started: tsboot's drivers never erase the bootloader");
    flash_start(OP_MASS_ERASE, 0, 0);
  } else if (ops == CR_OPTER) {
    if ((nv & CR_OPTWRE) == 0u) {
      violation("option byte erase without OPTWRE (ignored)");
      m.cr &= ~CR_STRT;
      return;
    }
    flash_start(OP_OPT_ERASE, M_OB, 0);
  } else {
    violation("STRT with FLASH_CR 0x%04X: not one of PER, MER, OPTER", (unsigned)nv);
    m.cr &= ~CR_STRT;
  }
}

/* RM0091 "Unlocking the Flash memory": KEY1 then KEY2; "any wrong sequence locks up the FPEC and the
 * FLASH_CR register until the next reset" with a bus error (flash_key_lock.h). */
static const struct key_register flash_keyr = {
    "FLASH_KEYR", {M_KEY1, M_KEY2}, {"KEY1", "KEY2"}, "bus error, FLASH_CR locked until reset"};

static void flash_keyr_write(uint32_t v) {
  key_register_count(key_register_write(&flash_keyr, &m.keys, &m.cr, CR_LOCK, v),
                     &m.stats.bus_errors, &m.stats.key_lockouts);
}

static void flash_optkeyr_write(uint32_t v) {
  /* RM0091 "Unlocking the option bytes": FLASH_CR unlocked first, then OPTKEY1 and OPTKEY2 set OPTWRE. The
   * model treats a wrong option key like a wrong flash key (no OPTWRE until reset). */
  if ((m.cr & CR_LOCK) != 0u) {
    violation("FLASH_OPTKEYR written while FLASH_CR is locked (ignored)");
    return;
  }
  if (((m.obr >> 1) & 3u) == 3u) {
    violation("FLASH_OPTKEYR under read protection level 2: option bytes are frozen (ignored)");
    return;
  }
  bool ok = !m.opt_lockout && (m.cr & CR_OPTWRE) == 0u &&
            ((m.optkey_stage == 0 && v == M_KEY1) || (m.optkey_stage == 1 && v == M_KEY2));
  if (!ok) {
    m.stats.bus_errors++;
    violation("FLASH_OPTKEYR: wrong key 0x%08X: option bytes locked until reset", (unsigned)v);
    m.opt_lockout = true;
    m.optkey_stage = 0;
    return;
  }
  m.optkey_stage = m.optkey_stage == 0 ? 1 : 0;
  if (m.optkey_stage == 0) {
    m.cr |= CR_OPTWRE;
  }
}

static uint32_t flash_sr_read(void) { return m.sr | (m.op.kind != OP_NONE ? SR_BSY : 0u); }

/* ------------------------------------------------------------------------------------------------------ */
/* USART (RM0091 "Universal synchronous asynchronous receiver transmitter")                               */

static int usart_index(uint32_t addr) {
  for (uint32_t i = 0; i < USARTS; i++) {
    if (addr >= usart_bases[i] && addr < usart_bases[i] + 0x400u) {
      return (int)i;
    }
  }
  return -1;
}

static bool usart_clocked(uint32_t i) {
  uint32_t bit = usart_rcc_bit[i];
  return usart_on_apb2[i] ? ((m.apb2enr & bit) != 0u && (m.apb2rstr & bit) == 0u)
                          : ((m.apb1enr & bit) != 0u && (m.apb1rstr & bit) == 0u);
}

static bool usart_rx_on(const struct usart_state *u) {
  return (u->cr1 & (UCR1_UE | UCR1_RE)) == (UCR1_UE | UCR1_RE);
}

static uint32_t parity8(uint32_t v) {
  v ^= v >> 4;
  v ^= v >> 2;
  v ^= v >> 1;
  return v & 1u;
}

/* The receiver's view of the line: baud within 2.5% and the same framing, or the damage a real receiver
 * would see. Only 8N1 and 8E1 (M1:M0 = 00, or 01 with PCE) are modelled; anything else is a violation. */
static uint32_t usart_effective_baud(uint32_t i) {
  const struct usart_state *u = &m.usart[i];
  uint32_t brr = u->brr & 0xFFFFu;
  if (brr == 0u) {
    return 0u;
  }
  return f0_model_usart_kernel_hz(usart_bases[i]) / brr; /* OVER8 = 0 (OVER8 = 1 is an unknown frame) */
}

static bool usart_baud_ok(uint32_t i) {
  uint32_t eff = usart_effective_baud(i);
  uint32_t line = m.usart[i].line_baud;
  uint32_t diff = eff > line ? eff - line : line - eff;
  return eff != 0u && (uint64_t)diff * 1000u <= (uint64_t)line * 25u;
}

static bool usart_even_frame(const struct usart_state *u) {
  return (u->cr1 & (UCR1_M0 | UCR1_M1 | UCR1_PCE | UCR1_PS)) == (UCR1_M0 | UCR1_PCE);
}

static bool usart_frame_known(const struct usart_state *u) {
  uint32_t f = u->cr1 & (UCR1_M0 | UCR1_M1 | UCR1_PCE | UCR1_PS | UCR1_OVER8);
  return f == 0u || f == (UCR1_M0 | UCR1_PCE);
}

static void usart_dma_service(void);

/* One character from the line lands in RDR now, with the flags the line and framing give it. */
static bool usart_deliver(uint32_t i, uint8_t data, uint32_t flags) {
  struct usart_state *u = &m.usart[i];
  if (!usart_clocked(i) || !usart_rx_on(u)) {
    return false;
  }
  if ((u->isr & UISR_RXNE) != 0u) {
    /* "ORE ... RDR content will not be lost. The shift register will be overwritten." */
    u->isr |= UISR_ORE;
    return false;
  }
  uint32_t rdr = data;
  if (!usart_frame_known(u)) {
    violation("%s receives with a frame the model does not know (CR1 0x%08X)", usart_name(i), (unsigned)u->cr1);
  }
  if (!usart_baud_ok(i)) {
    flags |= F0_MODEL_RX_FE; /* sampled at the wrong rate: the stop bit is not where it should be */
    rdr = 0xFFu;
  } else if (usart_even_frame(u) && !u->line_even) {
    /* 9-bit receiver, 8N1 peer: the stop bit (1) is read as the parity bit */
    rdr |= 0x100u;
    if (parity8(data) != 1u) {
      flags |= F0_MODEL_RX_PE;
    }
  } else if (!usart_even_frame(u) && u->line_even) {
    /* 8-bit receiver, 8E1 peer: the parity bit is read as the stop bit */
    if (parity8(data) != 0u) {
      /* parity 1 reads as a valid stop bit */
    } else {
      flags |= F0_MODEL_RX_FE;
    }
  } else if (usart_even_frame(u)) {
    rdr |= parity8(data) << 8; /* "the value read in the MSB bit is the received parity bit" */
  }
  u->rdr = rdr;
  u->isr |= UISR_RXNE | (flags & (UISR_PE | UISR_FE | UISR_NF));
  usart_dma_service();
  return true;
}

static void usart_tx_tick(uint32_t i) {
  struct usart_state *u = &m.usart[i];
  if (u->tx_stuck || (u->cr1 & UCR1_UE) == 0u) {
    return;
  }
  if (u->shift_busy && m.now >= u->shift_done_at) {
    if (u->tx_len < TX_LOG) {
      u->tx[u->tx_len] = (uint8_t)u->shift_data;
    }
    u->tx_len++;
    if (!usart_baud_ok(i) || usart_even_frame(u) != u->line_even || !usart_frame_known(u)) {
      u->tx_garbled++;
    }
    u->shift_busy = false;
  }
  if (!u->shift_busy && u->tdr_full) {
    u->shift_busy = true;
    u->shift_data = u->tdr;
    u->shift_done_at = m.now + 8u;
    u->tdr_full = false;
  }
  u->isr = (u->isr & ~UISR_TXE) | (u->tdr_full ? 0u : UISR_TXE);
  if (!u->shift_busy && !u->tdr_full) {
    u->isr |= UISR_TC;
  }
}

static void usart_rx_tick(uint32_t i) {
  struct usart_state *u = &m.usart[i];
  if (u->stream_len > 0u && m.now >= u->stream_next_at) {
    uint8_t b = u->stream[u->stream_head];
    u->stream_head = (u->stream_head + 1u) % RX_QUEUE;
    u->stream_len--;
    u->stream_next_at = m.now + u->stream_polls;
    (void)usart_deliver(i, b, 0u); /* lost if nobody took the last one: overrun */
  }
  if (u->rxq_len > 0u && usart_rx_on(u) && usart_clocked(i) && (u->isr & UISR_RXNE) == 0u) {
    uint8_t b = u->rxq[u->rxq_head];
    u->rxq_head = (u->rxq_head + 1u) % RX_QUEUE;
    u->rxq_len--;
    (void)usart_deliver(i, b, 0u);
  }
}

static uint32_t usart_isr_value(const struct usart_state *u) {
  uint32_t v = u->isr;
  v |= ((u->cr1 & (UCR1_UE | UCR1_TE)) == (UCR1_UE | UCR1_TE)) ? UISR_TEACK : 0u;
  v |= ((u->cr1 & (UCR1_UE | UCR1_RE)) == (UCR1_UE | UCR1_RE)) ? UISR_REACK : 0u;
  return v;
}

static uint32_t usart_read(uint32_t i, uint32_t off, bool peek) {
  struct usart_state *u = &m.usart[i];
  switch (off) {
  case U_CR1:
    return u->cr1;
  case U_CR2:
    return u->cr2;
  case U_CR3:
    return u->cr3;
  case U_BRR:
    return u->brr;
  case U_ISR:
    return usart_isr_value(u);
  case U_ICR:
    return 0;
  case U_RDR:
    if (!peek) {
      u->isr &= ~UISR_RXNE; /* reading RDR clears RXNE; the error flags stay until ICR */
    }
    return u->rdr;
  case U_TDR:
    return u->tdr;
  default:
    fatal("%s read at offset 0x%X (not modelled)", usart_name(i), (unsigned)off);
  }
}

static void usart_write(uint32_t i, uint32_t off, uint32_t v) {
  struct usart_state *u = &m.usart[i];
  bool enabled = (u->cr1 & UCR1_UE) != 0u;
  switch (off) {
  case U_CR1: {
    /* M0/M1, PS, PCE, OVER8, WAKE, DEAT/DEDT: "This bit can only be written when the USART is disabled". */
    if (enabled && (v & UCR1_UE) != 0u && ((v ^ u->cr1) & UCR1_LOCKED) != 0u) {
      violation("%s CR1: frame bits changed while UE = 1 (ignored): 0x%08X -> 0x%08X", usart_name(i),
                (unsigned)u->cr1, (unsigned)v);
      v = (v & ~UCR1_LOCKED) | (u->cr1 & UCR1_LOCKED);
    }
    if (enabled && (v & UCR1_UE) == 0u) {
      if ((u->isr & UISR_TC) == 0u || u->tdr_full || u->shift_busy) {
        violation("%s: UE cleared while a character was being sent (it is cut)", usart_name(i));
      }
      /* "When this bit is cleared ... current operations are discarded ... all the status flags in the
       * USART_ISR are set to their default values." */
      u->isr = UISR_RESET;
      u->tdr_full = u->shift_busy = false;
    }
    u->cr1 = v & 0x1FFFFFFFu;
    return;
  }
  case U_CR2:
    if (enabled && v != u->cr2) {
      violation("%s CR2 written while UE = 1 (ignored)", usart_name(i));
      return;
    }
    u->cr2 = v;
    return;
  case U_CR3:
    if (enabled && ((v ^ u->cr3) & ~UCR3_ANYTIME) != 0u) {
      violation("%s CR3 bits other than DMAR/DMAT/EIE changed while UE = 1 (ignored)", usart_name(i));
      v = (v & UCR3_ANYTIME) | (u->cr3 & ~UCR3_ANYTIME);
    }
    u->cr3 = v;
    usart_dma_service();
    return;
  case U_BRR:
    if (enabled) {
      violation("%s BRR written while UE = 1 (ignored)", usart_name(i));
      return;
    }
    u->brr = v & 0xFFFFu;
    return;
  case U_ICR: /* write 1 to clear: PECF, FECF, NCF, ORECF, IDLECF, TCCF ... */
    u->isr &= ~(v & (UISR_PE | UISR_FE | UISR_NF | UISR_ORE | 0x10u | UISR_TC));
    return;
  case U_TDR:
    if ((u->cr1 & (UCR1_UE | UCR1_TE)) != (UCR1_UE | UCR1_TE)) {
      violation("%s TDR write with UE or TE off: the character is not sent", usart_name(i));
      return;
    }
    if (u->tdr_full) {
      violation("%s TDR written before TXE: a character was overwritten", usart_name(i));
    }
    u->tdr = v & 0x1FFu;
    u->tdr_full = true;
    u->isr &= ~(UISR_TXE | UISR_TC);
    return;
  case U_ISR:
    violation("%s ISR is read-only", usart_name(i));
    return;
  case U_RDR:
    violation("%s RDR is read-only", usart_name(i));
    return;
  default:
    fatal("%s write at offset 0x%X (not modelled)", usart_name(i), (unsigned)off);
  }
}

/* ------------------------------------------------------------------------------------------------------ */
/* DMA (RM0091 "Direct memory access controller"; requests per RM0091 "DMA request mapping" for STM32F07x)  */

/* The channel a USART's RX request goes to now, 0 for none: USART1_RX on 3 (5 with USART1RX_DMA_RMP, bit 10),
 * USART2_RX on 5 (6 with USART2_DMA_RMP, bit 25). USART3/4 are not modelled (tsboot polls them). */
static uint32_t dma_rx_channel(uint32_t usart) {
  if (usart == 0u) {
    return (m.syscfg_cfgr1 & (1u << 10)) != 0u ? 5u : 3u;
  }
  if (usart == 1u) {
    return (m.syscfg_cfgr1 & (1u << 25)) != 0u ? 6u : 5u;
  }
  return 0u;
}

static bool dma_clocked(void) { return (m.ahbenr & AHB_DMAEN) != 0u; }

static void usart_dma_service(void) {
  if (!dma_clocked()) {
    return;
  }
  for (uint32_t i = 0; i < 2u; i++) {
    struct usart_state *u = &m.usart[i];
    if ((u->cr3 & UCR3_DMAR) == 0u || (u->isr & UISR_RXNE) == 0u) {
      continue;
    }
    uint32_t ch = dma_rx_channel(i);
    struct dma_channel *c = dma_channel(&m.dma, ch);
    if ((c->ccr & DMA_CCR_EN) == 0u || c->cndtr == 0u) {
      continue; /* the request waits (and the next character overruns) */
    }
    uint32_t rdr = usart_bases[i] + U_RDR;
    if ((c->ccr & 0x10u) != 0u || c->cpar != rdr) {
      violation("DMA channel %u serves %s_RX but reads 0x%08X (DIR %u), not RDR", (unsigned)ch, usart_name(i),
                (unsigned)c->cpar, (unsigned)((c->ccr >> 4) & 1u));
      continue;
    }
    if (((c->ccr >> 8) & 0xFu) != 0u) {
      violation("DMA channel %u: PSIZE/MSIZE not 8 bits for a byte ring", (unsigned)ch);
    }
    uint32_t dst = dma_channel_address(c);
    if (!in_sram(dst)) {
      fatal("DMA channel %u writes 0x%08X, outside SRAM", (unsigned)ch, (unsigned)dst);
    }
    m.sram[dst - M_SRAM] = (uint8_t)u->rdr;
    u->isr &= ~UISR_RXNE; /* the DMA read of RDR */
    m.stats.dma_transfers++;
    dma_channel_moved(&m.dma, ch);
  }
}

static uint32_t dma_read(uint32_t addr) {
  if (addr == M_DMA) {
    return m.dma.isr;
  }
  if (addr == M_DMA + 4u) {
    return 0; /* IFCR is write-only */
  }
  uint32_t rel = addr - (M_DMA + 0x08u);
  uint32_t reg = rel % 0x14u;
  if (reg > 0xCu || reg % 4u != 0u) {
    fatal("DMA read at 0x%08X (reserved)", (unsigned)addr);
  }
  return dma_channel_read(dma_channel(&m.dma, rel / 0x14u + 1u), reg);
}

static void dma_write(uint32_t addr, uint32_t v) {
  if (addr == M_DMA) {
    violation("DMA_ISR is read-only");
    return;
  }
  if (addr == M_DMA + 4u) {
    dma_channel_flags_clear(&m.dma, v);
    return;
  }
  uint32_t rel = addr - (M_DMA + 0x08u);
  uint32_t ch = rel / 0x14u + 1u;
  struct dma_channel *c = dma_channel(&m.dma, ch);
  bool enabled = (c->ccr & DMA_CCR_EN) != 0u;
  switch (rel % 0x14u) {
  case 0x0:
    if (enabled && (v & DMA_CCR_EN) != 0u && ((v ^ c->ccr) & 0x7FFEu) != 0u) {
      violation("DMA channel %u: CCR configuration changed while EN = 1", (unsigned)ch);
    }
    if (!enabled && (v & DMA_CCR_EN) != 0u) {
      c->reload = c->cndtr;
    }
    c->ccr = v & 0x7FFFu;
    usart_dma_service();
    return;
  case 0x4:
  case 0x8:
  case 0xC:
    /* CNDTR, CPAR, CMAR: "can only be written when the channel is disabled" */
    if (enabled) {
      violation("DMA channel %u: CNDTR/CPAR/CMAR written while EN = 1 (ignored)", (unsigned)ch);
      return;
    }
    dma_channel_write(c, rel % 0x14u, v);
    return;
  default:
    fatal("DMA write at 0x%08X (reserved)", (unsigned)addr);
  }
}

/* ------------------------------------------------------------------------------------------------------ */
/* GPIO (RM0091 "General-purpose I/Os")                                                                    */

static bool gpio_clocked(uint32_t port) {
  uint32_t bit = 1u << (17u + port);
  return (m.ahbenr & bit) != 0u && (m.ahbrstr & bit) == 0u;
}

/* The registers every family's port has are gpio_port.c's; the F0's own: LCKR, BRR, and AF0-AF7 only. */
static uint32_t gpio_read(uint32_t port, uint32_t off) {
  const struct gpio_state *g = &m.gpio[port];
  uint32_t v;
  if (gpio_port_read(&g->regs, off, &v)) {
    return v;
  }
  switch (off) {
  case 0x1C:
    return g->lckr;
  case 0x28:
    return 0; /* BRR is write-only */
  default:
    fatal("GPIO read at offset 0x%X", (unsigned)off);
  }
}

static void gpio_write(uint32_t port, uint32_t off, uint32_t v) {
  struct gpio_state *g = &m.gpio[port];
  switch (off) {
  case 0x1C:
    g->lckr = v;
    return;
  case 0x20:
  case 0x24:
    /* F0 ports have AF0..AF7: AFR nibbles above 7 are reserved. */
    for (uint32_t n = 0; n < 8u; n++) {
      if (((v >> (4u * n)) & 0xFu) > 7u) {
        violation("GPIO AFR%c: AF%u on pin %u does not exist on the F0", off == 0x20u ? 'L' : 'H',
                  (unsigned)((v >> (4u * n)) & 0xFu), (unsigned)(n + (off == 0x24u ? 8u : 0u)));
      }
    }
    break; /* stored below */
  case 0x28:
    g->regs.odr &= ~(v & 0xFFFFu);
    return;
  default:
    break;
  }
  if (!gpio_port_write(&g->regs, off, v)) {
    fatal("GPIO write at offset 0x%X", (unsigned)off);
  }
}

static void rstr_write(uint32_t *reg, uint32_t v, int which) {
  uint32_t released = *reg & ~v;
  *reg = v;
  if (which == 0) { /* AHBRSTR: GPIOx at bit 17 + x */
    for (uint32_t i = 0; i < GPIO_PORTS; i++) {
      if ((released & (1u << (17u + i))) != 0u) {
        gpio_reset(i);
      }
    }
    return;
  }
  for (uint32_t i = 0; i < USARTS; i++) {
    if (usart_on_apb2[i] == (which == 2) && (released & usart_rcc_bit[i]) != 0u) {
      usart_reset(i);
    }
  }
}

/* ------------------------------------------------------------------------------------------------------ */
/* IWDG (RM0091 "Independent watchdog")                                                                    */

static uint32_t iwdg_divider(uint32_t pr) { return pr >= 6u ? 256u : 4u << pr; }

/* One access: the LSI domain moves on by lsi_hz / hclk LSI cycles. */
static void iwdg_tick(void) {
  if (m.iwdg_pvu_at != 0u && m.now >= m.iwdg_pvu_at && !m.iwdg_stuck_updates) {
    m.iwdg_pr = m.iwdg_pr_pending;
    m.iwdg_sr &= ~1u;
    m.iwdg_pvu_at = 0;
  }
  if (m.iwdg_rvu_at != 0u && m.now >= m.iwdg_rvu_at && !m.iwdg_stuck_updates) {
    m.iwdg_rlr = m.iwdg_rlr_pending;
    m.iwdg_sr &= ~2u;
    m.iwdg_rvu_at = 0;
  }
  if (!m.iwdg_running) {
    return;
  }
  uint32_t hclk = f0_model_hclk_hz();
  m.iwdg_lsi_acc += m.lsi_hz;
  while (m.iwdg_lsi_acc >= hclk) {
    m.iwdg_lsi_acc -= hclk;
    if (++m.iwdg_prescale >= iwdg_divider(m.iwdg_pr)) {
      m.iwdg_prescale = 0;
      if (m.iwdg_counter == 0u) {
        m.stats.iwdg_expiries++;
        system_reset(CSR_IWDGRSTF, "IWDG expiry");
      }
      m.iwdg_counter--;
    }
  }
}

static void iwdg_write(uint32_t off, uint32_t v) {
  switch (off) {
  case 0x0:
    v &= 0xFFFFu;
    /* "A write access to this register with a different value [than 0x5555] will break the sequence and
     * register access will be protected again." */
    m.iwdg_access = v == 0x5555u;
    if (v == 0xCCCCu) {
      if (!m.iwdg_running) {
        m.iwdg_counter = m.iwdg_rlr;
        m.iwdg_prescale = 0;
      }
      m.iwdg_running = true;
    } else if (v == 0xAAAAu) {
      if (m.iwdg_running) {
        m.iwdg_counter = m.iwdg_rlr;
        m.stats.iwdg_reloads++;
      }
    }
    return;
  case 0x4:
  case 0x8:
  case 0x10: {
    const char *name = off == 0x4u ? "PR" : (off == 0x8u ? "RLR" : "WINR");
    if (!m.iwdg_access) {
      violation("IWDG_%s written without the 0x5555 key (ignored)", name);
      return;
    }
    uint32_t busy = off == 0x4u ? 1u : (off == 0x8u ? 2u : 4u);
    if ((m.iwdg_sr & busy) != 0u) {
      /* "Prescaler value can be updated only when PVU bit is reset." (RVU, WVU alike) */
      violation("IWDG_%s written while its update flag is set (ignored)", name);
      return;
    }
    m.iwdg_sr |= busy;
    if (off == 0x4u) {
      m.iwdg_pr_pending = v & 7u;
      m.iwdg_pvu_at = m.now + 25u;
    } else if (off == 0x8u) {
      m.iwdg_rlr_pending = v & 0xFFFu;
      m.iwdg_rvu_at = m.now + 25u;
    } else {
      m.iwdg_winr = v & 0xFFFu;
      m.iwdg_sr &= ~4u;
    }
    return;
  }
  default:
    violation("IWDG register at offset 0x%X is read-only", (unsigned)off);
  }
}

static uint32_t iwdg_read(uint32_t off) {
  switch (off) {
  case 0x0:
    return 0;
  case 0x4:
    return m.iwdg_pr;
  case 0x8:
    return m.iwdg_rlr;
  case 0xC:
    return m.iwdg_sr;
  case 0x10:
    return m.iwdg_winr;
  default:
    fatal("IWDG read at offset 0x%X", (unsigned)off);
  }
}

/* ------------------------------------------------------------------------------------------------------ */
/* Time and power-on                                                                                       */

static void tick(void) {
  m.now++;
  flash_tick();
  rcc_tick();
  for (uint32_t i = 0; i < USARTS; i++) {
    usart_tx_tick(i);
    usart_rx_tick(i);
  }
  usart_dma_service();
  iwdg_tick();
}

static void sram_fill_random(void) {
  uint32_t x = 0x2545F491u;
  for (uint32_t i = 0; i < M_SRAM_SIZE; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    m.sram[i] = (uint8_t)x;
  }
}

static void power_on(void) {
  options_load();
  registers_reset();
  m.csr = CSR_PORRSTF | CSR_PINRSTF;
  sram_fill_random();
}

void f0_model_reset(void) {
  memset(&m, 0, sizeof m);
  model_report_reset();
  m.fsize_kb = 128u;
  memset(m.flash, 0xFF, sizeof m.flash);
  /* Factory option bytes: RDP level 0 (0x55AA), USER 0xFF, DATA 0xFF, no write protection. */
  m.ob[0] = 0x55AAu;
  for (uint32_t i = 1; i < 8u; i++) {
    m.ob[i] = 0x00FFu;
  }
  m.program_polls = 3;
  m.erase_polls = 200;
  m.hse_source = F0_HSE_NONE;
  m.lsi_hz = 40000u;
  for (uint32_t i = 0; i < USARTS; i++) {
    m.usart[i].line_baud = 115200u;
  }
  power_on();
}

void f0_model_power_cycle(void) { power_on(); }

void f0_model_catch_reset(jmp_buf *where) { m.reset_target = where; }
uint32_t f0_model_system_resets(void) { return m.system_resets; }

/* ------------------------------------------------------------------------------------------------------ */
/* Bus decode                                                                                              */

static uint32_t sram_load32(uint32_t addr) {
  uint32_t off = addr - M_SRAM;
  return (uint32_t)m.sram[off] | ((uint32_t)m.sram[off + 1u] << 8) | ((uint32_t)m.sram[off + 2u] << 16) |
         ((uint32_t)m.sram[off + 3u] << 24);
}

static void sram_store32(uint32_t addr, uint32_t v) {
  uint32_t off = addr - M_SRAM;
  for (uint32_t i = 0; i < 4u; i++) {
    m.sram[off + i] = (uint8_t)(v >> (8u * i));
  }
}

/* Address 0..: main flash (MEM_MODE x0) or SRAM (11); system memory (01) is not modelled. */
static uint32_t alias_target(uint32_t addr) {
  switch (m.syscfg_cfgr1 & 3u) {
  case 3:
    if (addr >= M_SRAM_SIZE) {
      fatal("read at 0x%08X: beyond the 16 KB of SRAM mapped at 0", (unsigned)addr);
    }
    return M_SRAM + addr;
  case 1:
    fatal("read at 0x%08X with system memory mapped at 0 (not modelled)", (unsigned)addr);
  default:
    return M_FLASH_MEM + addr;
  }
}

static bool syscfg_clocked(void) { return (m.apb2enr & APB2_SYSCFGEN) != 0u; }

static uint32_t model_read(uint32_t addr, bool peek) {
  if (!peek) {
    model_count_read(addr);
    tick();
  }
  if (addr < M_ALIAS_SIZE) {
    addr = alias_target(addr);
  }
  if ((addr & 3u) != 0u) {
    fatal("unaligned word read at 0x%08X: a HardFault on a Cortex-M0", (unsigned)addr);
  }
  if (in_flash(addr)) {
    if (!peek) {
      flash_stall("flash read");
    }
    return flash_load32(addr);
  }
  if (in_sram(addr)) {
    return sram_load32(addr);
  }
  if (addr == M_FSIZE) {
    return 0xFFFF0000u | m.fsize_kb; /* F_SIZE, and a reserved half-word above it */
  }
  if (in_ob(addr)) {
    uint32_t i = (addr - M_OB) / 2u;
    return (uint32_t)m.ob[i] | ((uint32_t)m.ob[i + 1u] << 16);
  }
  uint32_t stk;
  if (systick_read(&m.systick, addr, peek, &stk)) {
    return stk;
  }
  switch (addr) {
  case M_ACR:
    return m.acr;
  case M_KEYR:
  case M_OPTKEYR:
    return 0; /* write-only */
  case M_SR:
    return flash_sr_read();
  case M_CR:
    return m.cr;
  case M_AR:
    return m.ar;
  case M_OBR:
    return m.obr;
  case M_WRPR:
    return m.wrpr;
  case M_RCC_CR:
    return m.rcc_cr;
  case M_RCC_CFGR:
    return rcc_cfgr_read();
  case M_RCC_CIR:
    return m.cir;
  case M_RCC_APB2RSTR:
    return m.apb2rstr;
  case M_RCC_APB1RSTR:
    return m.apb1rstr;
  case M_RCC_AHBENR:
    return m.ahbenr;
  case M_RCC_APB2ENR:
    return m.apb2enr;
  case M_RCC_APB1ENR:
    return m.apb1enr;
  case M_RCC_CSR:
    return m.csr;
  case M_RCC_AHBRSTR:
    return m.ahbrstr;
  case M_RCC_CFGR2:
    return m.cfgr2;
  case M_RCC_CFGR3:
    return m.cfgr3;
  case M_RCC_CR2:
    return m.cr2;
  case M_SYSCFG_CFGR1:
    if (!syscfg_clocked()) {
      if (!peek) {
        violation("SYSCFG_CFGR1 read with the SYSCFG clock off (reads 0)");
      }
      return 0;
    }
    return m.syscfg_cfgr1;
  case M_NVIC_ISER:
  case M_NVIC_ICER:
    return m.nvic_enabled;
  case M_NVIC_ISPR:
  case M_NVIC_ICPR:
    return m.nvic_pending;
  case M_ICSR:
    return (m.systick_pending ? (1u << 26) : 0u) | (m.pendsv_pending ? (1u << 28) : 0u);
  case M_VTOR:
    fatal("read of SCB_VTOR (0xE000ED08): the Cortex-M0 has no VTOR (reserved address)");
  case M_AIRCR:
    return 0xFA050000u;
  default:
    break;
  }
  if (addr >= M_DMA && addr < M_DMA_END) {
    if (!dma_clocked()) {
      if (!peek) {
        violation("DMA read at 0x%08X with its clock off (reads 0)", (unsigned)addr);
      }
      return 0;
    }
    return dma_read(addr);
  }
  if (addr >= M_GPIO && addr < M_GPIO + GPIO_PORTS * 0x400u) {
    uint32_t port = (addr - M_GPIO) / 0x400u;
    if (!gpio_clocked(port)) {
      if (!peek) {
        violation("GPIO%c read with its clock off (reads 0)", (char)('A' + port));
      }
      return 0;
    }
    return gpio_read(port, (addr - M_GPIO) % 0x400u);
  }
  if (addr >= M_IWDG && addr < M_IWDG + 0x14u) {
    return iwdg_read(addr - M_IWDG);
  }
  int ui = usart_index(addr);
  if (ui >= 0) {
    if (!usart_clocked((uint32_t)ui)) {
      if (!peek) {
        violation("%s read with its clock off (reads 0)", usart_name((uint32_t)ui));
      }
      return 0;
    }
    return usart_read((uint32_t)ui, addr - usart_bases[ui], peek);
  }
  fatal("read of unmodelled address 0x%08X", (unsigned)addr);
}

uint32_t reg_model_read32(uint32_t addr) { return model_read(addr, false); }
uint32_t f0_model_peek(uint32_t addr) { return model_read(addr, true); }

uint16_t reg_model_read16(uint32_t addr) {
  if ((addr & 1u) != 0u) {
    fatal("unaligned half-word read at 0x%08X: a HardFault on a Cortex-M0", (unsigned)addr);
  }
  uint32_t word = model_read(addr & ~3u, false);
  return (uint16_t)((addr & 2u) != 0u ? word >> 16 : word);
}

static void trace_write(uint32_t addr, uint32_t v, uint8_t width) {
  model_trace_write((struct model_write){addr, v, {m.cr, 0}, width});
}

void reg_model_write16(uint32_t addr, uint16_t v) {
  trace_write(addr, v, 16);
  tick();
  if (addr < M_ALIAS_SIZE) {
    addr = alias_target(addr);
  }
  if (in_flash(addr)) {
    flash_store16(addr, v);
    return;
  }
  if (in_ob(addr)) {
    option_store16(addr, v);
    return;
  }
  if (in_sram(addr)) {
    if ((addr & 1u) != 0u) {
      fatal("unaligned half-word store at 0x%08X", (unsigned)addr);
    }
    m.sram[addr - M_SRAM] = (uint8_t)v;
    m.sram[addr - M_SRAM + 1u] = (uint8_t)(v >> 8);
    return;
  }
  fatal("half-word store 0x%04X to 0x%08X: only flash, option bytes and SRAM take half-words here", v,
        (unsigned)addr);
}

void reg_model_write32(uint32_t addr, uint32_t v) {
  trace_write(addr, v, 32);
  tick();
  if (addr < M_ALIAS_SIZE) {
    addr = alias_target(addr);
  }
  if ((addr & 3u) != 0u) {
    fatal("unaligned word store at 0x%08X: a HardFault on a Cortex-M0", (unsigned)addr);
  }
  if (in_flash(addr) || in_ob(addr)) {
    if ((m.cr & (CR_PG | CR_OPTPG)) != 0u) {
      /* RM0091 "Main Flash memory programming": data that are not half-word long get a bus error. */
      fatal("word store 0x%08X to 0x%08X while programming: a bus error (HardFault); flash takes half-words",
            (unsigned)v, (unsigned)addr);
    }
    violation("word store to flash at 0x%08X with PG = 0 (ignored)", (unsigned)addr);
    return;
  }
  if (in_sram(addr)) {
    sram_store32(addr, v);
    return;
  }
  if (systick_write(&m.systick, addr, v)) {
    return;
  }
  switch (addr) {
  case M_ACR: {
    if ((v & ACR_LATENCY) > 1u) {
      violation("FLASH_ACR: LATENCY %u is reserved (000 or 001 only)", (unsigned)(v & ACR_LATENCY));
    }
    m.acr = (v & (ACR_LATENCY | ACR_PRFTBE)) | ((v & ACR_PRFTBE) != 0u ? ACR_PRFTBS : 0u);
    rcc_check("a FLASH_ACR write");
    return;
  }
  case M_KEYR:
    flash_keyr_write(v);
    return;
  case M_OPTKEYR:
    flash_optkeyr_write(v);
    return;
  case M_SR:
    if ((v & ~SR_W1C) != 0u) {
      violation("FLASH_SR write 0x%08X sets bits that are not write-1-to-clear", (unsigned)v);
    }
    m.sr &= ~(v & SR_W1C);
    return;
  case M_CR:
    flash_cr_write(v);
    return;
  case M_AR:
    if (m.op.kind != OP_NONE) {
      violation("FLASH_AR written while BSY is set (ignored: \"write access ... blocked when BSY\")");
      return;
    }
    m.ar = v;
    m.ar_since_per = (m.cr & CR_PER) != 0u;
    return;
  case M_OBR:
  case M_WRPR:
    violation("FLASH_OBR/WRPR are read-only (they show the option bytes loaded)");
    return;
  case M_RCC_CR:
    rcc_cr_write(v);
    return;
  case M_RCC_CFGR:
    rcc_cfgr_write(v);
    return;
  case M_RCC_CIR:
    m.cir = v;
    return;
  case M_RCC_APB2RSTR:
    rstr_write(&m.apb2rstr, v, 2);
    return;
  case M_RCC_APB1RSTR:
    rstr_write(&m.apb1rstr, v, 1);
    return;
  case M_RCC_AHBRSTR:
    rstr_write(&m.ahbrstr, v, 0);
    return;
  case M_RCC_AHBENR:
    m.ahbenr = v;
    return;
  case M_RCC_APB2ENR:
    m.apb2enr = v;
    return;
  case M_RCC_APB1ENR:
    m.apb1enr = v;
    return;
  case M_RCC_CSR:
    if ((v & CSR_RMVF) != 0u) {
      m.csr &= ~CSR_FLAGS; /* RMVF clears every reset flag */
    }
    m.csr = (m.csr & CSR_FLAGS) | (v & 1u) | ((v & 1u) != 0u ? 2u : 0u); /* LSION, LSIRDY follows */
    return;
  case M_RCC_CFGR2:
    rcc_cfgr2_write(v);
    return;
  case M_RCC_CFGR3:
    m.cfgr3 = v;
    return;
  case M_RCC_CR2:
    rcc_cr2_write(v);
    return;
  case M_SYSCFG_CFGR1:
    if (!syscfg_clocked()) {
      violation("SYSCFG_CFGR1 write 0x%08X with the SYSCFG clock off (ignored)", (unsigned)v);
      return;
    }
    m.syscfg_cfgr1 = v;
    return;
  case M_NVIC_ISER:
    m.nvic_enabled |= v;
    return;
  case M_NVIC_ICER:
    m.nvic_enabled &= ~v;
    return;
  case M_NVIC_ISPR:
    m.nvic_pending |= v;
    return;
  case M_NVIC_ICPR:
    m.nvic_pending &= ~v;
    return;
  case M_ICSR:
    m.systick_pending = ((v & (1u << 26)) != 0u || m.systick_pending) && (v & (1u << 25)) == 0u;
    m.pendsv_pending = ((v & (1u << 28)) != 0u || m.pendsv_pending) && (v & (1u << 27)) == 0u;
    return;
  case M_VTOR:
    fatal("write of 0x%08X to SCB_VTOR (0xE000ED08): the Cortex-M0 has no VTOR", (unsigned)v);
  case M_AIRCR:
    if ((v >> 16) == 0x05FAu && (v & 4u) != 0u) {
      system_reset(CSR_SFTRSTF, "AIRCR SYSRESETREQ");
    }
    return;
  default:
    break;
  }
  if (addr >= M_DMA && addr < M_DMA_END) {
    if (!dma_clocked()) {
      violation("DMA write at 0x%08X with its clock off (ignored)", (unsigned)addr);
      return;
    }
    dma_write(addr, v);
    return;
  }
  if (addr >= M_GPIO && addr < M_GPIO + GPIO_PORTS * 0x400u) {
    uint32_t port = (addr - M_GPIO) / 0x400u;
    if (!gpio_clocked(port)) {
      violation("GPIO%c write with its clock off (ignored)", (char)('A' + port));
      return;
    }
    gpio_write(port, (addr - M_GPIO) % 0x400u, v);
    return;
  }
  if (addr >= M_IWDG && addr < M_IWDG + 0x14u) {
    iwdg_write(addr - M_IWDG, v);
    return;
  }
  int ui = usart_index(addr);
  if (ui >= 0) {
    if (!usart_clocked((uint32_t)ui)) {
      violation("%s written with its clock off (ignored)", usart_name((uint32_t)ui));
      return;
    }
    usart_write((uint32_t)ui, addr - usart_bases[ui], v);
    return;
  }
  fatal("write of 0x%08X to unmodelled address 0x%08X", (unsigned)v, (unsigned)addr);
}

uint32_t reg_model_ptr_addr(const void *p) {
  const uint8_t *b = (const uint8_t *)p;
  if (b < m.sram || b >= m.sram + M_SRAM_SIZE) {
    fatal("a DMA address outside the modelled SRAM (use f0_model_sram() for DMA buffers)");
  }
  return M_SRAM + (uint32_t)(b - m.sram);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Test controls                                                                                           */

void f0_model_flash_set_busy_polls(uint32_t program, uint32_t erase) {
  m.program_polls = program;
  m.erase_polls = erase;
}
void f0_model_flash_inject_error(uint32_t sr_flags) { f0_model_flash_inject_error_at(0, sr_flags); }
void f0_model_flash_inject_error_at(uint32_t nth, uint32_t sr_flags) {
  m.inject_flags = sr_flags;
  m.inject_countdown = nth;
}
void f0_model_flash_stick_busy(bool stuck) { m.stuck = stuck; }
void f0_model_flash_weak_bits(uint32_t addr, uint16_t mask) {
  m.weak_addr = addr;
  m.weak_mask = mask;
}
void f0_model_set_fsize_kb(uint32_t kb) { m.fsize_kb = kb; }
uint16_t f0_model_flash_half(uint32_t addr) {
  if (!in_flash(addr) || (addr & 1u) != 0u) {
    fatal("f0_model_flash_half(0x%08X) outside flash", (unsigned)addr);
  }
  return flash_load16(addr);
}
uint32_t f0_model_flash_word(uint32_t addr) {
  if (!in_flash(addr) || (addr & 3u) != 0u) {
    fatal("f0_model_flash_word(0x%08X) outside flash", (unsigned)addr);
  }
  return flash_load32(addr);
}
void f0_model_flash_poke16(uint32_t addr, uint16_t v) {
  if (!in_flash(addr) || (addr & 1u) != 0u) {
    fatal("f0_model_flash_poke16(0x%08X) outside flash", (unsigned)addr);
  }
  m.flash[addr - M_FLASH_MEM] = (uint8_t)v;
  m.flash[addr - M_FLASH_MEM + 1u] = (uint8_t)(v >> 8);
}
bool f0_model_flash_locked(void) { return (m.cr & CR_LOCK) != 0u; }
bool f0_model_flash_locked_out(void) { return m.keys.lockout; }

uint16_t f0_model_option_half(uint32_t index) { return index < 8u ? m.ob[index] : 0u; }
void f0_model_option_poke(uint32_t index, uint16_t half) {
  if (index >= 8u) {
    fatal("f0_model_option_poke(%u)", (unsigned)index);
  }
  m.ob[index] = half;
}
void f0_model_options_set(uint8_t rdp, uint8_t user, uint8_t data0, uint8_t data1, uint32_t wrp) {
  const uint8_t bytes[8] = {rdp, user, data0, data1, (uint8_t)wrp, (uint8_t)(wrp >> 8), (uint8_t)(wrp >> 16),
                            (uint8_t)(wrp >> 24)};
  for (uint32_t i = 0; i < 8u; i++) {
    m.ob[i] = (uint16_t)(bytes[i] | ((~bytes[i] & 0xFFu) << 8));
  }
  options_load();
  iwdg_reset(); /* as at the power-on that follows programming: a hardware watchdog now runs */
}

void f0_model_rcc_set_hse(enum f0_hse_source source, uint32_t hz) {
  m.hse_source = source;
  m.hse_hz = hz;
}
void f0_model_rcc_pll_never_locks(bool never) { m.pll_never_locks = never; }
void f0_model_rcc_hsi48_never_ready(bool never) { m.hsi48_never_ready = never; }
void f0_model_rcc_set_reset_flags(uint32_t csr_flags) { m.csr = (m.csr & ~CSR_FLAGS) | (csr_flags & CSR_FLAGS); }

static uint32_t usart_by_base(uint32_t base) {
  for (uint32_t i = 0; i < USARTS; i++) {
    if (usart_bases[i] == base) {
      return i;
    }
  }
  fatal("no USART at 0x%08X", (unsigned)base);
}

void f0_model_uart_set_line(uint32_t base, uint32_t baud, bool even_parity) {
  struct usart_state *u = &m.usart[usart_by_base(base)];
  u->line_baud = baud;
  u->line_even = even_parity;
}

bool f0_model_uart_receive(uint32_t base, uint8_t data, uint32_t flags) {
  return usart_deliver(usart_by_base(base), data, flags);
}

void f0_model_uart_queue(uint32_t base, const uint8_t *bytes, uint32_t n) {
  struct usart_state *u = &m.usart[usart_by_base(base)];
  for (uint32_t i = 0; i < n && u->rxq_len < RX_QUEUE; i++) {
    u->rxq[(u->rxq_head + u->rxq_len) % RX_QUEUE] = bytes[i];
    u->rxq_len++;
  }
}

void f0_model_uart_stream(uint32_t base, const uint8_t *bytes, uint32_t n, uint32_t polls) {
  struct usart_state *u = &m.usart[usart_by_base(base)];
  if (u->stream_len == 0u) {
    u->stream_next_at = m.now + polls;
  }
  u->stream_polls = polls;
  for (uint32_t i = 0; i < n && u->stream_len < RX_QUEUE; i++) {
    u->stream[(u->stream_head + u->stream_len) % RX_QUEUE] = bytes[i];
    u->stream_len++;
  }
}

uint32_t f0_model_uart_stream_left(uint32_t base) { return m.usart[usart_by_base(base)].stream_len; }

uint32_t f0_model_uart_sent(uint32_t base, uint8_t *out, uint32_t max) {
  const struct usart_state *u = &m.usart[usart_by_base(base)];
  uint32_t n = u->tx_len < max ? u->tx_len : max;
  if (out != NULL) {
    memcpy(out, u->tx, n);
  }
  return u->tx_len;
}

uint32_t f0_model_uart_garbled(uint32_t base) { return m.usart[usart_by_base(base)].tx_garbled; }
void f0_model_uart_stick_tx(uint32_t base, bool stuck) { m.usart[usart_by_base(base)].tx_stuck = stuck; }

void f0_model_gpio_drive(uint32_t port, uint32_t pin, int level) {
  if (port >= GPIO_PORTS || pin >= 16u) {
    fatal("f0_model_gpio_drive(%u, %u)", (unsigned)port, (unsigned)pin);
  }
  m.gpio[port].regs.drive[pin] = level;
}

uint8_t *f0_model_sram(uint32_t addr) {
  if (!in_sram(addr)) {
    fatal("f0_model_sram(0x%08X) outside SRAM", (unsigned)addr);
  }
  return &m.sram[addr - M_SRAM];
}
uint32_t f0_model_sram_word(uint32_t addr) {
  if (!in_sram(addr) || (addr & 3u) != 0u) {
    fatal("f0_model_sram_word(0x%08X)", (unsigned)addr);
  }
  return sram_load32(addr);
}
void f0_model_sram_poke(uint32_t addr, uint32_t v) {
  if (!in_sram(addr) || (addr & 3u) != 0u) {
    fatal("f0_model_sram_poke(0x%08X)", (unsigned)addr);
  }
  sram_store32(addr, v);
}

uint32_t f0_model_vector(uint32_t index) {
  if (index >= 48u) {
    fatal("f0_model_vector(%u): the F072 has 48 vectors", (unsigned)index);
  }
  uint32_t addr = alias_target(4u * index);
  return in_sram(addr) ? sram_load32(addr) : flash_load32(addr);
}
uint32_t f0_model_mem_mode(void) { return m.syscfg_cfgr1 & 3u; }

void f0_model_systick_pend(void) { m.systick_pending = true; }
bool f0_model_systick_pending(void) { return m.systick_pending; }
void f0_model_pendsv_pend(void) { m.pendsv_pending = true; }
bool f0_model_pendsv_pending(void) { return m.pendsv_pending; }
uint32_t f0_model_nvic_enabled(void) { return m.nvic_enabled; }
uint32_t f0_model_nvic_pending(void) { return m.nvic_pending; }

void f0_model_set_lsi_hz(uint32_t hz) { m.lsi_hz = hz; }
void f0_model_iwdg_stick_updates(bool stuck) { m.iwdg_stuck_updates = stuck; }
bool f0_model_iwdg_running(void) { return m.iwdg_running; }
uint32_t f0_model_iwdg_prescaler(void) { return m.iwdg_pr; }
uint32_t f0_model_iwdg_reload(void) { return m.iwdg_rlr; }

uint64_t f0_model_now(void) { return m.now; }
const struct f0_model_stats *f0_model_stats(void) { return &m.stats; }
