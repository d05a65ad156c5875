/* One GPIO port of the host register models (see gpio_port.h). */
#include "gpio_port.h"

#include "model_report.h"

#include <string.h>

#define GPIO_MODE_OUTPUT 1u
#define GPIO_MODE_ANALOG 3u
#define GPIO_PULL_UP 1u

void gpio_port_reset(struct gpio_port *g, uint32_t moder, uint32_t ospeedr, uint32_t pupdr) {
  memset(g, 0, sizeof *g);
  for (uint32_t p = 0; p < GPIO_PINS; p++) {
    g->drive[p] = -1;
  }
  g->moder = moder;
  g->ospeedr = ospeedr;
  g->pupdr = pupdr;
}

static uint32_t gpio_port_idr(const struct gpio_port *g) {
  uint32_t v = 0;
  for (uint32_t p = 0; p < GPIO_PINS; p++) {
    uint32_t mode = (g->moder >> (2u * p)) & 3u;
    uint32_t pull = (g->pupdr >> (2u * p)) & 3u;
    uint32_t bit;
    if (mode == GPIO_MODE_ANALOG) {
      bit = 0u; /* the Schmitt trigger is off: IDR reads 0 */
    } else if (g->drive[p] >= 0) {
      bit = (uint32_t)g->drive[p];
    } else if (mode == GPIO_MODE_OUTPUT) {
      bit = (g->odr >> p) & 1u;
    } else {
      bit = pull == GPIO_PULL_UP ? 1u : 0u; /* a floating input reads 0 in the model */
    }
    v |= bit << p;
  }
  return v;
}

bool gpio_port_read(const struct gpio_port *g, uint32_t offset, uint32_t *value) {
  switch (offset) {
  case 0x00:
    *value = g->moder;
    return true;
  case 0x04:
    *value = g->otyper;
    return true;
  case 0x08:
    *value = g->ospeedr;
    return true;
  case 0x0C:
    *value = g->pupdr;
    return true;
  case 0x10:
    *value = gpio_port_idr(g);
    return true;
  case 0x14:
    *value = g->odr;
    return true;
  case 0x18:
    *value = 0; /* BSRR is write-only */
    return true;
  case 0x20:
    *value = g->afrl;
    return true;
  case 0x24:
    *value = g->afrh;
    return true;
  default:
    return false;
  }
}

bool gpio_port_write(struct gpio_port *g, uint32_t offset, uint32_t value) {
  switch (offset) {
  case 0x00:
    g->moder = value;
    return true;
  case 0x04:
    g->otyper = value & 0xFFFFu;
    return true;
  case 0x08:
    g->ospeedr = value;
    return true;
  case 0x0C:
    g->pupdr = value;
    return true;
  case 0x10:
    violation("GPIO IDR is read-only");
    return true;
  case 0x14:
    g->odr = value & 0xFFFFu;
    return true;
  case 0x18:
    /* BSRR: the low half sets ODR bits, the high half resets them; where a write has both for one pin,
     * the set has priority (RM0091 8.4.7, RM0090 8.4.7, RM0433 11.4.7, RM0351 8.5.7). */
    g->odr = ((g->odr & ~(value >> 16)) | (value & 0xFFFFu)) & 0xFFFFu;
    return true;
  case 0x20:
    g->afrl = value;
    return true;
  case 0x24:
    g->afrh = value;
    return true;
  default:
    return false;
  }
}
