/**
 * The core's extension points (docs/extending.md), on the Node simulation: a product's own commands and
 * update reasons, and the core's behaviour without them (the same NACK, byte for byte, as a core that has
 * no hooks at all).
 */
import { describe, expect, test, vi } from "vitest";
import { loadBoardLayout } from "../../boards/layout";
import { encodeFrame, FrameDecoder } from "../../host/frames";
import type { NodeRunOptions } from "../../host/sim/node-run";

const layout = loadBoardLayout("nucleo-f411re");
const UNKNOWN_COMMAND = 2;
const BAD_STATE = 4;

type Print = (text: string) => void;

/**
 * One boot in update mode (the trigger held unless `extra` says otherwise), the frames delivered, with the
 * hooks `makeHooks` returns installed (given the runtime's print, fresh for each boot).
 */
async function run(frames: Uint8Array[], makeHooks?: (print: Print) => object, extra: Partial<NodeRunOptions> = {}) {
  vi.resetModules(); // fresh static RAM for each boot
  const { runInNode } = await import("../../host/sim/node-run");
  const { print } = await import("../../runtime/index");
  const script = frames.map((bytes, i) => ({ atUs: 100_000 + i * 20_000, bytes }));
  const r = runInNode({ layout, trigger: true, script, idleUs: 200_000, productHooks: makeHooks?.(print as Print), ...extra });
  const text = Buffer.from(r.transcript).toString("latin1");
  return { r, text, replies: new FrameDecoder().push(r.transcript) };
}

describe("without product hooks", () => {
  test("a command the core does not know gets UnknownCommand, in the product range and outside it", async () => {
    const { replies } = await run([encodeFrame(0x40, 1), encodeFrame(0x7f, 2), encodeFrame(0x20, 3), encodeFrame(0x3f, 4)]);
    expect(replies.map((f) => [f.command, f.seq, [...f.payload]])).toEqual([
      [0xc0, 1, [UNKNOWN_COMMAND]],
      [0xff, 2, [UNKNOWN_COMMAND]],
      [0xa0, 3, [UNKNOWN_COMMAND]],
      [0xbf, 4, [UNKNOWN_COMMAND]],
    ]);
  });

  test("the byte stream is a core-only NACK: sync, reply code, seq, length 1, the status, CRC", async () => {
    const { r } = await run([encodeFrame(0x41, 9)]);
    const nack = encodeFrame(0xc1, 9, Uint8Array.of(UNKNOWN_COMMAND));
    const tx = Buffer.from(r.transcript);
    expect(tx.subarray(tx.length - nack.length)).toEqual(Buffer.from(nack));
  });
});

describe("a product's commands", () => {
  const calls: number[] = [];
  const hooks = () => ({
    productCommand(command: number, payload: Uint8Array, reply: Uint8Array): number {
      calls.push(command);
      if (command === 0x40) {
        reply.set([0xde, 0xad, payload.length]);
        return 3;
      }
      if (command === 0x41) return -0x100 - BAD_STATE; // refuse(Status.BadState)
      if (command === 0x42) return -7; // neither a length nor a refusal: a bug in the hook
      if (command === 0x43) return reply.length + 1; // longer than the reply buffer: a bug too
      return -1; // NOT_A_PRODUCT_COMMAND
    },
  });

  test("answer with their data, refuse with a status, or leave the core's NACK; other codes never reach them", async () => {
    calls.length = 0;
    const { replies } = await run([encodeFrame(0x40, 1, Uint8Array.of(5, 6)), encodeFrame(0x41, 2), encodeFrame(0x44, 3), encodeFrame(0x20, 4), encodeFrame(0x01, 5)], hooks);
    expect(replies.slice(0, 4).map((f) => [f.command, f.seq, [...f.payload]])).toEqual([
      [0xc0, 1, [0, 0xde, 0xad, 2]],
      [0xc1, 2, [BAD_STATE]],
      [0xc4, 3, [UNKNOWN_COMMAND]],
      [0xa0, 4, [UNKNOWN_COMMAND]],
    ]);
    expect(replies[4].command).toBe(0x81); // INFO is the core's, whatever the product does
    expect(calls).toEqual([0x40, 0x41, 0x44]);
  });

  test.each([
    ["0x42", 0x42, /^product command: bad answer$/],
    ["0x43", 0x43, /^product command: reply too long$/],
  ])("an answer that is neither panics (command %s), in Node as on the board", async (_label, command, message) => {
    const { r } = await run([encodeFrame(command, 1)], hooks);
    expect(r.json.outcome).toBe("reset");
    expect(r.json.reason).toBe("panic");
    expect(String(r.json.message)).toMatch(message);
  });
});

describe("a product's update reason", () => {
  const printed: number[] = [];
  const hooks = (print: Print) => ({
    productUpdateReason: () => 7,
    announceProductReason: (reason: number) => {
      printed.push(reason);
      print("lid open");
    },
  });

  test("keeps the bootloader in update mode and is announced after \"update: \"", async () => {
    printed.length = 0;
    const { r, text } = await run([], hooks, { trigger: false });
    expect(r.json.outcome).toBe("idle"); // no valid application either, but the product's reason comes first
    expect(text).toContain("update: lid open\r\n");
    expect(text).not.toContain("no valid application");
    expect(printed).toEqual([7]);
  });

  test("comes after the core's own reasons: the trigger pin is announced instead", async () => {
    printed.length = 0;
    const { text } = await run([], hooks, { trigger: true });
    expect(text).toContain("update: trigger pin\r\n");
    expect(printed).toEqual([]);
  });

  test("zero is no reason: the core's own decides", async () => {
    const { text } = await run([], () => ({ productUpdateReason: () => 0 }), { trigger: false });
    expect(text).toContain("update: no valid application\r\n");
  });
});
