/* STM32F4 GPIO: the trigger input and the UART pins' alternate functions (RM0090 8). */
#include "stm32f4_regs.h"
#include "tsboot_hal.h"

static bool gpio_valid(uint32_t port_index, uint32_t pin) { return port_index < GPIO_PORT_COUNT && pin < 16u; }

static void gpio_clock_on(uint32_t port_index) {
  uint32_t bit = RCC_AHB1ENR_GPIOAEN << port_index;
  uint32_t enr = REG_READ32(RCC_AHB1ENR);
  if ((enr & bit) == 0u) {
    REG_WRITE32(RCC_AHB1ENR, enr | bit);
    (void)REG_READ32(RCC_AHB1ENR); /* errata: let the clock enable land before the first port access */
  }
}

/* Replaces the 2-bit field of `pin` in the register at addr. */
static void gpio_set_field2(uint32_t addr, uint32_t pin, uint32_t value) {
  uint32_t shift = 2u * pin;
  REG_WRITE32(addr, (REG_READ32(addr) & ~(0x3u << shift)) | ((value & 0x3u) << shift));
}

void hal_gpio_input_init(uint32_t port_index, uint32_t pin, uint32_t pull) {
  if (!gpio_valid(port_index, pin) || pull > HAL_GPIO_PULL_DOWN) {
    return;
  }
  gpio_clock_on(port_index);
  uint32_t base = GPIO_PORT_BASE(port_index);
  gpio_set_field2(GPIO_PUPDR(base), pin, pull); /* PUPDR codes are the HAL_GPIO_PULL_* values */
  gpio_set_field2(GPIO_MODER(base), pin, GPIO_MODE_INPUT);
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
  gpio_clock_on(port_index);
  uint32_t base = GPIO_PORT_BASE(port_index);
  uint32_t afr = pin < 8u ? GPIO_AFRL(base) : GPIO_AFRH(base);
  uint32_t shift = 4u * (pin & 7u);
  /* The function first, then the mode: the pin never drives whatever AF0 is on the way. */
  REG_WRITE32(afr, (REG_READ32(afr) & ~(0xFu << shift)) | (af << shift));
  REG_WRITE32(GPIO_OTYPER(base), REG_READ32(GPIO_OTYPER(base)) & ~(1u << pin)); /* push-pull */
  gpio_set_field2(GPIO_OSPEEDR(base), pin, 1u); /* medium: plenty for 115200 baud, gentle edges */
  /* Pull-up: an unconnected RX idles high (mark) instead of floating into framing errors. */
  gpio_set_field2(GPIO_PUPDR(base), pin, GPIO_PUPD_PULLUP);
  gpio_set_field2(GPIO_MODER(base), pin, GPIO_MODE_AF);
}

/* The reset value of one pin's field in a register whose reset value is `port_reset` (RM0090 8.4). */
static uint32_t gpio_reset_field(uint32_t port_reset, uint32_t shift, uint32_t width_mask) {
  return (port_reset >> shift) & width_mask;
}

void hal_gpio_pin_reset(uint32_t port_index, uint32_t pin) {
  if (!gpio_valid(port_index, pin)) {
    return;
  }
  gpio_clock_on(port_index); /* a gated port ignores writes */
  uint32_t base = GPIO_PORT_BASE(port_index);
  uint32_t moder = port_index == 0u ? GPIOA_MODER_RESET : (port_index == 1u ? GPIOB_MODER_RESET : 0u);
  uint32_t ospeedr = port_index == 0u ? GPIOA_OSPEEDR_RESET : (port_index == 1u ? GPIOB_OSPEEDR_RESET : 0u);
  uint32_t pupdr = port_index == 0u ? GPIOA_PUPDR_RESET : (port_index == 1u ? GPIOB_PUPDR_RESET : 0u);
  /* The mode first: an alternate-function output stops driving before anything else changes. */
  gpio_set_field2(GPIO_MODER(base), pin, gpio_reset_field(moder, 2u * pin, 0x3u));
  REG_WRITE32(GPIO_OTYPER(base), REG_READ32(GPIO_OTYPER(base)) & ~(1u << pin));
  gpio_set_field2(GPIO_OSPEEDR(base), pin, gpio_reset_field(ospeedr, 2u * pin, 0x3u));
  gpio_set_field2(GPIO_PUPDR(base), pin, gpio_reset_field(pupdr, 2u * pin, 0x3u));
  uint32_t afr = pin < 8u ? GPIO_AFRL(base) : GPIO_AFRH(base);
  REG_WRITE32(afr, REG_READ32(afr) & ~(0xFu << (4u * (pin & 7u))));
}

void hal_gpio_clock_off(uint32_t port_index) {
  if (port_index >= GPIO_PORT_COUNT) {
    return;
  }
  REG_WRITE32(RCC_AHB1ENR, REG_READ32(RCC_AHB1ENR) & ~(RCC_AHB1ENR_GPIOAEN << port_index));
}
