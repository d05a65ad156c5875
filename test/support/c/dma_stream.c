/* One DMA controller with streams (F4, H7): see dma_stream.h. */
#include "dma_stream.h"

#include <string.h>

#define DMA_STREAM_BASE 0x10u
#define DMA_STREAM_SIZE 0x18u
#define DMA_FLAG_GROUP 0x3Du      /* FEIF, DMEIF, TEIF, HTIF, TCIF (bit 1 is reserved) */
#define DMA_IFCR_WRITABLE 0x0F7D0F7Du /* the four streams' flag groups in LIFCR/HIFCR */

void dma_controller_reset(struct dma_controller *d) {
  memset(d, 0, sizeof *d);
  for (uint32_t s = 0; s < DMA_STREAMS; s++) {
    d->stream[s].fcr = 0x21u;
  }
}

uint32_t dma_stream_of(uint32_t off) { return (off - DMA_STREAM_BASE) / DMA_STREAM_SIZE; }

uint32_t dma_stream_register(uint32_t off) { return (off - DMA_STREAM_BASE) % DMA_STREAM_SIZE; }

uint32_t dma_controller_read(const struct dma_controller *d, uint32_t off) {
  if (off == 0x00u || off == 0x04u) {
    return d->isr[off / 4u];
  }
  if (off == 0x08u || off == 0x0Cu) {
    return 0;
  }
  const struct dma_stream *st = &d->stream[dma_stream_of(off)];
  switch (dma_stream_register(off)) {
  case 0x00:
    return st->cr;
  case 0x04:
    return st->ndtr;
  case 0x08:
    return st->par;
  case 0x0C:
    return st->m0ar;
  case 0x10:
    return st->m1ar;
  default:
    return st->fcr;
  }
}

void dma_flags_clear(struct dma_controller *d, uint32_t off, uint32_t v) {
  d->isr[(off - 0x08u) / 4u] &= ~(v & DMA_IFCR_WRITABLE);
}

/* LISR/HISR bit offset of a stream's 6-bit flag group. */
static uint32_t flag_shift(uint32_t s) {
  static const uint32_t shift[4] = {0u, 6u, 16u, 22u};
  return shift[s % 4u];
}

uint32_t dma_stream_flags(const struct dma_controller *d, uint32_t s) {
  return (d->isr[s / 4u] >> flag_shift(s)) & DMA_FLAG_GROUP;
}

void dma_stream_set_flags(struct dma_controller *d, uint32_t s, uint32_t flags) {
  d->isr[s / 4u] |= flags << flag_shift(s);
}

void dma_stream_write(struct dma_stream *st, uint32_t reg, uint32_t v) {
  switch (reg) {
  case 0x04:
    st->ndtr = v & 0xFFFFu;
    return;
  case 0x08:
    st->par = v;
    return;
  case 0x0C:
    st->m0ar = v;
    return;
  case 0x10:
    st->m1ar = v;
    return;
  default:
    st->fcr = v & 0xBFu;
    return;
  }
}

uint32_t dma_stream_address(const struct dma_stream *st) { return st->m0ar + (st->reload - st->ndtr); }

void dma_stream_error(struct dma_controller *d, uint32_t s) {
  dma_stream_set_flags(d, s, DMA_FLAG_TE);
  d->stream[s].cr &= ~DMA_EN;
}

void dma_stream_moved(struct dma_controller *d, uint32_t s) {
  struct dma_stream *st = &d->stream[s];
  st->ndtr--;
  if (st->ndtr == st->reload / 2u) {
    dma_stream_set_flags(d, s, DMA_FLAG_HT);
  }
  if (st->ndtr == 0u) {
    dma_stream_set_flags(d, s, DMA_FLAG_TC);
    if ((st->cr & DMA_CIRC) != 0u) {
      st->ndtr = st->reload;
    } else {
      st->cr &= ~DMA_EN;
    }
  }
}
