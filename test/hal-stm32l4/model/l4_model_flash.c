/*
 * The STM32L476 flash in the register model: the array with the ECC state of each double word, and the
 * flash interface registers (RM0351 3; section numbers from Rev 9).
 *
 * The rules modelled:
 *   - 3.3.5 KEYR KEY1 then KEY2 unlocks FLASH_CR; a wrong key or order is a bus error and locks FLASH_CR until
 *     reset. OPTKEYR OPTKEY1 then OPTKEY2 clears OPTLOCK, only with LOCK = 0. LOCK and OPTLOCK are set-only.
 *   - 3.3.6 page erase: PER + PNB + BKER, then STRT; STRT with no erase bit is "unpredictable" (a violation).
 *   - 3.3.7 programming: PG, then the first word at a double-word address, then the second word of the same
 *     double word, which starts the operation. A word anywhere else: PGAERR. A write without PG (or with an
 *     erase bit): PGSERR. An operation started while an error flag of an earlier programming is still set:
 *     PGSERR ("Check and clear all error programming flags due to a previous programming. If not, PGSERR is
 *     set."). A double word that is not erased: PROGERR, unless the new data is all zero: it becomes zero.
 *   - 3.3.8 / 3.7.5 WRPERR for a page inside a WRP area in force. EOP only with EOPIE, OPERR only with ERRIE.
 *   - BSY lasts a set number of ticks; a FLASH_CR write, a flash write, or a read of the bank being written
 *     while BSY is set stalls the bus (a read of the other bank does not: read-while-write, 3.3.1).
 *   - 3.3.4 ECC: a torn double word reads with ECCD, which raises the NMI; a single flipped bit is corrected
 *     (ECCC, no NMI). ADDR_ECC/BK_ECC keep the first error until ECCC and ECCD are both clear.
 *   - 3.4.2 option bytes: OPTR and WRPxyR writable only with LOCK = OPTLOCK = 0; OPTSTRT programs them;
 *     OBL_LAUNCH (only with OPTLOCK = 0) loads them with a system reset; a power-on loads them too, a plain
 *     system reset (AIRCR, IWDG) does not. RM0351 does not say what the registers read after such a reset:
 *     the model shows the values in force (a programmed but unloaded change reads as not made, the reading
 *     that makes a driver program it again). tsboot changes only FLASH_OPTR.BFB2.
 *   - 3.4.1 / AN2606 dual-bank boot: with BFB2 = 1 (and BOOT0 low) the reset starts the system memory, which
 *     jumps to bank 2 when its first word is a stack pointer in SRAM1 [0x20000000, 0x20018000), setting
 *     SYSCFG_MEMRMP.FB_MODE (bank 2 at 0x08000000, bank 1 at 0x08080000), else to bank 1 (FB_MODE = 0). The
 *     CPU's flash addresses go through that mapping; BKER, BK_ECC and the model's inspection functions name
 *     physical banks. (AN2606 does not give the exact range; ST's forum reports a stack pointer at the very
 *     end of SRAM1 not taken, so the model refuses it too.)
 *   - 3.3.3 the caches: ICRST/DCRST only while the cache is off; a data read through the D-cache after a
 *     program or erase with no DCRST since may return stale data (a violation).
 */
#include "l4_model_internal.h"

#include <string.h>

static const uint32_t s_opt_addr[5] = {M_OPTR, M_WRP1AR, M_WRP1BR, M_WRP2AR, M_WRP2BR};

uint32_t l4_model_flash_size(void) { return m.part->flash_kb * 1024u; }

static bool dual_bank(void) { return m.part->flash_kb >= 1024u || (m.opt_loaded[0] & OPTR_DUALBANK) != 0u; }

uint32_t flash_bank_pages(void) {
  uint32_t pages = l4_model_flash_size() / 2048u;
  return dual_bank() ? pages / 2u : pages;
}

uint32_t l4_model_flash_bank_size(void) { return flash_bank_pages() * 2048u; }

bool flash_in_array(uint32_t addr) { return addr >= M_FLASH_MEM && addr - M_FLASH_MEM < l4_model_flash_size(); }

static uint32_t dw_index(uint32_t addr) { return (addr - M_FLASH_MEM) / 8u; }
static uint32_t bank_of(uint32_t addr) { return (addr - M_FLASH_MEM) / l4_model_flash_bank_size(); }
static uint32_t bank_start(uint32_t bank) { return M_FLASH_MEM + bank * l4_model_flash_bank_size(); }

static uint32_t raw_word(uint32_t addr) {
  uint32_t off = (addr - M_FLASH_MEM) & ~3u;
  return (uint32_t)m.flash[off] | ((uint32_t)m.flash[off + 1u] << 8) | ((uint32_t)m.flash[off + 2u] << 16) |
         ((uint32_t)m.flash[off + 3u] << 24);
}

static void set_dw(uint32_t addr, uint32_t low, uint32_t high, enum l4_cell state) {
  uint32_t off = (addr - M_FLASH_MEM) & ~7u;
  for (uint32_t i = 0; i < 4u; i++) {
    m.flash[off + i] = (uint8_t)(low >> (8u * i));
    m.flash[off + 4u + i] = (uint8_t)(high >> (8u * i));
  }
  m.cell[dw_index(addr)] = (uint8_t)state;
}

uint32_t l4_model_flash_word(uint32_t addr) {
  if (!flash_in_array(addr)) {
    fatal("l4_model_flash_word(0x%08X) outside flash", (unsigned)addr);
  }
  return raw_word(addr);
}

enum l4_cell l4_model_flash_cell(uint32_t addr) {
  if (!flash_in_array(addr)) {
    fatal("l4_model_flash_cell(0x%08X) outside flash", (unsigned)addr);
  }
  return (enum l4_cell)m.cell[dw_index(addr)];
}

static void check_dw(const char *what, uint32_t addr) {
  if (!flash_in_array(addr) || (addr & 7u) != 0u) {
    fatal("%s(0x%08X): not a double word of the flash", what, (unsigned)addr);
  }
}

void l4_model_flash_poke64(uint32_t addr, uint32_t low, uint32_t high) {
  check_dw("l4_model_flash_poke64", addr);
  set_dw(addr, low, high, low == 0xFFFFFFFFu && high == 0xFFFFFFFFu ? L4_CELL_ERASED : L4_CELL_PROGRAMMED);
}

void l4_model_flash_tear(uint32_t addr, uint32_t low, uint32_t high) {
  check_dw("l4_model_flash_tear", addr);
  set_dw(addr, low, high, L4_CELL_TORN);
}

void l4_model_flash_flip_bit(uint32_t addr, uint32_t bit) {
  check_dw("l4_model_flash_flip_bit", addr);
  if (bit >= 64u) {
    fatal("l4_model_flash_flip_bit: bit %u of a double word", (unsigned)bit);
  }
  m.flash[addr - M_FLASH_MEM + bit / 8u] ^= (uint8_t)(1u << (bit % 8u));
  m.cell[dw_index(addr)] = L4_CELL_ONE_BIT_FLIPPED;
  m.flipped_bit[dw_index(addr)] = (uint8_t)bit;
}

void l4_model_flash_cut_next_operation(uint32_t seed) {
  m.cut_next = true;
  m.cut_seed = seed == 0u ? 1u : seed;
}

void l4_model_flash_set_busy_polls(uint32_t program, uint32_t erase, uint32_t option) {
  m.program_polls = program;
  m.erase_polls = erase;
  m.option_polls = option;
}
void l4_model_flash_inject_error(uint32_t sr_flags) { m.inject_flags = sr_flags; }
void l4_model_flash_fail_silently_next(void) { m.silent_next = true; }
void l4_model_flash_stick_busy(bool stuck) { m.stuck = stuck; }
void l4_model_set_flash_size_register(uint32_t kb) { m.fsize_kb = kb; }
bool l4_model_flash_locked(void) { return (m.cr & CR_LOCK) != 0u; }
bool l4_model_flash_options_locked(void) { return (m.cr & CR_OPTLOCK) != 0u; }
bool l4_model_flash_locked_out(void) { return m.keys.lockout; }
uint32_t l4_model_option_stored(uint32_t index) { return index < 5u ? m.opt_stored[index] : 0u; }
void l4_model_option_set(uint32_t index, uint32_t value) {
  if (index >= 5u) {
    fatal("l4_model_option_set(%u)", (unsigned)index);
  }
  m.opt_stored[index] = m.opt_reg[index] = m.opt_loaded[index] = value;
}
void l4_model_set_nmi_handler(void (*handler)(const uint32_t *frame)) { m.nmi = handler; }

/* ---- Write protection in force ---- */

static bool page_protected(uint32_t bank, uint32_t page) {
  for (uint32_t area = 0; area < 2u; area++) {
    uint32_t reg = m.opt_loaded[1u + 2u * bank + area];
    uint32_t s = reg & 0xFFu;
    uint32_t e = (reg >> 16) & 0xFFu;
    if (s <= e && page >= s && page <= e) {
      return true;
    }
  }
  return false;
}

/* ---- Operations ---- */

/* An error detected when the operation is requested: flagged, no BSY. OPERR accompanies it only with ERRIE. */
static void reject(uint32_t flag) {
  m.sr |= flag;
  if ((m.cr & CR_ERRIE) != 0u) {
    m.sr |= SR_OPERR;
  }
}

static uint32_t cut_rand(void) {
  m.cut_seed ^= m.cut_seed << 13;
  m.cut_seed ^= m.cut_seed >> 17;
  m.cut_seed ^= m.cut_seed << 5;
  return m.cut_seed;
}

/* The power fails while the operation runs: a double word with some of its bits programmed, or a page in
 * which each double word is erased, untouched, or half erased. Then the MCU powers up again. */
static void cut_power(void) {
  m.cut_next = false;
  if (m.op.kind == OP_PROGRAM) {
    uint32_t low = raw_word(m.op.addr) & (m.op.low | cut_rand());
    uint32_t high = raw_word(m.op.addr + 4u) & (m.op.high | cut_rand());
    set_dw(m.op.addr, low, high, L4_CELL_TORN);
  } else {
    for (uint32_t a = m.op.addr; a < m.op.addr + 2048u; a += 8u) {
      uint32_t r = cut_rand() % 3u;
      if (r == 0u) {
        set_dw(a, 0xFFFFFFFFu, 0xFFFFFFFFu, L4_CELL_ERASED);
      } else if (r == 2u) {
        set_dw(a, raw_word(a) | cut_rand(), raw_word(a + 4u) | cut_rand(), L4_CELL_TORN);
      }
    }
  }
  m.op.kind = OP_NONE;
  model_unwind("power cut", CSR_BORRSTF | CSR_PINRSTF, true);
}

static void start(enum op_kind kind, uint32_t addr, uint32_t low, uint32_t high) {
  m.op.kind = kind;
  m.op.addr = addr;
  m.op.low = low;
  m.op.high = high;
  m.op.polls_left = kind == OP_PROGRAM ? m.program_polls : (kind == OP_OPTION ? m.option_polls : m.erase_polls);
  m.op.fail_flags = m.inject_flags;
  m.inject_flags = 0;
  m.op_silent = kind == OP_PROGRAM && m.silent_next;
  if (m.op_silent) {
    m.silent_next = false;
  }
  if (m.cut_next && (kind == OP_PROGRAM || kind == OP_ERASE)) {
    cut_power();
  }
}

static void complete(void) {
  if (m.op.kind == OP_NONE) {
    return;
  }
  if (m.op.fail_flags != 0u) {
    m.sr |= m.op.fail_flags;
    if ((m.cr & CR_ERRIE) != 0u) {
      m.sr |= SR_OPERR;
    }
  } else {
    switch (m.op.kind) {
    case OP_PROGRAM:
      /* All zero over programmed data programs every data and ECC bit to 0: a clean zero double word. */
      if (!m.op_silent) {
        set_dw(m.op.addr, m.op.low, m.op.high, L4_CELL_PROGRAMMED);
        m.stats.double_words++;
      }
      break;
    case OP_ERASE:
      for (uint32_t a = m.op.addr; a < m.op.addr + 2048u; a += 8u) {
        set_dw(a, 0xFFFFFFFFu, 0xFFFFFFFFu, L4_CELL_ERASED);
      }
      m.stats.pages_erased++;
      break;
    case OP_MASS_ERASE:
      for (uint32_t a = m.op.addr; a < m.op.addr + l4_model_flash_bank_size(); a += 8u) {
        set_dw(a, 0xFFFFFFFFu, 0xFFFFFFFFu, L4_CELL_ERASED);
      }
      m.stats.mass_erases++;
      break;
    case OP_OPTION:
      memcpy(m.opt_stored, m.opt_reg, sizeof m.opt_stored);
      m.stats.option_programs++;
      break;
    case OP_NONE:
      break;
    }
    if ((m.cr & CR_EOPIE) != 0u) {
      m.sr |= SR_EOP; /* "set only if the end of operation interrupts are enabled (EOPIE = 1)" */
    }
  }
  if (m.op.kind != OP_OPTION) {
    m.dcache_stale = true;
  }
  m.cr &= ~(CR_STRT | CR_OPTSTRT); /* cleared when BSY clears */
  m.op.kind = OP_NONE;
}

void flash_tick(void) {
  if (m.op.kind == OP_NONE || m.stuck) {
    return;
  }
  if (m.op.polls_left > 0u) {
    m.op.polls_left--;
  } else {
    complete();
  }
}

/* An access that must wait for the operation: on silicon the AHB bus stalls until BSY clears. */
static void stall(const char *what) {
  if (m.op.kind == OP_NONE) {
    return;
  }
  if (m.stuck) {
    fatal("%s while BSY is stuck: the bus would stall forever", what);
  }
  violation("%s while BSY was set: the bus stalled until the operation ended", what);
  m.stats.bus_stalls++;
  complete();
}

/* ---- Reads: ECC ---- */

static void take_nmi(void) {
  if (m.nmi == NULL || m.nmi_depth > 0u) {
    return; /* an NMI does not preempt itself: a second ECCD inside it is taken when it returns */
  }
  m.nmi_depth++;
  for (uint32_t n = 0; (m.eccr & ECCR_ECCD) != 0u; n++) {
    if (n == 8u) {
      fatal("NMI storm: FLASH_ECCR.ECCD still set after the NMI handler returned 8 times (a hang on silicon)");
    }
    uint32_t frame[8] = {0, 0, 0, 0, 0, 0xFFFFFFFFu, L4_MODEL_NMI_PC, 0x01000000u};
    m.stats.nmi_entries++;
    m.nmi(frame);
  }
  m.nmi_depth--;
}

static void ecc_event(uint32_t addr, bool double_error) {
  if ((m.eccr & (ECCR_ECCC | ECCR_ECCD)) == 0u) {
    uint32_t bank = bank_of(addr);
    uint32_t offset = (addr - bank_start(bank)) & ~7u;
    m.eccr = (m.eccr & ~(ECCR_ADDR | ECCR_BK | ECCR_SYSF)) | (offset & ECCR_ADDR) | (bank != 0u ? ECCR_BK : 0u);
  }
  if (double_error) {
    m.eccr |= ECCR_ECCD;
    m.stats.ecc_double_errors++;
    take_nmi();
  } else {
    m.eccr |= ECCR_ECCC;
    m.stats.ecc_corrections++;
  }
}

uint32_t flash_read(uint32_t addr, bool peek) {
  if (!peek) {
    if (m.op.kind != OP_NONE && m.op.kind != OP_OPTION && bank_of(addr) == bank_of(m.op.addr)) {
      stall("read of the flash bank being written");
    }
    if ((m.acr & ACR_DCEN) != 0u && m.dcache_stale) {
      violation("flash read at 0x%08X through the data cache after a program/erase with no DCRST: it may return "
                "stale data",
                (unsigned)addr);
      m.dcache_stale = false;
    }
  }
  uint32_t dw = dw_index(addr);
  uint32_t v = raw_word(addr);
  switch ((enum l4_cell)m.cell[dw]) {
  case L4_CELL_ONE_BIT_FLIPPED:
    if (m.flipped_bit[dw] / 32u == ((addr >> 2) & 1u)) {
      v ^= 1u << (m.flipped_bit[dw] % 32u); /* corrected */
    }
    if (!peek) {
      ecc_event(addr, false);
    }
    break;
  case L4_CELL_TORN:
    if (!peek) {
      ecc_event(addr, true);
    }
    break;
  default:
    break;
  }
  return v;
}

/* ---- Writes to the array ---- */

void flash_store(uint32_t addr, uint32_t v) {
  stall("flash write");
  if ((m.cr & CR_LOCK) != 0u || (m.cr & CR_PG) == 0u || (m.cr & (CR_PER | CR_MER1 | CR_MER2 | CR_FSTPG)) != 0u) {
    /* "set by hardware when a write access to the Flash memory is performed by the code while PG or FSTPG
     * have not been set previously" (PG with an erase bit: the model calls it a sequence error too). */
    m.latch_valid = false;
    reject(SR_PGSERR);
    return;
  }
  if ((m.sr & SR_PROGRAM_ERRORS) != 0u) {
    m.latch_valid = false;
    reject(SR_PGSERR);
    return;
  }
  if (!m.latch_valid) {
    if ((addr & 7u) != 0u) {
      reject(SR_PGAERR); /* the first word must open a double word */
      return;
    }
    m.latch_valid = true;
    m.latch_addr = addr;
    m.latch_value = v;
    return;
  }
  m.latch_valid = false;
  if (addr != m.latch_addr + 4u) {
    reject(SR_PGAERR); /* "the data to program cannot be contained in the same 64-bit Flash memory row" */
    return;
  }
  uint32_t base = m.latch_addr;
  if (page_protected(bank_of(base), ((base - M_FLASH_MEM) % l4_model_flash_bank_size()) / 2048u)) {
    reject(SR_WRPERR);
    return;
  }
  bool zero = m.latch_value == 0u && v == 0u;
  if ((enum l4_cell)m.cell[dw_index(base)] != L4_CELL_ERASED && !zero) {
    reject(SR_PROGERR);
    return;
  }
  start(OP_PROGRAM, base, m.latch_value, v);
}

/* ---- Flash interface registers ---- */

static void start_erase(void) {
  if ((m.cr & CR_PG) != 0u) {
    violation("FLASH_CR: STRT with PG set");
    reject(SR_PGSERR);
    return;
  }
  if ((m.sr & SR_PROGRAM_ERRORS) != 0u) {
    reject(SR_PGSERR);
    return;
  }
  if ((m.cr & CR_PER) != 0u) {
    uint32_t bank = (m.cr & CR_BKER) != 0u ? 1u : 0u;
    uint32_t page = (m.cr & CR_PNB_MASK) >> CR_PNB_SHIFT;
    if (bank == 1u && !dual_bank()) {
      violation("FLASH_CR: BKER = 1 on a single-bank flash");
      reject(SR_PGSERR);
      return;
    }
    if (page >= flash_bank_pages()) {
      violation("FLASH_CR: STRT with PNB %u: bank %u has %u pages", (unsigned)page, (unsigned)bank + 1u,
                (unsigned)flash_bank_pages());
      reject(SR_PGSERR);
      return;
    }
    if (page_protected(bank, page)) {
      reject(SR_WRPERR);
      return;
    }
    start(OP_ERASE, bank_start(bank) + page * 2048u, 0, 0);
  } else if ((m.cr & (CR_MER1 | CR_MER2)) != 0u) {
    uint32_t bank = (m.cr & CR_MER1) != 0u ? 0u : 1u;
    for (uint32_t p = 0; p < flash_bank_pages(); p++) {
      if (page_protected(bank, p)) {
        reject(SR_WRPERR);
        return;
      }
    }
    start(OP_MASS_ERASE, bank_start(bank), 0, 0);
  } else {
    violation("FLASH_CR: STRT with neither PER nor MER1/MER2: \"unpredictable behavior\" (RM0351 3.7.6)");
  }
  if (m.op.kind == OP_NONE) {
    m.cr &= ~CR_STRT;
  }
}

static void cr_write(uint32_t v) {
  if (m.keys.lockout || (m.cr & CR_LOCK) != 0u) {
    violation("FLASH_CR write 0x%08X while locked (ignored)", (unsigned)v);
    m.stats.cr_writes_rejected++;
    return;
  }
  stall("FLASH_CR write");
  if (m.latch_valid) {
    violation("FLASH_CR written between the two words of a double word");
    m.latch_valid = false;
  }
  uint32_t old = m.cr;
  bool options_open = (old & CR_OPTLOCK) == 0u;
  uint32_t writable = CR_PG | CR_PER | CR_MER1 | CR_PNB_MASK | CR_BKER | CR_MER2 | CR_STRT | CR_FSTPG | CR_EOPIE |
                      CR_ERRIE | CR_RDERRIE | (options_open ? (CR_OPTSTRT | CR_OBL_LAUNCH) : 0u);
  if (!options_open && (v & (CR_OPTSTRT | CR_OBL_LAUNCH)) != 0u) {
    violation("FLASH_CR: OPTSTRT/OBL_LAUNCH written while OPTLOCK = 1 (ignored)");
  }
  /* LOCK and OPTLOCK: set-only. STRT and OPTSTRT: set by software, cleared by hardware. */
  m.cr = (v & writable) | (old & (CR_LOCK | CR_OPTLOCK)) | (v & (CR_LOCK | CR_OPTLOCK));
  if ((m.cr & CR_OBL_LAUNCH) != 0u) {
    /* "forces the option byte reloading": a system reset that loads the stored option bytes */
    model_unwind("OBL_LAUNCH", CSR_OBLRSTF | CSR_PINRSTF, false);
  }
  if ((v & CR_STRT) != 0u && (old & CR_STRT) == 0u) {
    start_erase();
  }
  if ((v & CR_OPTSTRT) != 0u && (old & CR_OPTSTRT) == 0u && options_open) {
    start(OP_OPTION, 0, 0, 0);
  }
}

/* "Any wrong sequence will lock up FLASH_CR until the next system reset. In the case of a wrong key sequence,
 * a bus error is detected and a Hard Fault interrupt is generated." (flash_key_lock.h) */
static const struct key_register flash_keyr = {
    "FLASH_KEYR", {M_KEY1, M_KEY2}, {"KEY1", "KEY2"}, "bus error, FLASH_CR locked until reset"};

static void keyr_write(uint32_t v) {
  key_register_count(key_register_write(&flash_keyr, &m.keys, &m.cr, CR_LOCK, v),
                     &m.stats.bus_errors, &m.stats.key_lockouts);
}

static void optkeyr_write(uint32_t v) {
  bool ok = !m.opt_lockout && (m.cr & CR_LOCK) == 0u && (m.cr & CR_OPTLOCK) != 0u &&
            ((m.optkey_stage == 0 && v == M_OPTKEY1) || (m.optkey_stage == 1 && v == M_OPTKEY2));
  if (!ok) {
    m.stats.bus_errors++;
    m.stats.key_lockouts++;
    violation("FLASH_OPTKEYR: 0x%08X out of sequence (LOCK %u, OPTLOCK %u): bus error, OPTLOCK kept until reset",
              (unsigned)v, (unsigned)((m.cr >> 31) & 1u), (unsigned)((m.cr >> 30) & 1u));
    m.opt_lockout = true;
    m.optkey_stage = 0;
    return;
  }
  if (m.optkey_stage == 0) {
    m.optkey_stage = 1;
  } else {
    m.optkey_stage = 0;
    m.cr &= ~CR_OPTLOCK;
  }
}

static void acr_write(uint32_t v) {
  uint32_t nv = v & (ACR_LATENCY | ACR_PRFTEN | ACR_ICEN | ACR_DCEN | ACR_ICRST | ACR_DCRST | 0x6000u);
  if ((v & ACR_LATENCY) > 4u) {
    violation("FLASH_ACR: LATENCY %u is reserved (0..4)", (unsigned)(v & ACR_LATENCY));
  }
  uint32_t resets = flash_acr_cache_resets(m.acr, nv);
  if ((resets & ACR_ICRST) != 0u) {
    m.stats.icache_resets++;
  }
  if ((resets & ACR_DCRST) != 0u) {
    m.stats.dcache_resets++;
    m.dcache_stale = false; /* the reset empties the data cache */
  }
  if ((nv & ACR_DCEN) != 0u && (m.acr & ACR_DCRST) != 0u && (nv & ACR_DCRST) != 0u) {
    violation("FLASH_ACR: DCEN set while DCRST is held at 1");
  }
  m.acr = nv;
  rcc_check("a FLASH_ACR write");
}

static void option_write(uint32_t index, uint32_t v) {
  if ((m.cr & (CR_LOCK | CR_OPTLOCK)) != 0u) {
    violation("FLASH option register 0x%08X written while LOCK/OPTLOCK is set (ignored)",
              (unsigned)s_opt_addr[index]);
    return;
  }
  if (index == 0u) {
    if (((v ^ m.opt_reg[0]) & ~OPTR_BFB2) != 0u) {
      violation("FLASH_OPTR written (0x%08X over 0x%08X): tsboot changes only BFB2 (RDP, the watchdog and boot "
                "options live there)",
                (unsigned)v, (unsigned)m.opt_reg[0]);
    }
    m.opt_reg[0] = v;
    return;
  }
  if ((v & ~WRP_FIELDS) != ~WRP_FIELDS) {
    violation("FLASH_WRP register 0x%08X: reserved bits written as 0 (0x%08X)", (unsigned)s_opt_addr[index],
              (unsigned)v);
  }
  m.opt_reg[index] = (v & WRP_FIELDS) | ~WRP_FIELDS;
}

uint32_t flash_if_read(uint32_t addr, bool peek) {
  (void)peek;
  switch (addr) {
  case M_ACR:
    return m.acr;
  case M_PDKEYR:
  case M_KEYR:
  case M_OPTKEYR:
    return 0; /* write-only */
  case M_SR:
    return m.sr | (m.op.kind != OP_NONE ? SR_BSY : 0u);
  case M_CR:
    return m.cr;
  case M_ECCR:
    return m.eccr;
  case M_PCROP1SR:
  case M_PCROP2SR:
    return 0xFFFFFFFFu; /* factory: start above end, no PCROP area */
  case M_PCROP1ER:
  case M_PCROP2ER:
    return 0x00000000u;
  default:
    break;
  }
  for (uint32_t i = 0; i < 5u; i++) {
    if (addr == s_opt_addr[i]) {
      return m.opt_reg[i];
    }
  }
  fatal("read of unmodelled flash interface register 0x%08X", (unsigned)addr);
}

void flash_if_write(uint32_t addr, uint32_t v) {
  switch (addr) {
  case M_ACR:
    acr_write(v);
    return;
  case M_KEYR:
    keyr_write(v);
    return;
  case M_OPTKEYR:
    optkeyr_write(v);
    return;
  case M_PDKEYR:
    violation("FLASH_PDKEYR written: tsboot never powers the flash down");
    return;
  case M_SR:
    if ((v & ~SR_W1C) != 0u) {
      violation("FLASH_SR write 0x%08X sets bits that are not write-1-to-clear", (unsigned)v);
    }
    m.sr &= ~(v & SR_W1C);
    return;
  case M_CR:
    cr_write(v);
    return;
  case M_ECCR:
    if ((v & ~(ECCR_ECCC | ECCR_ECCD | ECCR_ECCIE)) != 0u) {
      violation("FLASH_ECCR write 0x%08X sets read-only bits", (unsigned)v);
    }
    m.eccr = (m.eccr & ~(ECCR_ECCIE | (v & (ECCR_ECCC | ECCR_ECCD)))) | (v & ECCR_ECCIE);
    return;
  case M_PCROP1SR:
  case M_PCROP1ER:
  case M_PCROP2SR:
  case M_PCROP2ER:
    violation("FLASH PCROP register 0x%08X written: tsboot never should", (unsigned)addr);
    return;
  default:
    break;
  }
  for (uint32_t i = 0; i < 5u; i++) {
    if (addr == s_opt_addr[i]) {
      option_write(i, v);
      return;
    }
  }
  fatal("write of 0x%08X to unmodelled flash interface register 0x%08X", (unsigned)v, (unsigned)addr);
}

/* The system memory's dual-bank boot (AN2606): bank 2 first when BFB2 is set and its first word is a stack
 * pointer in SRAM1. */
static bool rom_boots_bank2(void) {
  if ((m.opt_loaded[0] & OPTR_BFB2) == 0u || !dual_bank()) {
    return false;
  }
  uint32_t sp = raw_word(bank_start(1));
  return sp >= 0x20000000u && sp < 0x20018000u;
}

uint32_t flash_bus_to_array(uint32_t addr) {
  uint32_t bank = l4_model_flash_bank_size();
  if (!m.fb_mode || !flash_in_array(addr) || addr - M_FLASH_MEM >= 2u * bank) {
    return addr;
  }
  return addr - M_FLASH_MEM < bank ? addr + bank : addr - bank;
}

bool l4_model_flash_banks_swapped(void) { return m.fb_mode; }
uint32_t l4_model_option_register(uint32_t index) { return index < 5u ? m.opt_reg[index] : 0u; }
uint32_t l4_model_option_loaded(uint32_t index) { return index < 5u ? m.opt_loaded[index] : 0u; }

void flash_registers_reset(bool load_options) {
  m.acr = ACR_RESET;
  m.sr = 0;
  m.cr = CR_LOCK | CR_OPTLOCK;
  m.eccr = 0;
  m.keys = (struct key_sequence){0};
  m.optkey_stage = 0;
  m.opt_lockout = false;
  m.latch_valid = false;
  memset(&m.op, 0, sizeof m.op);
  if (load_options) {
    memcpy(m.opt_loaded, m.opt_stored, sizeof m.opt_loaded);
  }
  memcpy(m.opt_reg, m.opt_loaded, sizeof m.opt_reg);
  m.fb_mode = rom_boots_bank2();
  m.dcache_stale = false;
  m.nmi_depth = 0;
}

void flash_array_reset(void) {
  memset(m.flash, 0xFF, sizeof m.flash);
  memset(m.cell, L4_CELL_ERASED, sizeof m.cell);
  memset(m.flipped_bit, 0, sizeof m.flipped_bit);
  m.opt_stored[0] = OPTR_FACTORY;
  for (uint32_t i = 1; i < 5u; i++) {
    m.opt_stored[i] = WRP_FACTORY;
  }
  m.fsize_kb = m.part->flash_kb;
}
