*** Comments ***
The flash interface model's own tests (renode/peripherals/STM32F4_FlashController.cs), in Renode:
    renode-test renode/suites/flash-interface.robot
Each test builds a bare NUCLEO-F411RE machine (renode/platforms/nucleo-f411re.repl) whose CPU idles in RAM
(`b .`), so virtual time runs while the test drives FLASH_* from the monitor, as a driver would, and reads
the flash back. Times are the datasheet's typical ones (x32): word program 16 us, 16 KB sector 250 ms,
64 KB 550 ms, 128 KB 1 s. The tests marked "stock model fails" fail on Renode's MTD.STM32F4_FlashController.

*** Settings ***
Library           OperatingSystem
Library           ${CURDIR}/FlashImage.py
Test Setup        Create Bare Board
Test Teardown     Test Teardown

*** Variables ***
${ROOT}           ${CURDIR}/../..
${PLATFORM}       ${ROOT}/renode/platforms/nucleo-f411re.repl
${ACR}            0x40023C00
${KEYR}           0x40023C04
${OPTKEYR}        0x40023C08
${SR}             0x40023C0C
${CR}             0x40023C10
${OPTCR}          0x40023C14
${BSY}            0x10000
${EOP}            0x1
${OPERR}          0x2
${WRPERR}         0x10
${PGAERR}         0x20
${PGPERR}         0x40
${PGSERR}         0x80
${ERRORS}         0xF2
${PG}             0x1
${SER}            0x2
${PSIZE_X32}      0x200
${STRT}           0x10000
${EOPIE}          0x1000000
${ERRIE}          0x2000000
${LOCK}           0x80000000
${OPTLOCK}        0x1
${OPTSTRT}        0x2

*** Keywords ***
Create Bare Board
    Execute Command    mach create "flash-model"
    Execute Command    include @${ROOT}/renode/peripherals/FlashStoreTrap.cs
    Execute Command    include @${ROOT}/renode/peripherals/STM32F4_FlashController.cs
    Execute Command    machine LoadPlatformDescription @${PLATFORM}
    Execute Command    sysbus.flash ResetByte 0xFF
    Execute Command    sysbus.flash ZeroAll
    # A vector table and `b .` in RAM: the CPU idles there, never touching flash.
    Execute Command    sysbus WriteDoubleWord 0x20000000 0x20001000
    Execute Command    sysbus WriteDoubleWord 0x20000004 0x20000009
    Execute Command    sysbus WriteDoubleWord 0x20000008 0xE7FEE7FE
    Execute Command    cpu VectorTableOffset 0x20000000
    Execute Command    sysbus.flash_interface InstallWriteTrap

Run For
    [Arguments]    ${seconds}
    Execute Command    emulation RunFor "${seconds}"

Write Register
    [Documentation]    ${value} may be an expression of the constants above, e.g. ${PSIZE_X32} | ${PG}.
    [Arguments]    ${address}    ${value}
    ${n}=    Evaluate    int(${value})
    Execute Command    sysbus WriteDoubleWord ${address} ${n}

Read Word
    [Arguments]    ${address}
    ${v}=    Execute Command    sysbus ReadDoubleWord ${address}
    ${n}=    Convert To Integer    ${v.strip()}
    RETURN    ${n}

Word Should Be
    [Arguments]    ${address}    ${expected}
    ${v}=    Read Word    ${address}
    Should Be Equal As Integers    ${v}    ${expected}    msg=${address} reads ${v}, expected ${expected}

Bits Should Be Set
    [Arguments]    ${address}    ${mask}
    ${v}=    Read Word    ${address}
    ${m}=    Evaluate    int(${mask})
    ${hit}=    Evaluate    ${v} & ${m}
    Should Be Equal As Integers    ${hit}    ${m}    msg=${address} reads ${v}: bits ${mask} not all set

Bits Should Be Clear
    [Arguments]    ${address}    ${mask}
    ${v}=    Read Word    ${address}
    ${m}=    Evaluate    int(${mask})
    ${hit}=    Evaluate    ${v} & ${m}
    Should Be Equal As Integers    ${hit}    0    msg=${address} reads ${v}: bits ${mask} not all clear

Unlock Control
    Write Register    ${KEYR}    0x45670123
    Write Register    ${KEYR}    0xCDEF89AB
    Bits Should Be Clear    ${CR}    ${LOCK}

Fill Flash
    [Arguments]    ${byte}
    Execute Command    sysbus.flash SetRange 0 0x80000 ${byte}

Erase Sector
    [Arguments]    ${snb}    ${extra}=0
    ${control}=    Evaluate    ${PSIZE_X32} | ${SER} | (${snb} << 3) | ${extra}
    Write Register    ${CR}    ${control}
    Write Register    ${CR}    ${control} | ${STRT}

Dump Flash
    [Arguments]    ${name}
    ${file}=    Set Variable    ${TEMPDIR}/tsboot-flash-model-${name}.bin
    Remove File    ${file}
    Execute Command    sysbus.flash DumpBinary @${file}
    RETURN    ${file}

Program Option Bytes
    [Documentation]    RM0090 3.7.2: unlock FLASH_OPTCR, write the new nWRP, OPTSTRT, wait for BSY.
    [Arguments]    ${nwrp}
    Write Register    ${OPTKEYR}    0x08192A3B
    Write Register    ${OPTKEYR}    0x4C5D6E7F
    Bits Should Be Clear    ${OPTCR}    ${OPTLOCK}
    ${options}=    Evaluate    (${nwrp} << 16) | 0xAAEC
    Write Register    ${OPTCR}    ${options}
    Write Register    ${OPTCR}    ${options} | ${OPTSTRT}
    Bits Should Be Set    ${SR}    ${BSY}
    Run For    0.26
    Bits Should Be Clear    ${SR}    ${BSY}
    Write Register    ${OPTCR}    ${OPTLOCK}

*** Test Cases ***
The Sector Map Is RM0090's
    ${map}=    Execute Command    sysbus.flash_interface SectorMap
    Should Be Equal    ${map.strip()}    0 0x08000000 0x4000\n1 0x08004000 0x4000\n2 0x08008000 0x4000\n3 0x0800C000 0x4000\n4 0x08010000 0x10000\n5 0x08020000 0x20000\n6 0x08040000 0x20000\n7 0x08060000 0x20000

Erasing Sector 4 Erases All Its 64 KB In 550 ms (stock model fails)
    Fill Flash    0x00
    Unlock Control
    Erase Sector    4
    Bits Should Be Set    ${SR}    ${BSY}
    Run For    0.549
    Bits Should Be Set    ${SR}    ${BSY}
    Word Should Be    0x08010000    0x00000000
    Run For    0.002
    Bits Should Be Clear    ${SR}    ${BSY}
    ${dump}=    Dump Flash    sector4
    Range Should Be Filled With    ${dump}    0x10000    0x10000    0xFF
    Range Should Be Filled With    ${dump}    0x0C000    0x4000    0x00
    Range Should Be Filled With    ${dump}    0x20000    0x20000    0x00

Erasing Sector 5 Erases All Its 128 KB In 1 s (stock model fails)
    Fill Flash    0x00
    Unlock Control
    Erase Sector    5
    Run For    0.999
    Bits Should Be Set    ${SR}    ${BSY}
    Run For    0.002
    Bits Should Be Clear    ${SR}    ${BSY}
    ${dump}=    Dump Flash    sector5
    Range Should Be Filled With    ${dump}    0x20000    0x20000    0xFF
    Range Should Be Filled With    ${dump}    0x10000    0x10000    0x00
    Range Should Be Filled With    ${dump}    0x40000    0x20000    0x00

Programming Only Clears Bits, And Holds BSY For 16 us (stock model fails)
    Unlock Control
    Write Register    ${CR}    ${PSIZE_X32} | ${PG}
    Write Register    0x08008000    0x12345678
    Bits Should Be Set    ${SR}    ${BSY}
    Word Should Be    0x08008000    0xFFFFFFFF
    Run For    0.000015
    Bits Should Be Set    ${SR}    ${BSY}
    Run For    0.000002
    Bits Should Be Clear    ${SR}    ${BSY}
    Word Should Be    0x08008000    0x12345678
    # A second program over a programmed word: 0 bits stay 0, and F4 flags nothing.
    Write Register    0x08008000    0xFFFF00FF
    Run For    0.00002
    Word Should Be    0x08008000    0x12340078
    Bits Should Be Clear    ${SR}    ${ERRORS}

A Store Without PG Sets PGSERR And Changes Nothing (stock model fails)
    Unlock Control
    Write Register    ${CR}    ${PSIZE_X32}
    Write Register    0x08008000    0x00000000
    Run For    0.00002
    Bits Should Be Set    ${SR}    ${PGSERR}
    Word Should Be    0x08008000    0xFFFFFFFF
    # The flags clear by writing 1 to them.
    Write Register    ${SR}    ${PGSERR}
    Bits Should Be Clear    ${SR}    ${ERRORS}

A Store While FLASH_CR Is Locked Sets PGSERR And Changes Nothing (stock model fails)
    Bits Should Be Set    ${CR}    ${LOCK}
    Write Register    0x08008000    0x00000000
    Bits Should Be Set    ${SR}    ${PGSERR}
    Word Should Be    0x08008000    0xFFFFFFFF

A Byte Store With PSIZE x32 Sets PGPERR (stock model fails)
    Unlock Control
    Write Register    ${CR}    ${PSIZE_X32} | ${PG}
    Execute Command    sysbus WriteByte 0x08008001 0x00
    Bits Should Be Set    ${SR}    ${PGPERR}
    Word Should Be    0x08008000    0xFFFFFFFF

A Store Across A 128-bit Row Sets PGAERR (stock model fails)
    Unlock Control
    Write Register    ${CR}    ${PSIZE_X32} | ${PG}
    Execute Command    sysbus WriteDoubleWord 0x0800800E 0x00000000
    Bits Should Be Set    ${SR}    ${PGAERR}
    Word Should Be    0x0800800C    0xFFFFFFFF
    Word Should Be    0x08008010    0xFFFFFFFF

EOP Is Set Only With EOPIE, And OPERR Only With ERRIE
    Unlock Control
    Write Register    ${CR}    ${PSIZE_X32} | ${PG}
    Write Register    0x08008000    0x0
    Run For    0.00002
    Bits Should Be Clear    ${SR}    ${EOP}
    Write Register    ${CR}    ${PSIZE_X32} | ${PG} | ${EOPIE} | ${ERRIE}
    Write Register    0x08008004    0x0
    Run For    0.00002
    Bits Should Be Set    ${SR}    ${EOP}
    Execute Command    sysbus WriteByte 0x08008008 0x00
    Bits Should Be Set    ${SR}    ${PGPERR} | ${OPERR}

A Wrong Key Sequence Locks FLASH_CR Until Reset
    Write Register    ${KEYR}    0x45670123
    Write Register    ${KEYR}    0x11111111
    Bits Should Be Set    ${CR}    ${LOCK}
    Write Register    ${KEYR}    0x45670123
    Write Register    ${KEYR}    0xCDEF89AB
    Bits Should Be Set    ${CR}    ${LOCK}
    Execute Command    machine Reset
    Unlock Control

Writing The Keys Again While Unlocked Locks FLASH_CR Until Reset
    Unlock Control
    Write Register    ${KEYR}    0x45670123
    Bits Should Be Set    ${CR}    ${LOCK}
    Write Register    ${KEYR}    0x45670123
    Write Register    ${KEYR}    0xCDEF89AB
    Bits Should Be Set    ${CR}    ${LOCK}

FLASH_CR Ignores Writes While Locked And Defers Them While BSY
    Write Register    ${CR}    ${PSIZE_X32} | ${PG}
    Bits Should Be Clear    ${CR}    ${PG}
    Unlock Control
    Erase Sector    2
    Write Register    ${CR}    ${LOCK}
    # Silicon stalls the bus until BSY clears; the model applies the write then.
    Bits Should Be Clear    ${CR}    ${LOCK}
    Run For    0.26
    Bits Should Be Set    ${CR}    ${LOCK}

Option Bytes nWRP Protect A Sector From Erase And Program, Across A Reset (stock model fails)
    Program Option Bytes    0xFFB
    Word Should Be    0x1FFFC008    0xFFB
    Execute Command    machine Reset
    ${options}=    Read Word    ${OPTCR}
    ${protection}=    Evaluate    (${options} >> 16) & 0xFFF
    Should Be Equal As Integers    ${protection}    0xFFB
    Fill Flash    0x00
    Unlock Control
    Erase Sector    2
    Bits Should Be Set    ${SR}    ${WRPERR}
    Bits Should Be Clear    ${SR}    ${BSY}
    Word Should Be    0x08008000    0x00000000
    Write Register    ${SR}    ${WRPERR}
    Erase Sector    3
    Run For    0.26
    Bits Should Be Clear    ${SR}    ${ERRORS}
    Word Should Be    0x0800C000    0xFFFFFFFF
    Write Register    ${CR}    ${PSIZE_X32} | ${PG}
    Write Register    0x08008000    0x00000000
    Bits Should Be Set    ${SR}    ${WRPERR}

FLASH_OPTCR Ignores Writes While OPTLOCK Is Set
    Bits Should Be Set    ${OPTCR}    ${OPTLOCK}
    Write Register    ${OPTCR}    0x0FFBAAEC
    ${options}=    Read Word    ${OPTCR}
    ${protection}=    Evaluate    (${options} >> 16) & 0xFFF
    Should Be Equal As Integers    ${protection}    0xFFF

A Power Cut During An Erase Leaves A Partly Erased Sector, The Same For The Same Seed
    Fill Flash    0x00
    Execute Command    sysbus.flash_interface CutPowerDuring "erase" 1 40 7
    Unlock Control
    Erase Sector    2
    Run For    0.3
    ${cut}=    Execute Command    sysbus.flash_interface PowerCut
    Should Be Equal    ${cut.strip()}    True
    ${first}=    Dump Flash    cut-erase-1
    ${erased}=    Count Bytes Equal To    ${first}    0x8000    0x4000    0xFF
    ${zero}=    Count Bytes Equal To    ${first}    0x8000    0x4000    0x00
    Should Be True    0 < ${erased} < 16384    some bytes erased, not all (${erased})
    Should Be True    ${erased} + ${zero} < 16384    some bytes half-way (${erased} erased, ${zero} untouched)
    Range Should Be Filled With    ${first}    0xC000    0x4000    0x00
    ${digest}=    Digest Of Range    ${first}    0x8000    0x4000
    # The same cut on a fresh machine gives the same cells.
    Reset Emulation
    Create Bare Board
    Fill Flash    0x00
    Execute Command    sysbus.flash_interface CutPowerDuring "erase" 1 40 7
    Unlock Control
    Erase Sector    2
    Run For    0.3
    ${second}=    Dump Flash    cut-erase-2
    ${again}=    Digest Of Range    ${second}    0x8000    0x4000
    Should Be Equal    ${digest}    ${again}

A Power Cut During A Program Leaves A Torn Word
    Execute Command    sysbus.flash_interface CutPowerDuring "program" 2 50 3
    Unlock Control
    Write Register    ${CR}    ${PSIZE_X32} | ${PG}
    Write Register    0x08008000    0x00000000
    Run For    0.00002
    Word Should Be    0x08008000    0x00000000
    Write Register    0x08008004    0x00000000
    Run For    0.00002
    ${torn}=    Read Word    0x08008004
    Should Be True    ${torn} != 0 and ${torn} != 0xFFFFFFFF    the word is torn (0x${torn})
    ${cut}=    Execute Command    sysbus.flash_interface PowerCut
    Should Be Equal    ${cut.strip()}    True

A Reset During An Erase Leaves It Partly Done
    Fill Flash    0x00
    Unlock Control
    Erase Sector    3
    Run For    0.1
    Execute Command    machine Reset
    ${dump}=    Dump Flash    reset-erase
    ${erased}=    Count Bytes Equal To    ${dump}    0xC000    0x4000    0xFF
    Should Be True    0 < ${erased} < 16384    a reset 40% through leaves some bytes erased (${erased})
    Bits Should Be Clear    ${SR}    ${BSY}
    Bits Should Be Set    ${CR}    ${LOCK}
