import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { activationPicture, activationSvg, activationsHtml } from '../../src/viz/activations.ts';
import { decodePng, encodePng } from '../../src/io/png.ts';
import { ShapeError } from '../../src/errors.ts';
import { attribute, findElements, parseXml, textContent } from './xml-check.ts';

// Two 2×2 maps: map 0 = [0, 1, 2, 3], map 1 = [-1, -1, -1, -1] (flat).
const conv = { layerName: 'conv1', shape: [2, 2, 2], maps: new Float32Array([0, 1, 2, 3, -1, -1, -1, -1]) };

describe('activationPicture', () => {
  it('draws one tile per map, each normalized, and captions name, shape and min/max', () => {
    const picture = activationPicture(conv, { minTileSize: 4 });
    assert.equal(picture.grid.tiles.length, 2);
    assert.equal(picture.grid.tiles[0]!.width, 4, 'scale 2 reaches the minimum tile size');
    assert.deepEqual([picture.min, picture.max], [-1, 3]);
    assert.equal(picture.caption, 'conv1 (2, 2, 2) · min -1 · max 3');
    const { image, tiles } = picture.grid;
    const at = (tile: number, x: number, y: number) => image.pixels[((tiles[tile]!.y + y) * image.width + tiles[tile]!.x + x) * 3];
    assert.equal(at(0, 0, 0), 0);
    assert.equal(at(0, 3, 3), 255);
    assert.equal(at(0, 2, 0), 85);
    assert.equal(at(1, 1, 1), 0, 'a flat map is black');
  });

  it('accepts a leading batch dimension of 1 and cuts to maxMaps', () => {
    const picture = activationPicture({ ...conv, shape: [1, 2, 2, 2] }, { maxMaps: 1 });
    assert.deepEqual(picture.shape, [2, 2, 2]);
    assert.equal(picture.shown, 1);
    assert.match(picture.caption, /first 1 of 2 maps$/);
  });

  it('draws a vector (D) as one strip normalized together, wrapped when long', () => {
    const scores = activationPicture({ layerName: 'fc', shape: [1, 3], maps: [1, 2, 3] }, { minTileSize: 8 });
    assert.equal(scores.grid.tiles.length, 1);
    assert.equal(scores.grid.tiles[0]!.width, 3 * 4);
    assert.equal(scores.grid.tiles[0]!.height, 4);
    const long = activationPicture({ layerName: 'fc', shape: [100], maps: new Float32Array(100) });
    assert.equal(long.grid.tiles[0]!.width / long.grid.tiles[0]!.height, 1, '100 values wrap into a 10×10 block');
  });

  it('balances rows so that the grid stays within maxWidth', () => {
    const maps = new Float32Array(16 * 4 * 4);
    const picture = activationPicture({ layerName: 'relu', shape: [16, 4, 4], maps }, { minTileSize: 40, maxWidth: 500 });
    assert.ok(picture.grid.image.width <= 500);
    assert.equal(picture.grid.columns * picture.grid.rows >= 16 && picture.grid.columns * (picture.grid.rows - 1) < 16, true);
    assert.equal(picture.grid.columns, 8, '11 fit in a row, so two balanced rows of 8');
  });

  it('rejects shapes that are not one image and data of the wrong length', () => {
    assert.throws(() => activationPicture({ layerName: 'x', shape: [2, 2], maps: [1, 2, 3, 4] }), /expected \(C, H, W\) or \(D\)/);
    assert.throws(() => activationPicture({ layerName: 'x', shape: [2, 1, 1], maps: [1] }), ShapeError);
  });
});

describe('activation SVG and HTML', () => {
  it('activationSvg is well-formed with the caption as title', () => {
    const root = parseXml(activationSvg(activationPicture(conv), encodePng));
    assert.equal(textContent(findElements(root, 'text')[0]!), 'conv1 (2, 2, 2) · min -1 · max 3');
  });

  it('activationsHtml has one figure per layer, in order, with decodable inline PNGs', () => {
    const html = activationsHtml([conv, { layerName: 'scores <fc>', shape: [3], maps: [0, 1, 2] }], encodePng);
    const root = parseXml(html, { html: true });
    const figures = findElements(root, 'figure');
    assert.equal(figures.length, 2);
    const captions = findElements(root, 'figcaption').map(textContent);
    assert.ok(captions[0]!.startsWith('conv1'));
    assert.ok(captions[1]!.startsWith('scores <fc> (3)'));
    for (const img of findElements(root, 'img')) {
      const src = attribute(img, 'src');
      const decoded = decodePng(new Uint8Array(Buffer.from(src.slice(src.indexOf(',') + 1), 'base64')));
      assert.equal(String(decoded.width), attribute(img, 'width'));
      assert.equal(String(decoded.height), attribute(img, 'height'));
    }
  });
});
