/*
 * Host register model of the STM32L476 peripherals tsboot's drivers touch, following RM0351 (Rev 9) and, for
 * the core, PM0214. The drivers, built with -DTSBOOT_REG_MODEL, reach it through reg_model_read32/
 * reg_model_write32 (and reg_model_ram_address for a DMA buffer); tests drive and inspect it through the
 * functions below.
 *
 * The model is strict: an access the hardware would ignore, stall on, misbehave on or fault on is recorded as
 * a "violation" (a driver bug even when silicon would survive it), and an access to an address it does not
 * model, or a bus stall that could never end, stops the program with "MODEL FATAL". Time is counted in ticks,
 * one per register read: BSY, the oscillators, the USART's characters, the DMA and the IWDG counter advance
 * with it.
 *
 * A reset of the modelled MCU (AIRCR.SYSRESETREQ, FLASH_CR.OBL_LAUNCH, an IWDG expiry, a power cut) unwinds
 * out of the driver code back to l4_model_run, like silicon leaving the code it was running.
 */
#ifndef L4_MODEL_H
#define L4_MODEL_H

#include "model_report.h" /* violations, MODEL FATAL, read counts, write trace (model_reads, model_trace) */

#include <stdbool.h>
#include <stdint.h>

/* The seam the drivers call (stm32l4_regs.h with TSBOOT_REG_MODEL); tests may call them too, as raw code. */
uint32_t reg_model_read32(uint32_t addr);
void reg_model_write32(uint32_t addr, uint32_t v);
uint32_t reg_model_ram_address(void *p, uint32_t length);

/* STM32L476xG: 1 MB, always two banks of 256 pages. STM32L476xE: 512 KB, two banks of 128 pages when
 * FLASH_OPTR.DUALBANK = 1 (the factory value), bank 2 then at 0x08040000. */
enum l4_part { L4_PART_L476XG, L4_PART_L476XE };

/* A new part: power-on reset, flash erased, factory option bytes (FLASH_OPTR 0xFFEFF8AA, no WRP area), the
 * no-init RAM random, no faults armed. */
void l4_model_reset(enum l4_part part);
/* Power off and on: flash and option bytes kept, registers at reset values, no-init RAM random, RCC_CSR
 * BORRSTF | PINRSTF. */
void l4_model_power_cycle(void);

/* Runs fn on the modelled MCU until it returns or the MCU resets (the model unwinds to here). */
enum l4_run_end { L4_RUN_RETURNED, L4_RUN_SYSTEM_RESET, L4_RUN_POWER_CUT };
enum l4_run_end l4_model_run(void (*fn)(void));
const char *l4_model_last_reset(void); /* "AIRCR.SYSRESETREQ", "OBL_LAUNCH", "IWDG", "power cut" */

uint64_t l4_model_ticks(void);

/* ---- Flash ---- */
enum l4_cell { L4_CELL_ERASED, L4_CELL_PROGRAMMED, L4_CELL_TORN, L4_CELL_ONE_BIT_FLIPPED };
uint32_t l4_model_flash_size(void);
uint32_t l4_model_flash_bank_size(void);
uint32_t l4_model_flash_word(uint32_t addr);             /* the stored bits, no side effect, no ECC */
enum l4_cell l4_model_flash_cell(uint32_t addr);         /* the state of the double word holding addr */
void l4_model_flash_poke64(uint32_t addr, uint32_t low, uint32_t high); /* programmed by a debugger */
/* A double word torn by a power cut: these bits stored, the ECC bits inconsistent (reads raise ECCD). */
void l4_model_flash_tear(uint32_t addr, uint32_t low, uint32_t high);
/* One stored bit flipped: ECC corrects it on read (ECCC), no NMI. */
void l4_model_flash_flip_bit(uint32_t addr, uint32_t bit);
/* The next program or erase is cut by a power failure once it has started: the double word is torn (some of
 * its bits programmed), or the page is left partly erased (some double words erased, some torn, some old);
 * then the MCU powers up again (l4_model_run returns L4_RUN_POWER_CUT). Reproducible from the seed. */
void l4_model_flash_cut_next_operation(uint32_t seed);
void l4_model_flash_set_busy_polls(uint32_t program, uint32_t erase, uint32_t option);
void l4_model_flash_inject_error(uint32_t sr_flags); /* the next operation ends with these flags, not done */
void l4_model_flash_fail_silently_next(void);         /* the next program ends with no flag and changes nothing */
void l4_model_flash_stick_busy(bool stuck);           /* BSY never clears while set */
void l4_model_set_flash_size_register(uint32_t kb);   /* what the flash size data register reads (0: blank) */
bool l4_model_flash_locked(void);                     /* FLASH_CR.LOCK */
bool l4_model_flash_options_locked(void);             /* FLASH_CR.OPTLOCK */
bool l4_model_flash_locked_out(void);                 /* a wrong key locked FLASH_CR until reset */
/* The option bytes as stored in flash, and (factory/debugger) setting them: stored and loaded at once.
 * Index 0 FLASH_OPTR, 1 WRP1AR, 2 WRP1BR, 3 WRP2AR, 4 WRP2BR. */
uint32_t l4_model_option_stored(uint32_t index);
void l4_model_option_set(uint32_t index, uint32_t value);
uint32_t l4_model_option_register(uint32_t index); /* what the FLASH_OPTR/WRP register reads now */
uint32_t l4_model_option_loaded(uint32_t index);   /* in force since the last option load */
/* SYSCFG_MEMRMP.FB_MODE as the last reset left it (the dual-bank boot: bank 2 at 0x08000000). The model's
 * flash inspection functions (l4_model_flash_word, _poke64, ...) take physical addresses: bank 2 at
 * 0x08080000 whatever the mapping. */
bool l4_model_flash_banks_swapped(void);
/* The NMI: the model calls this with a stacked frame whenever FLASH_ECCR.ECCD is set by a read. While ECCD
 * stays set after it returns, the NMI is taken again; after 8 entries the model stops (a hang on silicon). */
void l4_model_set_nmi_handler(void (*handler)(const uint32_t *frame));
#define L4_MODEL_NMI_PC 0x08000F00u /* the PC in the frame the model stacks */

/* ---- RCC / PWR ---- */
enum l4_hse_source { L4_HSE_NONE, L4_HSE_CRYSTAL, L4_HSE_CLOCK_IN };
void l4_model_rcc_set_hse(enum l4_hse_source source, uint32_t hz); /* CLOCK_IN needs HSEBYP to start */
void l4_model_rcc_pll_never_locks(bool never);
void l4_model_rcc_hsi_never_ready(bool never);
void l4_model_pwr_vosf_stuck(bool stuck);
uint32_t l4_model_sysclk_hz(void);
uint32_t l4_model_hclk_hz(void);
uint32_t l4_model_pclk1_hz(void);
uint32_t l4_model_pclk2_hz(void);
uint32_t l4_model_usart_kernel_hz(uint32_t base);
void l4_model_rcc_set_csr_flags(uint32_t flags); /* as a reset would leave them (bits 31:24) */

/* ---- USART ---- */
#define L4_MODEL_RX_PE 0x1u /* error flags a received character can carry: USART_ISR bit positions */
#define L4_MODEL_RX_FE 0x2u
#define L4_MODEL_RX_NE 0x4u
/* A character completes reception now. False when it is lost: receiver off, RXNE still set (ORE), or an
 * error that DMA reception drops. `data` may carry bit 8 (the parity bit with M0 = 1). */
bool l4_model_uart_receive(uint32_t base, uint32_t data, uint32_t flags);
/* Characters the line delivers one at a time, each as soon as the receiver is empty: no overrun. */
void l4_model_uart_queue(uint32_t base, const uint8_t *bytes, uint32_t n);
/* Characters that arrive on the wire every ticks_per_char ticks, whether or not anything reads them. */
void l4_model_uart_line(uint32_t base, const uint8_t *bytes, uint32_t n, uint32_t ticks_per_char);
uint32_t l4_model_uart_pending(uint32_t base); /* characters still to arrive */
uint32_t l4_model_uart_lost(uint32_t base);    /* characters lost to overrun */
uint32_t l4_model_uart_sent(uint32_t base, uint8_t *out, uint32_t max); /* characters sent so far */
void l4_model_uart_stick_tx(uint32_t base, bool stuck);                 /* the transmitter never frees TDR */
uint32_t l4_model_uart_cut_chars(uint32_t base); /* characters cut on the line by UE = 0 or a BRR change */

/* ---- GPIO / NVIC / SysTick / IWDG ---- */
void l4_model_gpio_drive(uint32_t port, uint32_t pin, int level); /* 0/1 driven, -1 released */
void l4_model_nvic_enable(uint32_t irq);
void l4_model_nvic_pend(uint32_t irq);
bool l4_model_nvic_enabled(uint32_t irq);
bool l4_model_nvic_pending(uint32_t irq);
void l4_model_systick_pend(void);
bool l4_model_systick_pending(void);
bool l4_model_pendsv_pending(void);
void l4_model_pendsv_pend(void);
/* IWDG time: its counter moves once every ticks_per_lsi * divider ticks (0: it never moves). */
void l4_model_iwdg_ticks_per_lsi(uint32_t ticks);
bool l4_model_iwdg_running(void);
uint32_t l4_model_iwdg_counter(void);

/* ---- Inspection ---- */
uint32_t l4_model_peek(uint32_t addr);  /* a register's value as software would read it, no side effects */

struct l4_model_stats {
  uint32_t bus_errors;          /* wrong FLASH_KEYR/OPTKEYR writes: a HardFault on silicon */
  uint32_t key_lockouts;        /* times a key sequence locked FLASH_CR until reset */
  uint32_t cr_writes_rejected;  /* FLASH_CR writes while locked */
  uint32_t bus_stalls;          /* accesses that had to wait for BSY */
  uint32_t double_words;        /* double words programmed */
  uint32_t pages_erased;
  uint32_t mass_erases;
  uint32_t option_programs;     /* OPTSTRT completed */
  uint32_t icache_resets;
  uint32_t dcache_resets;
  uint32_t ecc_double_errors;   /* reads that set ECCD */
  uint32_t ecc_corrections;     /* reads that set ECCC */
  uint32_t nmi_entries;
  uint32_t system_resets;       /* every reset except power cuts */
  uint32_t iwdg_refreshes;
  uint32_t dma_transfers;
};
const struct l4_model_stats *l4_model_stats(void);

#endif /* L4_MODEL_H */
