/**
 * The portable PNG encoder (src/io/png-encoder.ts, stored deflate blocks, CRC-32 and Adler-32 in
 * TypeScript) against the Node encoder (src/io/png.ts, zlib) and against known check values.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';
import { decodePng, encodePng } from '../../src/io/png.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { crc32 } from '../../src/io/crc32.ts';
import type { PixelImage } from '../../src/io/png-encoder.ts';
import { encodePortablePng, portablePngEncoder, type PngFilterChoice } from '../../src/io/png-encoder.ts';
import { STORED_BLOCK_MAX, adler32, zlibStoredStream } from '../../src/io/zlib-stored.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

/** Adler-32 straight from RFC 1950's definition, reduced after every byte (node:zlib does not export one). */
function adler32ByDefinition(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return b * 65536 + a;
}

function randomImage(rng: Rng, width: number, height: number, channels: PixelImage['channels']): PixelImage {
  const pixels = new Uint8Array(width * height * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = i % 3 === 0 ? rng.int(256) : (i * 7) & 0xff;
  return { width, height, channels, pixels };
}

/** The IDAT data of a PNG written by our encoders (one IDAT, right after the 25-byte IHDR chunk). */
function idatOf(png: Uint8Array): Uint8Array {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const offset = 8 + 25;
  assert.equal(new TextDecoder().decode(png.subarray(offset + 4, offset + 8)), 'IDAT');
  return png.subarray(offset + 8, offset + 8 + view.getUint32(offset));
}

describe('CRC-32 and Adler-32 in TypeScript', () => {
  it('match the standard check values: crc32("123456789") = CBF43926, adler32("Wikipedia") = 11E60398', () => {
    assert.equal(crc32(text('123456789')), 0xcbf43926);
    assert.equal(adler32(text('Wikipedia')), 0x11e60398);
    assert.equal(crc32(new Uint8Array(0)), 0);
    assert.equal(adler32(new Uint8Array(0)), 1);
  });

  it('agree with node:zlib and the definition on long inputs (past Adler-32\'s 5,552-byte run), and CRC-32 continues', () => {
    const rng = new Rng(3);
    const bytes = Uint8Array.from({ length: 100003 }, () => rng.int(256));
    const ones = new Uint8Array(20000).fill(255); // the largest sums Adler-32 can meet
    for (const data of [bytes, ones]) {
      assert.equal(crc32(data), zlibCrc32(data));
      assert.equal(adler32(data), adler32ByDefinition(data));
    }
    assert.equal(crc32(bytes.subarray(500), crc32(bytes.subarray(0, 500))), crc32(bytes));
  });
});

describe('zlibStoredStream', () => {
  for (const length of [0, 1, STORED_BLOCK_MAX, STORED_BLOCK_MAX + 1, 3 * STORED_BLOCK_MAX + 17]) {
    it(`${length} bytes inflate back with node:zlib (which also checks the Adler-32 trailer)`, () => {
      const data = Uint8Array.from({ length }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
      const stream = zlibStoredStream(data);
      const blocks = Math.max(1, Math.ceil(length / STORED_BLOCK_MAX));
      assert.equal(stream.length, 2 + 5 * blocks + length + 4);
      assert.deepEqual(inflateSync(stream), Buffer.from(data));
    });
  }

  it('a wrong Adler-32 trailer is caught by node:zlib', () => {
    const stream = zlibStoredStream(text('Wikipedia'));
    stream[stream.length - 1] ^= 1;
    assert.throws(() => inflateSync(stream), /incorrect data check/);
  });
});

describe('encodePortablePng', () => {
  const rng = new Rng(9);
  const filters: PngFilterChoice[] = [0, 1, 2, 3, 4, 'adaptive'];
  for (const channels of [1, 2, 3, 4] as const) {
    it(`${channels} channel(s): decodes (our decoder and node:zlib) to exactly the Node encoder's pixels`, () => {
      for (const filter of filters) {
        const image = randomImage(rng, 37, 11, channels);
        const portable = encodePortablePng(image, filter);
        const node = encodePng(image, { filter });
        // Same filtered rows inside both files: only the compression differs.
        assert.deepEqual(inflateSync(idatOf(portable)), inflateSync(idatOf(node)));
        // Same header and end chunks, byte for byte.
        assert.deepEqual(portable.subarray(0, 33), node.subarray(0, 33));
        assert.deepEqual(portable.subarray(portable.length - 12), node.subarray(node.length - 12));
        const fromPortable = decodePng(portable, 'portable.png');
        const fromNode = decodePng(node, 'node.png');
        assert.deepEqual([fromPortable.width, fromPortable.height, fromPortable.channels], [37, 11, channels]);
        assert.deepEqual(fromPortable.pixels, fromNode.pixels);
        assert.deepEqual(fromPortable.pixels, image.pixels);
      }
    });
  }

  it('writes images larger than one stored block (64 KiB), and portablePngEncoder is the same encoder', () => {
    const image = randomImage(new Rng(4), 300, 100, 3); // 90,100 filtered bytes: two stored blocks
    const png = portablePngEncoder(image);
    assert.deepEqual(png, encodePortablePng(image));
    assert.deepEqual(decodePng(png).pixels, image.pixels);
  });

  it('refuses a pixel buffer of the wrong size, like the Node encoder', () => {
    assert.throws(() => encodePortablePng({ width: 2, height: 2, channels: 3, pixels: new Uint8Array(11) }), /needs 12 samples, got 11/);
  });

  it('the portable modules import nothing from node:*', () => {
    for (const name of ['io/png-encoder.ts', 'io/crc32.ts', 'io/zlib-stored.ts', 'viz/data-uri.ts']) {
      const source = fs.readFileSync(fileURLToPath(new URL(`../../src/${name}`, import.meta.url)), 'utf8');
      assert.doesNotMatch(source, /from ['"]node:/, `${name} must stay portable`);
    }
  });
});
