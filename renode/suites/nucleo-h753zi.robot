*** Comments ***
tsboot on ST NUCLEO-H753ZI in Renode (STM32H7, issue 13): renode-test renode/suites/nucleo-h753zi.robot
(build first: node bin/run-ts.mjs renode/family-artifacts.ts). Trigger button: B1 on PC13, active high.
The flash is Renode's STM32H7_FlashController over two 1 MB banks (docs/renode.md, "STM32H7").

*** Settings ***
Resource          ${CURDIR}/tsboot-families.resource
Test Teardown     Family Test Teardown

*** Variables ***
${BOARD}          nucleo-h753zi
${ARTIFACTS}      ${CURDIR}/../../build/renode/nucleo-h753zi
${BUTTON}         sysbus.gpioPortC.UserButton1
${UART}           sysbus.usart3
${MACHINE_SCRIPT}    tsboot-machine-stm32h7.resc
# Bank 1 (0x08000000, 1 MB) holds the bootloader, the config sector and the start of the application.
${FLASH_MEMORY}   sysbus.flashBank1

*** Test Cases ***
A Valid Application Boots
    Family Valid Application Boots

The UART Trigger Then An Update Starts The New Application
    Family UART Trigger Then Update Starts The New Application

Holding The Button Then An Update That Survives A Reset
    Family Held Button Then Update Survives A Reset

The Application Requests An Update
    Family Application Requests An Update

A Corrupted Installed Image Is Refused And The Device Recovers
    Family Corrupted Installed Image Is Refused And The Device Recovers

A Damaged Update Is Refused And The Device Recovers
    Family Damaged Update Is Refused And The Device Recovers

A Power Cut During An Update Then Recovery
    Family Power Cut During An Update Then Recovery
