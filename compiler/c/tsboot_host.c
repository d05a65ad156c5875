/*
 * The host platform for compiled subset programs: print to stdout, and a panic that a test driver can
 * catch. A driver that sets tsb_host_panic_target gets a longjmp back (after "PANIC ..." is printed);
 * otherwise the process exits with status 70.
 */
#include "tsboot_rt.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

jmp_buf *tsb_host_panic_target = NULL;

void tsb_print(const char *text) { fputs(text, stdout); }

void tsb_print_n(const char *text, uint32_t length) { fwrite(text, 1, length, stdout); }

void tsb_print_int(int64_t value) { printf("%" PRId64, value); }

_Noreturn void tsb_panic(uint32_t kind, const char *file, uint32_t line, const char *message) {
  printf("PANIC %" PRIu32 " %s:%" PRIu32 " %s\n", kind, file, line, message);
  fflush(stdout);
  if (tsb_host_panic_target != NULL) {
    longjmp(*tsb_host_panic_target, 1);
  }
  exit(70);
}
