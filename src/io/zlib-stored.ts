/**
 * A zlib stream (RFC 1950) whose deflate data (RFC 1951) uses only *stored* blocks: the bytes are
 * copied as they are, not compressed. Any inflater (node:zlib, a browser's DecompressionStream, a
 * PNG viewer) reads it. Written in plain TypeScript so that the portable core can write PNG files
 * synchronously without node:zlib; the price is size (no compression), which for the small images
 * of reports is a fair trade. Node keeps compressing with zlib (src/io/png.ts).
 *
 * Layout:
 *   2-byte header 0x78 0x01: CMF = deflate with a 32 KiB window, FLG = no dictionary, "fastest"
 *     level, and (CMF*256 + FLG) divisible by 31 as the format requires (0x7801 = 30721 = 31 * 991);
 *   blocks of at most 65,535 bytes, each: 1 byte BFINAL (1 on the last block) + BTYPE 00 (stored),
 *     LEN (u16 little-endian), NLEN = ~LEN, then LEN bytes;
 *   Adler-32 of the uncompressed bytes, big-endian.
 * An empty input is one empty final block.
 */

/** Largest stored block: LEN is a 16-bit field. */
export const STORED_BLOCK_MAX = 65535;

/**
 * Adler-32 (RFC 1950 §8.2): a = 1 + Σ bytes, b = Σ of the running a's, both mod 65521 (the largest
 * prime below 2^16); the checksum is b * 65536 + a. Reducing once per 5,552 bytes (zlib's NMAX, the
 * longest run after which b still fits in 32 bits) instead of once per byte gives the same result.
 * Check value: adler32("Wikipedia") = 0x11E60398.
 * @returns an unsigned 32-bit integer
 */
export function adler32(bytes: Uint8Array): number {
  const MOD = 65521;
  const NMAX = 5552;
  let a = 1;
  let b = 0;
  for (let start = 0; start < bytes.length; start += NMAX) {
    const end = Math.min(start + NMAX, bytes.length);
    for (let i = start; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return (b * 65536 + a) >>> 0;
}

/** `data` as a zlib stream of stored deflate blocks (see the module comment). */
export function zlibStoredStream(data: Uint8Array): Uint8Array {
  const blockCount = Math.max(1, Math.ceil(data.length / STORED_BLOCK_MAX));
  const out = new Uint8Array(2 + blockCount * 5 + data.length + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let offset = 2;
  for (let block = 0; block < blockCount; block++) {
    const start = block * STORED_BLOCK_MAX;
    const length = Math.min(STORED_BLOCK_MAX, data.length - start);
    out[offset] = block === blockCount - 1 ? 1 : 0; // BFINAL bit, BTYPE 00 = stored
    out[offset + 1] = length & 0xff;
    out[offset + 2] = length >>> 8;
    out[offset + 3] = ~length & 0xff;
    out[offset + 4] = (~length >>> 8) & 0xff;
    out.set(data.subarray(start, start + length), offset + 5);
    offset += 5 + length;
  }
  const checksum = adler32(data);
  out[offset] = checksum >>> 24;
  out[offset + 1] = (checksum >>> 16) & 0xff;
  out[offset + 2] = (checksum >>> 8) & 0xff;
  out[offset + 3] = checksum & 0xff;
  return out;
}
