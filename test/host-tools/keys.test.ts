/**
 * Keys for signed images (host/image/keys.ts): tsboot keygen's PEM pair, the 32 raw bytes `tsboot build
 * --pubkey` builds in (from the .pub or the private key, the same), and the keys refused with a reason: a
 * key of another type, and a small-order public key (with one, forging a signature is trivial).
 */
import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { keygenCommand, imageCommand } from "../../host/cli-tools";
import { generateKeys, KeyError, loadPrivateKey, loadPublicKeyBytes } from "../../host/image/keys";
import { loadBoard } from "../../boards/index";
import { makeApp, tempDir } from "./helpers";

const quiet = { stdout: { write: () => true }, stderr: { write: () => true }, isTTY: false };

/** An SPKI PEM holding the raw Ed25519 public key `raw` (Node does not check the point). */
function publicPem(raw: Uint8Array): string {
  const der = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from(raw)]);
  return createPublicKey({ key: der, format: "der", type: "spki" }).export({ type: "spki", format: "pem" }) as string;
}

describe("tsboot keygen and the public key built into a bootloader", () => {
  it("keygen writes key.pem and key.pub; both give the same 32 bytes; it never overwrites", async () => {
    const dir = tempDir("tsboot-keys-");
    const pem = path.join(dir, "key.pem");
    expect(await keygenCommand(["-o", pem], quiet)).toBe(0);
    expect(fs.readFileSync(pem, "utf8")).toContain("BEGIN PRIVATE KEY");
    expect(fs.readFileSync(path.join(dir, "key.pub"), "utf8")).toContain("BEGIN PUBLIC KEY");
    const fromPub = loadPublicKeyBytes(path.join(dir, "key.pub"));
    expect(fromPub).toHaveLength(32);
    expect(loadPublicKeyBytes(pem)).toEqual(fromPub);
    expect(() => generateKeys(pem)).toThrow(/exists: tsboot keygen never overwrites a key/);
  });

  it("image --key signs header ‖ payload, which Node's crypto verifies with the public key", async () => {
    const dir = tempDir("tsboot-keys-");
    const pem = path.join(dir, "key.pem");
    generateKeys(pem);
    const board = loadBoard("nucleo-f411re");
    const bin = path.join(dir, "app.bin");
    const payload = makeApp(board, 3000, 1);
    fs.writeFileSync(bin, payload);
    const out = path.join(dir, "app.tsb");
    expect(await imageCommand([bin, "--board", "nucleo-f411re", "--version", "1.0.0", "--key", pem, "--security-counter", "7", "-o", out], quiet)).toBe(0);
    const file = fs.readFileSync(out);
    expect(file.length).toBe(64 + payload.length + 64);
    expect(file.readUInt32LE(32)).toBe(7);
    expect(file.readUInt32LE(36)).toBe(64);
    const key = createPublicKey(fs.readFileSync(path.join(dir, "key.pub")));
    expect(verify(null, file.subarray(0, 64 + payload.length), key, file.subarray(64 + payload.length))).toBe(true);
    expect(verify(null, Buffer.concat([file.subarray(0, 63), Buffer.from([file[63] ^ 1]), file.subarray(64, 64 + payload.length)]), key, file.subarray(64 + payload.length))).toBe(false);
  });

  it("refuses a key of another type, and a small-order public key", () => {
    const dir = tempDir("tsboot-keys-");
    const rsa = path.join(dir, "rsa.pub");
    fs.writeFileSync(rsa, generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }));
    expect(() => loadPublicKeyBytes(rsa)).toThrow(/is an ec key; tsboot verifies Ed25519 signatures/);
    expect(() => loadPrivateKey(rsa)).toThrow(KeyError);

    // The identity (0, 1): with it R = identity, S = 0 verifies every message.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const weak = path.join(dir, "weak.pub");
    fs.writeFileSync(weak, publicPem(identity));
    const forged = new Uint8Array(64);
    forged[0] = 1;
    expect(verify(null, Buffer.from("any firmware"), createPublicKey(fs.readFileSync(weak)), forged), "Node accepts the forgery").toBe(true);
    expect(() => loadPublicKeyBytes(weak)).toThrow(/not a usable Ed25519 public key \(a small-order/);

    // A generated key passes.
    const good = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }) as string;
    fs.writeFileSync(path.join(dir, "good.pub"), good);
    expect(loadPublicKeyBytes(path.join(dir, "good.pub"))).toHaveLength(32);
  });
});
