/*
 * STM32F0 system clock (RM0091 "Reset and clock control"): HSI 8 MHz at reset; HSE (crystal or bypass) or
 * HSI/2 -> PLL -> SYSCLK; or the HSI48 directly (STM32F0_CLOCK_HSI48). The one thing that must precede a
 * faster clock is the flash wait state (FLASH_ACR LATENCY), set before the switch and lowered only after the
 * clock has come down. Any failure falls back to HSI 8 MHz.
 *
 * Limits (DS9826 "General operating conditions", "PLL characteristics", "HSE"): SYSCLK, HCLK and PCLK up to
 * 48 MHz (so both prescalers stay /1); PLL input 1-24 MHz, PLL output 16-48 MHz, PLLMUL x2..x16,
 * PREDIV /1../16; HSE 4-32 MHz crystal or an external clock up to 32 MHz; one flash wait state above 24 MHz
 * (RM0091 "Flash access control register (FLASH_ACR)").
 */
#include "stm32f0_regs.h"
#include "tsboot_hal.h"

#define MHZ 1000000u
#define CLOCK_SYSCLK_MAX (48u * MHZ)
#define CLOCK_PLL_IN_MIN (1u * MHZ)
#define CLOCK_PLL_IN_MAX (24u * MHZ)
#define CLOCK_PLL_OUT_MIN (16u * MHZ)
#define CLOCK_HSE_MAX (32u * MHZ)
#define CLOCK_ZERO_WAIT_MAX (24u * MHZ)

/* Bounded waits while running from HSI (8 MHz), one poll per cycle at most: HSE start-up 100 ms (ST's
 * HSE_STARTUP_TIMEOUT; a crystal needs a few ms), PLL lock, HSI48 start-up and clock switches 2 ms each (all
 * well under 1 ms on silicon). */
#define CLOCK_HSE_POLLS (100u * (RCC_HSI_HZ / 1000u))
#define CLOCK_READY_POLLS (2u * (RCC_HSI_HZ / 1000u))

static uint32_t s_sysclk = RCC_HSI_HZ;
static uint32_t s_hclk = RCC_HSI_HZ;
static uint32_t s_pclk = RCC_HSI_HZ;

uint32_t hal_clock_hclk_hz(void) { return s_hclk; }

/* The kernel clock of a USART: USART1 and USART2 choose it in RCC_CFGR3 (PCLK at reset); USART3 and USART4
 * always run from PCLK on the F07x. */
uint32_t hal_clock_pclk_hz(uint32_t usart_base) {
  uint32_t sw = RCC_CFGR3_USARTSW_PCLK;
  if (usart_base == USART1_BASE) {
    sw = (REG_READ32(RCC_CFGR3) >> RCC_CFGR3_USART1SW_Pos) & 0x3u;
  } else if (usart_base == USART2_BASE) {
    sw = (REG_READ32(RCC_CFGR3) >> RCC_CFGR3_USART2SW_Pos) & 0x3u;
  }
  switch (sw) {
  case RCC_CFGR3_USARTSW_SYSCLK:
    return s_sysclk;
  case RCC_CFGR3_USARTSW_LSE:
    return RCC_LSE_HZ;
  case RCC_CFGR3_USARTSW_HSI:
    return RCC_HSI_HZ;
  default:
    return s_pclk;
  }
}

struct pll_config {
  uint32_t src, prediv, mul;
};

static bool clock_wait(uint32_t addr, uint32_t mask, uint32_t value, uint32_t polls) {
  for (uint32_t i = 0; i < polls; i++) {
    if ((REG_READ32(addr) & mask) == value) {
      return true;
    }
  }
  return false;
}

/* PLLSRC, PREDIV and PLLMUL for sysclk_hz from the HSE (hse_hz) or from HSI/2 (hse_hz = 0), exactly, within the
 * limits above; the smallest PREDIV wins (the highest PLL input). */
static bool clock_pll_compute(uint32_t hse_hz, uint32_t sysclk_hz, struct pll_config *pll) {
  if (sysclk_hz < CLOCK_PLL_OUT_MIN || sysclk_hz > CLOCK_SYSCLK_MAX) {
    return false;
  }
  uint32_t src_hz = hse_hz != 0u ? hse_hz : RCC_HSI_HZ / 2u;
  uint32_t max_prediv = hse_hz != 0u ? 16u : 1u; /* HSI/2 skips PREDIV */
  for (uint32_t prediv = 1u; prediv <= max_prediv; prediv++) {
    uint32_t in_hz = src_hz / prediv;
    if (src_hz % prediv != 0u || in_hz < CLOCK_PLL_IN_MIN || in_hz > CLOCK_PLL_IN_MAX || sysclk_hz % in_hz != 0u) {
      continue;
    }
    uint32_t mul = sysclk_hz / in_hz;
    if (mul >= 2u && mul <= 16u) {
      pll->src = hse_hz != 0u ? RCC_CFGR_PLLSRC_HSE_PREDIV : RCC_CFGR_PLLSRC_HSI_DIV2;
      pll->prediv = prediv;
      pll->mul = mul;
      return true;
    }
  }
  return false;
}

/* Flash wait states for a SYSCLK about to be reached; RM0091 asks to read LATENCY back before switching. */
static bool clock_set_latency(uint32_t sysclk_hz) {
  uint32_t latency = sysclk_hz > CLOCK_ZERO_WAIT_MAX ? 1u : 0u;
  REG_WRITE32(FLASH_ACR, FLASH_ACR_PRFTBE | (latency << FLASH_ACR_LATENCY_Pos));
  return (REG_READ32(FLASH_ACR) & FLASH_ACR_LATENCY_Msk) == (latency << FLASH_ACR_LATENCY_Pos);
}

static bool clock_switch(uint32_t sw) {
  REG_WRITE32(RCC_CFGR, (REG_READ32(RCC_CFGR) & ~RCC_CFGR_SW_Msk) | (sw << RCC_CFGR_SW_Pos));
  return clock_wait(RCC_CFGR, RCC_CFGR_SWS_Msk, sw << RCC_CFGR_SWS_Pos, CLOCK_READY_POLLS);
}

/* Back to the reset clock tree: HSI selected first, then PLL, HSE and HSI48 off, PLL settings and prescalers
 * at their reset values, and only then the flash wait state lowered (a slower clock with too many wait
 * states is safe; the reverse is not). */
static uint32_t clock_to_hsi(void) {
  if ((REG_READ32(RCC_CFGR) & RCC_CFGR_SWS_Msk) != (RCC_CFGR_SW_HSI << RCC_CFGR_SWS_Pos)) {
    REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) | RCC_CR_HSION);
    (void)clock_wait(RCC_CR, RCC_CR_HSIRDY, RCC_CR_HSIRDY, CLOCK_READY_POLLS);
    (void)clock_switch(RCC_CFGR_SW_HSI);
  }
  uint32_t cr = REG_READ32(RCC_CR);
  if ((cr & (RCC_CR_PLLON | RCC_CR_HSEON | RCC_CR_CSSON)) != 0u) {
    REG_WRITE32(RCC_CR, cr & ~(RCC_CR_PLLON | RCC_CR_HSEON | RCC_CR_CSSON));
    (void)clock_wait(RCC_CR, RCC_CR_PLLRDY, 0u, CLOCK_READY_POLLS);
  }
  if ((REG_READ32(RCC_CR) & RCC_CR_HSEBYP) != 0u) {
    REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) & ~RCC_CR_HSEBYP); /* writable now that HSEON is 0 */
  }
  uint32_t cr2 = REG_READ32(RCC_CR2);
  if ((cr2 & RCC_CR2_HSI48ON) != 0u) {
    REG_WRITE32(RCC_CR2, cr2 & ~RCC_CR2_HSI48ON);
  }
  REG_WRITE32(RCC_CFGR, 0u);  /* SW = HSI, PLL x2 from HSI/2, AHB/APB /1, MCO off: the reset value */
  REG_WRITE32(RCC_CFGR2, 0u); /* PREDIV /1 (after CFGR: CFGR's bit 17 is PREDIV[0]) */
  REG_WRITE32(FLASH_ACR, FLASH_ACR_PRFTBE); /* reset value: no wait state, prefetch on */
  s_sysclk = RCC_HSI_HZ;
  s_hclk = RCC_HSI_HZ;
  s_pclk = RCC_HSI_HZ;
  return RCC_HSI_HZ;
}

static uint32_t clock_reached(uint32_t hz) {
  s_sysclk = hz;
  s_hclk = hz;
  s_pclk = hz;
  return hz;
}

static uint32_t clock_from_hsi48(uint32_t sysclk_hz) {
  if (sysclk_hz != RCC_HSI48_HZ) {
    return clock_to_hsi();
  }
  REG_WRITE32(RCC_CR2, REG_READ32(RCC_CR2) | RCC_CR2_HSI48ON);
  if (!clock_wait(RCC_CR2, RCC_CR2_HSI48RDY, RCC_CR2_HSI48RDY, CLOCK_READY_POLLS) || !clock_set_latency(sysclk_hz) ||
      !clock_switch(RCC_CFGR_SW_HSI48)) {
    return clock_to_hsi();
  }
  return clock_reached(sysclk_hz);
}

uint32_t hal_clock_init(uint32_t hse_hz, uint32_t sysclk_hz) {
  bool bypass = (hse_hz & HAL_CLOCK_HSE_BYPASS) != 0u;
  uint32_t hse = hse_hz & ~(HAL_CLOCK_HSE_BYPASS | STM32F0_CLOCK_HSI48);

  /* A known starting point whatever ran before. */
  (void)clock_to_hsi();
  if ((hse_hz & STM32F0_CLOCK_HSI48) != 0u) {
    return hse == 0u ? clock_from_hsi48(sysclk_hz) : RCC_HSI_HZ;
  }
  if (hse == 0u && sysclk_hz == RCC_HSI_HZ) {
    return RCC_HSI_HZ;
  }
  struct pll_config pll = {0u, 1u, 2u};
  bool direct = hse != 0u && sysclk_hz == hse;
  if (hse > CLOCK_HSE_MAX || (!direct && !clock_pll_compute(hse, sysclk_hz, &pll))) {
    return RCC_HSI_HZ;
  }

  if (hse != 0u) {
    /* HSEBYP is written only while HSEON = 0: first the bypass, then the oscillator. */
    REG_WRITE32(RCC_CR, (REG_READ32(RCC_CR) & ~RCC_CR_HSEBYP) | (bypass ? RCC_CR_HSEBYP : 0u));
    REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) | RCC_CR_HSEON);
    if (!clock_wait(RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY, CLOCK_HSE_POLLS)) {
      return clock_to_hsi();
    }
  }
  if (direct) {
    return clock_set_latency(sysclk_hz) && clock_switch(RCC_CFGR_SW_HSE) ? clock_reached(sysclk_hz) : clock_to_hsi();
  }

  /* PLL settings while the PLL is off. CFGR keeps its bit 17 (PLLXTPRE, which is PREDIV[0]) as it is, and
   * PREDIV is written after it in CFGR2. */
  uint32_t cfgr = REG_READ32(RCC_CFGR) & ~(RCC_CFGR_PLLSRC_Msk | RCC_CFGR_PLLMUL_Msk | RCC_CFGR_HPRE_Msk | RCC_CFGR_PPRE_Msk);
  REG_WRITE32(RCC_CFGR, cfgr | (pll.src << RCC_CFGR_PLLSRC_Pos) | ((pll.mul - 2u) << RCC_CFGR_PLLMUL_Pos));
  REG_WRITE32(RCC_CFGR2, pll.prediv - 1u);

  if (!clock_set_latency(sysclk_hz)) {
    return clock_to_hsi();
  }
  REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) | RCC_CR_PLLON);
  if (!clock_wait(RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY, CLOCK_READY_POLLS) || !clock_switch(RCC_CFGR_SW_PLL)) {
    return clock_to_hsi();
  }
  return clock_reached(sysclk_hz);
}

/* Restores: SYSCLK = HSI 8 MHz; PLL, HSE, CSS and HSI48 off, HSEBYP clear; RCC_CFGR = RCC_CFGR2 = 0 (reset
 * values); FLASH_ACR = PRFTBE (its reset value). Peripheral clocks are left to their drivers' deinit. */
void hal_clock_deinit(void) { (void)clock_to_hsi(); }
