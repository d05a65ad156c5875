/* ACME's bindings on the board (src/service-jumper.ts): the jumper pin from the board file's product
 * section (tsboot_product.h), read with tsboot's GPIO driver; the update request through the no-init word. */
#include <stdbool.h>
#include <stdint.h>

#include "tsboot_board.h"
#include "tsboot_hal.h"
#include "tsboot_product.h"

bool acme_service_jumper_fitted(void);
void acme_request_update_mode(void);

bool acme_service_jumper_fitted(void) {
  const uint32_t port = (uint32_t)(PRODUCT_SERVICE_JUMPER_PORT[0] - 'A');
  hal_gpio_input_init(port, PRODUCT_SERVICE_JUMPER_PIN, HAL_GPIO_PULL_UP);
  /* The pull-up needs a moment to charge the pin before the first read. */
  for (volatile uint32_t settle = 0u; settle < 100u; settle++) {
  }
  const bool high = hal_gpio_read(port, PRODUCT_SERVICE_JUMPER_PIN);
  return high == (PRODUCT_SERVICE_JUMPER_ACTIVE_LEVEL[0] == 'h');
}

void acme_request_update_mode(void) {
  *(volatile uint32_t *)(uintptr_t)BOARD_UPDATE_FLAG_ADDR = BOARD_UPDATE_REQUEST_MAGIC;
}
