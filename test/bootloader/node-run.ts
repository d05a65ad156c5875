/**
 * Runs the bootloader in Node against a Simulation, as a reset would: fresh module state (vi.resetModules),
 * print() wired to the simulated UART, the CPU intrinsics to the simulation. Returns how the run ended.
 * The bootloader runs as checked Node (compiler/checked-loader.ts): a range or bounds violation throws a
 * TrapError at the TypeScript line where the C build would trap (TSBOOT_NODE_CHECKED=0: plain Node).
 */
import { fileURLToPath } from "node:url";
import { vi } from "vitest";
import type { Outcome, Simulation } from "../../hal-bindings/sim/simulation";

const MAIN = fileURLToPath(new URL("../../bootloader-ts/main.ts", import.meta.url));

export async function runBootloaderInNode(sim: Simulation): Promise<Outcome> {
  vi.resetModules();
  const current = await import("../../hal-bindings/sim/current");
  const runtime = await import("../../runtime/index");
  current.installSimulation(sim);
  // print() goes through the simulated transmitter, which takes its time per byte like the board's.
  runtime.setOutputSink((text) => sim.uartWriteBytes(Buffer.from(text, "utf8")));
  runtime.setCpuHooks({
    disableInterrupts: () => {
      sim.interruptsEnabled = false;
    },
    enableInterrupts: () => {
      sim.interruptsEnabled = true;
    },
    barrier: () => {},
    setVectorTable: (address) => {
      sim.vectorTable = address;
    },
    startApplication: (stackPointer, resetHandler) => {
      throw Object.assign(new Error("application started"), { tsbootOutcome: { kind: "application", stackPointer, resetHandler, vectorTable: sim.vectorTable } });
    },
  });
  const { importProgram } = await import("../../compiler/checked-loader");
  const { bootloaderMain } = await importProgram(MAIN, () => import("../../bootloader-ts/main"));
  try {
    bootloaderMain();
    throw new Error("bootloaderMain returned");
  } catch (error) {
    const e = error as Error & { tsbootOutcome?: Outcome; operation?: number; nowUs?: number };
    if (e.tsbootOutcome) return e.tsbootOutcome;
    // Classes differ after resetModules: tell the simulation's signals apart by name.
    if (e.constructor.name === "SystemReset") return { kind: "reset", reason: "software" };
    if (e.constructor.name === "WatchdogReset") return { kind: "reset", reason: "watchdog" };
    // A panic resets the board after recording the fault (kind 7, the TypeScript line) for the next boot.
    if (e.constructor.name === "PanicError") return sim.panicked(e);
    if (e.constructor.name === "PowerCut") {
      const cut = e as Error & { operation: number; inside: boolean };
      return cut.inside ? { kind: "power-cut", operation: cut.operation, inside: true } : { kind: "power-cut", operation: cut.operation };
    }
    if (e.constructor.name === "SimulationIdle") return { kind: "idle", nowUs: e.nowUs! };
    throw error;
  } finally {
    current.installSimulation(null);
  }
}
