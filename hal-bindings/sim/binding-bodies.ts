/**
 * Bodies a test installs for @extern bindings in the Node simulation (docs/bindings.md). A binding's own
 * TypeScript body is its default simulation; one written as
 *
 *   export function readUniqueId(out: Uint8Array): void {   // @extern acme_unique_id
 *     bindingBody("acme_unique_id", simulatedUniqueId)(out);
 *   }
 *
 * runs instead whatever body a test installed under its C name for the current run (runInNode's
 * `bindingBodies`, or installBindingBody on a Simulation). Installed bodies belong to one Simulation, so
 * the next run starts without them.
 */
import { simulation } from "./current";
import type { Simulation } from "./simulation";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = (...args: any[]) => unknown;

const installed = new WeakMap<Simulation, Map<string, Body>>();

/** Installs `body` for the binding whose C name is `cName`, on `sim` (for its run only). */
export function installBindingBody(sim: Simulation, cName: string, body: Body): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(cName)) throw new Error(`'${cName}' is not a binding's C name (the @extern tag's text)`);
  let bodies = installed.get(sim);
  if (!bodies) installed.set(sim, (bodies = new Map()));
  bodies.set(cName, body);
}

/** The body a test installed for `cName` in the current simulation, else `fallback`. */
export function bindingBody<F extends Body>(cName: string, fallback: F): F {
  return (installed.get(simulation())?.get(cName) as F | undefined) ?? fallback;
}
