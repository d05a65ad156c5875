/**
 * The GitHub workflow runs every Robot suite there is: a suite added to renode/suites/ and forgotten in
 * .github/workflows/renode.yml would never run in CI (issue 13: the families' suites were left out once).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FAMILY_RENODE_BOARDS } from "../../renode/family-artifacts";

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
});
