/** Board data for the host simulator (board-c.ts) and the `tsboot sim` command line (cli.ts). */
import { describe, expect, it, vi } from "vitest";
import { loadBoard } from "../../boards/index";
import { boardLayoutToC, layoutFromBoard, loadBoardLayout } from "../../host/sim/board-c";
import { simCommand } from "../../host/sim/cli";

describe("board layout for the host simulator", () => {
  it("nucleo-f411re: the board file's regions, F4 write unit, the part's product id", () => {
    const layout = loadBoardLayout("nucleo-f411re");
    expect(layout).toMatchObject({
      name: "nucleo-f411re",
      flashBase: 0x08000000,
      config: { start: 0x08004000, size: 0x4000 },
      app: { start: 0x08008000, size: 0x78000 },
      ram: { start: 0x20000000, size: 0x20000 },
      writeUnit: 4,
      boardId: 0x04310001,
      productId: 0x431,
    });
    expect(layout.sectors.map((s) => s.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("a board file without a config region: config is the second sector, the application starts at the third", () => {
    const board = loadBoard("stm32f4-discovery");
    const layout = layoutFromBoard({ ...board, memoryMap: { bootloader: { start: 0x08000000, size: 0x8000 }, application: { start: 0x08008000, size: 0xf8000 }, config: null, secondary: null, scratch: null } });
    expect(layout.bootloader).toEqual({ start: 0x08000000, size: 0x4000 });
    expect(layout.config).toEqual({ start: 0x08004000, size: 0x4000 });
    expect(layout.app).toEqual({ start: 0x08008000, size: 0xf8000 });
    expect(layout.productId).toBe(0x413);
  });

  it("every board gives C accessors for every @extern of hal-bindings/board.ts", async () => {
    const fs = await import("node:fs");
    const externs = [...fs.readFileSync(new URL("../../hal-bindings/board.ts", import.meta.url), "utf8").matchAll(/@extern (\w+)/g)].map((m) => m[1]);
    expect(externs.length).toBeGreaterThan(10);
    for (const name of ["nucleo-f411re", "nucleo-f401re", "stm32f4-discovery", "netduinoplus2"]) {
      const c = boardLayoutToC(loadBoardLayout(name));
      for (const e of externs) expect(c, `${name}: ${e}`).toMatch(new RegExp(`^(uint32_t|bool|tsb_view_u8) ${e}\\(`, "m"));
      expect(c).toContain(`const char *sim_board_name(void) { return "${name}"; }`);
    }
  });
});

describe("tsboot sim: command-line errors", () => {
  async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
    let stderr = "";
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      return { code: await simCommand(argv), stderr };
    } finally {
      spy.mockRestore();
    }
  }

  it.each([
    [["--port", "3333", "--board", "nope"], /board nope: unknown board; known boards: .*nucleo-f411re/],
    [["--port", "70000"], /--port: '70000' is not a TCP port/],
    [["--board", "nucleo-f411re"], /needs --port <port> \(live\) or --script <file> \(scripted\)/],
    [["--port", "1", "--script", "x"], /--port and --script do not go together/],
    [["--port", "1", "--bogus"], /unknown option '--bogus'/],
    [["--port", "1", "--preload", "/nonexistent/app.tsb"], /--preload \/nonexistent\/app.tsb: no such file/],
    [["--port", "1", "--flash", "/nonexistent-dir/flash.bin"], /the directory \/nonexistent-dir does not exist/],
    [["sim", "--port", "1", "--transcript", "t.bin"], /--transcript is for scripted runs/],
    [["--node", "--port", "1", "--c", "x.c"], /--c and -I are for the C simulation: with --node each binding runs its TypeScript body/],
    [["--node", "--port", "1", "--stay"], /--stay is for the C simulation, not --node/],
    [["--node", "--port", "1", "--debug"], /--debug is for the C simulation, not --node/],
  ])("%j", async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it("a preload image for another board is refused before anything runs", async () => {
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const { testImage } = await import("./helpers");
    const { buildImage } = await import("../../host/image-format");
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-cli-")), "other.tsb");
    fs.writeFileSync(file, buildImage(testImage().subarray(64), { loadAddress: 0x08008000, appVersion: 1, boardId: 0x04130001 }));
    const r = await run(["--port", "0", "--preload", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the image is for board id 0x04130001, this board \(nucleo-f411re\) is 0x04310001/);
  });
});
