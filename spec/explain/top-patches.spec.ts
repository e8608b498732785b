import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeImageDataset } from '../../src/data/dataset.ts';
import { ConfigError } from '../../src/errors.ts';
import { topPatches } from '../../src/explain/top-patches.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { net, parameter } from './fixtures.ts';

/** 20 noisy 12×12 images; images 2, 5, 9, 13 and 17 hold a bright plus sign (3×3) at a known place. */
function crossDataset() {
  const rng = new Rng(4);
  const size = 12;
  const pixels = new Uint8Array(20 * size * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(rng.uniform() * 60);
  const places = new Map([[2, [1, 1]], [5, [8, 3]], [9, [4, 8]], [13, [0, 9]], [17, [9, 9]]]);
  for (const [image, [top, left]] of places) {
    for (const [dy, dx] of [[0, 1], [1, 0], [1, 1], [1, 2], [2, 1]]) pixels[image * 144 + (top + dy) * size + left + dx] = 255;
  }
  const dataset = makeImageDataset({
    name: 'crosses', classNames: ['a', 'b'], channels: 1, height: size, width: size, count: 20, pixels, labels: new Uint8Array(20),
  });
  return { dataset, places };
}

test('a unit built to detect a plus sign finds the images that contain it, at the right place', () => {
  const { dataset, places } = crossDataset();
  const built = net('conv3x3x2-relu-fc2-softmax', [1, 12, 12]);
  const filter = parameter(built, 0, 'weights');
  // Unit 0: +1 on the plus, −1 on the corners (zero-sum: flat noise scores about 0). Unit 1: zero.
  filter.set([-1, 1, -1, 1, 1, 1, -1, 1, -1], 0);
  filter.fill(0, 9);
  const [layer] = topPatches(built, dataset, { mean: [0], std: [255] }, { units: [0], count: 5 });
  assert.equal(layer.layerName, 'conv1');
  const hits = layer.units[0].hits;
  assert.deepEqual(hits.map((hit) => hit.image).sort((a, b) => a - b), [...places.keys()]);
  for (const hit of hits) {
    const [top, left] = places.get(hit.image)!;
    assert.deepEqual(hit.box, { top, left, height: 3, width: 3, clipped: false });
  }
  for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].activation >= hits[i].activation, 'best first');
});

test('top patches: unknown layers and units, and a network without conv layers, are refused by name', () => {
  const { dataset } = crossDataset();
  const built = net('conv3x3x2-relu-fc2-softmax', [1, 12, 12]);
  const normalization = { mean: [0], std: [255] };
  assert.throws(() => topPatches(built, dataset, normalization, { layers: ['conv9'] }), /no conv layer 'conv9'; the conv layers are conv1/);
  assert.throws(() => topPatches(built, dataset, normalization, { units: [2] }), /conv1 has 2 units \(0..1\), got unit 2/);
  const flat = net('fc4-relu-fc2-softmax', [1, 12, 12]);
  assert.throws(() => topPatches(flat, dataset, normalization), (error: unknown) => error instanceof ConfigError && /has no conv layers/.test(error.message));
});
