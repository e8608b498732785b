/**
 * CRC-32 (ISO 3309 / ITU-T V.42, the checksum of PNG chunks, gzip and zip), in plain TypeScript so
 * that the portable core can write PNG files without node:zlib.
 *
 * The CRC is the remainder of the message, seen as a polynomial over GF(2), divided by
 *   x^32 + x^26 + x^23 + x^22 + x^16 + x^12 + x^11 + x^10 + x^8 + x^7 + x^5 + x^4 + x^2 + x + 1,
 * computed bit-reflected (least significant bit first, polynomial 0xEDB88320), starting from all ones
 * and inverted at the end. A 256-entry table holds the remainder of every byte, so each input byte
 * costs one lookup: crc = table[(crc ^ byte) & 0xff] ^ (crc >>> 8).
 *
 * Check value (the standard test vector): crc32("123456789") = 0xCBF43926.
 */

/** table[n] = CRC remainder of the byte n (8 shift-and-xor steps of the reflected polynomial). */
const CRC32_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let remainder = n;
    for (let bit = 0; bit < 8; bit++) remainder = remainder & 1 ? 0xedb88320 ^ (remainder >>> 1) : remainder >>> 1;
    table[n] = remainder >>> 0;
  }
  return table;
})();

/**
 * CRC-32 of `bytes`, continuing from `previous` (the CRC of the bytes before them, 0 to start), so
 * crc32(b, crc32(a)) = crc32(a followed by b) — the same contract as node:zlib's crc32.
 * @returns an unsigned 32-bit integer
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  let crc = ~previous;
  for (let i = 0; i < bytes.length; i++) crc = CRC32_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
