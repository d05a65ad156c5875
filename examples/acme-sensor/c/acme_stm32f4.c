/* ACME's bindings on the board (src/unique-id.ts). The STM32F4's 96-bit unique ID is at 0x1FFF7A10
 * (RM0383 §24.2, read-only system memory). */
#include <stdint.h>

#include "tsboot_port.h"

#define ACME_UID_ADDRESS 0x1FFF7A10u
#define ACME_UID_SIZE 12u

void acme_unique_id(tsb_view_u8 out) {
  const volatile uint8_t *uid = (const volatile uint8_t *)(uintptr_t)ACME_UID_ADDRESS;
  for (uint32_t i = 0u; i < out.len && i < ACME_UID_SIZE; i++) {
    out.ptr[i] = uid[i];
  }
}
