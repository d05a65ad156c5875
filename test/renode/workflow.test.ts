/**
 * The GitHub workflow runs every Robot suite there is: a suite added to renode/suites/ and forgotten in
 * .github/workflows/renode.yml would never run in CI (issue 13: the families' suites were left out once).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { buildRenodeArtifacts } from "../../renode/build-artifacts";
import { FAMILY_RENODE_BOARDS } from "../../renode/family-artifacts";

const armGcc = (await execa("sh", ["-c", "command -v arm-none-eabi-gcc"], { reject: false })).exitCode === 0;

const root = path.resolve(__dirname, "../..");
const workflow = fs.readFileSync(path.join(root, ".github/workflows/renode.yml"), "utf8");
const suites = fs.readdirSync(path.join(root, "renode/suites")).filter((f) => f.endsWith(".robot"));

describe("the Renode workflow", () => {
  it("runs every Robot suite of renode/suites", () => {
    const line = /tests-to-run:(.*)/.exec(workflow)?.[1] ?? "";
    const listed = line.trim().split(/\s+/);
    expect(suites.length).toBeGreaterThan(5);
    for (const suite of suites) expect(listed, `${suite} is not in tests-to-run`).toContain(`renode/suites/${suite}`);
  });

  it("builds the F0, L4 and H7 boards' artifacts before the suites that load them", () => {
    for (const board of FAMILY_RENODE_BOARDS) expect(suites).toContain(`${board}.robot`);
    const build = workflow.indexOf("renode/family-artifacts.ts");
    expect(build, "renode/family-artifacts.ts is not run").toBeGreaterThan(0);
    expect(build).toBeLessThan(workflow.indexOf("tests-to-run:"));
  });

  // The workflow's artifact step, without Renode: it once failed for every non-F4 board (the F4-only probe
  // application was built for all), and the families' suites would have had nothing to load.
  it.skipIf(!armGcc)(`renode/family-artifacts.ts builds what a family suite loads${armGcc ? "" : " (skipped: arm-none-eabi-gcc not found)"}`, async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-family-artifacts-"));
    const a = await buildRenodeArtifacts("nucleo-l476rg", out); // what family-artifacts.ts runs for each family board
    expect(a.probeApp).toBeNull();
    for (const file of [a.bootloaderElf, a.oldApp.tsb, a.newApp.tsb, a.oldApp.header.replace(/\.header\.bin$/, ".status-log.bin")]) {
      expect(fs.existsSync(file), file).toBe(true);
    }
  }, 300_000);
});
