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

#include <stdbool.h>
#include <stdint.h>

/* The seam the drivers call (stm32f4_regs.h with TSBOOT_REG_MODEL); tests may call them too, as raw code. */
uint32_t reg_model_read32(uint32_t addr);
void reg_model_write32(uint32_t addr, uint32_t v);

enum f4_part { F4_PART_F401XE, F4_PART_F411XE, F4_PART_F405XG, F4_PART_F407XG };

/* Power-on reset as the given part: every register at its reset value, flash erased, no faults armed. */
void f4_model_reset(enum f4_part part);
/* System reset: registers back to reset values (this ends a key lockout); flash contents and options stay. */
void f4_model_system_reset(void);

/* ---- Flash ---- */
void f4_model_flash_set_wrp(uint32_t sector_mask);            /* bit i set: sector i write-protected */
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

/* ---- GPIO ---- */
void f4_model_gpio_drive(uint32_t port, uint32_t pin, int level); /* 0/1 driven, -1 released */

/* ---- SysTick / SCB ---- */
void f4_model_systick_pend(void);
bool f4_model_systick_pending(void);

/* ---- Inspection ---- */
uint32_t f4_model_peek(uint32_t addr); /* a register's value as software would read it, no side effects */
uint64_t f4_model_reads(uint32_t addr); /* how many times software read this register */

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
};
const struct f4_model_stats *f4_model_stats(void);

uint32_t f4_model_violation_count(void);
const char *f4_model_violation(uint32_t i); /* the first 64 are kept */
void f4_model_clear_violations(void);

/* Every write software made, in order (register and flash stores), with FLASH_CR as it was just before. */
struct f4_model_write {
  uint32_t addr;
  uint32_t value;
  uint32_t flash_cr_before;
};
uint32_t f4_model_trace_count(void);
const struct f4_model_write *f4_model_trace(uint32_t i);
void f4_model_trace_clear(void);

#endif /* F4_MODEL_H */
