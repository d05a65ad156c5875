/*
 * One DMA controller with streams in the host register models of the F4 (DMA1 and DMA2) and the H7 (DMA1):
 * the same IP on both chips (RM0090 10; RM0433 15, where DMAMUX1 routes the requests to it). It holds the
 * eight streams' registers (SxCR, SxNDTR, SxPAR, SxM0AR, SxM1AR, SxFCR) and the event flags (LISR/HISR: a
 * 6-bit group per stream, cleared through LIFCR/HIFCR), and moves a stream on by one data item (NDTR,
 * HTIF/TCIF, circular mode).
 *
 * What the family keeps: which stream serves which request (the F4's CHSEL, the H7's DMAMUX1), where memory
 * is and what the stream can reach, the SxCR bits it has and what a write while EN = 1 does, the clock, and
 * all the violations.
 */
#ifndef DMA_STREAM_H
#define DMA_STREAM_H

#include <stdint.h>

#define DMA_STREAMS 8u
#define DMA_REGS_END 0xD0u /* LISR, HISR, LIFCR, HIFCR, then 8 streams of 6 registers (0x18 bytes) from 0x10 */

#define DMA_EN 0x001u   /* SxCR.EN */
#define DMA_CIRC 0x100u /* SxCR.CIRC */

/* A stream's event flags, within its 6-bit group: FEIF 0, DMEIF 2, TEIF 3, HTIF 4, TCIF 5. */
#define DMA_FLAG_TE 0x08u
#define DMA_FLAG_HT 0x10u
#define DMA_FLAG_TC 0x20u

struct dma_stream {
  uint32_t cr, ndtr, par, m0ar, m1ar, fcr;
  uint32_t reload; /* NDTR when EN was set: a circular stream starts over from it */
};

struct dma_controller {
  struct dma_stream stream[DMA_STREAMS];
  uint32_t isr[2]; /* LISR (streams 0-3), HISR (streams 4-7) */
};

/* The controller's reset: every register 0 but SxFCR (0x21, direct mode). */
void dma_controller_reset(struct dma_controller *d);

/* Which stream a register offset (0x10 to DMA_REGS_END) is in, and which of its registers (0x00 SxCR to 0x14
 * SxFCR). */
uint32_t dma_stream_of(uint32_t off);
uint32_t dma_stream_register(uint32_t off);

/* A read of the register at `off` (below DMA_REGS_END). LIFCR/HIFCR are write-only and read 0. */
uint32_t dma_controller_read(const struct dma_controller *d, uint32_t off);

/* A write of LIFCR (off 0x08) or HIFCR (0x0C): the flags written 1 clear, reserved bits are ignored. */
void dma_flags_clear(struct dma_controller *d, uint32_t off, uint32_t v);

/* Stream s's event flags (the 6-bit group, FEIF to TCIF), and setting some of them. */
uint32_t dma_stream_flags(const struct dma_controller *d, uint32_t s);
void dma_stream_set_flags(struct dma_controller *d, uint32_t s, uint32_t flags);

/* A write of one of a stream's registers other than SxCR (reg 0x04 SxNDTR to 0x14 SxFCR). */
void dma_stream_write(struct dma_stream *st, uint32_t reg, uint32_t v);

/* Where the stream's next data item goes in memory: M0AR plus the items it has moved (bytes only). */
uint32_t dma_stream_address(const struct dma_stream *st);

/* A transfer error on stream s: TEIF set, and the stream disables itself. */
void dma_stream_error(struct dma_controller *d, uint32_t s);

/* Stream s moved one data item: NDTR counts down, HTIF at half, TCIF at 0, where a circular stream reloads
 * NDTR and goes on and any other stream disables itself. */
void dma_stream_moved(struct dma_controller *d, uint32_t s);

#endif /* DMA_STREAM_H */
