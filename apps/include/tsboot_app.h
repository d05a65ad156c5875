/*
 * For applications started by tsboot: ask the bootloader for an update. The application writes the
 * update-request word (the 16 no-init bytes at the top of RAM, which boards/linker.ts keeps out of both
 * images and exports as __tsboot_update_flag) and resets; the bootloader sees it, clears it and stays in
 * update mode. The TypeScript equivalent is bootloader-ts/app/request-update.ts.
 */
#ifndef TSBOOT_APP_H
#define TSBOOT_APP_H

#include <stdint.h>

#define TSBOOT_UPDATE_REQUEST_MAGIC 0x55425354u /* "TSBU" */

extern uint32_t __tsboot_update_flag; /* defined by the generated application linker script */

static inline _Noreturn void tsboot_request_update(void) {
  *(volatile uint32_t *)&__tsboot_update_flag = TSBOOT_UPDATE_REQUEST_MAGIC;
  __asm volatile("dsb 0xF" ::: "memory");
  *(volatile uint32_t *)0xE000ED0Cu = 0x05FA0004u; /* SCB AIRCR: VECTKEY | SYSRESETREQ */
  __asm volatile("dsb 0xF" ::: "memory");
  for (;;) {
  }
}

#endif /* TSBOOT_APP_H */
