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

/* A pin's settings, one field per register, in the order of GPIO_FIELDS: mode, output type, speed, pull, AF.
 * Each field's width per pin; AFR's 4 bits per pin run over two registers, AFRL then AFRH, so that for every
 * field the pin's bits sit at (width * pin) bits from the first register. */
static const struct {
  uint8_t offset;
  uint8_t width;
} GPIO_FIELDS[] = {{0x00u, 2u}, {0x04u, 1u}, {0x08u, 2u}, {0x0Cu, 2u}, {0x20u, 4u}};
/* The fields to write and their order: GPIO_FIELDS indices, a nibble each, the lowest first, up to the 0xF
 * that ends the list. The mode first, so an alternate-function output stops driving before anything else
 * changes; or the mode last (and the function first), for a pin that goes to an alternate function, so it
 * never drives whatever AF0 is on the way. */
#define GPIO_ORDER_MODE_FIRST 0xF43210u /* mode, output type, speed, pull, AF */
#define GPIO_ORDER_MODE_LAST 0xF01234u  /* AF, pull, speed, output type, mode */
#define GPIO_ORDER_PULL_MODE 0xF03u     /* pull, then mode */
#define GPIO_ORDER_END 0xFu
/* The values, a nibble per field in the order of GPIO_FIELDS. */
#define GPIO_SETTINGS(mode, otype, speed, pull, af) \
  ((mode) | ((otype) << 4) | ((speed) << 8) | ((pull) << 12) | ((af) << 16))

/* Writes the fields of one pin that `order` lists, in that order. */
static void gpio_pin_setup(uint32_t port_index, uint32_t pin, uint32_t order, uint32_t settings) {
  gpio_clock_on(port_index); /* a gated port ignores writes */
  uint32_t base = GPIO_PORT_BASE(port_index);
  for (; order != GPIO_ORDER_END; order >>= 4) {
    uint32_t f = order & 0xFu;
    uint32_t at = GPIO_FIELDS[f].width * pin;
    uint32_t addr = base + GPIO_FIELDS[f].offset + 4u * (at >> 5);
    uint32_t mask = ((1u << GPIO_FIELDS[f].width) - 1u) << (at & 31u);
    uint32_t value = ((settings >> (4u * f)) << (at & 31u)) & mask;
    REG_WRITE32(addr, (REG_READ32(addr) & ~mask) | value);
  }
}

void hal_gpio_input_init(uint32_t port_index, uint32_t pin, uint32_t pull) {
  if (!gpio_valid(port_index, pin) || pull > HAL_GPIO_PULL_DOWN) {
    return;
  }
  /* PUPDR codes are the HAL_GPIO_PULL_* values. The pull first, then the mode. */
  gpio_pin_setup(port_index, pin, GPIO_ORDER_PULL_MODE, GPIO_SETTINGS(GPIO_MODE_INPUT, 0u, 0u, pull, 0u));
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
  /* Push-pull; medium speed: plenty for 115200 baud, gentle edges. Pull-up: an unconnected RX idles high
   * (mark) instead of floating into framing errors. */
  gpio_pin_setup(port_index, pin, GPIO_ORDER_MODE_LAST, GPIO_SETTINGS(GPIO_MODE_AF, 0u, 1u, GPIO_PUPD_PULLUP, af));
}

/* The reset value of one pin's 2-bit field in a register whose reset value is `port_reset` (RM0090 8.4). */
static uint32_t gpio_reset_field(uint32_t port_reset, uint32_t pin) { return (port_reset >> (2u * pin)) & 0x3u; }

/* Inlined into every caller (tsboot_hal.h's declaration keeps this an external definition as well): the port
 * resets the board's pins, constants, and their reset values then fold to a single setup call. */
__attribute__((always_inline)) inline void hal_gpio_pin_reset(uint32_t port_index, uint32_t pin) {
  if (!gpio_valid(port_index, pin)) {
    return;
  }
  uint32_t moder = port_index == 0u ? GPIOA_MODER_RESET : (port_index == 1u ? GPIOB_MODER_RESET : 0u);
  uint32_t ospeedr = port_index == 0u ? GPIOA_OSPEEDR_RESET : (port_index == 1u ? GPIOB_OSPEEDR_RESET : 0u);
  uint32_t pupdr = port_index == 0u ? GPIOA_PUPDR_RESET : (port_index == 1u ? GPIOB_PUPDR_RESET : 0u);
  /* Push-pull and AF0 are every pin's reset values (AF0 is the debug pins' SWD/JTAG too). */
  uint32_t settings = GPIO_SETTINGS(gpio_reset_field(moder, pin), 0u, gpio_reset_field(ospeedr, pin),
                                    gpio_reset_field(pupdr, pin), 0u);
  gpio_pin_setup(port_index, pin, GPIO_ORDER_MODE_FIRST, settings);
}

void hal_gpio_clock_off(uint32_t port_index) {
  if (port_index >= GPIO_PORT_COUNT) {
    return;
  }
  REG_WRITE32(RCC_AHB1ENR, REG_READ32(RCC_AHB1ENR) & ~(RCC_AHB1ENR_GPIOAEN << port_index));
}
