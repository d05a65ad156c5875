/*
 * STM32F4 system clock (RM0090 6/7): HSE or HSI -> PLL -> SYSCLK, with flash wait states set before the
 * clock goes up and lowered only after it has come down. Any failure falls back to HSI 16 MHz.
 *
 * Limits used for every F4 part tsboot targets (the strictest of F401/F405/F407/F411):
 *   PLL input 1 or 2 MHz, VCO 192-432 MHz (F401 needs >= 192), N 50-432, P 2/4/6/8, SYSCLK <= 180 MHz;
 *   APB1 <= 42 MHz, APB2 <= 84 MHz, except on the F411 (by DEV_ID): 50 and 100 MHz (RM0383 6.2), which gives
 *   its USART2 a 50 MHz clock at 100 MHz SYSCLK, where 2 Mbaud is exact (boards/uart-rates.ts computes the same);
 *   one flash wait state per 30 MHz of HCLK at 2.7-3.6 V (RM0090 table 10; F411's table is less strict).
 */
#include "stm32f4_internal.h"
#include "stm32f4_regs.h"
#include "tsboot_hal.h"

#define MHZ 1000000u
#define CLOCK_SYSCLK_MAX (180u * MHZ)
#define CLOCK_VCO_MIN (192u * MHZ)
#define CLOCK_VCO_MAX (432u * MHZ)
#define CLOCK_APB1_MAX (42u * MHZ)
#define CLOCK_APB2_MAX (84u * MHZ)
#define CLOCK_F411_APB1_MAX (50u * MHZ)
#define CLOCK_F411_APB2_MAX (100u * MHZ)
#define DEV_ID_F411 0x431u
#define CLOCK_HZ_PER_WAIT_STATE (30u * MHZ)
#define CLOCK_VOS_SCALE2_MAX (84u * MHZ)       /* scale 2 limit of the two-bit parts (F401/F411) */
#define CLOCK_VOS_F405_SCALE2_MAX (144u * MHZ) /* F405/407: scale 2 limit */

/* Bounded waits while running from HSI (16 MHz), one poll per cycle at most: HSE start-up 100 ms (ST's
 * HSE_STARTUP_TIMEOUT; the crystal needs about 2 ms), PLL lock and clock switches 2 ms (lock is < 0.3 ms). */
#define CLOCK_HSE_POLLS (100u * (CLOCK_HSI_HZ / 1000u))
#define CLOCK_PLL_POLLS (2u * (CLOCK_HSI_HZ / 1000u))
#define CLOCK_SWITCH_POLLS (2u * (CLOCK_HSI_HZ / 1000u))

/* The clocks in force (one structure: one address to load). */
static struct {
  uint32_t hclk, pclk1, pclk2;
} s_clock = {CLOCK_HSI_HZ, CLOCK_HSI_HZ, CLOCK_HSI_HZ};
/* The PWR state hal_clock_init found, restored by hal_clock_deinit, in one word (0: nothing saved):
 * PWR_SAVED, the VOS bits as they were (PWR_CR's own positions) and the PWREN bit as it was (RCC_APB1ENR's). */
static uint32_t s_pwr;
#define PWR_SAVED BIT(31)
_Static_assert((PWR_SAVED & (PWR_CR_VOS_Msk | RCC_APB1ENR_PWREN)) == 0u && (PWR_CR_VOS_Msk & RCC_APB1ENR_PWREN) == 0u,
               "the saved PWR fields overlap");

uint32_t hal_clock_hclk_hz(void) { return s_clock.hclk; }
/* USART1 and USART6 are on APB2, the others on APB1 (RM0090 2.3, memory map). */
uint32_t hal_clock_pclk_hz(uint32_t usart_base) {
  return usart_base == USART1_BASE || usart_base == USART6_BASE ? s_clock.pclk2 : s_clock.pclk1;
}

/* The part's DEV_ID. Board builds pass the one of the board's part (-DTSBOOT_DEV_ID, from boards/parts/, the
 * value its DBGMCU_IDCODE reads), so that what follows from it folds away at build time, as boards/uart-rates.ts
 * assumes the part's APB limits; without it (the register-model builds) the driver reads DBGMCU_IDCODE. */
#ifdef TSBOOT_DEV_ID
static uint32_t clock_dev_id(void) { return TSBOOT_DEV_ID; }
#else
static uint32_t clock_dev_id(void) { return REG_READ32(DBGMCU_IDCODE) & DBGMCU_IDCODE_DEV_ID_Msk; }
#endif

/* The VOS field of the part `dev_id`: the whole two-bit field on F401/F411/F42x and the other parts that have
 * one; bit 14 alone on F405/407, which is also what an unreadable DEV_ID (0, as under QEMU) gets. A switch
 * rather than a table, so that the board's constant DEV_ID folds it away. */
static uint32_t clock_vos_mask(uint32_t dev_id) {
  switch (dev_id) {
  case 0x419u: /* F42x/43x */
  case 0x421u: /* F446 */
  case 0x423u: /* F401xB/C */
  case 0x431u: /* F411 */
  case 0x433u: /* F401xD/E */
  case 0x434u: /* F469/479 */
  case 0x441u: /* F412 */
  case 0x458u: /* F410 */
  case 0x463u: /* F413/423 */
    return PWR_CR_VOS_Msk;
  default:
    return PWR_CR_VOS;
  }
}

/* The VOS value sysclk_hz needs, in the field `mask`. Two-bit parts: scale 1 (11) above 84 MHz, else scale 2
 * (10), which covers 84 MHz on every part (scale 3 only saves power). F405/407: scale 1 (bit 14 set) above
 * 144 MHz, else whatever is there (the reset value is scale 1 already). */
static uint32_t clock_vos_for(uint32_t sysclk_hz, uint32_t mask, uint32_t current) {
  if (mask == PWR_CR_VOS_Msk) {
    return sysclk_hz > CLOCK_VOS_SCALE2_MAX ? PWR_CR_VOS_SCALE1 : PWR_CR_VOS_SCALE2;
  }
  return sysclk_hz > CLOCK_VOS_F405_SCALE2_MAX ? PWR_CR_VOS : current;
}

struct pll_config {
  uint32_t m, n, p, q;
};

/* M, N, P, Q for src_hz -> sysclk_hz, or false when the limits above cannot be met exactly. */
static bool clock_pll_compute(uint32_t src_hz, uint32_t sysclk_hz, struct pll_config *pll) {
  /* 2 MHz at the PLL input limits jitter (RM0090 6.3.2); 1 MHz when the source is an odd number of MHz. */
  uint32_t in_hz = (src_hz % (2u * MHZ) == 0u) ? 2u * MHZ : MHZ;
  if (src_hz == 0u || src_hz % in_hz != 0u || sysclk_hz == 0u || sysclk_hz > CLOCK_SYSCLK_MAX) {
    return false;
  }
  pll->m = src_hz / in_hz;
  if (pll->m < 2u || pll->m > 63u) {
    return false;
  }
  for (uint32_t p = 2u; p <= 8u; p += 2u) {
    if (sysclk_hz > CLOCK_VCO_MAX / p) {
      break;
    }
    uint32_t vco = sysclk_hz * p;
    if (vco < CLOCK_VCO_MIN || vco % in_hz != 0u) {
      continue;
    }
    uint32_t n = vco / in_hz;
    if (n < 50u || n > 432u) {
      continue;
    }
    uint32_t q = (vco + 48u * MHZ - 1u) / (48u * MHZ); /* PLL48CLK <= 48 MHz (unused by tsboot) */
    pll->n = n;
    pll->p = p;
    pll->q = q < 2u ? 2u : q;
    return pll->q <= 15u;
  }
  return false;
}

static uint32_t clock_ppre_for(uint32_t hclk, uint32_t max, uint32_t *pclk) {
  static const uint32_t codes[] = {RCC_CFGR_PPRE_DIV1, RCC_CFGR_PPRE_DIV2, RCC_CFGR_PPRE_DIV4,
                                   RCC_CFGR_PPRE_DIV8, RCC_CFGR_PPRE_DIV16};
  for (uint32_t i = 0; i < 5u; i++) {
    if ((hclk >> i) <= max || i == 4u) {
      *pclk = hclk >> i;
      return codes[i];
    }
  }
  return RCC_CFGR_PPRE_DIV16; /* not reached */
}

/* Back to the reset clock tree: HSI selected first, then PLL and HSE off, prescalers /1, and only then the
 * flash wait states lowered (a slower clock with too many wait states is safe; the reverse is not). */
static void clock_to_hsi(void) {
  if ((REG_READ32(RCC_CFGR) & RCC_CFGR_SWS_Msk) != RCC_CFGR_SWS_HSI) {
    REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) | RCC_CR_HSION);
    (void)stm32f4_wait(RCC_CR, RCC_CR_HSIRDY, RCC_CR_HSIRDY, CLOCK_SWITCH_POLLS);
    REG_WRITE32(RCC_CFGR, (REG_READ32(RCC_CFGR) & ~RCC_CFGR_SW_Msk) | RCC_CFGR_SW_HSI);
    (void)stm32f4_wait(RCC_CFGR, RCC_CFGR_SWS_Msk, RCC_CFGR_SWS_HSI, CLOCK_SWITCH_POLLS);
  }
  uint32_t cr = REG_READ32(RCC_CR);
  if ((cr & (RCC_CR_PLLON | RCC_CR_HSEON | RCC_CR_CSSON)) != 0u) {
    REG_WRITE32(RCC_CR, cr & ~(RCC_CR_PLLON | RCC_CR_HSEON | RCC_CR_CSSON));
    (void)stm32f4_wait(RCC_CR, RCC_CR_PLLRDY, 0u, CLOCK_PLL_POLLS);
  }
  if ((REG_READ32(RCC_CR) & RCC_CR_HSEBYP) != 0u) {
    REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) & ~RCC_CR_HSEBYP); /* writable now that HSEON is 0 */
  }
  REG_WRITE32(RCC_CFGR, 0u); /* SW = HSI, AHB/APB /1, MCO defaults: the reset value */
  REG_WRITE32(RCC_PLLCFGR, RCC_PLLCFGR_RESET);
  REG_WRITE32(FLASH_ACR, 0u); /* reset value: 0 wait states, prefetch and caches off */
  s_clock.hclk = CLOCK_HSI_HZ;
  s_clock.pclk1 = CLOCK_HSI_HZ;
  s_clock.pclk2 = CLOCK_HSI_HZ;
}

static void clock_restore_pwr(void) {
  uint32_t saved = s_pwr;
  if (saved == 0u) {
    return;
  }
  /* VOS may only change while the PLL is off, which clock_to_hsi has just ensured. */
  uint32_t mask = clock_vos_mask(clock_dev_id());
  uint32_t vos = saved & mask;
  uint32_t cr = REG_READ32(PWR_CR);
  if ((cr & mask) != vos) {
    REG_WRITE32(PWR_CR, (cr & ~mask) | vos);
  }
  if ((saved & RCC_APB1ENR_PWREN) == 0u) {
    REG_WRITE32(RCC_APB1ENR, REG_READ32(RCC_APB1ENR) & ~RCC_APB1ENR_PWREN);
  }
  s_pwr = 0u;
}

/* Not inlined: one copy of both steps, which every failure path and hal_clock_deinit share. */
__attribute__((noinline)) static uint32_t clock_fallback(void) {
  clock_to_hsi();
  clock_restore_pwr();
  return CLOCK_HSI_HZ;
}

uint32_t hal_clock_init(uint32_t hse_hz, uint32_t sysclk_hz) {
  bool bypass = (hse_hz & HAL_CLOCK_HSE_BYPASS) != 0u;
  uint32_t hse = hse_hz & ~HAL_CLOCK_HSE_BYPASS;
  struct pll_config pll;

  /* A known starting point whatever ran before (and PWR as it was before any earlier init). */
  (void)clock_fallback();
  if (hse == 0u && sysclk_hz == CLOCK_HSI_HZ) {
    return CLOCK_HSI_HZ;
  }
  if (!clock_pll_compute(hse != 0u ? hse : CLOCK_HSI_HZ, sysclk_hz, &pll)) {
    return clock_fallback();
  }

  if (hse != 0u) {
    REG_WRITE32(RCC_CR, (REG_READ32(RCC_CR) & ~RCC_CR_HSEBYP) | (bypass ? RCC_CR_HSEBYP : 0u));
    REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) | RCC_CR_HSEON);
    if (!stm32f4_wait(RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY, CLOCK_HSE_POLLS)) {
      return clock_fallback();
    }
  }

  /* The regulator scale the new clock needs (see PWR_CR_VOS_Msk), the whole field written while the PLL is off. */
  uint32_t apb1enr = REG_READ32(RCC_APB1ENR);
  uint32_t pwren_was = apb1enr & RCC_APB1ENR_PWREN;
  if (pwren_was == 0u) {
    REG_WRITE32(RCC_APB1ENR, apb1enr | RCC_APB1ENR_PWREN);
    (void)REG_READ32(RCC_APB1ENR); /* errata: wait for the clock enable before touching PWR */
  }
  uint32_t pwr_cr = REG_READ32(PWR_CR);
  uint32_t dev_id = clock_dev_id();
  uint32_t vos_mask = clock_vos_mask(dev_id);
  uint32_t vos_was = pwr_cr & vos_mask;
  s_pwr = PWR_SAVED | vos_was | pwren_was;
  uint32_t vos = clock_vos_for(sysclk_hz, vos_mask, vos_was);
  if (vos != vos_was) {
    REG_WRITE32(PWR_CR, (pwr_cr & ~vos_mask) | vos);
  }

  /* clock_to_hsi left RCC_PLLCFGR and RCC_CFGR at their reset values: the fields are written over those (the
   * reserved bits kept as they reset) without reading the registers back. */
  uint32_t pllcfgr = RCC_PLLCFGR_RESET & ~(RCC_PLLCFGR_PLLM_Msk | RCC_PLLCFGR_PLLN_Msk | RCC_PLLCFGR_PLLP_Msk |
                                           RCC_PLLCFGR_PLLSRC | RCC_PLLCFGR_PLLQ_Msk);
  pllcfgr |= (pll.m << RCC_PLLCFGR_PLLM_Pos) | (pll.n << RCC_PLLCFGR_PLLN_Pos) |
             (((pll.p / 2u) - 1u) << RCC_PLLCFGR_PLLP_Pos) | (pll.q << RCC_PLLCFGR_PLLQ_Pos) |
             (hse != 0u ? RCC_PLLCFGR_PLLSRC : 0u);
  REG_WRITE32(RCC_PLLCFGR, pllcfgr);

  /* Bus dividers while still at 16 MHz, so no bus ever runs above its limit. */
  uint32_t pclk1 = 0;
  uint32_t pclk2 = 0;
  bool f411 = dev_id == DEV_ID_F411;
  uint32_t ppre1 = clock_ppre_for(sysclk_hz, f411 ? CLOCK_F411_APB1_MAX : CLOCK_APB1_MAX, &pclk1);
  uint32_t ppre2 = clock_ppre_for(sysclk_hz, f411 ? CLOCK_F411_APB2_MAX : CLOCK_APB2_MAX, &pclk2);
  uint32_t cfgr = (ppre1 << RCC_CFGR_PPRE1_Pos) | (ppre2 << RCC_CFGR_PPRE2_Pos); /* AHB /1, SW = HSI */
  REG_WRITE32(RCC_CFGR, cfgr);

  /* Wait states BEFORE the clock goes up; RM0090 3.5.1 asks to read ACR back to check they took. */
  uint32_t latency = (sysclk_hz - 1u) / CLOCK_HZ_PER_WAIT_STATE;
  REG_WRITE32(FLASH_ACR, (latency << FLASH_ACR_LATENCY_Pos) | FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN);
  if ((REG_READ32(FLASH_ACR) & FLASH_ACR_LATENCY_Msk) != (latency << FLASH_ACR_LATENCY_Pos)) {
    return clock_fallback();
  }

  REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) | RCC_CR_PLLON);
  if (!stm32f4_wait(RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY, CLOCK_PLL_POLLS)) {
    return clock_fallback();
  }
  REG_WRITE32(RCC_CFGR, cfgr | RCC_CFGR_SW_PLL);
  if (!stm32f4_wait(RCC_CFGR, RCC_CFGR_SWS_Msk, RCC_CFGR_SWS_PLL, CLOCK_SWITCH_POLLS)) {
    return clock_fallback();
  }
  s_clock.hclk = sysclk_hz;
  s_clock.pclk1 = pclk1;
  s_clock.pclk2 = pclk2;
  return sysclk_hz;
}

/* Restores: SYSCLK = HSI 16 MHz; PLL, HSE, CSS off, HSEBYP clear; RCC_CFGR = 0 and RCC_PLLCFGR = 0x24003010
 * (reset values); FLASH_ACR = 0 (no wait states, prefetch and caches off); PWR VOS and the PWR clock as
 * hal_clock_init found them. Peripheral clock enables are left to hal_uart_deinit/hal_gpio_clock_off. */
void hal_clock_deinit(void) { (void)clock_fallback(); }
