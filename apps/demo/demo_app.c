/*
 * The demo application: prints a banner with its version on the board's UART, echoes what it receives,
 * and on 'u' asks tsboot for an update (sets the update-request flag and resets). Tests see from the
 * banner which application runs. Built per board by host/build/app-build.ts (APP_VERSION, tsboot_board.h).
 */
#include "tsboot_app.h"
#include "tsboot_board.h"
#include "tsboot_hal.h"

static void put(const char *s) {
  while (*s != '\0') hal_uart_write_byte((uint8_t)*s++);
}

int main(void) {
  (void)hal_clock_init(BOARD_HSE_HZ, BOARD_SYSCLK_HZ);
  hal_gpio_af_init(BOARD_UART_TX_PORT, BOARD_UART_TX_PIN, BOARD_UART_TX_AF);
  hal_gpio_af_init(BOARD_UART_RX_PORT, BOARD_UART_RX_PIN, BOARD_UART_RX_AF);
  hal_uart_init(BOARD_UART_BASE, hal_clock_pclk_hz(BOARD_UART_BASE), BOARD_BAUD, false);
  put("demo-app " APP_VERSION " on " BOARD_NAME "\r\n");
  for (;;) {
    int32_t c = hal_uart_read_byte();
    if (c < 0) continue;
    if (c == 'u') {
      put("demo-app: update requested\r\n");
      hal_uart_flush();
      tsboot_request_update();
    }
    hal_uart_write_byte((uint8_t)c);
  }
}
