/* One DMA controller with channels (F0, L4): see dma_channel.h. */
#include "dma_channel.h"

#include <string.h>

void dma_channel_controller_reset(struct dma_channel_controller *d) { memset(d, 0, sizeof *d); }

struct dma_channel *dma_channel(struct dma_channel_controller *d, uint32_t ch) { return &d->channel[ch - 1u]; }

uint32_t dma_channel_read(const struct dma_channel *c, uint32_t reg) {
  switch (reg) {
  case 0x0:
    return c->ccr;
  case 0x4:
    return c->cndtr;
  case 0x8:
    return c->cpar;
  default:
    return c->cmar;
  }
}

void dma_channel_write(struct dma_channel *c, uint32_t reg, uint32_t v) {
  if (reg == 0x4u) {
    c->cndtr = v & 0xFFFFu;
  } else if (reg == 0x8u) {
    c->cpar = v;
  } else {
    c->cmar = v;
  }
}

void dma_channel_flags_clear(struct dma_channel_controller *d, uint32_t v) {
  for (uint32_t ch = 1; ch <= DMA_CHANNELS; ch++) {
    uint32_t shift = 4u * (ch - 1u);
    uint32_t bits = (v >> shift) & 0xFu;
    d->isr &= ~(((bits & DMA_ISR_GIF) != 0u ? 0xFu : bits) << shift);
  }
}

void dma_channel_set_flags(struct dma_channel_controller *d, uint32_t ch, uint32_t flags) {
  d->isr |= flags << (4u * (ch - 1u));
}

uint32_t dma_channel_address(const struct dma_channel *c) {
  return c->cmar + ((c->ccr & DMA_CCR_MINC) != 0u ? c->reload - c->cndtr : 0u);
}

void dma_channel_moved(struct dma_channel_controller *d, uint32_t ch) {
  struct dma_channel *c = dma_channel(d, ch);
  c->cndtr--;
  if (c->cndtr == c->reload / 2u) {
    dma_channel_set_flags(d, ch, DMA_ISR_HTIF | DMA_ISR_GIF);
  }
  if (c->cndtr == 0u) {
    dma_channel_set_flags(d, ch, DMA_ISR_TCIF | DMA_ISR_GIF);
    if ((c->ccr & DMA_CCR_CIRC) != 0u) {
      c->cndtr = c->reload; /* "the number of data items is automatically reloaded" */
    }
  }
}
