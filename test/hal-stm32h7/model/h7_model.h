/*
 * Host register model of the STM32H7 peripherals tsboot's drivers touch, following RM0433 (STM32H742/743/
 * 753/750) and the Cortex-M7 documents. The drivers, built with -DTSBOOT_REG_MODEL, reach it through
 * reg_model_read32/reg_model_write32/reg_model_bus_address; tests drive and inspect it through the functions
 * below.
 *
 * The model is strict: an access the hardware would ignore, stall on or fault on is recorded as a
 * "violation" (a driver bug even when silicon would survive it), and an access to an address it does not
 * model, a bus stall that could never end or a fault nobody handles stops the program with "MODEL FATAL".
 * Time is counted in register reads ("polls"): QW, OPT_BUSY, HSERDY, PLL1RDY, VOSRDY, TEACK, TXE and so on
 * change after a set number of them.
 */
#ifndef H7_MODEL_H
#define H7_MODEL_H

#include "model_report.h" /* violations, MODEL FATAL, read counts, write trace (model_reads, model_trace) */

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

/* The seam the drivers call (stm32h7_regs.h with TSBOOT_REG_MODEL); tests may call them too, as raw code. */
uint32_t reg_model_read32(uint32_t addr);
void reg_model_write32(uint32_t addr, uint32_t v);
uint32_t reg_model_bus_address(const volatile void *p);

enum h7_part {
  H7_PART_H743ZI, /* 2 MB: two banks of eight 128 KB sectors (NUCLEO-H743ZI2; H753ZI is the same die) */
  H7_PART_H743VG  /* 1 MB: two banks of four sectors, bank 2 still at 0x08100000 */
};

/* Power-on reset as the given part: every register at its reset value, flash erased, RAM random, options at
 * their factory values (no write protection, IWDG1 software-started, no bank swap). */
void h7_model_power_on(enum h7_part part);
/* System reset: registers back to their reset values (this ends a key lockout); flash, RAM, option bytes
 * and the power-on-only PWR_CR3 supply configuration stay. The bank swap option takes effect. */
void h7_model_system_reset(void);
/* A SYSRESETREQ longjmps here (value 1) after the model has done the system reset; NULL: fatal. */
void h7_model_catch_reset(jmp_buf *where);

/* ---- Flash ---- */
void h7_model_set_flashsize_kb(uint32_t kb); /* FLASHSIZE as read by software (0: blank) */
uint32_t h7_model_flash_size(void);
uint32_t h7_model_flash_sectors_per_bank(void);
void h7_model_flash_set_busy_polls(uint32_t program, uint32_t erase); /* polls QW stays set */
void h7_model_flash_stick_busy(uint32_t bank, bool stuck);            /* QW/BSY never clear while set */
void h7_model_flash_inject_error(uint32_t bank, uint32_t sr_flags); /* the bank's next operation ends so */
/* A flash word torn by a power cut inside its program: some bits programmed, the ECC inconsistent. */
void h7_model_flash_tear(uint32_t addr, uint32_t seed);
void h7_model_flash_single_error(uint32_t addr); /* a one-bit error the ECC corrects */
bool h7_model_flash_ecc_bad(uint32_t addr);      /* the word reads with a double error */
uint32_t h7_model_flash_word(uint32_t addr);     /* contents, no side effects */
void h7_model_flash_poke(uint32_t addr, uint32_t v); /* a debugger store (keeps the word's ECC valid) */
bool h7_model_flash_locked(uint32_t bank);       /* FLASH_CRx.LOCK */
bool h7_model_flash_locked_out(uint32_t bank);   /* a wrong key sequence locked FLASH_CRx until reset */
/* A CPU read of a word with a double ECC error is a precise BusFault: the model sets SCB_CFSR (PRECISERR,
 * BFARVALID) and SCB_BFAR, then calls this handler. true: the handler resumed after the load (the read
 * returns H7_MODEL_FAULTED_READ); false or no handler: MODEL FATAL. */
typedef bool (*h7_model_bus_fault_handler)(uint32_t address);
void h7_model_on_bus_fault(h7_model_bus_fault_handler handler);
#define H7_MODEL_FAULTED_READ 0xE5E5E5E5u
/* A read of addr by another bus master (DMA, a debugger): ECC flags as for the CPU, but no BusFault. */
uint32_t h7_model_flash_read_by_dma(uint32_t addr);
/* A precise data bus error at bfar that is not an ECC error (an access to a protected or absent area):
 * SCB_CFSR PRECISERR and BFARVALID, SCB_BFAR. */
void h7_model_bus_error(uint32_t bfar);

/* ---- Option bytes ---- */
void h7_model_options_set_wrp(uint32_t bank, uint32_t wpsn); /* WRPSN, active low, in force (CUR = PRG) */
void h7_model_options_set_optsr(uint32_t optsr);            /* OPTSR_CUR = OPTSR_PRG (IWDG1_SW, SWAP_BANK_OPT) */
void h7_model_options_fail_next(void);                      /* the next OPTSTART ends in OPTCHANGEERR */
void h7_model_options_set_change_error(void);               /* OPTCHANGEERR left set by an earlier change */
void h7_model_options_set_busy_polls(uint32_t polls);
bool h7_model_options_locked(void);

/* ---- RCC and PWR ---- */
enum h7_hse_source { H7_HSE_NONE, H7_HSE_CRYSTAL, H7_HSE_CLOCK_IN };
void h7_model_rcc_set_hse(enum h7_hse_source source, uint32_t hz); /* CLOCK_IN needs HSEBYP to start */
void h7_model_rcc_pll_never_locks(bool never);
void h7_model_rcc_set_reset_flags(uint32_t rsr); /* RCC_RSR as a reset left it */
uint32_t h7_model_sys_hz(void);   /* sys_ck */
uint32_t h7_model_cpu_hz(void);   /* sys_d1cpre_ck, the Cortex-M7 clock */
uint32_t h7_model_axi_hz(void);   /* rcc_hclk3 / aclk: AXI, AHB, the flash */
uint32_t h7_model_pclk1_hz(void); /* APB1 (D2PPRE1) */
uint32_t h7_model_pclk2_hz(void); /* APB2 (D2PPRE2) */
uint32_t h7_model_vos(void);      /* the voltage scale in force: 1, 2 or 3 */
/* A warm boot: the supply configuration was written before (PWR_CR3 with SCUEN = 0). */
void h7_model_pwr_supply_locked(uint32_t cr3);

/* ---- USART (v2) ---- */
#define H7_MODEL_RX_PE 0x1u /* flags a received character can carry: USART_ISR bit positions */
#define H7_MODEL_RX_FE 0x2u
#define H7_MODEL_RX_NE 0x4u
/* A character completes reception now. Returns false when it is lost: receiver off, or RDR still full (ORE
 * set; RDR keeps the earlier one). With DMAR and a stream behind it, DMA takes it out of RDR at once. */
bool h7_model_uart_receive(uint32_t base, uint32_t data, uint32_t flags);
/* Characters the line delivers one at a time, each as soon as RDR is empty (no overrun). */
void h7_model_uart_queue(uint32_t base, const uint8_t *bytes, uint32_t n);
uint32_t h7_model_uart_sent(uint32_t base, uint8_t *out, uint32_t max); /* characters sent so far */
void h7_model_uart_stick_tx(uint32_t base, bool stuck);                 /* the transmitter never frees TDR */
uint32_t h7_model_uart_baud(uint32_t base); /* kernel clock / BRR as the USART runs now (0: not running) */

/* ---- RAM seen by DMA1 ---- */
/* Declares that the host buffer [host, host + len) is the target RAM at bus address `bus`: the drivers'
 * REG_BUS_ADDRESS(host + i) is bus + i, and DMA writes there land in the host buffer. */
void h7_model_map_ram(uint32_t bus, void *host, uint32_t len);

/* ---- GPIO ---- */
void h7_model_gpio_drive(uint32_t port, uint32_t pin, int level); /* 0/1 driven, -1 released */

/* ---- IWDG1 ---- */
struct h7_model_iwdg {
  bool running;
  uint32_t pr, rlr;   /* in force */
  uint32_t refreshes; /* 0xAAAA writes */
};
const struct h7_model_iwdg *h7_model_iwdg(void);

/* ---- Cortex-M7 core ---- */
void h7_model_systick_pend(void);
bool h7_model_systick_pending(void);
/* The port turned the caches on (after invalidating them, as CMSIS SCB_EnableDCache does). */
void h7_model_enable_caches(bool dcache, bool icache);
bool h7_model_dcache_holds(uint32_t addr); /* a valid D-cache line holds addr */
void h7_model_nvic_set(uint32_t word, uint32_t enabled, uint32_t pending);
uint32_t h7_model_nvic_enabled(uint32_t word);
uint32_t h7_model_nvic_pending(uint32_t word);
void h7_model_mpu_enable(void);

/* ---- Inspection ---- */
uint32_t h7_model_peek(uint32_t addr);  /* a register's value as software would read it, no side effects */
uint32_t h7_model_ram_word(uint32_t addr); /* DTCM contents */

struct h7_model_stats {
  uint32_t bus_errors;            /* wrong FLASH_KEYRx/OPTKEYR writes: a bus error on silicon */
  uint32_t key_lockouts;
  uint32_t cr_writes_rejected;    /* FLASH_CRx writes while locked */
  uint32_t bus_stalls;            /* accesses that had to wait for a busy bank */
  uint32_t flash_programs;        /* flash words programmed */
  uint32_t flash_force_writes;    /* of which closed by FW */
  uint32_t flash_erases;          /* sectors erased */
  uint32_t option_changes;        /* OPTSTART completed */
  uint32_t ecc_bus_faults;        /* CPU reads that hit a double ECC error */
  uint32_t system_reset_requests; /* AIRCR SYSRESETREQ with the right key */
  uint32_t dcimvac;               /* D-cache lines invalidated by address */
  uint32_t dccisw;                /* D-cache set/way clean-and-invalidate operations */
  uint32_t dccisw_distinct;       /* distinct (set, way) pairs they covered since the last D-cache enable */
  uint32_t icache_invalidates;    /* ICIALLU */
  uint32_t dma_bytes;             /* bytes DMA1 moved */
};
const struct h7_model_stats *h7_model_stats(void);

#endif /* H7_MODEL_H */
