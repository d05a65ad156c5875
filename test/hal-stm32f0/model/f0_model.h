/*
 * Host register model of the STM32F072RB peripherals tsboot's drivers touch, following RM0091 (and DS9826 for
 * timings and limits, PM0215 for the Cortex-M0). The drivers, built with -DTSBOOT_REG_MODEL, reach it through
 * reg_model_read32/write32/read16/write16 and reg_model_ptr_addr; tests drive and inspect it through the
 * functions below.
 *
 * The model is strict: an access the hardware would ignore or refuse is recorded as a "violation" (a driver
 * bug even when silicon would survive it), and an access to an address it does not model, or one that would
 * raise a HardFault on silicon (a word store into flash while PG is set, an unaligned word access, VTOR on a
 * Cortex-M0), stops the program with "MODEL FATAL". Time is counted in register accesses ("polls"): each
 * access is one CPU cycle at HCLK. Flash BSY, oscillator start-up, the USART line, IWDG updates and the IWDG
 * countdown all advance with it.
 */
#ifndef F0_MODEL_H
#define F0_MODEL_H

#include "model_report.h" /* violations, MODEL FATAL, read counts, write trace (model_reads, model_trace) */

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

/* The seam the drivers call (stm32f0_regs.h with TSBOOT_REG_MODEL); tests may call them too, as raw code. */
uint32_t reg_model_read32(uint32_t addr);
void reg_model_write32(uint32_t addr, uint32_t v);
uint16_t reg_model_read16(uint32_t addr);
void reg_model_write16(uint32_t addr, uint16_t v);
uint32_t reg_model_ptr_addr(const void *p); /* host pointer into the modelled SRAM -> its bus address */

/* Power-on reset: every register at its reset value, flash erased, factory option bytes (loaded), SRAM filled
 * with a fixed pseudo-random pattern, no faults armed. */
void f0_model_reset(void);
/* A power cycle: like a power-on reset but flash contents, option bytes and armed faults stay. */
void f0_model_power_cycle(void);
/* A system reset (AIRCR SYSRESETREQ, OBL_LAUNCH, IWDG expiry) resets the registers, keeps SRAM, flash and
 * option bytes, and then longjmps to `where` (set with setjmp by the test). Unarmed (NULL), a system reset is
 * MODEL FATAL: code that resets where the test does not expect it fails loudly. */
void f0_model_catch_reset(jmp_buf *where);
uint32_t f0_model_system_resets(void);

/* ---- Flash ---- */
#define F0_MODEL_PAGE_SIZE 2048u
void f0_model_flash_set_busy_polls(uint32_t program, uint32_t erase); /* accesses BSY lasts */
void f0_model_flash_inject_error(uint32_t sr_flags); /* the next operation ends with these flags, not done */
void f0_model_flash_inject_error_at(uint32_t nth, uint32_t sr_flags); /* the same for the nth operation from now */
void f0_model_flash_stick_busy(bool stuck);           /* BSY never clears while set */
/* A worn cell: programming the half-word at addr leaves the bits of mask at 0, with no flag raised. */
void f0_model_flash_weak_bits(uint32_t addr, uint16_t mask);
void f0_model_set_fsize_kb(uint32_t kb);              /* F_SIZE as read by software (0: blank) */
uint32_t f0_model_flash_page_count(void);
uint16_t f0_model_flash_half(uint32_t addr); /* contents, no side effects */
uint32_t f0_model_flash_word(uint32_t addr);
void f0_model_flash_poke16(uint32_t addr, uint16_t v); /* store bypassing the controller (a debugger) */
bool f0_model_flash_locked(void);                      /* FLASH_CR.LOCK */
bool f0_model_flash_locked_out(void);                  /* a wrong key sequence locked FLASH_CR until reset */

/* ---- Option bytes (0x1FFFF800: RDP, USER, DATA0, DATA1, WRP0..WRP3) ---- */
uint16_t f0_model_option_half(uint32_t index);            /* raw half-word i (0..7) */
void f0_model_option_poke(uint32_t index, uint16_t half); /* raw store (a programmer), loaded at the next load */
/* Programs all option bytes with their complements and loads them now, as a programmer + power cycle would. */
void f0_model_options_set(uint8_t rdp, uint8_t user, uint8_t data0, uint8_t data1, uint32_t wrp);

/* ---- RCC ---- */
enum f0_hse_source { F0_HSE_NONE, F0_HSE_CRYSTAL, F0_HSE_CLOCK_IN };
void f0_model_rcc_set_hse(enum f0_hse_source source, uint32_t hz); /* CLOCK_IN needs HSEBYP to start */
void f0_model_rcc_pll_never_locks(bool never);
void f0_model_rcc_hsi48_never_ready(bool never);
void f0_model_rcc_set_reset_flags(uint32_t csr_flags); /* RCC_CSR bits 23..31 as the last reset left them */
uint32_t f0_model_sysclk_hz(void);
uint32_t f0_model_hclk_hz(void);
uint32_t f0_model_pclk_hz(void);
uint32_t f0_model_usart_kernel_hz(uint32_t base);

/* ---- USART ---- */
#define F0_MODEL_RX_PE 0x1u /* flags a received character can carry: USART_ISR bit positions */
#define F0_MODEL_RX_FE 0x2u
#define F0_MODEL_RX_NE 0x4u
/* The peer on the line: its baud rate and framing (default 115200 8N1). A character received with a baud
 * rate more than 2.5% off, or with the other framing, arrives damaged (FE or PE), as on a real line; a
 * character sent that way is counted as garbled. */
void f0_model_uart_set_line(uint32_t base, uint32_t baud, bool even_parity);
/* A character completes reception now. Returns false when it is lost: receiver off, or RXNE still set (then
 * ORE is set, and RDR keeps the earlier character). */
bool f0_model_uart_receive(uint32_t base, uint8_t data, uint32_t flags);
/* Characters the peer sends as soon as the receiver is empty: no overrun. */
void f0_model_uart_queue(uint32_t base, const uint8_t *bytes, uint32_t n);
/* Characters the peer sends at its own pace, one every `polls` accesses, whether or not anyone reads them. */
void f0_model_uart_stream(uint32_t base, const uint8_t *bytes, uint32_t n, uint32_t polls);
uint32_t f0_model_uart_stream_left(uint32_t base);
uint32_t f0_model_uart_sent(uint32_t base, uint8_t *out, uint32_t max); /* characters sent so far */
uint32_t f0_model_uart_garbled(uint32_t base);                          /* of which sent with a wrong baud/frame */
void f0_model_uart_stick_tx(uint32_t base, bool stuck);                 /* transmitter never frees TDR */

/* ---- GPIO ---- */
void f0_model_gpio_drive(uint32_t port, uint32_t pin, int level); /* 0/1 driven, -1 released */

/* ---- SRAM, memory map, core ---- */
uint8_t *f0_model_sram(uint32_t addr); /* host pointer to modelled SRAM at a bus address (for DMA rings) */
uint32_t f0_model_sram_word(uint32_t addr);
void f0_model_sram_poke(uint32_t addr, uint32_t v);
/* The word an exception entry fetches for vector `index` (0: initial SP, 1: reset, 3: HardFault, 15: SysTick,
 * 16 + n: IRQ n): read through address 0 as SYSCFG_CFGR1.MEM_MODE maps it. */
uint32_t f0_model_vector(uint32_t index);
uint32_t f0_model_mem_mode(void);
void f0_model_systick_pend(void);
bool f0_model_systick_pending(void);
void f0_model_pendsv_pend(void);
bool f0_model_pendsv_pending(void);
uint32_t f0_model_nvic_enabled(void);
uint32_t f0_model_nvic_pending(void);

/* ---- IWDG ---- */
void f0_model_set_lsi_hz(uint32_t hz);        /* 40 kHz by default (DS9826: 30-50 kHz) */
void f0_model_iwdg_stick_updates(bool stuck); /* PVU/RVU never clear */
bool f0_model_iwdg_running(void);
uint32_t f0_model_iwdg_prescaler(void); /* in force (after PVU) */
uint32_t f0_model_iwdg_reload(void);    /* in force (after RVU) */

/* ---- Inspection ---- */
uint32_t f0_model_peek(uint32_t addr);  /* a register's value as software would read it, no side effects */
uint64_t f0_model_now(void);            /* accesses so far */

struct f0_model_stats {
  uint32_t bus_errors;         /* wrong FLASH_KEYR/OPTKEYR writes: a BusFault on silicon */
  uint32_t key_lockouts;       /* times the key sequence locked FLASH_CR until reset */
  uint32_t cr_writes_rejected; /* FLASH_CR writes while locked */
  uint32_t flash_programs;     /* half-words programmed */
  uint32_t flash_erases;       /* pages erased */
  uint32_t option_erases;
  uint32_t option_programs;
  uint32_t mass_erases;        /* including the one an RDP level 1 -> 0 change forces */
  uint32_t dma_transfers;
  uint32_t iwdg_reloads;       /* KR = 0xAAAA while running */
  uint32_t iwdg_expiries;
};
const struct f0_model_stats *f0_model_stats(void);

#endif /* F0_MODEL_H */
