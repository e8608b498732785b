/**
 * data: URIs, so that reports and SVGs carry their pictures inside themselves and open anywhere,
 * offline, as one file.
 *
 * The PNG encoder is injected (`EncodePng`): src/io/png.ts's `encodePng` compresses with node:zlib
 * (smaller files; src/viz/write-images.ts passes it for you in Node), while the portable
 * `portablePngEncoder` of ./png-encoder.ts (stored, uncompressed deflate blocks) runs anywhere,
 * synchronously — it is the default here, so pictures work in a browser with nothing injected.
 */
import type { PixelImage } from './image-grid.ts';
import { type EncodePng, portablePngEncoder } from '../io/png-encoder.ts';

/** Encodes an 8-bit interleaved (H, W, C) image as PNG file bytes, like src/io/png.ts's encodePng. */
export type { EncodePng };

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Standard base64 (RFC 4648, with '=' padding) of `bytes`. Written out because the portable core may
 * not use Node's Buffer: every 3 bytes (24 bits) become 4 characters of 6 bits each.
 */
export function base64Encode(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const remaining = bytes.length - i;
    const b0 = bytes[i]!;
    const b1 = remaining > 1 ? bytes[i + 1]! : 0;
    const b2 = remaining > 2 ? bytes[i + 2]! : 0;
    const triple = (b0 << 16) | (b1 << 8) | b2;
    chunk +=
      BASE64_ALPHABET[(triple >> 18) & 63]! +
      BASE64_ALPHABET[(triple >> 12) & 63]! +
      (remaining > 1 ? BASE64_ALPHABET[(triple >> 6) & 63]! : '=') +
      (remaining > 2 ? BASE64_ALPHABET[triple & 63]! : '=');
    // Flush in pieces: joining a few large strings is cheaper than one ever-growing concatenation.
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  return parts.join('');
}

/**
 * A `data:image/png;base64,…` URI holding `image` encoded with `encodePng` (default: the portable
 * encoder, which needs no node:*).
 */
export function pngDataUri(image: PixelImage, encodePng: EncodePng = portablePngEncoder): string {
  return `data:image/png;base64,${base64Encode(encodePng(image))}`;
}
