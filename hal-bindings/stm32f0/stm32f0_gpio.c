/* STM32F0 GPIO (RM0091 "General-purpose I/Os"): the trigger input, the UART pins' alternate functions, and
 * putting pins and port clocks back to their reset state before the jump. Ports 0 = A ... 5 = F, on AHB2. */
#include "stm32f0_regs.h"
#include "tsboot_hal.h"

static bool gpio_valid(uint32_t port_index, uint32_t pin) { return port_index < GPIO_PORT_COUNT && pin < 16u; }

static void gpio_clock_on(uint32_t port_index) {
  uint32_t bit = RCC_AHBENR_GPIOAEN << port_index;
  uint32_t enr = REG_READ32(RCC_AHBENR);
  if ((enr & bit) == 0u) {
    REG_WRITE32(RCC_AHBENR, enr | bit);
    (void)REG_READ32(RCC_AHBENR); /* let the clock enable land before the first port access */
  }
}

/* Replaces the 2-bit field of `pin` in the register at addr. */
static void gpio_set_field2(uint32_t addr, uint32_t pin, uint32_t value) {
  uint32_t shift = 2u * pin;
  REG_WRITE32(addr, (REG_READ32(addr) & ~(0x3u << shift)) | ((value & 0x3u) << shift));
}

static void gpio_set_af(uint32_t base, uint32_t pin, uint32_t af) {
  uint32_t afr = pin < 8u ? GPIO_AFRL(base) : GPIO_AFRH(base);
  uint32_t shift = 4u * (pin & 7u);
  REG_WRITE32(afr, (REG_READ32(afr) & ~(0xFu << shift)) | (af << shift));
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
  if (!gpio_valid(port_index, pin) || af > 7u) { /* AF0..AF7 on the F0 */
    return;
  }
  gpio_clock_on(port_index);
  uint32_t base = GPIO_PORT_BASE(port_index);
  /* The function first, then the mode: the pin never drives whatever AF0 is on the way. */
  gpio_set_af(base, pin, af);
  REG_WRITE32(GPIO_OTYPER(base), REG_READ32(GPIO_OTYPER(base)) & ~(1u << pin)); /* push-pull */
  gpio_set_field2(GPIO_OSPEEDR(base), pin, GPIO_OSPEED_MEDIUM); /* plenty for 115200 baud, gentle edges */
  /* Pull-up: an unconnected RX idles high (mark) instead of floating into framing errors. */
  gpio_set_field2(GPIO_PUPDR(base), pin, GPIO_PUPD_PULLUP);
  gpio_set_field2(GPIO_MODER(base), pin, GPIO_MODE_AF);
}

/* The pin's reset-value field of a port A register (PA13/PA14 keep SWD), 0 on the other ports. */
static uint32_t gpio_reset_field(uint32_t port_index, uint32_t porta_reset, uint32_t pin) {
  return port_index == 0u ? (porta_reset >> (2u * pin)) & 0x3u : 0u;
}

void hal_gpio_pin_reset(uint32_t port_index, uint32_t pin) {
  if (!gpio_valid(port_index, pin)) {
    return;
  }
  gpio_clock_on(port_index);
  uint32_t base = GPIO_PORT_BASE(port_index);
  /* The mode first: an output or AF pin stops driving before its other settings change. */
  gpio_set_field2(GPIO_MODER(base), pin, gpio_reset_field(port_index, GPIOA_MODER_RESET, pin));
  REG_WRITE32(GPIO_OTYPER(base), REG_READ32(GPIO_OTYPER(base)) & ~(1u << pin));
  gpio_set_field2(GPIO_OSPEEDR(base), pin, gpio_reset_field(port_index, GPIOA_OSPEEDR_RESET, pin));
  gpio_set_field2(GPIO_PUPDR(base), pin, gpio_reset_field(port_index, GPIOA_PUPDR_RESET, pin));
  gpio_set_af(base, pin, 0u);
}

void hal_gpio_clock_off(uint32_t port_index) {
  if (port_index >= GPIO_PORT_COUNT) {
    return;
  }
  uint32_t bit = RCC_AHBENR_GPIOAEN << port_index;
  uint32_t enr = REG_READ32(RCC_AHBENR);
  if ((enr & bit) != 0u) {
    REG_WRITE32(RCC_AHBENR, enr & ~bit);
  }
}
