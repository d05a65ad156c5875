/*
 * Host register model of the STM32F4 peripherals tsboot's drivers touch, following RM0090 (and RM0368/
 * RM0383 for F401/F411 where they differ). The drivers, built with -DTSBOOT_REG_MODEL, reach it through
 * reg_model_read32/reg_model_write32; tests drive and inspect it through the functions below.
 *
 * The model is strict: an access the hardware would ignore, stall on or fault on is recorded as a
 * "violation" (a driver bug even when silicon would survive it), and an access to an address it does not
 * model, or a bus stall that could never end, stops the program with "MODEL FATAL". Time is counted in
 * register reads: BSY, HSERDY, PLLRDY, TXE and so on change after a set number of polls.
 */
#ifndef F4_MODEL_H
#define F4_MODEL_H

#include "model_report.h" /* violations, MODEL FATAL, read counts, write trace (model_reads, model_trace) */

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

/* The seam the drivers call (stm32f4_regs.h with TSBOOT_REG_MODEL); tests may call them too, as raw code. */
uint32_t reg_model_read32(uint32_t addr);
void reg_model_write32(uint32_t addr, uint32_t v);

enum f4_part { F4_PART_F401XE, F4_PART_F411XE, F4_PART_F405XG, F4_PART_F407XG };

/* Power-on reset as the given part: every register at its reset value, flash erased, no faults armed,
 * the option bytes as shipped, RCC_CSR with PORRSTF, BORRSTF and PINRSTF. */
void f4_model_reset(enum f4_part part);
/* System reset through NRST: registers back to reset values (this ends a key lockout); flash contents, option
 * bytes and RCC_CSR's reset flags stay (PINRSTF is added). */
void f4_model_system_reset(void);

/* ---- Resets the software causes: SCB_AIRCR SYSRESETREQ, or the IWDG reaching 0 ----
 * The model performs the system reset (RCC_CSR gets SFTRSTF or IWDGRSTF, and PINRSTF), then longjmps to
 * `env` (value 1): the code that ran stops there, as the MCU's would. Without an env the reset is a
 * MODEL FATAL. A RAM array the test defines (the fault record) keeps its contents, as no-init RAM does. */
enum f4_reset_kind { F4_RESET_NONE, F4_RESET_SOFTWARE, F4_RESET_IWDG };
void f4_model_on_reset(jmp_buf *env);
enum f4_reset_kind f4_model_last_reset(void);
/* Time passing with the CPU doing nothing the model sees (cycles of HCLK). */
void f4_model_advance(uint64_t cycles);
uint64_t f4_model_cycles(void);

/* ---- Flash ---- */
void f4_model_flash_set_wrp(uint32_t sector_mask);            /* bit i set: sector i write-protected */
void f4_model_options_set(uint32_t option_bytes);  /* the option bytes in force (FLASH_OPTCR layout) */
uint32_t f4_model_options(void);                   /* the option bytes in force */
void f4_model_flash_set_option_polls(uint32_t polls); /* SR reads that show BSY after OPTSTRT */
void f4_model_flash_set_busy_polls(uint32_t program, uint32_t erase); /* SR reads that still show BSY */
void f4_model_flash_inject_error(uint32_t sr_flags); /* the next operation ends with these flags, not done */
void f4_model_flash_stick_busy(bool stuck);           /* BSY never clears while set */
void f4_model_set_fsize_kb(uint32_t kb);              /* F_SIZE as read by software (0: blank) */
uint32_t f4_model_flash_size(void);
uint32_t f4_model_flash_sector_count(void);
uint32_t f4_model_flash_sector_start(uint32_t index); /* absolute address */
uint32_t f4_model_flash_sector_size(uint32_t index);
uint32_t f4_model_flash_word(uint32_t addr);           /* contents, no side effects */
void f4_model_flash_poke(uint32_t addr, uint32_t v);  /* store bypassing the controller (a debugger) */
bool f4_model_flash_locked(void);                     /* FLASH_CR.LOCK */
bool f4_model_flash_locked_out(void);                 /* a wrong key sequence locked FLASH_CR until reset */

/* ---- RCC ---- */
enum f4_hse_source { F4_HSE_NONE, F4_HSE_CRYSTAL, F4_HSE_CLOCK_IN };
void f4_model_rcc_set_hse(enum f4_hse_source source, uint32_t hz); /* CLOCK_IN needs HSEBYP to start */
void f4_model_rcc_pll_never_locks(bool never);
uint32_t f4_model_sysclk_hz(void);
uint32_t f4_model_hclk_hz(void);
uint32_t f4_model_pclk1_hz(void);
uint32_t f4_model_pclk2_hz(void);

/* ---- USART ---- */
#define F4_MODEL_RX_PE 0x1u /* flags a received character can carry: USART_SR bit positions */
#define F4_MODEL_RX_FE 0x2u
#define F4_MODEL_RX_NE 0x4u
/* A character completes reception now. Returns false when it is lost: receiver off, or RXNE still set
 * (then ORE is set, and DR keeps the earlier character). `data` may carry bit 8 (the parity bit, M = 1). */
bool f4_model_uart_receive(uint32_t base, uint32_t data, uint32_t flags);
/* Characters the line delivers one at a time, each as soon as the receiver is empty: no overrun. */
void f4_model_uart_queue(uint32_t base, const uint8_t *bytes, uint32_t n);
uint32_t f4_model_uart_sent(uint32_t base, uint8_t *out, uint32_t max); /* characters sent so far */
void f4_model_uart_stick_tx(uint32_t base, bool stuck);                 /* transmitter never frees TDR */

/* ---- DMA ----
 * The DMA writes into host memory the test registers: a stream's M0AR must hold the low 32 bits of a host
 * address inside one of these blocks (a host pointer does not fit in 32 bits; its low half identifies it). */
void f4_model_dma_memory(void *host, uint32_t size);
void f4_model_dma_absent(bool absent); /* DMA1/DMA2 read 0 and ignore writes, as QEMU's machines do */

/* ---- IWDG ---- */
void f4_model_set_lsi_hz(uint32_t hz);          /* default 32000 */
void f4_model_iwdg_stick_update(bool stuck);    /* PVU/RVU never clear */
bool f4_model_iwdg_running(void);
uint32_t f4_model_iwdg_prescaler(void);         /* the divider in force: 4 << PR (PR 7 as 6) */
uint32_t f4_model_iwdg_reload(void);            /* RLR in force */

/* ---- NVIC ---- */
void f4_model_nvic_set(uint32_t irq, bool enabled, bool pending);
uint32_t f4_model_nvic_enabled_count(void);
uint32_t f4_model_nvic_pending_count(void);
bool f4_model_pendsv_pending(void);

/* ---- GPIO ---- */
void f4_model_gpio_drive(uint32_t port, uint32_t pin, int level); /* 0/1 driven, -1 released */

/* ---- SysTick / SCB ---- */
void f4_model_systick_pend(void);
bool f4_model_systick_pending(void);

/* ---- Inspection ---- */
uint32_t f4_model_peek(uint32_t addr); /* a register's value as software would read it, no side effects */

struct f4_model_stats {
  uint32_t bus_errors;             /* wrong FLASH_KEYR writes: a BusFault on silicon */
  uint32_t key_lockouts;           /* times the key sequence locked FLASH_CR until reset */
  uint32_t cr_writes_rejected;     /* FLASH_CR writes while locked */
  uint32_t bus_stalls;             /* accesses that had to wait for BSY */
  uint32_t flash_programs;         /* words programmed */
  uint32_t flash_erases;           /* sectors erased */
  uint32_t icache_resets;
  uint32_t dcache_resets;
  uint32_t system_reset_requests;  /* AIRCR SYSRESETREQ with the right key */
  uint32_t option_programs;        /* OPTSTRT operations completed */
  uint32_t iwdg_reloads;           /* KR = 0xAAAA while the IWDG runs */
  uint32_t iwdg_resets;            /* the IWDG reached 0 */
  uint32_t dma_transfers;          /* bytes a DMA stream moved */
};
const struct f4_model_stats *f4_model_stats(void);

#endif /* F4_MODEL_H */
