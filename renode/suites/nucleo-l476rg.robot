*** Comments ***
tsboot on ST NUCLEO-L476RG in Renode (STM32L4, issue 13): renode-test renode/suites/nucleo-l476rg.robot
(build first: node bin/run-ts.mjs renode/family-artifacts.ts). Trigger button: B1 on PC13, active low.
Renode has no L4 part: the platform is assembled from its models, with tsboot's flash interface (docs/renode.md, "STM32L4").

*** Settings ***
Resource          ${CURDIR}/tsboot-families.resource
Test Teardown     Family Test Teardown

*** Variables ***
${BOARD}          nucleo-l476rg
${ARTIFACTS}      ${CURDIR}/../../build/renode/nucleo-l476rg
${BUTTON}         sysbus.gpioPortC.UserButton
${UART}           sysbus.usart2
${MACHINE_SCRIPT}    tsboot-machine-stm32l4.resc
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
