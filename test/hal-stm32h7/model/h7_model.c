/*
 * STM32H7 register model for host tests (see h7_model.h). Section numbers refer to RM0433 rev 7; DS12110
 * is the STM32H743 datasheet.
 *
 * Addresses and bits are written out here independently of hal-bindings/stm32h7/stm32h7_regs.h, so a wrong
 * constant there shows up as a failing test instead of being shared by the driver and the model.
 */
#include "h7_model.h"

#include "dma_stream.h"
#include "flash_key_lock.h"
#include "gpio_port.h"
#include "systick.h"
#include "usart_tx.h"

#include <string.h>

/* ------------------------------------------------------------------------------------------------------ */
/* Addresses and bits                                                                                      */

#define MHZ 1000000u
#define HSI_HZ (64u * MHZ)

#define M_FLASH_B1 0x08000000u
#define M_FLASH_B2 0x08100000u
#define M_WINDOW 0x00100000u
#define M_SECTOR 0x20000u
#define M_FLASHSIZE 0x1FF1E880u

#define M_FLASH_IF 0x52002000u
#define M_ACR 0x000u
#define M_KEYR 0x004u
#define M_OPTKEYR 0x008u
#define M_CR 0x00Cu
#define M_SR 0x010u
#define M_CCR 0x014u
#define M_OPTCR 0x018u
#define M_OPTSR_CUR 0x01Cu
#define M_OPTSR_PRG 0x020u
#define M_OPTCCR 0x024u
#define M_WPSN_CUR 0x038u
#define M_WPSN_PRG 0x03Cu
#define M_ECC_FA 0x060u
#define M_BANK2_OFF 0x100u
#define M_KEY1 0x45670123u
#define M_KEY2 0xCDEF89ABu
#define M_OPTKEY1 0x08192A3Bu
#define M_OPTKEY2 0x4C5D6E7Fu

/* FLASH_CRx (4.9.4) */
#define CR_LOCK 0x00000001u
#define CR_PG 0x00000002u
#define CR_SER 0x00000004u
#define CR_BER 0x00000008u
#define CR_PSIZE 0x00000030u
#define CR_FW 0x00000040u
#define CR_START 0x00000080u
#define CR_SNB_SHIFT 8u
#define CR_SNB 0x00000700u
#define CR_RESET 0x00000031u
#define CR_WRITABLE 0x1FEF87FEu /* every defined bit but LOCK (set-only) */
/* FLASH_SRx (4.9.5) */
#define SR_BSY 0x00000001u
#define SR_WBNE 0x00000002u
#define SR_QW 0x00000004u
#define SR_EOP 0x00010000u
#define SR_WRPERR 0x00020000u
#define SR_PGSERR 0x00040000u
#define SR_STRBERR 0x00080000u
#define SR_INCERR 0x00200000u
#define SR_OPERR 0x00400000u
#define SR_RDPERR 0x00800000u
#define SR_RDSERR 0x01000000u
#define SR_SNECCERR 0x02000000u
#define SR_DBECCERR 0x04000000u
#define SR_CRCEND 0x08000000u
#define SR_CRCRDERR 0x10000000u
#define SR_CLEARABLE 0x1FEF0000u
/* FLASH_OPTCR / OPTSR (4.9.7-4.9.9) */
#define OPTCR_OPTLOCK 0x00000001u
#define OPTCR_OPTSTART 0x00000002u
#define OPTCR_MER 0x00000010u
#define OPTCR_CHANGEERRIE 0x40000000u
#define OPTCR_SWAP_BANK 0x80000000u
#define OPTSR_OPT_BUSY 0x00000001u
#define OPTSR_IWDG1_SW 0x00000010u
#define OPTSR_CHANGEERR 0x40000000u
#define OPTSR_SWAP_BANK_OPT 0x80000000u
#define OPTSR_FACTORY 0x1606AAF0u /* IWDG1_SW = 1, RDP level 0 (0xAA), BOR off ... as shipped */

#define M_RCC 0x58024400u
#define R_CR 0x000u
#define R_CFGR 0x010u
#define R_D1CFGR 0x018u
#define R_D2CFGR 0x01Cu
#define R_D3CFGR 0x020u
#define R_PLLCKSELR 0x028u
#define R_PLLCFGR 0x02Cu
#define R_PLL1DIVR 0x030u
#define R_PLL1FRACR 0x034u
#define R_D2CCIP2R 0x054u
#define R_AHB1RSTR 0x080u
#define R_AHB4RSTR 0x088u
#define R_APB1LRSTR 0x090u
#define R_APB2RSTR 0x098u
#define R_RSR 0x0D0u
#define R_AHB1ENR 0x0D8u
#define R_AHB4ENR 0x0E0u
#define R_APB1LENR 0x0E8u
#define R_APB2ENR 0x0F0u
#define RCR_HSION 0x00000001u
#define RCR_HSIRDY 0x00000004u
#define RCR_HSIDIV 0x00000018u
#define RCR_HSEON 0x00010000u
#define RCR_HSERDY 0x00020000u
#define RCR_HSEBYP 0x00040000u
#define RCR_CSSHSEON 0x00080000u
#define RCR_PLL1ON 0x01000000u
#define RCR_PLL1RDY 0x02000000u
#define RCR_RESET 0x00000025u
#define RSR_RMVF 0x00010000u
#define RSR_POWER_ON 0x00FE0000u /* CPURSTF, D1RSTF, D2RSTF, BORRSTF, PINRSTF, PORRSTF (RM0433 table 52) */
#define RSR_SOFTWARE 0x01420000u /* SFTRSTF, PINRSTF, CPURSTF */

#define M_PWR 0x58024800u
#define P_CSR1 0x04u
#define P_CR3 0x0Cu
#define P_D3CR 0x18u
#define CR3_BYPASS 0x1u
#define CR3_LDOEN 0x2u
#define CR3_SCUEN 0x4u

#define M_GPIO 0x58020000u
#define GPIO_PORTS 11u

#define M_DMA1 0x40020000u
#define M_DMAMUX1 0x40020800u
#define M_IWDG 0x58004800u

#define M_ICTR 0xE000E004u
#define M_NVIC_ICER 0xE000E180u
#define M_NVIC_ICPR 0xE000E280u
#define M_ICSR 0xE000ED04u
#define M_VTOR 0xE000ED08u
#define M_AIRCR 0xE000ED0Cu
#define M_SCB_CCR 0xE000ED14u
#define M_SHCSR 0xE000ED24u
#define M_CFSR 0xE000ED28u
#define M_HFSR 0xE000ED2Cu
#define M_BFAR 0xE000ED38u
#define M_CCSIDR 0xE000ED80u
#define M_CSSELR 0xE000ED84u
#define M_ICIALLU 0xE000EF50u
#define M_DCIMVAC 0xE000EF5Cu
#define M_DCCIMVAC 0xE000EF70u
#define M_DCCISW 0xE000EF74u
#define M_MPU_CTRL 0xE000ED94u
#define SCB_CCR_DC 0x00010000u
#define SCB_CCR_IC 0x00020000u
#define CFSR_PRECISERR 0x00000200u
#define CFSR_BFARVALID 0x00008000u
#define NVIC_WORDS 5u /* 150 interrupt lines on H743 (ICTR.INTLINESNUM = 4) */

#define M_DTCM 0x20000000u
#define DTCM_SIZE 0x20000u

/* ------------------------------------------------------------------------------------------------------ */
/* State                                                                                                   */

#define FLASH_BANK_MAX 0x100000u
#define WORDS_PER_BANK (FLASH_BANK_MAX / 32u)
#define RX_QUEUE 4096u
#define RAM_MAPS 8u
#define DC_SETS 128u
#define DC_WAYS 4u

enum op_kind { OP_NONE, OP_PROGRAM, OP_ERASE, OP_BANK_ERASE };
enum ecc_state { ECC_OK = 0, ECC_SINGLE = 1, ECC_DOUBLE = 2 };

struct bank_state {
  uint8_t mem[FLASH_BANK_MAX];
  uint8_t ecc[WORDS_PER_BANK];
  uint32_t cr, sr, ecc_fa, wpsn_cur, wpsn_prg;
  struct key_sequence keys; /* FLASH_KEYRx's */
  /* the write buffer (4.3.9): one flash word being filled */
  bool wb_active;
  uint32_t wb_addr, wb_mask;
  uint8_t wb_data[32];
  /* the operation running */
  enum op_kind op;
  uint32_t op_addr, op_sector, polls_left, fail_flags;
  uint8_t op_data[32];
  bool op_forced;
  bool stuck;
  uint32_t inject;
};

struct usart_state {
  uint32_t cr1, cr2, cr3, brr, presc, isr, rdr;
  uint32_t teack_in, reack_in; /* polls until TEACK/REACK follow TE/RE */
  struct usart_tx tx;          /* TDR, the shift register, the line */
  uint16_t rxq[RX_QUEUE];
  uint32_t rxq_head, rxq_len;
};

struct dline {
  bool valid;
  uint32_t tag; /* line address */
  uint8_t data[32];
};

static struct {
  enum h7_part part;
  uint32_t flash_kb, fsize_reg;
  struct bank_state bank[2];
  uint32_t acr;
  uint32_t program_polls, erase_polls;
  /* options */
  uint32_t optcr, optsr_cur, optsr_prg;
  struct key_sequence optkeys;
  uint32_t opt_polls_left, opt_busy_polls;
  bool opt_busy, opt_fail_next;
  bool swap_active; /* OPTCR.SWAP_BANK: the mapping since the last reset */
  /* RCC / PWR */
  uint32_t rcc_cr, cfgr, d1cfgr, d2cfgr, d3cfgr, pllckselr, pllcfgr, pll1divr, pll1fracr, d2ccip2r;
  uint32_t ahb1rstr, ahb4rstr, apb1lrstr, apb2rstr, ahb1enr, ahb4enr, apb1lenr, apb2enr;
  uint32_t rsr_flags;
  bool rmvf;
  enum h7_hse_source hse_source;
  uint32_t hse_hz, hse_polls_left, pll_polls_left;
  bool pll_never_locks;
  uint32_t pwr_cr3, pwr_d3cr, actvos;
  bool actvosrdy;
  uint32_t actvosrdy_in, vosrdy_in;
  /* peripherals */
  struct gpio_port gpio[GPIO_PORTS]; /* LCKR is not modelled */
  struct usart_state usart[8];
  struct dma_controller dma; /* DMA1 */
  uint32_t dmamux[16];
  uint32_t iwdg_pr_pending, iwdg_rlr_pending, iwdg_pvu_in, iwdg_rvu_in;
  bool iwdg_access;
  struct h7_model_iwdg iwdg;
  /* core */
  struct systick systick;
  uint32_t vtor, shcsr, cfsr, hfsr, bfar, csselr, scb_ccr, mpu_ctrl;
  bool systick_pending, pendsv;
  uint32_t nvic_enabled[NVIC_WORDS], nvic_pending[NVIC_WORDS];
  struct dline dcache[DC_SETS][DC_WAYS];
  uint32_t dc_next_way[DC_SETS];
  uint8_t dccisw_seen[DC_SETS][DC_WAYS];
  /* RAM */
  uint8_t dtcm[DTCM_SIZE];
  struct {
    uint32_t bus, len;
    uint8_t *host;
  } maps[RAM_MAPS];
  uint32_t map_count;
  /* outside */
  jmp_buf *reset_catch;
  h7_model_bus_fault_handler fault_handler;
  /* inspection */
  struct h7_model_stats stats;
} m;

static const uint32_t usart_bases[8] = {0x40011000u, 0x40004400u, 0x40004800u, 0x40004C00u,
                                        0x40005000u, 0x40011400u, 0x40007800u, 0x40007C00u};
static const char *const usart_names[8] = {"USART1", "USART2", "USART3", "UART4", "UART5", "USART6", "UART7", "UART8"};
/* RCC: APB2ENR bit 4/5 for USART1/6; APB1LENR bits 17-20, 30, 31 for the others (8.7.42, 8.7.44) */
static const uint32_t usart_rcc_bit[8] = {1u << 4, 1u << 17, 1u << 18, 1u << 19, 1u << 20, 1u << 5, 1u << 30, 1u << 31};
static const bool usart_on_apb2[8] = {true, false, false, false, false, true, false, false};
/* DMAMUX1 request of each RX (table 121) */
static const uint32_t usart_rx_request[8] = {41u, 43u, 45u, 63u, 65u, 71u, 79u, 81u};

/* ------------------------------------------------------------------------------------------------------ */
/* Flash geometry (4.3.3, table 15): two banks, 128 KB sectors, 32-byte flash words                         */

uint32_t h7_model_flash_size(void) { return m.flash_kb * 1024u; }
uint32_t h7_model_flash_sectors_per_bank(void) { return h7_model_flash_size() / 2u / M_SECTOR; }
static uint32_t bank_size(void) { return h7_model_flash_size() / 2u; }

/* The register set (and memory) an address belongs to; with the banks swapped, the bank at 0x08000000 is
 * physical bank 2, but the ...1 registers still drive that window (see stm32h7_regs.h). The model keeps
 * memory per window. */
static bool flash_locate(uint32_t addr, uint32_t *bank, uint32_t *off) {
  if (addr >= M_FLASH_B1 && addr - M_FLASH_B1 < bank_size()) {
    *bank = 0;
    *off = addr - M_FLASH_B1;
    return true;
  }
  if (addr >= M_FLASH_B2 && addr - M_FLASH_B2 < bank_size()) {
    *bank = 1;
    *off = addr - M_FLASH_B2;
    return true;
  }
  return false;
}

static bool in_flash_window(uint32_t addr) {
  return (addr >= M_FLASH_B1 && addr - M_FLASH_B1 < M_WINDOW) || (addr >= M_FLASH_B2 && addr - M_FLASH_B2 < M_WINDOW);
}

static bool word_erased(const struct bank_state *b, uint32_t off) {
  for (uint32_t i = 0; i < 32u; i++) {
    if (b->mem[(off & ~31u) + i] != 0xFFu) {
      return false;
    }
  }
  return true;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Clocks                                                                                                  */

static uint32_t pll1_src_hz(void) {
  switch (m.pllckselr & 3u) {
  case 0:
    return HSI_HZ >> ((m.rcc_cr & RCR_HSIDIV) >> 3);
  case 1:
    return 4u * MHZ; /* CSI */
  case 2:
    return m.hse_hz;
  default:
    return 0;
  }
}

static uint32_t pll1_divm(void) { return (m.pllckselr >> 4) & 0x3Fu; }

static uint64_t pll1_vco(void) {
  uint32_t divm = pll1_divm();
  if (divm == 0u) {
    return 0;
  }
  return (uint64_t)pll1_src_hz() / divm * ((m.pll1divr & 0x1FFu) + 1u);
}

static uint32_t pll1_p_hz(void) { return (uint32_t)(pll1_vco() / (((m.pll1divr >> 9) & 0x7Fu) + 1u)); }

static uint32_t sws(void) { return (m.cfgr >> 3) & 7u; }

uint32_t h7_model_sys_hz(void) {
  switch (sws()) {
  case 0:
    return HSI_HZ >> ((m.rcc_cr & RCR_HSIDIV) >> 3);
  case 1:
    return 4u * MHZ;
  case 2:
    return m.hse_hz;
  case 3:
    return pll1_p_hz();
  default:
    return 0;
  }
}

/* D1CPRE and HPRE: 0xxx /1, 1000 /2, 1001 /4 ... 1111 /512 (8.7.6) */
static uint32_t div16(uint32_t code) {
  static const uint32_t shift[8] = {1, 2, 3, 4, 6, 7, 8, 9};
  return code < 8u ? 1u : 1u << shift[code - 8u];
}
/* the APB prescalers: 0xx /1, 100 /2 ... 111 /16 */
static uint32_t div8(uint32_t code) { return code < 4u ? 1u : 1u << (code - 3u); }

uint32_t h7_model_cpu_hz(void) { return h7_model_sys_hz() / div16((m.d1cfgr >> 8) & 0xFu); }
uint32_t h7_model_axi_hz(void) { return h7_model_cpu_hz() / div16(m.d1cfgr & 0xFu); }
uint32_t h7_model_pclk1_hz(void) { return h7_model_axi_hz() / div8((m.d2cfgr >> 4) & 7u); }
uint32_t h7_model_pclk2_hz(void) { return h7_model_axi_hz() / div8((m.d2cfgr >> 8) & 7u); }
static uint32_t pclk3_hz(void) { return h7_model_axi_hz() / div8((m.d1cfgr >> 4) & 7u); }
static uint32_t pclk4_hz(void) { return h7_model_axi_hz() / div8((m.d3cfgr >> 4) & 7u); }
uint32_t h7_model_vos(void) { return m.actvos == 3u ? 1u : (m.actvos == 2u ? 2u : 3u); }

/* RM0433 table 17 (rev V; the stricter of rev Y/V where they differ): the highest AXI clock for 0, 1, 2 ...
 * wait states, per voltage scale. */
static uint32_t wait_states_needed(uint32_t axi, uint32_t vos) {
  static const uint32_t vos1[] = {70, 140, 210, 225, 240};
  static const uint32_t vos2[] = {55, 110, 165, 225};
  static const uint32_t vos3[] = {45, 90, 135, 180, 225};
  const uint32_t *t = vos == 1u ? vos1 : (vos == 2u ? vos2 : vos3);
  uint32_t n = vos == 2u ? 4u : 5u;
  for (uint32_t ws = 0; ws < n; ws++) {
    if (axi <= t[ws] * MHZ) {
      return ws;
    }
  }
  return 99;
}

/* The programming delay for the flash clock (table 17, WRHIGHFREQ column; ST's FLASH_PROGRAMMING_DELAY_x):
 * 00 up to 70 MHz, 01 up to 185 MHz, 10 up to 225 MHz; 11 (the reset value) covers everything. */
static uint32_t program_delay_needed(uint32_t axi) { return axi <= 70u * MHZ ? 0u : (axi <= 185u * MHZ ? 1u : 2u); }

/* What RM0433 and DS12110 require of the clock tree as it runs now. */
static void rcc_check(const char *after) {
  uint32_t vos = h7_model_vos();
  static const uint32_t cpu_max[4] = {0, 400, 300, 200};
  static const uint32_t axi_max[4] = {0, 200, 150, 100};
  uint32_t cpu = h7_model_cpu_hz();
  uint32_t axi = h7_model_axi_hz();
  if (cpu > cpu_max[vos] * MHZ) {
    violation("after %s: CPU clock %u Hz above the VOS%u maximum", after, (unsigned)cpu, (unsigned)vos);
  }
  if (axi > axi_max[vos] * MHZ) {
    violation("after %s: AXI clock %u Hz above the VOS%u maximum", after, (unsigned)axi, (unsigned)vos);
  }
  /* APB limits (100 MHz at VOS1, DS12110 table 23); the reset tree (HSI 64 MHz, all /1, VOS3) is taken
   * as valid, so only VOS1's limit is checked. */
  if (vos == 1u && (h7_model_pclk1_hz() > 100u * MHZ || h7_model_pclk2_hz() > 100u * MHZ || pclk3_hz() > 100u * MHZ ||
                    pclk4_hz() > 100u * MHZ)) {
    violation("after %s: an APB clock above 100 MHz (APB1 %u, APB2 %u, APB3 %u, APB4 %u)", after,
              (unsigned)h7_model_pclk1_hz(), (unsigned)h7_model_pclk2_hz(), (unsigned)pclk3_hz(),
              (unsigned)pclk4_hz());
  }
  uint32_t need = wait_states_needed(axi, vos);
  uint32_t have = m.acr & 0xFu;
  if (need > have) {
    violation("after %s: AXI clock %u Hz at VOS%u needs %u flash wait states, FLASH_ACR has %u", after, (unsigned)axi,
              (unsigned)vos, (unsigned)need, (unsigned)have);
  }
}

static void rcc_check_pll1(void) {
  uint32_t divm = pll1_divm();
  if (divm == 0u) {
    violation("PLL1ON with DIVM1 = 0 (prescaler disabled)");
    return;
  }
  uint32_t src = pll1_src_hz();
  uint32_t ref = src / divm;
  uint32_t rge = (m.pllcfgr >> 2) & 3u;
  static const uint32_t rge_lo[4] = {1, 2, 4, 8};
  if (ref < rge_lo[rge] * MHZ || ref > 2u * rge_lo[rge] * MHZ) {
    violation("PLL1ON with ref1_ck %u Hz outside the PLL1RGE range %u", (unsigned)ref, (unsigned)rge);
  }
  uint32_t n = (m.pll1divr & 0x1FFu) + 1u;
  uint32_t p = ((m.pll1divr >> 9) & 0x7Fu) + 1u;
  if (n < 4u || n > 512u) {
    violation("PLL1ON with DIVN1 = %u (4..512)", (unsigned)n);
  }
  if (p == 1u || (p & 1u) != 0u) {
    violation("PLL1ON with DIVP1 = %u (an even divider: RM0433 8.7.12)", (unsigned)p);
  }
  uint64_t vco = pll1_vco();
  bool medium = (m.pllcfgr & 2u) != 0u;
  if (medium ? (vco < 150u * MHZ || vco > 420u * MHZ) : (vco < 192u * MHZ || vco > 836u * MHZ || ref < 2u * MHZ)) {
    violation("PLL1ON with a VCO of %llu Hz outside the %s range", (unsigned long long)vco, medium ? "medium" : "wide");
  }
  if ((m.pllcfgr & 1u) != 0u) {
    violation("PLL1ON with PLL1FRACEN set and no fraction configured");
  }
}

static bool hse_works(void) {
  if ((m.rcc_cr & RCR_HSEON) == 0u) {
    return false;
  }
  bool bypass = (m.rcc_cr & RCR_HSEBYP) != 0u;
  return (m.hse_source == H7_HSE_CRYSTAL && !bypass) || (m.hse_source == H7_HSE_CLOCK_IN && bypass);
}

static bool source_ready(uint32_t sw) {
  switch (sw) {
  case 0:
    return (m.rcc_cr & RCR_HSIRDY) != 0u;
  case 2:
    return (m.rcc_cr & RCR_HSERDY) != 0u;
  case 3:
    return (m.rcc_cr & RCR_PLL1RDY) != 0u;
  default:
    return false; /* CSI is not modelled as ready */
  }
}

/* "The switch occurs only when the target clock source is ready" (8.5.6). */
static void rcc_switch(void) {
  uint32_t sw = m.cfgr & 7u;
  if (sw != sws() && source_ready(sw)) {
    if (sw == 3u && (m.pllcfgr & (1u << 16)) == 0u) {
      violation("SYSCLK switched to PLL1 with DIVP1EN = 0 (pll1_p_ck off)");
    }
    m.cfgr = (m.cfgr & ~(7u << 3)) | (sw << 3);
    rcc_check("the SYSCLK switch");
  }
}

static void rcc_tick(void) {
  if (hse_works() && (m.rcc_cr & RCR_HSERDY) == 0u) {
    if (m.hse_polls_left > 0u) {
      m.hse_polls_left--;
    } else {
      m.rcc_cr |= RCR_HSERDY;
    }
  }
  bool src_ok = (m.pllckselr & 3u) == 2u ? (m.rcc_cr & RCR_HSERDY) != 0u : (m.pllckselr & 3u) == 0u;
  if ((m.rcc_cr & RCR_PLL1ON) != 0u && (m.rcc_cr & RCR_PLL1RDY) == 0u && src_ok && !m.pll_never_locks) {
    if (m.pll_polls_left > 0u) {
      m.pll_polls_left--;
    } else {
      m.rcc_cr |= RCR_PLL1RDY;
    }
  }
  rcc_switch();
}

static void rcc_cr_write(uint32_t v) {
  uint32_t old = m.rcc_cr;
  bool pll_is_sys = sws() == 3u;
  bool hse_in_use = sws() == 2u || (pll_is_sys && (m.pllckselr & 3u) == 2u);
  bool hsi_in_use = sws() == 0u || (pll_is_sys && (m.pllckselr & 3u) == 0u);
  uint32_t writable = RCR_HSION | RCR_HSIDIV | RCR_HSEON | RCR_HSEBYP | RCR_PLL1ON | 0x000000C2u /* CSI, KERON */;
  uint32_t nv = (old & ~writable) | (v & writable);
  if ((v & RCR_CSSHSEON) != 0u) {
    nv |= RCR_CSSHSEON; /* set only; cleared by a reset */
  }
  if ((old & RCR_HSION) != 0u && (nv & RCR_HSION) == 0u && hsi_in_use) {
    violation("RCC_CR: HSION cleared while HSI drives sys_ck (ignored)");
    nv |= RCR_HSION;
  }
  if ((old & RCR_HSEON) != 0u && (nv & RCR_HSEON) == 0u && hse_in_use) {
    violation("RCC_CR: HSEON cleared while HSE drives sys_ck (ignored)");
    nv |= RCR_HSEON;
  }
  if ((old & RCR_PLL1ON) != 0u && (nv & RCR_PLL1ON) == 0u && pll_is_sys) {
    violation("RCC_CR: PLL1ON cleared while PLL1 drives sys_ck (ignored)");
    nv |= RCR_PLL1ON;
  }
  if (((old ^ nv) & RCR_HSEBYP) != 0u && ((old | nv) & RCR_HSEON) != 0u) {
    violation("RCC_CR: HSEBYP changed while HSEON = 1 (ignored, 8.7.2)");
    nv = (nv & ~RCR_HSEBYP) | (old & RCR_HSEBYP);
  }
  if ((nv & RCR_HSEON) == 0u) {
    nv &= ~RCR_HSERDY;
  } else if ((old & RCR_HSEON) == 0u) {
    m.hse_polls_left = 20;
  }
  if ((nv & RCR_PLL1ON) == 0u) {
    nv &= ~RCR_PLL1RDY;
  } else if ((old & RCR_PLL1ON) == 0u) {
    m.pll_polls_left = 10;
    m.rcc_cr = nv;
    rcc_check_pll1();
  }
  m.rcc_cr = nv;
  rcc_switch();
}

static void rcc_pll_register_write(uint32_t *reg, uint32_t v, const char *name) {
  if ((m.rcc_cr & RCR_PLL1ON) != 0u) {
    violation("%s written while PLL1 is on (ignored, 8.7.11-8.7.13)", name);
    return;
  }
  *reg = v;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Flash operations (4.3.9 program, 4.3.10 erase)                                                          */

static bool sector_protected(uint32_t bank, uint32_t sector) { return (m.bank[bank].wpsn_cur & (1u << sector)) == 0u; }

static void flash_set_ecc_flag(uint32_t bank, uint32_t flag, uint32_t off) {
  struct bank_state *b = &m.bank[bank];
  if ((b->sr & (SR_SNECCERR | SR_DBECCERR)) == 0u) {
    b->ecc_fa = (off / 32u) & 0x7FFFu; /* FAIL_ECC_ADDR: the flash word, counted in the bank */
  }
  b->sr |= flag;
}

static void flash_complete(uint32_t bank) {
  struct bank_state *b = &m.bank[bank];
  if (b->op == OP_NONE) {
    return;
  }
  if (b->fail_flags != 0u) {
    b->sr |= b->fail_flags;
  } else if (b->op == OP_PROGRAM) {
    uint32_t off = b->op_addr;
    bool was_erased = word_erased(b, off);
    bool same = memcmp(&b->mem[off], b->op_data, 32u) == 0;
    for (uint32_t i = 0; i < 32u; i++) {
      b->mem[off + i] &= b->op_data[i]; /* programming can only clear bits */
    }
    if (!was_erased && !same) {
      /* The 10 ECC bits of the word were programmed before: cleared again with other data, they no longer
       * match it (4.3.4). H7 flags nothing now; every later read sees a double error. */
      violation("flash word 0x%08X programmed again without an erase: its ECC is now wrong",
                (unsigned)((bank == 0u ? M_FLASH_B1 : M_FLASH_B2) + off));
      b->ecc[off / 32u] = ECC_DOUBLE;
    }
    if ((m.acr >> 4 & 3u) < program_delay_needed(h7_model_axi_hz())) {
      violation("flash program with WRHIGHFREQ %u at an AXI clock of %u Hz (table 17)", (unsigned)(m.acr >> 4 & 3u),
                (unsigned)h7_model_axi_hz());
    }
    m.stats.flash_programs++;
    m.stats.flash_force_writes += b->op_forced ? 1u : 0u;
  } else {
    uint32_t first = b->op == OP_BANK_ERASE ? 0u : b->op_sector;
    uint32_t last = b->op == OP_BANK_ERASE ? h7_model_flash_sectors_per_bank() - 1u : b->op_sector;
    for (uint32_t s = first; s <= last; s++) {
      memset(&b->mem[s * M_SECTOR], 0xFF, M_SECTOR);
      memset(&b->ecc[s * M_SECTOR / 32u], ECC_OK, M_SECTOR / 32u);
      m.stats.flash_erases++;
    }
  }
  if (b->fail_flags == 0u) {
    b->sr |= SR_EOP; /* set at the end of every operation (EOPIE only enables the interrupt) */
  }
  b->cr &= ~(CR_START | CR_FW); /* cleared by hardware when the operation ends */
  b->op = OP_NONE;
}

static void flash_start(uint32_t bank, enum op_kind kind, uint32_t sector) {
  struct bank_state *b = &m.bank[bank];
  b->op = kind;
  b->op_sector = sector;
  b->polls_left = kind == OP_PROGRAM ? m.program_polls : m.erase_polls;
  b->fail_flags = b->inject;
  b->inject = 0;
}

/* An access that must wait for the bank's operation: the AXI bus stalls until it ends. */
static void flash_stall(uint32_t bank, const char *what) {
  if (m.bank[bank].op == OP_NONE) {
    return;
  }
  if (m.bank[bank].stuck) {
    fatal("%s while bank %u is stuck busy: the bus would stall forever", what, (unsigned)bank + 1u);
  }
  violation("%s while bank %u was busy: the bus stalled until the operation ended", what, (unsigned)bank + 1u);
  m.stats.bus_stalls++;
  flash_complete(bank);
}

/* The write buffer holds a whole flash word, or FW closes it: queue the program. */
static void flash_queue_buffer(uint32_t bank, bool forced) {
  struct bank_state *b = &m.bank[bank];
  uint32_t sector = b->wb_addr / M_SECTOR;
  memcpy(b->op_data, b->wb_data, 32u);
  for (uint32_t i = 0; i < 32u; i++) {
    if ((b->wb_mask & (1u << i)) == 0u) {
      b->op_data[i] = 0xFFu; /* "the missing bits are set to 1" (FW, 4.3.9) */
    }
  }
  b->op_addr = b->wb_addr;
  b->op_forced = forced;
  b->wb_active = false;
  b->wb_mask = 0;
  if (sector_protected(bank, sector)) {
    b->sr |= SR_WRPERR;
    return;
  }
  flash_start(bank, OP_PROGRAM, sector);
}

static void flash_store(uint32_t addr, uint32_t value) {
  uint32_t bank = 0, off = 0;
  if (!flash_locate(addr, &bank, &off)) {
    fatal("store of 0x%08X to 0x%08X: no flash there on this part", (unsigned)value, (unsigned)addr);
  }
  struct bank_state *b = &m.bank[bank];
  flash_stall(bank, "flash store");
  /* "Any write access requested while PG is cleared is rejected: no bus error, PGSERR" (4.3.9). */
  if ((b->cr & CR_PG) == 0u || (b->cr & CR_LOCK) != 0u) {
    b->sr |= SR_PGSERR;
    violation("store to flash 0x%08X with PG clear or FLASH_CR%u locked: PGSERR", (unsigned)addr, (unsigned)bank + 1u);
    return;
  }
  if ((b->cr & (CR_SER | CR_BER)) != 0u) {
    b->sr |= SR_PGSERR;
    violation("store to flash 0x%08X with PG and an erase bit set: PGSERR", (unsigned)addr);
    return;
  }
  if ((addr & 3u) != 0u) {
    fatal("unaligned 32-bit store to flash 0x%08X", (unsigned)addr);
  }
  uint32_t word = off & ~31u;
  if (b->wb_active && b->wb_addr != word) {
    /* INCERR: a store to another flash word while the buffer holds part of one; both are dropped. */
    b->sr |= SR_INCERR;
    b->wb_active = false;
    b->wb_mask = 0;
    violation("store to flash word 0x%08X while the write buffer held part of another: INCERR", (unsigned)addr);
    return;
  }
  uint32_t lane = off & 31u;
  if (b->wb_active && (b->wb_mask & (0xFu << lane)) != 0u) {
    b->sr |= SR_STRBERR;
    violation("flash 0x%08X stored twice into the write buffer: STRBERR", (unsigned)addr);
    return;
  }
  if (!b->wb_active) {
    b->wb_active = true;
    b->wb_addr = word;
    b->wb_mask = 0;
  }
  for (uint32_t i = 0; i < 4u; i++) {
    b->wb_data[lane + i] = (uint8_t)(value >> (8u * i));
  }
  b->wb_mask |= 0xFu << lane;
  if (b->wb_mask == 0xFFFFFFFFu) {
    flash_queue_buffer(bank, false);
  }
}

static void flash_cr_write(uint32_t bank, uint32_t v) {
  struct bank_state *b = &m.bank[bank];
  if (b->keys.lockout || (b->cr & CR_LOCK) != 0u) {
    violation("FLASH_CR%u write 0x%08X while locked (ignored)", (unsigned)bank + 1u, (unsigned)v);
    m.stats.cr_writes_rejected++;
    return;
  }
  flash_stall(bank, "FLASH_CR write");
  uint32_t old = b->cr;
  b->cr = (v & CR_WRITABLE) | ((v & CR_LOCK) != 0u ? CR_LOCK : 0u);
  if ((v & CR_FW) != 0u) {
    if ((old & CR_PG) == 0u || (b->cr & CR_PG) == 0u) {
      violation("FLASH_CR%u: FW without PG", (unsigned)bank + 1u);
    } else if (b->wb_active) {
      flash_queue_buffer(bank, true);
    }
    if (b->op == OP_NONE) {
      b->cr &= ~CR_FW; /* no effect on an empty buffer; cleared by hardware */
    }
  }
  if ((b->cr & CR_LOCK) != 0u && b->wb_active) {
    violation("FLASH_CR%u locked with a partly filled write buffer", (unsigned)bank + 1u);
  }
  if ((v & CR_START) == 0u || (old & CR_START) != 0u) {
    return;
  }
  if ((b->cr & CR_PG) != 0u || b->wb_active) {
    violation("START with PG set or the write buffer in use: PGSERR");
    b->sr |= SR_PGSERR;
    b->cr &= ~CR_START;
    return;
  }
  if ((b->cr & CR_SER) != 0u && (b->cr & CR_BER) == 0u) {
    uint32_t snb = (b->cr & CR_SNB) >> CR_SNB_SHIFT;
    if (snb >= h7_model_flash_sectors_per_bank()) {
      violation("START with SNB %u: no such sector in a bank of this part", (unsigned)snb);
      b->sr |= SR_PGSERR;
      b->cr &= ~CR_START;
      return;
    }
    if (sector_protected(bank, snb)) {
      b->sr |= SR_WRPERR;
      b->cr &= ~CR_START;
      return;
    }
    flash_start(bank, OP_ERASE, snb);
  } else if ((b->cr & CR_BER) != 0u) {
    violation("bank erase (BER) of bank %u: tsboot's drivers never should", (unsigned)bank + 1u);
    flash_start(bank, OP_BANK_ERASE, 0);
  } else {
    violation("START with neither SER nor BER: PGSERR");
    b->sr |= SR_PGSERR;
    b->cr &= ~CR_START;
  }
}

/* "Any wrong sequence locks up the register until the next system reset" and raises a bus error (4.5.1,
 * flash_key_lock.h); both banks' FLASH_KEYRx and FLASH_OPTKEYR. */
static const struct key_register flash_keyr[2] = {
    {"FLASH_KEYR1", {M_KEY1, M_KEY2}, {"KEY1", "KEY2"}, "bus error, locked until reset"},
    {"FLASH_KEYR2", {M_KEY1, M_KEY2}, {"KEY1", "KEY2"}, "bus error, locked until reset"},
};
static const struct key_register flash_optkeyr = {
    "FLASH_OPTKEYR", {M_OPTKEY1, M_OPTKEY2}, {"KEY1", "KEY2"}, "bus error, locked until reset"};

/* A write to a key register: a wrong one is a bus error, counted. */
static void key_write(const struct key_register *reg, struct key_sequence *seq, uint32_t *lock_reg,
                      uint32_t lock_bit, uint32_t v) {
  key_register_count(key_register_write(reg, seq, lock_reg, lock_bit, v),
                     &m.stats.bus_errors, &m.stats.key_lockouts);
}

static void flash_tick(void) {
  for (uint32_t bank = 0; bank < 2u; bank++) {
    struct bank_state *b = &m.bank[bank];
    if (b->op != OP_NONE && !b->stuck) {
      if (b->polls_left > 0u) {
        b->polls_left--;
      } else {
        flash_complete(bank);
      }
    }
  }
  if (m.opt_busy) {
    if (m.opt_polls_left > 0u) {
      m.opt_polls_left--;
    } else {
      m.opt_busy = false;
      if (m.opt_fail_next) {
        m.opt_fail_next = false;
        m.optsr_cur |= OPTSR_CHANGEERR;
      } else {
        /* The new options are in force as soon as the change completes: no reset on H7 (4.4.3). */
        m.bank[0].wpsn_cur = m.bank[0].wpsn_prg;
        m.bank[1].wpsn_cur = m.bank[1].wpsn_prg;
        m.optsr_cur = (m.optsr_cur & (OPTSR_OPT_BUSY | OPTSR_CHANGEERR)) | (m.optsr_prg & ~(OPTSR_OPT_BUSY | OPTSR_CHANGEERR));
        m.stats.option_changes++;
      }
    }
  }
}

static uint32_t flash_sr_value(uint32_t bank) {
  const struct bank_state *b = &m.bank[bank];
  uint32_t v = b->sr;
  if (b->op != OP_NONE) {
    v |= SR_QW | SR_BSY;
  }
  if (b->wb_active && b->wb_mask != 0u) {
    v |= SR_WBNE;
  }
  return v;
}

/* ------------------------------------------------------------------------------------------------------ */
/* D-cache (L1, 16 KB, 4-way, 32-byte lines: CCSIDR 0xF00FE019)                                           */

static struct dline *dcache_find(uint32_t line) {
  uint32_t set = (line >> 5) % DC_SETS;
  for (uint32_t w = 0; w < DC_WAYS; w++) {
    if (m.dcache[set][w].valid && m.dcache[set][w].tag == line) {
      return &m.dcache[set][w];
    }
  }
  return NULL;
}

bool h7_model_dcache_holds(uint32_t addr) { return dcache_find(addr & ~31u) != NULL; }

/* ------------------------------------------------------------------------------------------------------ */
/* Flash reads: ECC (4.3.4), the bus fault of a double error, the D-cache                                  */

static uint32_t flash_read(uint32_t addr, bool peek) {
  uint32_t bank = 0, off = 0;
  if (!flash_locate(addr, &bank, &off)) {
    fatal("read of 0x%08X: no flash there on this part", (unsigned)addr);
  }
  struct bank_state *b = &m.bank[bank];
  if (peek) {
    uint32_t v = 0;
    memcpy(&v, &b->mem[off & ~3u], 4u);
    return v;
  }
  flash_stall(bank, "flash read");
  uint32_t line = addr & ~31u;
  if ((m.scb_ccr & SCB_CCR_DC) != 0u) {
    struct dline *hit = dcache_find(line);
    if (hit != NULL) {
      uint32_t v = 0;
      memcpy(&v, &hit->data[addr & 28u], 4u);
      return v;
    }
  }
  uint8_t state = b->ecc[off / 32u];
  if (state == ECC_DOUBLE) {
    /* A double error: DBECCERR, FAIL_ECC_ADDR, and a bus error for the CPU - a precise BusFault, taken
     * whether or not DBECCERRIE is set (Zephyr PR #34374, PX4 PR #27642). */
    flash_set_ecc_flag(bank, SR_DBECCERR, off);
    m.cfsr |= CFSR_PRECISERR | CFSR_BFARVALID;
    m.bfar = addr;
    m.stats.ecc_bus_faults++;
    if (m.fault_handler == NULL || !m.fault_handler(addr)) {
      fatal("BusFault on the read of 0x%08X (ECC double error) that no handler resumed: on silicon the CPU resets, "
            "and faults again on the same read at the next boot",
            (unsigned)addr);
    }
    return H7_MODEL_FAULTED_READ;
  }
  if (state == ECC_SINGLE) {
    flash_set_ecc_flag(bank, SR_SNECCERR, off); /* corrected: the data is right */
  }
  if ((m.scb_ccr & SCB_CCR_DC) != 0u) {
    uint32_t set = (line >> 5) % DC_SETS;
    struct dline *l = &m.dcache[set][m.dc_next_way[set]];
    m.dc_next_way[set] = (m.dc_next_way[set] + 1u) % DC_WAYS;
    l->valid = true;
    l->tag = line;
    memcpy(l->data, &b->mem[off & ~31u], 32u);
  }
  uint32_t v = 0;
  memcpy(&v, &b->mem[off & ~3u], 4u);
  return v;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Power                                                                                                   */

static void pwr_tick(void) {
  if (!m.actvosrdy && (m.pwr_cr3 & CR3_SCUEN) == 0u) {
    if (m.actvosrdy_in > 0u) {
      m.actvosrdy_in--;
    } else {
      m.actvosrdy = true;
    }
  }
  if ((m.pwr_d3cr & (1u << 13)) == 0u) {
    if (m.vosrdy_in > 0u) {
      m.vosrdy_in--;
    } else {
      m.pwr_d3cr |= 1u << 13;
      m.actvos = (m.pwr_d3cr >> 14) & 3u;
      rcc_check("a voltage scale change");
    }
  }
}

static void pwr_cr3_write(uint32_t v) {
  uint32_t supply = CR3_BYPASS | CR3_LDOEN;
  if ((m.pwr_cr3 & CR3_SCUEN) != 0u) {
    /* The first write after a power-on fixes the supply configuration (6.4.1, 6.8.4). */
    if ((v & supply) != CR3_LDOEN) {
      violation("PWR_CR3 supply 0x%X: the NUCLEO-H743ZI2 supplies VCORE through the LDO (LDOEN = 1, BYPASS = 0)",
                (unsigned)(v & supply));
    }
    m.pwr_cr3 = (v & ~CR3_SCUEN) & 0x070003FFu;
    m.actvosrdy = false;
    m.actvosrdy_in = 5;
    return;
  }
  if (((v ^ m.pwr_cr3) & supply) != 0u) {
    violation("PWR_CR3: supply configuration changed after it was fixed (SCUEN = 0; ignored)");
  }
  m.pwr_cr3 = (m.pwr_cr3 & (supply | CR3_SCUEN)) | (v & ~(supply | CR3_SCUEN) & 0x070003FFu);
}

static void pwr_d3cr_write(uint32_t v) {
  uint32_t vos = (v >> 14) & 3u;
  if (vos == 0u) {
    violation("PWR_D3CR: VOS = 00 is reserved (ignored)");
    return;
  }
  if (vos != ((m.pwr_d3cr >> 14) & 3u)) {
    if (!m.actvosrdy) {
      violation("PWR_D3CR: VOS changed in Run* mode, before the supply configuration was written (6.6.2)");
    }
    m.pwr_d3cr = (m.pwr_d3cr & ~((3u << 14) | (1u << 13))) | (vos << 14);
    m.vosrdy_in = 5; /* in force once VOSRDY is back; pwr_tick checks the clock against it then */
  }
}

/* ------------------------------------------------------------------------------------------------------ */
/* USART (v2, 48.7) and DMA1                                                                               */

static bool usart_clocked(int i) {
  uint32_t bit = usart_rcc_bit[i];
  return usart_on_apb2[i] ? ((m.apb2enr & bit) != 0u && (m.apb2rstr & bit) == 0u)
                          : ((m.apb1lenr & bit) != 0u && (m.apb1lrstr & bit) == 0u);
}

static bool dma_clocked(void) { return (m.ahb1enr & 1u) != 0u && (m.ahb1rstr & 1u) == 0u; }

static bool ram_host(uint32_t bus, uint32_t len, uint8_t **host) {
  for (uint32_t i = 0; i < m.map_count; i++) {
    if (bus >= m.maps[i].bus && bus - m.maps[i].bus + len <= m.maps[i].len) {
      *host = m.maps[i].host + (bus - m.maps[i].bus);
      return true;
    }
  }
  return false;
}

/* DMAR and a stream behind the USART's RX request: the byte goes from RDR to memory now. */
static void dma_serve_rx(int ui) {
  struct usart_state *u = &m.usart[ui];
  if ((u->cr3 & (1u << 6)) == 0u || (u->isr & (1u << 5)) == 0u || !dma_clocked()) {
    return;
  }
  for (uint32_t s = 0; s < 8u; s++) {
    struct dma_stream *d = &m.dma.stream[s];
    if ((d->cr & DMA_EN) == 0u || (m.dmamux[s] & 0xFFu) != usart_rx_request[ui]) {
      continue;
    }
    if (d->par != usart_bases[ui] + 0x24u) {
      violation("DMA1 stream %u reads 0x%08X, not %s_RDR", (unsigned)s, (unsigned)d->par, usart_names[ui]);
    }
    if ((d->cr & (3u << 6)) != 0u || (d->cr & (3u << 11)) != 0u || (d->cr & (3u << 13)) != 0u ||
        (d->cr & (1u << 10)) == 0u || (d->cr & (1u << 9)) != 0u) {
      violation("DMA1 stream %u: not a peripheral-to-memory byte transfer with MINC (CR 0x%08X)", (unsigned)s,
                (unsigned)d->cr);
    }
    uint32_t at = dma_stream_address(d);
    bool reachable = (at >= 0x24000000u && at < 0x24080000u) || (at >= 0x30000000u && at < 0x30048000u) ||
                     (at >= 0x38000000u && at < 0x38010000u);
    uint8_t *host = NULL;
    if (!reachable) {
      /* DMA1 is a D2 master: the TCMs are not on its bus (2.1, table 3). The transfer errors out. */
      violation("DMA1 stream %u wrote 0x%08X, which DMA1 cannot reach: transfer error", (unsigned)s, (unsigned)at);
      dma_stream_error(&m.dma, s);
      return;
    }
    if (!ram_host(at, 1u, &host)) {
      fatal("DMA1 write to 0x%08X: no RAM mapped there (h7_model_map_ram)", (unsigned)at);
    }
    *host = (uint8_t)u->rdr;
    u->isr &= ~(1u << 5); /* the DMA read of RDR clears RXNE */
    m.stats.dma_bytes++;
    dma_stream_moved(&m.dma, s);
    return;
  }
}

static uint32_t usart_word_mask(const struct usart_state *u) {
  uint32_t mbits = ((u->cr1 >> 27) & 2u) | ((u->cr1 >> 12) & 1u); /* M1:M0 */
  uint32_t data_bits = mbits == 1u ? 9u : (mbits == 2u ? 7u : 8u);
  if ((u->cr1 & (1u << 10)) != 0u) {
    data_bits--; /* the MSB is the parity bit */
  }
  return (1u << data_bits) - 1u;
}

static void usart_tick(int i) {
  struct usart_state *u = &m.usart[i];
  if (!usart_clocked(i)) {
    return;
  }
  if (u->teack_in > 0u && --u->teack_in == 0u) {
    u->isr |= 1u << 21;
  }
  if (u->reack_in > 0u && --u->reack_in == 0u) {
    u->isr |= 1u << 22;
  }
  usart_tx_tick(&u->tx, &u->isr);
  bool rx_on = (u->cr1 & 5u) == 5u && (u->isr & (1u << 22)) != 0u;
  if (rx_on && (u->isr & (1u << 5)) == 0u && u->rxq_len > 0u) {
    u->rdr = u->rxq[u->rxq_head];
    u->rxq_head = (u->rxq_head + 1u) % RX_QUEUE;
    u->rxq_len--;
    u->isr |= 1u << 5;
    dma_serve_rx(i);
  }
}

static uint32_t usart_read(int i, uint32_t off, bool peek) {
  struct usart_state *u = &m.usart[i];
  switch (off) {
  case 0x00:
    return u->cr1;
  case 0x04:
    return u->cr2;
  case 0x08:
    return u->cr3;
  case 0x0C:
    return u->brr;
  case 0x10:
  case 0x14:
    return 0;
  case 0x18:
    return 0; /* RQR is write-only */
  case 0x1C:
    return u->isr;
  case 0x20:
    return 0; /* ICR is write-only */
  case 0x24:
    if (!peek) {
      if ((u->cr3 & (1u << 6)) != 0u) {
        violation("%s_RDR read by the CPU while DMAR is set: a byte taken from the DMA ring", usart_names[i]);
      }
      u->isr &= ~(1u << 5); /* reading RDR clears RXNE (the error flags stay: ICR clears them) */
    }
    return u->rdr;
  case 0x28:
    return u->tx.tdr;
  case 0x2C:
    return u->presc;
  default:
    fatal("%s read at offset 0x%X", usart_names[i], (unsigned)off);
  }
}

static void usart_write(int i, uint32_t off, uint32_t v) {
  struct usart_state *u = &m.usart[i];
  bool ue = (u->cr1 & 1u) != 0u;
  switch (off) {
  case 0x00: {
    /* M1, M0, OVER8, PCE, PS, FIFOEN (and more) "can only be written when the USART is disabled (UE = 0)" */
    uint32_t locked = (1u << 28) | (1u << 12) | (1u << 15) | (1u << 10) | (1u << 9) | (1u << 29);
    if (ue && (v & 1u) != 0u && ((v ^ u->cr1) & locked) != 0u) {
      violation("%s_CR1 frame bits changed while UE = 1 (ignored, 48.7.1)", usart_names[i]);
      v = (v & ~locked) | (u->cr1 & locked);
    }
    if ((v & (1u << 29)) != 0u) {
      violation("%s: FIFOEN set: tsboot's drivers run the USART with the FIFO off", usart_names[i]);
    }
    uint32_t old = u->cr1;
    u->cr1 = v;
    if ((v & 1u) == 0u) {
      /* UE = 0: the USART stops and resets its status (48.7.1): TXE/TC back, acknowledges cleared */
      u->isr = (u->isr & ~((1u << 21) | (1u << 22) | (1u << 5))) | (1u << 6) | (1u << 7);
      usart_tx_discard(&u->tx);
      u->teack_in = u->reack_in = 0;
      return;
    }
    if ((v & 8u) != 0u && ((old & 9u) != 9u)) {
      u->teack_in = 2;
    } else if ((v & 8u) == 0u) {
      u->isr &= ~(1u << 21);
    }
    if ((v & 4u) != 0u && ((old & 5u) != 5u)) {
      u->reack_in = 2;
    } else if ((v & 4u) == 0u) {
      u->isr &= ~(1u << 22);
    }
    return;
  }
  case 0x04:
    if (ue && ((v ^ u->cr2) & (3u << 12)) != 0u) {
      violation("%s_CR2 STOP changed while UE = 1 (ignored)", usart_names[i]);
      return;
    }
    u->cr2 = v;
    return;
  case 0x08:
    if (ue && ((v ^ u->cr3) & ~((1u << 6) | (1u << 7) | 1u)) != 0u) {
      violation("%s_CR3 bits other than DMAR/DMAT/EIE changed while UE = 1 (ignored)", usart_names[i]);
      return;
    }
    u->cr3 = v;
    dma_serve_rx(i);
    return;
  case 0x0C:
    if (ue) {
      violation("%s_BRR written while UE = 1 (ignored, 48.7.4)", usart_names[i]);
      return;
    }
    u->brr = v & 0xFFFFu;
    return;
  case 0x10:
  case 0x14:
    return;
  case 0x18:
    return; /* RQR requests: none used */
  case 0x1C:
    violation("%s_ISR is read-only", usart_names[i]);
    return;
  case 0x20: {
    uint32_t known = 0x1u | 0x2u | 0x4u | 0x8u | 0x10u | 0x20u | 0x40u | 0x80u | 0x200u | 0x800u | 0x1000u |
                     0x20000u | 0x100000u;
    if ((v & ~known) != 0u) {
      violation("%s_ICR write 0x%08X sets undefined bits", usart_names[i], (unsigned)v);
    }
    u->isr &= ~(v & (0x1Fu | 0x40u)); /* PE, FE, NE, ORE, IDLE, TC */
    return;
  }
  case 0x28:
    if (!ue || (u->cr1 & 8u) == 0u || (u->isr & (1u << 21)) == 0u) {
      violation("%s_TDR written with UE, TE or TEACK off: the character is not sent", usart_names[i]);
      return;
    }
    if (u->tx.tdr_full) {
      violation("%s_TDR written before TXE: a character was overwritten", usart_names[i]);
    }
    usart_tx_write(&u->tx, &u->isr, v & usart_word_mask(u));
    return;
  case 0x2C:
    if (ue) {
      violation("%s_PRESC written while UE = 1 (ignored)", usart_names[i]);
      return;
    }
    u->presc = v & 0xFu;
    return;
  default:
    fatal("%s write at offset 0x%X", usart_names[i], (unsigned)off);
  }
}

static uint32_t dma_read(uint32_t off) {
  if ((off < 0x10u && off % 4u != 0u) || off >= DMA_REGS_END) {
    fatal("DMA1 read at offset 0x%X", (unsigned)off);
  }
  return dma_controller_read(&m.dma, off);
}

static void dma_write(uint32_t off, uint32_t v) {
  if (off == 0x08u || off == 0x0Cu) {
    dma_flags_clear(&m.dma, off, v);
    return;
  }
  if (off == 0x00u || off == 0x04u) {
    violation("DMA_LISR/HISR are read-only");
    return;
  }
  if (off < 0x10u || off >= DMA_REGS_END) {
    fatal("DMA1 write at offset 0x%X", (unsigned)off);
  }
  uint32_t s = dma_stream_of(off);
  struct dma_stream *d = &m.dma.stream[s];
  uint32_t reg = dma_stream_register(off);
  bool en = (d->cr & DMA_EN) != 0u;
  if (reg == 0x00u) {
    if (en && ((v ^ d->cr) & ~DMA_EN) != 0u) {
      violation("DMA1_S%uCR configuration changed while EN = 1 (ignored, 15.5.5)", (unsigned)s);
      v = (d->cr & ~DMA_EN) | (v & DMA_EN);
    }
    if ((v & DMA_EN) != 0u && !en) {
      if (dma_stream_flags(&m.dma, s) != 0u) {
        violation("DMA1 stream %u enabled with its event flags still set (15.3.19 step 1)", (unsigned)s);
      }
      if (d->ndtr == 0u) {
        violation("DMA1 stream %u enabled with NDTR = 0", (unsigned)s);
      }
      d->reload = d->ndtr;
    }
    d->cr = v & 0x03FFFFFFu;
    return;
  }
  if (en) {
    violation("DMA1 stream %u register 0x%X written while EN = 1 (ignored)", (unsigned)s, (unsigned)reg);
    return;
  }
  dma_stream_write(d, reg, v);
}

/* ------------------------------------------------------------------------------------------------------ */
/* GPIO (11.4): the ports' registers are gpio_port.c's                                                    */

static bool gpio_clocked(uint32_t port) {
  uint32_t bit = 1u << port;
  return (m.ahb4enr & bit) != 0u && (m.ahb4rstr & bit) == 0u;
}

/* ------------------------------------------------------------------------------------------------------ */
/* IWDG1 (45.4)                                                                                            */

static void iwdg_tick(void) {
  if (m.iwdg_pvu_in > 0u && --m.iwdg_pvu_in == 0u) {
    m.iwdg.pr = m.iwdg_pr_pending;
  }
  if (m.iwdg_rvu_in > 0u && --m.iwdg_rvu_in == 0u) {
    m.iwdg.rlr = m.iwdg_rlr_pending;
  }
}

static void iwdg_write(uint32_t off, uint32_t v) {
  switch (off) {
  case 0x00:
    switch (v & 0xFFFFu) {
    case 0xCCCCu:
      m.iwdg.running = true;
      return;
    case 0x5555u:
      m.iwdg_access = true;
      return;
    case 0xAAAAu:
      if (!m.iwdg.running) {
        violation("IWDG1 refreshed while not running");
      }
      m.iwdg.refreshes++;
      m.iwdg_access = false;
      return;
    default:
      m.iwdg_access = false;
      return;
    }
  case 0x04:
  case 0x08:
    if (!m.iwdg_access) {
      violation("IWDG1 %s written without the 0x5555 key (ignored)", off == 0x04u ? "PR" : "RLR");
      return;
    }
    if (off == 0x04u) {
      if (m.iwdg_pvu_in != 0u) {
        violation("IWDG1_PR written while PVU = 1");
      }
      m.iwdg_pr_pending = v & 7u;
      m.iwdg_pvu_in = 6;
    } else {
      if (m.iwdg_rvu_in != 0u) {
        violation("IWDG1_RLR written while RVU = 1");
      }
      m.iwdg_rlr_pending = v & 0xFFFu;
      m.iwdg_rvu_in = 6;
    }
    return;
  case 0x10:
    if (!m.iwdg_access) {
      violation("IWDG1_WINR written without the 0x5555 key (ignored)");
    }
    return;
  default:
    violation("IWDG1 register 0x%X is read-only", (unsigned)off);
    return;
  }
}

/* ------------------------------------------------------------------------------------------------------ */
/* Resets                                                                                                  */

static void gpio_reset(uint32_t i) {
  if (i == 0u) { /* PA13/14/15: SWD/JTAG */
    gpio_port_reset(&m.gpio[i], 0xABFFFFFFu, 0x0C000000u, 0x64000000u);
  } else if (i == 1u) { /* PB3/PB4: JTAG */
    gpio_port_reset(&m.gpio[i], 0xFFFFFEBFu, 0x000000C0u, 0x00000100u);
  } else { /* every pin analog */
    gpio_port_reset(&m.gpio[i], 0xFFFFFFFFu, 0u, 0u);
  }
}

static void usart_reset(uint32_t i) {
  struct usart_state *u = &m.usart[i];
  memset(u->rxq, 0, sizeof u->rxq);
  u->cr1 = u->cr2 = u->cr3 = u->brr = u->presc = u->rdr = 0;
  u->isr = 0x000000C0u; /* TXE, TC */
  u->teack_in = u->reack_in = 0;
  usart_tx_reset(&u->tx); /* what went out on the line, and a fault armed by the test, stay */
  u->rxq_head = u->rxq_len = 0;
}

static void dma_reset(void) {
  dma_controller_reset(&m.dma);
  memset(m.dmamux, 0, sizeof m.dmamux);
}

static void bank_registers_reset(struct bank_state *b) {
  b->cr = CR_RESET;
  b->sr = 0;
  b->ecc_fa = 0;
  b->keys = (struct key_sequence){0};
  b->wb_active = false;
  b->wb_mask = 0;
  b->op = OP_NONE;
  b->polls_left = 0;
  b->fail_flags = 0;
  b->inject = 0;
  b->wpsn_prg = b->wpsn_cur;
}

static void registers_reset(void) {
  m.acr = 0x37u;
  bank_registers_reset(&m.bank[0]);
  bank_registers_reset(&m.bank[1]);
  m.optcr = OPTCR_OPTLOCK;
  m.optsr_cur &= ~(OPTSR_OPT_BUSY | OPTSR_CHANGEERR);
  m.swap_active = (m.optsr_cur & OPTSR_SWAP_BANK_OPT) != 0u; /* the bank swap applies at reset */
  m.optsr_prg = m.optsr_cur;
  m.optkeys = (struct key_sequence){0};
  m.opt_busy = false;
  m.rcc_cr = RCR_RESET;
  m.cfgr = m.d1cfgr = m.d2cfgr = m.d3cfgr = 0;
  m.pllckselr = 0x02020200u;
  m.pllcfgr = 0x01FF0000u;
  m.pll1divr = 0x01010280u;
  m.pll1fracr = 0;
  m.d2ccip2r = 0;
  m.ahb1rstr = m.ahb4rstr = m.apb1lrstr = m.apb2rstr = 0;
  m.ahb1enr = m.ahb4enr = m.apb1lenr = m.apb2enr = 0;
  m.rmvf = false;
  m.pwr_d3cr = 0x00004000u | (1u << 13); /* VOS3, ready */
  m.actvos = 1u;
  for (uint32_t i = 0; i < GPIO_PORTS; i++) {
    gpio_reset(i);
  }
  for (uint32_t i = 0; i < 8u; i++) {
    usart_reset(i);
  }
  dma_reset();
  m.iwdg.pr = 0;
  m.iwdg.rlr = 0xFFFu;
  m.iwdg.refreshes = 0;
  m.iwdg.running = (m.optsr_cur & OPTSR_IWDG1_SW) == 0u; /* hardware watchdog: runs from reset */
  m.iwdg_access = false;
  m.iwdg_pvu_in = m.iwdg_rvu_in = 0;
  systick_reset(&m.systick);
  m.vtor = m.shcsr = m.cfsr = m.hfsr = m.bfar = m.csselr = 0;
  m.scb_ccr = 0x00040200u; /* STKALIGN, BP; caches off */
  m.mpu_ctrl = 0;
  m.systick_pending = m.pendsv = false;
  memset(m.nvic_enabled, 0, sizeof m.nvic_enabled);
  memset(m.nvic_pending, 0, sizeof m.nvic_pending);
  memset(m.dcache, 0, sizeof m.dcache);
  memset(m.dccisw_seen, 0, sizeof m.dccisw_seen);
}

void h7_model_power_on(enum h7_part part) {
  memset(&m, 0, sizeof m);
  model_report_reset();
  m.part = part;
  m.flash_kb = part == H7_PART_H743VG ? 1024u : 2048u;
  m.fsize_reg = m.flash_kb;
  for (uint32_t b = 0; b < 2u; b++) {
    memset(m.bank[b].mem, 0xFF, sizeof m.bank[b].mem);
    m.bank[b].wpsn_cur = 0xFFu;
  }
  m.optsr_cur = OPTSR_FACTORY;
  m.program_polls = 3;
  m.erase_polls = 200;
  m.opt_busy_polls = 50;
  m.hse_source = H7_HSE_NONE;
  /* RAM holds whatever the cells powered up with: a pseudo-random pattern, never a valid record. */
  uint32_t x = 0x2545F491u;
  for (uint32_t i = 0; i < DTCM_SIZE; i++) {
    x = x * 1664525u + 1013904223u;
    m.dtcm[i] = (uint8_t)(x >> 24);
  }
  m.pwr_cr3 = CR3_SCUEN | CR3_LDOEN; /* 0x00000006 after a power-on */
  m.actvosrdy = false;               /* Run* mode until the supply configuration is written */
  m.rsr_flags = RSR_POWER_ON;
  registers_reset();
}

void h7_model_system_reset(void) {
  registers_reset();
  m.rsr_flags |= RSR_SOFTWARE;
}

void h7_model_catch_reset(jmp_buf *where) { m.reset_catch = where; }

/* ------------------------------------------------------------------------------------------------------ */
/* Bus decode                                                                                              */

static int usart_index(uint32_t addr) {
  for (int i = 0; i < 8; i++) {
    if (addr >= usart_bases[i] && addr < usart_bases[i] + 0x30u) {
      return i;
    }
  }
  return -1;
}

static void model_tick(void) {
  flash_tick();
  rcc_tick();
  pwr_tick();
  iwdg_tick();
  for (int i = 0; i < 8; i++) {
    usart_tick(i);
  }
}

static uint32_t rcc_read(uint32_t off) {
  switch (off) {
  case R_CR:
    return m.rcc_cr;
  case R_CFGR:
    return m.cfgr;
  case R_D1CFGR:
    return m.d1cfgr;
  case R_D2CFGR:
    return m.d2cfgr;
  case R_D3CFGR:
    return m.d3cfgr;
  case R_PLLCKSELR:
    return m.pllckselr;
  case R_PLLCFGR:
    return m.pllcfgr;
  case R_PLL1DIVR:
    return m.pll1divr;
  case R_PLL1FRACR:
    return m.pll1fracr;
  case R_D2CCIP2R:
    return m.d2ccip2r;
  case R_AHB1RSTR:
    return m.ahb1rstr;
  case R_AHB4RSTR:
    return m.ahb4rstr;
  case R_APB1LRSTR:
    return m.apb1lrstr;
  case R_APB2RSTR:
    return m.apb2rstr;
  case R_RSR:
    return (m.rmvf ? 0u : m.rsr_flags) | (m.rmvf ? RSR_RMVF : 0u);
  case R_AHB1ENR:
    return m.ahb1enr;
  case R_AHB4ENR:
    return m.ahb4enr;
  case R_APB1LENR:
    return m.apb1lenr;
  case R_APB2ENR:
    return m.apb2enr;
  default:
    fatal("read of unmodelled RCC register 0x%03X", (unsigned)off);
  }
}

static void rstr_write(uint32_t *reg, uint32_t v, int which) {
  uint32_t released = *reg & ~v;
  *reg = v;
  if (which == 4) {
    for (uint32_t i = 0; i < GPIO_PORTS; i++) {
      if ((released & (1u << i)) != 0u) {
        gpio_reset(i);
      }
    }
  } else if (which == 1) {
    if ((released & 1u) != 0u) {
      dma_reset();
    }
  } else {
    for (int i = 0; i < 8; i++) {
      if (usart_on_apb2[i] == (which == 2) && (released & usart_rcc_bit[i]) != 0u) {
        usart_reset((uint32_t)i);
      }
    }
  }
}

static void rcc_write(uint32_t off, uint32_t v) {
  switch (off) {
  case R_CR:
    rcc_cr_write(v);
    return;
  case R_CFGR: {
    uint32_t cur = sws();
    m.cfgr = (m.cfgr & (7u << 3)) | (v & ~(7u << 3));
    rcc_switch();
    if (sws() == cur) {
      rcc_check("an RCC_CFGR write");
    }
    return;
  }
  case R_D1CFGR:
    m.d1cfgr = v & 0xF7Fu;
    rcc_check("an RCC_D1CFGR write");
    return;
  case R_D2CFGR:
    m.d2cfgr = v & 0x770u;
    rcc_check("an RCC_D2CFGR write");
    return;
  case R_D3CFGR:
    m.d3cfgr = v & 0x70u;
    rcc_check("an RCC_D3CFGR write");
    return;
  case R_PLLCKSELR:
    rcc_pll_register_write(&m.pllckselr, v, "RCC_PLLCKSELR");
    return;
  case R_PLLCFGR:
    rcc_pll_register_write(&m.pllcfgr, v, "RCC_PLLCFGR");
    return;
  case R_PLL1DIVR:
    rcc_pll_register_write(&m.pll1divr, v, "RCC_PLL1DIVR");
    return;
  case R_PLL1FRACR:
    m.pll1fracr = v;
    return;
  case R_D2CCIP2R:
    m.d2ccip2r = v;
    return;
  case R_AHB1RSTR:
    rstr_write(&m.ahb1rstr, v, 1);
    return;
  case R_AHB4RSTR:
    rstr_write(&m.ahb4rstr, v, 4);
    return;
  case R_APB1LRSTR:
    rstr_write(&m.apb1lrstr, v, 0);
    return;
  case R_APB2RSTR:
    rstr_write(&m.apb2rstr, v, 2);
    return;
  case R_RSR:
    /* RMVF "set and reset by software": while set, the flags are cleared and held (8.7.39) */
    if ((v & ~RSR_RMVF) != 0u) {
      violation("RCC_RSR: only RMVF is writable (0x%08X written)", (unsigned)v);
    }
    m.rmvf = (v & RSR_RMVF) != 0u;
    if (m.rmvf) {
      m.rsr_flags = 0;
    }
    return;
  case R_AHB1ENR:
    m.ahb1enr = v;
    return;
  case R_AHB4ENR:
    m.ahb4enr = v;
    return;
  case R_APB1LENR:
    m.apb1lenr = v;
    return;
  case R_APB2ENR:
    m.apb2enr = v;
    return;
  default:
    fatal("write of 0x%08X to unmodelled RCC register 0x%03X", (unsigned)v, (unsigned)off);
  }
}

static uint32_t flash_if_read(uint32_t off, bool peek) {
  uint32_t bank = off >= M_BANK2_OFF ? 1u : 0u;
  uint32_t reg = off - bank * M_BANK2_OFF;
  if (bank == 1u && (reg == M_ACR || reg == M_OPTKEYR || reg == M_OPTCR || reg == M_OPTSR_CUR ||
                     reg == M_OPTSR_PRG || reg == M_OPTCCR)) {
    fatal("read of FLASH register 0x%03X (a bank-1-only register at a bank 2 offset)", (unsigned)off);
  }
  switch (reg) {
  case M_ACR:
    return m.acr;
  case M_KEYR:
  case M_OPTKEYR:
    return 0;
  case M_CR:
    return m.bank[bank].cr;
  case M_SR:
    return flash_sr_value(bank);
  case M_CCR:
    return 0;
  case M_OPTCR:
    return (m.optcr & ~OPTCR_SWAP_BANK) | (m.swap_active ? OPTCR_SWAP_BANK : 0u);
  case M_OPTSR_CUR:
    return m.optsr_cur | (m.opt_busy ? OPTSR_OPT_BUSY : 0u);
  case M_OPTSR_PRG:
    return m.optsr_prg;
  case M_OPTCCR:
    return 0;
  case M_WPSN_CUR:
    return m.bank[bank].wpsn_cur;
  case M_WPSN_PRG:
    return m.bank[bank].wpsn_prg;
  case M_ECC_FA:
    return m.bank[bank].ecc_fa;
  default:
    (void)peek;
    fatal("read of unmodelled FLASH register 0x%03X", (unsigned)off);
  }
}

static void flash_if_write(uint32_t off, uint32_t v) {
  uint32_t bank = off >= M_BANK2_OFF ? 1u : 0u;
  uint32_t reg = off - bank * M_BANK2_OFF;
  struct bank_state *b = &m.bank[bank];
  if (bank == 1u && (reg == M_ACR || reg == M_OPTKEYR || reg == M_OPTCR || reg == M_OPTSR_PRG || reg == M_OPTCCR)) {
    fatal("write to FLASH register 0x%03X (a bank-1-only register at a bank 2 offset)", (unsigned)off);
  }
  switch (reg) {
  case M_ACR:
    if ((v & ~0x3Fu) != 0u) {
      violation("FLASH_ACR: reserved bits written (0x%08X)", (unsigned)v);
    }
    m.acr = v & 0x3Fu;
    rcc_check("a FLASH_ACR write");
    return;
  case M_KEYR:
    key_write(&flash_keyr[bank], &b->keys, &b->cr, CR_LOCK, v);
    return;
  case M_OPTKEYR:
    key_write(&flash_optkeyr, &m.optkeys, &m.optcr, OPTCR_OPTLOCK, v);
    return;
  case M_CR:
    flash_cr_write(bank, v);
    return;
  case M_SR:
    violation("FLASH_SR%u is read-only (flags clear through FLASH_CCR%u)", (unsigned)bank + 1u, (unsigned)bank + 1u);
    return;
  case M_CCR:
    if ((v & ~SR_CLEARABLE) != 0u) {
      violation("FLASH_CCR%u write 0x%08X sets bits that clear nothing", (unsigned)bank + 1u, (unsigned)v);
    }
    b->sr &= ~(v & SR_CLEARABLE);
    if ((b->sr & (SR_SNECCERR | SR_DBECCERR)) == 0u) {
      b->ecc_fa = 0;
    }
    return;
  case M_OPTCR: {
    if ((m.optcr & OPTCR_OPTLOCK) != 0u) {
      if ((v & OPTCR_OPTLOCK) == 0u || (v & (OPTCR_OPTSTART | OPTCR_MER)) != 0u) {
        violation("FLASH_OPTCR write 0x%08X while OPTLOCK = 1 (ignored)", (unsigned)v);
      }
      return;
    }
    if (((v & OPTCR_SWAP_BANK) != 0u) != m.swap_active) {
      violation("FLASH_OPTCR.SWAP_BANK written with another value: the swap changes through SWAP_BANK_OPT and a reset");
    }
    if ((v & OPTCR_MER) != 0u) {
      violation("FLASH_OPTCR.MER: a mass erase of both banks; tsboot's drivers never should (ignored)");
    }
    m.optcr = (v & (OPTCR_OPTLOCK | OPTCR_CHANGEERRIE));
    if ((v & OPTCR_OPTSTART) != 0u) {
      if (m.opt_busy) {
        violation("OPTSTART while an option change runs");
      } else if ((flash_sr_value(0) & SR_QW) != 0u || (flash_sr_value(1) & SR_QW) != 0u) {
        violation("OPTSTART while a flash operation runs: OPTCHANGEERR");
        m.optsr_cur |= OPTSR_CHANGEERR;
      } else {
        m.opt_busy = true;
        m.opt_polls_left = m.opt_busy_polls;
      }
    }
    return;
  }
  case M_OPTSR_PRG:
  case M_WPSN_PRG:
    if ((m.optcr & OPTCR_OPTLOCK) != 0u) {
      violation("option _PRG register 0x%03X written while OPTLOCK = 1 (ignored)", (unsigned)off);
      return;
    }
    if (m.opt_busy) {
      violation("option _PRG register written while OPT_BUSY");
    }
    if (reg == M_OPTSR_PRG) {
      m.optsr_prg = v & ~(OPTSR_OPT_BUSY | OPTSR_CHANGEERR);
    } else {
      if ((v & ~0xFFu) != 0u) {
        violation("FLASH_WPSN_PRG%u: reserved bits written", (unsigned)bank + 1u);
      }
      b->wpsn_prg = v & 0xFFu;
    }
    return;
  case M_OPTCCR:
    if ((v & ~OPTSR_CHANGEERR) != 0u) {
      violation("FLASH_OPTCCR write 0x%08X: only CLR_OPTCHANGEERR exists", (unsigned)v);
    }
    m.optsr_cur &= ~(v & OPTSR_CHANGEERR);
    return;
  default:
    fatal("write of 0x%08X to unmodelled FLASH register 0x%03X", (unsigned)v, (unsigned)off);
  }
}

static uint32_t core_read(uint32_t addr, bool peek) {
  if (addr >= M_NVIC_ICER && addr < M_NVIC_ICER + 0x20u) {
    uint32_t i = (addr - M_NVIC_ICER) / 4u;
    return i < NVIC_WORDS ? m.nvic_enabled[i] : 0u;
  }
  if (addr >= M_NVIC_ICPR && addr < M_NVIC_ICPR + 0x20u) {
    uint32_t i = (addr - M_NVIC_ICPR) / 4u;
    return i < NVIC_WORDS ? m.nvic_pending[i] : 0u;
  }
  uint32_t stk;
  if (systick_read(&m.systick, addr, peek, &stk)) {
    return stk;
  }
  switch (addr) {
  case M_ICTR:
    return NVIC_WORDS - 1u;
  case M_ICSR:
    return (m.systick_pending ? (1u << 26) : 0u) | (m.pendsv ? (1u << 28) : 0u);
  case M_VTOR:
    return m.vtor;
  case M_AIRCR:
    return 0xFA050000u;
  case M_SCB_CCR:
    return m.scb_ccr;
  case M_SHCSR:
    return m.shcsr;
  case M_CFSR:
    return m.cfsr;
  case M_HFSR:
    return m.hfsr;
  case M_BFAR:
    return m.bfar;
  case M_CCSIDR:
    return m.csselr == 0u ? 0xF00FE019u : 0xF01FE009u; /* L1 D: 128 sets x 4 ways; L1 I: 256 x 2 */
  case M_CSSELR:
    return m.csselr;
  case M_MPU_CTRL:
    return m.mpu_ctrl;
  default:
    fatal("read of unmodelled core register 0x%08X", (unsigned)addr);
  }
}

static void cache_op_dccisw(uint32_t v) {
  uint32_t set = (v >> 5) & 0x1FFu;
  uint32_t way = v >> 30;
  if (set >= DC_SETS || (v & ~((0x1FFu << 5) | (3u << 30))) != 0u) {
    violation("SCB_DCCISW 0x%08X: not a set/way of the 128-set, 4-way L1 D-cache", (unsigned)v);
    return;
  }
  m.dcache[set][way].valid = false;
  m.stats.dccisw++;
  if (m.dccisw_seen[set][way] == 0u) {
    m.dccisw_seen[set][way] = 1u;
    m.stats.dccisw_distinct++;
  }
}

static void core_write(uint32_t addr, uint32_t v) {
  if (addr >= M_NVIC_ICER && addr < M_NVIC_ICER + 0x20u) {
    uint32_t i = (addr - M_NVIC_ICER) / 4u;
    if (i >= NVIC_WORDS) {
      violation("NVIC_ICER%u written: H743 implements %u words (ICTR)", (unsigned)i, NVIC_WORDS);
      return;
    }
    m.nvic_enabled[i] &= ~v;
    return;
  }
  if (addr >= M_NVIC_ICPR && addr < M_NVIC_ICPR + 0x20u) {
    uint32_t i = (addr - M_NVIC_ICPR) / 4u;
    if (i >= NVIC_WORDS) {
      violation("NVIC_ICPR%u written: H743 implements %u words (ICTR)", (unsigned)i, NVIC_WORDS);
      return;
    }
    m.nvic_pending[i] &= ~v;
    return;
  }
  if (systick_write(&m.systick, addr, v)) {
    return;
  }
  switch (addr) {
  case M_ICSR:
    if ((v & (1u << 26)) != 0u) {
      m.systick_pending = true;
    }
    if ((v & (1u << 25)) != 0u) {
      m.systick_pending = false;
    }
    if ((v & (1u << 28)) != 0u) {
      m.pendsv = true;
    }
    if ((v & (1u << 27)) != 0u) {
      m.pendsv = false;
    }
    return;
  case M_VTOR:
    if ((v & 0x7Fu) != 0u) {
      violation("SCB_VTOR 0x%08X: TBLOFF starts at bit 7", (unsigned)v);
    }
    m.vtor = v & 0xFFFFFF80u;
    return;
  case M_AIRCR:
    if ((v >> 16) == 0x05FAu && (v & 4u) != 0u) {
      m.stats.system_reset_requests++;
      if (m.reset_catch == NULL) {
        fatal("SYSRESETREQ with no reset catcher (h7_model_catch_reset)");
      }
      h7_model_system_reset();
      longjmp(*m.reset_catch, 1);
    }
    return;
  case M_SCB_CCR:
    if ((v & SCB_CCR_DC) != 0u && (m.scb_ccr & SCB_CCR_DC) == 0u) {
      violation("SCB_CCR.DC set by the drivers: tsboot keeps the D-cache off");
    }
    m.scb_ccr = v;
    return;
  case M_SHCSR:
    m.shcsr = v;
    return;
  case M_CFSR:
    m.cfsr &= ~v; /* write 1 to clear */
    return;
  case M_HFSR:
    m.hfsr &= ~v;
    return;
  case M_BFAR:
    return;
  case M_CSSELR:
    m.csselr = v & 0xFu;
    return;
  case M_ICIALLU:
    m.stats.icache_invalidates++;
    return;
  case M_DCIMVAC:
  case M_DCCIMVAC: {
    struct dline *l = dcache_find(v & ~31u);
    if (l != NULL) {
      l->valid = false;
    }
    m.stats.dcimvac++;
    return;
  }
  case M_DCCISW:
    cache_op_dccisw(v);
    return;
  case M_MPU_CTRL:
    m.mpu_ctrl = v & 7u;
    return;
  default:
    fatal("write of 0x%08X to unmodelled core register 0x%08X", (unsigned)v, (unsigned)addr);
  }
}

static uint32_t model_read(uint32_t addr, bool peek) {
  if (!peek) {
    model_count_read(addr);
    model_tick();
  }
  if (in_flash_window(addr)) {
    return flash_read(addr, peek);
  }
  if (addr == M_FLASHSIZE) {
    return 0xFFFF0000u | m.fsize_reg;
  }
  if (addr >= M_FLASH_IF && addr < M_FLASH_IF + 0x200u) {
    return flash_if_read(addr - M_FLASH_IF, peek);
  }
  if (addr >= M_RCC && addr < M_RCC + 0x400u) {
    return rcc_read(addr - M_RCC);
  }
  if (addr >= M_PWR && addr < M_PWR + 0x400u) {
    switch (addr - M_PWR) {
    case P_CSR1:
      return (m.actvosrdy ? (1u << 13) : 0u) | (m.actvos << 14);
    case P_CR3:
      return m.pwr_cr3;
    case P_D3CR:
      return m.pwr_d3cr;
    default:
      fatal("read of unmodelled PWR register 0x%08X", (unsigned)addr);
    }
  }
  if (addr >= M_GPIO && addr < M_GPIO + GPIO_PORTS * 0x400u) {
    uint32_t port = (addr - M_GPIO) / 0x400u;
    if (!gpio_clocked(port)) {
      if (!peek) {
        violation("GPIO%c read with its clock off (reads 0)", (char)('A' + port));
      }
      return 0;
    }
    uint32_t v;
    if (!gpio_port_read(&m.gpio[port], (addr - M_GPIO) % 0x400u, &v)) {
      fatal("GPIO read at 0x%08X", (unsigned)addr);
    }
    return v;
  }
  int ui = usart_index(addr);
  if (ui >= 0) {
    if (!usart_clocked(ui)) {
      if (!peek) {
        violation("%s read with its clock off (reads 0)", usart_names[ui]);
      }
      return 0;
    }
    return usart_read(ui, addr - usart_bases[ui], peek);
  }
  if (addr >= M_DMA1 && addr < M_DMA1 + 0x100u) {
    if (!dma_clocked()) {
      if (!peek) {
        violation("DMA1 read with its clock off (reads 0)");
      }
      return 0;
    }
    return dma_read(addr - M_DMA1);
  }
  if (addr >= M_DMAMUX1 && addr < M_DMAMUX1 + 0x40u) {
    if (!dma_clocked()) {
      if (!peek) {
        violation("DMAMUX1 read with the DMA1 clock off (reads 0)");
      }
      return 0;
    }
    return m.dmamux[(addr - M_DMAMUX1) / 4u];
  }
  if (addr >= M_IWDG && addr < M_IWDG + 0x14u) {
    switch (addr - M_IWDG) {
    case 0x0C:
      return (m.iwdg_pvu_in != 0u ? 1u : 0u) | (m.iwdg_rvu_in != 0u ? 2u : 0u);
    case 0x04:
      return m.iwdg.pr;
    case 0x08:
      return m.iwdg.rlr;
    default:
      return 0;
    }
  }
  if (addr >= 0xE0000000u) {
    return core_read(addr, peek);
  }
  if (addr >= M_DTCM && addr - M_DTCM < DTCM_SIZE) {
    uint32_t v = 0;
    memcpy(&v, &m.dtcm[(addr - M_DTCM) & ~3u], 4u);
    return v;
  }
  uint8_t *host = NULL;
  if ((addr & 3u) == 0u && ram_host(addr, 4u, &host)) {
    uint32_t v = 0;
    memcpy(&v, host, 4u);
    return v;
  }
  fatal("read of unmodelled address 0x%08X", (unsigned)addr);
}

uint32_t reg_model_read32(uint32_t addr) { return model_read(addr, false); }
uint32_t h7_model_peek(uint32_t addr) { return model_read(addr, true); }

void reg_model_write32(uint32_t addr, uint32_t v) {
  model_trace_write((struct model_write){addr, v, {m.bank[0].cr, m.bank[1].cr}, 32});
  if (in_flash_window(addr)) {
    flash_store(addr, v);
    return;
  }
  if (addr >= M_FLASH_IF && addr < M_FLASH_IF + 0x200u) {
    flash_if_write(addr - M_FLASH_IF, v);
    return;
  }
  if (addr >= M_RCC && addr < M_RCC + 0x400u) {
    rcc_write(addr - M_RCC, v);
    return;
  }
  if (addr >= M_PWR && addr < M_PWR + 0x400u) {
    switch (addr - M_PWR) {
    case P_CR3:
      pwr_cr3_write(v);
      return;
    case P_D3CR:
      pwr_d3cr_write(v);
      return;
    default:
      fatal("write to unmodelled PWR register 0x%08X", (unsigned)addr);
    }
  }
  if (addr >= M_GPIO && addr < M_GPIO + GPIO_PORTS * 0x400u) {
    uint32_t port = (addr - M_GPIO) / 0x400u;
    if (!gpio_clocked(port)) {
      violation("GPIO%c write with its clock off (ignored)", (char)('A' + port));
      return;
    }
    if (!gpio_port_write(&m.gpio[port], (addr - M_GPIO) % 0x400u, v)) {
      fatal("GPIO write at 0x%08X", (unsigned)addr);
    }
    return;
  }
  int ui = usart_index(addr);
  if (ui >= 0) {
    if (!usart_clocked(ui)) {
      violation("%s written with its clock off (ignored)", usart_names[ui]);
      return;
    }
    usart_write(ui, addr - usart_bases[ui], v);
    return;
  }
  if (addr >= M_DMA1 && addr < M_DMA1 + 0x100u) {
    if (!dma_clocked()) {
      violation("DMA1 written with its clock off (ignored)");
      return;
    }
    dma_write(addr - M_DMA1, v);
    return;
  }
  if (addr >= M_DMAMUX1 && addr < M_DMAMUX1 + 0x40u) {
    if (!dma_clocked()) {
      violation("DMAMUX1 written with the DMA1 clock off (ignored)");
      return;
    }
    uint32_t ch = (addr - M_DMAMUX1) / 4u;
    if (ch < 8u && (m.dma.stream[ch].cr & DMA_EN) != 0u) {
      violation("DMAMUX1 channel %u changed while DMA1 stream %u runs", (unsigned)ch, (unsigned)ch);
    }
    m.dmamux[ch] = v & 0x1F0307FFu;
    return;
  }
  if (addr >= M_IWDG && addr < M_IWDG + 0x14u) {
    iwdg_write(addr - M_IWDG, v);
    return;
  }
  if (addr >= 0xE0000000u) {
    core_write(addr, v);
    return;
  }
  if (addr >= M_DTCM && addr - M_DTCM < DTCM_SIZE) {
    if ((addr & 3u) != 0u) {
      fatal("unaligned word store to DTCM 0x%08X", (unsigned)addr);
    }
    memcpy(&m.dtcm[addr - M_DTCM], &v, 4u);
    return;
  }
  uint8_t *host = NULL;
  if ((addr & 3u) == 0u && ram_host(addr, 4u, &host)) {
    memcpy(host, &v, 4u);
    return;
  }
  fatal("write of 0x%08X to unmodelled address 0x%08X", (unsigned)v, (unsigned)addr);
}

uint32_t reg_model_bus_address(const volatile void *p) {
  const volatile uint8_t *q = p;
  for (uint32_t i = 0; i < m.map_count; i++) {
    if (q >= m.maps[i].host && q < m.maps[i].host + m.maps[i].len) {
      return m.maps[i].bus + (uint32_t)(q - m.maps[i].host);
    }
  }
  fatal("REG_BUS_ADDRESS of a host pointer the test did not map (h7_model_map_ram)");
}

/* ------------------------------------------------------------------------------------------------------ */
/* Test controls                                                                                           */

void h7_model_set_flashsize_kb(uint32_t kb) { m.fsize_reg = kb; }
void h7_model_flash_set_busy_polls(uint32_t program, uint32_t erase) {
  m.program_polls = program;
  m.erase_polls = erase;
}
void h7_model_flash_stick_busy(uint32_t bank, bool stuck) { m.bank[bank & 1u].stuck = stuck; }
void h7_model_flash_inject_error(uint32_t bank, uint32_t sr_flags) { m.bank[bank & 1u].inject = sr_flags; }

static struct bank_state *bank_of(uint32_t addr, uint32_t *off, const char *what) {
  uint32_t bank = 0;
  if (!flash_locate(addr, &bank, off)) {
    fatal("%s(0x%08X) outside flash", what, (unsigned)addr);
  }
  return &m.bank[bank];
}

void h7_model_flash_tear(uint32_t addr, uint32_t seed) {
  uint32_t off = 0;
  struct bank_state *b = bank_of(addr, &off, "h7_model_flash_tear");
  uint32_t x = seed * 2654435761u + 1u;
  for (uint32_t i = 0; i < 32u; i++) {
    x = x * 1664525u + 1013904223u;
    b->mem[(off & ~31u) + i] &= (uint8_t)(x >> 24); /* some bits programmed, others not */
  }
  b->ecc[off / 32u] = ECC_DOUBLE;
}
void h7_model_flash_single_error(uint32_t addr) {
  uint32_t off = 0;
  struct bank_state *b = bank_of(addr, &off, "h7_model_flash_single_error");
  b->ecc[off / 32u] = ECC_SINGLE;
}
bool h7_model_flash_ecc_bad(uint32_t addr) {
  uint32_t off = 0;
  struct bank_state *b = bank_of(addr, &off, "h7_model_flash_ecc_bad");
  return b->ecc[off / 32u] == ECC_DOUBLE;
}
uint32_t h7_model_flash_word(uint32_t addr) {
  uint32_t off = 0;
  struct bank_state *b = bank_of(addr, &off, "h7_model_flash_word");
  uint32_t v = 0;
  memcpy(&v, &b->mem[off & ~3u], 4u);
  return v;
}
void h7_model_flash_poke(uint32_t addr, uint32_t v) {
  uint32_t off = 0;
  struct bank_state *b = bank_of(addr, &off, "h7_model_flash_poke");
  memcpy(&b->mem[off & ~3u], &v, 4u);
  b->ecc[off / 32u] = ECC_OK;
}
bool h7_model_flash_locked(uint32_t bank) { return (m.bank[bank & 1u].cr & CR_LOCK) != 0u; }
bool h7_model_flash_locked_out(uint32_t bank) { return m.bank[bank & 1u].keys.lockout; }
void h7_model_on_bus_fault(h7_model_bus_fault_handler handler) { m.fault_handler = handler; }
uint32_t h7_model_flash_read_by_dma(uint32_t addr) {
  uint32_t off = 0, bank = 0;
  if (!flash_locate(addr, &bank, &off)) {
    fatal("h7_model_flash_read_by_dma(0x%08X) outside flash", (unsigned)addr);
  }
  if (m.bank[bank].ecc[off / 32u] == ECC_DOUBLE) {
    flash_set_ecc_flag(bank, SR_DBECCERR, off); /* the master gets a bus error; the CPU does not fault */
  } else if (m.bank[bank].ecc[off / 32u] == ECC_SINGLE) {
    flash_set_ecc_flag(bank, SR_SNECCERR, off);
  }
  uint32_t v = 0;
  memcpy(&v, &m.bank[bank].mem[off & ~3u], 4u);
  return v;
}
void h7_model_bus_error(uint32_t bfar) {
  m.cfsr |= CFSR_PRECISERR | CFSR_BFARVALID;
  m.bfar = bfar;
}

void h7_model_options_set_wrp(uint32_t bank, uint32_t wpsn) {
  m.bank[bank & 1u].wpsn_cur = wpsn & 0xFFu;
  m.bank[bank & 1u].wpsn_prg = wpsn & 0xFFu;
}
void h7_model_options_set_optsr(uint32_t optsr) {
  m.optsr_cur = optsr & ~(OPTSR_OPT_BUSY | OPTSR_CHANGEERR);
  m.optsr_prg = m.optsr_cur;
  m.iwdg.running = m.iwdg.running || (optsr & OPTSR_IWDG1_SW) == 0u;
}
void h7_model_options_fail_next(void) { m.opt_fail_next = true; }
void h7_model_options_set_change_error(void) { m.optsr_cur |= OPTSR_CHANGEERR; }
void h7_model_options_set_busy_polls(uint32_t polls) { m.opt_busy_polls = polls; }
bool h7_model_options_locked(void) { return (m.optcr & OPTCR_OPTLOCK) != 0u; }

void h7_model_rcc_set_hse(enum h7_hse_source source, uint32_t hz) {
  m.hse_source = source;
  m.hse_hz = hz;
}
void h7_model_rcc_pll_never_locks(bool never) { m.pll_never_locks = never; }
void h7_model_rcc_set_reset_flags(uint32_t rsr) { m.rsr_flags = rsr & ~RSR_RMVF; }
void h7_model_pwr_supply_locked(uint32_t cr3) {
  m.pwr_cr3 = cr3 & ~CR3_SCUEN;
  m.actvosrdy = true;
}

static struct usart_state *usart_by_base(uint32_t base, int *index) {
  for (int i = 0; i < 8; i++) {
    if (usart_bases[i] == base) {
      if (index != NULL) {
        *index = i;
      }
      return &m.usart[i];
    }
  }
  fatal("no USART at 0x%08X", (unsigned)base);
}

bool h7_model_uart_receive(uint32_t base, uint32_t data, uint32_t flags) {
  int i = 0;
  struct usart_state *u = usart_by_base(base, &i);
  if ((u->cr1 & 5u) != 5u || (u->isr & (1u << 22)) == 0u) {
    return false;
  }
  if ((u->isr & (1u << 5)) != 0u) {
    u->isr |= 1u << 3; /* ORE: "the RDR content is not lost ... the shift register is overwritten" */
    return false;
  }
  u->rdr = data & 0x1FFu;
  u->isr |= (1u << 5) | (flags & 7u);
  dma_serve_rx(i);
  return true;
}

void h7_model_uart_queue(uint32_t base, const uint8_t *bytes, uint32_t n) {
  struct usart_state *u = usart_by_base(base, NULL);
  for (uint32_t i = 0; i < n && u->rxq_len < RX_QUEUE; i++) {
    u->rxq[(u->rxq_head + u->rxq_len) % RX_QUEUE] = bytes[i];
    u->rxq_len++;
  }
}

uint32_t h7_model_uart_sent(uint32_t base, uint8_t *out, uint32_t max) {
  struct usart_state *u = usart_by_base(base, NULL);
  return usart_tx_sent(&u->tx, out, max);
}

void h7_model_uart_stick_tx(uint32_t base, bool stuck) { usart_by_base(base, NULL)->tx.stuck = stuck; }

uint32_t h7_model_uart_baud(uint32_t base) {
  int i = 0;
  struct usart_state *u = usart_by_base(base, &i);
  if ((u->cr1 & 1u) == 0u || u->brr == 0u) {
    return 0;
  }
  uint32_t sel = usart_on_apb2[i] ? (m.d2ccip2r >> 3) & 7u : m.d2ccip2r & 7u;
  uint32_t ker = sel == 0u ? (usart_on_apb2[i] ? h7_model_pclk2_hz() : h7_model_pclk1_hz())
                           : (sel == 3u ? HSI_HZ >> ((m.rcc_cr & RCR_HSIDIV) >> 3) : (sel == 4u ? 4u * MHZ : 0u));
  static const uint32_t presc_div[12] = {1, 2, 4, 6, 8, 10, 12, 16, 32, 64, 128, 256};
  ker /= presc_div[u->presc < 12u ? u->presc : 11u];
  uint32_t over = (u->cr1 & (1u << 15)) != 0u ? 8u : 16u;
  uint32_t usartdiv = over == 16u ? u->brr : ((u->brr & 0xFFF0u) | ((u->brr & 7u) << 1));
  return usartdiv == 0u ? 0u : (uint32_t)(((uint64_t)ker * (over == 16u ? 1u : 2u) + usartdiv / 2u) / usartdiv);
}

void h7_model_map_ram(uint32_t bus, void *host, uint32_t len) {
  if (m.map_count >= RAM_MAPS) {
    fatal("too many RAM maps");
  }
  m.maps[m.map_count].bus = bus;
  m.maps[m.map_count].host = host;
  m.maps[m.map_count].len = len;
  m.map_count++;
}

void h7_model_gpio_drive(uint32_t port, uint32_t pin, int level) {
  if (port >= GPIO_PORTS || pin >= 16u) {
    fatal("h7_model_gpio_drive(%u, %u)", (unsigned)port, (unsigned)pin);
  }
  m.gpio[port].drive[pin] = level;
}

const struct h7_model_iwdg *h7_model_iwdg(void) { return &m.iwdg; }

void h7_model_systick_pend(void) { m.systick_pending = true; }
bool h7_model_systick_pending(void) { return m.systick_pending; }
void h7_model_enable_caches(bool dcache, bool icache) {
  memset(m.dcache, 0, sizeof m.dcache);
  memset(m.dccisw_seen, 0, sizeof m.dccisw_seen);
  m.stats.dccisw_distinct = 0;
  m.scb_ccr = (m.scb_ccr & ~(SCB_CCR_DC | SCB_CCR_IC)) | (dcache ? SCB_CCR_DC : 0u) | (icache ? SCB_CCR_IC : 0u);
}
void h7_model_nvic_set(uint32_t word, uint32_t enabled, uint32_t pending) {
  m.nvic_enabled[word % NVIC_WORDS] = enabled;
  m.nvic_pending[word % NVIC_WORDS] = pending;
}
uint32_t h7_model_nvic_enabled(uint32_t word) { return m.nvic_enabled[word % NVIC_WORDS]; }
uint32_t h7_model_nvic_pending(uint32_t word) { return m.nvic_pending[word % NVIC_WORDS]; }
void h7_model_mpu_enable(void) { m.mpu_ctrl = 1u; }

uint32_t h7_model_ram_word(uint32_t addr) {
  if (addr < M_DTCM || addr - M_DTCM >= DTCM_SIZE) {
    fatal("h7_model_ram_word(0x%08X) outside DTCM", (unsigned)addr);
  }
  uint32_t v = 0;
  memcpy(&v, &m.dtcm[(addr - M_DTCM) & ~3u], 4u);
  return v;
}

const struct h7_model_stats *h7_model_stats(void) { return &m.stats; }
