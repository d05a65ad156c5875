#!/usr/bin/env node
// The tsboot command: runs cli/tsboot.ts (TypeScript) under tsx, both resolved from this package, so it
// works from any directory and from node_modules (`npx tsboot`). Signals sent to this process (SIGINT,
// SIGTERM, SIGHUP: a Ctrl-C, a CI job's timeout, a closed terminal) are passed on to the child, so a
// simulator or a flash in progress stops the way it would if signalled itself; the exit status is the
// child's (128 + signal number if a signal ended it).
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../cli/tsboot.ts", import.meta.url));
const tsx = import.meta.resolve("tsx");
const child = spawn(process.execPath, ["--import", tsx, cli, ...process.argv.slice(2)], { stdio: "inherit" });

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"];
for (const signal of FORWARDED) {
  process.on(signal, () => {
    // A terminal's Ctrl-C reaches the child too (same process group); a second copy would cut its clean-up short.
    if (signal === "SIGINT" && process.stdin.isTTY) return;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
child.on("error", (error) => {
  console.error(error.message);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 1) : 1));
});
