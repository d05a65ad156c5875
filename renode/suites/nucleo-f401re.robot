*** Comments ***
tsboot on ST NUCLEO-F401RE in Renode: renode-test renode/suites/nucleo-f401re.robot
(build first: node bin/run-ts.mjs renode/build-artifacts.ts). Trigger button: B1 on PC13, active low (invert: true in renode/platforms/nucleo-f401re.repl).

The scenarios that touch this board's own wiring (platform, memories, button, UART); nucleo-f411re.robot runs
every scenario (the bootloader core and the F4 port are the same on all three boards).

*** Settings ***
Resource          ${CURDIR}/tsboot.resource
Test Teardown     Tsboot Test Teardown

*** Variables ***
${BOARD}          nucleo-f401re
${ARTIFACTS}      ${CURDIR}/../../build/renode/nucleo-f401re
${BUTTON}         sysbus.gpioPortC.UserButton

*** Test Cases ***
A Valid Application Boots
    Valid Application Boots

The UART Trigger Then An Update Starts The New Application
    UART Trigger Then Update Starts The New Application

Holding The Button Then An Update That Survives A Reset
    Held Button Then Update Survives A Reset
