/**
 * PNG encoder for 8-bit images in plain TypeScript: the portable half of the PNG code. It runs in a
 * browser, a worker or Node alike and is synchronous. It sits in io/ beside the decoder and the encoder that
 * compresses with node:zlib (src/io/png.ts), but imports nothing from node:*, so viz/ can use it; png.ts and reuse the filters and chunk framing from here.
 *
 * Pixels in are HWC, row-major, 8 bits per sample: sample (y, x, c) sits at (y*W + x)*C + c.
 *
 * File layout (PNG spec, ISO/IEC 15948):
 *   8-byte signature 89 50 4E 47 0D 0A 1A 0A, then chunks: length (u32 BE), type (4 ASCII letters),
 *   data, CRC-32 of type+data. Here: IHDR (width, height, bit depth 8, colour type 0 gray, 4
 *   gray+alpha, 2 RGB or 6 RGBA, compression 0, filter 0, interlace 0), one IDAT holding one zlib
 *   stream, and IEND. The zlib stream holds H rows of (1 filter byte + W*C bytes); each row is
 *   predicted from the pixel to the left (a), above (b) and above-left (c):
 *     0 None: x          1 Sub: x - a        2 Up: x - b
 *     3 Average: x - floor((a + b) / 2)      4 Paeth: x - paeth(a, b, c)      (all mod 256)
 *   where "left" means bpp bytes back (bpp = bytes per whole pixel, at least 1).
 *
 * How the zlib stream is made is the caller's choice (`Compress`): `encodePortablePng` stores the
 * rows uncompressed (src/io/zlib-stored.ts, larger files, no dependency); src/io/png.ts's encodePng
 * deflates them with node:zlib. Both decode to exactly the same pixels.
 */
import { DataError } from '../errors.ts';
import { crc32 } from './crc32.ts';
import { zlibStoredStream } from './zlib-stored.ts';

/** An 8-bit image, HWC row-major (src/viz/image-grid.ts's PixelImage has this shape). */
export interface PixelImage {
  readonly width: number;
  readonly height: number;
  /** 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
  readonly channels: 1 | 2 | 3 | 4;
  readonly pixels: Uint8Array;
}

/** An image → PNG file bytes; what src/viz takes to draw pictures into reports and data URIs. */
export type EncodePng = (image: PixelImage) => Uint8Array;

/** Row filter for encoding: one of the five PNG filters, or 'adaptive' (the libpng heuristic). */
export type PngFilterChoice = 0 | 1 | 2 | 3 | 4 | 'adaptive';

/** Turns the filtered rows into a zlib stream (RFC 1950). */
export type Compress = (filteredRows: Uint8Array) => Uint8Array;

export const PNG_SIGNATURE: Uint8Array = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const COLOUR_TYPE_FOR_CHANNELS = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;

/**
 * Encodes an 8-bit HWC image as a PNG file whose image data is stored, not compressed.
 * Portable and synchronous; decodes to exactly `image`'s pixels.
 * @param filter default 'adaptive' (it also makes the stored rows friendlier to later compression)
 */
export function encodePortablePng(image: PixelImage, filter: PngFilterChoice = 'adaptive'): Uint8Array {
  return encodePngWith(image, filter, zlibStoredStream);
}

/** `encodePortablePng` in the shape src/viz takes (see data-uri.ts): use it in a browser. */
export const portablePngEncoder: EncodePng = (image: PixelImage) => encodePortablePng(image);

/**
 * Encodes an 8-bit HWC image as a PNG file (non-interlaced), the filtered rows made into a zlib
 * stream by `compress`.
 * @throws DataError when the size is not positive, channels is not 1..4, or pixels.length is not W*H*C.
 */
export function encodePngWith(image: PixelImage, filter: PngFilterChoice, compress: Compress): Uint8Array {
  const { width, height, channels, pixels } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new DataError(`encodePng: width and height must be positive integers, got ${width}x${height}`);
  }
  if (!(channels in COLOUR_TYPE_FOR_CHANNELS)) {
    throw new DataError(`encodePng: channels must be 1, 2, 3 or 4, got ${channels}`);
  }
  if (pixels.length !== width * height * channels) {
    throw new DataError(
      `encodePng: ${width}x${height}x${channels} needs ${width * height * channels} samples, got ${pixels.length}`,
    );
  }
  const rowBytes = width * channels;
  const filtered = new Uint8Array(height * (rowBytes + 1));
  const candidate = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const row = pixels.subarray(y * rowBytes, (y + 1) * rowBytes);
    const above = y > 0 ? pixels.subarray((y - 1) * rowBytes, y * rowBytes) : null;
    const outStart = y * (rowBytes + 1);
    let chosen: number = typeof filter === 'number' ? filter : 0;
    if (filter === 'adaptive') {
      // libpng's heuristic: the filter whose output, read as signed bytes, has the smallest sum of |x|.
      let bestCost = Infinity;
      for (let type = 0; type <= 4; type++) {
        filterRow(type, row, above, channels, candidate);
        let cost = 0;
        for (let i = 0; i < rowBytes; i++) cost += candidate[i] < 128 ? candidate[i] : 256 - candidate[i];
        if (cost < bestCost) {
          bestCost = cost;
          chosen = type;
        }
      }
    }
    filtered[outStart] = chosen;
    filterRow(chosen, row, above, channels, filtered.subarray(outStart + 1, outStart + 1 + rowBytes));
  }

  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = COLOUR_TYPE_FOR_CHANNELS[channels];
  // bytes 10..12: compression 0 (deflate), filter method 0, interlace 0 (none)
  const chunks = [pngChunk('IHDR', header), pngChunk('IDAT', compress(filtered)), pngChunk('IEND', new Uint8Array(0))];
  const file = new Uint8Array(PNG_SIGNATURE.length + chunks.reduce((sum, part) => sum + part.length, 0));
  file.set(PNG_SIGNATURE, 0);
  let offset = PNG_SIGNATURE.length;
  for (const part of chunks) {
    file.set(part, offset);
    offset += part.length;
  }
  return file;
}

/**
 * Applies filter `type` to one row: out[i] = row[i] - predictor(a, b, c) mod 256, where a = the byte
 * `bpp` to the left (0 off the edge), b = the byte above (0 on the first row), c = above-left.
 */
export function filterRow(type: number, row: Uint8Array, above: Uint8Array | null, bpp: number, out: Uint8Array): void {
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp] : 0;
    const b = above ? above[i] : 0;
    const c = above && i >= bpp ? above[i - bpp] : 0;
    out[i] = (row[i] - pngPredictor(type, a, b, c)) & 0xff;
  }
}

/** The value filter `type` predicts for a byte from its neighbours left (a), above (b), above-left (c). */
export function pngPredictor(type: number, a: number, b: number, c: number): number {
  switch (type) {
    case 0:
      return 0;
    case 1:
      return a;
    case 2:
      return b;
    case 3:
      return (a + b) >> 1;
    default: {
      // Paeth: whichever of a, b, c is closest to a + b - c; ties prefer a, then b.
      const estimate = a + b - c;
      const distanceA = Math.abs(estimate - a);
      const distanceB = Math.abs(estimate - b);
      const distanceC = Math.abs(estimate - c);
      if (distanceA <= distanceB && distanceA <= distanceC) return a;
      return distanceB <= distanceC ? b : c;
    }
  }
}

/** One chunk: length, type, data, CRC-32 over type and data. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
