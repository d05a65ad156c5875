/* STM32H7 GPIO: the trigger input and the UART pins' alternate functions (RM0433 11). Ports A..K on AHB4. */
#include "stm32h7_regs.h"
#include "tsboot_hal.h"

static bool gpio_valid(uint32_t port_index, uint32_t pin) { return port_index < GPIO_PORT_COUNT && pin < 16u; }

static void gpio_clock_on(uint32_t port_index) {
  uint32_t bit = RCC_AHB4ENR_GPIOAEN << port_index;
  uint32_t enr = REG_READ32(RCC_AHB4ENR);
  if ((enr & bit) == 0u) {
    REG_WRITE32(RCC_AHB4ENR, enr | bit);
    (void)REG_READ32(RCC_AHB4ENR); /* let the clock enable land before the first port access */
  }
}

static bool gpio_clocked(uint32_t port_index) {
  return (REG_READ32(RCC_AHB4ENR) & (RCC_AHB4ENR_GPIOAEN << port_index)) != 0u;
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
  gpio_clock_on(port_index);
  uint32_t base = GPIO_PORT_BASE(port_index);
  gpio_set_field(GPIO_PUPDR(base), pin, 2u, pull); /* PUPDR codes are the HAL_GPIO_PULL_* values */
  gpio_set_field(GPIO_MODER(base), pin, 2u, GPIO_MODE_INPUT);
}

bool hal_gpio_read(uint32_t port_index, uint32_t pin) {
  if (!gpio_valid(port_index, pin) || !gpio_clocked(port_index)) {
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
  /* The function first, then the mode: the pin never drives whatever AF0 is on the way. */
  gpio_set_field(pin < 8u ? GPIO_AFRL(base) : GPIO_AFRH(base), pin & 7u, 4u, af);
  gpio_set_field(GPIO_OTYPER(base), pin, 1u, 0u);        /* push-pull */
  gpio_set_field(GPIO_OSPEEDR(base), pin, 2u, 1u);       /* medium: plenty for 115200 baud */
  /* Pull-up: an unconnected RX idles high (mark) instead of floating into framing errors. */
  gpio_set_field(GPIO_PUPDR(base), pin, 2u, GPIO_PUPD_PULLUP);
  gpio_set_field(GPIO_MODER(base), pin, 2u, GPIO_MODE_AF);
}

/* The pin's reset configuration (RM0433 11.4): analog mode, no pull, low speed, AF0 - except PA13/14/15
 * and PB3/PB4, which reset to the debug port's alternate function with their own speed and pull. */
void hal_gpio_pin_reset(uint32_t port_index, uint32_t pin) {
  if (!gpio_valid(port_index, pin) || !gpio_clocked(port_index)) {
    return;
  }
  uint32_t moder = port_index == 0u ? GPIOA_MODER_RESET : (port_index == 1u ? GPIOB_MODER_RESET : GPIO_MODER_RESET);
  uint32_t ospeedr = port_index == 0u ? GPIOA_OSPEEDR_RESET : (port_index == 1u ? GPIOB_OSPEEDR_RESET : 0u);
  uint32_t pupdr = port_index == 0u ? GPIOA_PUPDR_RESET : (port_index == 1u ? GPIOB_PUPDR_RESET : 0u);
  uint32_t base = GPIO_PORT_BASE(port_index);
  uint32_t two = 2u * pin;
  /* Mode first (analog: the output driver and the AF are disconnected), then the rest. */
  gpio_set_field(GPIO_MODER(base), pin, 2u, (moder >> two) & 3u);
  gpio_set_field(GPIO_OTYPER(base), pin, 1u, 0u);
  gpio_set_field(GPIO_OSPEEDR(base), pin, 2u, (ospeedr >> two) & 3u);
  gpio_set_field(GPIO_PUPDR(base), pin, 2u, (pupdr >> two) & 3u);
  gpio_set_field(pin < 8u ? GPIO_AFRL(base) : GPIO_AFRH(base), pin & 7u, 4u, 0u);
  REG_WRITE32(GPIO_BSRR(base), 1u << (pin + 16u)); /* ODR bit back to 0 */
}

void hal_gpio_clock_off(uint32_t port_index) {
  if (port_index >= GPIO_PORT_COUNT) {
    return;
  }
  REG_WRITE32(RCC_AHB4ENR, REG_READ32(RCC_AHB4ENR) & ~(RCC_AHB4ENR_GPIOAEN << port_index));
}
