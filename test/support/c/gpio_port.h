/*
 * One GPIO port of the host register models: the GPIO block is the same IP on the F0, F4, H7 and L4
 * (RM0091 8.4, RM0090 8.4, RM0433 11.4, RM0351 8.5), and all four families' models keep their ports in it.
 *
 * Here: MODER (0x00), OTYPER (0x04), OSPEEDR (0x08), PUPDR (0x0C), IDR (0x10), ODR (0x14), BSRR (0x18),
 * AFRL (0x20), AFRH (0x24), and the level a test drives on each pin from outside. IDR is computed: a pin in
 * analog mode reads 0 (its Schmitt trigger is off), else a level driven from outside, else an output reads its
 * ODR bit, else an input reads its pull (pull-up 1; pull-down and floating read 0 in the model).
 *
 * What differs stays in the family's model: the reset values (each RM's register tables: the debug pins'
 * alternate functions, and analog or input as the default mode), LCKR (0x1C: the F0 and F4 models keep it,
 * the L4's flags a write, the H7's does not model it), BRR (0x28: F0 and L4 only), ASCR (0x2C: L4 only), the
 * port's clock, and a family's own checks of a value (the F0's AF0-AF7, the L4's reserved PUPDR 11).
 */
#ifndef GPIO_PORT_H
#define GPIO_PORT_H

#include <stdbool.h>
#include <stdint.h>

#define GPIO_PINS 16u

struct gpio_port {
  uint32_t moder, otyper, ospeedr, pupdr, odr, afrl, afrh;
  int drive[GPIO_PINS]; /* the level a test drives on the pin from outside: 0 or 1, -1 for none */
};

/* The port after a reset: MODER, OSPEEDR and PUPDR as given (the family's reset values), the other
 * registers 0, no pin driven from outside. */
void gpio_port_reset(struct gpio_port *g, uint32_t moder, uint32_t ospeedr, uint32_t pupdr);

/* A read or a write at `offset` in the port. Both return false, and change nothing, for an offset that is not
 * one of the registers above: the family's model handles it (its extra registers, or MODEL FATAL). A write to
 * IDR is a violation. */
bool gpio_port_read(const struct gpio_port *g, uint32_t offset, uint32_t *value);
bool gpio_port_write(struct gpio_port *g, uint32_t offset, uint32_t value);

#endif /* GPIO_PORT_H */
