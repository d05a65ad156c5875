*** Comments ***
tsboot on ST NUCLEO-F411RE in Renode: renode-test renode/suites/nucleo-f411re.robot
(build first: node bin/run-ts.mjs renode/build-artifacts.ts). Trigger button: B1 on PC13, active low (invert: true in renode/platforms/nucleo-f411re.repl).

*** Settings ***
Resource          ${CURDIR}/tsboot.resource
Test Teardown     Tsboot Test Teardown

*** Variables ***
${BOARD}          nucleo-f411re
${ARTIFACTS}      ${CURDIR}/../../build/renode/nucleo-f411re
${BUTTON}         sysbus.gpioPortC.UserButton

*** Test Cases ***
A Valid Application Boots
    Valid Application Boots

The UART Trigger Then An Update Starts The New Application
    UART Trigger Then Update Starts The New Application

Holding The Button Then An Update That Survives A Reset
    Held Button Then Update Survives A Reset

The Application Requests An Update
    Application Requests An Update

A Corrupted Installed Image Is Refused And The Device Recovers
    Corrupted Installed Image Is Refused And The Device Recovers

A Damaged Update Is Refused And The Device Recovers
    Damaged Update Is Refused And The Device Recovers

A Power Cut During An Update Then Recovery
    Power Cut During An Update Then Recovery
