import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classTemplates, classTemplatesSvg, templateImages } from '../../src/viz/templates.ts';
import { encodePng, decodePng } from '../../src/io/png.ts';
import { ShapeError } from '../../src/errors.ts';
import { attribute, findElements, parseXml, textContent } from './xml-check.ts';

/** W (2, 3·1·2): class 0's red plane rises 0 → 8, everything else is small; class 1 is 10× larger. */
const weights = {
  shape: [2, 6],
  data: new Float32Array([
    0, 8, /* G */ 2, 2, /* B */ 4, 4,
    0, 80, /* G */ 20, 20, /* B */ 40, 40,
  ]),
};

describe('classTemplates', () => {
  it('slices W (K, C·H·W) into per-class planar images without copying', () => {
    const images = templateImages(weights, [3, 1, 2]);
    assert.equal(images.length, 2);
    assert.deepEqual(Array.from(images[1]!.data), [0, 80, 20, 20, 40, 40]);
    assert.equal((images[1]!.data as Float32Array).buffer, weights.data.buffer, 'a view, not a copy');
  });

  it('normalizes each class on its own range, so both templates come out the same', () => {
    const templates = classTemplates(weights, { classNames: ['a', 'b'], imageShape: [3, 1, 2], scale: 1, columns: 2 });
    const { image, tiles } = templates.grid;
    const rgb = (tile: number, x: number) => {
      const offset = (tiles[tile]!.y * image.width + tiles[tile]!.x + x) * 3;
      return Array.from(image.pixels.subarray(offset, offset + 3));
    };
    // Range [0, 8]: pixel 0 = (0, 2, 4) → (0, 64, 128); pixel 1 = (8, 2, 4) → (255, 64, 128).
    assert.deepEqual(rgb(0, 0), [0, 64, 128]);
    assert.deepEqual(rgb(0, 1), [255, 64, 128]);
    assert.deepEqual(rgb(1, 0), [0, 64, 128]);
    assert.deepEqual(rgb(1, 1), [255, 64, 128]);
    assert.deepEqual(templates.grid.ranges, [{ min: 0, max: 8 }, { min: 0, max: 80 }]);
    assert.ok(templates.captionedGrid.image.height > templates.grid.image.height, 'room for captions');
  });

  it('defaults to CIFAR-10 shapes: 10 templates of 3×32×32 in two rows of five, upscaled 3×', () => {
    const data = new Float32Array(10 * 3072).map((_, i) => (i * 37) % 101);
    const names = Array.from({ length: 10 }, (_, k) => `class ${k}`);
    const templates = classTemplates({ data, shape: [10, 3072] }, { classNames: names });
    assert.equal(templates.grid.columns, 5);
    assert.equal(templates.grid.rows, 2);
    assert.equal(templates.grid.tiles[0]!.width, 96);
  });

  it('rejects a bias column, a wrong D and a wrong number of class names', () => {
    assert.throws(() => classTemplates({ data: new Float32Array(2 * 3073), shape: [2, 3073] }, { classNames: ['a', 'b'] }), /drop the bias column/);
    assert.throws(() => classTemplates({ data: new Float32Array(12), shape: [2, 6] }, { classNames: ['a', 'b'] }), ShapeError);
    assert.throws(() => classTemplates(weights, { classNames: ['a'], imageShape: [3, 1, 2] }), /2 rows but 1 class names/);
  });
});

describe('classTemplatesSvg', () => {
  it('is well-formed SVG embedding the grid PNG and one caption per class (escaped)', () => {
    const names = ['cat & dog', '<ship>'];
    const templates = classTemplates(weights, { classNames: names, imageShape: [3, 1, 2], scale: 4 });
    const svg = classTemplatesSvg(templates, encodePng);
    const root = parseXml(svg);
    const images = findElements(root, 'image');
    assert.equal(images.length, 1);
    const href = attribute(images[0]!, 'href');
    assert.ok(href.startsWith('data:image/png;base64,'));
    const decoded = decodePng(new Uint8Array(Buffer.from(href.slice(href.indexOf(',') + 1), 'base64')));
    assert.deepEqual(decoded.pixels, templates.captionedGrid.image.pixels);
    assert.equal(Number(attribute(images[0]!, 'width')), decoded.width);
    const texts = findElements(root, 'text').map(textContent);
    for (const name of names) assert.ok(texts.includes(name), `caption ${name}`);
  });
});
