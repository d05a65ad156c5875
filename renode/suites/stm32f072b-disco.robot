*** Comments ***
tsboot on ST 32F072BDISCOVERY in Renode (STM32F0, Cortex-M0, issue 13): renode-test renode/suites/stm32f072b-disco.robot
(build first: node bin/run-ts.mjs renode/family-artifacts.ts). Trigger button: B1 on PA0, active high.
The flash interface, the SYSCFG remap and RCC are tsboot's models (docs/renode.md, "STM32F0").

*** Settings ***
Resource          ${CURDIR}/tsboot-families.resource
Test Teardown     Family Test Teardown

*** Variables ***
${BOARD}          stm32f072b-disco
${ARTIFACTS}      ${CURDIR}/../../build/renode/stm32f072b-disco
${BUTTON}         sysbus.gpioPortA.button
${UART}           sysbus.usart1
${MACHINE_SCRIPT}    tsboot-machine-stm32f0.resc
${FLASH_MEMORY}   sysbus.flash

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
