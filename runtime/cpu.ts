/**
 * Cortex-M CPU intrinsics, enough to write the VTOR/MSP jump in the subset. On ARM each becomes one
 * instruction (or a short asm block); in a host C build and in Node they call the simulation's hooks.
 */
import type { u32 } from "./ints";

export interface CpuHooks {
  disableInterrupts(): void;
  enableInterrupts(): void;
  barrier(kind: "dsb" | "isb"): void;
  setVectorTable(address: number): void;
  /** Sets MSP and branches to the reset handler: control never returns to the caller. */
  startApplication(stackPointer: number, resetHandler: number): never;
}

/** The Node default: records nothing and refuses to jump (a test installs real hooks). */
const refuse: CpuHooks = {
  disableInterrupts() {},
  enableInterrupts() {},
  barrier() {},
  setVectorTable() {},
  startApplication(sp, pc) {
    throw new Error(`startApplication(0x${sp.toString(16)}, 0x${pc.toString(16)}) with no CPU simulation installed`);
  },
};
let hooks: CpuHooks = refuse;

/** Installs the CPU simulation for Node runs; returns the previous one. Not callable from compiled code. */
export function setCpuHooks(next: CpuHooks | null): CpuHooks {
  const previous = hooks;
  hooks = next ?? refuse;
  return previous;
}

/** cpsid i. @intrinsic */
export function disableInterrupts(): void {
  hooks.disableInterrupts();
}
/** cpsie i. @intrinsic */
export function enableInterrupts(): void {
  hooks.enableInterrupts();
}
/** dsb: completes every outstanding memory access. @intrinsic */
export function dataSyncBarrier(): void {
  hooks.barrier("dsb");
}
/** isb: refetches the instructions that follow. @intrinsic */
export function instructionSyncBarrier(): void {
  hooks.barrier("isb");
}
/** Writes SCB->VTOR (0xE000ED08). @intrinsic */
export function setVectorTable(address: u32): void {
  hooks.setVectorTable(address >>> 0);
}
/** msr msp, sp; bx resetHandler. Never returns. @intrinsic */
export function startApplication(stackPointer: u32, resetHandler: u32): never {
  return hooks.startApplication(stackPointer >>> 0, resetHandler >>> 0);
}
