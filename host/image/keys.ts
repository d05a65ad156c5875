/**
 * Ed25519 keys for signed images, through Node's crypto (no hand-written key encoding): `tsboot keygen`
 * writes a PKCS#8 PEM private key and an SPKI PEM public key; `tsboot image --key` signs with the private
 * one; `tsboot build --pubkey` builds the public one's 32 raw bytes into the bootloader.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import fs from "node:fs";
import { ed25519PublicKeyIsStrict } from "../../bootloader-ts/lib/ed25519";

export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyError";
  }
}

/** Writes a new key pair: the private key to `privatePath` (PKCS#8 PEM), the public key next to it (.pub, SPKI PEM). */
export function generateKeys(privatePath: string): { privatePath: string; publicPath: string } {
  const publicPath = privatePath.replace(/\.pem$/i, "") + ".pub";
  for (const p of [privatePath, publicPath]) {
    if (fs.existsSync(p)) throw new KeyError(`${p} exists: tsboot keygen never overwrites a key (move it away first)`);
  }
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  fs.writeFileSync(privatePath, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  fs.writeFileSync(publicPath, publicKey.export({ type: "spki", format: "pem" }));
  return { privatePath, publicPath };
}

function readPem(file: string, what: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KeyError(code === "ENOENT" ? `${file}: no such ${what} file` : `${file}: ${(e as Error).message}`);
  }
}

/** The Ed25519 private key in a PEM file (as `tsboot keygen` writes it). */
export function loadPrivateKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readPem(file, "key"));
  } catch (e) {
    if (e instanceof KeyError) throw e;
    throw new KeyError(`${file} is not a private key in PEM form (make one with \`tsboot keygen -o ${file}\`)`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw new KeyError(`${file} is an ${key.asymmetricKeyType} key; tsboot signs with Ed25519 (\`tsboot keygen\`)`);
  return key;
}

/** The 32 raw bytes of an Ed25519 public key, from its PEM file (or from the private key's, which holds it too). */
export function loadPublicKeyBytes(file: string): Uint8Array {
  const pem = readPem(file, "key");
  let key: KeyObject;
  try {
    key = pem.includes("PRIVATE KEY") ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
  } catch {
    throw new KeyError(`${file} is not a public key in PEM form (\`tsboot keygen\` writes one next to the private key, as .pub)`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw new KeyError(`${file} is an ${key.asymmetricKeyType} key; tsboot verifies Ed25519 signatures`);
  const jwk = key.export({ format: "jwk" }) as { x?: string };
  const raw = Buffer.from(jwk.x ?? "", "base64url");
  if (raw.length !== 32) throw new KeyError(`${file}: an Ed25519 public key has 32 bytes, this one ${raw.length}`);
  // Verification accepts what Node accepts, a small-order key too, and with one any signature is forged
  // easily: such a key must never be built into a bootloader (bootloader-ts/lib/ed25519.ts).
  if (!ed25519PublicKeyIsStrict(new Uint8Array(raw))) {
    throw new KeyError(`${file}: not a usable Ed25519 public key (a small-order or non-canonical point, which would accept forged signatures): make a key pair with \`tsboot keygen\``);
  }
  return new Uint8Array(raw);
}
