/**
 * The F0, L4 and H7 boards on Renode (issue 13): each board's robot suite (renode/suites/<board>.robot, the F4
 * suites' scenarios over the families' platforms) run by Renode's own runner, renode-test, and every one of
 * its test cases must pass. Where Renode, its renode-test (beside the launcher, with Robot Framework on the
 * python3 first on PATH) or the ARM toolchain is missing, each board is reported as skipped with the reason.
 * TSBOOT_RENODE_BOARDS=nucleo-h753zi,… limits the boards.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { buildFamilyArtifacts, FAMILY_RENODE_BOARDS } from "../../renode/family-artifacts";
import { findRenode, ROOT } from "./harness";
import { freeRenodePort, releaseRenodePort } from "./ports";

const renode = await findRenode();
const renodeTest = renode.path ? path.join(path.dirname(fs.realpathSync(renode.path)), "renode-test") : null;
const toolchain = (await execa("sh", ["-c", "command -v arm-none-eabi-gcc"], { reject: false })).exitCode === 0;
const robot = (await execa("python3", ["-c", "import robot"], { reject: false })).exitCode === 0;
const missing =
  renode.reason ??
  (renodeTest && !fs.existsSync(renodeTest) ? `renode-test not found beside ${renode.path}` : null) ??
  (robot ? null : "Robot Framework not found for python3 (renode-test needs it: put its venv first on PATH)") ??
  (toolchain ? null : "arm-none-eabi-gcc not found (bash scripts/setup.sh installs it)");

const requested = process.env.TSBOOT_RENODE_BOARDS?.split(",").map((b) => b.trim()).filter(Boolean);
const boards = FAMILY_RENODE_BOARDS.filter((b) => !requested || requested.includes(b));

/** The test cases a robot suite lists (the lines under *** Test Cases *** that start in column 0). */
function testCases(suite: string): string[] {
  const text = fs.readFileSync(suite, "utf8");
  const section = text.split(/^\*\*\* Test Cases \*\*\*$/m)[1] ?? "";
  return section.split("\n").filter((l) => /^\S/.test(l) && !l.startsWith("***") && !l.startsWith("#"));
}

describe.skipIf(missing !== null || boards.length === 0).each(boards)(`the %s robot suite on Renode${missing ? ` (skipped: ${missing})` : ""}`, (board) => {
  it("passes every test case", async () => {
    await buildFamilyArtifacts(board);
    const suite = path.join(ROOT, "renode/suites", `${board}.robot`);
    const cases = testCases(suite);
    expect(cases.length).toBeGreaterThan(0);
    const results = fs.mkdtempSync(path.join(os.tmpdir(), `tsboot-robot-${board}-`));
    // Its keyword server on a port chosen now: renode-test's default (49152) may be taken by another run.
    const port = await freeRenodePort();
    const run = await execa(renodeTest!, ["-P", String(port), "-r", results, suite], { cwd: ROOT, reject: false, all: true, env: { TERM: "dumb" }, stdin: "ignore" });
    releaseRenodePort(port);
    const finished = [...(run.all ?? "").replace(/\x1b\[[0-9;]*m/g, "").matchAll(/Finished test '[^.]+\.(.+)' in [\d.]+ seconds with status (\S+)/g)];
    const outcome = Object.fromEntries(finished.map((m) => [m[1], m[2]]));
    expect(outcome, run.all).toEqual(Object.fromEntries(cases.map((c) => [c, "OK"])));
    expect(run.exitCode, run.all).toBe(0);
  }, 1_800_000);
});
