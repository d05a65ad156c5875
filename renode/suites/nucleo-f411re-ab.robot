*** Comments ***
tsboot with two slots (docs/slots.md) on ST NUCLEO-F411RE in Renode: renode-test renode/suites/nucleo-f411re-ab.robot
(build first: node bin/run-ts.mjs renode/build-artifacts.ts). Board data boards/nucleo-f411re-ab.json: primary slot
sector 5, secondary sector 6, scratch sector 7, the bootloader in sector 0, the status log in sectors 1-2; the hardware is nucleo-f411re's
(renode/platforms/nucleo-f411re.repl). Trigger button: B1 on PC13, active low.

*** Settings ***
Resource          ${CURDIR}/tsboot.resource
Test Teardown     Tsboot Test Teardown

*** Variables ***
${BOARD}          nucleo-f411re-ab
${RENODE_PLATFORM}       nucleo-f411re
${ARTIFACTS}      ${CURDIR}/../../build/renode/nucleo-f411re-ab
${BUTTON}         sysbus.gpioPortC.UserButton
${APP_START}      0x08020000

*** Test Cases ***
A Valid Application Boots From The Primary Slot
    Valid Application Boots

An Update Installs For A Trial, The Host Confirms It, And It Survives A Reset
    ${port}=    Free Port
    Create Board With Application    ${port}
    Start With UART Trigger
    ${info}=    Tsboot Info    ${port}
    Should Be Equal    ${info}[slot_mode]    swap
    Should Be Equal    ${info}[secondary]    empty
    Install Tsboot Image    ${port}    ${ARTIFACTS}/demo-app-2.0.0.tsb
    Close Tsboot Connections
    The Application Asks For Update Mode    demo-app 2.0.0 on ${BOARD}
    ${info}=    Tsboot Info    ${port}
    Should Be Equal    ${info}[trial]    started
    Should Be Equal    ${info}[secondary]    previous
    Should Be Equal    ${info}[secondary_version]    1.0.0
    Tsboot Confirm    ${port}
    ${info}=    Tsboot Info    ${port}
    Should Be Equal    ${info}[trial]    none
    Should Be Equal    ${info}[last_event]    confirmed
    Close Tsboot Connections
    # Confirmed: after a reset 2.0.0 starts again (a revert would start 1.0.0, and never 2.0.0).
    Execute Command    machine Reset
    Wait For Line On Uart    demo-app 2.0.0 on ${BOARD}

A Trial Image That Crashes Is Reverted
    [Documentation]    The probe application 2.0.0 on trial executes UDF before confirming: its fault entry resets,
    ...                and the next boot swaps 1.0.0 back.
    ${port}=    Free Port
    Create Board With Application    ${port}
    Start With UART Trigger
    Install Tsboot Image    ${port}    ${ARTIFACTS}/probe-app-2.0.0.tsb
    Close Tsboot Connections
    Wait For Line On Uart    probe-app 2.0.0 on ${BOARD}
    Write Char On Uart    f
    Wait For Line On Uart    probe-app: hard fault now
    # The next boot swaps 1.0.0 back; the keyword waits for its banner, then asks it for update mode.
    The Application Asks For Update Mode    demo-app 1.0.0 on ${BOARD}
    ${info}=    Tsboot Info    ${port}
    Should Be Equal    ${info}[last_event]    reverted
    Should Be Equal    ${info}[last_reason]    not confirmed
    Should Be Equal    ${info}[secondary_version]    2.0.0

A Power Cut Inside The Swap Then The Next Power-On Finishes It
    [Documentation]    INSTALL's step 3 erases the primary slot (the scratch was blank: step 1 erases nothing, step 2
    ...                erases the secondary). The power fails 40% into that erase. The next power-on redoes step 3
    ...                from the scratch and starts 2.0.0 on trial; a power cycle without a confirm then reverts it.
    ${port}=    Free Port
    ${after}=   Free Port
    ${again}=   Free Port
    ${image}=   Set Variable    ${TEMPDIR}/tsboot-${BOARD}-power-cut-swap.bin
    Create Board With Application    ${port}
    Start With UART Trigger
    Flash Tsboot Image    ${port}    ${ARTIFACTS}/demo-app-2.0.0.tsb    boot=False
    ${info}=    Tsboot Info    ${port}
    Should Be Equal    ${info}[secondary]    pending
    Execute Command    sysbus.flash_interface CutPowerDuring "erase" 2 40 3
    Send Tsboot Install Without Reply    ${port}
    Wait For Log Entry    Power cut 40 ?% through erase of sector 5    timeout=5    treatAsRegex=true
    Close Tsboot Connections
    Save Flash    ${image}
    Reset Emulation
    Create Board From Flash Image    ${after}    ${image}
    Start Emulation
    Wait For Line On Uart    demo-app 2.0.0 on ${BOARD}
    Save Flash    ${image}
    Reset Emulation
    Create Board From Flash Image    ${again}    ${image}
    Start Emulation
    Wait For Line On Uart    demo-app 1.0.0 on ${BOARD}

*** Keywords ***
The Application Asks For Update Mode
    [Documentation]    'u' to the running application: the RAM flag and a reset; update mode, no revert.
    [Arguments]    ${banner}
    Wait For Line On Uart    ${banner}
    Write Char On Uart    u
    Wait For Line On Uart    update: requested by the application
