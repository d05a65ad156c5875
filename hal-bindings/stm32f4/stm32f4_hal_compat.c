/*
 * ST HAL flash API over tsboot's drivers (see stm32f4_hal_compat.h).
 *
 * ST's functions leave FLASH_CR unlocked between HAL_FLASH_Unlock and HAL_FLASH_Lock; tsboot's drivers
 * relock after every operation. The difference is invisible to callers: this layer remembers that the
 * caller unlocked and refuses (HAL_ERROR, as a locked controller makes ST's HAL fail with PGSERR) an
 * erase or program that was not preceded by HAL_FLASH_Unlock.
 */
#include "stm32f4_hal_compat.h"

static bool s_unlocked = false;
static bool s_in_progress = false;
static uint32_t s_error = HAL_FLASH_ERROR_NONE;

static uint32_t compat_error_code(uint32_t status) {
  switch (status) {
  case HAL_ERR_WRP:
    return HAL_FLASH_ERROR_WRP;
  case HAL_ERR_PGA:
    return HAL_FLASH_ERROR_PGA;
  case HAL_ERR_PGP:
    return HAL_FLASH_ERROR_PGP;
  case HAL_ERR_PGS:
  case HAL_ERR_LOCKED:
    return HAL_FLASH_ERROR_PGS;
  case HAL_OK:
  case HAL_ERR_TIMEOUT:
    return HAL_FLASH_ERROR_NONE;
  default:
    return HAL_FLASH_ERROR_OPERATION; /* OPERR, bad argument, verify failure */
  }
}

static HAL_StatusTypeDef compat_status(uint32_t status) {
  s_error = compat_error_code(status);
  if (status == HAL_OK) {
    return HAL_OK;
  }
  return status == HAL_ERR_TIMEOUT ? HAL_TIMEOUT : HAL_ERROR;
}

HAL_StatusTypeDef HAL_FLASH_Unlock(void) {
  if (hal_flash_unlock() != HAL_OK) {
    return HAL_ERROR;
  }
  s_unlocked = true;
  return HAL_OK;
}

HAL_StatusTypeDef HAL_FLASH_Lock(void) {
  s_unlocked = false;
  hal_flash_lock();
  return HAL_OK;
}

HAL_StatusTypeDef HAL_FLASHEx_Erase(FLASH_EraseInitTypeDef *pEraseInit, uint32_t *SectorError) {
  if (s_in_progress) {
    return HAL_BUSY;
  }
  if (SectorError != 0) {
    *SectorError = 0xFFFFFFFFU;
  }
  if (pEraseInit == 0 || SectorError == 0 || pEraseInit->TypeErase != FLASH_TYPEERASE_SECTORS ||
      pEraseInit->VoltageRange != FLASH_VOLTAGE_RANGE_3 || pEraseInit->NbSectors == 0U) {
    s_error = HAL_FLASH_ERROR_OPERATION; /* mass erase would take the bootloader with it */
    return HAL_ERROR;
  }
  if (!s_unlocked) {
    s_error = HAL_FLASH_ERROR_PGS;
    return HAL_ERROR;
  }
  s_in_progress = true;
  uint32_t status = HAL_OK;
  for (uint32_t i = 0; i < pEraseInit->NbSectors && status == HAL_OK; i++) {
    /* ST numbers the sectors of bank 2 12..23 (FLASH_SECTOR_12 ...); their SNB is 16..27. */
    uint32_t sector = pEraseInit->Sector + i;
    status = hal_flash_erase_unit(sector < 12U ? sector : sector + 4U);
    if (status != HAL_OK) {
      *SectorError = pEraseInit->Sector + i;
    }
  }
  s_in_progress = false;
  return compat_status(status);
}

HAL_StatusTypeDef HAL_FLASH_Program(uint32_t TypeProgram, uint32_t Address, uint64_t Data) {
  if (s_in_progress) {
    return HAL_BUSY;
  }
  if (TypeProgram != FLASH_TYPEPROGRAM_WORD) {
    s_error = HAL_FLASH_ERROR_OPERATION;
    return HAL_ERROR;
  }
  if (!s_unlocked) {
    s_error = HAL_FLASH_ERROR_PGS;
    return HAL_ERROR;
  }
  s_in_progress = true;
  const uint8_t word[4] = {(uint8_t)Data, (uint8_t)(Data >> 8), (uint8_t)(Data >> 16), (uint8_t)(Data >> 24)};
  uint32_t status = hal_flash_program_unit(Address, word);
  s_in_progress = false;
  return compat_status(status);
}

uint32_t HAL_FLASH_GetError(void) { return s_error; }
