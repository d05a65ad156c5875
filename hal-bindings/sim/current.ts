/** The simulation the Node bodies of the hal-bindings act on (a test installs one per run). */
import type { Simulation } from "./simulation";

let current: Simulation | null = null;

export function installSimulation(sim: Simulation | null): void {
  current = sim;
}

export function simulation(): Simulation {
  if (!current) throw new Error("no simulated board installed: call installSimulation() first");
  return current;
}
