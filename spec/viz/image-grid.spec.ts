import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scaleFor, tileImages, toByte, valueRange, type PixelImage } from '../../src/viz/image-grid.ts';
import { ConfigError, ShapeError } from '../../src/errors.ts';

/** RGB of pixel (x, y) of an HWC image. */
function pixel(image: PixelImage, x: number, y: number): number[] {
  const offset = (y * image.width + x) * image.channels;
  return Array.from(image.pixels.subarray(offset, offset + image.channels));
}

const grey = (values: number[], height = 2, width = 2) => ({ channels: 1, height, width, data: values });

describe('toByte and valueRange', () => {
  it('maps [min, max] linearly onto 0..255 with rounding and clamping', () => {
    assert.equal(toByte(0, 0, 3), 0);
    assert.equal(toByte(1, 0, 3), 85);
    assert.equal(toByte(1.5, 0, 3), 128); // 127.5 rounds up
    assert.equal(toByte(3, 0, 3), 255);
    assert.equal(toByte(-7, 0, 3), 0);
    assert.equal(toByte(9, 0, 3), 255);
    assert.equal(toByte(Number.NaN, 0, 3), 0);
    assert.equal(toByte(5, 2, 2), 0, 'no contrast is black');
  });

  it('skips non-finite values when finding the range', () => {
    assert.deepEqual(valueRange([3, Number.NaN, -2, Infinity, 1]), { min: -2, max: 3 });
    assert.deepEqual(valueRange([Number.NaN]), { min: 0, max: 0 });
    assert.deepEqual(valueRange([]), { min: 0, max: 0 });
  });

  it('picks the smallest integer scale reaching the wanted size', () => {
    assert.equal(scaleFor(32, 32, 48), 2);
    assert.equal(scaleFor(5, 3, 40), 8);
    assert.equal(scaleFor(100, 100, 48), 1);
  });
});

describe('tileImages layout', () => {
  it('places upscaled tiles with padding and background, normalizing each tile', () => {
    const grid = tileImages([grey([0, 1, 2, 3]), grey([10, 10, 10, 40])], {
      columns: 2,
      padding: 1,
      scale: 2,
      background: [10, 20, 30],
    });
    // width = 2 columns * (2*2) + 3 paddings = 11; height = 1 row * 4 + 2 paddings = 6.
    assert.equal(grid.image.width, 11);
    assert.equal(grid.image.height, 6);
    assert.equal(grid.image.channels, 3);
    assert.equal(grid.image.pixels.length, 11 * 6 * 3);
    assert.deepEqual(grid.tiles, [
      { x: 1, y: 1, width: 4, height: 4 },
      { x: 6, y: 1, width: 4, height: 4 },
    ]);
    // Border and the gap between the tiles are background.
    for (const [x, y] of [[0, 0], [5, 3], [10, 5], [3, 0], [0, 5]] as const) {
      assert.deepEqual(pixel(grid.image, x, y), [10, 20, 30], `background at (${x}, ${y})`);
    }
    // Tile 0: values 0,1,2,3 → 0,85,170,255, each source pixel a 2×2 block, grey in all channels.
    const expected = [
      [0, 0, 85, 85],
      [0, 0, 85, 85],
      [170, 170, 255, 255],
      [170, 170, 255, 255],
    ];
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) {
        const value = expected[y]![x]!;
        assert.deepEqual(pixel(grid.image, 1 + x, 1 + y), [value, value, value], `tile 0 at (${x}, ${y})`);
      }
    }
    // Tile 1 has its own range [10, 40]: 10 → 0, 40 → 255.
    assert.deepEqual(pixel(grid.image, 6, 1), [0, 0, 0]);
    assert.deepEqual(pixel(grid.image, 9, 4), [255, 255, 255]);
    assert.deepEqual(grid.ranges, [{ min: 0, max: 3 }, { min: 10, max: 40 }]);
  });

  it('wraps into rows, leaves the last row short, and reserves caption strips', () => {
    const tiles = [0, 1, 2].map((k) => grey([k, k + 1], 1, 2));
    const grid = tileImages(tiles, { columns: 2, padding: 2, captionSpace: 5 });
    assert.equal(grid.rows, 2);
    // width = 2*2 + 3*2 = 10; height = 2*(1 + 5) + 3*2 = 18.
    assert.equal(grid.image.width, 10);
    assert.equal(grid.image.height, 18);
    assert.deepEqual(grid.tiles.map((tile) => [tile.x, tile.y]), [[2, 2], [6, 2], [2, 10]]);
    // The empty fourth cell and the caption strip stay white (the default background).
    assert.deepEqual(pixel(grid.image, 6, 10), [255, 255, 255]);
    assert.deepEqual(pixel(grid.image, 2, 3), [255, 255, 255]);
    assert.deepEqual(pixel(grid.image, 3, 10), [255, 255, 255]); // tile 2 is (2, 3) → its max
    assert.deepEqual(pixel(grid.image, 2, 10), [0, 0, 0]);
  });

  it('defaults to a square-ish grid: ceil(sqrt(count)) columns', () => {
    const tiles = Array.from({ length: 5 }, () => grey([0, 1, 2, 3]));
    const grid = tileImages(tiles);
    assert.equal(grid.columns, 3);
    assert.equal(grid.rows, 2);
  });
});

describe('tileImages normalization', () => {
  it("'global' uses one range over all tiles", () => {
    const grid = tileImages([grey([0, 1, 2, 3]), grey([4, 5, 6, 51])], { columns: 2, padding: 0, normalize: 'global' });
    assert.deepEqual(pixel(grid.image, 1, 0), [5, 5, 5]); // 1/51*255
    assert.deepEqual(pixel(grid.image, 3, 1), [255, 255, 255]);
    assert.deepEqual(pixel(grid.image, 2, 0), [20, 20, 20]); // 4/51*255
    assert.deepEqual(grid.ranges, [{ min: 0, max: 51 }, { min: 0, max: 51 }]);
  });

  it('a fixed range passes bytes through and clamps outliers', () => {
    const grid = tileImages([grey([-5, 7, 200, 300])], { padding: 0, normalize: { min: 0, max: 255 } });
    assert.deepEqual(Array.from(grid.image.pixels.filter((_, i) => i % 3 === 0)), [0, 7, 200, 255]);
  });

  it('reads RGB planes (C, H, W) into interleaved pixels with one range per tile', () => {
    // Planes: R = [0, 10], G = [20, 30], B = [40, 50]; range [0, 50] over all channels.
    const grid = tileImages([{ channels: 3, height: 1, width: 2, data: new Float32Array([0, 10, 20, 30, 40, 50]) }], {
      padding: 0,
    });
    assert.deepEqual(pixel(grid.image, 0, 0), [0, 102, 204]);
    assert.deepEqual(pixel(grid.image, 1, 0), [51, 153, 255]);
  });

  it('draws a flat tile black and ignores NaN when normalizing', () => {
    const grid = tileImages([grey([4, 4, 4, 4]), grey([Number.NaN, 0, 1, 2])], { columns: 2, padding: 0 });
    assert.deepEqual(pixel(grid.image, 0, 0), [0, 0, 0]);
    assert.deepEqual(pixel(grid.image, 1, 1), [0, 0, 0]);
    assert.deepEqual(pixel(grid.image, 2, 0), [0, 0, 0], 'NaN pixel drawn black');
    assert.deepEqual(pixel(grid.image, 3, 1), [255, 255, 255]);
    assert.deepEqual(grid.ranges[1], { min: 0, max: 2 });
  });

  it('accepts uint8 input', () => {
    const grid = tileImages([{ channels: 1, height: 1, width: 2, data: new Uint8Array([0, 255]) }], { padding: 0 });
    assert.deepEqual(Array.from(grid.image.pixels), [0, 0, 0, 255, 255, 255]);
  });
});

describe('tileImages errors', () => {
  it('rejects tiles of different sizes, bad channel counts and wrong data lengths', () => {
    assert.throws(() => tileImages([grey([0, 1, 2, 3]), grey([0, 1], 1, 2)]), ShapeError);
    assert.throws(() => tileImages([{ channels: 2, height: 1, width: 1, data: [0, 1] }]), /1 \(grey\) or 3 \(RGB\)/);
    assert.throws(() => tileImages([grey([0, 1, 2])]), /needs 4 values, got 3/);
  });

  it('rejects bad options and an empty list', () => {
    assert.throws(() => tileImages([]), ConfigError);
    assert.throws(() => tileImages([grey([0, 1, 2, 3])], { scale: 0 }), ConfigError);
    assert.throws(() => tileImages([grey([0, 1, 2, 3])], { scale: 1.5 }), ConfigError);
    assert.throws(() => tileImages([grey([0, 1, 2, 3])], { columns: 0 }), ConfigError);
    assert.throws(() => tileImages([grey([0, 1, 2, 3])], { padding: -1 }), ConfigError);
    assert.throws(() => tileImages([grey([0, 1, 2, 3])], { captionSpace: -2 }), ConfigError);
  });
});
