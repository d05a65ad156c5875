/*
 * The v2 USART (ISR/ICR/RDR/TDR) and DMA1 in the register model (RM0351 USART chapter; 11 DMA).
 *
 * USART rules modelled:
 *   - M0/M1, PCE, PS, OVER8 (and WAKE, DEDT, DEAT), BRR, CR2 and CR3 but EIE/DMAR/DMAT/CTSIE/WUFIE are written
 *     only while UE = 0 ("This bit field can only be written when the USART is disabled (UE=0)"): otherwise a
 *     violation, and the write is ignored.
 *   - UE = 0 stops the USART at once: "current operations are discarded" and the ISR flags return to their
 *     reset values, so a character still in TDR or the shift register is cut (a violation: wait for TC).
 *   - TE then TEACK (after the idle frame), RE then REACK; TDR written only with TXE; RDR read clears RXNE;
 *     ICR clears flags (write 1); RQR.RXFRQ drops the received byte.
 *   - A character arriving while RXNE is set is lost and sets ORE. With DMAR and DDRE = 0, a character with
 *     PE/FE/NE is not transferred ("RXNE is kept 0 ... the erroneous data is not transferred"), the flag set.
 *   - M1:M0 = 01 is a 9-bit frame: with PCE its 9th bit is the parity, which RDR shows in bit 8.
 * DMA rules modelled: CSELR routes a channel's request (USART1_RX channel 5, USART2_RX channel 6, USART3_RX
 * channel 3, each request 2, RM0351 table "DMA1 requests for each channel"); CNDTR, CPAR and CMAR written
 * only while EN = 0; circular reload; HTIF/TCIF/GIF; a memory address that maps to nothing is a transfer
 * error (TEIF) that disables the channel.
 */
#include "l4_model_internal.h"

#include <stddef.h>

static const uint32_t s_bases[USARTS] = {0x40013800u, 0x40004400u, 0x40004800u, 0x40004C00u, 0x40005000u};
static const uint32_t s_rcc_bit[USARTS] = {1u << 14, 1u << 17, 1u << 18, 1u << 19, 1u << 20};
static const bool s_on_apb2[USARTS] = {true, false, false, false, false};
static const uint32_t s_rx_channel[USARTS] = {5u, 6u, 3u, 0u, 0u}; /* DMA1, request 2; UART4/5: DMA2 */
#define RX_REQUEST 2u

int usart_index(uint32_t addr) {
  for (int i = 0; i < (int)USARTS; i++) {
    if (addr >= s_bases[i] && addr < s_bases[i] + 0x2Cu) {
      return i;
    }
  }
  return -1;
}

uint32_t usart_base_of(int i) { return s_bases[i]; }

bool usart_clocked(int i) {
  return s_on_apb2[i] ? rcc_clocked(m.apb2enr, m.apb2rstr, s_rcc_bit[i])
                      : rcc_clocked(m.apb1enr1, m.apb1rstr1, s_rcc_bit[i]);
}

static struct usart_state *usart_by_base(uint32_t base) {
  for (uint32_t i = 0; i < USARTS; i++) {
    if (s_bases[i] == base) {
      return &m.usart[i];
    }
  }
  fatal("no USART at 0x%08X", (unsigned)base);
}

static const char *usart_name(const struct usart_state *u) {
  static const char *names[USARTS] = {"USART1", "USART2", "USART3", "UART4", "UART5"};
  return names[u - m.usart];
}

static uint32_t frame_mask(const struct usart_state *u) {
  if ((u->cr1 & UCR1_M1) != 0u) {
    return 0x7Fu; /* 7 data bits */
  }
  return (u->cr1 & UCR1_M0) != 0u ? 0x1FFu : 0xFFu;
}

static bool usart_on(const struct usart_state *u, uint32_t dir) {
  return (u->cr1 & (UCR1_UE | dir)) == (UCR1_UE | dir);
}

void usart_reset(uint32_t i) {
  struct usart_state *u = &m.usart[i];
  u->cr1 = u->cr2 = u->cr3 = u->brr = u->gtpr = u->rtor = 0;
  u->isr = UISR_RESET;
  u->rdr = 0;
  usart_tx_reset(&u->tx);
  u->teack_left = u->reack_left = 0;
  /* the line (queued arrivals), what was sent, a stuck transmitter armed by the test: kept */
}

/* ---- Receive ---- */

static bool receive(struct usart_state *u, uint32_t data, uint32_t flags) {
  if (!usart_on(u, UCR1_RE)) {
    return false;
  }
  if ((u->isr & UISR_RXNE) != 0u) {
    /* "The RDR content will not be lost ... the shift register will be overwritten": ORE, this one lost. */
    u->isr |= UISR_ORE;
    u->lost++;
    return false;
  }
  uint32_t errors = flags & (UISR_PE | UISR_FE | UISR_NF);
  if (errors != 0u && (u->cr3 & UCR3_DMAR) != 0u && (u->cr3 & UCR3_DDRE) == 0u) {
    u->isr |= errors; /* not transferred: RXNE kept 0 */
    return false;
  }
  u->rdr = data & frame_mask(u);
  u->isr |= UISR_RXNE | errors;
  return true;
}

bool l4_model_uart_receive(uint32_t base, uint32_t data, uint32_t flags) {
  return receive(usart_by_base(base), data, flags);
}

static void queue(struct usart_state *u, const uint8_t *bytes, uint32_t n) {
  for (uint32_t i = 0; i < n && u->rxq_len < RX_QUEUE; i++) {
    u->rxq[(u->rxq_head + u->rxq_len) % RX_QUEUE] = bytes[i];
    u->rxq_len++;
  }
}

void l4_model_uart_queue(uint32_t base, const uint8_t *bytes, uint32_t n) {
  struct usart_state *u = usart_by_base(base);
  u->line_next = 0;
  queue(u, bytes, n);
}

void l4_model_uart_line(uint32_t base, const uint8_t *bytes, uint32_t n, uint32_t ticks_per_char) {
  struct usart_state *u = usart_by_base(base);
  u->line_ticks = ticks_per_char == 0u ? 1u : ticks_per_char;
  u->line_next = m.ticks + u->line_ticks;
  queue(u, bytes, n);
}

uint32_t l4_model_uart_pending(uint32_t base) { return usart_by_base(base)->rxq_len; }
uint32_t l4_model_uart_lost(uint32_t base) { return usart_by_base(base)->lost; }
uint32_t l4_model_uart_cut_chars(uint32_t base) { return usart_by_base(base)->cut; }

uint32_t l4_model_uart_sent(uint32_t base, uint8_t *out, uint32_t max) {
  struct usart_state *u = usart_by_base(base);
  return usart_tx_sent(&u->tx, out, max);
}

void l4_model_uart_stick_tx(uint32_t base, bool stuck) { usart_by_base(base)->tx.stuck = stuck; }

/* ---- DMA1 ---- */

static bool dma_clocked(void) { return rcc_clocked(m.ahb1enr, m.ahb1rstr, AHB1_DMA1); }

static uint8_t *ram_host(uint32_t addr) {
  for (uint32_t i = 0; i < m.ram_count; i++) {
    const struct ram_map *r = &m.ram[i];
    if (addr >= r->addr && addr - r->addr < r->length) {
      return (uint8_t *)r->host + (addr - r->addr);
    }
  }
  return NULL;
}

uint32_t reg_model_ram_address(void *p, uint32_t length) {
  for (uint32_t i = 0; i < m.ram_count; i++) {
    if (m.ram[i].host == p && m.ram[i].length >= length) {
      return m.ram[i].addr;
    }
  }
  if (m.ram_count == sizeof m.ram / sizeof m.ram[0] || length == 0u || m.ram_next + length > 0x10000u) {
    fatal("reg_model_ram_address: no room to map %u bytes", (unsigned)length);
  }
  struct ram_map *r = &m.ram[m.ram_count++];
  r->host = p;
  r->addr = M_DMA_RAM_BASE + m.ram_next;
  r->length = length;
  m.ram_next += (length + 7u) & ~7u;
  return r->addr;
}

/* The USART's RX request served by its channel: one byte from RDR to memory. */
static void dma_serve(uint32_t i) {
  struct usart_state *u = &m.usart[i];
  uint32_t ch = s_rx_channel[i];
  if (ch == 0u || (u->isr & UISR_RXNE) == 0u || (u->cr3 & UCR3_DMAR) == 0u || !dma_clocked()) {
    return;
  }
  struct dma_channel *c = dma_channel(&m.dma, ch);
  if ((c->ccr & DMA_CCR_EN) == 0u || ((m.dma_cselr >> (4u * (ch - 1u))) & 0xFu) != RX_REQUEST || c->cndtr == 0u) {
    return; /* no channel takes the request: RXNE stays set, the next character overruns */
  }
  if (c->cpar != s_bases[i] + 0x24u || (c->ccr & 0x10u) != 0u || (c->ccr & 0x4000u) != 0u) {
    violation("DMA1 channel %u serves %s_RX but CPAR = 0x%08X, DIR = %u, MEM2MEM = %u", (unsigned)ch,
              usart_name(u), (unsigned)c->cpar, (unsigned)((c->ccr >> 4) & 1u), (unsigned)((c->ccr >> 14) & 1u));
    c->ccr &= ~DMA_CCR_EN;
    return;
  }
  if ((c->ccr & 0x0F00u) != 0u) {
    violation("DMA1 channel %u: PSIZE/MSIZE not 8 bits for a byte stream", (unsigned)ch);
  }
  uint8_t *dst = ram_host(dma_channel_address(c));
  if (dst == NULL) {
    dma_channel_set_flags(&m.dma, ch, DMA_ISR_TEIF | DMA_ISR_GIF); /* transfer error: the channel is disabled */
    c->ccr &= ~DMA_CCR_EN;
    return;
  }
  *dst = (uint8_t)u->rdr;
  u->isr &= ~UISR_RXNE; /* the DMA read of RDR */
  m.stats.dma_transfers++;
  dma_channel_moved(&m.dma, ch);
}

bool dma_in_range(uint32_t addr) { return addr >= M_DMA1 && addr < M_DMA1 + 0xACu; }

void dma_reset(void) {
  dma_channel_controller_reset(&m.dma);
  m.dma_cselr = 0;
}

uint32_t dma_read(uint32_t addr, bool peek) {
  if (!dma_clocked()) {
    if (!peek) {
      violation("DMA1 read at 0x%08X with its clock off (reads 0)", (unsigned)addr);
    }
    return 0;
  }
  uint32_t off = addr - M_DMA1;
  if (off == 0x00u) {
    return m.dma.isr;
  }
  if (off == 0x04u) {
    return 0; /* IFCR is write-only */
  }
  if (off == 0xA8u) {
    return m.dma_cselr;
  }
  if (off >= 0x08u && off < 0x08u + 0x14u * DMA_CHANNELS && (off - 0x08u) % 0x14u < 0x10u) {
    return dma_channel_read(dma_channel(&m.dma, (off - 0x08u) / 0x14u + 1u), (off - 0x08u) % 0x14u);
  }
  fatal("read of unmodelled DMA1 register 0x%08X", (unsigned)addr);
}

void dma_write(uint32_t addr, uint32_t v) {
  if (!dma_clocked()) {
    violation("DMA1 write to 0x%08X with its clock off (ignored)", (unsigned)addr);
    return;
  }
  uint32_t off = addr - M_DMA1;
  if (off == 0x00u) {
    violation("DMA_ISR is read-only");
    return;
  }
  if (off == 0x04u) {
    dma_channel_flags_clear(&m.dma, v);
    return;
  }
  if (off == 0xA8u) {
    m.dma_cselr = v & 0x0FFFFFFFu;
    return;
  }
  if (off >= 0x08u && off < 0x08u + 0x14u * DMA_CHANNELS && (off - 0x08u) % 0x14u < 0x10u) {
    uint32_t ch = (off - 0x08u) / 0x14u + 1u;
    struct dma_channel *c = dma_channel(&m.dma, ch);
    uint32_t reg = (off - 0x08u) % 0x14u;
    bool enabled = (c->ccr & DMA_CCR_EN) != 0u;
    if (reg == 0x0u) {
      if (enabled && ((v ^ c->ccr) & 0x7FFEu) != 0u) {
        violation("DMA1 CCR%u configuration changed while EN = 1", (unsigned)ch);
      }
      if (!enabled && (v & DMA_CCR_EN) != 0u) {
        c->reload = c->cndtr;
      }
      c->ccr = v & 0x7FFFu;
      return;
    }
    if (enabled) {
      violation("DMA1 channel %u: CNDTR/CPAR/CMAR written while EN = 1 (ignored)", (unsigned)ch);
      return;
    }
    dma_channel_write(c, reg, v);
    return;
  }
  fatal("write of 0x%08X to unmodelled DMA1 register 0x%08X", (unsigned)v, (unsigned)addr);
}

/* ---- Time ---- */

static void usart_rx_tick(struct usart_state *u) {
  if (u->rxq_len == 0u) {
    u->line_next = 0;
    return;
  }
  bool deliver = u->line_next != 0u ? m.ticks >= u->line_next : (usart_on(u, UCR1_RE) && (u->isr & UISR_RXNE) == 0u);
  if (!deliver) {
    return;
  }
  (void)receive(u, u->rxq[u->rxq_head], 0u);
  u->rxq_head = (u->rxq_head + 1u) % RX_QUEUE;
  u->rxq_len--;
  if (u->line_next != 0u) {
    u->line_next += u->line_ticks;
  }
}

void usart_tick(void) {
  for (uint32_t i = 0; i < USARTS; i++) {
    struct usart_state *u = &m.usart[i];
    if (!usart_clocked((int)i)) {
      continue;
    }
    if (u->teack_left > 0u && --u->teack_left == 0u && usart_on(u, UCR1_TE)) {
      u->isr |= UISR_TEACK;
    }
    if (u->reack_left > 0u && --u->reack_left == 0u && usart_on(u, UCR1_RE)) {
      u->isr |= UISR_REACK;
    }
    if (usart_on(u, 0)) { /* the transmitter moves while UE = 1 */
      usart_tx_tick(&u->tx, &u->isr);
    }
    usart_rx_tick(u);
    dma_serve(i);
  }
}

void usart_released(uint32_t apb1_released, uint32_t apb2_released) {
  for (uint32_t i = 0; i < USARTS; i++) {
    if (((s_on_apb2[i] ? apb2_released : apb1_released) & s_rcc_bit[i]) != 0u) {
      usart_reset(i);
    }
  }
}

/* ---- Registers ---- */

uint32_t usart_read(int i, uint32_t off, bool peek) {
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
    return u->gtpr;
  case 0x14:
    return u->rtor;
  case 0x18:
  case 0x20:
    return 0; /* RQR, ICR: write-only */
  case 0x1C:
    return u->isr;
  case 0x24:
    if (!peek) {
      u->isr &= ~UISR_RXNE;
    }
    return u->rdr;
  case 0x28:
    return u->tx.tdr;
  default:
    fatal("%s read at offset 0x%X", usart_name(u), (unsigned)off);
  }
}

static void cr1_write(struct usart_state *u, uint32_t v) {
  uint32_t old = u->cr1;
  bool was_on = (old & UCR1_UE) != 0u;
  if (was_on && ((v ^ old) & UCR1_LOCKED) != 0u) {
    violation("%s_CR1: M/PCE/PS/OVER8 changed while UE = 1 (ignored: written only when UE = 0)", usart_name(u));
    v = (v & ~UCR1_LOCKED) | (old & UCR1_LOCKED);
  }
  u->cr1 = v & 0x1FFFFFFDu;
  if (was_on && (v & UCR1_UE) == 0u) {
    if (usart_tx_busy(&u->tx)) {
      violation("%s disabled (UE = 0) while a character was still being sent: it is cut (wait for TC first)",
                usart_name(u));
      u->cut++;
    }
    /* "current operations are discarded ... all the status flags, in the USART_ISR are set to their default
     * values" */
    u->isr = UISR_RESET;
    usart_tx_discard(&u->tx);
    u->teack_left = u->reack_left = 0;
    return;
  }
  if ((v & UCR1_UE) == 0u) {
    return;
  }
  if ((v & UCR1_TE) != 0u && (!was_on || (old & UCR1_TE) == 0u)) {
    u->teack_left = 2; /* an idle frame is sent first */
  }
  if ((v & UCR1_TE) == 0u) {
    u->isr &= ~UISR_TEACK;
  }
  if ((v & UCR1_RE) != 0u && (!was_on || (old & UCR1_RE) == 0u)) {
    u->reack_left = 1;
  }
  if ((v & UCR1_RE) == 0u) {
    u->isr &= ~UISR_REACK;
  }
}

void usart_write(int i, uint32_t off, uint32_t v) {
  struct usart_state *u = &m.usart[i];
  bool on = (u->cr1 & UCR1_UE) != 0u;
  switch (off) {
  case 0x00:
    cr1_write(u, v);
    return;
  case 0x04:
    if (on && v != u->cr2) {
      violation("%s_CR2 written while UE = 1 (ignored)", usart_name(u));
      return;
    }
    u->cr2 = v;
    return;
  case 0x08:
    if (on && ((v ^ u->cr3) & ~UCR3_FREE) != 0u) {
      violation("%s_CR3: bits other than EIE/DMAR/DMAT/CTSIE/WUFIE changed while UE = 1 (ignored)", usart_name(u));
      v = (v & UCR3_FREE) | (u->cr3 & ~UCR3_FREE);
    }
    u->cr3 = v & 0x01F7FFFu;
    return;
  case 0x0C:
    if (on) {
      violation("%s_BRR written while UE = 1 (ignored: written only when UE = 0)", usart_name(u));
      return;
    }
    u->brr = v & 0xFFFFu;
    return;
  case 0x10:
    u->gtpr = v & 0xFFFFu;
    return;
  case 0x14:
    u->rtor = v;
    return;
  case 0x18:
    if ((v & 0x8u) != 0u) {
      u->isr &= ~UISR_RXNE; /* RXFRQ: the received byte is dropped */
    }
    return;
  case 0x1C:
    violation("%s_ISR is read-only", usart_name(u));
    return;
  case 0x20:
    u->isr &= ~(v & UICR_W1C);
    return;
  case 0x24:
    violation("%s_RDR is read-only", usart_name(u));
    return;
  case 0x28:
    if (!usart_on(u, UCR1_TE)) {
      violation("%s_TDR written with UE or TE off: the character is not sent", usart_name(u));
      return;
    }
    if (u->tx.tdr_full) {
      violation("%s_TDR written before TXE: a character was overwritten", usart_name(u));
    }
    /* With PCE the MSB of the frame (bit 7 for 8 bits, bit 8 for 9) is replaced by the parity bit. */
    usart_tx_write(&u->tx, &u->isr, v & ((u->cr1 & UCR1_PCE) != 0u ? frame_mask(u) >> 1 : frame_mask(u)));
    return;
  default:
    fatal("%s write at offset 0x%X", usart_name(u), (unsigned)off);
  }
}
