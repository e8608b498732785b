import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodePng } from '../../src/io/png.ts';
import { base64Encode, pngDataUri } from '../../src/viz/data-uri.ts';
import type { PixelImage } from '../../src/viz/image-grid.ts';
import { portablePngEncoder } from '../../src/io/png-encoder.ts';

describe('base64Encode', () => {
  it('matches RFC 4648 test vectors', () => {
    const vectors: [string, string][] = [
      ['', ''], ['f', 'Zg=='], ['fo', 'Zm8='], ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='], ['fooba', 'Zm9vYmE='], ['foobar', 'Zm9vYmFy'],
    ];
    for (const [input, expected] of vectors) {
      assert.equal(base64Encode(new TextEncoder().encode(input)), expected, JSON.stringify(input));
    }
  });

  it("agrees with Node's Buffer on every byte value and on inputs longer than one flush", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.equal(base64Encode(all), Buffer.from(all).toString('base64'));
    const long = Uint8Array.from({ length: 20001 }, (_, i) => (i * 7919) & 255);
    assert.equal(base64Encode(long), Buffer.from(long).toString('base64'));
  });
});

describe('pngDataUri', () => {
  it('wraps the injected encoder output as a base64 PNG data: URI', () => {
    const image: PixelImage = { width: 1, height: 1, channels: 3, pixels: Uint8Array.of(1, 2, 3) };
    let seen: PixelImage | null = null;
    const uri = pngDataUri(image, (given) => {
      seen = given;
      return Uint8Array.of(137, 80, 78, 71);
    });
    assert.equal(seen, image);
    assert.equal(uri, 'data:image/png;base64,iVBORw==');
  });

  it('defaults to the portable encoder: the URI holds a PNG that decodes to the image', () => {
    const image: PixelImage = { width: 2, height: 1, channels: 3, pixels: Uint8Array.of(1, 2, 3, 250, 251, 252) };
    const uri = pngDataUri(image);
    assert.equal(uri, pngDataUri(image, portablePngEncoder));
    const bytes = Buffer.from(uri.slice('data:image/png;base64,'.length), 'base64');
    assert.deepEqual([...decodePng(bytes, 'data-uri').pixels], [...image.pixels]);
  });
});
