#!/usr/bin/env node
// Runs a TypeScript file under tsx: `node bin/run-ts.mjs file.ts [args...]`. tsx is resolved from this
// package, so it works from any directory. The child gets the same arguments, stdio and exit status.
import { spawnSync } from "node:child_process";

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error("usage: node bin/run-ts.mjs <file.ts> [args...]");
  process.exit(2);
}
const result = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), file, ...args], { stdio: "inherit" });
if (result.error) {
  console.error(result.error.message);
  process.exit(1);
}
process.exit(result.status ?? (result.signal ? 128 : 1));
