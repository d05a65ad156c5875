/*
 * STM32H7 system clock (RM0433 6 PWR, 8 RCC): HSE (bypass: the ST-LINK's 8 MHz MCO on NUCLEO-H743ZI2) or
 * HSI 64 MHz -> PLL1 (DIVM1, DIVN1, DIVP1) -> sys_ck -> D1CPRE -> the Cortex-M7 clock -> HPRE -> AXI/AHB
 * (the flash clock) -> D1PPRE/D2PPRE1/D2PPRE2/D3PPRE -> APB3/1/2/4. Any failure falls back to HSI 64 MHz.
 *
 * What must precede a faster clock, in this order:
 *  1. the supply configuration (PWR_CR3: LDO on the NUCLEO-H743ZI2, LDOEN = 1, BYPASS = 0). It can be
 *     written once per power-on (the write clears SCUEN); until then the part runs in "Run*" mode, where VOS
 *     must not change. Wait for PWR_CSR1.ACTVOSRDY.
 *  2. voltage scale 1 (PWR_D3CR.VOS = 11, wait VOSRDY): 400 MHz CPU, 200 MHz AXI, 100 MHz APB (VOS0 and
 *     480 MHz exist on rev V only, with SYSCFG_PWRCR.ODEN; tsboot stays at VOS1).
 *  3. the bus prescalers, then FLASH_ACR.LATENCY and WRHIGHFREQ for the new AXI clock (RM0433 table 17).
 */
#include "stm32h7.h"
#include "stm32h7_internal.h"
#include "stm32h7_regs.h"
#include "tsboot_hal.h"

#define MHZ 1000000u
#define CLOCK_HSI_HZ (64u * MHZ)
#define CLOCK_CSI_HZ (4u * MHZ)
#define CLOCK_LSE_HZ 32768u
#define CLOCK_CPU_MAX (400u * MHZ) /* VOS1 */
#define CLOCK_AXI_MAX (200u * MHZ)
#define CLOCK_APB_MAX (100u * MHZ)
#define CLOCK_REF_MIN (2u * MHZ)   /* PLL1 input with the wide VCO (PLL1RGE 01..11) */
#define CLOCK_REF_MAX (16u * MHZ)
#define CLOCK_VCO_MIN (192u * MHZ) /* wide VCO; rev Y tops out at 836 MHz, rev V at 960 */
#define CLOCK_VCO_MAX (836u * MHZ)

/* Bounded waits, counted at the clock that runs while they run (HSI 64 MHz): HSE start-up 100 ms (ST's
 * HSE_STARTUP_TIMEOUT), PLL lock and clock switches 2 ms, supply and VOS settling 10 ms. */
#define CLOCK_HSE_POLLS (100u * (CLOCK_HSI_HZ / 1000u))
#define CLOCK_PLL_POLLS (2u * (CLOCK_HSI_HZ / 1000u))
#define CLOCK_SWITCH_POLLS (2u * (CLOCK_HSI_HZ / 1000u))
#define CLOCK_PWR_POLLS (10u * (CLOCK_HSI_HZ / 1000u))

static uint32_t s_cpu = CLOCK_HSI_HZ;
static uint32_t s_axi = CLOCK_HSI_HZ;
static uint32_t s_pclk1 = CLOCK_HSI_HZ;
static uint32_t s_pclk2 = CLOCK_HSI_HZ;
static bool s_vos_saved = false; /* VOS found by hal_clock_init, restored by hal_clock_deinit */
static uint32_t s_vos = 0;

uint32_t hal_clock_hclk_hz(void) { return s_cpu; }
uint32_t stm32h7_clock_axi_hz(void) { return s_axi; }

uint32_t stm32h7_polls_ms(uint32_t ms) { return ms * (s_cpu / 1000u); }
uint32_t stm32h7_polls_us(uint32_t us) { return us * ((s_cpu + MHZ - 1u) / MHZ); }

bool stm32h7_wait(uint32_t addr, uint32_t mask, uint32_t value, uint32_t polls) {
  for (uint32_t i = 0; i < polls; i++) {
    if ((REG_READ32(addr) & mask) == value) {
      return true;
    }
  }
  return false;
}

struct pll_config {
  uint32_t m, n, p, ref;
};

/* DIVM1, DIVN1, DIVP1 for src_hz -> sysclk_hz with the wide VCO, or false when no exact setting exists.
 * The smallest reference clock of 2 MHz or more (the HSE 8 MHz and HSI 64 MHz both give 2 MHz). */
static bool clock_pll_compute(uint32_t src_hz, uint32_t sysclk_hz, struct pll_config *pll) {
  if (src_hz == 0u || sysclk_hz == 0u || sysclk_hz > CLOCK_CPU_MAX) {
    return false;
  }
  for (uint32_t m = 63u; m >= 1u; m--) {
    uint32_t ref = src_hz / m;
    if (src_hz % m != 0u || ref < CLOCK_REF_MIN || ref > CLOCK_REF_MAX) {
      continue;
    }
    for (uint32_t p = 2u; p <= 128u; p += 2u) { /* DIVP1: odd values not allowed */
      if (sysclk_hz > CLOCK_VCO_MAX / p) {
        break;
      }
      uint32_t vco = sysclk_hz * p;
      if (vco < CLOCK_VCO_MIN || vco % ref != 0u) {
        continue;
      }
      uint32_t n = vco / ref;
      if (n >= 4u && n <= 512u) {
        pll->m = m;
        pll->n = n;
        pll->p = p;
        pll->ref = ref;
        return true;
      }
    }
  }
  return false;
}

static uint32_t clock_pll_range(uint32_t ref) {
  if (ref < 4u * MHZ) {
    return 1u; /* 2-4 MHz */
  }
  return ref < 8u * MHZ ? 2u : 3u;
}

/* FLASH_ACR for an AXI clock at VOS1 (RM0433 table 17): LATENCY 0 up to 70 MHz, 1 to 140, 2 to 210, 3 to
 * 225; WRHIGHFREQ 00 up to 70 MHz, 01 to 185, 10 above. */
static uint32_t clock_flash_acr(uint32_t axi_hz) {
  uint32_t latency = axi_hz <= 70u * MHZ ? 0u : (axi_hz <= 140u * MHZ ? 1u : (axi_hz <= 210u * MHZ ? 2u : 3u));
  uint32_t delay = axi_hz <= 70u * MHZ ? 0u : (axi_hz <= 185u * MHZ ? 1u : 2u);
  return (latency << FLASH_ACR_LATENCY_Pos) | (delay << FLASH_ACR_WRHIGHFREQ_Pos);
}

/* Back to the reset clock tree: HSI selected first, then PLL1 and HSE off, prescalers /1, PLL registers at
 * their reset values, and only then FLASH_ACR back to its reset value (7 wait states). */
static void clock_to_hsi(void) {
  if ((REG_READ32(RCC_CFGR) & RCC_CFGR_SWS_Msk) != (RCC_CFGR_SW_HSI << RCC_CFGR_SWS_Pos)) {
    REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) | RCC_CR_HSION);
    (void)stm32h7_wait(RCC_CR, RCC_CR_HSIRDY, RCC_CR_HSIRDY, CLOCK_SWITCH_POLLS);
    REG_WRITE32(RCC_CFGR, (REG_READ32(RCC_CFGR) & ~RCC_CFGR_SW_Msk) | RCC_CFGR_SW_HSI);
    (void)stm32h7_wait(RCC_CFGR, RCC_CFGR_SWS_Msk, RCC_CFGR_SW_HSI << RCC_CFGR_SWS_Pos, CLOCK_SWITCH_POLLS);
  }
  uint32_t cr = REG_READ32(RCC_CR);
  if ((cr & (RCC_CR_PLL1ON | RCC_CR_HSEON)) != 0u) {
    REG_WRITE32(RCC_CR, cr & ~(RCC_CR_PLL1ON | RCC_CR_HSEON));
    (void)stm32h7_wait(RCC_CR, RCC_CR_PLL1RDY | RCC_CR_HSERDY, 0u, CLOCK_PLL_POLLS);
  }
  if ((REG_READ32(RCC_CR) & RCC_CR_HSEBYP) != 0u) {
    REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) & ~RCC_CR_HSEBYP); /* writable now that HSEON is 0 */
  }
  REG_WRITE32(RCC_D1CFGR, 0u); /* the reset values: every prescaler /1 */
  REG_WRITE32(RCC_D2CFGR, 0u);
  REG_WRITE32(RCC_D3CFGR, 0u);
  REG_WRITE32(RCC_PLLCKSELR, RCC_PLLCKSELR_RESET);
  REG_WRITE32(RCC_PLLCFGR, RCC_PLLCFGR_RESET);
  REG_WRITE32(RCC_PLL1DIVR, RCC_PLL1DIVR_RESET);
  REG_WRITE32(FLASH_ACR, FLASH_ACR_RESET);
  s_cpu = CLOCK_HSI_HZ;
  s_axi = CLOCK_HSI_HZ;
  s_pclk1 = CLOCK_HSI_HZ;
  s_pclk2 = CLOCK_HSI_HZ;
}

/* VOS back to what hal_clock_init found, now that the clock is down (VOS goes down after the clock, up
 * before it). */
static void clock_restore_vos(void) {
  if (!s_vos_saved) {
    return;
  }
  uint32_t d3cr = REG_READ32(PWR_D3CR);
  if ((d3cr & PWR_D3CR_VOS_Msk) != s_vos) {
    REG_WRITE32(PWR_D3CR, (d3cr & ~PWR_D3CR_VOS_Msk) | s_vos);
    (void)stm32h7_wait(PWR_D3CR, PWR_D3CR_VOSRDY, PWR_D3CR_VOSRDY, CLOCK_PWR_POLLS);
  }
  s_vos_saved = false;
}

static uint32_t clock_fallback(void) {
  clock_to_hsi();
  clock_restore_vos();
  return CLOCK_HSI_HZ;
}

/* Step 1: the LDO supply. The first write after a power-on reset fixes it; on a warm boot (SCUEN = 0) it
 * can only be checked. A part locked into another configuration (BYPASS, LDO off) is left at HSI. */
static bool clock_supply_ldo(void) {
  uint32_t cr3 = REG_READ32(PWR_CR3);
  if ((cr3 & PWR_CR3_SCUEN) != 0u) {
    REG_WRITE32(PWR_CR3, (cr3 & ~PWR_CR3_SUPPLY_Msk) | PWR_CR3_LDOEN);
  } else if ((cr3 & (PWR_CR3_LDOEN | PWR_CR3_BYPASS)) != PWR_CR3_LDOEN) {
    return false;
  }
  return stm32h7_wait(PWR_CSR1, PWR_CSR1_ACTVOSRDY, PWR_CSR1_ACTVOSRDY, CLOCK_PWR_POLLS);
}

/* Step 2: VOS1 (saving what was there for hal_clock_deinit). */
static bool clock_vos1(void) {
  uint32_t d3cr = REG_READ32(PWR_D3CR);
  s_vos = d3cr & PWR_D3CR_VOS_Msk;
  s_vos_saved = true;
  if (s_vos != (PWR_VOS_SCALE1 << PWR_D3CR_VOS_Pos)) {
    REG_WRITE32(PWR_D3CR, (d3cr & ~PWR_D3CR_VOS_Msk) | (PWR_VOS_SCALE1 << PWR_D3CR_VOS_Pos));
  }
  return stm32h7_wait(PWR_D3CR, PWR_D3CR_VOSRDY, PWR_D3CR_VOSRDY, CLOCK_PWR_POLLS) &&
         stm32h7_wait(PWR_CSR1, PWR_CSR1_ACTVOSRDY, PWR_CSR1_ACTVOSRDY, CLOCK_PWR_POLLS);
}

uint32_t hal_clock_init(uint32_t hse_hz, uint32_t sysclk_hz) {
  bool bypass = (hse_hz & HAL_CLOCK_HSE_BYPASS) != 0u;
  uint32_t hse = hse_hz & ~HAL_CLOCK_HSE_BYPASS;
  struct pll_config pll;

  /* A known starting point whatever ran before (and VOS as it was before any earlier init). */
  clock_to_hsi();
  clock_restore_vos();
  if (hse == 0u && sysclk_hz == CLOCK_HSI_HZ) {
    return CLOCK_HSI_HZ;
  }
  if (!clock_pll_compute(hse != 0u ? hse : CLOCK_HSI_HZ, sysclk_hz, &pll)) {
    return clock_fallback();
  }
  if (!clock_supply_ldo() || !clock_vos1()) {
    return clock_fallback();
  }
  if (hse != 0u) {
    REG_WRITE32(RCC_CR, (REG_READ32(RCC_CR) & ~RCC_CR_HSEBYP) | (bypass ? RCC_CR_HSEBYP : 0u));
    REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) | RCC_CR_HSEON);
    if (!stm32h7_wait(RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY, CLOCK_HSE_POLLS)) {
      return clock_fallback();
    }
  }

  /* PLL1 while it is off: source and DIVM1 (DIVM2/3 kept), input range, wide VCO, only the P output. */
  uint32_t cksel = REG_READ32(RCC_PLLCKSELR) & ~(RCC_PLLCKSELR_PLLSRC_Msk | RCC_PLLCKSELR_DIVM1_Msk);
  REG_WRITE32(RCC_PLLCKSELR, cksel | (pll.m << RCC_PLLCKSELR_DIVM1_Pos) |
                                 (hse != 0u ? RCC_PLLCKSELR_PLLSRC_HSE : RCC_PLLCKSELR_PLLSRC_HSI));
  uint32_t cfgr = REG_READ32(RCC_PLLCFGR) & ~(RCC_PLLCFGR_PLL1FRACEN | RCC_PLLCFGR_PLL1VCOSEL |
                                               RCC_PLLCFGR_PLL1RGE_Msk | RCC_PLLCFGR_DIVP1EN |
                                               RCC_PLLCFGR_DIVQ1EN | RCC_PLLCFGR_DIVR1EN);
  REG_WRITE32(RCC_PLLCFGR, cfgr | (clock_pll_range(pll.ref) << RCC_PLLCFGR_PLL1RGE_Pos) | RCC_PLLCFGR_DIVP1EN);
  uint32_t divr = REG_READ32(RCC_PLL1DIVR) & ~(RCC_PLL1DIVR_N1_Msk | RCC_PLL1DIVR_P1_Msk);
  REG_WRITE32(RCC_PLL1DIVR, divr | ((pll.n - 1u) << RCC_PLL1DIVR_N1_Pos) | ((pll.p - 1u) << RCC_PLL1DIVR_P1_Pos));

  /* Prescalers while still on HSI, so no bus ever runs above its limit: AXI <= 200 MHz, APBx <= 100 MHz. */
  uint32_t axi = sysclk_hz > CLOCK_AXI_MAX ? sysclk_hz / 2u : sysclk_hz;
  uint32_t hpre = sysclk_hz > CLOCK_AXI_MAX ? RCC_D1CFGR_HPRE_DIV2 : RCC_D1CFGR_HPRE_DIV1;
  uint32_t pclk = axi > CLOCK_APB_MAX ? axi / 2u : axi;
  uint32_t ppre = axi > CLOCK_APB_MAX ? RCC_PPRE_DIV2 : RCC_PPRE_DIV1;
  REG_WRITE32(RCC_D1CFGR, (hpre << RCC_D1CFGR_HPRE_Pos) | (ppre << RCC_D1CFGR_D1PPRE_Pos));
  REG_WRITE32(RCC_D2CFGR, (ppre << RCC_D2CFGR_D2PPRE1_Pos) | (ppre << RCC_D2CFGR_D2PPRE2_Pos));
  REG_WRITE32(RCC_D3CFGR, ppre << RCC_D3CFGR_D3PPRE_Pos);

  /* Wait states and programming delay BEFORE the clock goes up; read back to see they took (RM0433 4.3.8). */
  uint32_t acr = clock_flash_acr(axi);
  REG_WRITE32(FLASH_ACR, acr);
  if ((REG_READ32(FLASH_ACR) & (FLASH_ACR_LATENCY_Msk | FLASH_ACR_WRHIGHFREQ_Msk)) != acr) {
    return clock_fallback();
  }

  REG_WRITE32(RCC_CR, REG_READ32(RCC_CR) | RCC_CR_PLL1ON);
  if (!stm32h7_wait(RCC_CR, RCC_CR_PLL1RDY, RCC_CR_PLL1RDY, CLOCK_PLL_POLLS)) {
    return clock_fallback();
  }
  REG_WRITE32(RCC_CFGR, (REG_READ32(RCC_CFGR) & ~RCC_CFGR_SW_Msk) | RCC_CFGR_SW_PLL1);
  if (!stm32h7_wait(RCC_CFGR, RCC_CFGR_SWS_Msk, RCC_CFGR_SW_PLL1 << RCC_CFGR_SWS_Pos, CLOCK_SWITCH_POLLS)) {
    return clock_fallback();
  }
  s_cpu = sysclk_hz;
  s_axi = axi;
  s_pclk1 = pclk;
  s_pclk2 = pclk;
  return sysclk_hz;
}

/* Restores: SYSCLK = HSI 64 MHz; PLL1 and HSE off, HSEBYP clear; D1CFGR/D2CFGR/D3CFGR = 0, PLLCKSELR,
 * PLLCFGR and PLL1DIVR at their reset values; FLASH_ACR = 0x37; VOS as hal_clock_init found it. The supply
 * configuration stays (it is fixed until the next power-on: the application must ask for the same, LDO). */
void hal_clock_deinit(void) { (void)clock_fallback(); }

/* The USART kernel clock (RM0433 8.5.10): RCC_D2CCIP2R.USART16SEL for USART1/6, USART234578SEL for the
 * others; tsboot leaves both at their reset value, the APB clock. PLL2/PLL3 sources: 0 (not running). */
uint32_t hal_clock_pclk_hz(uint32_t usart_base) {
  bool apb2 = usart_base == USART1_BASE || usart_base == USART6_BASE;
  bool apb1 = usart_base == USART2_BASE || usart_base == USART3_BASE || usart_base == UART4_BASE ||
              usart_base == UART5_BASE || usart_base == UART7_BASE || usart_base == UART8_BASE;
  if (!apb1 && !apb2) {
    return 0u;
  }
  uint32_t ccip = REG_READ32(RCC_D2CCIP2R);
  uint32_t sel = apb2 ? (ccip & RCC_D2CCIP2R_USART16SEL_Msk) >> RCC_D2CCIP2R_USART16SEL_Pos
                      : (ccip & RCC_D2CCIP2R_USART28SEL_Msk) >> RCC_D2CCIP2R_USART28SEL_Pos;
  switch (sel) {
  case RCC_USARTSEL_PCLK:
    return apb2 ? s_pclk2 : s_pclk1;
  case RCC_USARTSEL_HSI:
    return CLOCK_HSI_HZ >> ((REG_READ32(RCC_CR) & RCC_CR_HSIDIV_Msk) >> RCC_CR_HSIDIV_Pos);
  case RCC_USARTSEL_CSI:
    return CLOCK_CSI_HZ;
  case RCC_USARTSEL_LSE:
    return CLOCK_LSE_HZ;
  default:
    return 0u;
  }
}
