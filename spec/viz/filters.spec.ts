import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { filterCaption, filterPicture, filtersSvg } from '../../src/viz/filters.ts';
import { encodePng } from '../../src/io/png.ts';
import { ShapeError } from '../../src/errors.ts';
import type { PixelImage, TileRect } from '../../src/viz/image-grid.ts';
import { findElements, parseXml, textContent } from './xml-check.ts';

function tilePixel(image: PixelImage, tile: TileRect, x: number, y: number): number[] {
  const offset = ((tile.y + y) * image.width + tile.x + x) * 3;
  return Array.from(image.pixels.subarray(offset, offset + 3));
}

describe('filterPicture, colour (first layer)', () => {
  it('draws each (3, F, F) filter as one RGB tile normalized on its own range', () => {
    // K = 2, C = 3, F = 1: filter 0 = (R, G, B) = (0, 1, 2); filter 1 = (10, 10, 30).
    const picture = filterPicture({ shape: [2, 3, 1, 1], data: [0, 1, 2, 10, 10, 30] }, { scale: 2 });
    assert.equal(picture.mode, 'colour');
    assert.equal(picture.grid.tiles.length, 2);
    assert.equal(picture.grid.tiles[0]!.width, 2);
    assert.deepEqual(tilePixel(picture.grid.image, picture.grid.tiles[0]!, 1, 1), [0, 128, 255]);
    assert.deepEqual(tilePixel(picture.grid.image, picture.grid.tiles[1]!, 0, 0), [0, 0, 255]);
  });

  it('colour mode needs 3 input channels', () => {
    assert.throws(() => filterPicture({ shape: [1, 2, 1, 1], data: [0, 1] }, { mode: 'colour' }), ShapeError);
  });
});

describe('filterPicture, grey (deeper layers)', () => {
  // K = 2 filters, C = 2 channels, 1×2 slices. Filter 0: c0 = [0, 1], c1 = [0, 4]. Filter 1: c0 = [5, 5], c1 = [5, 6].
  const weights = { shape: [2, 2, 1, 2], data: [0, 1, 0, 4, 5, 5, 5, 6] };

  it('lays out a K×C grid, each row normalized on the whole filter by default', () => {
    const picture = filterPicture(weights, { scale: 1 });
    assert.equal(picture.mode, 'grey');
    assert.equal(picture.grid.columns, 2);
    assert.equal(picture.grid.rows, 2);
    const { image, tiles } = picture.grid;
    // Filter 0 range [0, 4]: slice c0 = [0, 1] → [0, 64]; slice c1 = [0, 4] → [0, 255].
    assert.deepEqual(tilePixel(image, tiles[0]!, 1, 0), [64, 64, 64]);
    assert.deepEqual(tilePixel(image, tiles[1]!, 1, 0), [255, 255, 255]);
    // Filter 1 range [5, 6]: c0 = [5, 5] → 0; c1 = [5, 6] → [0, 255].
    assert.deepEqual(tilePixel(image, tiles[2]!, 0, 0), [0, 0, 0]);
    assert.deepEqual(tilePixel(image, tiles[3]!, 1, 0), [255, 255, 255]);
    assert.deepEqual(picture.rowLabels, ['k0', 'k1']);
    assert.deepEqual(picture.columnLabels, ['c0', 'c1']);
  });

  it("'slice' stretches every tile alone and 'global' uses the layer's range", () => {
    const slice = filterPicture(weights, { scale: 1, normalize: 'slice' });
    assert.deepEqual(tilePixel(slice.grid.image, slice.grid.tiles[0]!, 1, 0), [255, 255, 255]);
    const global = filterPicture(weights, { scale: 1, normalize: 'global' });
    // Layer range [0, 6]: filter 1, c0 value 5 → 213.
    assert.deepEqual(tilePixel(global.grid.image, global.grid.tiles[2]!, 0, 0), [213, 213, 213]);
  });

  it('cuts to maxFilters × maxChannels and checks the shape', () => {
    const picture = filterPicture({ shape: [4, 5, 1, 1], data: Array.from({ length: 20 }, (_, i) => i) }, { maxFilters: 3, maxChannels: 2 });
    assert.equal(picture.grid.tiles.length, 6);
    assert.equal(picture.filters, 3);
    assert.equal(picture.channels, 2);
    assert.throws(() => filterPicture({ shape: [2, 2, 2], data: [1, 2, 3, 4, 5, 6, 7, 8] }), /\(K, C, F, F\)/);
    assert.throws(() => filterPicture({ shape: [1, 1, 2, 2], data: [1, 2, 3] }), /need 4 values, got 3/);
  });

  it('filtersSvg names the layer and shape and labels rows and columns', () => {
    const root = parseXml(filtersSvg(filterPicture(weights), encodePng, 'conv<2>'));
    const texts = findElements(root, 'text').map(textContent);
    assert.ok(texts[0]!.startsWith('conv<2> weights (2, 2, 1, 2)'));
    for (const label of ['k0', 'k1', 'c0', 'c1']) assert.ok(texts.includes(label), label);
    assert.equal(findElements(root, 'image').length, 1);
  });

  it("captions give the layer's filter and channel counts, and say when the picture shows fewer", () => {
    // The CIFAR-10 net's conv3: 20 filters over the 20 channels of conv2's output, 5×5 each.
    const conv3 = { shape: [20, 20, 5, 5], data: new Float32Array(20 * 20 * 25).map((_, i) => Math.sin(i)) };
    assert.equal(filterCaption(filterPicture(conv3)), '20 filters × 20 input channels, grey');
    assert.equal(filterCaption(filterPicture(conv3, { maxChannels: 16 })), '20 filters × 20 input channels (first 16 channels shown), grey');
    assert.equal(filterCaption(filterPicture(conv3, { maxFilters: 8, maxChannels: 4 })), '20 filters × 20 input channels (first 8 filters, first 4 channels shown), grey');
    const conv1 = { shape: [16, 3, 5, 5], data: new Float32Array(16 * 3 * 25) };
    assert.equal(filterCaption(filterPicture(conv1)), '16 filters as RGB');
    assert.equal(filterCaption(filterPicture(conv1, { maxFilters: 4 })), '16 filters as RGB (first 4 filters shown)');
    const title = textContent(findElements(parseXml(filtersSvg(filterPicture(conv3, { maxChannels: 16 }), encodePng, 'conv3')), 'text')[0]!);
    assert.equal(title, 'conv3 weights (20, 20, 5, 5): 20 filters × 20 input channels (first 16 channels shown), grey');
  });
});
