/* ACME's bindings in tsboot's host simulation (tsboot sim --c c/service_jumper_host.c). The jumper is the
 * environment variable ACME_SERVICE_JUMPER=1 until the host simulation has pin state of its own; then it
 * is `tsboot sim --pin PB5=0`. The update request is the simulated no-init word. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "sim.h"

bool acme_service_jumper_fitted(void);
void acme_request_update_mode(void);

bool acme_service_jumper_fitted(void) {
  const char *v = getenv("ACME_SERVICE_JUMPER");
  return v != NULL && v[0] == '1';
}

void acme_request_update_mode(void) { sim.shared->update_flag = 0x55425354u; /* "TSBU" */ }
