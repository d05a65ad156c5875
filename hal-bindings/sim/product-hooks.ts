/**
 * The product's hooks as the Node simulation runs them: the functions a product's entry exports under the
 * hook names (docs/extending.md), installed per run by whoever starts the bootloader (runInNode, node-run
 * --entry, a test). With none installed the hooks answer as a build without hooks does.
 */

/** The hooks a product's entry may export; each is optional. */
export interface ProductHooks {
  productCommand?(command: number, payload: Uint8Array, reply: Uint8Array): number;
  productUpdateReason?(): number;
  announceProductReason?(reason: number): void;
}

export const PRODUCT_HOOK_NAMES = ["productCommand", "productUpdateReason", "announceProductReason"] as const;

let installed: ProductHooks = {};

/** Installs the hooks found in `module` (an entry module's namespace, say); null removes them. */
export function installProductHooks(module: object | null): void {
  const hooks: ProductHooks = {};
  if (module) {
    for (const name of PRODUCT_HOOK_NAMES) {
      const fn = (module as Record<string, unknown>)[name];
      if (fn === undefined) continue;
      if (typeof fn !== "function") throw new Error(`the product hook ${name} is not a function`);
      (hooks as Record<string, unknown>)[name] = fn;
    }
  }
  installed = hooks;
}

export function productHooks(): ProductHooks {
  return installed;
}
