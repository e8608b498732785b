/**
 * PNG decoder for 8-bit images, and the Node encoder that compresses with node:zlib.
 *
 * Written by hand because Node has deflate (node:zlib) and a CRC-32 (zlib.crc32, Node >= 20.15) but
 * no image codec. The row filters and the chunk framing of the encoder are portable and live in
 * src/io/png-encoder.ts (whose encodePortablePng needs no node:* at all); this file adds deflate
 * compression for Node and the decoder.
 *
 * Pixels in and out are HWC, row-major, 8 bits per sample: sample (y, x, c) sits at
 * (y*W + x)*C + c. (The library's tensors are NCHW; converting happens in the caller, at the edge.)
 *
 * File layout (PNG spec, ISO/IEC 15948):
 *   8-byte signature 89 50 4E 47 0D 0A 1A 0A, then chunks: length (u32 BE), type (4 ASCII letters),
 *   data, CRC-32 of type+data. IHDR first (width, height, bit depth, colour type, compression 0,
 *   filter 0, interlace), then PLTE/tRNS if any, IDAT(s) holding one zlib stream, and IEND.
 *   The zlib stream inflates to H rows of (1 filter byte + rowBytes); each row is predicted from the
 *   pixel to the left (a), above (b) and above-left (c):
 *     0 None: x          1 Sub: x - a        2 Up: x - b
 *     3 Average: x - floor((a + b) / 2)      4 Paeth: x - paeth(a, b, c)      (all mod 256)
 *   where "left" means bpp bytes back (bpp = bytes per whole pixel, at least 1).
 *
 * Supported: colour types 0 gray, 4 gray+alpha, 2 RGB, 6 RGBA at 8 bits; palette (3) at 1/2/4/8
 * bits and gray at 1/2/4 bits, expanded to 8 bits. Not supported (DataError saying so): 16-bit
 * samples and Adam7 interlacing. A gray or RGB image's tRNS chunk (one transparent colour) is
 * ignored; a palette's tRNS gives the decoded image an alpha channel.
 *
 * Size limit: a PNG's header states its size, and a small file may claim a huge one (a 1 MB file
 * saying 100000x100000). The decoder checks width x height x channels against `maxSamples` (default
 * MAX_PNG_SAMPLES) as soon as it reads IHDR, before reading any image data, and inflates with
 * `maxOutputLength` set to the size the header implies, so image data that inflates to more than
 * that is refused as soon as it passes it, not after filling the memory.
 */
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { DataError } from '../errors.ts';
import { PNG_SIGNATURE, encodePngWith, pngPredictor, type PngFilterChoice } from './png-encoder.ts';

export type { PngFilterChoice } from './png-encoder.ts';

/**
 * The largest image decodePng accepts by default: 2^26 = 67,108,864 samples (width x height x
 * channels after expansion), i.e. 64 MiB of pixels — 4096x4096 RGBA, 8192x8192 gray. Far above the
 * 32x32 images the networks take, and small enough that decoding cannot exhaust the memory.
 */
export const MAX_PNG_SAMPLES = 2 ** 26;

export interface PngDecodeOptions {
  /** Largest width x height x channels accepted (default MAX_PNG_SAMPLES). */
  maxSamples?: number;
}

/** An 8-bit image: HWC row-major, `channels` 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
export interface PngImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  /** width*height*channels samples, 0..255, sample (y, x, c) at (y*width + x)*channels + c. */
  pixels: Uint8Array;
}

export interface PngEncodeOptions {
  /** Default 'adaptive': per row, the filter whose output has the smallest sum of |signed bytes|. */
  filter?: PngFilterChoice;
  /** zlib level 0..9, default 6. */
  level?: number;
}

const SIGNATURE = PNG_SIGNATURE;
const CHANNELS_FOR_COLOUR_TYPE: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Encodes an 8-bit image as a PNG file (non-interlaced), deflated with node:zlib. The filters and
 * chunks are src/io/png-encoder.ts's; only the compression differs from encodePortablePng.
 */
export function encodePng(image: PngImage, options: PngEncodeOptions = {}): Uint8Array {
  const level = options.level ?? 6;
  return encodePngWith(image, options.filter ?? 'adaptive', (filteredRows) => deflateSync(filteredRows, { level }));
}

/**
 * Decodes a PNG file into an 8-bit HWC image.
 * @param source what to call the file in error messages (usually its path)
 * @throws DataError on a bad signature, a CRC mismatch, a truncated or malformed chunk stream, an
 *         unsupported feature (16-bit samples, interlacing), or a size above `options.maxSamples`
 *         (checked from IHDR, before any image data is read), naming the source and what was found.
 */
export function decodePng(bytes: Uint8Array, source = 'PNG data', options: PngDecodeOptions = {}): PngImage {
  const maxSamples = options.maxSamples ?? MAX_PNG_SAMPLES;
  for (let i = 0; i < SIGNATURE.length; i++) {
    if (bytes[i] !== SIGNATURE[i]) throw new DataError(`${source}: not a PNG file (bad signature)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  let bitDepth = 0;
  let colourType = -1;
  let palette: Uint8Array | null = null;
  let paletteAlpha: Uint8Array | null = null;
  const idatParts: Uint8Array[] = [];
  let sawEnd = false;

  let offset = SIGNATURE.length;
  while (!sawEnd) {
    if (offset + 12 > bytes.length) throw new DataError(`${source}: truncated PNG (no IEND chunk before byte ${bytes.length})`);
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const dataStart = offset + 8;
    if (dataStart + length + 4 > bytes.length) {
      throw new DataError(`${source}: truncated PNG chunk ${type} at byte ${offset} (needs ${length} data bytes)`);
    }
    const data = bytes.subarray(dataStart, dataStart + length);
    const storedCrc = view.getUint32(dataStart + length);
    const actualCrc = crc32(data, crc32(bytes.subarray(offset + 4, offset + 8)));
    if (storedCrc !== actualCrc) {
      throw new DataError(
        `${source}: CRC mismatch in PNG chunk ${type} at byte ${offset} ` +
          `(stored ${hex32(storedCrc)}, computed ${hex32(actualCrc)}): the file is corrupt`,
      );
    }
    if (offset === SIGNATURE.length && type !== 'IHDR') throw new DataError(`${source}: first PNG chunk is ${type}, expected IHDR`);

    if (type === 'IHDR') {
      if (length !== 13) throw new DataError(`${source}: IHDR chunk has ${length} bytes, expected 13`);
      const header = new DataView(data.buffer, data.byteOffset, 13);
      width = header.getUint32(0);
      height = header.getUint32(4);
      bitDepth = data[8];
      colourType = data[9];
      checkHeader(source, width, height, bitDepth, colourType, data[10], data[11], data[12]);
      checkSize(source, width, height, colourType, maxSamples);
    } else if (type === 'PLTE') {
      if (length % 3 !== 0 || length === 0 || length > 768) {
        throw new DataError(`${source}: PLTE chunk has ${length} bytes, expected 3 per entry, 1..256 entries`);
      }
      palette = data;
    } else if (type === 'tRNS') {
      if (colourType === 3) paletteAlpha = data;
    } else if (type === 'IDAT') {
      idatParts.push(data);
    } else if (type === 'IEND') {
      sawEnd = true;
    } else if ((bytes[offset + 4] & 0x20) === 0) {
      // Lower-case first letter = ancillary, safe to skip; upper-case = critical, must be understood.
      throw new DataError(`${source}: unsupported critical PNG chunk ${type}`);
    }
    offset = dataStart + length + 4;
  }
  if (idatParts.length === 0) throw new DataError(`${source}: PNG has no IDAT (image data) chunk`);
  if (colourType === 3 && palette === null) throw new DataError(`${source}: palette PNG without a PLTE chunk`);

  const samplesPerPixel = CHANNELS_FOR_COLOUR_TYPE[colourType];
  const rowBytes = Math.ceil((width * samplesPerPixel * bitDepth) / 8);
  const expectedBytes = height * (rowBytes + 1);
  let raw: Uint8Array;
  try {
    // One byte more than expected, so that a stream slightly too long is still reported with its length.
    raw = inflateSync(concat(idatParts), { maxOutputLength: expectedBytes + 1 });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataError(
        `${source}: PNG image data inflates to more than the ${expectedBytes} bytes its ${width}x${height} header implies ` +
          `(${height} rows of 1 filter byte + ${rowBytes}); inflating stopped there`,
      );
    }
    throw new DataError(`${source}: PNG image data does not inflate (${(error as Error).message})`);
  }
  if (raw.length !== expectedBytes) {
    throw new DataError(
      `${source}: PNG image data inflates to ${raw.length} bytes, expected ${height * (rowBytes + 1)} ` +
        `(${height} rows of 1 filter byte + ${rowBytes})`,
    );
  }
  const unfiltered = unfilterRows(raw, height, rowBytes, Math.max(1, (samplesPerPixel * bitDepth) >> 3), source);
  return expandSamples(unfiltered, width, height, rowBytes, bitDepth, colourType, palette, paletteAlpha, source);
}

function checkHeader(
  source: string,
  width: number,
  height: number,
  bitDepth: number,
  colourType: number,
  compression: number,
  filterMethod: number,
  interlace: number,
): void {
  if (width === 0 || height === 0) throw new DataError(`${source}: PNG is ${width}x${height}, expected a positive size`);
  if (!(colourType in CHANNELS_FOR_COLOUR_TYPE)) throw new DataError(`${source}: invalid PNG colour type ${colourType}`);
  if (bitDepth === 16) throw new DataError(`${source}: 16-bit PNG samples are not supported (only 8-bit and below)`);
  const allowed = colourType === 0 || colourType === 3 ? [1, 2, 4, 8] : [8];
  if (!allowed.includes(bitDepth)) {
    throw new DataError(`${source}: bit depth ${bitDepth} is invalid for PNG colour type ${colourType}`);
  }
  if (compression !== 0 || filterMethod !== 0) {
    throw new DataError(`${source}: unknown PNG compression/filter method ${compression}/${filterMethod}`);
  }
  if (interlace === 1) throw new DataError(`${source}: interlaced (Adam7) PNG is not supported; save it non-interlaced`);
  if (interlace !== 0) throw new DataError(`${source}: invalid PNG interlace method ${interlace}`);
}

/**
 * Refuses an image whose decoded size, width x height x channels (channels after expansion: a
 * palette becomes RGB or RGBA, counted as 4), is above `maxSamples`. Called on IHDR, before any
 * image data is read or inflated.
 */
function checkSize(source: string, width: number, height: number, colourType: number, maxSamples: number): void {
  const channels = colourType === 3 ? 4 : CHANNELS_FOR_COLOUR_TYPE[colourType];
  const samples = width * height * channels;
  if (samples > maxSamples) {
    throw new DataError(
      `${source}: PNG header claims ${width}x${height}x${channels} = ${samples} samples, more than the limit of ` +
        `${maxSamples}${maxSamples === MAX_PNG_SAMPLES ? ' (MAX_PNG_SAMPLES, 4096x4096 RGBA)' : ''}; refused before inflating`,
    );
  }
}

/** Undoes the row filters in place of a copy: returns H*rowBytes bytes without filter bytes. */
function unfilterRows(raw: Uint8Array, height: number, rowBytes: number, bpp: number, source: string): Uint8Array {
  // Every filter byte is checked before the output is allocated: a bad file is refused cheaply.
  for (let y = 0; y < height; y++) {
    const type = raw[y * (rowBytes + 1)];
    if (type > 4) throw new DataError(`${source}: invalid PNG filter type ${type} on row ${y}`);
  }
  const out = new Uint8Array(height * rowBytes);
  for (let y = 0; y < height; y++) {
    const type = raw[y * (rowBytes + 1)];
    const inStart = y * (rowBytes + 1) + 1;
    const outStart = y * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? out[outStart + i - bpp] : 0;
      const b = y > 0 ? out[outStart - rowBytes + i] : 0;
      const c = y > 0 && i >= bpp ? out[outStart - rowBytes + i - bpp] : 0;
      out[outStart + i] = (raw[inStart + i] + pngPredictor(type, a, b, c)) & 0xff;
    }
  }
  return out;
}

/** Turns unfiltered rows into 8-bit HWC samples: unpacks sub-byte depths and looks up palettes. */
function expandSamples(
  rows: Uint8Array,
  width: number,
  height: number,
  rowBytes: number,
  bitDepth: number,
  colourType: number,
  palette: Uint8Array | null,
  paletteAlpha: Uint8Array | null,
  source: string,
): PngImage {
  if (bitDepth === 8 && colourType !== 3) {
    return { width, height, channels: CHANNELS_FOR_COLOUR_TYPE[colourType] as PngImage['channels'], pixels: rows };
  }
  const channels = colourType === 3 ? (paletteAlpha ? 4 : 3) : 1;
  const pixels = new Uint8Array(width * height * channels);
  const mask = (1 << bitDepth) - 1;
  const grayScale = 255 / mask; // 1-bit 1 -> 255, 2-bit 3 -> 255, 4-bit 15 -> 255
  const entries = palette ? palette.length / 3 : 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bitOffset = x * bitDepth;
      const byte = rows[y * rowBytes + (bitOffset >> 3)];
      const value = (byte >> (8 - bitDepth - (bitOffset & 7))) & mask; // samples are packed MSB first
      const out = (y * width + x) * channels;
      if (colourType === 0) {
        pixels[out] = value * grayScale;
        continue;
      }
      if (value >= entries) {
        throw new DataError(`${source}: palette index ${value} at (${y}, ${x}) is past the ${entries}-entry palette`);
      }
      pixels[out] = palette![value * 3];
      pixels[out + 1] = palette![value * 3 + 1];
      pixels[out + 2] = palette![value * 3 + 2];
      if (paletteAlpha) pixels[out + 3] = value < paletteAlpha.length ? paletteAlpha[value] : 255;
    }
  }
  return { width, height, channels: channels as PngImage['channels'], pixels };
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
