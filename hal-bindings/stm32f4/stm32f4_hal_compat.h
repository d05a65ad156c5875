/*
 * ST HAL compatibility: the flash functions of STM32CubeF4's stm32f4xx_hal_flash(_ex).h, with ST's names,
 * types and constants, implemented over tsboot's drivers. Code written against ST's HAL for flash
 * programming builds against this unchanged as long as it keeps to what is supported:
 *   erase by sector (not mass erase), VoltageRange FLASH_VOLTAGE_RANGE_3 (x32), program by word.
 * Anything else returns HAL_ERROR with HAL_FLASH_GetError() = HAL_FLASH_ERROR_OPERATION.
 *
 * Include this before tsboot_hal.h (it includes it): both headers name a status HAL_OK, and this one owns
 * it here, as ST's stm32f4xx_hal_def.h does when linking the real HAL (docs/hal-stm32f4.md).
 */
#ifndef STM32F4_HAL_COMPAT_H
#define STM32F4_HAL_COMPAT_H

#if defined(TSBOOT_HAL_H) && !defined(TSBOOT_HAL_OK_FROM_ST)
#error "include stm32f4_hal_compat.h before tsboot_hal.h: both define HAL_OK (= 0)"
#endif

#include <stdint.h>

typedef enum { HAL_OK = 0x00U, HAL_ERROR = 0x01U, HAL_BUSY = 0x02U, HAL_TIMEOUT = 0x03U } HAL_StatusTypeDef;

#define TSBOOT_HAL_OK_FROM_ST 1
#include "tsboot_hal.h"

typedef struct {
  uint32_t TypeErase;    /* FLASH_TYPEERASE_SECTORS or FLASH_TYPEERASE_MASSERASE */
  uint32_t Banks;        /* FLASH_BANK_1 (used for mass erase only) */
  uint32_t Sector;       /* first sector */
  uint32_t NbSectors;    /* how many */
  uint32_t VoltageRange; /* FLASH_VOLTAGE_RANGE_x: selects the parallelism */
} FLASH_EraseInitTypeDef;

#define FLASH_TYPEERASE_SECTORS 0x00000000U
#define FLASH_TYPEERASE_MASSERASE 0x00000001U
#define FLASH_BANK_1 1U
#define FLASH_BANK_2 2U
#define FLASH_BANK_BOTH (FLASH_BANK_1 | FLASH_BANK_2)
#define FLASH_VOLTAGE_RANGE_1 0x00000000U /* 1.8-2.1 V: x8 */
#define FLASH_VOLTAGE_RANGE_2 0x00000001U /* 2.1-2.7 V: x16 */
#define FLASH_VOLTAGE_RANGE_3 0x00000002U /* 2.7-3.6 V: x32 (the only one supported here) */
#define FLASH_VOLTAGE_RANGE_4 0x00000003U /* 2.7-3.6 V + VPP: x64 */
#define FLASH_TYPEPROGRAM_BYTE 0x00000000U
#define FLASH_TYPEPROGRAM_HALFWORD 0x00000001U
#define FLASH_TYPEPROGRAM_WORD 0x00000002U /* the only one supported here */
#define FLASH_TYPEPROGRAM_DOUBLEWORD 0x00000003U

#define HAL_FLASH_ERROR_NONE 0x00000000U
#define HAL_FLASH_ERROR_RD 0x00000001U
#define HAL_FLASH_ERROR_PGS 0x00000002U
#define HAL_FLASH_ERROR_PGP 0x00000004U
#define HAL_FLASH_ERROR_PGA 0x00000008U
#define HAL_FLASH_ERROR_WRP 0x00000010U
#define HAL_FLASH_ERROR_OPERATION 0x00000020U

HAL_StatusTypeDef HAL_FLASH_Unlock(void);
HAL_StatusTypeDef HAL_FLASH_Lock(void);
/* *SectorError = 0xFFFFFFFF when every sector erased, else the sector that failed. */
HAL_StatusTypeDef HAL_FLASHEx_Erase(FLASH_EraseInitTypeDef *pEraseInit, uint32_t *SectorError);
HAL_StatusTypeDef HAL_FLASH_Program(uint32_t TypeProgram, uint32_t Address, uint64_t Data);
uint32_t HAL_FLASH_GetError(void);

#endif /* STM32F4_HAL_COMPAT_H */
