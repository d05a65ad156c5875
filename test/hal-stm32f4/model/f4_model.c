/*
 * STM32F4 register model for host tests (see f4_model.h). Section numbers refer to RM0090 rev 19.
 *
 * Addresses and bits are written out here independently of hal-bindings/stm32f4/stm32f4_regs.h, so a wrong
 * constant there shows up as a failing test instead of being shared by the driver and the model.
 */
#include "f4_model.h"

#include "dma_stream.h"
#include "flash_acr_cache.h"
#include "flash_key_lock.h"
#include "gpio_port.h"
#include "systick.h"
#include "usart_tx.h"

#include <setjmp.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------------ */
/* Addresses and bits                                                                                      */

#define M_FLASH_MEM 0x08000000u
#define M_FSIZE_WORD 0x1FFF7A20u /* F_SIZE is the half-word at 0x1FFF7A22 */

#define M_FLASH_IF 0x40023C00u
#define M_ACR (M_FLASH_IF + 0x00u)
#define M_KEYR (M_FLASH_IF + 0x04u)
#define M_OPTKEYR (M_FLASH_IF + 0x08u)
#define M_SR (M_FLASH_IF + 0x0Cu)
#define M_CR (M_FLASH_IF + 0x10u)
#define M_OPTCR (M_FLASH_IF + 0x14u)
#define M_KEY1 0x45670123u
#define M_KEY2 0xCDEF89ABu
#define M_OPTKEY1 0x08192A3Bu
#define M_OPTKEY2 0x4C5D6E7Fu

/* FLASH_OPTCR (RM0090 3.9.7): reset value 0x0FFFAAED = nWRP all 1 (nothing protected), RDP 0xAA (level 0),
 * nRST_STDBY, nRST_STOP, WDG_SW (software watchdog), BOR_LEV 11 (off), OPTLOCK. */
#define OPT_LOCK 0x00000001u
#define OPT_STRT 0x00000002u
#define OPT_WDG_SW 0x00000020u
#define OPT_RDP 0x0000FF00u
#define OPT_NWRP 0x0FFF0000u
#define OPT_SPRMOD 0x80000000u
#define OPT_RESET_BYTES 0x0FFFAAECu /* the option bytes as shipped (OPTLOCK is not an option byte) */

#define SR_EOP 0x00000001u
#define SR_OPERR 0x00000002u
#define SR_WRPERR 0x00000010u
#define SR_PGAERR 0x00000020u
#define SR_PGPERR 0x00000040u
#define SR_PGSERR 0x00000080u
#define SR_BSY 0x00010000u
#define SR_W1C (SR_EOP | SR_OPERR | SR_WRPERR | SR_PGAERR | SR_PGPERR | SR_PGSERR)

#define CR_PG 0x00000001u
#define CR_SER 0x00000002u
#define CR_MER 0x00000004u
#define CR_SNB_SHIFT 3u
#define CR_SNB_MASK 0x000000F8u
#define CR_PSIZE_SHIFT 8u
#define CR_PSIZE_MASK 0x00000300u
#define CR_MER1 0x00008000u
#define CR_STRT 0x00010000u
#define CR_EOPIE 0x01000000u
#define CR_ERRIE 0x02000000u
#define CR_LOCK 0x80000000u
#define CR_WRITABLE (CR_PG | CR_SER | CR_MER | CR_SNB_MASK | CR_PSIZE_MASK | CR_MER1 | CR_STRT | CR_EOPIE | CR_ERRIE)

#define ACR_LATENCY 0x0000000Fu
#define ACR_PRFTEN 0x00000100u /* ICEN, DCEN, ICRST, DCRST: flash_acr_cache.h */

#define M_RCC 0x40023800u
#define M_RCC_CR (M_RCC + 0x00u)
#define M_RCC_PLLCFGR (M_RCC + 0x04u)
#define M_RCC_CFGR (M_RCC + 0x08u)
#define M_RCC_CIR (M_RCC + 0x0Cu)
#define M_RCC_AHB1RSTR (M_RCC + 0x10u)
#define M_RCC_APB1RSTR (M_RCC + 0x20u)
#define M_RCC_APB2RSTR (M_RCC + 0x24u)
#define M_RCC_AHB1ENR (M_RCC + 0x30u)
#define M_RCC_APB1ENR (M_RCC + 0x40u)
#define M_RCC_APB2ENR (M_RCC + 0x44u)

#define RCR_HSION 0x00000001u
#define RCR_HSIRDY 0x00000002u
#define RCR_HSITRIM 0x000000F8u
#define RCR_HSEON 0x00010000u
#define RCR_HSERDY 0x00020000u
#define RCR_HSEBYP 0x00040000u
#define RCR_CSSON 0x00080000u
#define RCR_PLLON 0x01000000u
#define RCR_PLLRDY 0x02000000u
#define PLLCFGR_RESET 0x24003010u
#define PLLCFGR_SRC_HSE 0x00400000u
#define CFGR_SW 0x00000003u
#define CFGR_SWS_SHIFT 2u
#define APB1_PWREN 0x10000000u

#define M_RCC_CSR (M_RCC + 0x74u)
#define CSR_LSION 0x00000001u
#define CSR_RMVF 0x01000000u
#define CSR_BORRSTF 0x02000000u
#define CSR_PINRSTF 0x04000000u
#define CSR_PORRSTF 0x08000000u
#define CSR_SFTRSTF 0x10000000u
#define CSR_IWDGRSTF 0x20000000u
#define CSR_FLAGS 0xFE000000u
#define AHB1_DMA1EN 0x00200000u
#define AHB1_DMA2EN 0x00400000u

#define M_IWDG 0x40003000u /* KR, PR, RLR, SR */
#define M_DMA1 0x40026000u
#define M_DMA2 0x40026400u

#define M_ICTR 0xE000E004u
#define M_NVIC_ISER 0xE000E100u
#define M_NVIC_ICER 0xE000E180u
#define M_NVIC_ISPR 0xE000E200u
#define M_NVIC_ICPR 0xE000E280u
#define NVIC_REGS 3u /* ICTR.INTLINESNUM = 2 on F4: 96 lines, 82-86 of them implemented */
#define M_DBGMCU_IDCODE 0xE0042000u

#define M_PWR_CR 0x40007000u
#define M_PWR_CSR 0x40007004u

#define M_GPIO 0x40020000u

#define USR_PE 0x001u
#define USR_FE 0x002u
#define USR_NE 0x004u
#define USR_ORE 0x008u
#define USR_IDLE 0x010u
#define USR_RXNE 0x020u
#define USR_TC 0x040u
#define USR_TXE 0x080u
#define USR_LBD 0x100u
#define USR_CTS 0x200u
#define UCR1_RE 0x0004u
#define UCR1_TE 0x0008u
#define UCR1_PCE 0x0400u
#define UCR1_M 0x1000u
#define UCR1_UE 0x2000u
#define UCR1_FRAME (UCR1_UE | UCR1_TE | 0x1600u) /* UE, TE, M, PCE, PS: what a character on the wire depends on */
#define UCR3_DMAR 0x0040u

#define M_ICSR 0xE000ED04u
#define M_VTOR 0xE000ED08u
#define M_AIRCR 0xE000ED0Cu
#define M_SHPR3 0xE000ED20u
#define M_CPACR 0xE000ED88u

#define MHZ 1000000u
#define HSI_HZ (16u * MHZ)

/* ------------------------------------------------------------------------------------------------------ */
/* Parts                                                                                                   */

struct part_info {
  const char *name;
  uint32_t flash_kb;
  uint32_t sysclk_max, apb1_max, apb2_max, vco_out_min;
  uint32_t ws_max_hz[8]; /* HCLK limit for 0, 1, 2 ... wait states at 2.7-3.6 V; 0 ends the table */
  uint32_t latency_mask; /* LATENCY[2:0] on F405/407, [3:0] on F401/F411 */
  uint32_t ahb1enr_reset;
  uint32_t pwr_cr_reset;
  bool vos_two_bits; /* F401/F411: VOS[1:0] bits 15:14; F405/407: VOS bit 14 only */
  uint32_t gpio_ports;  /* bit i: port i exists */
  uint32_t usarts;      /* bit i: instance i of usart_bases exists */
  uint32_t vos_scale3_max; /* two-bit parts: HCLK limit with VOS = 01 (scale 3) */
  uint32_t irqs;           /* implemented NVIC lines (the vector table's IRQ count) */
  uint32_t idcode;         /* DBGMCU_IDCODE: REV_ID << 16 | DEV_ID */
};

static const struct part_info s_parts[] = {
    /* RM0368 / DS9716: 84 MHz, APB1 42, APB2 84, VCO 192-432 MHz, table 5 wait states */
    [F4_PART_F401XE] = {"STM32F401xE", 512, 84 * MHZ, 42 * MHZ, 84 * MHZ, 192 * MHZ,
                        {30 * MHZ, 60 * MHZ, 84 * MHZ, 0}, 0xFu, 0x00000000u, 0x00008000u, true, 0x9Fu, 0x23u,
                        60 * MHZ, 85, 0x10010433u},
    /* RM0383 / DS10314: 100 MHz, APB1 50, APB2 100, VCO 100-432 MHz, table 6 wait states */
    [F4_PART_F411XE] = {"STM32F411xE", 512, 100 * MHZ, 50 * MHZ, 100 * MHZ, 100 * MHZ,
                        {30 * MHZ, 64 * MHZ, 90 * MHZ, 100 * MHZ, 0}, 0xFu, 0x00000000u, 0x00008000u, true, 0x9Fu,
                        0x23u, 64 * MHZ, 86, 0x10000431u},
    /* RM0090: 168 MHz, APB1 42, APB2 84, VCO 100-432 MHz, table 10 wait states */
    [F4_PART_F405XG] = {"STM32F405xG", 1024, 168 * MHZ, 42 * MHZ, 84 * MHZ, 100 * MHZ,
                        {30 * MHZ, 60 * MHZ, 90 * MHZ, 120 * MHZ, 150 * MHZ, 168 * MHZ, 0}, 0x7u, 0x00100000u,
                        0x00004000u, false, 0x1FFu, 0x3Fu, 0, 82, 0x10070413u},
    [F4_PART_F407XG] = {"STM32F407xG", 1024, 168 * MHZ, 42 * MHZ, 84 * MHZ, 100 * MHZ,
                        {30 * MHZ, 60 * MHZ, 90 * MHZ, 120 * MHZ, 150 * MHZ, 168 * MHZ, 0}, 0x7u, 0x00100000u,
                        0x00004000u, false, 0x1FFu, 0x3Fu, 0, 82, 0x10070413u},
};

static const uint32_t usart_bases[6] = {0x40011000u, 0x40004400u, 0x40004800u,
                                        0x40004C00u, 0x40005000u, 0x40011400u};
/* RCC enable/reset: APB2 bit 4 (USART1), APB1 bits 17-20 (USART2, 3, UART4, 5), APB2 bit 5 (USART6) */
static const uint32_t usart_rcc_bit[6] = {1u << 4, 1u << 17, 1u << 18, 1u << 19, 1u << 20, 1u << 5};
static const bool usart_on_apb2[6] = {true, false, false, false, false, true};

/* The DMA requests of the USART receivers (RM0090 tables 42-43 "DMA1/DMA2 request mapping"; RM0368/RM0383
 * tables 27-28 for the USARTs F401/F411 have): controller (1/2), stream, channel; up to two alternatives. */
struct rx_request {
  uint8_t dma, stream, channel;
};
static const struct rx_request usart_rx_requests[6][2] = {
    {{2, 2, 4}, {2, 5, 4}}, /* USART1 */
    {{1, 5, 4}, {0, 0, 0}}, /* USART2 */
    {{1, 1, 4}, {0, 0, 0}}, /* USART3 */
    {{1, 2, 4}, {0, 0, 0}}, /* UART4 */
    {{1, 0, 4}, {0, 0, 0}}, /* UART5 */
    {{2, 1, 5}, {2, 2, 5}}, /* USART6 */
};
/* ------------------------------------------------------------------------------------------------------ */
/* State                                                                                                   */

#define FLASH_MAX (1024u * 1024u)
#define MAX_SECTORS 12u
#define RX_QUEUE 4096u

enum flash_op_kind { OP_NONE, OP_PROGRAM, OP_ERASE, OP_MASS_ERASE, OP_OPTIONS };

struct usart_state {
  uint32_t sr, rdr, brr, cr1, cr2, cr3, gtpr;
  uint32_t seen;       /* error flags visible at the last SR read: a DR read clears these */
  struct usart_tx tx;  /* DR written, the shift register, the line */
  uint16_t rxq[RX_QUEUE];
  uint32_t rxq_head, rxq_len;
};

/* A GPIO port: the registers every family's port has (gpio_port.h), and LCKR. */
struct gpio_state {
  struct gpio_port regs;
  uint32_t lckr;
};

#define DMA_MEMORY_MAX 8u

static struct {
  const struct part_info *part;
  enum f4_part part_id;
  uint8_t flash[FLASH_MAX];
  uint32_t fsize_kb;
  /* flash interface */
  uint32_t acr, cr, sr, optcr;
  struct key_sequence keys; /* FLASH_KEYR's */
  uint32_t wrp_mask;
  uint32_t program_polls, erase_polls, option_polls;
  uint32_t inject_flags;
  /* option bytes: those in force, and the FLASH_OPTKEYR sequence */
  uint32_t options;
  struct key_sequence optkeys;
  bool stuck;
  struct {
    enum flash_op_kind kind;
    uint32_t addr, value, sector, polls_left, fail_flags;
  } op;
  /* RCC / PWR */
  uint32_t rcc_cr, pllcfgr, cfgr, cir, ahb1rstr, apb1rstr, apb2rstr, ahb1enr, apb1enr, apb2enr;
  enum f4_hse_source hse_source;
  uint32_t hse_hz;
  uint32_t hse_polls_left, pll_polls_left;
  bool pll_never_locks;
  uint32_t pwr_cr;
  uint32_t csr; /* RCC_CSR: LSION and the reset flags, which a system reset keeps */
  /* time: one CPU cycle per register read (the drivers' bounds assume no faster) */
  uint64_t cycles;
  jmp_buf *reset_env;
  enum f4_reset_kind last_reset;
  /* IWDG */
  bool iwdg_running, iwdg_access, iwdg_update_stuck;
  uint32_t iwdg_pr, iwdg_rlr, lsi_hz;           /* as last written */
  uint32_t iwdg_pr_active, iwdg_rlr_active;     /* as the LSI domain has them (after PVU/RVU clear) */
  uint64_t iwdg_deadline, pvu_until, rvu_until;
  /* DMA */
  bool dma_absent;
  struct dma_controller dma[2]; /* DMA1, DMA2 */
  struct {
    uint8_t *host;
    uint32_t addr, size;
  } dma_mem[DMA_MEMORY_MAX];
  uint32_t dma_mem_count;
  /* NVIC */
  uint32_t nvic_enabled[NVIC_REGS], nvic_pending[NVIC_REGS];
  bool pendsv_pending;
  /* peripherals */
  struct gpio_state gpio[9];
  struct usart_state usart[6];
  struct systick systick;
  uint32_t vtor, shpr3, cpacr;
  bool systick_pending;
  /* inspection */
  struct f4_model_stats stats;
} m;

static void usart_dma_request(int i);
static void registers_reset(void);
static void dma_reset(uint32_t c);
static void system_reset_by(enum f4_reset_kind kind) __attribute__((noreturn));

/* ------------------------------------------------------------------------------------------------------ */
/* Flash geometry (RM0090 table 5): 4 x 16 KB, 1 x 64 KB, then 128 KB sectors                              */

uint32_t f4_model_flash_size(void) { return m.part->flash_kb * 1024u; }

uint32_t f4_model_flash_sector_count(void) {
  uint32_t kb = m.part->flash_kb;
  return kb <= 128u ? 5u : 5u + (kb - 128u) / 128u;
}

uint32_t f4_model_flash_sector_size(uint32_t index) {
  if (index < 4u) {
    return 16u * 1024u;
  }
  return index == 4u ? 64u * 1024u : 128u * 1024u;
}

uint32_t f4_model_flash_sector_start(uint32_t index) {
  uint32_t start = M_FLASH_MEM;
  for (uint32_t i = 0; i < index; i++) {
    start += f4_model_flash_sector_size(i);
  }
  return start;
}

static uint32_t sector_of(uint32_t addr) {
  for (uint32_t i = 0; i < f4_model_flash_sector_count(); i++) {
    uint32_t s = f4_model_flash_sector_start(i);
    if (addr >= s && addr < s + f4_model_flash_sector_size(i)) {
      return i;
    }
  }
  return 0xFFFFFFFFu;
}

static bool in_flash(uint32_t addr) { return addr >= M_FLASH_MEM && addr - M_FLASH_MEM < f4_model_flash_size(); }

static uint32_t flash_load(uint32_t addr) {
  uint32_t off = addr - M_FLASH_MEM;
  uint32_t v = 0;
  for (uint32_t i = 0; i < 4u; i++) {
    uint32_t o = off + i;
    v |= (uint32_t)(o < f4_model_flash_size() ? m.flash[o] : 0xFFu) << (8u * i);
  }
  return v;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Flash operations                                                                                        */

static void flash_complete(void) {
  if (m.op.kind == OP_NONE) {
    return;
  }
  if (m.op.fail_flags != 0u) {
    m.sr |= m.op.fail_flags;
  } else if (m.op.kind == OP_OPTIONS) {
    /* The option bytes take the values FLASH_OPTCR held at OPTSTRT, and are in force from now on (F4 needs no
     * reset for them). RDP is never changed by tsboot: a change is a violation and is not applied. */
    uint32_t wanted = m.op.value & ~(OPT_LOCK | OPT_STRT);
    if ((wanted & OPT_RDP) != (m.options & OPT_RDP)) {
      violation("option bytes: RDP changed from 0x%02X to 0x%02X (not applied; 0xCC would freeze the chip)",
                (unsigned)((m.options & OPT_RDP) >> 8), (unsigned)((wanted & OPT_RDP) >> 8));
      wanted = (wanted & ~OPT_RDP) | (m.options & OPT_RDP);
    }
    if (!m.part->vos_two_bits && (wanted & OPT_SPRMOD) != 0u) {
      violation("option bytes: SPRMOD (bit 31) is reserved on %s", m.part->name);
      wanted &= ~OPT_SPRMOD;
    }
    m.options = wanted;
    m.wrp_mask = (m.options & OPT_SPRMOD) != 0u ? 0u : (~m.options >> 16) & 0xFFFu;
    m.stats.option_programs++;
  } else if (m.op.kind == OP_PROGRAM) {
    /* RM0090 3.6.3: "Successive write operations are possible without the need of an erase operation when
     * changing bits from '1' to '0'. Writing '1' requires a Flash memory erase operation." F4 raises no
     * flag for a word that was not erased (unlike L4's PROGERR): the cells simply keep their 0s. */
    uint32_t off = m.op.addr - M_FLASH_MEM;
    for (uint32_t i = 0; i < 4u; i++) {
      m.flash[off + i] &= (uint8_t)(m.op.value >> (8u * i));
    }
    m.stats.flash_programs++;
  } else {
    uint32_t first = m.op.kind == OP_MASS_ERASE ? 0u : m.op.sector;
    uint32_t last = m.op.kind == OP_MASS_ERASE ? f4_model_flash_sector_count() - 1u : m.op.sector;
    for (uint32_t i = first; i <= last; i++) {
      memset(&m.flash[f4_model_flash_sector_start(i) - M_FLASH_MEM], 0xFF, f4_model_flash_sector_size(i));
      m.stats.flash_erases++;
    }
  }
  if (m.op.fail_flags == 0u && (m.cr & CR_EOPIE) != 0u) {
    m.sr |= SR_EOP; /* "set only if the end of operation interrupts are enabled (EOPIE = 1)" */
  }
  m.cr &= ~CR_STRT; /* "cleared when the BSY bit is cleared" */
  m.optcr &= ~OPT_STRT;
  m.op.kind = OP_NONE;
}

static void flash_start(enum flash_op_kind kind, uint32_t addr, uint32_t value, uint32_t sector) {
  m.op.kind = kind;
  m.op.addr = addr;
  m.op.value = value;
  m.op.sector = sector;
  m.op.polls_left = kind == OP_PROGRAM ? m.program_polls : (kind == OP_OPTIONS ? m.option_polls : m.erase_polls);
  m.op.fail_flags = m.inject_flags;
  m.inject_flags = 0;
}

/* An error detected when the operation is requested: flag it, no BSY. OPERR accompanies it only with ERRIE
 * ("set only if error interrupts are enabled"). */
static void flash_reject(uint32_t flag) {
  m.sr |= flag;
  if ((m.cr & CR_ERRIE) != 0u) {
    m.sr |= SR_OPERR;
  }
}

/* An access that must wait for the current operation: on silicon the AHB bus stalls until BSY clears. */
static void flash_stall(const char *what) {
  if (m.op.kind == OP_NONE) {
    return;
  }
  if (m.stuck) {
    fatal("%s while BSY is stuck: the bus would stall forever", what);
  }
  violation("%s while BSY was set: the bus stalled until the operation ended", what);
  m.stats.bus_stalls++;
  flash_complete();
}

static bool sector_protected(uint32_t index) { return index < 32u && (m.wrp_mask & (1u << index)) != 0u; }

static void flash_store(uint32_t addr, uint32_t value) {
  flash_stall("flash write");
  uint32_t psize = (m.cr & CR_PSIZE_MASK) >> CR_PSIZE_SHIFT;
  /* PGSERR: "a write access to the Flash memory is performed by the code while the control register has
   * not been correctly configured" - PG clear (which includes a locked FLASH_CR). With an erase bit set as
   * well the model also says PGSERR: RM0090 only says the erase runs first when both are requested. */
  if ((m.cr & CR_PG) == 0u || (m.cr & CR_LOCK) != 0u || (m.cr & (CR_SER | CR_MER | CR_MER1)) != 0u) {
    flash_reject(SR_PGSERR);
    return;
  }
  /* PGAERR: RM0090 defines it as data that cannot be contained in one 128-bit row; the model flags every
   * misaligned word (on silicon the core may split an unaligned store into smaller accesses, which would
   * then raise PGPERR instead). */
  if ((addr & 3u) != 0u) {
    flash_reject(SR_PGAERR);
    return;
  }
  /* PGPERR: the access size (always 32 bits through the seam) must match PSIZE. */
  if (psize != 2u) {
    flash_reject(SR_PGPERR);
    return;
  }
  if (sector_protected(sector_of(addr))) {
    flash_reject(SR_WRPERR);
    return;
  }
  flash_start(OP_PROGRAM, addr, value, 0);
}

static void flash_cr_write(uint32_t v) {
  if (m.keys.lockout || (m.cr & CR_LOCK) != 0u) {
    violation("FLASH_CR write 0x%08X while locked (ignored)", (unsigned)v);
    m.stats.cr_writes_rejected++;
    return;
  }
  flash_stall("FLASH_CR write");
  uint32_t old = m.cr;
  m.cr = (v & CR_WRITABLE) | ((v & CR_LOCK) != 0u ? CR_LOCK : 0u);
  if ((v & CR_STRT) == 0u || (old & CR_STRT) != 0u) {
    return;
  }
  if ((m.cr & CR_SER) != 0u) {
    /* If PG is set too, "the erase operation is performed first" (RM0090 3.6.3). */
    uint32_t snb = (m.cr & CR_SNB_MASK) >> CR_SNB_SHIFT;
    if (snb >= f4_model_flash_sector_count()) {
      violation("STRT with SNB %u: no such sector on %s", (unsigned)snb, m.part->name);
      flash_reject(SR_PGSERR);
      m.cr &= ~CR_STRT;
      return;
    }
    if (sector_protected(snb)) {
      flash_reject(SR_WRPERR);
      m.cr &= ~CR_STRT;
      return;
    }
    flash_start(OP_ERASE, 0, 0, snb);
  } else if ((m.cr & CR_MER) != 0u) {
    if (m.wrp_mask != 0u) {
      flash_reject(SR_WRPERR);
      m.cr &= ~CR_STRT;
      return;
    }
    flash_start(OP_MASS_ERASE, 0, 0, 0);
  } else {
    /* STRT with neither SER nor MER starts nothing RM0090 defines; the model calls it a sequence error. */
    flash_reject(SR_PGSERR);
    m.cr &= ~CR_STRT;
  }
}

/* RM0090 3.5.1: KEY1 then KEY2 unlocks; "any wrong sequence will return a bus error and lock up the
 * FLASH_CR register until the next reset" (flash_key_lock.h). */
static const struct key_register flash_keyr = {
    "FLASH_KEYR", {M_KEY1, M_KEY2}, {"KEY1", "KEY2"}, "bus error, FLASH_CR locked until reset"};

/* FLASH_OPTKEYR (RM0090 3.7.2): OPTKEY1 then OPTKEY2 clears OPTLOCK; as for FLASH_KEYR, a wrong key or a key
 * while unlocked is a bus error that locks FLASH_OPTCR until reset. */
static const struct key_register flash_optkeyr = {
    "FLASH_OPTKEYR", {M_OPTKEY1, M_OPTKEY2}, {"OPTKEY1", "OPTKEY2"}, "bus error, FLASH_OPTCR locked until reset"};

/* A write to FLASH_KEYR or FLASH_OPTKEYR: a wrong one is a bus error (a BusFault on silicon), counted. */
static void key_write(const struct key_register *reg, struct key_sequence *seq, uint32_t *lock_reg,
                      uint32_t lock_bit, uint32_t v) {
  key_register_count(key_register_write(reg, seq, lock_reg, lock_bit, v),
                     &m.stats.bus_errors, &m.stats.key_lockouts);
}

static void flash_optcr_write(uint32_t v) {
  if (m.optkeys.lockout || (m.optcr & OPT_LOCK) != 0u) {
    violation("FLASH_OPTCR write 0x%08X while locked (ignored)", (unsigned)v);
    return;
  }
  flash_stall("FLASH_OPTCR write");
  uint32_t old = m.optcr;
  m.optcr = v & ~(m.part->vos_two_bits ? 0u : OPT_SPRMOD) & ~0x70000000u; /* bits 30:28 reserved */
  if ((v & OPT_STRT) == 0u || (old & OPT_STRT) != 0u) {
    return;
  }
  if ((v & OPT_LOCK) != 0u) {
    violation("FLASH_OPTCR: OPTSTRT and OPTLOCK in one write");
  }
  flash_start(OP_OPTIONS, 0, m.optcr, 0);
}

static uint32_t flash_sr_read(bool peek) {
  if (!peek && m.op.kind != OP_NONE && !m.stuck) {
    if (m.op.polls_left > 0u) {
      m.op.polls_left--;
    } else {
      flash_complete();
    }
  }
  return m.sr | (m.op.kind != OP_NONE ? SR_BSY : 0u);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Clocks                                                                                                  */

static uint32_t rcc_pll_out(void) {
  uint32_t src = (m.pllcfgr & PLLCFGR_SRC_HSE) != 0u ? m.hse_hz : HSI_HZ;
  uint32_t pm = m.pllcfgr & 0x3Fu;
  uint32_t pn = (m.pllcfgr >> 6) & 0x1FFu;
  uint32_t pp = 2u * (((m.pllcfgr >> 16) & 3u) + 1u);
  if (pm == 0u) {
    return 0;
  }
  return (uint32_t)((uint64_t)src / pm * pn / pp);
}

uint32_t f4_model_sysclk_hz(void) {
  switch ((m.cfgr >> CFGR_SWS_SHIFT) & 3u) {
  case 0:
    return HSI_HZ;
  case 1:
    return m.hse_hz;
  case 2:
    return rcc_pll_out();
  default:
    return 0;
  }
}

uint32_t f4_model_hclk_hz(void) {
  uint32_t hpre = (m.cfgr >> 4) & 0xFu;
  static const uint32_t shift[8] = {1, 2, 3, 4, 6, 7, 8, 9}; /* /2 /4 /8 /16 /64 /128 /256 /512 */
  return hpre < 8u ? f4_model_sysclk_hz() : f4_model_sysclk_hz() >> shift[hpre - 8u];
}

static uint32_t apb_clock(uint32_t ppre) { return ppre < 4u ? f4_model_hclk_hz() : f4_model_hclk_hz() >> (ppre - 3u); }
uint32_t f4_model_pclk1_hz(void) { return apb_clock((m.cfgr >> 10) & 7u); }
uint32_t f4_model_pclk2_hz(void) { return apb_clock((m.cfgr >> 13) & 7u); }

static uint32_t wait_states_needed(uint32_t hclk) {
  for (uint32_t ws = 0; ws < 8u && m.part->ws_max_hz[ws] != 0u; ws++) {
    if (hclk <= m.part->ws_max_hz[ws]) {
      return ws;
    }
  }
  return 99;
}

/* What RM0090 and the datasheets require of the clock tree as it runs now. */
static void rcc_check(const char *after) {
  uint32_t hclk = f4_model_hclk_hz();
  uint32_t need = wait_states_needed(hclk);
  uint32_t have = m.acr & ACR_LATENCY;
  if (need > have) {
    violation("after %s: HCLK %u Hz needs %u flash wait states, FLASH_ACR has %u", after, (unsigned)hclk,
              (unsigned)need, (unsigned)have);
  }
  if (hclk > m.part->sysclk_max) {
    violation("after %s: HCLK %u Hz above the %s maximum", after, (unsigned)hclk, m.part->name);
  }
  if (f4_model_pclk1_hz() > m.part->apb1_max || f4_model_pclk2_hz() > m.part->apb2_max) {
    violation("after %s: APB1 %u Hz / APB2 %u Hz above the limits", after, (unsigned)f4_model_pclk1_hz(),
              (unsigned)f4_model_pclk2_hz());
  }
  uint32_t vos = (m.pwr_cr >> 14) & 3u;
  if (m.part->vos_two_bits && hclk > 84u * MHZ && vos != 3u) {
    violation("after %s: HCLK %u Hz needs VOS scale 1 (PWR_CR VOS = 11), VOS is %u", after, (unsigned)hclk,
              (unsigned)vos);
  }
  if (m.part->vos_two_bits && (vos == 1u || vos == 0u) && hclk > m.part->vos_scale3_max) {
    violation("after %s: HCLK %u Hz is above the %u Hz of VOS scale 3 (PWR_CR VOS = %u)", after, (unsigned)hclk,
              (unsigned)m.part->vos_scale3_max, (unsigned)vos);
  }
  if (!m.part->vos_two_bits && hclk > 144u * MHZ && (vos & 1u) == 0u) {
    violation("after %s: HCLK %u Hz needs VOS = 1 (scale 1)", after, (unsigned)hclk);
  }
}

static void rcc_check_pll_config(void) {
  uint32_t src = (m.pllcfgr & PLLCFGR_SRC_HSE) != 0u ? m.hse_hz : HSI_HZ;
  uint32_t pm = m.pllcfgr & 0x3Fu;
  uint32_t pn = (m.pllcfgr >> 6) & 0x1FFu;
  uint32_t pq = (m.pllcfgr >> 24) & 0xFu;
  if (pm < 2u) {
    violation("PLLON with PLLM = %u (2..63)", (unsigned)pm);
    return;
  }
  uint32_t in = src / pm;
  uint64_t vco = (uint64_t)in * pn;
  if (in < 950000u || in > 2100000u) {
    violation("PLLON with a VCO input of %u Hz (0.95-2.1 MHz)", (unsigned)in);
  }
  if (pn < 50u || pn > 432u) {
    violation("PLLON with PLLN = %u (50..432)", (unsigned)pn);
  }
  if (vco < m.part->vco_out_min || vco > 432u * MHZ) {
    violation("PLLON with a VCO output of %llu Hz", (unsigned long long)vco);
  }
  if (pq < 2u || vco / pq > 48u * MHZ) {
    violation("PLLON with PLLQ = %u: PLL48CLK above 48 MHz", (unsigned)pq);
  }
}

static bool hse_works(void) {
  if ((m.rcc_cr & RCR_HSEON) == 0u) {
    return false;
  }
  bool bypass = (m.rcc_cr & RCR_HSEBYP) != 0u;
  return (m.hse_source == F4_HSE_CRYSTAL && !bypass) || (m.hse_source == F4_HSE_CLOCK_IN && bypass);
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
    return false;
  }
}

/* Progress of oscillators and the switch, one step per RCC_CR read. */
static void rcc_tick(void) {
  if (hse_works() && (m.rcc_cr & RCR_HSERDY) == 0u) {
    if (m.hse_polls_left > 0u) {
      m.hse_polls_left--;
    } else {
      m.rcc_cr |= RCR_HSERDY;
    }
  }
  bool pll_src_ok = (m.pllcfgr & PLLCFGR_SRC_HSE) != 0u ? (m.rcc_cr & RCR_HSERDY) != 0u : true;
  if ((m.rcc_cr & RCR_PLLON) != 0u && (m.rcc_cr & RCR_PLLRDY) == 0u && pll_src_ok && !m.pll_never_locks) {
    if (m.pll_polls_left > 0u) {
      m.pll_polls_left--;
    } else {
      m.rcc_cr |= RCR_PLLRDY;
    }
  }
}

static uint32_t sws(void) { return (m.cfgr >> CFGR_SWS_SHIFT) & 3u; }

/* "A switch from one clock source to another occurs only if the target clock source is ready." */
static void rcc_switch(void) {
  uint32_t sw = m.cfgr & CFGR_SW;
  uint32_t cur = (m.cfgr >> CFGR_SWS_SHIFT) & 3u;
  if (sw != cur && source_ready(sw)) {
    m.cfgr = (m.cfgr & ~(3u << CFGR_SWS_SHIFT)) | (sw << CFGR_SWS_SHIFT);
    rcc_check("the SYSCLK switch");
  }
}

static void rcc_cr_write(uint32_t v) {
  uint32_t old = m.rcc_cr;
  bool pll_is_sys = sws() == 2u;
  bool hse_in_use = sws() == 1u || (pll_is_sys && (m.pllcfgr & PLLCFGR_SRC_HSE) != 0u);
  bool hsi_in_use = sws() == 0u || (pll_is_sys && (m.pllcfgr & PLLCFGR_SRC_HSE) == 0u);
  uint32_t writable = RCR_HSION | RCR_HSITRIM | RCR_HSEON | RCR_HSEBYP | RCR_CSSON | RCR_PLLON;
  uint32_t nv = (old & ~writable) | (v & writable);
  if ((old & RCR_HSION) != 0u && (nv & RCR_HSION) == 0u && hsi_in_use) {
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
  if ((old & RCR_HSEON) != 0u && ((old ^ nv) & RCR_HSEBYP) != 0u) {
    violation("RCC_CR: HSEBYP changed while HSEON = 1 (ignored)");
    nv = (nv & ~RCR_HSEBYP) | (old & RCR_HSEBYP);
  }
  if ((nv & RCR_HSEON) == 0u) {
    nv &= ~RCR_HSERDY;
  } else if ((old & RCR_HSEON) == 0u) {
    m.hse_polls_left = 20;
  }
  if ((nv & RCR_PLLON) == 0u) {
    nv &= ~RCR_PLLRDY;
  } else if ((old & RCR_PLLON) == 0u) {
    m.pll_polls_left = 10;
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
  if (((v ^ PLLCFGR_RESET) & 0x20000000u) != 0u) {
    violation("RCC_PLLCFGR: reserved bit 29 changed");
  }
  m.pllcfgr = v;
}

static void rcc_cfgr_write(uint32_t v) {
  uint32_t cur = sws();
  m.cfgr = (m.cfgr & (3u << CFGR_SWS_SHIFT)) | (v & ~(3u << CFGR_SWS_SHIFT));
  rcc_switch();
  if (sws() == cur) {
    rcc_check("an RCC_CFGR write"); /* a switch has already checked */
  }
}

/* ------------------------------------------------------------------------------------------------------ */
/* Time, the IWDG and software resets                                                                      */

/* LSI cycles as HCLK cycles: the model's clock is one HCLK cycle per register read. */
static uint64_t lsi_cycles(uint64_t lsi_ticks) { return lsi_ticks * f4_model_hclk_hz() / m.lsi_hz; }

/* A written PR/RLR reaches the counter's domain only when its update is done (PVU/RVU clear). */
static void iwdg_sync(void) {
  if (m.cycles >= m.pvu_until) {
    m.iwdg_pr_active = m.iwdg_pr;
  }
  if (m.cycles >= m.rvu_until) {
    m.iwdg_rlr_active = m.iwdg_rlr;
  }
}

static uint32_t iwdg_divider(void) {
  iwdg_sync();
  return 4u << (m.iwdg_pr_active > 6u ? 6u : m.iwdg_pr_active);
}

static void iwdg_reload(void) {
  uint32_t divider = iwdg_divider(); /* syncs RLR too */
  m.iwdg_deadline = m.cycles + lsi_cycles((uint64_t)(m.iwdg_rlr_active + 1u) * divider);
}

static void time_passes(uint64_t cycles) {
  m.cycles += cycles;
  if (m.iwdg_running && m.cycles >= m.iwdg_deadline) {
    m.stats.iwdg_resets++;
    m.csr |= CSR_IWDGRSTF | CSR_PINRSTF;
    system_reset_by(F4_RESET_IWDG);
  }
}

static void system_reset_by(enum f4_reset_kind kind) {
  registers_reset();
  m.last_reset = kind;
  if (m.reset_env == NULL) {
    fatal("the MCU resets here (%s) and the test expected no reset", kind == F4_RESET_IWDG ? "IWDG" : "SYSRESETREQ");
  }
  jmp_buf *env = m.reset_env;
  m.reset_env = NULL; /* one reset per f4_model_on_reset */
  longjmp(*env, 1);
}

static uint32_t iwdg_read(uint32_t off) {
  switch (off) {
  case 0x00:
    return 0; /* KR is write-only */
  case 0x04:
    return m.iwdg_pr;
  case 0x08:
    return m.iwdg_rlr;
  case 0x0C:
    return (m.cycles < m.pvu_until ? 1u : 0u) | (m.cycles < m.rvu_until ? 2u : 0u);
  default:
    fatal("IWDG read at offset 0x%X", (unsigned)off);
  }
}

static void iwdg_write(uint32_t off, uint32_t v) {
  /* RM0090 21.4: PR and RLR take a value only after KR = 0x5555, and only once the previous update of that
   * register has crossed into the LSI domain (PVU/RVU clear, up to 5 LSI cycles). */
  uint64_t update_done = m.iwdg_update_stuck ? UINT64_MAX : m.cycles + lsi_cycles(5u);
  switch (off) {
  case 0x00:
    v &= 0xFFFFu;
    m.iwdg_access = v == 0x5555u;
    if (v == 0xCCCCu && !m.iwdg_running) {
      m.iwdg_running = true;
      iwdg_reload();
    } else if (v == 0xAAAAu && m.iwdg_running) {
      m.stats.iwdg_reloads++;
      iwdg_reload();
    }
    return;
  case 0x04:
  case 0x08: {
    bool pr = off == 0x04u;
    if (!m.iwdg_access) {
      violation("IWDG_%s written without KR = 0x5555 (ignored)", pr ? "PR" : "RLR");
      return;
    }
    if (m.cycles < (pr ? m.pvu_until : m.rvu_until)) {
      violation("IWDG_%s written while %s is set (ignored)", pr ? "PR" : "RLR", pr ? "PVU" : "RVU");
      return;
    }
    if (pr) {
      m.iwdg_pr = v & 7u;
      m.pvu_until = update_done;
    } else {
      m.iwdg_rlr = v & 0xFFFu;
      m.rvu_until = update_done;
    }
    return;
  }
  case 0x0C:
    violation("IWDG_SR is read-only");
    return;
  default:
    fatal("IWDG write at offset 0x%X", (unsigned)off);
  }
}

/* ------------------------------------------------------------------------------------------------------ */
/* Peripheral reset values                                                                                 */

static void gpio_reset(uint32_t i) {
  if (i == 0u) { /* PA13-15: JTAG/SWD */
    gpio_port_reset(&m.gpio[i].regs, 0xA8000000u, 0x0C000000u, 0x64000000u);
  } else if (i == 1u) { /* PB3-4: JTAG */
    gpio_port_reset(&m.gpio[i].regs, 0x00000280u, 0x000000C0u, 0x00000100u);
  } else { /* every pin an input, no pull */
    gpio_port_reset(&m.gpio[i].regs, 0u, 0u, 0u);
  }
  m.gpio[i].lckr = 0;
}

static void usart_reset(uint32_t i) {
  struct usart_state *u = &m.usart[i];
  memset(u->rxq, 0, sizeof u->rxq);
  u->sr = USR_TC | USR_TXE; /* 0x00C0 */
  u->rdr = u->brr = u->cr1 = u->cr2 = u->cr3 = u->gtpr = 0;
  u->seen = 0;
  usart_tx_reset(&u->tx); /* what went out on the line, and a fault armed by the test, stay */
  u->rxq_head = u->rxq_len = 0;
}

static void registers_reset(void) {
  m.acr = 0;
  m.cr = CR_LOCK; /* reset value 0x80000000 */
  m.sr = 0;
  m.optcr = m.options | OPT_LOCK;
  m.wrp_mask = (m.options & OPT_SPRMOD) != 0u ? 0u : (~m.options >> 16) & 0xFFFu;
  m.keys = (struct key_sequence){0};
  m.optkeys = (struct key_sequence){0};
  memset(&m.op, 0, sizeof m.op);
  m.rcc_cr = 0x00000083u; /* HSION, HSIRDY, HSITRIM = 16 */
  m.pllcfgr = PLLCFGR_RESET;
  m.cfgr = 0;
  m.cir = 0;
  m.ahb1rstr = m.apb1rstr = m.apb2rstr = 0;
  m.ahb1enr = m.part->ahb1enr_reset;
  m.apb1enr = m.apb2enr = 0;
  m.pwr_cr = m.part->pwr_cr_reset;
  for (uint32_t i = 0; i < 9u; i++) {
    gpio_reset(i);
  }
  for (uint32_t i = 0; i < 6u; i++) {
    usart_reset(i);
  }
  systick_reset(&m.systick);
  m.vtor = m.shpr3 = m.cpacr = 0;
  m.systick_pending = false;
  m.pendsv_pending = false;
  memset(m.nvic_enabled, 0, sizeof m.nvic_enabled);
  memset(m.nvic_pending, 0, sizeof m.nvic_pending);
  dma_reset(0);
  dma_reset(1);
  m.csr &= CSR_FLAGS; /* the reset flags survive a system reset; LSION does not */
  /* IWDG: stopped, PR 0, RLR 0xFFF; started by hardware when WDG_SW = 0 ("hardware watchdog"). */
  m.iwdg_pr = m.iwdg_pr_active = 0;
  m.iwdg_rlr = m.iwdg_rlr_active = 0xFFFu;
  m.iwdg_access = false;
  m.pvu_until = m.rvu_until = 0;
  m.iwdg_running = (m.options & OPT_WDG_SW) == 0u;
  if (m.iwdg_running) {
    iwdg_reload();
  }
}

void f4_model_reset(enum f4_part part) {
  memset(&m, 0, sizeof m);
  model_report_reset();
  m.part_id = part;
  m.part = &s_parts[part];
  m.fsize_kb = m.part->flash_kb;
  memset(m.flash, 0xFF, sizeof m.flash);
  m.program_polls = 3;
  m.erase_polls = 200;
  m.option_polls = 100;
  m.options = OPT_RESET_BYTES;
  m.lsi_hz = 32000u;
  m.csr = CSR_PORRSTF | CSR_BORRSTF | CSR_PINRSTF;
  m.hse_source = F4_HSE_NONE;
  registers_reset();
}

void f4_model_system_reset(void) {
  registers_reset();
  m.csr |= CSR_PINRSTF;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Bus decode                                                                                              */

static int usart_index(uint32_t addr) {
  for (int i = 0; i < 6; i++) {
    if (addr >= usart_bases[i] && addr < usart_bases[i] + 0x1Cu) {
      return i;
    }
  }
  return -1;
}

static bool usart_clocked(int i) {
  uint32_t bit = usart_rcc_bit[i];
  return usart_on_apb2[i] ? ((m.apb2enr & bit) != 0u && (m.apb2rstr & bit) == 0u)
                          : ((m.apb1enr & bit) != 0u && (m.apb1rstr & bit) == 0u);
}

static void usart_rx_tick(struct usart_state *u) {
  bool on = (u->cr1 & (UCR1_UE | UCR1_RE)) == (UCR1_UE | UCR1_RE);
  if (on && (u->sr & USR_RXNE) == 0u && u->rxq_len > 0u) {
    u->rdr = u->rxq[u->rxq_head];
    u->rxq_head = (u->rxq_head + 1u) % RX_QUEUE;
    u->rxq_len--;
    u->sr |= USR_RXNE;
    usart_dma_request((int)(u - m.usart));
  }
}

static uint32_t usart_read(int i, uint32_t off, bool peek) {
  struct usart_state *u = &m.usart[i];
  switch (off) {
  case 0x00:
    if (!peek) { /* one step of the transmitter and the receiver per SR read */
      usart_tx_tick(&u->tx, &u->sr);
      usart_rx_tick(u);
      u->seen = u->sr & (USR_PE | USR_FE | USR_NE | USR_ORE | USR_IDLE);
    }
    return u->sr;
  case 0x04: {
    uint32_t v = u->rdr;
    if (!peek) {
      /* "cleared by a software sequence (a read to the USART_SR register followed by a read to the
       * USART_DR register)": only the flags that SR read saw. */
      u->sr &= ~(USR_RXNE | u->seen);
      u->seen = 0;
    }
    return v;
  }
  case 0x08:
    return u->brr;
  case 0x0C:
    return u->cr1;
  case 0x10:
    return u->cr2;
  case 0x14:
    return u->cr3;
  case 0x18:
    return u->gtpr;
  default:
    fatal("USART read at offset 0x%X", (unsigned)off);
  }
}

/* RM0090 30.6.4: M, PCE, PS "must not be modified during a data transfer"; a new BRR or a cleared TE/UE cuts
 * the character on the wire too. TC (nothing in DR, nothing in the shift register) is the quiet line. */
static void usart_check_quiet_line(int i, const char *reg, bool changes_the_line) {
  const struct usart_state *u = &m.usart[i];
  if (changes_the_line && usart_tx_busy(&u->tx)) {
    violation("USART%d %s changed while a character was being sent (it leaves garbled): wait for TC first",
              i == 5 ? 6 : i + 1, reg);
  }
}

static void usart_write(int i, uint32_t off, uint32_t v) {
  struct usart_state *u = &m.usart[i];
  switch (off) {
  case 0x00: { /* RXNE, TC, LBD, CTS are rc_w0; the rest read-only */
    uint32_t rc_w0 = USR_RXNE | USR_TC | USR_LBD | USR_CTS;
    u->sr &= v | ~rc_w0;
    return;
  }
  case 0x04:
    if ((u->cr1 & UCR1_UE) == 0u || (u->cr1 & UCR1_TE) == 0u) {
      violation("USART%d DR write with UE or TE off: the character is not sent", i == 5 ? 6 : i + 1);
      return;
    }
    if (u->tx.tdr_full) {
      violation("USART%d DR written before TXE: a character was overwritten", i == 5 ? 6 : i + 1);
    }
    /* With PCE the MSB (bit 7 for M = 0, bit 8 for M = 1) is replaced by the parity bit. */
    usart_tx_write(&u->tx, &u->sr,
                   (u->cr1 & UCR1_PCE) != 0u ? ((u->cr1 & UCR1_M) != 0u ? v & 0xFFu : v & 0x7Fu)
                                             : ((u->cr1 & UCR1_M) != 0u ? v & 0x1FFu : v & 0xFFu));
    return;
  case 0x08:
    usart_check_quiet_line(i, "BRR", u->brr != (v & 0xFFFFu));
    u->brr = v & 0xFFFFu;
    return;
  case 0x0C:
    usart_check_quiet_line(i, "CR1", ((u->cr1 ^ v) & UCR1_FRAME) != 0u);
    u->cr1 = v & 0xBFFFu;
    return;
  case 0x10:
    usart_check_quiet_line(i, "CR2", ((u->cr2 ^ v) & 0x3000u) != 0u);
    u->cr2 = v & 0x7F7Fu;
    return;
  case 0x14:
    u->cr3 = v & 0x0FFFu;
    usart_dma_request(i); /* DMAR set with a character waiting: the request is there at once */
    return;
  case 0x18:
    u->gtpr = v & 0xFFFFu;
    return;
  default:
    fatal("USART write at offset 0x%X", (unsigned)off);
  }
}

static bool gpio_clocked(uint32_t port) {
  uint32_t bit = 1u << port;
  return (m.ahb1enr & bit) != 0u && (m.ahb1rstr & bit) == 0u;
}

/* The registers every family's port has are gpio_port.c's; the F4's own: LCKR. */
static uint32_t gpio_read(uint32_t port, uint32_t off) {
  const struct gpio_state *g = &m.gpio[port];
  uint32_t v;
  if (gpio_port_read(&g->regs, off, &v)) {
    return v;
  }
  if (off == 0x1Cu) {
    return g->lckr;
  }
  fatal("GPIO read at offset 0x%X", (unsigned)off);
}

static void gpio_write(uint32_t port, uint32_t off, uint32_t v) {
  struct gpio_state *g = &m.gpio[port];
  if (off == 0x1Cu) {
    g->lckr = v;
  } else if (!gpio_port_write(&g->regs, off, v)) {
    fatal("GPIO write at offset 0x%X", (unsigned)off);
  }
}

static void rstr_write(uint32_t *reg, uint32_t v, bool ahb1, bool apb2) {
  uint32_t released = *reg & ~v;
  *reg = v;
  if (ahb1) {
    for (uint32_t i = 0; i < 9u; i++) {
      if ((released & (1u << i)) != 0u) {
        gpio_reset(i);
      }
    }
    if ((released & AHB1_DMA1EN) != 0u) {
      dma_reset(0);
    }
    if ((released & AHB1_DMA2EN) != 0u) {
      dma_reset(1);
    }
    return;
  }
  for (int i = 0; i < 6; i++) {
    if (usart_on_apb2[i] == apb2 && (released & usart_rcc_bit[i]) != 0u) {
      usart_reset((uint32_t)i);
    }
  }
}

/* ------------------------------------------------------------------------------------------------------ */
/* DMA (RM0090 10): streams moving USART receptions into registered host memory; the controller's registers  */
/* are dma_stream.c's                                                                                      */

static bool dma_clocked(uint32_t c) {
  uint32_t bit = c == 0u ? AHB1_DMA1EN : AHB1_DMA2EN;
  return (m.ahb1enr & bit) != 0u && (m.ahb1rstr & bit) == 0u;
}

static uint8_t *dma_host(uint32_t addr) {
  for (uint32_t i = 0; i < m.dma_mem_count; i++) {
    if (addr - m.dma_mem[i].addr < m.dma_mem[i].size) {
      return m.dma_mem[i].host + (addr - m.dma_mem[i].addr);
    }
  }
  return NULL;
}

static void dma_reset(uint32_t c) { dma_controller_reset(&m.dma[c]); }

/* One character from USART i into memory by the stream that serves its request, if one is set up to. */
static void usart_dma_request(int i) {
  struct usart_state *u = &m.usart[i];
  if ((u->cr3 & UCR3_DMAR) == 0u || (u->sr & USR_RXNE) == 0u || m.dma_absent) {
    return;
  }
  for (uint32_t k = 0; k < 2u; k++) {
    const struct rx_request *rq = &usart_rx_requests[i][k];
    if (rq->dma == 0u) {
      continue;
    }
    uint32_t c = rq->dma - 1u;
    struct dma_stream *st = &m.dma[c].stream[rq->stream];
    if ((st->cr & DMA_EN) == 0u || ((st->cr >> 25) & 7u) != rq->channel || !dma_clocked(c)) {
      continue;
    }
    /* A stream that answers the request: it must read DR, as bytes, into incremented memory. */
    if (st->par != usart_bases[i] + 0x04u || ((st->cr >> 6) & 3u) != 0u || ((st->cr >> 11) & 0xFu) != 0u ||
        (st->cr & 0x400u) == 0u || (st->cr & 0x200u) != 0u) {
      violation("DMA%u stream %u serves USART%d RX but is not set up as DR -> bytes, memory incremented (CR 0x%08X, "
                "PAR 0x%08X)", (unsigned)c + 1u, (unsigned)rq->stream, i == 5 ? 6 : i + 1, (unsigned)st->cr,
                (unsigned)st->par);
      return;
    }
    if (st->ndtr == 0u) {
      return; /* a non-circular stream that has finished */
    }
    uint8_t *dst = dma_host(dma_stream_address(st));
    if (dst == NULL) {
      dma_stream_error(&m.dma[c], rq->stream);
      violation("DMA%u stream %u wrote to 0x%08X, memory the test did not register", (unsigned)c + 1u,
                (unsigned)rq->stream, (unsigned)dma_stream_address(st));
      return;
    }
    /* The DMA's read of DR: the same sequence as the CPU's (RXNE and the flags an SR read saw are cleared). */
    *dst = (uint8_t)u->rdr;
    u->sr &= ~(USR_RXNE | u->seen);
    u->seen = 0;
    m.stats.dma_transfers++;
    dma_stream_moved(&m.dma[c], rq->stream);
    return;
  }
}

static void dma_write(uint32_t c, uint32_t off, uint32_t v) {
  if (off == 0x00u || off == 0x04u) {
    violation("DMA%u_%cISR is read-only", (unsigned)c + 1u, off == 0u ? 'L' : 'H');
    return;
  }
  if (off == 0x08u || off == 0x0Cu) {
    dma_flags_clear(&m.dma[c], off, v);
    return;
  }
  uint32_t stream = dma_stream_of(off);
  struct dma_stream *st = &m.dma[c].stream[stream];
  uint32_t reg = dma_stream_register(off);
  bool enabled = (st->cr & DMA_EN) != 0u;
  /* RM0090 10.5.5: while EN = 1 the stream's registers are read-only, except EN itself (to stop it). */
  if (enabled && !(reg == 0x00u && (v & ~DMA_EN) == (st->cr & ~DMA_EN))) {
    violation("DMA%u stream %u register 0x%02X written while the stream is enabled (ignored)", (unsigned)c + 1u,
              (unsigned)stream, (unsigned)reg);
    return;
  }
  if (reg == 0x00u) {
    if ((v & DMA_EN) != 0u && !enabled) {
      if (dma_stream_flags(&m.dma[c], stream) != 0u) {
        violation("DMA%u stream %u enabled with its event flags still set (RM0090 10.3.17: clear them first)",
                  (unsigned)c + 1u, (unsigned)stream);
      }
      st->reload = st->ndtr;
    }
    st->cr = v & 0x0FEFFFFFu;
    if ((v & DMA_EN) != 0u) {
      for (int i = 0; i < 6; i++) {
        usart_dma_request(i); /* a character already waiting is taken at once */
      }
    }
    return;
  }
  dma_stream_write(st, reg, v);
}

/* ------------------------------------------------------------------------------------------------------ */
/* NVIC                                                                                                     */

static uint32_t nvic_implemented(uint32_t reg) {
  uint32_t lines = m.part->irqs;
  if (lines >= 32u * (reg + 1u)) {
    return 0xFFFFFFFFu;
  }
  return lines <= 32u * reg ? 0u : (1u << (lines - 32u * reg)) - 1u;
}

static bool nvic_register(uint32_t addr, uint32_t base, uint32_t *reg) {
  if (addr < base || addr >= base + 4u * 16u) {
    return false;
  }
  *reg = (addr - base) / 4u;
  if (*reg >= NVIC_REGS) {
    violation("NVIC register 0x%08X beyond ICTR's %u groups of 32 lines", (unsigned)addr, (unsigned)NVIC_REGS);
  }
  return true;
}

static uint32_t model_read(uint32_t addr, bool peek) {
  if (!peek) {
    model_count_read(addr);
    time_passes(1);
  }
  if (in_flash(addr)) {
    if (!peek) {
      flash_stall("flash read");
    }
    return flash_load(addr);
  }
  if (addr == M_FSIZE_WORD) {
    return (m.fsize_kb << 16) | 0xFFFFu;
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
    return flash_sr_read(peek);
  case M_CR:
    return m.cr;
  case M_OPTCR:
    return m.optcr;
  case M_RCC_CR:
    if (!peek) {
      rcc_tick();
      rcc_switch();
    }
    return m.rcc_cr;
  case M_RCC_PLLCFGR:
    return m.pllcfgr;
  case M_RCC_CFGR:
    if (!peek) {
      rcc_tick();
      rcc_switch();
    }
    return m.cfgr;
  case M_RCC_CIR:
    return m.cir;
  case M_RCC_AHB1RSTR:
    return m.ahb1rstr;
  case M_RCC_APB1RSTR:
    return m.apb1rstr;
  case M_RCC_APB2RSTR:
    return m.apb2rstr;
  case M_RCC_AHB1ENR:
    return m.ahb1enr;
  case M_RCC_APB1ENR:
    return m.apb1enr;
  case M_RCC_APB2ENR:
    return m.apb2enr;
  case M_PWR_CR:
  case M_PWR_CSR:
    if ((m.apb1enr & APB1_PWREN) == 0u) {
      if (!peek) {
        violation("PWR read with its clock off (reads 0)");
      }
      return 0;
    }
    return addr == M_PWR_CR ? m.pwr_cr : (1u << 14); /* CSR: VOSRDY */
  case M_ICSR:
    return (m.systick_pending ? (1u << 26) : 0u) | (m.pendsv_pending ? (1u << 28) : 0u);
  case M_VTOR:
    return m.vtor;
  case M_AIRCR:
    return 0xFA050000u;
  case M_ICTR:
    return NVIC_REGS - 1u;
  case M_DBGMCU_IDCODE:
    return m.part->idcode;
  case M_RCC_CSR:
    return m.csr | (((m.csr & CSR_LSION) != 0u || m.iwdg_running) ? 0x2u : 0u); /* LSIRDY */
  case M_SHPR3:
    return m.shpr3;
  case M_CPACR:
    return m.cpacr;
  default:
    break;
  }
  if (addr >= M_IWDG && addr < M_IWDG + 0x10u) {
    return peek ? (addr == M_IWDG + 0x04u ? m.iwdg_pr : (addr == M_IWDG + 0x08u ? m.iwdg_rlr : 0u))
                : iwdg_read(addr - M_IWDG);
  }
  if ((addr >= M_DMA1 && addr < M_DMA1 + DMA_REGS_END) || (addr >= M_DMA2 && addr < M_DMA2 + DMA_REGS_END)) {
    uint32_t c = addr >= M_DMA2 ? 1u : 0u;
    if (m.dma_absent) {
      return 0;
    }
    if (!dma_clocked(c)) {
      if (!peek) {
        violation("DMA%u read with its clock off (reads 0)", (unsigned)c + 1u);
      }
      return 0;
    }
    return dma_controller_read(&m.dma[c], addr - (c == 0u ? M_DMA1 : M_DMA2));
  }
  uint32_t reg = 0;
  if (nvic_register(addr, M_NVIC_ISER, &reg) || nvic_register(addr, M_NVIC_ICER, &reg)) {
    return reg < NVIC_REGS ? m.nvic_enabled[reg] : 0u;
  }
  if (nvic_register(addr, M_NVIC_ISPR, &reg) || nvic_register(addr, M_NVIC_ICPR, &reg)) {
    return reg < NVIC_REGS ? m.nvic_pending[reg] : 0u;
  }
  if (addr >= M_GPIO && addr < M_GPIO + 9u * 0x400u) {
    uint32_t port = (addr - M_GPIO) / 0x400u;
    if ((m.part->gpio_ports & (1u << port)) == 0u) {
      fatal("read of GPIO port %c, which %s does not have", (char)('A' + port), m.part->name);
    }
    if (!gpio_clocked(port)) {
      if (!peek) {
        violation("GPIO%c read with its clock off (reads 0)", (char)('A' + port));
      }
      return 0;
    }
    return gpio_read(port, (addr - M_GPIO) % 0x400u);
  }
  int ui = usart_index(addr);
  if (ui >= 0) {
    if ((m.part->usarts & (1u << ui)) == 0u) {
      fatal("read of a USART at 0x%08X, which %s does not have", (unsigned)addr, m.part->name);
    }
    if (!usart_clocked(ui)) {
      if (!peek) {
        violation("USART at 0x%08X read with its clock off (reads 0)", (unsigned)addr);
      }
      return 0;
    }
    return usart_read(ui, addr - usart_bases[ui], peek);
  }
  fatal("read of unmodelled address 0x%08X", (unsigned)addr);
}

uint32_t reg_model_read32(uint32_t addr) { return model_read(addr, false); }
uint32_t f4_model_peek(uint32_t addr) { return model_read(addr, true); }

void reg_model_write32(uint32_t addr, uint32_t v) {
  model_trace_write((struct model_write){addr, v, {m.cr, 0}, 32});
  if (in_flash(addr)) {
    flash_store(addr, v);
    return;
  }
  if (systick_write(&m.systick, addr, v)) {
    return;
  }
  switch (addr) {
  case M_ACR: {
    uint32_t nv = v & (m.part->latency_mask | ACR_PRFTEN | ACR_ICEN | ACR_DCEN | ACR_ICRST | ACR_DCRST);
    if ((v & ACR_LATENCY & ~m.part->latency_mask) != 0u) {
      violation("FLASH_ACR: LATENCY 0x%X uses a reserved bit on %s", (unsigned)(v & ACR_LATENCY), m.part->name);
    }
    uint32_t resets = flash_acr_cache_resets(m.acr, nv);
    if ((resets & ACR_ICRST) != 0u) {
      m.stats.icache_resets++;
    }
    if ((resets & ACR_DCRST) != 0u) {
      m.stats.dcache_resets++;
    }
    m.acr = nv;
    rcc_check("a FLASH_ACR write");
    return;
  }
  case M_KEYR:
    key_write(&flash_keyr, &m.keys, &m.cr, CR_LOCK, v);
    return;
  case M_OPTKEYR:
    key_write(&flash_optkeyr, &m.optkeys, &m.optcr, OPT_LOCK, v);
    return;
  case M_OPTCR:
    flash_optcr_write(v);
    return;
  case M_RCC_CSR:
    m.csr = (m.csr & CSR_FLAGS) | (v & CSR_LSION);
    if ((v & CSR_RMVF) != 0u) {
      m.csr &= ~CSR_FLAGS;
    }
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
  case M_RCC_CR:
    rcc_cr_write(v);
    return;
  case M_RCC_PLLCFGR:
    rcc_pllcfgr_write(v);
    return;
  case M_RCC_CFGR:
    rcc_cfgr_write(v);
    return;
  case M_RCC_CIR:
    m.cir = v;
    return;
  case M_RCC_AHB1RSTR:
    rstr_write(&m.ahb1rstr, v, true, false);
    return;
  case M_RCC_APB1RSTR:
    rstr_write(&m.apb1rstr, v, false, false);
    return;
  case M_RCC_APB2RSTR:
    rstr_write(&m.apb2rstr, v, false, true);
    return;
  case M_RCC_AHB1ENR:
    m.ahb1enr = v;
    return;
  case M_RCC_APB1ENR:
    m.apb1enr = v;
    return;
  case M_RCC_APB2ENR:
    m.apb2enr = v;
    return;
  case M_PWR_CR: {
    if ((m.apb1enr & APB1_PWREN) == 0u) {
      violation("PWR_CR write with the PWR clock off (ignored)");
      return;
    }
    uint32_t vos = (v >> 14) & 3u;
    if (!m.part->vos_two_bits && (vos & 2u) != 0u) {
      violation("PWR_CR: reserved bit 15 written on %s", m.part->name);
    }
    if (m.part->vos_two_bits && vos == 0u) {
      violation("PWR_CR: VOS = 00 is reserved");
    }
    if (((v ^ m.pwr_cr) & (3u << 14)) != 0u && (m.rcc_cr & RCR_PLLON) != 0u) {
      violation("PWR_CR: VOS changed while the PLL is on (ignored)");
      v = (v & ~(3u << 14)) | (m.pwr_cr & (3u << 14));
    }
    m.pwr_cr = v;
    return;
  }
  case M_ICSR:
    if ((v & (1u << 26)) != 0u) {
      m.systick_pending = true;
    }
    if ((v & (1u << 25)) != 0u) {
      m.systick_pending = false;
    }
    if ((v & (1u << 28)) != 0u) {
      m.pendsv_pending = true;
    }
    if ((v & (1u << 27)) != 0u) {
      m.pendsv_pending = false;
    }
    return;
  case M_ICTR:
  case M_DBGMCU_IDCODE:
    violation("write to the read-only 0x%08X", (unsigned)addr);
    return;
  case M_VTOR:
    m.vtor = v & 0xFFFFFF80u;
    return;
  case M_AIRCR:
    if ((v >> 16) == 0x05FAu && (v & 4u) != 0u) {
      m.stats.system_reset_requests++;
      m.csr |= CSR_SFTRSTF | CSR_PINRSTF;
      system_reset_by(F4_RESET_SOFTWARE);
    }
    return;
  case M_SHPR3:
    m.shpr3 = v;
    return;
  case M_CPACR:
    m.cpacr = v;
    return;
  default:
    break;
  }
  if (addr >= M_IWDG && addr < M_IWDG + 0x10u) {
    iwdg_write(addr - M_IWDG, v);
    return;
  }
  if ((addr >= M_DMA1 && addr < M_DMA1 + DMA_REGS_END) || (addr >= M_DMA2 && addr < M_DMA2 + DMA_REGS_END)) {
    uint32_t c = addr >= M_DMA2 ? 1u : 0u;
    if (m.dma_absent) {
      return;
    }
    if (!dma_clocked(c)) {
      violation("DMA%u written with its clock off (ignored)", (unsigned)c + 1u);
      return;
    }
    dma_write(c, addr - (c == 0u ? M_DMA1 : M_DMA2), v);
    return;
  }
  uint32_t reg = 0;
  if (nvic_register(addr, M_NVIC_ISER, &reg)) {
    if (reg < NVIC_REGS) {
      m.nvic_enabled[reg] |= v & nvic_implemented(reg);
    }
    return;
  }
  if (nvic_register(addr, M_NVIC_ICER, &reg)) {
    if (reg < NVIC_REGS) {
      m.nvic_enabled[reg] &= ~v;
    }
    return;
  }
  if (nvic_register(addr, M_NVIC_ISPR, &reg)) {
    if (reg < NVIC_REGS) {
      m.nvic_pending[reg] |= v & nvic_implemented(reg);
    }
    return;
  }
  if (nvic_register(addr, M_NVIC_ICPR, &reg)) {
    if (reg < NVIC_REGS) {
      m.nvic_pending[reg] &= ~v;
    }
    return;
  }
  if (addr >= M_GPIO && addr < M_GPIO + 9u * 0x400u) {
    uint32_t port = (addr - M_GPIO) / 0x400u;
    if ((m.part->gpio_ports & (1u << port)) == 0u) {
      fatal("write to GPIO port %c, which %s does not have", (char)('A' + port), m.part->name);
    }
    if (!gpio_clocked(port)) {
      violation("GPIO%c write with its clock off (ignored)", (char)('A' + port));
      return;
    }
    gpio_write(port, (addr - M_GPIO) % 0x400u, v);
    return;
  }
  int ui = usart_index(addr);
  if (ui >= 0) {
    if ((m.part->usarts & (1u << ui)) == 0u) {
      fatal("write to a USART at 0x%08X, which %s does not have", (unsigned)addr, m.part->name);
    }
    if (!usart_clocked(ui)) {
      violation("USART at 0x%08X written with its clock off (ignored)", (unsigned)addr);
      return;
    }
    usart_write(ui, addr - usart_bases[ui], v);
    return;
  }
  fatal("write of 0x%08X to unmodelled address 0x%08X", (unsigned)v, (unsigned)addr);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Test controls                                                                                           */

void f4_model_options_set(uint32_t option_bytes) {
  m.options = option_bytes & ~(OPT_LOCK | OPT_STRT);
  m.wrp_mask = (m.options & OPT_SPRMOD) != 0u ? 0u : (~m.options >> 16) & 0xFFFu;
  m.optcr = m.options | (m.optcr & OPT_LOCK);
}
uint32_t f4_model_options(void) { return m.options; }
void f4_model_flash_set_option_polls(uint32_t polls) { m.option_polls = polls; }
void f4_model_flash_set_wrp(uint32_t sector_mask) {
  f4_model_options_set((m.options & ~OPT_NWRP) | ((~sector_mask & 0xFFFu) << 16));
}

void f4_model_on_reset(jmp_buf *env) { m.reset_env = env; }
enum f4_reset_kind f4_model_last_reset(void) { return m.last_reset; }
void f4_model_advance(uint64_t cycles) {
  /* Step so that an IWDG timeout lands at its own cycle. */
  while (cycles > 0u) {
    uint64_t step = cycles > 4096u ? 4096u : cycles;
    time_passes(step);
    cycles -= step;
  }
}
uint64_t f4_model_cycles(void) { return m.cycles; }

void f4_model_dma_memory(void *host, uint32_t size) {
  if (m.dma_mem_count >= DMA_MEMORY_MAX) {
    fatal("f4_model_dma_memory: more than %u blocks", (unsigned)DMA_MEMORY_MAX);
  }
  m.dma_mem[m.dma_mem_count].host = host;
  m.dma_mem[m.dma_mem_count].addr = (uint32_t)(uintptr_t)host;
  m.dma_mem[m.dma_mem_count].size = size;
  m.dma_mem_count++;
}
void f4_model_dma_absent(bool absent) { m.dma_absent = absent; }

void f4_model_set_lsi_hz(uint32_t hz) { m.lsi_hz = hz; }
void f4_model_iwdg_stick_update(bool stuck) { m.iwdg_update_stuck = stuck; }
bool f4_model_iwdg_running(void) { return m.iwdg_running; }
uint32_t f4_model_iwdg_prescaler(void) { return iwdg_divider(); }
uint32_t f4_model_iwdg_reload(void) {
  iwdg_sync();
  return m.iwdg_rlr_active;
}

void f4_model_nvic_set(uint32_t irq, bool enabled, bool pending) {
  if (irq >= m.part->irqs) {
    fatal("f4_model_nvic_set(%u): %s has %u IRQs", (unsigned)irq, m.part->name, (unsigned)m.part->irqs);
  }
  uint32_t bit = 1u << (irq % 32u);
  m.nvic_enabled[irq / 32u] = enabled ? m.nvic_enabled[irq / 32u] | bit : m.nvic_enabled[irq / 32u] & ~bit;
  m.nvic_pending[irq / 32u] = pending ? m.nvic_pending[irq / 32u] | bit : m.nvic_pending[irq / 32u] & ~bit;
}
static uint32_t popcount_all(const uint32_t *regs) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < NVIC_REGS; i++) {
    n += (uint32_t)__builtin_popcount(regs[i]);
  }
  return n;
}
uint32_t f4_model_nvic_enabled_count(void) { return popcount_all(m.nvic_enabled); }
uint32_t f4_model_nvic_pending_count(void) { return popcount_all(m.nvic_pending); }
bool f4_model_pendsv_pending(void) { return m.pendsv_pending; }
void f4_model_flash_set_busy_polls(uint32_t program, uint32_t erase) {
  m.program_polls = program;
  m.erase_polls = erase;
}
void f4_model_flash_inject_error(uint32_t sr_flags) { m.inject_flags = sr_flags; }
void f4_model_flash_stick_busy(bool stuck) { m.stuck = stuck; }
void f4_model_set_fsize_kb(uint32_t kb) { m.fsize_kb = kb; }
uint32_t f4_model_flash_word(uint32_t addr) {
  if (!in_flash(addr)) {
    fatal("f4_model_flash_word(0x%08X) outside flash", (unsigned)addr);
  }
  return flash_load(addr);
}
void f4_model_flash_poke(uint32_t addr, uint32_t v) {
  if (!in_flash(addr) || !in_flash(addr + 3u)) {
    fatal("f4_model_flash_poke(0x%08X) outside flash", (unsigned)addr);
  }
  for (uint32_t i = 0; i < 4u; i++) {
    m.flash[addr - M_FLASH_MEM + i] = (uint8_t)(v >> (8u * i));
  }
}
bool f4_model_flash_locked(void) { return (m.cr & CR_LOCK) != 0u; }
bool f4_model_flash_locked_out(void) { return m.keys.lockout; }

void f4_model_rcc_set_hse(enum f4_hse_source source, uint32_t hz) {
  m.hse_source = source;
  m.hse_hz = hz;
}
void f4_model_rcc_pll_never_locks(bool never) { m.pll_never_locks = never; }

static struct usart_state *usart_by_base(uint32_t base) {
  for (int i = 0; i < 6; i++) {
    if (usart_bases[i] == base) {
      return &m.usart[i];
    }
  }
  fatal("no USART at 0x%08X", (unsigned)base);
}

bool f4_model_uart_receive(uint32_t base, uint32_t data, uint32_t flags) {
  struct usart_state *u = usart_by_base(base);
  if ((u->cr1 & (UCR1_UE | UCR1_RE)) != (UCR1_UE | UCR1_RE)) {
    return false;
  }
  if ((u->sr & USR_RXNE) != 0u) {
    /* "The RDR content will not be lost ... The shift register will be overwritten." */
    u->sr |= USR_ORE;
    return false;
  }
  u->rdr = data & 0x1FFu;
  u->sr |= USR_RXNE | (flags & (USR_PE | USR_FE | USR_NE));
  usart_dma_request((int)(u - m.usart));
  return true;
}

void f4_model_uart_queue(uint32_t base, const uint8_t *bytes, uint32_t n) {
  struct usart_state *u = usart_by_base(base);
  for (uint32_t i = 0; i < n && u->rxq_len < RX_QUEUE; i++) {
    u->rxq[(u->rxq_head + u->rxq_len) % RX_QUEUE] = bytes[i];
    u->rxq_len++;
  }
}

uint32_t f4_model_uart_sent(uint32_t base, uint8_t *out, uint32_t max) {
  struct usart_state *u = usart_by_base(base);
  return usart_tx_sent(&u->tx, out, max);
}

void f4_model_uart_stick_tx(uint32_t base, bool stuck) { usart_by_base(base)->tx.stuck = stuck; }

void f4_model_gpio_drive(uint32_t port, uint32_t pin, int level) {
  if (port >= 9u || pin >= 16u) {
    fatal("f4_model_gpio_drive(%u, %u)", (unsigned)port, (unsigned)pin);
  }
  m.gpio[port].regs.drive[pin] = level;
}

void f4_model_systick_pend(void) { m.systick_pending = true; }
bool f4_model_systick_pending(void) { return m.systick_pending; }

const struct f4_model_stats *f4_model_stats(void) { return &m.stats; }
