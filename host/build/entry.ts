/** The entry function of a bootloader program: what the start-up code (or the host simulator) calls. */
import * as path from "node:path";

export class EntryError extends Error {}

/**
 * The C name of the entry function: the entry module's prefix and the function's name. The entry must
 * export it as `function NAME(): void`.
 */
export function entryFunctionC(moduleName: string, fn: string, files: { name: string; text: string }[], entry: string): string {
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(fn)) throw new EntryError(`--entry-function '${fn}' is not a function name`);
  const cName = `${moduleName}_${fn}`;
  const header = files.find((f) => f.name === `${moduleName}.h`)?.text ?? "";
  if (!new RegExp(`\\bvoid ${cName.replace(/\$/g, "\\$")}\\(void\\)`).test(header)) {
    const exported = [...header.matchAll(new RegExp(`\\bvoid ${moduleName}_(\\w+)\\(void\\)`, "g"))].map((m) => m[1]);
    throw new EntryError(
      `${path.relative(process.cwd(), entry) || entry} exports no function ${fn}(): void for the start-up code to call` +
        (exported.length ? `; it exports ${exported.map((e) => `${e}()`).join(", ")} — pass --entry-function <name>` : ""),
    );
  }
  return cName;
}

