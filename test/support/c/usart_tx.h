/*
 * The transmit side of a USART in the host register models of the F4, H7 and L4 (the transmitter and the
 * status register in the USART chapters: RM0090 30 (USART_SR), RM0433 48 and RM0351 40 (USART_ISR)): a
 * character written to the transmit data register (TDR; the F4's DR) moves to the shift register when that
 * is free, and leaves on the line a few polls later. TXE says TDR is free; TC says both are empty (the line
 * is quiet). In the F4's USART_SR and the H7's and L4's USART_ISR alike, TXE is bit 7 and TC bit 6.
 *
 * Time in these models is polls: the family calls usart_tx_tick on each read of the status register (or each
 * step of its clock). The F0's model times characters in model time instead and keeps its own transmitter.
 * What the family keeps: when TDR may be written (UE, TE, TEACK), the data bits (M, PCE), the violations, and
 * when the transmitter steps (the L4's only while UE = 1).
 */
#ifndef USART_TX_H
#define USART_TX_H

#include <stdbool.h>
#include <stdint.h>

#define USART_TX_TC (1u << 6)
#define USART_TX_TXE (1u << 7)
#define USART_TX_LOG 65536u /* characters kept of what went out */

struct usart_tx {
  uint32_t tdr;       /* the last character written to TDR */
  bool tdr_full;      /* it waits there for the shift register */
  bool shift_busy;    /* a character is in the shift register, going out */
  uint32_t shift_data;
  uint32_t shift_left; /* polls until it is on the line */
  bool stuck;         /* armed by a test: the transmitter never moves (a dead line) */
  uint8_t sent[USART_TX_LOG];
  uint32_t sent_len; /* characters that went out on the line, all of them (the first USART_TX_LOG kept) */
};

/* The USART's reset: TDR and the shift register empty. What went out on the line and a stuck transmitter armed
 * by the test stay. */
void usart_tx_reset(struct usart_tx *tx);

/* UE cleared: the character in TDR and the one in the shift register are dropped. */
void usart_tx_discard(struct usart_tx *tx);

/* A character in TDR or in the shift register (TC would read 0). */
bool usart_tx_busy(const struct usart_tx *tx);

/* Software wrote `data` (already cut to the frame's data bits) to TDR: TXE and TC clear in *status. */
void usart_tx_write(struct usart_tx *tx, uint32_t *status, uint32_t data);

/* One step of the transmitter: TDR -> shift register (TXE set), shift register -> line (TC set once TDR is
 * empty too). Nothing moves while stuck. */
void usart_tx_tick(struct usart_tx *tx, uint32_t *status);

/* Copies up to `max` of the characters that went out to `out`; returns how many went out in all. */
uint32_t usart_tx_sent(const struct usart_tx *tx, uint8_t *out, uint32_t max);

#endif /* USART_TX_H */
