/**
 * What the Renode suites of the F0, L4 and H7 boards load (issue 13), into build/renode/<board>/: what
 * renode/build-artifacts.ts builds for any board (bootloader, demo applications 1.0.0 and 2.0.0 with the
 * status log that records each as installed, corrupted images, artifacts.json), for the family boards, which
 * its default set (the F4 boards) leaves out. The board scripts load a status log at the config start.
 *
 * Usage: node bin/run-ts.mjs renode/family-artifacts.ts [--board <name>]... [--out build/renode]
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { buildRenodeArtifacts, defaultOutDir } from "./build-artifacts";

/** The boards of the F0, L4 and H7 families with a Renode platform (renode/platforms/<name>.repl). */
export const FAMILY_RENODE_BOARDS = ["stm32f072b-disco", "nucleo-l476rg", "nucleo-h753zi"] as const;

async function main(argv: string[]): Promise<void> {
  const boards: string[] = [];
  let out = defaultOutDir();
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--board") boards.push(argv[++i]);
    else if (argv[i] === "--out") out = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}; usage: family-artifacts.ts [--board <name>]... [--out <dir>]`);
  }
  for (const board of boards.length > 0 ? boards : FAMILY_RENODE_BOARDS) {
    const a = await buildRenodeArtifacts(board, out);
    console.log(`${board}: ${path.relative(process.cwd(), a.dir)}/ — bootloader.elf, demo apps ${a.oldApp.version} and ${a.newApp.version} with their status logs`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
