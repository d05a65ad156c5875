// The Ed25519 verification cases of test/lib/ed25519.test.ts: RFC 8032's vectors, seeded random signatures
// with their corruptions, and the non-canonical and degenerate inputs built with the BigInt model. Every case
// is decided by Node's crypto.verify (OpenSSL), which the subset verifier must agree with.
import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import * as ref from "./ed25519-reference";

export interface VerifyCase {
  label: string;
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
  /** Where the streamed verification cuts the message in two. */
  split: number;
}

const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** Node's decision: crypto.verify with the raw 32-byte key wrapped in an SPKI structure. */
export function nodeVerify(c: Pick<VerifyCase, "publicKey" | "message" | "signature">): boolean {
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, c.publicKey]), format: "der", type: "spki" });
  return verify(null, c.message, key, c.signature);
}

/** An Ed25519 key pair from a 32-byte seed (RFC 8032's secret key), through Node's crypto. */
export function keyPair(seed: Uint8Array): { publicKey: Uint8Array; sign(message: Uint8Array): Uint8Array } {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
  const publicKey = new Uint8Array(createPublicKey(privateKey).export({ format: "der", type: "spki" }).subarray(12));
  return { publicKey, sign: (message) => new Uint8Array(sign(null, message, privateKey)) };
}

const h = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

/** RFC 8032 §7.1, the Ed25519 vectors: secret key, public key, message, signature. */
export const RFC8032_VECTORS: { name: string; secretKey: Uint8Array; publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array }[] = [
  {
    name: "TEST 1",
    secretKey: h("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
    publicKey: h("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
    message: h(""),
    signature: h("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
  },
  {
    name: "TEST 2",
    secretKey: h("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"),
    publicKey: h("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"),
    message: h("72"),
    signature: h("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
  },
  {
    name: "TEST 3",
    secretKey: h("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7"),
    publicKey: h("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025"),
    message: h("af82"),
    signature: h("6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
  },
  {
    name: "TEST 1024",
    secretKey: h("f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5"),
    publicKey: h("278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e"),
    message: h(
      "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8" +
        "79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ff" +
        "bc1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36" +
        "553e06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6" +
        "cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed185ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8" +
        "a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b" +
        "13fd65f27088d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65b" +
        "d92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128bab27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04" +
        "d83d1255dc51addd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495" +
        "e056a9b47acdb751fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c" +
        "4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34dff7310fdc82aebfd904b01e1dc54b2927094b2db68d6f90" +
        "3b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419" +
        "c17a3ca8e1b939ae49e488acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac0943bf6686b6" +
        "4b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5fb93246f6b1116398a346f1a641f3b041e989f7914" +
        "f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6" +
        "315cf4fde7cb68606937380db2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8cac60c90" +
        "5c15fc910840b94c00a0b9d0",
    ),
    signature: h("0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"),
  },
  {
    name: "TEST SHA(abc)",
    secretKey: h("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42"),
    publicKey: h("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf"),
    message: h("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
    signature: h("dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"),
  },
];

/** A small seeded generator (mulberry32): the same cases on every run for a given seed. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  below(n: number): number {
    return this.u32() % n;
  }
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.u32() & 0xff);
  }
  scalar(): bigint {
    return ref.mod(ref.fromLittleEndian(this.bytes(64)), ref.L);
  }
}

/** Message lengths: short ones, the SHA-512 block edges (R ‖ A take 64 bytes of the first block), a few long. */
function messageLength(random: Random): number {
  const pick = random.below(10);
  if (pick < 4) return random.below(65);
  if (pick < 7) return [0, 1, 47, 48, 49, 63, 64, 65, 111, 112, 113, 127, 128, 129, 175, 176, 177][random.below(17)];
  if (pick < 9) return random.below(1025);
  return 1024 + random.below(8192);
}

const flipBit = (bytes: Uint8Array, bit: number) => {
  const out = bytes.slice();
  out[bit >> 3] ^= 1 << (bit & 7);
  return out;
};

function withS(signature: Uint8Array, s: bigint): Uint8Array {
  return new Uint8Array([...signature.subarray(0, 32), ...ref.littleEndian(s & (2n ** 256n - 1n), 32)]);
}

/**
 * `count` random cases from `seed`: an honest signature of a random message, then one of eight treatments in
 * turn — left valid, a bit of R flipped, a bit of S flipped, S + n·L, a bit of the key flipped, another key,
 * a bit of the message flipped, a byte added or removed. A fresh key for every round of eight.
 */
export function randomCases(count: number, seed: number): VerifyCase[] {
  const random = new Random(seed);
  const cases: VerifyCase[] = [];
  let keys = keyPair(random.bytes(32));
  for (let i = 0; i < count; i++) {
    if (i % 8 === 0) keys = keyPair(random.bytes(32));
    let message = random.bytes(messageLength(random));
    let signature = keys.sign(message);
    let publicKey = keys.publicKey;
    let label: string;
    switch (i % 8) {
      case 0:
        label = "valid";
        break;
      case 1:
        signature = flipBit(signature, random.below(256));
        label = "R bit flipped";
        break;
      case 2:
        signature = flipBit(signature, 256 + random.below(256));
        label = "S bit flipped";
        break;
      case 3:
        signature = withS(signature, ref.fromLittleEndian(signature.subarray(32)) + BigInt(1 + random.below(15)) * ref.L);
        label = "S + n·L";
        break;
      case 4:
        publicKey = flipBit(publicKey, random.below(256));
        label = "key bit flipped";
        break;
      case 5:
        publicKey = keyPair(random.bytes(32)).publicKey;
        label = "another key";
        break;
      case 6:
        message = message.length ? flipBit(message, random.below(message.length * 8)) : Uint8Array.of(random.below(256));
        label = "message bit flipped";
        break;
      default:
        message = message.length && random.below(2) ? message.subarray(0, message.length - 1) : new Uint8Array([...message, random.below(256)]);
        label = "message length changed";
        break;
    }
    cases.push({ label, publicKey, message, signature, split: random.below(message.length + 1) });
  }
  return cases;
}

/**
 * The non-canonical and degenerate cases, built with the BigInt model. Node decides each; the labels say
 * what is being probed. Deterministic (fixed seed).
 */
export function specialCases(): VerifyCase[] {
  const random = new Random(0x25519);
  const cases: VerifyCase[] = [];
  const add = (label: string, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) =>
    cases.push({ label, publicKey, message, signature, split: random.below(message.length + 1) });
  const message = () => random.bytes(random.below(200));
  const small = ref.smallOrderPoints();
  const zeroS = (r: Uint8Array) => new Uint8Array([...r, ...new Uint8Array(32)]);

  // RFC 8032 §7.1, and each with a flipped bit.
  for (const v of RFC8032_VECTORS) {
    add(`RFC 8032 ${v.name}`, v.publicKey, v.message, v.signature);
    add(`RFC 8032 ${v.name}, signature bit flipped`, v.publicKey, v.message, flipBit(v.signature, random.below(512)));
  }

  // A of small order (each of the 8 points), R of small order, S = 0: [S]B - [k]A = -[k]A is a small-order
  // point, equal to R for about one R in 8. Node accepts those: a small-order key verifies forgeries.
  for (const [i, a] of small.entries()) {
    const m = message();
    for (const [j, r] of small.entries()) add(`A small order [${i}]T, R small order [${j}]T, S = 0`, ref.encode(a), m, zeroS(ref.encode(r)));
    add(`A small order [${i}]T, random signature`, ref.encode(a), m, random.bytes(64));
  }

  // A spelled non-canonically: y + p (for the on-curve y < 19: y = 0, 1 of small order, and others), and
  // x = 0 with the sign bit (y = 1, y = p - 1). For the small-order ones, the S = 0 forgeries above.
  const spellings: [string, Uint8Array, ref.Point | null][] = [];
  for (let y = 0n; y < 19n; y++) {
    const x = ref.recoverX(y, 0);
    if (x === null) continue;
    for (const sign of [0, 1] as const) spellings.push([`A = y + p (y = ${y}), sign ${sign}`, ref.spell(y + ref.P, sign), ref.fromAffine(sign ? ref.mod(-x) : x, y)]);
  }
  spellings.push(["A = (0, 1) with the sign bit", ref.spell(1n, 1), ref.IDENTITY]);
  spellings.push(["A = (0, -1) with the sign bit", ref.spell(ref.P - 1n, 1), ref.fromAffine(0n, ref.P - 1n)]);
  for (const [label, spelled, point] of spellings) {
    const m = message();
    add(`${label}, random signature`, spelled, m, random.bytes(64));
    if (point && ref.equal(ref.multiply(8n, point), ref.IDENTITY)) {
      for (const r of small) add(`${label}, R small order, S = 0`, spelled, m, zeroS(ref.encode(r)));
    }
  }

  // R spelled non-canonically where the equation holds for the canonical R: A = (0, 1) and S = 0 give
  // [S]B - [k]A = (0, 1); its other spellings are y = 1 + p and the sign bit. Node compares bytes: rejected.
  {
    const m = message();
    const identityKey = ref.encode(ref.IDENTITY);
    add("A = R = (0, 1), S = 0 (canonical R)", identityKey, m, zeroS(ref.encode(ref.IDENTITY)));
    add("A = (0, 1), R = (0, 1) spelled y = 1 + p, S = 0", identityKey, m, zeroS(ref.spell(1n + ref.P, 0)));
    add("A = (0, 1), R = (0, 1) with the sign bit, S = 0", identityKey, m, zeroS(ref.spell(1n, 1)));
    add("A = (0, 1), R spelled y = p (a point with y = 0), S = 0", identityKey, m, zeroS(ref.spell(ref.P, 0)));
  }

  // S at and around L, with A = (0, 1): then [S]B - [k]A = [S]B whatever k, so R = [S mod L]B makes the
  // equation hold and only the S < L rule decides.
  {
    const identityKey = ref.encode(ref.IDENTITY);
    for (const s of [0n, 1n, ref.L - 1n, ref.L, ref.L + 1n, 2n * ref.L, 2n ** 253n - 1n, 2n ** 256n - 1n, ref.L + random.scalar()]) {
      const r = ref.encode(ref.multiply(ref.mod(s, ref.L), ref.BASE));
      add(`A = (0, 1), S = ${s === ref.L ? "L" : s < ref.L ? "below L" : "L or more"}, R = [S mod L]B`, identityKey, message(), new Uint8Array([...r, ...ref.littleEndian(s, 32)]));
    }
  }

  // An honest key (secret scalar a), R with a torsion component: R = [r]B + T. The cofactorless equation
  // fails ([S]B - [k]A = [r]B ≠ R); RFC 8032's cofactored one would pass. Node rejects.
  for (const [i, t] of small.entries()) {
    const a = random.scalar();
    const publicKey = ref.encode(ref.multiply(a, ref.BASE));
    const m = message();
    add(`R = [r]B + [${i}]T (torsion in R)`, publicKey, m, ref.signWithScalar(a, publicKey, m, random.scalar(), t));
  }

  // A with a torsion component: A = [a]B + T, signed with a. [S]B - [k]A = R - [k]T, so the signature
  // passes exactly when [k]T = 0 — it depends on k mod the order of T, that is on exact arithmetic mod L.
  for (const [i, t] of small.entries()) {
    if (i === 0) continue;
    for (let n = 0; n < 6; n++) {
      const a = random.scalar();
      const publicKey = ref.encode(ref.add(ref.multiply(a, ref.BASE), t));
      const m = message();
      add(`A = [a]B + [${i}]T (mixed order), signed with a`, publicKey, m, ref.signWithScalar(a, publicKey, m, random.scalar()));
    }
  }

  // Keys that do not decode: y with no x (including y < 19 ones).
  for (let y = 2n; y < 19n; y++) {
    if (ref.recoverX(y, 0) === null) add(`A undecodable (y = ${y})`, ref.spell(y, random.below(2) as 0 | 1), message(), random.bytes(64));
  }
  for (let n = 0; n < 8; ) {
    const y = ref.fromLittleEndian(random.bytes(32)) & (2n ** 255n - 1n);
    if (ref.recoverX(y, 0) !== null) continue;
    n++;
    add("A undecodable (random y)", ref.spell(y, random.below(2) as 0 | 1), message(), random.bytes(64));
  }

  // Honest signatures whose S has its top bits set or is near 0 are covered by the random cases; here an
  // all-zero and an all-ones signature by an honest key.
  {
    const keys = keyPair(random.bytes(32));
    const m = message();
    add("all-zero signature", keys.publicKey, m, new Uint8Array(64));
    add("all-ones signature", keys.publicKey, m, new Uint8Array(64).fill(0xff));
  }
  return cases;
}

/** What ed25519PublicKeyIsStrict should say, from the model: canonical, decodable, of order exactly L. */
export function strictKeyExpected(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false;
  const value = ref.fromLittleEndian(publicKey);
  const y = value & (2n ** 255n - 1n);
  const x = ref.recoverX(y, Number(value >> 255n) as 0 | 1);
  if (x === null || y >= ref.P) return false;
  const point = ref.fromAffine(x, y);
  const canonical = Buffer.from(ref.encode(point)).equals(Buffer.from(publicKey));
  return canonical && !ref.equal(point, ref.IDENTITY) && ref.equal(ref.multiply(ref.L, point), ref.IDENTITY);
}
