*** Comments ***
tsboot on ST NUCLEO-F411RE in Renode: renode-test renode/suites/nucleo-f411re.robot
(build first: node bin/run-ts.mjs renode/build-artifacts.ts). Trigger button: B1 on PC13, active low (invert: true in renode/platforms/nucleo-f411re.repl).
This board runs every scenario; the other two boards run the ones that touch their own wiring (the bootloader
core and the F4 port are the same on all three, only board data differ).

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

A Corrupted Installed Image And A Damaged Update Are Refused And The Device Recovers
    Corrupted Image And Damaged Update Are Refused And The Device Recovers

A Power Cut During An Update Then Recovery
    Power Cut During An Update Then Recovery

Noise In The Listen Window Does Not Hold The Device
    Noise In The Listen Window Does Not Hold The Device

Stm32flash Writes, Verifies And Starts Through The Listen Window
    Stm32flash Enters Through The Listen Window

A Hardware Watchdog Is Served Through An Update And Resets A Hung Bootloader
    Hardware Watchdog Is Served Through An Update And Resets A Hung Bootloader

PROTECT Write-Protects The Bootloader Sector
    Protect Write-Protects The Bootloader Sector

A Power Cut Inside The Status Log Erase Then Recovery
    Power Cut Inside The Status Log Erase Then Recovery

A Fault Is Reported By The Next Boot
    A Fault Is Reported By The Next Boot

A Write-Protected Application Sector Is Refused (stock flash controller fails)
    A Write-Protected Application Sector Is Refused

Stock Versus Model: Renode's Own Flash Controller Accepts That Update
    On Renode's Own Flash Controller The Same Update Is Accepted
