/*
 * The port (hal-bindings/port/tsboot_port.c) over the STM32F4 drivers and the register model, built with the
 * board header and tables generated for nucleo-f411re (boards/board-c.ts): the last line of defence of the
 * flash map, reception, the launch's clean-up, faults and resets, as the bootloader sees them.
 */
#include "tsboot_board.h"
#include "tsboot_hal.h"
#include "tsboot_port.h"

#include "harness.h"

#include <string.h>

#define A_FLASH_CR 0x40023C10u
#define A_RCC_AHB1ENR 0x40023830u
#define A_RCC_APB1ENR 0x40023840u
#define A_GPIOA 0x40020000u
#define A_GPIOB 0x40020400u
#define A_GPIOC 0x40020800u
#define A_USART2 0x40004400u
#define A_DMA1 0x40026000u

static tsb_view_u8 view(uint8_t *bytes, uint32_t length) {
  tsb_view_u8 v = {bytes, length};
  return v;
}

static uint8_t g_ring[256];

/* ---- the last line of defence (issue 9, defect 6) ---- */

CASE(port_refuses_to_erase_the_bootloader) {
  setup(F4_PART_F411XE);
  CHECK_EQ(BOARD_BOOTLOADER_START, 0x08000000u);
  CHECK_EQ(BOARD_BOOTLOADER_SIZE, 0x4000u);
  f4_model_flash_poke(0x08000000u, 0x20020000u);
  CHECK_EQ(hal_flash_unlock(), HAL_OK); /* even with the controller unlocked by the caller */
  uint32_t cr_writes = writes_to(A_FLASH_CR);
  CHECK_EQ(hal_flash_erase(0), HAL_ERR_PROTECTED);
  CHECK_EQ(writes_to(A_FLASH_CR), cr_writes); /* no erase was even started */
  CHECK_EQ(f4_model_flash_word(0x08000000u), 0x20020000u);
  hal_flash_lock();
  CHECK_EQ(hal_flash_erase(1), HAL_OK); /* the config region */
  CHECK_EQ(hal_flash_erase(2), HAL_OK); /* the application region */
  CHECK_EQ(hal_flash_erase(8), HAL_ERR_ARG); /* no such unit in the map: refused, no trap */
  CHECK_EQ(f4_model_stats()->flash_erases, 2);
}

CASE(port_refuses_to_program_the_bootloader) {
  setup(F4_PART_F411XE);
  uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  CHECK_EQ(hal_flash_program(0x08000000u, view(data, 4)), HAL_ERR_PROTECTED);
  CHECK_EQ(hal_flash_program(0x08003FFCu, view(data, 8)), HAL_ERR_PROTECTED); /* ends in the config region */
  CHECK_EQ(hal_flash_program(0x08080000u, view(data, 4)), HAL_ERR_PROTECTED); /* past the end of flash */
  CHECK_EQ(hal_flash_program(0x1FFFC000u, view(data, 4)), HAL_ERR_PROTECTED); /* the option bytes */
  CHECK_EQ(hal_flash_program(0xFFFFFFFCu, view(data, 8)), HAL_ERR_PROTECTED); /* wraps around */
  CHECK_EQ(f4_model_stats()->flash_programs, 0);
  CHECK_EQ(f4_model_flash_word(0x08000000u), 0xFFFFFFFFu);
  CHECK_EQ(hal_flash_program(0x08008002u, view(data, 4)), HAL_ERR_ARG); /* not on a write unit */
  CHECK_EQ(hal_flash_program(0x08008000u, view(data, 3)), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_program(0x08004000u, view(data, 8)), HAL_OK); /* config */
  CHECK_EQ(hal_flash_program(0x08008000u, view(data, 8)), HAL_OK); /* application */
  CHECK_EQ(hal_flash_program(0x0807FFFCu, view(data, 4)), HAL_OK); /* the last word */
  CHECK_EQ(f4_model_flash_word(0x08008004u), 0x08070605u);
  CHECK_EQ(f4_model_stats()->flash_programs, 5);
  CHECK(f4_model_flash_locked());
}

CASE(port_protects_the_bootloader_units) {
  setup(F4_PART_F411XE);
  CHECK(!hal_port_flash_bootloader_protected());
  CHECK_EQ(hal_port_flash_protect_bootloader(true), HAL_OK);
  CHECK(hal_port_flash_bootloader_protected());
  CHECK_EQ((f4_model_options() >> 16) & 0xFFFu, 0xFFEu); /* sector 0 alone */
  CHECK_EQ(hal_port_flash_protect_bootloader(false), HAL_OK);
  CHECK(!hal_port_flash_bootloader_protected());
  CHECK_EQ((f4_model_options() >> 16) & 0xFFFu, 0xFFFu);
}

/* ---- reception ---- */

CASE(port_reception_by_dma) {
  setup(F4_PART_F411XE);
  f4_model_dma_memory(g_ring, sizeof g_ring);
  hal_port_uart_init(BOARD_BAUD, false);
  hal_port_uart_rx_start(view(g_ring, sizeof g_ring));
  CHECK_EQ(peek(A_DMA1 + 0x10u + 0x18u * 5u) & 1u, 1u); /* DMA1 stream 5 runs */
  for (uint32_t i = 0; i < 300u; i++) {                 /* more than the ring, with no CPU in between */
    CHECK(f4_model_uart_receive(A_USART2, (uint8_t)i, 0));
  }
  CHECK_EQ(hal_port_uart_rx_head(), 300u % sizeof g_ring);
  CHECK_EQ(g_ring[299u % sizeof g_ring], (uint8_t)299u);
  CHECK_EQ(hal_port_uart_read(), -1); /* the ring owns every byte */
  CHECK_EQ(hal_port_uart_take_errors(), 0u);
}

CASE(port_reception_polled_without_dma) {
  setup(F4_PART_F411XE);
  f4_model_dma_absent(true);
  hal_port_uart_init(BOARD_BAUD, false);
  hal_port_uart_rx_start(view(g_ring, sizeof g_ring));
  CHECK(f4_model_uart_receive(A_USART2, 'a', 0));
  CHECK_EQ(hal_port_uart_rx_head(), 1u);
  CHECK(f4_model_uart_receive(A_USART2, 'b', 0));
  CHECK_EQ(hal_port_uart_rx_head(), 2u);
  CHECK_EQ(g_ring[0], 'a');
  CHECK_EQ(g_ring[1], 'b');
  /* What polling cannot do: a stall between two head queries loses characters. */
  CHECK(f4_model_uart_receive(A_USART2, 'c', 0));
  CHECK(!f4_model_uart_receive(A_USART2, 'd', 0));
  CHECK_EQ(hal_port_uart_rx_head(), 3u);
  CHECK_EQ(hal_port_uart_take_errors(), HAL_UART_ERR_ORE);
}

/* ---- the launch leaves nothing behind (issue 9, defect 8) ---- */

CASE(port_launch_leaves_nothing_behind) {
  setup(F4_PART_F411XE);
  f4_model_dma_memory(g_ring, sizeof g_ring);
  f4_model_gpio_drive(2, 13, 1);     /* B1 released: the board's pull-up holds PC13 high */
  CHECK(!hal_port_trigger_active()); /* active low */
  hal_port_uart_init(BOARD_BAUD, false);
  hal_port_uart_rx_start(view(g_ring, sizeof g_ring));
  hal_port_uart_write('!');
  hal_port_uart_deinit();
  uint8_t out[4];
  CHECK_EQ(f4_model_uart_sent(A_USART2, out, sizeof out), 1u); /* sent whole before the USART went */
  CHECK_EQ(peek(A_RCC_APB1ENR) & (1u << 17), 0u);              /* USART2 clock off */
  CHECK_EQ(peek(A_RCC_AHB1ENR) & 0x00600000u, 0u);             /* DMA clocks off */
  CHECK_EQ(peek(A_RCC_AHB1ENR) & 0x5u, 0u);                    /* GPIOA and GPIOC clocks off */
  reg_model_write32(A_RCC_AHB1ENR, 0x5u);
  CHECK_EQ(peek(A_GPIOA + 0x00u), 0xA8000000u); /* PA2/PA3 back to inputs, SWD kept */
  CHECK_EQ(peek(A_GPIOA + 0x0Cu), 0x64000000u); /* no pull-ups left */
  CHECK_EQ(peek(A_GPIOA + 0x20u), 0u);          /* AF0 */
  CHECK_EQ(peek(A_GPIOC + 0x00u), 0u);          /* PC13 */
  CHECK_EQ(peek(A_GPIOC + 0x0Cu), 0u);
}

CASE(port_trigger_pressed) {
  setup(F4_PART_F411XE);
  f4_model_gpio_drive(2, 13, 0); /* B1 held down */
  CHECK(hal_port_trigger_active());
  CHECK_EQ(peek(A_RCC_AHB1ENR) & 0x4u, 0u);
}

/* ---- any pin, for a product's own trigger (hal-bindings/system.ts pinRead) ---- */

CASE(port_pin_read_any_pin_and_put_it_back) {
  setup(F4_PART_F411XE);
  f4_model_gpio_drive(1, 5, -1); /* PB5 released: the pull-up the read asks for holds it high */
  CHECK(hal_port_pin_read(1u, 5u, (int32_t)HAL_GPIO_PULL_UP));
  f4_model_gpio_drive(1, 5, 0); /* a jumper to ground */
  CHECK(!hal_port_pin_read(1u, 5u, (int32_t)HAL_GPIO_PULL_UP));
  CHECK_EQ(peek(A_RCC_AHB1ENR) & 0x2u, 0u); /* GPIOB clock off again */
  reg_model_write32(A_RCC_AHB1ENR, 0x2u);
  CHECK_EQ(peek(A_GPIOB + 0x00u) & (3u << 10), 0u); /* PB5 back to an input */
  CHECK_EQ(peek(A_GPIOB + 0x0Cu), 0x00000100u);     /* its pull-up gone: PUPDR as after reset */
  CHECK(!hal_port_pin_read(11u, 0u, 0));            /* no port L */
  CHECK(!hal_port_pin_read(1u, 16u, 0));            /* no pin 16 */
  CHECK(!hal_port_pin_read(1u, 5u, 3));             /* not a pull: nothing touched */
}

CASE(port_pin_read_leaves_the_uart_alone) {
  setup(F4_PART_F411XE);
  hal_port_uart_init(BOARD_BAUD, false);
  const uint32_t moder = peek(A_GPIOA + 0x00u);
  (void)hal_port_pin_read(0u, 3u, (int32_t)HAL_GPIO_PULL_DOWN); /* PA3, USART2 RX */
  CHECK_EQ(peek(A_GPIOA + 0x00u), moder); /* still its alternate function */
  hal_port_uart_write('!');
  hal_port_uart_flush();
  uint8_t out[2];
  CHECK_EQ(f4_model_uart_sent(A_USART2, out, sizeof out), 1u);
}

/* ---- faults and resets (issue 9, defect 4) ---- */

CASE(port_panic_records_the_line_and_resets) {
  setup(F4_PART_F411XE);
  hal_port_uart_init(BOARD_BAUD, false);
  EXPECT_RESET(tsb_panic(TSB_PANIC_BOUNDS, "bootloader-ts/an3155.ts", 123u, "index out of bounds"));
  uint8_t out[4];
  CHECK_EQ(f4_model_uart_sent(A_USART2, out, sizeof out), 0u); /* nothing written on the line */
  CHECK_EQ(hal_port_fault_kind(), HAL_FAULT_PANIC);
  CHECK_EQ(hal_port_fault_detail(), 123u);
  CHECK_EQ(hal_port_reset_cause() & HAL_RESET_SOFTWARE, HAL_RESET_SOFTWARE);
}

CASE(port_system_reset_records_no_fault) {
  setup(F4_PART_F411XE);
  hal_port_uart_init(BOARD_BAUD, false);
  hal_port_uart_write(0x79);
  EXPECT_RESET(hal_port_system_reset());
  uint8_t out[4];
  CHECK_EQ(f4_model_uart_sent(A_USART2, out, sizeof out), 1u); /* the reply left before the reset */
  CHECK_EQ(hal_port_fault_kind(), HAL_FAULT_NONE);
}

CASE(port_watchdog) {
  setup(F4_PART_F411XE);
  CHECK(!hal_port_watchdog_hardware());
  f4_model_options_set(f4_model_options() & ~0x20u);
  CHECK(hal_port_watchdog_hardware());
  hal_port_watchdog_start(32000u);
  CHECK(f4_model_iwdg_running());
  uint32_t reloads = f4_model_stats()->iwdg_reloads;
  hal_port_watchdog_refresh();
  CHECK_EQ(f4_model_stats()->iwdg_reloads, reloads + 1u);
}

CASE(port_before_the_jump) {
  setup(F4_PART_F411XE);
  f4_model_nvic_set(38, true, true); /* USART2 */
  hal_port_cpu_quiesce();
  CHECK_EQ(f4_model_nvic_enabled_count(), 0u);
  CHECK_EQ(f4_model_nvic_pending_count(), 0u);
  hal_port_vector_table_set(0x08008000u);
  CHECK_EQ(peek(0xE000ED08u), 0x08008000u);
}

static const struct test_case s_cases[] = {
    ENTRY(port_refuses_to_erase_the_bootloader)
    ENTRY(port_refuses_to_program_the_bootloader)
    ENTRY(port_protects_the_bootloader_units)
    ENTRY(port_reception_by_dma)
    ENTRY(port_reception_polled_without_dma)
    ENTRY(port_launch_leaves_nothing_behind)
    ENTRY(port_trigger_pressed)
    ENTRY(port_pin_read_any_pin_and_put_it_back)
    ENTRY(port_pin_read_leaves_the_uart_alone)
    ENTRY(port_panic_records_the_line_and_resets)
    ENTRY(port_system_reset_records_no_fault)
    ENTRY(port_watchdog)
    ENTRY(port_before_the_jump)
};
CASE_TABLE(g_port_cases, s_cases);
