/*
 * STM32L4 system clock (RM0351 5, 6): HSE or HSI16 -> PLL -> SYSCLK, up to 80 MHz. The reset clock is MSI at
 * 4 MHz (range 6); a failure on the way up falls back to HSI16 (16 MHz), and hal_clock_deinit returns to the
 * reset clock, so the application starts as after a reset.
 *
 * What must precede a faster clock (RM0351 3.3.3, 5.1.8):
 *   - voltage range 1 (PWR_CR1.VOS = 01) above 26 MHz, confirmed by PWR_SR2.VOSF = 0 (range 1 is the reset
 *     value; the driver checks it anyway);
 *   - the flash wait states for the new HCLK, read back, written BEFORE the switch (range 1: one wait state
 *     per 16 MHz, 4 at 80 MHz; range 2: 6/12/18/26 MHz steps). Going down, they are lowered after the switch.
 * PLL limits (RCC_PLLCFGR): VCO input 4..16 MHz (PLLM 1..8), VCO 64..344 MHz (PLLN 8..86), PLLR 2/4/6/8,
 * PLLCLK <= 80 MHz. APB1 and APB2 may run at 80 MHz, so both prescalers stay /1.
 */
#include "stm32l4_regs.h"
#include "tsboot_hal.h"

#define MHZ 1000000u
#define CLOCK_SYSCLK_MAX (80u * MHZ)
#define CLOCK_RANGE2_MAX (26u * MHZ)
#define CLOCK_RANGE1_HZ_PER_WAIT_STATE (16u * MHZ)
#define CLOCK_VCO_IN_MIN (4u * MHZ)
#define CLOCK_VCO_IN_MAX (16u * MHZ)
#define CLOCK_VCO_MIN (64u * MHZ)
#define CLOCK_VCO_MAX (344u * MHZ)

/* Bounded waits, one poll per cycle of the clock running at that moment: HSE start-up 100 ms (ST's
 * HSE_STARTUP_TIMEOUT), HSI16/MSI/PLL ready and each switch 2 ms, VOSF 1 ms (ST's HAL allows 50 us). */
#define CLOCK_HSE_MS 100u
#define CLOCK_READY_MS 2u
#define CLOCK_VOSF_MS 1u

static uint32_t s_sysclk = MSI_RESET_HZ;
static uint32_t s_hclk = MSI_RESET_HZ;
static uint32_t s_pclk1 = MSI_RESET_HZ;
static uint32_t s_pclk2 = MSI_RESET_HZ;
static bool s_pwr_saved = false; /* PWR state found by hal_clock_init, restored by hal_clock_deinit */
static uint32_t s_pwr_vos = PWR_CR1_VOS_RANGE1;
static bool s_pwr_clock_was_on = false;

uint32_t hal_clock_hclk_hz(void) { return s_hclk; }

struct pll_config {
  uint32_t m, n, r;
};

static uint32_t clock_polls_ms(uint32_t ms) { return ms * (s_hclk / 1000u); }

static bool clock_wait(uint32_t addr, uint32_t mask, uint32_t value, uint32_t polls) {
  for (uint32_t i = 0; i < polls; i++) {
    if ((REG_READ32(addr) & mask) == value) {
      return true;
    }
  }
  return false;
}

static uint32_t clock_sws(void) { return (REG_READ32(RCC_CFGR) & RCC_CFGR_SWS_Msk) >> RCC_CFGR_SWS_Pos; }

/* M, N, R for src_hz -> sysclk_hz: the highest VCO input (smallest M) first, then the smallest R. */
static bool clock_pll_compute(uint32_t src_hz, uint32_t sysclk_hz, struct pll_config *pll) {
  if (src_hz == 0u || sysclk_hz == 0u || sysclk_hz > CLOCK_SYSCLK_MAX) {
    return false;
  }
  for (uint32_t m = 1u; m <= 8u; m++) {
    uint32_t in = src_hz / m;
    if (src_hz % m != 0u || in < CLOCK_VCO_IN_MIN || in > CLOCK_VCO_IN_MAX) {
      continue;
    }
    for (uint32_t r = 2u; r <= 8u; r += 2u) {
      uint32_t vco = sysclk_hz * r;
      uint32_t n = vco / in;
      if (vco < CLOCK_VCO_MIN || vco > CLOCK_VCO_MAX || vco % in != 0u || n < 8u || n > 86u) {
        continue;
      }
      pll->m = m;
      pll->n = n;
      pll->r = r;
      return true;
    }
  }
  return false;
}

/* Wait states for HCLK in the voltage range now set (RM0351 table "Number of wait states according to CPU
 * clock (HCLK) frequency"). */
static uint32_t clock_latency_for(uint32_t hclk) {
  bool range1 = (REG_READ32(RCC_APB1ENR1) & RCC_APB1ENR1_PWREN) == 0u ||
                (REG_READ32(PWR_CR1) & PWR_CR1_VOS_Msk) == PWR_CR1_VOS_RANGE1;
  if (range1) {
    return (hclk - 1u) / CLOCK_RANGE1_HZ_PER_WAIT_STATE;
  }
  return hclk <= 6u * MHZ ? 0u : (hclk <= 12u * MHZ ? 1u : (hclk <= 18u * MHZ ? 2u : 3u));
}

static void clock_set_latency(uint32_t latency) {
  uint32_t acr = REG_READ32(FLASH_ACR);
  if ((acr & FLASH_ACR_LATENCY_Msk) != latency << FLASH_ACR_LATENCY_Pos) {
    REG_WRITE32(FLASH_ACR, (acr & ~FLASH_ACR_LATENCY_Msk) | (latency << FLASH_ACR_LATENCY_Pos));
  }
}

static void clock_record(uint32_t hz) {
  s_sysclk = hz;
  s_hclk = hz;
  s_pclk1 = hz;
  s_pclk2 = hz;
}

/* PLL, HSE and CSS off (and HSEBYP clear) once SYSCLK runs from `keep`; HSI16 off too unless kept. */
static void clock_stop_others(bool keep_hsi) {
  uint32_t off = RCC_CR_PLLON | RCC_CR_HSEON | RCC_CR_CSSON | (keep_hsi ? 0u : RCC_CR_HSION);
  uint32_t cr = REG_READ32(RCC_CR);
  if ((cr & off) != 0u) {
    REG_WRITE32(RCC_CR, cr & ~off);
    (void)clock_wait(RCC_CR, RCC_CR_PLLRDY, 0u, clock_polls_ms(CLOCK_READY_MS));
  }
  if ((REG_READ32(RCC_CR) & RCC_CR_HSEBYP) != 0u) {
    REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) & ~RCC_CR_HSEBYP); /* writable now that HSEON is 0 */
  }
  REG_WRITE32(RCC_PLLCFGR, RCC_PLLCFGR_RESET); /* writable now that the PLL is off */
}

/* SYSCLK to the reset clock, MSI 4 MHz: switch first, then the other clocks off, then the reset values of
 * CFGR and PLLCFGR, then (clock down) the wait states. False if MSI is not ready or the switch is not
 * confirmed: then nothing else is touched. */
static bool clock_to_msi(void) {
  if (clock_sws() != RCC_CFGR_SW_MSI) {
    REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) | RCC_CR_MSION);
    if (!clock_wait(RCC_CR, RCC_CR_MSIRDY, RCC_CR_MSIRDY, clock_polls_ms(CLOCK_READY_MS))) {
      return false;
    }
    REG_WRITE32(RCC_CFGR, (REG_READ32(RCC_CFGR) & ~RCC_CFGR_SW_Msk) | RCC_CFGR_SW_MSI);
    if (!clock_wait(RCC_CFGR, RCC_CFGR_SWS_Msk, RCC_CFGR_SW_MSI << RCC_CFGR_SWS_Pos,
                    clock_polls_ms(CLOCK_READY_MS))) {
      return false;
    }
  }
  clock_record(MSI_RESET_HZ);
  clock_stop_others(false);
  REG_WRITE32(RCC_CFGR, 0u); /* SW = MSI, AHB/APB /1, MCO off: the reset value */
  clock_set_latency(0u);     /* 4 MHz: no wait state in either range */
  return true;
}

/* The fallback: SYSCLK = HSI16. Returns the SYSCLK reached (MSI's 4 MHz when HSI16 does not start). */
static uint32_t clock_to_hsi16(void) {
  REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) | RCC_CR_HSION);
  if (!clock_wait(RCC_CR, RCC_CR_HSIRDY, RCC_CR_HSIRDY, clock_polls_ms(CLOCK_READY_MS))) {
    return clock_to_msi() ? MSI_RESET_HZ : s_sysclk;
  }
  uint32_t latency = clock_latency_for(HSI16_HZ);
  bool going_up = HSI16_HZ > s_hclk;
  if (going_up) {
    clock_set_latency(latency); /* before the switch */
  }
  uint32_t cfgr = REG_READ32(RCC_CFGR) & ~(RCC_CFGR_SW_Msk | RCC_CFGR_HPRE_Msk | RCC_CFGR_PPRE1_Msk |
                                           RCC_CFGR_PPRE2_Msk);
  REG_WRITE32(RCC_CFGR, cfgr | RCC_CFGR_SW_HSI16);
  if (!clock_wait(RCC_CFGR, RCC_CFGR_SWS_Msk, RCC_CFGR_SW_HSI16 << RCC_CFGR_SWS_Pos,
                  clock_polls_ms(CLOCK_READY_MS))) {
    return clock_to_msi() ? MSI_RESET_HZ : s_sysclk;
  }
  clock_record(HSI16_HZ);
  clock_stop_others(true);
  clock_set_latency(latency); /* after the switch when the clock came down */
  return HSI16_HZ;
}

static void clock_restore_pwr(void) {
  if (!s_pwr_saved) {
    return;
  }
  /* Range 2 only at 26 MHz or less; clock_to_msi has brought SYSCLK to 4 MHz with no wait state. */
  uint32_t cr1 = REG_READ32(PWR_CR1);
  if ((cr1 & PWR_CR1_VOS_Msk) != s_pwr_vos) {
    REG_WRITE32(PWR_CR1, (cr1 & ~PWR_CR1_VOS_Msk) | s_pwr_vos);
  }
  if (!s_pwr_clock_was_on) {
    REG_WRITE32(RCC_APB1ENR1, REG_READ32(RCC_APB1ENR1) & ~RCC_APB1ENR1_PWREN);
  }
  s_pwr_saved = false;
}

/* The PWR clock on (remembering how it was) and voltage range 1, confirmed by VOSF = 0. */
static bool clock_range1(void) {
  uint32_t enr = REG_READ32(RCC_APB1ENR1);
  s_pwr_clock_was_on = (enr & RCC_APB1ENR1_PWREN) != 0u;
  if (!s_pwr_clock_was_on) {
    REG_WRITE32(RCC_APB1ENR1, enr | RCC_APB1ENR1_PWREN);
    (void)REG_READ32(RCC_APB1ENR1); /* let the clock enable land before the first PWR access */
  }
  uint32_t cr1 = REG_READ32(PWR_CR1);
  s_pwr_vos = cr1 & PWR_CR1_VOS_Msk;
  s_pwr_saved = true;
  if (s_pwr_vos != PWR_CR1_VOS_RANGE1) {
    REG_WRITE32(PWR_CR1, (cr1 & ~PWR_CR1_VOS_Msk) | PWR_CR1_VOS_RANGE1);
  }
  return clock_wait(PWR_SR2, PWR_SR2_VOSF, 0u, clock_polls_ms(CLOCK_VOSF_MS));
}

uint32_t hal_clock_init(uint32_t hse_hz, uint32_t sysclk_hz) {
  bool bypass = (hse_hz & HAL_CLOCK_HSE_BYPASS) != 0u;
  uint32_t hse = hse_hz & ~HAL_CLOCK_HSE_BYPASS;
  struct pll_config pll;

  /* A known starting point, whatever ran before: the reset clock, PWR as found before any earlier init. */
  if (!clock_to_msi()) {
    return s_sysclk;
  }
  clock_restore_pwr();
  if (hse == 0u && sysclk_hz == MSI_RESET_HZ) {
    return MSI_RESET_HZ;
  }
  if (hse == 0u && sysclk_hz == HSI16_HZ) {
    return clock_to_hsi16();
  }
  if (!clock_pll_compute(hse != 0u ? hse : HSI16_HZ, sysclk_hz, &pll)) {
    return clock_to_hsi16();
  }

  if (hse != 0u) {
    REG_WRITE32(RCC_CR, (REG_READ32(RCC_CR) & ~RCC_CR_HSEBYP) | (bypass ? RCC_CR_HSEBYP : 0u)); /* HSEON = 0 */
    REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) | RCC_CR_HSEON);
    if (!clock_wait(RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY, clock_polls_ms(CLOCK_HSE_MS))) {
      return clock_to_hsi16();
    }
  } else {
    REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) | RCC_CR_HSION);
    if (!clock_wait(RCC_CR, RCC_CR_HSIRDY, RCC_CR_HSIRDY, clock_polls_ms(CLOCK_READY_MS))) {
      return clock_to_hsi16();
    }
  }

  if (sysclk_hz > CLOCK_RANGE2_MAX && !clock_range1()) {
    return clock_to_hsi16();
  }

  uint32_t pllcfgr = (hse != 0u ? RCC_PLLCFGR_PLLSRC_HSE : RCC_PLLCFGR_PLLSRC_HSI16) << RCC_PLLCFGR_PLLSRC_Pos;
  pllcfgr |= ((pll.m - 1u) << RCC_PLLCFGR_PLLM_Pos) | (pll.n << RCC_PLLCFGR_PLLN_Pos);
  pllcfgr |= RCC_PLLCFGR_PLLREN | (((pll.r / 2u) - 1u) << RCC_PLLCFGR_PLLR_Pos); /* P and Q outputs stay off */
  REG_WRITE32(RCC_PLLCFGR, pllcfgr);

  /* Wait states BEFORE the clock goes up, read back to check they took (RM0351 3.3.3). */
  uint32_t latency = clock_latency_for(sysclk_hz);
  clock_set_latency(latency);
  if ((REG_READ32(FLASH_ACR) & FLASH_ACR_LATENCY_Msk) != latency << FLASH_ACR_LATENCY_Pos) {
    return clock_to_hsi16();
  }

  REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) | RCC_CR_PLLON);
  if (!clock_wait(RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY, clock_polls_ms(CLOCK_READY_MS))) {
    return clock_to_hsi16();
  }
  REG_WRITE32(RCC_CFGR, (REG_READ32(RCC_CFGR) & ~RCC_CFGR_SW_Msk) | RCC_CFGR_SW_PLL);
  if (!clock_wait(RCC_CFGR, RCC_CFGR_SWS_Msk, RCC_CFGR_SW_PLL << RCC_CFGR_SWS_Pos, clock_polls_ms(CLOCK_READY_MS))) {
    return clock_to_hsi16();
  }
  clock_record(sysclk_hz);
  return sysclk_hz;
}

/* Restores: SYSCLK = MSI 4 MHz; PLL, HSE, HSI16 and CSS off, HSEBYP clear; RCC_CFGR = 0 and RCC_PLLCFGR =
 * 0x00001000 (reset values); FLASH_ACR LATENCY = 0 (the caches as they are: on, as after reset); PWR VOS and
 * the PWR clock as hal_clock_init found them. Peripheral clocks are left to their drivers. */
void hal_clock_deinit(void) {
  if (clock_to_msi()) {
    clock_restore_pwr();
  }
}

/* The kernel clock of a U(S)ART, as RCC_CCIPR selects it (PCLK after reset). */
uint32_t hal_clock_pclk_hz(uint32_t usart_base) {
  uint32_t pos;
  bool apb2 = false;
  switch (usart_base) {
  case USART1_BASE:
    pos = RCC_CCIPR_USART1SEL_Pos;
    apb2 = true;
    break;
  case USART2_BASE:
    pos = RCC_CCIPR_USART2SEL_Pos;
    break;
  case USART3_BASE:
    pos = RCC_CCIPR_USART3SEL_Pos;
    break;
  case UART4_BASE:
    pos = RCC_CCIPR_UART4SEL_Pos;
    break;
  case UART5_BASE:
    pos = RCC_CCIPR_UART5SEL_Pos;
    break;
  default:
    return 0u;
  }
  switch ((REG_READ32(RCC_CCIPR) >> pos) & 0x3u) {
  case RCC_CCIPR_SEL_SYSCLK:
    return s_sysclk;
  case RCC_CCIPR_SEL_HSI16:
    return HSI16_HZ;
  case RCC_CCIPR_SEL_LSE:
    return LSE_HZ;
  default:
    return apb2 ? s_pclk2 : s_pclk1;
  }
}

#ifdef TSBOOT_REG_MODEL
void stm32l4_clock_model_boot(void) {
  clock_record(MSI_RESET_HZ);
  s_pwr_saved = false;
  s_pwr_vos = PWR_CR1_VOS_RANGE1;
  s_pwr_clock_was_on = false;
}
#endif
