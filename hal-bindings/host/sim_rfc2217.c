/*
 * The live simulator's side of RFC 2217 (Telnet Com Port Control), the way a network serial server tells
 * a client's line settings to its UART: a TCP client that opens with IAC (0xFF) speaks Telnet, and may set
 * the host line's baud rate (SET-BAUDRATE), which the simulated line then runs at — so a host that changes
 * its rate (tsboot flash --baud) is really at that rate, and bytes between ends at different rates arrive
 * as garbage, as on a wire. A client that opens with anything else is a raw byte pipe at the board's base
 * rate (socat, stm32flash). The device's framing stays the device's own (SET-PARITY and the other settings
 * are acknowledged without effect).
 *
 * The subset: WILL/DO of BINARY (0), SUPPRESS-GO-AHEAD (3) and COM-PORT-OPTION (44) are accepted, others
 * refused; IAC IAC is a 0xFF data byte (both ways); every COM-PORT subnegotiation a client sends is answered
 * with its server code (client code + 100) and the value in effect.
 */
#include "sim.h"

#include <string.h>

#define IAC 255u
#define DONT 254u
#define DO 253u
#define WONT 252u
#define WILL 251u
#define SB 250u
#define SE 240u
#define OPT_BINARY 0u
#define OPT_SGA 3u
#define OPT_COM_PORT 44u
#define CPO_SET_BAUDRATE 1u
#define CPO_FLOWCONTROL_SUSPEND 8u
#define CPO_FLOWCONTROL_RESUME 9u
#define CPO_SERVER_OFFSET 100u

enum { T_DATA, T_IAC, T_OPTION, T_SB, T_SB_IAC };

void sim_rfc2217_reset(struct sim_rfc2217 *t) { memset(t, 0, sizeof *t); }

static void reply_byte(struct sim_rfc2217 *t, uint8_t b) {
  if (t->reply_len < sizeof t->reply) t->reply[t->reply_len++] = b;
}

/* A subnegotiation's value, IAC doubled. */
static void reply_value(struct sim_rfc2217 *t, uint8_t b) {
  reply_byte(t, b);
  if (b == IAC) reply_byte(t, IAC);
}

static bool accepted(uint8_t option) { return option == OPT_BINARY || option == OPT_SGA || option == OPT_COM_PORT; }

/* WILL/DO x: agree once to the options above, refuse the rest. */
static void negotiate(struct sim_rfc2217 *t, uint8_t verb, uint8_t option) {
  if (verb == WONT || verb == DONT) return;
  uint8_t bit = (uint8_t)(verb == WILL ? 1u : 2u);
  uint8_t *answered = &t->answered[option];
  if ((*answered & bit) != 0u) return;
  *answered = (uint8_t)(*answered | bit);
  reply_byte(t, IAC);
  reply_byte(t, verb == WILL ? (accepted(option) ? DO : DONT) : (accepted(option) ? WILL : WONT));
  reply_byte(t, option);
}

/* A complete IAC SB ... IAC SE. Returns the new host baud for SET-BAUDRATE with a rate, else 0. */
static uint32_t subnegotiation(struct sim_rfc2217 *t, uint32_t current_baud) {
  if (t->sb_len < 2u || t->sb[0] != OPT_COM_PORT) return 0u;
  uint8_t command = t->sb[1];
  if (command == CPO_FLOWCONTROL_SUSPEND || command == CPO_FLOWCONTROL_RESUME || command > 12u) return 0u;
  uint32_t changed = 0u;
  reply_byte(t, IAC);
  reply_byte(t, SB);
  reply_byte(t, OPT_COM_PORT);
  reply_byte(t, (uint8_t)(command + CPO_SERVER_OFFSET));
  if (command == CPO_SET_BAUDRATE && t->sb_len >= 6u) {
    uint32_t baud = (uint32_t)t->sb[2] << 24 | (uint32_t)t->sb[3] << 16 | (uint32_t)t->sb[4] << 8 | t->sb[5];
    if (baud != 0u) changed = baud; /* 0 asks for the rate in effect */
    uint32_t now = baud != 0u ? baud : current_baud;
    for (int shift = 24; shift >= 0; shift -= 8) reply_value(t, (uint8_t)(now >> shift));
  } else {
    for (size_t i = 2; i < t->sb_len; i++) reply_value(t, t->sb[i]);
  }
  reply_byte(t, IAC);
  reply_byte(t, SE);
  return changed;
}

int sim_rfc2217_feed(struct sim_rfc2217 *t, uint8_t b, uint32_t current_baud, uint8_t *data, uint32_t *baud) {
  switch (t->state) {
    case T_DATA:
      if (b == IAC) {
        t->state = T_IAC;
        return SIM_RFC2217_NOTHING;
      }
      *data = b;
      return SIM_RFC2217_DATA;
    case T_IAC:
      if (b == IAC) {
        t->state = T_DATA;
        *data = b;
        return SIM_RFC2217_DATA;
      }
      if (b == WILL || b == WONT || b == DO || b == DONT) {
        t->verb = b;
        t->state = T_OPTION;
      } else if (b == SB) {
        t->sb_len = 0;
        t->state = T_SB;
      } else {
        t->state = T_DATA; /* NOP, GA and the other commands mean nothing to a serial line */
      }
      return SIM_RFC2217_NOTHING;
    case T_OPTION:
      negotiate(t, t->verb, b);
      t->state = T_DATA;
      return SIM_RFC2217_NOTHING;
    case T_SB:
      if (b == IAC) t->state = T_SB_IAC;
      else if (t->sb_len < sizeof t->sb) t->sb[t->sb_len++] = b;
      return SIM_RFC2217_NOTHING;
    default: /* T_SB_IAC */
      if (b == IAC) {
        if (t->sb_len < sizeof t->sb) t->sb[t->sb_len++] = IAC;
        t->state = T_SB;
        return SIM_RFC2217_NOTHING;
      }
      t->state = T_DATA;
      if (b != SE) return SIM_RFC2217_NOTHING;
      *baud = subnegotiation(t, current_baud);
      return *baud != 0u ? SIM_RFC2217_BAUD : SIM_RFC2217_NOTHING;
  }
}

size_t sim_rfc2217_escape(const uint8_t *in, size_t count, uint8_t *out) {
  size_t n = 0;
  for (size_t i = 0; i < count; i++) {
    out[n++] = in[i];
    if (in[i] == IAC) out[n++] = IAC;
  }
  return n;
}
