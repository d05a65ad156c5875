/*
 * The @extern bindings of hal-bindings/{board,flash,uart,system}.ts as C prototypes: what the portable
 * bootloader calls. Each family's port (hal-bindings/<family>/port/) and the host simulation
 * (hal-bindings/host/) implement them; the build includes this header into the generated C as well, so a
 * binding whose TypeScript signature and C implementation disagree does not compile.
 */
#ifndef TSBOOT_PORT_H
#define TSBOOT_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "tsboot_rt.h"

uint32_t board_sector_count(void);
uint32_t board_sector_start(uint32_t index);
uint32_t board_sector_size(uint32_t index);
uint32_t board_sector_number(uint32_t index);
uint32_t board_app_start(void);
uint32_t board_app_size(void);
uint32_t board_config_start(void);
uint32_t board_config_size(void);
uint32_t board_config_halves(void);
uint32_t board_ram_region_count(void);
uint32_t board_ram_region_start(uint32_t index);
uint32_t board_ram_region_size(uint32_t index);
uint32_t board_write_unit(void);
uint32_t board_id(void);
uint32_t board_product_id(void);
uint32_t board_listen_window_ms(void);
uint32_t board_session_idle_ms(void);
uint32_t board_watchdog_ms(void);
bool board_protect_bootloader(void);
uint32_t board_secondary_start(void);
uint32_t board_secondary_size(void);
uint32_t board_scratch_start(void);
uint32_t board_scratch_size(void);
uint32_t board_trial_watchdog_ms(void);

uint32_t hal_flash_unlock(void);
void hal_flash_lock(void);
uint32_t hal_flash_erase(uint32_t index);
uint32_t hal_flash_program(uint32_t address, tsb_view_u8 data);
tsb_view_u8 hal_flash_view(uint32_t address, uint32_t length);
bool hal_port_flash_bootloader_protected(void);
uint32_t hal_port_flash_protect_bootloader(bool protect);
bool hal_port_flash_take_ecc_error(void);

void hal_port_uart_init(uint32_t baud, bool evenParity);
void hal_port_uart_rx_start(tsb_view_u8 ring);
uint32_t hal_port_uart_rx_head(void);
int32_t hal_port_uart_read(void);
void hal_port_uart_write(uint8_t value);
void hal_port_uart_flush(void);
uint32_t hal_port_uart_take_errors(void);
void hal_port_uart_deinit(void);

uint32_t hal_port_clock_init(void);
void hal_port_clock_deinit(void);
void hal_port_tick_init(void);
void hal_port_tick_deinit(void);
uint32_t hal_port_millis(void);
bool hal_port_trigger_active(void);
uint32_t hal_port_update_flag_read(void);
void hal_port_update_flag_clear(void);
_Noreturn void hal_port_system_reset(void);
bool hal_port_watchdog_hardware(void);
void hal_port_watchdog_start(uint32_t timeoutMs);
void hal_port_watchdog_refresh(void);
uint32_t hal_port_reset_cause(void);
uint32_t hal_port_fault_kind(void);
uint32_t hal_port_fault_detail(void);
void hal_port_vector_table_set(uint32_t address);
void hal_port_cpu_quiesce(void);
void hal_port_trial_publish(uint32_t address, uint32_t id);

#endif /* TSBOOT_PORT_H */
