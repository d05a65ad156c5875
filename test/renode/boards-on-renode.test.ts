/**
 * The other single-slot Renode boards: the F4 boards beside nucleo-f411re (NUCLEO-F401RE, STM32F4DISCOVERY)
 * and one board of each other family (STM32F072B-DISCO, NUCLEO-L476RG, NUCLEO-H753ZI), each on its own
 * platform and its family's flash model. They run the scenarios that touch their own wiring (board-scenarios.ts):
 * the preloaded application boots, and the UART trigger holds the bootloader for an update that starts.
 * Their robot suites (renode/suites/<board>.robot) run more scenarios on each.
 *
 * Without Renode every test is reported as skipped, with the reason in the suite's name.
 */
import { RENODE_BOARDS, SLOT_BOARDS } from "../../renode/build-artifacts";
import { FAMILY_RENODE_BOARDS } from "../../renode/family-artifacts";
import { boardScenarios, FULL_SET_BOARD, requestedBoards } from "./board-scenarios";

boardScenarios(requestedBoards([...RENODE_BOARDS, ...FAMILY_RENODE_BOARDS].filter((b) => b !== FULL_SET_BOARD && !SLOT_BOARDS.includes(b))));
