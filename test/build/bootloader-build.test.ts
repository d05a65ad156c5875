/**
 * The ARM build of the bootloader for every board: -Werror clean, inside its 16 KB region, with a stack
 * bound; the size report is printed; a bootloader that outgrows its region fails with a clear message.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { listBoards, loadBoard } from "../../boards/index";
import { buildBootloader, BuildError, formatBuildReport } from "../../host/build/bootloader-build";

const armGcc = (await execa("sh", ["-c", "command -v arm-none-eabi-gcc"], { reject: false })).exitCode === 0;
const out = () => fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-build-"));

describe.skipIf(!armGcc)(`bootloader ARM build${armGcc ? "" : " (skipped: arm-none-eabi-gcc not found; bash scripts/setup.sh installs it)"}`, () => {
  for (const name of listBoards()) {
    it(`builds for ${name} with -Werror, within its region`, async () => {
      const result = await buildBootloader({ board: name, outDir: out() });
      console.log(formatBuildReport(result));
      expect(result.flashUsed).toBeGreaterThan(4000);
      expect(result.flashUsed).toBeLessThanOrEqual(result.flashRegion);
      expect(fs.statSync(result.bin).size).toBe(result.flashUsed);
      expect(fs.readFileSync(result.hex, "latin1")).toMatch(/^:020000040800F2/);
      expect(result.stack.depth).toBeGreaterThan(100);
      expect(result.stack.path[0]).toBe("Reset_Handler");
      // The vector table's first word is the initial stack pointer: below the 16 no-init bytes at the RAM top.
      const sp = fs.readFileSync(result.bin).readUInt32LE(0);
      expect(sp).toBe(result.board.ram.base + result.board.ram.size - 64);
    }, 60_000);
  }

  it("fails clearly when the bootloader outgrows its region", async () => {
    const board = loadBoard("nucleo-f411re");
    // A made-up part whose first sector is only 4 KB: the bootloader region is that sector alone.
    const [first, ...rest] = board.sectors;
    const sectors = [{ index: 0, start: first.start, size: 0x1000 }, { index: 1, start: first.start + 0x1000, size: first.size - 0x1000 }, ...rest.map((s) => ({ ...s, index: s.index + 1 }))];
    const tiny = { ...board, sectors, memoryMap: { ...board.memoryMap, bootloader: { start: first.start, size: 0x1000 } } };
    const attempt = buildBootloader({ board: tiny, outDir: out() });
    await expect(attempt).rejects.toBeInstanceOf(BuildError);
    await expect(attempt).rejects.toThrow(/bytes too big for its 4 KB region on nucleo-f411re/);
  }, 60_000);
});
