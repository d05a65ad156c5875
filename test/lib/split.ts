// Shared fast-check arbitraries for the lib tests: buffers around interesting lengths, and random splits.
import fc from "fast-check";

/** Lengths that matter for SHA-256 padding (55/56 bytes: the length field fits or not; 64: a full block). */
export const EDGE_LENGTHS = [0, 1, 2, 3, 4, 31, 32, 33, 55, 56, 57, 63, 64, 65, 111, 112, 119, 120, 127, 128, 129, 191, 192];

/** A byte buffer: often one of the edge lengths, otherwise anything up to maxLength (a few KB). */
export function bytes(maxLength = 4096): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.constantFrom(...EDGE_LENGTHS).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
    fc.uint8Array({ maxLength: 300 }),
    fc.uint8Array({ maxLength }),
  );
}

/** A buffer and a split of it into consecutive chunks (empty chunks included), by random cut points. */
export function chunked(maxLength = 4096): fc.Arbitrary<{ data: Uint8Array; chunks: Uint8Array[] }> {
  return fc.tuple(bytes(maxLength), fc.array(fc.nat(), { maxLength: 12 })).map(([data, cuts]) => {
    const points = cuts.map((c) => c % (data.length + 1)).sort((a, b) => a - b);
    const chunks: Uint8Array[] = [];
    let start = 0;
    for (const p of [...points, data.length]) {
      chunks.push(data.subarray(start, p)); // subarray views with a non-zero byteOffset, as the bootloader passes them
      start = p;
    }
    return { data, chunks };
  });
}
