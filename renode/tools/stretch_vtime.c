/*
 * An LD_PRELOAD shim for the stm32flash scenarios (renode/suites/Stm32flash.py, test/renode/stm32flash.ts):
 * multiplies the termios read timeout (VTIME) a program sets by TSBOOT_VTIME_FACTOR (at most 25.5 s).
 *
 * Why: stm32flash waits at most 0.5 s of real time for each reply byte (VTIME 5, kept by the kernel), and
 * Renode on a loaded machine runs the bootloader at 1/50-1/100 of real time, so a reply that takes a few
 * milliseconds on silicon takes longer than that. libfaketime stretches stm32flash's own clock to the
 * emulator's pace; this stretches the kernel's wait the same way. Built with the host's cc at test time.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <termios.h>

int tcsetattr(int fd, int action, const struct termios *t) {
  static int (*real)(int, int, const struct termios *);
  if (real == NULL) real = (int (*)(int, int, const struct termios *))dlsym(RTLD_NEXT, "tcsetattr");
  const char *factor = getenv("TSBOOT_VTIME_FACTOR");
  if (t == NULL || factor == NULL || t->c_cc[VTIME] == 0) return real(fd, action, t);
  struct termios stretched = *t;
  double v = t->c_cc[VTIME] * atof(factor);
  stretched.c_cc[VTIME] = (cc_t)(v > 255 ? 255 : v < 1 ? 1 : v);
  return real(fd, action, &stretched);
}
