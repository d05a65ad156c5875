/**
 * The real ARM bootloader (built for netduinoplus2) under QEMU 7.2: it boots and prints its banner,
 * answers the native INFO and the AN3155 GET over the emulated USART, starts a valid preloaded
 * application, and refuses a corrupted one. QEMU does not model the flash controller: no test here claims
 * a flash write happened; the first WRITE must fail promptly (its erase cannot be verified) instead of
 * hanging. A preloaded application comes with the status log the bootloader would have written.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadBoard } from "../../boards/index";
import { Command, encodeFrame, FrameDecoder, REPLY_BIT, STATUS_NAMES } from "../../host/frames";
import { logWithPrimary } from "../../host/image/status-log";
import { buildDemoApp, type AppBuild } from "../../host/build/app-build";
import { buildBootloader } from "../../host/build/bootloader-build";
import { QemuBoard, qemuAvailable } from "./qemu-harness";

const missing = await qemuAvailable();
const board = loadBoard("netduinoplus2");
const configStart = board.memoryMap.config!.start;
const appStart = board.memoryMap.application.start;

describe.skipIf(missing !== null)(`bootloader on QEMU netduinoplus2${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let kernel = "";
  let app: AppBuild;
  let dir = "";
  let qemu: QemuBoard | null = null;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-qemu-"));
    kernel = (await buildBootloader({ board: board.name, outDir: path.join(dir, "bootloader"), emulator: true })).elf;
    app = await buildDemoApp({ board: board.name, version: "1.2.3", outDir: path.join(dir, "app"), emulator: true });
    fs.writeFileSync(path.join(dir, "status-log.bin"), logWithPrimary(app.image.subarray(0, 64)));
  }, 120_000);

  afterEach(async () => {
    await qemu?.stop();
    qemu = null;
  });

  const preloaded = (payloadFile: string) => [
    { file: payloadFile, address: appStart },
    { file: path.join(dir, "status-log.bin"), address: configStart },
  ];

  it("boots, prints its banner and answers INFO with this board's map", async () => {
    qemu = await QemuBoard.start(kernel);
    await qemu.waitForText("update: no valid application\r\n"); // the whole line: nothing more is coming
    expect(qemu.text.startsWith("tsboot 0.2.0\r\n")).toBe(true);
    const before = qemu.bytes.length;
    qemu.send(encodeFrame(Command.Info, 7));
    const decoder = new FrameDecoder();
    await qemu.waitFor((b) => decoder.push(b.subarray(before)).length > 0 || new FrameDecoder().push(b.subarray(before)).length > 0, 5000, "the INFO reply");
    const [reply] = new FrameDecoder().push(qemu.bytes.subarray(before));
    expect(reply.command).toBe(Command.Info | REPLY_BIT);
    expect(reply.seq).toBe(7);
    const view = new DataView(reply.payload.buffer, reply.payload.byteOffset);
    expect(STATUS_NAMES[reply.payload[0]]).toBe("ok");
    expect(view.getUint32(6, true)).toBe(board.boardId);
    expect(view.getUint32(10, true)).toBe(appStart);
    expect(view.getUint32(14, true)).toBe(board.memoryMap.application.size);
    expect(reply.payload[23]).toBe(0); // no valid application
  });

  it("answers the AN3155 sync and GET like the ROM bootloader", async () => {
    qemu = await QemuBoard.start(kernel);
    await qemu.waitForText("update: no valid application\r\n"); // the whole line: nothing more is coming
    const before = qemu.bytes.length;
    qemu.send([0x7f]);
    await qemu.waitFor((b) => b.length > before, 5000, "the ACK");
    qemu.send([0x00, 0xff]);
    await qemu.waitFor((b) => b.length >= before + 14, 5000, "the GET answer");
    expect([...qemu.bytes.subarray(before)]).toEqual([0x79, 0x79, 9, 0x31, 0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0x63, 0x73, 0x79]);
  });

  it("starts a valid preloaded application after the listen window, writing nothing on its line", async () => {
    qemu = await QemuBoard.start(kernel, preloaded(app.bin));
    await qemu.waitForText("demo-app 1.2.3 on netduinoplus2");
    expect(qemu.text).toMatch(/^demo-app 1\.2\.3/);
  });

  it("refuses a corrupted application and stays in the bootloader", async () => {
    const corrupted = Uint8Array.from(app.payload);
    corrupted[corrupted.length - 10] ^= 0x01;
    const file = path.join(dir, "corrupted.bin");
    fs.writeFileSync(file, corrupted);
    qemu = await QemuBoard.start(kernel, preloaded(file));
    await qemu.waitForText("update: no valid application\r\n"); // the whole line: nothing more is coming
    await new Promise((r) => setTimeout(r, 300));
    expect(qemu.text).not.toContain("demo-app");
  });

  it("the first WRITE fails promptly with an error instead of hanging (QEMU has no flash controller)", async () => {
    qemu = await QemuBoard.start(kernel);
    await qemu.waitForText("update: no valid application\r\n"); // the whole line: nothing more is coming
    const before = qemu.bytes.length;
    qemu.send(encodeFrame(Command.Begin, 3, app.image.subarray(0, 72)));
    const replyTo = (command: number) => new FrameDecoder().push(qemu!.bytes.subarray(before)).find((f) => f.command === (command | REPLY_BIT));
    await qemu.waitFor(() => replyTo(Command.Begin) !== undefined, 10_000, "the BEGIN reply");
    expect(STATUS_NAMES[replyTo(Command.Begin)!.payload[0]]).toBe("ok"); // erasing waits for the data
    const write = new Uint8Array(4 + 1024);
    write.set(app.image.subarray(64, 64 + 1024), 4);
    qemu.send(encodeFrame(Command.Write, 4, write));
    await qemu.waitFor(() => replyTo(Command.Write) !== undefined, 10_000, "the WRITE reply");
    expect(["verify failed", "flash error"]).toContain(STATUS_NAMES[replyTo(Command.Write)!.payload[0]]);
  });
});
