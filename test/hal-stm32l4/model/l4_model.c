/*
 * STM32L476 register model for host tests (see l4_model.h): time, resets, the bus decode, RCC and PWR, GPIO,
 * the IWDG and the Cortex-M4 core. The flash is in l4_model_flash.c, the USART and DMA1 in l4_model_usart.c.
 * Section numbers refer to RM0351 Rev 9 and PM0214.
 *
 * RCC/PWR rules modelled (RM0351 5, 6): MSI 4 MHz at reset; HSI16 and HSE (a crystal starts without HSEBYP,
 * an external clock needs HSEBYP, which is writable only while HSEON = 0); PLL input 4..16 MHz (PLLM 1..8),
 * VCO 64..344 MHz (PLLN 8..86), PLLR 2/4/6/8, PLLREN for SYSCLK, PLLCFGR written only with the PLL off; a
 * switch takes effect only once the target is ready; a clock in use cannot be stopped; HCLK <= 80 MHz in
 * range 1 and 26 MHz in range 2 (PWR_CR1.VOS), never above 26 MHz while VOSF is set; flash wait states against
 * HCLK on every switch and FLASH_ACR write (3.3.3: range 1 one per 16 MHz, range 2 6/12/18/26 MHz); PWR only
 * with its clock on; peripheral clock gating and reset pulses; RCC_CSR flags cleared by RMVF.
 * IWDG (RM0351 IWDG chapter): KR keys, PR/RLR/WINR only after 0x5555 and not while their update flag is set,
 * the counter, its expiry and a refresh outside the window reset the MCU; started by hardware when
 * FLASH_OPTR.IWDG_SW = 0.
 * Core (PM0214 4.2-4.5): SysTick, NVIC ISER/ICER/ISPR/ICPR (82 lines), ICSR, VTOR (512-byte alignment for the
 * STM32L476's 98 vectors), AIRCR (VECTKEY, SYSRESETREQ).
 */
#include "l4_model_internal.h"

#include <string.h>

struct model m;

static const struct part_info s_parts[] = {
    [L4_PART_L476XG] = {"STM32L476xG", 1024},
    [L4_PART_L476XE] = {"STM32L476xE", 512},
};


uint32_t model_rand(void) {
  m.seed ^= m.seed << 13;
  m.seed ^= m.seed >> 17;
  m.seed ^= m.seed << 5;
  return m.seed;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Clocks                                                                                                  */

bool rcc_clocked(uint32_t enr, uint32_t rstr, uint32_t bit) { return (enr & bit) != 0u && (rstr & bit) == 0u; }

static bool range1(void) { return (m.pwr_cr1 & PWR_VOS) == PWR_VOS_RANGE1; }

static uint32_t pll_source_hz(void) {
  switch (m.pllcfgr & 3u) {
  case 1:
    return MSI_HZ;
  case 2:
    return HSI_HZ;
  case 3:
    return m.hse_hz;
  default:
    return 0;
  }
}

static uint32_t pll_out(void) {
  uint32_t pm = ((m.pllcfgr >> 4) & 7u) + 1u;
  uint32_t pn = (m.pllcfgr >> 8) & 0x7Fu;
  uint32_t pr = 2u * (((m.pllcfgr >> 25) & 3u) + 1u);
  return (uint32_t)((uint64_t)pll_source_hz() / pm * pn / pr);
}

static uint32_t sws(void) { return (m.cfgr >> CFGR_SWS_SHIFT) & 3u; }

uint32_t l4_model_sysclk_hz(void) {
  switch (sws()) {
  case 0:
    return MSI_HZ;
  case 1:
    return HSI_HZ;
  case 2:
    return m.hse_hz;
  default:
    return pll_out();
  }
}

uint32_t rcc_hclk(void) {
  uint32_t hpre = (m.cfgr >> 4) & 0xFu;
  static const uint32_t shift[8] = {1, 2, 3, 4, 6, 7, 8, 9};
  return hpre < 8u ? l4_model_sysclk_hz() : l4_model_sysclk_hz() >> shift[hpre - 8u];
}
uint32_t l4_model_hclk_hz(void) { return rcc_hclk(); }

static uint32_t apb_clock(uint32_t ppre) { return ppre < 4u ? rcc_hclk() : rcc_hclk() >> (ppre - 3u); }
uint32_t l4_model_pclk1_hz(void) { return apb_clock((m.cfgr >> 8) & 7u); }
uint32_t l4_model_pclk2_hz(void) { return apb_clock((m.cfgr >> 11) & 7u); }

uint32_t l4_model_usart_kernel_hz(uint32_t base) {
  static const uint32_t bases[5] = {0x40013800u, 0x40004400u, 0x40004800u, 0x40004C00u, 0x40005000u};
  for (uint32_t i = 0; i < 5u; i++) {
    if (bases[i] == base) {
      switch ((m.ccipr >> (2u * i)) & 3u) {
      case 1:
        return l4_model_sysclk_hz();
      case 2:
        return (m.rcc_cr & RCR_HSIRDY) != 0u ? HSI_HZ : 0u;
      case 3:
        return LSE_FREQ;
      default:
        return i == 0u ? l4_model_pclk2_hz() : l4_model_pclk1_hz();
      }
    }
  }
  fatal("l4_model_usart_kernel_hz(0x%08X)", (unsigned)base);
}

/* RM0351 table "Number of wait states according to CPU clock (HCLK) frequency". */
static uint32_t wait_states_needed(uint32_t hclk) {
  static const uint32_t r1[5] = {16 * MHZ, 32 * MHZ, 48 * MHZ, 64 * MHZ, 80 * MHZ};
  static const uint32_t r2[4] = {6 * MHZ, 12 * MHZ, 18 * MHZ, 26 * MHZ};
  const uint32_t *table = range1() ? r1 : r2;
  uint32_t n = range1() ? 5u : 4u;
  for (uint32_t ws = 0; ws < n; ws++) {
    if (hclk <= table[ws]) {
      return ws;
    }
  }
  return 99;
}

void rcc_check(const char *after) {
  uint32_t hclk = rcc_hclk();
  uint32_t need = wait_states_needed(hclk);
  uint32_t have = m.acr & ACR_LATENCY;
  if (need > have) {
    violation("after %s: HCLK %u Hz in range %u needs %u flash wait states, FLASH_ACR has %u", after, (unsigned)hclk,
              range1() ? 1u : 2u, (unsigned)need, (unsigned)have);
  }
  if (hclk > (range1() ? 80u * MHZ : 26u * MHZ)) {
    violation("after %s: HCLK %u Hz above the range %u maximum", after, (unsigned)hclk, range1() ? 1u : 2u);
  }
  if (hclk > 26u * MHZ && (m.vosf_left > 0u || m.vosf_stuck)) {
    violation("after %s: HCLK %u Hz while PWR_SR2.VOSF = 1 (the regulator is not at range 1 yet)", after,
              (unsigned)hclk);
  }
  if (l4_model_pclk1_hz() > 80u * MHZ || l4_model_pclk2_hz() > 80u * MHZ) {
    violation("after %s: APB clock above 80 MHz", after);
  }
}

static void rcc_check_pll_config(void) {
  uint32_t src = pll_source_hz();
  uint32_t pm = ((m.pllcfgr >> 4) & 7u) + 1u;
  uint32_t pn = (m.pllcfgr >> 8) & 0x7Fu;
  if (src == 0u) {
    violation("PLLON with PLLSRC = none (or an HSE of 0 Hz)");
    return;
  }
  uint32_t in = src / pm;
  uint64_t vco = (uint64_t)in * pn;
  if (in < 4u * MHZ || in > 16u * MHZ) {
    violation("PLLON with a VCO input of %u Hz (4..16 MHz)", (unsigned)in);
  }
  if (pn < 8u || pn > 86u) {
    violation("PLLON with PLLN = %u (8..86)", (unsigned)pn);
  }
  if (vco < 64u * MHZ || vco > 344u * MHZ) {
    violation("PLLON with a VCO output of %llu Hz (64..344 MHz)", (unsigned long long)vco);
  }
}

static bool hse_works(void) {
  if ((m.rcc_cr & RCR_HSEON) == 0u) {
    return false;
  }
  bool bypass = (m.rcc_cr & RCR_HSEBYP) != 0u;
  return (m.hse_source == L4_HSE_CRYSTAL && !bypass) || (m.hse_source == L4_HSE_CLOCK_IN && bypass);
}

static bool pll_source_ready(void) {
  switch (m.pllcfgr & 3u) {
  case 1:
    return (m.rcc_cr & RCR_MSIRDY) != 0u;
  case 2:
    return (m.rcc_cr & RCR_HSIRDY) != 0u;
  case 3:
    return (m.rcc_cr & RCR_HSERDY) != 0u;
  default:
    return false;
  }
}

static bool source_ready(uint32_t sw) {
  switch (sw) {
  case 0:
    return (m.rcc_cr & RCR_MSIRDY) != 0u;
  case 1:
    return (m.rcc_cr & RCR_HSIRDY) != 0u;
  case 2:
    return (m.rcc_cr & RCR_HSERDY) != 0u;
  default:
    return (m.rcc_cr & RCR_PLLRDY) != 0u && (m.pllcfgr & PLLCFGR_PLLREN) != 0u;
  }
}

static void rcc_tick(void) {
  if ((m.rcc_cr & RCR_HSION) != 0u && (m.rcc_cr & RCR_HSIRDY) == 0u && !m.hsi_never) {
    if (m.hsi_left > 0u) {
      m.hsi_left--;
    } else {
      m.rcc_cr |= RCR_HSIRDY;
    }
  }
  if (hse_works() && (m.rcc_cr & RCR_HSERDY) == 0u) {
    if (m.hse_left > 0u) {
      m.hse_left--;
    } else {
      m.rcc_cr |= RCR_HSERDY;
    }
  }
  if ((m.rcc_cr & RCR_PLLON) != 0u && (m.rcc_cr & RCR_PLLRDY) == 0u && pll_source_ready() && !m.pll_never) {
    if (m.pll_left > 0u) {
      m.pll_left--;
    } else {
      m.rcc_cr |= RCR_PLLRDY;
    }
  }
}

/* "A switch from one clock source to another occurs only if the target clock source is ready." */
static void rcc_switch(void) {
  uint32_t sw = m.cfgr & CFGR_SW;
  if (sw != sws() && source_ready(sw)) {
    m.cfgr = (m.cfgr & ~(3u << CFGR_SWS_SHIFT)) | (sw << CFGR_SWS_SHIFT);
    rcc_check("the SYSCLK switch");
  }
}

static void rcc_cr_write(uint32_t v) {
  uint32_t old = m.rcc_cr;
  /* "cannot be reset if ... used directly or indirectly (through the PLL) as the system clock" */
  uint32_t cur = sws();
  bool pll_sys = cur == 3u;
  bool msi_used = cur == 0u || (pll_sys && (m.pllcfgr & 3u) == 1u);
  bool hsi_used = cur == 1u || (pll_sys && (m.pllcfgr & 3u) == 2u);
  bool hse_used = cur == 2u || (pll_sys && (m.pllcfgr & 3u) == 3u);
  uint32_t writable = RCR_MSION | RCR_MSIRGSEL | RCR_MSIRANGE | RCR_HSION | RCR_HSIKERON | 0x800u | RCR_HSEON |
                      RCR_HSEBYP | RCR_CSSON | RCR_PLLON | 0x14000000u;
  uint32_t nv = (old & ~writable) | (v & writable);
  if (((nv ^ old) & (RCR_MSIRGSEL | RCR_MSIRANGE)) != 0u) {
    violation("RCC_CR: MSI range changed (tsboot keeps MSI at its reset range, 4 MHz)");
  }
  if ((old & RCR_MSION) != 0u && (nv & RCR_MSION) == 0u && msi_used) {
    violation("RCC_CR: MSION cleared while MSI is in use (ignored)");
    nv |= RCR_MSION;
  }
  if ((old & RCR_HSION) != 0u && (nv & RCR_HSION) == 0u && hsi_used) {
    violation("RCC_CR: HSION cleared while HSI16 is in use (ignored)");
    nv |= RCR_HSION;
  }
  if ((old & RCR_HSEON) != 0u && (nv & RCR_HSEON) == 0u && hse_used) {
    violation("RCC_CR: HSEON cleared while the HSE is in use (ignored)");
    nv |= RCR_HSEON;
  }
  if ((old & RCR_PLLON) != 0u && (nv & RCR_PLLON) == 0u && pll_sys) {
    violation("RCC_CR: PLLON cleared while the PLL drives SYSCLK (ignored)");
    nv |= RCR_PLLON;
  }
  if ((old & RCR_HSEON) != 0u && ((old ^ nv) & RCR_HSEBYP) != 0u) {
    violation("RCC_CR: HSEBYP changed while HSEON = 1 (ignored)");
    nv = (nv & ~RCR_HSEBYP) | (old & RCR_HSEBYP);
  }
  if ((nv & RCR_MSION) == 0u) {
    nv &= ~RCR_MSIRDY;
  } else if ((old & RCR_MSION) == 0u) {
    nv |= RCR_MSIRDY;
  }
  if ((nv & RCR_HSION) == 0u) {
    nv &= ~RCR_HSIRDY;
  } else if ((old & RCR_HSION) == 0u) {
    m.hsi_left = 3;
  }
  if ((nv & RCR_HSEON) == 0u) {
    nv &= ~RCR_HSERDY;
  } else if ((old & RCR_HSEON) == 0u) {
    m.hse_left = 20;
  }
  if ((nv & RCR_PLLON) == 0u) {
    nv &= ~RCR_PLLRDY;
  } else if ((old & RCR_PLLON) == 0u) {
    m.pll_left = 10;
    m.rcc_cr = nv;
    rcc_check_pll_config();
  }
  m.rcc_cr = nv;
  rcc_switch();
}

static void rcc_pllcfgr_write(uint32_t v) {
  if ((m.rcc_cr & RCR_PLLON) != 0u) {
    violation("RCC_PLLCFGR written while the PLL is on (ignored)");
    return;
  }
  m.pllcfgr = v & 0x07737F73u; /* PLLSRC, PLLM, PLLN, PLLPEN, PLLP, PLLQEN, PLLQ, PLLREN, PLLR */
}

static void rcc_cfgr_write(uint32_t v) {
  uint32_t cur = sws();
  if ((v & CFGR_SW) == 3u && (m.pllcfgr & PLLCFGR_PLLREN) == 0u) {
    violation("RCC_CFGR: SW = PLL with PLLREN = 0 (no PLLCLK output)");
  }
  m.cfgr = (m.cfgr & (3u << CFGR_SWS_SHIFT)) | (v & ~(3u << CFGR_SWS_SHIFT));
  rcc_switch();
  if (sws() == cur) {
    rcc_check("an RCC_CFGR write");
  }
}

static void gpio_reset(uint32_t i);

static void rstr_write(uint32_t *reg, uint32_t v, int bus) {
  uint32_t released = *reg & ~v;
  *reg = v;
  if (bus == 0 && (released & AHB1_DMA1) != 0u) {
    dma_reset();
  } else if (bus == 1) {
    for (uint32_t i = 0; i < GPIO_PORTS; i++) {
      if ((released & (1u << i)) != 0u) {
        gpio_reset(i);
      }
    }
  } else if (bus == 2) {
    usart_released(released, 0u);
  } else if (bus == 3) {
    usart_released(0u, released);
  }
}

static void csr_write(uint32_t v) {
  if (((v ^ m.csr) & CSR_RW) != 0u) {
    violation("RCC_CSR write 0x%08X changes LSION/MSISRANGE (0x%08X)", (unsigned)v, (unsigned)(m.csr & CSR_RW));
  }
  m.csr = (m.csr & ~CSR_RW) | (v & CSR_RW);
  if ((v & CSR_RMVF) != 0u) {
    m.csr &= ~CSR_FLAGS;
  }
}

void l4_model_rcc_set_hse(enum l4_hse_source source, uint32_t hz) {
  m.hse_source = source;
  m.hse_hz = hz;
}
void l4_model_rcc_pll_never_locks(bool never) { m.pll_never = never; }
void l4_model_rcc_hsi_never_ready(bool never) { m.hsi_never = never; }
void l4_model_pwr_vosf_stuck(bool stuck) { m.vosf_stuck = stuck; }
void l4_model_rcc_set_csr_flags(uint32_t flags) { m.csr = (m.csr & ~CSR_FLAGS) | (flags & CSR_FLAGS); }

static bool pwr_clocked(void) { return (m.apb1enr1 & APB1_PWREN) != 0u; }

static void pwr_cr1_write(uint32_t v) {
  uint32_t vos = v & PWR_VOS;
  if (vos != PWR_VOS_RANGE1 && vos != PWR_VOS_RANGE2) {
    violation("PWR_CR1: VOS = %u is reserved", (unsigned)(vos >> 9));
    vos = m.pwr_cr1 & PWR_VOS;
  }
  if (vos != (m.pwr_cr1 & PWR_VOS)) {
    if (vos == PWR_VOS_RANGE2 && rcc_hclk() > 26u * MHZ) {
      violation("PWR_CR1: range 2 while HCLK is %u Hz (above 26 MHz)", (unsigned)rcc_hclk());
    }
    m.vosf_left = 5;
  }
  m.pwr_cr1 = (v & ~PWR_VOS) | vos;
  rcc_check("a PWR_CR1 write");
}

/* ------------------------------------------------------------------------------------------------------ */
/* GPIO                                                                                                    */

static void gpio_reset(uint32_t i) {
  if (i == 0u) { /* PA13 SWDIO, PA14 SWCLK, PA15 JTDI */
    gpio_port_reset(&m.gpio[i].regs, 0xABFFFFFFu, 0x0C000000u, 0x64000000u);
  } else if (i == 1u) { /* PB3 JTDO/SWO, PB4 NJTRST */
    gpio_port_reset(&m.gpio[i].regs, 0xFFFFFEBFu, 0u, 0x00000100u);
  } else { /* every pin analog */
    gpio_port_reset(&m.gpio[i].regs, 0xFFFFFFFFu, 0u, 0u);
  }
  m.gpio[i].ascr = 0;
}

/* The registers every family's port has are gpio_port.c's; the L4's own: LCKR, BRR, ASCR, and PUPDR's
 * reserved 11. */
static uint32_t gpio_read(uint32_t port, uint32_t off) {
  const struct gpio_state *g = &m.gpio[port];
  uint32_t v;
  if (gpio_port_read(&g->regs, off, &v)) {
    return v;
  }
  switch (off) {
  case 0x1C:
    return 0; /* LCKR: never written (a write is a violation) */
  case 0x28:
    return 0; /* BRR is write-only */
  case 0x2C:
    return g->ascr;
  default:
    fatal("GPIO read at offset 0x%X", (unsigned)off);
  }
}

static void gpio_write(uint32_t port, uint32_t off, uint32_t v) {
  struct gpio_state *g = &m.gpio[port];
  switch (off) {
  case 0x0C:
    if ((v & (v >> 1) & 0x55555555u) != 0u) {
      violation("GPIO%c_PUPDR: 11 is reserved", (char)('A' + port));
    }
    break; /* stored below */
  case 0x1C:
    violation("GPIO%c_LCKR written: tsboot never locks a pin configuration", (char)('A' + port));
    return;
  case 0x28:
    g->regs.odr &= ~(v & 0xFFFFu);
    return;
  case 0x2C:
    g->ascr = v & 0xFFFFu;
    return;
  default:
    break;
  }
  if (!gpio_port_write(&g->regs, off, v)) {
    fatal("GPIO write at offset 0x%X", (unsigned)off);
  }
}

void l4_model_gpio_drive(uint32_t port, uint32_t pin, int level) {
  if (port >= GPIO_PORTS || pin >= 16u) {
    fatal("l4_model_gpio_drive(%u, %u)", (unsigned)port, (unsigned)pin);
  }
  m.gpio[port].regs.drive[pin] = level;
}

/* ------------------------------------------------------------------------------------------------------ */
/* IWDG                                                                                                    */

static uint32_t iwdg_divider(void) { return 4u << (m.iwdg_pr > 6u ? 6u : m.iwdg_pr); }

static void iwdg_reload(void) {
  if (m.iwdg_running && m.iwdg_winr < 0xFFFu && m.iwdg_counter > m.iwdg_winr) {
    model_unwind("IWDG (refresh outside the window)", CSR_IWDGRSTF | CSR_PINRSTF, false);
  }
  m.iwdg_counter = m.iwdg_rlr;
  m.iwdg_acc = 0;
}

static void iwdg_tick(void) {
  for (uint32_t i = 0; i < 3u; i++) {
    if (m.iwdg_busy[i] > 0u) {
      m.iwdg_busy[i]--;
    }
  }
  if (!m.iwdg_running || m.iwdg_ticks_per_lsi == 0u) {
    return;
  }
  if (++m.iwdg_acc >= (uint64_t)m.iwdg_ticks_per_lsi * iwdg_divider()) {
    m.iwdg_acc = 0;
    if (m.iwdg_counter == 0u || --m.iwdg_counter == 0u) {
      model_unwind("IWDG", CSR_IWDGRSTF | CSR_PINRSTF, false);
    }
  }
}

static uint32_t iwdg_read(uint32_t off) {
  switch (off) {
  case 0x00:
    return 0;
  case 0x04:
    return m.iwdg_pr;
  case 0x08:
    return m.iwdg_rlr;
  case 0x0C:
    return (m.iwdg_busy[0] != 0u ? 1u : 0u) | (m.iwdg_busy[1] != 0u ? 2u : 0u) | (m.iwdg_busy[2] != 0u ? 4u : 0u);
  case 0x10:
    return m.iwdg_winr;
  default:
    fatal("IWDG read at offset 0x%X", (unsigned)off);
  }
}

static void iwdg_write(uint32_t off, uint32_t v) {
  if (off == 0x00u) {
    switch (v & 0xFFFFu) {
    case 0xCCCCu:
      if (!m.iwdg_running) {
        m.iwdg_running = true;
        m.iwdg_counter = m.iwdg_rlr;
        m.iwdg_acc = 0;
      }
      return;
    case 0xAAAAu:
      m.iwdg_access = false;
      if (m.iwdg_running) {
        m.stats.iwdg_refreshes++;
        iwdg_reload();
      }
      return;
    case 0x5555u:
      m.iwdg_access = true;
      return;
    default:
      m.iwdg_access = false;
      return;
    }
  }
  if (off > 0x10u || off == 0x0Cu) {
    violation("IWDG write at offset 0x%X (read-only or reserved)", (unsigned)off);
    return;
  }
  uint32_t which = off == 0x04u ? 0u : (off == 0x08u ? 1u : 2u);
  if (!m.iwdg_access) {
    violation("IWDG register at offset 0x%X written without KR = 0x5555 (ignored)", (unsigned)off);
    return;
  }
  if (m.iwdg_busy[which] != 0u) {
    violation("IWDG register at offset 0x%X written while its update flag is set (ignored)", (unsigned)off);
    return;
  }
  m.iwdg_busy[which] = 5; /* a few LSI cycles to cross into the LSI domain */
  if (which == 0u) {
    m.iwdg_pr = v & 7u;
  } else if (which == 1u) {
    m.iwdg_rlr = v & 0xFFFu;
  } else {
    m.iwdg_winr = v & 0xFFFu;
    if (m.iwdg_running) {
      m.iwdg_counter = m.iwdg_rlr; /* "writing the window value ... reloads the down-counter" */
      m.iwdg_acc = 0;
    }
  }
}

void l4_model_iwdg_ticks_per_lsi(uint32_t ticks) { m.iwdg_ticks_per_lsi = ticks; }
bool l4_model_iwdg_running(void) { return m.iwdg_running; }
uint32_t l4_model_iwdg_counter(void) { return m.iwdg_counter; }

/* ------------------------------------------------------------------------------------------------------ */
/* Core                                                                                                    */

static bool nvic_bit(const uint32_t *words, uint32_t irq) { return (words[irq / 32u] >> (irq % 32u)) & 1u; }

void l4_model_nvic_enable(uint32_t irq) {
  if (irq >= IRQ_LINES) {
    fatal("l4_model_nvic_enable(%u)", (unsigned)irq);
  }
  m.nvic_enabled[irq / 32u] |= 1u << (irq % 32u);
}
void l4_model_nvic_pend(uint32_t irq) {
  if (irq >= IRQ_LINES) {
    fatal("l4_model_nvic_pend(%u)", (unsigned)irq);
  }
  m.nvic_pending[irq / 32u] |= 1u << (irq % 32u);
}
bool l4_model_nvic_enabled(uint32_t irq) { return irq < IRQ_LINES && nvic_bit(m.nvic_enabled, irq); }
bool l4_model_nvic_pending(uint32_t irq) { return irq < IRQ_LINES && nvic_bit(m.nvic_pending, irq); }
void l4_model_systick_pend(void) { m.systick_pending = true; }
bool l4_model_systick_pending(void) { return m.systick_pending; }
void l4_model_pendsv_pend(void) { m.pendsv_pending = true; }
bool l4_model_pendsv_pending(void) { return m.pendsv_pending; }

static uint32_t nvic_mask(uint32_t word) {
  if (word > 2u) {
    return 0;
  }
  return word < 2u ? 0xFFFFFFFFu : (1u << (IRQ_LINES - 64u)) - 1u;
}

static bool core_read(uint32_t addr, uint32_t *v, bool peek) {
  if (addr >= M_NVIC_ISER && addr < M_NVIC_ISER + 0x200u) {
    uint32_t word = ((addr - M_NVIC_ISER) % 0x80u) / 4u;
    uint32_t group = (addr - M_NVIC_ISER) / 0x80u; /* 0 ISER, 1 ICER, 2 ISPR, 3 ICPR */
    if ((addr - M_NVIC_ISER) % 0x80u >= 0x20u) {
      return false;
    }
    *v = word > 2u ? 0u : (group < 2u ? m.nvic_enabled[word] : m.nvic_pending[word]);
    return true;
  }
  if (systick_read(&m.systick, addr, peek, v)) {
    return true;
  }
  switch (addr) {
  case M_ICSR:
    *v = (m.systick_pending ? (1u << 26) : 0u) | (m.pendsv_pending ? (1u << 28) : 0u);
    return true;
  case M_VTOR:
    *v = m.vtor;
    return true;
  case M_AIRCR:
    *v = 0xFA050000u | (m.aircr_prigroup << 8);
    return true;
  default:
    return false;
  }
}

static bool core_write(uint32_t addr, uint32_t v) {
  if (addr >= M_NVIC_ISER && addr < M_NVIC_ISER + 0x200u && (addr - M_NVIC_ISER) % 0x80u < 0x20u) {
    uint32_t word = ((addr - M_NVIC_ISER) % 0x80u) / 4u;
    uint32_t group = (addr - M_NVIC_ISER) / 0x80u;
    uint32_t bits = v & nvic_mask(word);
    if (word > 2u) {
      return true;
    }
    switch (group) {
    case 0:
      m.nvic_enabled[word] |= bits;
      break;
    case 1:
      m.nvic_enabled[word] &= ~bits;
      break;
    case 2:
      m.nvic_pending[word] |= bits;
      break;
    default:
      m.nvic_pending[word] &= ~bits;
      break;
    }
    return true;
  }
  if (systick_write(&m.systick, addr, v)) {
    return true;
  }
  switch (addr) {
  case M_ICSR:
    if ((v & (1u << 26)) != 0u && (v & (1u << 25)) != 0u) {
      violation("ICSR: PENDSTSET and PENDSTCLR written together");
    }
    m.systick_pending = ((v & (1u << 26)) != 0u) || (m.systick_pending && (v & (1u << 25)) == 0u);
    m.pendsv_pending = ((v & (1u << 28)) != 0u) || (m.pendsv_pending && (v & (1u << 27)) == 0u);
    return true;
  case M_VTOR:
    if ((v & 0x1FFu) != 0u) {
      violation("VTOR = 0x%08X: the STM32L476's 98 vectors need a 512-byte aligned table", (unsigned)v);
    }
    m.vtor = v & 0xFFFFFF80u;
    return true;
  case M_AIRCR:
    if ((v >> 16) != 0x05FAu) {
      violation("AIRCR written without VECTKEY (ignored)");
      return true;
    }
    if ((v & 1u) != 0u) {
      violation("AIRCR.VECTRESET is for debug only");
    }
    if ((v & 4u) != 0u && ((v >> 8) & 7u) != m.aircr_prigroup) {
      violation("AIRCR.SYSRESETREQ written with PRIGROUP %u instead of %u (CMSIS keeps it)",
                (unsigned)((v >> 8) & 7u), (unsigned)m.aircr_prigroup);
    }
    m.aircr_prigroup = (v >> 8) & 7u;
    if ((v & 4u) != 0u) {
      model_unwind("AIRCR.SYSRESETREQ", CSR_SFTRSTF | CSR_PINRSTF, false);
    }
    return true;
  default:
    return false;
  }
}

/* ------------------------------------------------------------------------------------------------------ */
/* Resets and runs                                                                                         */

static void registers_reset(bool load_options) {
  flash_registers_reset(load_options);
  m.rcc_cr = RCR_RESET;
  m.cfgr = 0;
  m.pllcfgr = PLLCFGR_RESET;
  m.ahb1rstr = m.ahb2rstr = m.apb1rstr1 = m.apb2rstr = 0;
  m.ahb1enr = AHB1ENR_RESET;
  m.ahb2enr = m.apb1enr1 = m.apb2enr = 0;
  m.ccipr = 0;
  m.csr = (m.csr & CSR_FLAGS) | 0x00000600u; /* MSISRANGE = 6; the flags are set by the reset itself */
  m.hse_left = m.hsi_left = m.pll_left = 0;
  m.pwr_cr1 = PWR_CR1_RESET;
  m.vosf_left = 0;
  for (uint32_t i = 0; i < GPIO_PORTS; i++) {
    gpio_reset(i);
  }
  for (uint32_t i = 0; i < USARTS; i++) {
    usart_reset(i);
  }
  dma_reset();
  m.iwdg_running = (m.opt_loaded[0] & OPTR_IWDG_SW) == 0u; /* hardware watchdog: it starts with the reset */
  m.iwdg_access = false;
  m.iwdg_pr = 0;
  m.iwdg_rlr = 0xFFFu;
  m.iwdg_winr = 0xFFFu;
  m.iwdg_counter = 0xFFFu;
  m.iwdg_acc = 0;
  memset(m.iwdg_busy, 0, sizeof m.iwdg_busy);
  systick_reset(&m.systick);
  m.vtor = 0;
  m.aircr_prigroup = 0;
  m.systick_pending = m.pendsv_pending = false;
  memset(m.nvic_enabled, 0, sizeof m.nvic_enabled);
  memset(m.nvic_pending, 0, sizeof m.nvic_pending);
}

static void noinit_randomise(void) {
  for (uint32_t i = 0; i < M_NOINIT_SIZE / 4u; i++) {
    m.noinit[i] = model_rand();
  }
}

void l4_model_reset(enum l4_part part) {
  memset(&m, 0, sizeof m);
  model_report_reset();
  m.part = &s_parts[part];
  m.seed = 0x2545F491u;
  flash_array_reset();
  m.program_polls = 3;
  m.erase_polls = 200;
  m.option_polls = 300;
  m.hse_source = L4_HSE_NONE;
  noinit_randomise();
  m.csr = CSR_BORRSTF | CSR_PINRSTF;
  registers_reset(true);
  m.last_reset = "power-on";
}

void l4_model_power_cycle(void) {
  noinit_randomise();
  m.csr = CSR_BORRSTF | CSR_PINRSTF;
  registers_reset(true);
  m.last_reset = "power cycle";
}

void model_unwind(const char *why, uint32_t csr_flags, bool power) {
  m.last_reset = why;
  if (power) {
    noinit_randomise();
    m.csr = csr_flags;
  } else {
    m.csr |= csr_flags;
    m.stats.system_resets++;
  }
  registers_reset(power || (csr_flags & CSR_OBLRSTF) != 0u); /* RM0351 3.4.2: only these load the options */
  if (m.run == NULL) {
    fatal("%s: the modelled MCU reset outside l4_model_run", why);
  }
  longjmp(*m.run, power ? 2 : 1);
}

enum l4_run_end l4_model_run(void (*fn)(void)) {
  jmp_buf env;
  jmp_buf *saved = m.run;
  m.run = &env;
  int r = setjmp(env);
  if (r == 0) {
    fn();
    m.run = saved;
    return L4_RUN_RETURNED;
  }
  m.run = saved;
  return r == 2 ? L4_RUN_POWER_CUT : L4_RUN_SYSTEM_RESET;
}

const char *l4_model_last_reset(void) { return m.last_reset; }
uint64_t l4_model_ticks(void) { return m.ticks; }

/* ------------------------------------------------------------------------------------------------------ */
/* Bus decode                                                                                              */

static void tick(void) {
  m.ticks++;
  flash_tick();
  rcc_tick();
  if (m.vosf_left > 0u) {
    m.vosf_left--;
  }
  usart_tick();
  iwdg_tick();
}

static bool in_noinit(uint32_t addr) { return addr >= M_NOINIT_BASE && addr - M_NOINIT_BASE < M_NOINIT_SIZE; }

static uint32_t model_read(uint32_t addr, bool peek) {
  if (!peek) {
    model_count_read(addr);
    tick();
  }
  if (flash_in_array(addr)) {
    return flash_read(flash_bus_to_array(addr), peek);
  }
  if (addr == M_SYSCFG_MEMRMP) {
    if (!rcc_clocked(m.apb2enr, m.apb2rstr, APB2_SYSCFGEN)) {
      if (!peek) {
        violation("SYSCFG_MEMRMP read with the SYSCFG clock off (reads 0)");
      }
      return 0;
    }
    return m.fb_mode ? MEMRMP_FB_MODE : 0u;
  }
  if (addr == M_FLASHSIZE) {
    return m.fsize_kb == 0u ? 0xFFFFFFFFu : (0xFFFF0000u | m.fsize_kb);
  }
  if (addr >= M_FLASH_IF && addr < M_FLASH_IF + 0x54u) {
    return flash_if_read(addr, peek);
  }
  if (in_noinit(addr) && (addr & 3u) == 0u) {
    return m.noinit[(addr - M_NOINIT_BASE) / 4u];
  }
  uint32_t v = 0;
  if (core_read(addr, &v, peek)) {
    return v;
  }
  switch (addr) {
  case M_RCC_CR:
    return m.rcc_cr;
  case M_RCC_CFGR:
    return m.cfgr;
  case M_RCC_PLLCFGR:
    return m.pllcfgr;
  case M_RCC_AHB1RSTR:
    return m.ahb1rstr;
  case M_RCC_AHB2RSTR:
    return m.ahb2rstr;
  case M_RCC_APB1RSTR1:
    return m.apb1rstr1;
  case M_RCC_APB2RSTR:
    return m.apb2rstr;
  case M_RCC_AHB1ENR:
    return m.ahb1enr;
  case M_RCC_AHB2ENR:
    return m.ahb2enr;
  case M_RCC_APB1ENR1:
    return m.apb1enr1;
  case M_RCC_APB2ENR:
    return m.apb2enr;
  case M_RCC_CCIPR:
    return m.ccipr;
  case M_RCC_CSR:
    return m.csr | (((m.csr & 1u) != 0u || m.iwdg_running) ? 2u : 0u); /* LSIRDY */
  case M_PWR_CR1:
  case M_PWR_SR2:
    if (!pwr_clocked()) {
      if (!peek) {
        violation("PWR read with its clock off (reads 0)");
      }
      return 0;
    }
    return addr == M_PWR_CR1 ? m.pwr_cr1 : ((m.vosf_left > 0u || m.vosf_stuck) ? PWR_SR2_VOSF : 0u);
  default:
    break;
  }
  if (addr >= M_IWDG && addr < M_IWDG + 0x14u) {
    return iwdg_read(addr - M_IWDG);
  }
  if (addr >= M_GPIO && addr < M_GPIO + GPIO_PORTS * 0x400u) {
    uint32_t port = (addr - M_GPIO) / 0x400u;
    if (!rcc_clocked(m.ahb2enr, m.ahb2rstr, 1u << port)) {
      if (!peek) {
        violation("GPIO%c read with its clock off (reads 0)", (char)('A' + port));
      }
      return 0;
    }
    return gpio_read(port, (addr - M_GPIO) % 0x400u);
  }
  int ui = usart_index(addr);
  if (ui >= 0) {
    if (!usart_clocked(ui)) {
      if (!peek) {
        violation("USART at 0x%08X read with its clock off (reads 0)", (unsigned)addr);
      }
      return 0;
    }
    return usart_read(ui, addr - usart_base_of(ui), peek);
  }
  if (dma_in_range(addr)) {
    return dma_read(addr, peek);
  }
  fatal("read of unmodelled address 0x%08X", (unsigned)addr);
}

uint32_t reg_model_read32(uint32_t addr) { return model_read(addr, false); }
uint32_t l4_model_peek(uint32_t addr) { return model_read(addr, true); }

void reg_model_write32(uint32_t addr, uint32_t v) {
  model_trace_write((struct model_write){addr, v, {m.cr, 0}, 32});
  if (flash_in_array(addr)) {
    flash_store(flash_bus_to_array(addr), v);
    return;
  }
  if (addr == M_SYSCFG_MEMRMP) {
    violation("SYSCFG_MEMRMP written (0x%08X): tsboot never remaps memory", (unsigned)v);
    return;
  }
  if (addr >= M_FLASH_IF && addr < M_FLASH_IF + 0x54u) {
    flash_if_write(addr, v);
    return;
  }
  if (in_noinit(addr) && (addr & 3u) == 0u) {
    m.noinit[(addr - M_NOINIT_BASE) / 4u] = v;
    return;
  }
  if (core_write(addr, v)) {
    return;
  }
  switch (addr) {
  case M_RCC_CR:
    rcc_cr_write(v);
    return;
  case M_RCC_CFGR:
    rcc_cfgr_write(v);
    return;
  case M_RCC_PLLCFGR:
    rcc_pllcfgr_write(v);
    return;
  case M_RCC_AHB1RSTR:
    rstr_write(&m.ahb1rstr, v, 0);
    return;
  case M_RCC_AHB2RSTR:
    rstr_write(&m.ahb2rstr, v, 1);
    return;
  case M_RCC_APB1RSTR1:
    rstr_write(&m.apb1rstr1, v, 2);
    return;
  case M_RCC_APB2RSTR:
    rstr_write(&m.apb2rstr, v, 3);
    return;
  case M_RCC_AHB1ENR:
    if ((v & AHB1ENR_RESET) == 0u) {
      violation("RCC_AHB1ENR: FLASHEN cleared (the flash interface clock)");
    }
    m.ahb1enr = v;
    return;
  case M_RCC_AHB2ENR:
    m.ahb2enr = v;
    return;
  case M_RCC_APB1ENR1:
    m.apb1enr1 = v;
    return;
  case M_RCC_APB2ENR:
    m.apb2enr = v;
    return;
  case M_RCC_CCIPR:
    m.ccipr = v;
    return;
  case M_RCC_CSR:
    csr_write(v);
    return;
  case M_PWR_CR1:
    if (!pwr_clocked()) {
      violation("PWR_CR1 write with the PWR clock off (ignored)");
      return;
    }
    pwr_cr1_write(v);
    return;
  case M_PWR_SR2:
    violation("PWR_SR2 is read-only");
    return;
  default:
    break;
  }
  if (addr >= M_IWDG && addr < M_IWDG + 0x14u) {
    iwdg_write(addr - M_IWDG, v);
    return;
  }
  if (addr >= M_GPIO && addr < M_GPIO + GPIO_PORTS * 0x400u) {
    uint32_t port = (addr - M_GPIO) / 0x400u;
    if (!rcc_clocked(m.ahb2enr, m.ahb2rstr, 1u << port)) {
      violation("GPIO%c write with its clock off (ignored)", (char)('A' + port));
      return;
    }
    gpio_write(port, (addr - M_GPIO) % 0x400u, v);
    return;
  }
  int ui = usart_index(addr);
  if (ui >= 0) {
    if (!usart_clocked(ui)) {
      violation("USART at 0x%08X written with its clock off (ignored)", (unsigned)addr);
      return;
    }
    usart_write(ui, addr - usart_base_of(ui), v);
    return;
  }
  if (dma_in_range(addr)) {
    dma_write(addr, v);
    return;
  }
  fatal("write of 0x%08X to unmodelled address 0x%08X", (unsigned)v, (unsigned)addr);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Inspection                                                                                              */

const struct l4_model_stats *l4_model_stats(void) { return &m.stats; }
