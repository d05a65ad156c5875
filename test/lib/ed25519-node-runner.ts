// The Node side of test/lib/ed25519.test.ts, run as its own process (`node --import tsx`) so that the verifier
// runs as Node runs it, outside the test runner's module transform (which slows imported calls in hot loops
// several times over). Same protocol as test/lib/c/ed25519-driver.c: each stdin line is
// "<key hex> <signature hex> <message hex> <split> <what>" ("-" for an empty string; <what> holds "1" for
// ed25519Verify, "s" for the streamed form cut at <split>, "k" for ed25519PublicKeyIsStrict), each output
// line "<one call> <streamed> <key strict>", 1/0, or "-" for what was not asked. argv[2]: "plain" (the
// TypeScript) or "checked" (the compiler's checked JavaScript, which traps where the C traps: a trap ends
// the run with its message on stderr).
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

type Ed25519Module = typeof import("../../bootloader-ts/lib/ed25519");

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ENTRY = path.join(ROOT, "bootloader-ts", "lib", "ed25519.ts");

async function load(mode: string): Promise<Ed25519Module> {
  if (mode === "plain") return import("../../bootloader-ts/lib/ed25519");
  if (mode === "checked") {
    const { buildChecked } = await import("../../compiler/checked-loader");
    return (await import(pathToFileURL(await buildChecked(ENTRY)).href)) as Ed25519Module;
  }
  throw new Error(`mode must be plain or checked, not ${mode}`);
}

const bytes = (text: string) => (text === "-" ? new Uint8Array(0) : new Uint8Array(Buffer.from(text, "hex")));

const m = await load(process.argv[2] ?? "");
const out: string[] = [];
for (const line of readFileSync(0, "utf8").split("\n")) {
  if (line.trim() === "") continue;
  const [keyText, signatureText, messageText, splitText, what] = line.trim().split(" ");
  const key = bytes(keyText);
  const signature = bytes(signatureText);
  const message = bytes(messageText);
  const split = Math.min(Number(splitText), message.length);
  const answer = (b: boolean) => (b ? "1" : "0");
  const oneCall = what.includes("1") ? answer(m.ed25519Verify(key, message, signature)) : "-";
  let streamed = "-";
  if (what.includes("s")) {
    m.verifyStart(key, signature);
    m.verifyUpdate(message.subarray(0, split));
    m.verifyUpdate(message.subarray(split));
    streamed = answer(m.verifyFinish());
  }
  const strict = what.includes("k") ? answer(m.ed25519PublicKeyIsStrict(key)) : "-";
  out.push(`${oneCall} ${streamed} ${strict}`);
}
process.stdout.write(out.join("\n") + "\n");
