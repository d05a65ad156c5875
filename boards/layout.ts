/**
 * A board's flash map as the bootloader and the simulations use it (the BoardLayout of
 * hal-bindings/sim/board-layout.ts), derived from boards/<name>.json and checked.
 */
import { loadBoard, type Board } from "./index";
import type { BoardLayout, Region } from "../hal-bindings/sim/board-layout";
import { offeredRates, rxRingSize, uartClockHz } from "./uart-rates";

export class BoardLayoutError extends Error {
  constructor(board: string, message: string) {
    super(`board ${board}: ${message}`);
    this.name = "BoardLayoutError";
  }
}

/**
 * A Board as the simulation's BoardLayout. While a board file has no config region (memoryMap.config null),
 * the config region is the board's second sector, the bootloader keeps only the first, and the application
 * starts at the third sector (its end stays where the board file puts it).
 */
export function layoutFromBoard(board: Board): BoardLayout {
  const sectors = board.sectors.map((s) => ({ start: s.start, size: s.size, number: s.index }));
  let bootloader: Region = { ...board.memoryMap.bootloader };
  let config: Region;
  let app: Region = { ...board.memoryMap.application };
  if (board.memoryMap.config) {
    config = { ...board.memoryMap.config };
  } else {
    if (sectors.length < 3) throw new BoardLayoutError(board.name, "has no config region and fewer than three sectors to make one");
    config = { start: sectors[1].start, size: sectors[1].size };
    bootloader = { start: sectors[0].start, size: sectors[0].size };
    const appEnd = app.start + app.size;
    app = { start: sectors[2].start, size: appEnd - sectors[2].start };
  }
  const layout: BoardLayout = {
    name: board.name,
    family: board.family,
    part: board.part,
    flashBase: board.flash.base,
    sectors,
    bootloader,
    config,
    app,
    ram: { start: board.ram.base, size: board.ram.size },
    // Every RAM block of the part: an application's initial stack pointer may lie in any of them.
    stackRegions: board.ramBlocks.map((b) => ({ start: b.base, size: b.size })),
    writeUnit: board.writeUnit,
    boardId: board.boardId,
    productId: board.partInfo.devId,
    listenWindowMs: board.listenWindowMs,
    sessionIdleMs: board.sessionIdleMs,
    watchdogMs: board.watchdogMs,
    protectBootloader: board.protectBootloader,
    verifyAtBoot: board.verifyAtBoot,
    trigger: { port: board.trigger.port, pin: board.trigger.pin, activeLevel: board.trigger.activeLevel },
    slots: slotLayout(board),
    uart: {
      baud: board.uart.baud,
      clockHz: uartClockHz(board),
      rates: offeredRates(board).map((r) => ({ baud: r.baud, errorBp: r.errorBp })),
      rxRingSize: rxRingSize(board),
    },
  };
  checkLayout(layout);
  return layout;
}

/** The two slots of a board (null: single slot). A bank-swap board has no scratch: its size is 0. */
function slotLayout(board: Board): BoardLayout["slots"] {
  const { secondary, scratch } = board.memoryMap;
  if (board.slotStrategy === "bank-swap" && secondary) {
    return { secondary: { ...secondary }, scratch: { start: 0, size: 0 }, trialWatchdogMs: board.trialWatchdogMs, bankSwap: { bankSize: board.bankSize } };
  }
  return secondary && scratch ? { secondary: { ...secondary }, scratch: { ...scratch }, trialWatchdogMs: board.trialWatchdogMs } : null;
}

/** loadBoard(name) as a BoardLayout. */
export function loadBoardLayout(name: string): BoardLayout {
  return layoutFromBoard(loadBoard(name));
}

const u32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
const hex = (n: number) => `0x${n.toString(16).toUpperCase().padStart(8, "0")}`;

/** The facts the simulator relies on: contiguous sectors from the flash base, regions on sector boundaries. */
export function checkLayout(layout: BoardLayout): void {
  const fail = (message: string): never => {
    throw new BoardLayoutError(layout.name, message);
  };
  if (!/^[A-Za-z0-9._-]+$/.test(layout.name)) fail(`name "${layout.name}" must be letters, digits, '.', '_' or '-'`);
  if (layout.sectors.length === 0) fail("has no sectors");
  let next = layout.flashBase;
  layout.sectors.forEach((s, i) => {
    if (!u32(s.start) || !u32(s.size) || !u32(s.number) || s.size === 0) fail(`sector ${i} is not a u32 start/size/number`);
    if (s.start !== next) fail(`sector ${i} starts at ${hex(s.start)}, expected ${hex(next)}`);
    next = s.start + s.size;
  });
  if (next > 0x1_0000_0000) fail("flash runs past 4 GB");
  for (const [name, r] of Object.entries({ config: layout.config, app: layout.app, bootloader: layout.bootloader })) {
    if (!u32(r.start) || !u32(r.size) || r.size === 0) fail(`${name} region is not a u32 start/size`);
    if (!layout.sectors.some((s) => s.start === r.start)) fail(`${name} region start ${hex(r.start)} is not a sector start`);
    if (!layout.sectors.some((s) => s.start + s.size === r.start + r.size)) fail(`${name} region end ${hex(r.start + r.size)} is not a sector end`);
  }
  const a = layout.app;
  const c = layout.config;
  if (a.start < c.start + c.size && c.start < a.start + a.size) fail("the config and application regions overlap");
  const u = layout.uart;
  if (u.rates.length === 0 || u.rates[0].baud !== u.baud) fail(`the offered rates must start with the base rate ${u.baud}`);
  if (!Number.isInteger(u.rxRingSize) || u.rxRingSize < 2 * 1038 || u.rxRingSize > 0xffff) fail(`reception ring of ${u.rxRingSize} bytes is not 2 frames … 65535 bytes`);
  if (![1, 2, 4, 8, 16, 32].includes(layout.writeUnit)) fail(`write unit ${layout.writeUnit} is not 1, 2, 4, 8, 16 or 32`);
  for (const [name, v] of Object.entries({ ramStart: layout.ram.start, ramSize: layout.ram.size, boardId: layout.boardId, productId: layout.productId })) {
    if (!u32(v)) fail(`${name} ${v} is not a u32`);
  }
}

