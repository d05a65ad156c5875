/**
 * The end-to-end demonstration of the main job: build the bootloader for the default board, build and
 * package a demo application, start the bootloader (compiled for the host) on a TCP port with a blank
 * flash, and update it with the tsboot flasher — the commands a user runs, printed as they run.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { execa } from "execa";
import { DEFAULT_BOARD } from "../boards/index";
import { buildDemoApp } from "../host/build/app-build";
import { startLive } from "../host/sim/run";

const board = process.argv[2] ?? DEFAULT_BOARD;
const out = path.resolve("build/demo", board);
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });

async function tsboot(...args: string[]): Promise<void> {
  console.log(`\n$ tsboot ${args.join(" ")}`);
  await execa("node", ["bin/tsboot.mjs", ...args], { stdio: "inherit" });
}

await tsboot("build", "--board", board, "-o", path.join(out, "bootloader"));

console.log(`\n# the demo application (apps/demo), linked at ${board}'s application start`);
const app = await buildDemoApp({ board, version: "1.2.3", outDir: path.join(out, "app") });
const tsb = path.join(out, "demo-app-1.2.3.tsb");
await tsboot("image", app.elf, "--board", board, "--version", "1.2.3", "-o", tsb);

console.log("\n# the same bootloader compiled for the host, its UART on a TCP port, flash in a file (blank)");
const sim = await startLive({ board, flashFile: path.join(out, "flash.bin") });
try {
  console.log(`tsboot-sim listening on 127.0.0.1:${sim.port}`);
  const port = `tcp://127.0.0.1:${sim.port}`;
  await tsboot("info", "--port", port);
  await tsboot("flash", tsb, "--port", port);
  const started = await sim.waitForLine(/application started/, 10_000);
  console.log(`\n${started}`);
  console.log(`\nUpdate done: ${board} now runs demo-app 1.2.3 (the simulator reports the jump to its reset handler).`);
} finally {
  await sim.close();
}
