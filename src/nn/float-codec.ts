/**
 * Float32 arrays ⇄ base64 of their little-endian bytes, for JSON model and checkpoint files.
 *
 * Why not JSON.stringify(Array.from(weights)): decimal text is 2–3× larger and slow to parse, and
 * `JSON.stringify` of a typed array gives an object keyed "0", "1", … . Base64 of the raw bytes is
 * compact, exact (bit for bit) and readable by any language. The byte order is fixed to little-endian
 * so a file written on any machine reads back identically everywhere. Hand-written because the
 * portable core cannot use Node's Buffer (browsers have atob/btoa, but not for binary in workers).
 */
import { DataError } from '../errors.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** The alphabet's character codes, and a decoder from those ASCII bytes to a string. */
const ALPHABET_CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const ASCII = new TextDecoder();
const PAD = '='.charCodeAt(0);

/**
 * Bytes → base64 text (RFC 4648, with '=' padding). The characters are written as bytes into one
 * array and decoded to a string once: building the string with += made a rope node per character
 * pair, about 30 bytes of garbage per input byte (8 MB for one checkpoint of a 300k-parameter net).
 */
export function bytesToBase64(bytes: Uint8Array): string {
  const out = new Uint8Array(4 * Math.ceil(bytes.length / 3));
  let o = 0;
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i];
    const b1 = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const b2 = i + 2 < bytes.length ? bytes[i + 2] : 0;
    const triple = (b0 << 16) | (b1 << 8) | b2;
    out[o++] = ALPHABET_CODES[(triple >> 18) & 63];
    out[o++] = ALPHABET_CODES[(triple >> 12) & 63];
    out[o++] = i + 1 < bytes.length ? ALPHABET_CODES[(triple >> 6) & 63] : PAD;
    out[o++] = i + 2 < bytes.length ? ALPHABET_CODES[triple & 63] : PAD;
  }
  return ASCII.decode(out);
}

/** Base64 text → bytes. Throws DataError (naming `where`) on characters outside the alphabet. */
export function base64ToBytes(text: string, where = 'base64'): Uint8Array {
  const clean = text.replace(/=+$/, '');
  if (clean.length % 4 === 1) throw new DataError(`${where}: base64 text has an impossible length ${text.length}`);
  const bytes = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let byteIndex = 0;
  for (let i = 0; i < clean.length; i += 4) {
    let triple = 0;
    const count = Math.min(4, clean.length - i);
    for (let j = 0; j < 4; j++) {
      const code = j < count ? clean.charCodeAt(i + j) : 65; // 'A' = 0 pads the last group
      const value = code < 128 ? LOOKUP[code] : -1;
      if (value < 0) throw new DataError(`${where}: invalid base64 character '${clean[i + j]}' at ${i + j}`);
      triple = (triple << 6) | value;
    }
    bytes[byteIndex++] = (triple >> 16) & 255;
    if (count > 2) bytes[byteIndex++] = (triple >> 8) & 255;
    if (count > 3) bytes[byteIndex++] = triple & 255;
  }
  return bytes;
}

/** Float32Array → base64 of its little-endian bytes. */
export function encodeFloat32(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytesToBase64(bytes);
}

/** base64 of little-endian float32 → Float32Array of `expectedLength` values (DataError otherwise). */
export function decodeFloat32(text: string, expectedLength: number, where: string): Float32Array {
  const bytes = base64ToBytes(text, where);
  if (bytes.length !== expectedLength * 4) {
    throw new DataError(`${where}: expected ${expectedLength} float32 values (${expectedLength * 4} bytes), got ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer);
  const values = new Float32Array(expectedLength);
  for (let i = 0; i < expectedLength; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}
