import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import { DataError } from '../../src/errors.ts';
import { MAX_PNG_SAMPLES, decodePng, encodePng, type PngFilterChoice, type PngImage } from '../../src/io/png.ts';
import { Rng } from '../../src/tensor/rng.ts';

/** A PNG assembled by hand from an IHDR description and already-filtered rows (for known answers). */
function handMadePng(
  header: { width: number; height: number; bitDepth: number; colourType: number; interlace?: number; idat?: Uint8Array },
  filteredRows: number[][],
  extraChunks: Array<[string, Uint8Array]> = [],
): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, header.width);
  view.setUint32(4, header.height);
  ihdr[8] = header.bitDepth;
  ihdr[9] = header.colourType;
  ihdr[12] = header.interlace ?? 0;
  const idat = header.idat ?? deflateSync(Uint8Array.from(filteredRows.flat()));
  const chunks: Array<[string, Uint8Array]> = [['IHDR', ihdr], ...extraChunks, ['IDAT', idat], ['IEND', new Uint8Array(0)]];
  const parts: number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  for (const [type, data] of chunks) {
    const typeBytes = new TextEncoder().encode(type);
    const frame = new Uint8Array(12 + data.length);
    const frameView = new DataView(frame.buffer);
    frameView.setUint32(0, data.length);
    frame.set(typeBytes, 4);
    frame.set(data, 8);
    frameView.setUint32(8 + data.length, crc32(data, crc32(typeBytes)));
    for (const byte of frame) parts.push(byte); // (a spread would overflow the stack for a 1 MB chunk)
  }
  return Uint8Array.from(parts);
}

function randomImage(rng: Rng, width: number, height: number, channels: PngImage['channels'], smooth: boolean): PngImage {
  const pixels = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const value = smooth ? (x * 9 + y * 5 + c * 40 + rng.int(6)) & 0xff : rng.int(256);
        pixels[(y * width + x) * channels + c] = value;
      }
    }
  }
  return { width, height, channels, pixels };
}

function expectDataError(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('encodePng / decodePng round trip', () => {
  const rng = new Rng(7);
  const filters: PngFilterChoice[] = [0, 1, 2, 3, 4, 'adaptive'];
  for (const channels of [1, 2, 3, 4] as const) {
    for (const filter of filters) {
      it(`${channels} channel(s), filter ${filter}: decode(encode(image)) is the image`, () => {
        for (const smooth of [false, true]) {
          const image = randomImage(rng, 13, 7, channels, smooth);
          const decoded = decodePng(encodePng(image, { filter }), 'round-trip.png');
          assert.equal(decoded.width, 13);
          assert.equal(decoded.height, 7);
          assert.equal(decoded.channels, channels);
          assert.deepEqual([...decoded.pixels], [...image.pixels]);
        }
      });
    }
  }

  it('a 1x1 image round-trips', () => {
    const image: PngImage = { width: 1, height: 1, channels: 3, pixels: Uint8Array.of(1, 2, 3) };
    assert.deepEqual([...decodePng(encodePng(image)).pixels], [1, 2, 3]);
  });

  it('writes the signature, IHDR first and IEND last with the well-known IEND CRC ae426082', () => {
    const png = encodePng({ width: 2, height: 1, channels: 1, pixels: Uint8Array.of(0, 255) });
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(new TextDecoder().decode(png.subarray(12, 16)), 'IHDR');
    assert.deepEqual([...png.subarray(png.length - 12)], [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  });

  it('adaptive filtering compresses a smooth gradient better than no filtering', () => {
    const image = randomImage(new Rng(3), 64, 64, 3, true);
    assert.ok(encodePng(image, { filter: 'adaptive' }).length < encodePng(image, { filter: 0 }).length);
  });
});

describe('decodePng known answers (filters worked out by hand)', () => {
  it('undoes Sub, Paeth (choosing b), Up, Average and None', () => {
    // 3x5 gray. Row 0 Sub: 10, 10+5, (15+250) mod 256 = 9.
    // Row 1 Paeth over (10, 15, 9): x0 a=0 b=10 c=0 -> b: 11; x1 a=11 b=15 c=10 -> p=16, b closest: 17;
    //   x2 a=17 b=9 c=15 -> p=11, b closest: 12.
    // Row 2 Up over (11, 17, 12): 11, 18, 11.   Row 3 Average: floor((0+11)/2)+4 = 9, floor((9+18)/2)+4 = 17,
    //   floor((17+11)/2)+4 = 18.   Row 4 None: 7, 8, 9.
    const png = handMadePng({ width: 3, height: 5, bitDepth: 8, colourType: 0 }, [
      [1, 10, 5, 250],
      [4, 1, 2, 3],
      [2, 0, 1, 255],
      [3, 4, 4, 4],
      [0, 7, 8, 9],
    ]);
    const image = decodePng(png, 'hand.png');
    assert.equal(image.channels, 1);
    assert.deepEqual([...image.pixels], [10, 15, 9, 11, 17, 12, 11, 18, 11, 9, 17, 18, 7, 8, 9]);
  });

  it('Paeth chooses c when a + b - c is closest to it', () => {
    // Row 0 None: 50, 40. Row 1 Paeth: x0 = 10 + b(50) = 60; x1: a=60 b=40 c=50 -> p=50 = c: 50 + 3 = 53.
    const png = handMadePng({ width: 2, height: 2, bitDepth: 8, colourType: 0 }, [[0, 50, 40], [4, 10, 3]]);
    assert.deepEqual([...decodePng(png).pixels], [50, 40, 60, 53]);
  });

  it('Paeth breaks ties in the order a, b, c', () => {
    // b-c tie: x1 sees a=55 b=40 c=50 -> p=45, distances a 10, b 5, c 5 -> b: 40 + 3 = 43.
    const tieBC = handMadePng({ width: 2, height: 2, bitDepth: 8, colourType: 0 }, [[0, 50, 40], [4, 5, 3]]);
    assert.deepEqual([...decodePng(tieBC).pixels], [50, 40, 55, 43]);
    // a-c tie: x0 = (246 + 50) mod 256 = 40; x1 sees a=40 b=55 c=50 -> p=45, distances 5, 10, 5 -> a: 43.
    const tieAC = handMadePng({ width: 2, height: 2, bitDepth: 8, colourType: 0 }, [[0, 50, 55], [4, 246, 3]]);
    assert.deepEqual([...decodePng(tieAC).pixels], [50, 55, 40, 43]);
  });

  it('uses bytes-per-pixel (not bytes) as the "left" distance for RGB', () => {
    // 2x1 RGB, Sub: second pixel = first + (1, 2, 3).
    const png = handMadePng({ width: 2, height: 1, bitDepth: 8, colourType: 2 }, [[1, 100, 110, 120, 1, 2, 3]]);
    assert.deepEqual([...decodePng(png).pixels], [100, 110, 120, 101, 112, 123]);
  });

  it('expands a 2-bit palette with tRNS into RGBA', () => {
    const palette = Uint8Array.of(255, 0, 0, 0, 255, 0, 0, 0, 255);
    const alpha = Uint8Array.of(255, 128); // entry 2 has no alpha entry: opaque
    // 3 pixels, indices 0, 1, 2 at 2 bits, packed MSB first: 00 01 10 00 = 0x18.
    const png = handMadePng({ width: 3, height: 1, bitDepth: 2, colourType: 3 }, [[0, 0x18]], [
      ['PLTE', palette],
      ['tRNS', alpha],
    ]);
    const image = decodePng(png);
    assert.equal(image.channels, 4);
    assert.deepEqual([...image.pixels], [255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 255]);
  });

  it('expands 1-bit gray to 0/255 and 4-bit gray by 17', () => {
    const oneBit = handMadePng({ width: 9, height: 1, bitDepth: 1, colourType: 0 }, [[0, 0b10110000, 0b10000000]]);
    assert.deepEqual([...decodePng(oneBit).pixels], [255, 0, 255, 255, 0, 0, 0, 0, 255]);
    const fourBit = handMadePng({ width: 2, height: 1, bitDepth: 4, colourType: 0 }, [[0, 0x3f]]);
    assert.deepEqual([...decodePng(fourBit).pixels], [51, 255]);
  });

  it('skips ancillary chunks it does not know', () => {
    const png = handMadePng({ width: 1, height: 1, bitDepth: 8, colourType: 0 }, [[0, 42]], [['tEXt', new TextEncoder().encode('Comment\0hi')]]);
    assert.deepEqual([...decodePng(png).pixels], [42]);
  });
});

describe('decodePng errors (DataError naming the source)', () => {
  const good = encodePng({ width: 4, height: 3, channels: 3, pixels: new Uint8Array(36).fill(77) });

  it('rejects a bad signature', () => {
    const bad = good.slice();
    bad[1] = 0x51;
    expectDataError(() => decodePng(bad, 'photo.png'), /^photo\.png: not a PNG file \(bad signature\)/);
    expectDataError(() => decodePng(new Uint8Array(3), 'tiny.png'), /not a PNG file/);
  });

  it('rejects a corrupted byte through the chunk CRC', () => {
    const bad = good.slice();
    const idatData = 8 + 25 + 8; // signature, IHDR chunk (12 + 13), IDAT length and type
    bad[idatData + 2] ^= 0x10;
    expectDataError(() => decodePng(bad, 'photo.png'), /^photo\.png: CRC mismatch in PNG chunk IDAT/);
  });

  it('rejects a truncated file', () => {
    expectDataError(() => decodePng(good.subarray(0, good.length - 20), 'cut.png'), /^cut\.png: truncated PNG/);
  });

  it('says that 16-bit samples and interlacing are not supported', () => {
    const sixteen = handMadePng({ width: 1, height: 1, bitDepth: 16, colourType: 0 }, [[0, 1, 2]]);
    expectDataError(() => decodePng(sixteen, 'deep.png'), /deep\.png: 16-bit PNG samples are not supported/);
    const interlaced = handMadePng({ width: 1, height: 1, bitDepth: 8, colourType: 0, interlace: 1 }, [[0, 1]]);
    expectDataError(() => decodePng(interlaced, 'adam7.png'), /adam7\.png: interlaced \(Adam7\) PNG is not supported/);
  });

  it('rejects image data of the wrong length, a bad filter type and a palette index past the palette', () => {
    const short = handMadePng({ width: 3, height: 2, bitDepth: 8, colourType: 0 }, [[0, 1, 2, 3]]);
    expectDataError(() => decodePng(short, 'short.png'), /inflates to 4 bytes, expected 8/);
    const badFilter = handMadePng({ width: 1, height: 1, bitDepth: 8, colourType: 0 }, [[5, 1]]);
    expectDataError(() => decodePng(badFilter), /invalid PNG filter type 5 on row 0/);
    const badIndex = handMadePng({ width: 1, height: 1, bitDepth: 8, colourType: 3 }, [[0, 2]], [['PLTE', new Uint8Array(6)]]);
    expectDataError(() => decodePng(badIndex), /palette index 2 at \(0, 0\) is past the 2-entry palette/);
  });

  it('rejects an unknown critical chunk', () => {
    const unknown = handMadePng({ width: 1, height: 1, bitDepth: 8, colourType: 0 }, [[0, 1]], [['ABCD', new Uint8Array(1)]]);
    expectDataError(() => decodePng(unknown), /unsupported critical PNG chunk ABCD/);
  });

  it('encodePng rejects a pixel buffer of the wrong size', () => {
    expectDataError(() => encodePng({ width: 2, height: 2, channels: 3, pixels: new Uint8Array(11) }), /needs 12 samples, got 11/);
  });
});

describe('decodePng size limit: a small file claiming a huge image is refused from its header', () => {
  it('a 1 MB PNG claiming 100000x100000 RGB is refused by the header check, before its image data is read', () => {
    // The image data is 1 MB of random bytes that do not even inflate: had the decoder got as far as
    // inflating, the error would say "does not inflate". Memory is measured loosely (no timing).
    const rng = new Rng(5);
    const idat = Uint8Array.from({ length: 2 ** 20 }, () => rng.int(256));
    const png = handMadePng({ width: 100000, height: 100000, bitDepth: 8, colourType: 2, idat }, []);
    assert.ok(png.length > 2 ** 20 && png.length < 2 ** 20 + 100);
    const before = process.memoryUsage().arrayBuffers;
    expectDataError(
      () => decodePng(png, 'huge.png'),
      /^huge\.png: PNG header claims 100000x100000x3 = 30000000000 samples, more than the limit of 67108864 \(MAX_PNG_SAMPLES, 4096x4096 RGBA\); refused before inflating$/,
    );
    assert.ok(process.memoryUsage().arrayBuffers - before < 100e6, 'refusing must not allocate the claimed image');
  });

  it('counts channels after expansion (a palette image as RGBA), and takes a smaller limit as an option', () => {
    const palette = handMadePng({ width: 5000, height: 5000, bitDepth: 8, colourType: 3, idat: new Uint8Array(4) }, []);
    expectDataError(() => decodePng(palette, 'palette.png'), /5000x5000x4 = 100000000 samples, more than the limit of 67108864/);
    const small = encodePng({ width: 4, height: 4, channels: 1, pixels: new Uint8Array(16) });
    assert.equal(decodePng(small, 'small.png', { maxSamples: 16 }).pixels.length, 16);
    expectDataError(() => decodePng(small, 'small.png', { maxSamples: 15 }), /small\.png: PNG header claims 4x4x1 = 16 samples, more than the limit of 15; refused/);
    assert.equal(MAX_PNG_SAMPLES, 2 ** 26);
  });

  it('image data that inflates past what the header implies stops there (a deflate bomb within the size limit)', () => {
    // 1000x1000 gray needs 1000 * 1001 bytes; the stream holds 32 MiB of zeros in about 32 KB.
    const idat = deflateSync(new Uint8Array(32 * 2 ** 20));
    const png = handMadePng({ width: 1000, height: 1000, bitDepth: 8, colourType: 0, idat }, []);
    expectDataError(
      () => decodePng(png, 'bomb.png'),
      /^bomb\.png: PNG image data inflates to more than the 1001000 bytes its 1000x1000 header implies .*inflating stopped there$/,
    );
  });

  it('image data one byte too long is reported with its length', () => {
    const long = handMadePng({ width: 2, height: 1, bitDepth: 8, colourType: 0 }, [[0, 1, 2, 3]]);
    expectDataError(() => decodePng(long, 'long.png'), /long\.png: PNG image data inflates to 4 bytes, expected 3/);
  });
});
