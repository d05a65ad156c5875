/*
 * The register model's state and the helpers its parts share (l4_model.c: time, resets, bus decode, RCC, PWR,
 * GPIO, IWDG and the core; l4_model_flash.c: the flash interface; l4_model_usart.c: USART and DMA1).
 *
 * Addresses and bits are written out here independently of hal-bindings/stm32l4/stm32l4_regs.h, so a wrong
 * constant there shows up as a failing test instead of being shared by the driver and the model.
 */
#ifndef L4_MODEL_INTERNAL_H
#define L4_MODEL_INTERNAL_H

#include "dma_channel.h"
#include "flash_acr_cache.h"
#include "flash_key_lock.h"
#include "gpio_port.h"
#include "systick.h"
#include "usart_tx.h"
#include "l4_model.h"

#include <setjmp.h>

#define MHZ 1000000u

/* ---- Memory map (RM0351 2.2.2) ---- */
#define M_FLASH_MEM 0x08000000u
#define M_FLASHSIZE 0x1FFF75E0u
#define M_NOINIT_BASE 0x20017000u /* the top 4 KB of SRAM1: no-init words (the fault record lives here) */
#define M_NOINIT_SIZE 0x1000u
#define M_DMA_RAM_BASE 0x20000000u /* host buffers given to DMA are mapped from here */

/* ---- Flash interface (RM0351 3.7) ---- */
#define M_FLASH_IF 0x40022000u
#define M_ACR (M_FLASH_IF + 0x00u)
#define M_PDKEYR (M_FLASH_IF + 0x04u)
#define M_KEYR (M_FLASH_IF + 0x08u)
#define M_OPTKEYR (M_FLASH_IF + 0x0Cu)
#define M_SR (M_FLASH_IF + 0x10u)
#define M_CR (M_FLASH_IF + 0x14u)
#define M_ECCR (M_FLASH_IF + 0x18u)
#define M_OPTR (M_FLASH_IF + 0x20u)
#define M_PCROP1SR (M_FLASH_IF + 0x24u)
#define M_PCROP1ER (M_FLASH_IF + 0x28u)
#define M_WRP1AR (M_FLASH_IF + 0x2Cu)
#define M_WRP1BR (M_FLASH_IF + 0x30u)
#define M_PCROP2SR (M_FLASH_IF + 0x44u)
#define M_PCROP2ER (M_FLASH_IF + 0x48u)
#define M_WRP2AR (M_FLASH_IF + 0x4Cu)
#define M_WRP2BR (M_FLASH_IF + 0x50u)
#define M_KEY1 0x45670123u
#define M_KEY2 0xCDEF89ABu
#define M_OPTKEY1 0x08192A3Bu
#define M_OPTKEY2 0x4C5D6E7Fu

#define SR_EOP 0x00000001u
#define SR_OPERR 0x00000002u
#define SR_PROGERR 0x00000008u
#define SR_WRPERR 0x00000010u
#define SR_PGAERR 0x00000020u
#define SR_SIZERR 0x00000040u
#define SR_PGSERR 0x00000080u
#define SR_MISERR 0x00000100u
#define SR_FASTERR 0x00000200u
#define SR_RDERR 0x00004000u
#define SR_OPTVERR 0x00008000u
#define SR_BSY 0x00010000u
#define SR_W1C 0x0000C3FBu
/* The flags of a failed earlier programming that make the next operation a sequence error (RM0351 3.3.7) */
#define SR_PROGRAM_ERRORS (SR_PROGERR | SR_SIZERR | SR_PGAERR | SR_PGSERR | SR_MISERR | SR_FASTERR)

#define CR_PG 0x00000001u
#define CR_PER 0x00000002u
#define CR_MER1 0x00000004u
#define CR_PNB_SHIFT 3u
#define CR_PNB_MASK 0x000007F8u
#define CR_BKER 0x00000800u
#define CR_MER2 0x00008000u
#define CR_STRT 0x00010000u
#define CR_OPTSTRT 0x00020000u
#define CR_FSTPG 0x00040000u
#define CR_EOPIE 0x01000000u
#define CR_ERRIE 0x02000000u
#define CR_RDERRIE 0x04000000u
#define CR_OBL_LAUNCH 0x08000000u
#define CR_OPTLOCK 0x40000000u
#define CR_LOCK 0x80000000u

#define ACR_LATENCY 0x00000007u
#define ACR_PRFTEN 0x00000100u /* ICEN, DCEN, ICRST, DCRST: flash_acr_cache.h */
#define ACR_RESET 0x00000600u

#define ECCR_ADDR 0x0007FFFFu
#define ECCR_BK 0x00080000u
#define ECCR_SYSF 0x00100000u
#define ECCR_ECCIE 0x01000000u
#define ECCR_ECCC 0x40000000u
#define ECCR_ECCD 0x80000000u

#define OPTR_FACTORY 0xFFEFF8AAu
#define OPTR_IWDG_SW 0x00010000u
#define OPTR_DUALBANK 0x00200000u
#define OPTR_BFB2 0x00100000u
#define WRP_FACTORY 0xFF00FFFFu /* STRT 0xFF > END 0x00: no area; reserved bits read as 1 */
#define WRP_FIELDS 0x00FF00FFu

/* ---- RCC (RM0351 6.4), PWR (5.4) ---- */
#define M_RCC 0x40021000u
#define M_RCC_CR (M_RCC + 0x00u)
#define M_RCC_ICSCR (M_RCC + 0x04u)
#define M_RCC_CFGR (M_RCC + 0x08u)
#define M_RCC_PLLCFGR (M_RCC + 0x0Cu)
#define M_RCC_AHB1RSTR (M_RCC + 0x28u)
#define M_RCC_AHB2RSTR (M_RCC + 0x2Cu)
#define M_RCC_APB1RSTR1 (M_RCC + 0x38u)
#define M_RCC_APB2RSTR (M_RCC + 0x40u)
#define M_RCC_AHB1ENR (M_RCC + 0x48u)
#define M_RCC_AHB2ENR (M_RCC + 0x4Cu)
#define M_RCC_APB1ENR1 (M_RCC + 0x58u)
#define M_RCC_APB2ENR (M_RCC + 0x60u)
#define M_RCC_CCIPR (M_RCC + 0x88u)
#define M_RCC_CSR (M_RCC + 0x94u)
#define APB2_SYSCFGEN 0x00000001u

/* ---- SYSCFG (RM0351 9.2.1) ---- */
#define M_SYSCFG_MEMRMP 0x40010000u
#define MEMRMP_FB_MODE 0x00000100u

#define RCR_MSION 0x00000001u
#define RCR_MSIRDY 0x00000002u
#define RCR_MSIRGSEL 0x00000008u
#define RCR_MSIRANGE 0x000000F0u
#define RCR_HSION 0x00000100u
#define RCR_HSIKERON 0x00000200u
#define RCR_HSIRDY 0x00000400u
#define RCR_HSEON 0x00010000u
#define RCR_HSERDY 0x00020000u
#define RCR_HSEBYP 0x00040000u
#define RCR_CSSON 0x00080000u
#define RCR_PLLON 0x01000000u
#define RCR_PLLRDY 0x02000000u
#define RCR_RESET 0x00000063u
#define PLLCFGR_RESET 0x00001000u
#define PLLCFGR_PLLREN 0x01000000u
#define CFGR_SW 0x00000003u
#define CFGR_SWS_SHIFT 2u
#define AHB1ENR_RESET 0x00000100u /* FLASHEN */
#define AHB1_DMA1 0x00000001u
#define APB1_PWREN 0x10000000u
#define CSR_RMVF 0x00800000u
#define CSR_FLAGS 0xFF000000u
#define CSR_OBLRSTF 0x02000000u
#define CSR_PINRSTF 0x04000000u
#define CSR_BORRSTF 0x08000000u
#define CSR_SFTRSTF 0x10000000u
#define CSR_IWDGRSTF 0x20000000u
#define CSR_RW 0x00000F01u /* LSION, MSISRANGE */

#define M_PWR_CR1 0x40007000u
#define M_PWR_SR2 0x40007014u
#define PWR_CR1_RESET 0x00000200u
#define PWR_VOS 0x00000600u
#define PWR_VOS_RANGE1 0x00000200u
#define PWR_VOS_RANGE2 0x00000400u
#define PWR_SR2_VOSF 0x00000400u

#define MSI_HZ (4u * MHZ)
#define HSI_HZ (16u * MHZ)
#define LSE_FREQ 32768u

/* ---- GPIO (RM0351 8.5), AHB2 ---- */
#define M_GPIO 0x48000000u
#define GPIO_PORTS 8u

/* ---- USART (RM0351 USART chapter) and DMA1 (RM0351 11.6) ---- */
#define USARTS 5u
#define UCR1_UE 0x00000001u
#define UCR1_RE 0x00000004u
#define UCR1_TE 0x00000008u
#define UCR1_PS 0x00000200u
#define UCR1_PCE 0x00000400u
#define UCR1_M0 0x00001000u
#define UCR1_OVER8 0x00008000u
#define UCR1_M1 0x10000000u
#define UCR1_LOCKED 0x13FF9E00u /* bits writable only while UE = 0: WAKE, M0, OVER8, DEDT, DEAT, M1, PS, PCE */
#define UCR3_DMAR 0x00000040u
#define UCR3_DMAT 0x00000080u
#define UCR3_DDRE 0x00002000u
#define UCR3_FREE 0x004004C1u /* writable while UE = 1: EIE, DMAR, DMAT, CTSIE, WUFIE */
#define UISR_PE 0x00000001u
#define UISR_FE 0x00000002u
#define UISR_NF 0x00000004u
#define UISR_ORE 0x00000008u
#define UISR_IDLE 0x00000010u
#define UISR_RXNE 0x00000020u
#define UISR_TC 0x00000040u
#define UISR_TXE 0x00000080u
#define UISR_TEACK 0x00200000u
#define UISR_REACK 0x00400000u
#define UISR_RESET 0x000000C0u
#define UICR_W1C 0x00121B5Fu

#define M_DMA1 0x40020000u

/* ---- IWDG, core ---- */
#define M_IWDG 0x40003000u
#define M_NVIC_ISER 0xE000E100u
#define M_NVIC_ICER 0xE000E180u
#define M_NVIC_ISPR 0xE000E200u
#define M_NVIC_ICPR 0xE000E280u
#define M_ICSR 0xE000ED04u
#define M_VTOR 0xE000ED08u
#define M_AIRCR 0xE000ED0Cu
#define IRQ_LINES 82u

#define RX_QUEUE 8192u
#define FLASH_MAX (1024u * 1024u)
#define DW_MAX (FLASH_MAX / 8u)

/* ---- State ---- */

enum op_kind { OP_NONE, OP_PROGRAM, OP_ERASE, OP_MASS_ERASE, OP_OPTION };

struct part_info {
  const char *name;
  uint32_t flash_kb;
};

/* A GPIO port: the registers every family's port has (gpio_port.h), and ASCR (LCKR is never written). */
struct gpio_state {
  struct gpio_port regs;
  uint32_t ascr;
};

struct usart_state {
  uint32_t cr1, cr2, cr3, brr, gtpr, rtor, isr;
  uint32_t rdr;
  struct usart_tx tx; /* TDR, the shift register, the line */
  uint32_t teack_left, reack_left;
  uint16_t rxq[RX_QUEUE];
  uint32_t rxq_head, rxq_len;
  uint64_t line_next;         /* tick of the next timed arrival; 0: the queue is paced, not timed */
  uint32_t line_ticks;
  uint32_t lost, cut;
};

struct ram_map {
  void *host;
  uint32_t addr, length;
};

struct model {
  const struct part_info *part;
  uint64_t ticks;
  jmp_buf *run;
  const char *last_reset;
  uint32_t seed;

  /* flash array: data and the state of each double word */
  uint8_t flash[FLASH_MAX];
  uint8_t cell[DW_MAX];
  uint8_t flipped_bit[DW_MAX]; /* for L4_CELL_ONE_BIT_FLIPPED: which of the 64 bits, for the correction */
  uint32_t fsize_kb;
  /* option bytes: stored in flash / the registers / in force (loaded) */
  uint32_t opt_stored[5];
  uint32_t opt_reg[5];
  uint32_t opt_loaded[5];
  /* SYSCFG_MEMRMP.FB_MODE: the mapping the system memory's dual-bank boot chose at the last reset */
  bool fb_mode;
  /* flash interface */
  uint32_t acr, sr, cr, eccr;
  struct key_sequence keys; /* FLASH_KEYR's */
  int optkey_stage;
  bool opt_lockout;
  bool latch_valid;
  uint32_t latch_addr, latch_value;
  struct {
    enum op_kind kind;
    uint32_t addr, low, high, bank, page, polls_left, fail_flags;
  } op;
  uint32_t program_polls, erase_polls, option_polls, inject_flags;
  bool stuck, cut_next, dcache_stale, silent_next, op_silent;
  uint32_t cut_seed;
  void (*nmi)(const uint32_t *frame);
  uint32_t nmi_depth;

  /* RCC / PWR */
  uint32_t rcc_cr, cfgr, pllcfgr, ahb1rstr, ahb2rstr, apb1rstr1, apb2rstr, ahb1enr, ahb2enr, apb1enr1, apb2enr,
      ccipr, csr;
  enum l4_hse_source hse_source;
  uint32_t hse_hz, hse_left, hsi_left, pll_left;
  bool pll_never, hsi_never;
  uint32_t pwr_cr1, vosf_left;
  bool vosf_stuck;

  struct gpio_state gpio[GPIO_PORTS];
  struct usart_state usart[USARTS];
  struct dma_channel_controller dma; /* DMA1 */
  uint32_t dma_cselr;
  struct ram_map ram[16];
  uint32_t ram_count, ram_next;

  /* IWDG */
  bool iwdg_running, iwdg_access;
  uint32_t iwdg_pr, iwdg_rlr, iwdg_winr, iwdg_counter, iwdg_busy[3], iwdg_ticks_per_lsi;
  uint64_t iwdg_acc;

  /* core */
  struct systick systick;
  uint32_t vtor, aircr_prigroup;
  bool systick_pending, pendsv_pending;
  uint32_t nvic_enabled[3], nvic_pending[3];
  uint32_t noinit[M_NOINIT_SIZE / 4u];

  /* inspection */
  struct l4_model_stats stats;
};

extern struct model m;

/* A reset of the modelled MCU: registers back to reset values (a power cut also loses the no-init RAM and the
 * earlier reset flags), then unwind to l4_model_run. */
void model_unwind(const char *why, uint32_t csr_flags, bool power) __attribute__((noreturn));
uint32_t model_rand(void);

/* l4_model_flash.c */
bool flash_in_array(uint32_t addr);
uint32_t flash_read(uint32_t addr, bool peek);
void flash_store(uint32_t addr, uint32_t v);
uint32_t flash_if_read(uint32_t addr, bool peek);
void flash_if_write(uint32_t addr, uint32_t v);
void flash_tick(void);
/* load_options: an option byte load (power-on, OBL_LAUNCH) rather than a plain system reset. */
void flash_registers_reset(bool load_options);
/* A CPU address in the flash array to the array's (physical) address, through FB_MODE. */
uint32_t flash_bus_to_array(uint32_t addr);
void flash_array_reset(void);
uint32_t flash_bank_pages(void);
/* l4_model.c */
uint32_t rcc_hclk(void);
void rcc_check(const char *after);
bool rcc_clocked(uint32_t enr, uint32_t rstr, uint32_t bit);
/* l4_model_usart.c */
int usart_index(uint32_t addr);
uint32_t usart_base_of(int i);
bool usart_clocked(int i);
uint32_t usart_read(int i, uint32_t off, bool peek);
void usart_write(int i, uint32_t off, uint32_t v);
void usart_reset(uint32_t i);
void usart_tick(void);
void usart_released(uint32_t apb1_released, uint32_t apb2_released);
bool dma_in_range(uint32_t addr);
uint32_t dma_read(uint32_t addr, bool peek);
void dma_write(uint32_t addr, uint32_t v);
void dma_reset(void);

#endif /* L4_MODEL_INTERNAL_H */
