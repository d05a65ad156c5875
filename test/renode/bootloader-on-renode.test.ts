/**
 * The real ARM bootloader on Renode's STM32F4 models (renode/platforms/), driven through the execa harness
 * and the tsboot flasher library over the emulated USART2: the same scenarios as renode/suites/*.robot.
 *
 * Renode models what QEMU does not, and renode/peripherals/STM32F4_FlashController.cs (loaded by the
 * platforms in place of Renode's own flash controller) models the flash interface as RM0090 describes it:
 * the real sector map, PG/PSIZE, programming that only clears bits, BSY for the datasheet's time in virtual
 * time with the CPU stalled meanwhile, the error flags, the option bytes' write protection and WDG_SW, and
 * power cuts inside an operation. Where the rest of the model differs from silicon (docs/renode.md): RCC
 * raises every ready flag at once and reports no reset cause, the UART ignores its baud rate and never
 * overruns.
 *
 * Without Renode (RENODE_PATH unset and no `renode` on PATH, as on this project's CI machines) every test
 * below is reported as skipped, with the reason in the suite's name.
 */
import { boardScenarios, FULL_SET_BOARD, requestedBoards } from "./board-scenarios";

boardScenarios(requestedBoards([FULL_SET_BOARD]));
