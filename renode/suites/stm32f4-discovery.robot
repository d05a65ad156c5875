*** Comments ***
tsboot on ST STM32F4DISCOVERY in Renode: renode-test renode/suites/stm32f4-discovery.robot
(build first: node bin/run-ts.mjs renode/build-artifacts.ts). Trigger button: B1 on PA0, active high (Renode's stm32f4_discovery.repl).

The scenarios that touch this board's own wiring (platform, memories, button, UART); nucleo-f411re.robot runs
every scenario (the bootloader core and the F4 port are the same on all three boards).

*** Settings ***
Resource          ${CURDIR}/tsboot.resource
Test Teardown     Tsboot Test Teardown

*** Variables ***
${BOARD}          stm32f4-discovery
${ARTIFACTS}      ${CURDIR}/../../build/renode/stm32f4-discovery
${BUTTON}         sysbus.gpioPortA.UserButton

*** Test Cases ***
A Valid Application Boots
    Valid Application Boots

The UART Trigger Then An Update Starts The New Application
    UART Trigger Then Update Starts The New Application

Holding The Button Then An Update That Survives A Reset
    Held Button Then Update Survives A Reset
