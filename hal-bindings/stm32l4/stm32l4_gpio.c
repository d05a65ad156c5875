/*
 * STM32L4 GPIO (RM0351 8): the trigger input, the UART pins' alternate functions, and each pin back to its
 * reset state before the jump. Ports A..H on the AHB2 bus (RCC_AHB2ENR). Unlike F4, a pin's reset mode is
 * analog (MODER = 11), except the debug pins PA13-15 and PB3-4.
 */
#include "stm32l4_regs.h"
#include "tsboot_hal.h"

static bool gpio_valid(uint32_t port_index, uint32_t pin) { return port_index < GPIO_PORT_COUNT && pin < 16u; }

static bool gpio_clock_on(uint32_t port_index) {
  uint32_t bit = RCC_AHB2ENR_GPIOAEN << port_index;
  uint32_t enr = REG_READ32(RCC_AHB2ENR);
  if ((enr & bit) != 0u) {
    return true;
  }
  REG_WRITE32(RCC_AHB2ENR, enr | bit);
  (void)REG_READ32(RCC_AHB2ENR); /* let the clock enable land before the first port access */
  return false;
}

/* Replaces the `width`-bit field of `pin` in the register at addr. */
static void gpio_set_field(uint32_t addr, uint32_t pin, uint32_t width, uint32_t value) {
  uint32_t shift = width * pin;
  uint32_t mask = ((1u << width) - 1u) << shift;
  REG_WRITE32(addr, (REG_READ32(addr) & ~mask) | ((value << shift) & mask));
}

void hal_gpio_input_init(uint32_t port_index, uint32_t pin, uint32_t pull) {
  if (!gpio_valid(port_index, pin) || pull > HAL_GPIO_PULL_DOWN) {
    return;
  }
  (void)gpio_clock_on(port_index);
  uint32_t base = GPIO_PORT_BASE(port_index);
  gpio_set_field(GPIO_PUPDR(base), pin, 2u, pull); /* PUPDR codes are the HAL_GPIO_PULL_* values */
  gpio_set_field(GPIO_MODER(base), pin, 2u, GPIO_MODE_INPUT);
}

bool hal_gpio_read(uint32_t port_index, uint32_t pin) {
  if (!gpio_valid(port_index, pin)) {
    return false;
  }
  return (REG_READ32(GPIO_IDR(GPIO_PORT_BASE(port_index))) & (1u << pin)) != 0u;
}

void hal_gpio_af_init(uint32_t port_index, uint32_t pin, uint32_t af) {
  if (!gpio_valid(port_index, pin) || af > 15u) {
    return;
  }
  (void)gpio_clock_on(port_index);
  uint32_t base = GPIO_PORT_BASE(port_index);
  /* The function first, then the mode: the pin never drives whatever AF0 is on the way. */
  gpio_set_field(pin < 8u ? GPIO_AFRL(base) : GPIO_AFRH(base), pin & 7u, 4u, af);
  gpio_set_field(GPIO_OTYPER(base), pin, 1u, 0u); /* push-pull */
  gpio_set_field(GPIO_OSPEEDR(base), pin, 2u, 1u); /* medium: plenty for 115200 baud, gentle edges */
  /* Pull-up: an unconnected RX idles high (mark) instead of floating into framing errors. */
  gpio_set_field(GPIO_PUPDR(base), pin, 2u, GPIO_PUPD_PULLUP);
  gpio_set_field(GPIO_MODER(base), pin, 2u, GPIO_MODE_AF);
}

/* The reset value of a pin's field, from the port's register reset value (RM0351 8.5.1, 8.5.3, 8.5.4). */
static uint32_t gpio_reset_field(uint32_t port_reset, uint32_t pin) { return (port_reset >> (2u * pin)) & 0x3u; }

void hal_gpio_pin_reset(uint32_t port_index, uint32_t pin) {
  if (!gpio_valid(port_index, pin)) {
    return;
  }
  uint32_t moder = port_index == 0u ? GPIOA_MODER_RESET : (port_index == 1u ? GPIOB_MODER_RESET : GPIOX_MODER_RESET);
  uint32_t ospeedr = port_index == 0u ? GPIOA_OSPEEDR_RESET : 0u;
  uint32_t pupdr = port_index == 0u ? GPIOA_PUPDR_RESET : (port_index == 1u ? GPIOB_PUPDR_RESET : 0u);
  /* A gated port ignores writes: clock it for the reset and leave it as it was found. */
  bool was_on = gpio_clock_on(port_index);
  uint32_t base = GPIO_PORT_BASE(port_index);
  gpio_set_field(GPIO_MODER(base), pin, 2u, gpio_reset_field(moder, pin)); /* stops driving first */
  gpio_set_field(GPIO_OTYPER(base), pin, 1u, 0u);
  gpio_set_field(GPIO_OSPEEDR(base), pin, 2u, gpio_reset_field(ospeedr, pin));
  gpio_set_field(GPIO_PUPDR(base), pin, 2u, gpio_reset_field(pupdr, pin));
  gpio_set_field(pin < 8u ? GPIO_AFRL(base) : GPIO_AFRH(base), pin & 7u, 4u, 0u);
  if (!was_on) {
    hal_gpio_clock_off(port_index);
  }
}

void hal_gpio_clock_off(uint32_t port_index) {
  if (port_index >= GPIO_PORT_COUNT) {
    return;
  }
  REG_WRITE32(RCC_AHB2ENR, REG_READ32(RCC_AHB2ENR) & ~(RCC_AHB2ENR_GPIOAEN << port_index));
}
