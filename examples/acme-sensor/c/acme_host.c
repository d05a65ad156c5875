/* ACME's bindings in tsboot's host simulation (src/unique-id.ts): the simulated part's unique ID, the same
 * as the Node simulation's SIMULATED_UNIQUE_ID. */
#include <stdint.h>

#include "tsboot_port.h"

static const uint8_t SIMULATED_UNIQUE_ID[12] = {'A', 'C', 'M', 'E', '-', 'S', 'I', 'M', '-', '0', '0', '1'};

void acme_unique_id(tsb_view_u8 out) {
  for (uint32_t i = 0u; i < out.len && i < sizeof SIMULATED_UNIQUE_ID; i++) {
    out.ptr[i] = SIMULATED_UNIQUE_ID[i];
  }
}
