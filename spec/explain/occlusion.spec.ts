import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, ShapeError } from '../../src/errors.ts';
import { classProbabilities } from '../../src/explain/class-scores.ts';
import { occlusionPixelMap, occlusionSensitivity } from '../../src/explain/occlusion.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { PATCH, inPatch, patchImage, patchNet } from './fixtures.ts';

test('occlusion: the map is lowest where the square covers the patch that decides the class', () => {
  const net = patchNet();
  const image = patchImage();
  assert.ok(classProbabilities(net, image)[1] > 0.9, 'the bright patch makes class 1 win');
  const map = occlusionSensitivity(net, image, 1, { size: 2, stride: 1 });
  assert.equal(map.rows, 7);
  assert.equal(map.columns, 7);
  let lowest = 0;
  for (let i = 1; i < map.probabilities.length; i++) if (map.probabilities[i] < map.probabilities[lowest]) lowest = i;
  assert.deepEqual([map.tops[Math.floor(lowest / 7)], map.lefts[lowest % 7]], [PATCH.top, PATCH.left]);
  assert.ok(map.probabilities[lowest] < 0.1, `covering the patch flips the class, p = ${map.probabilities[lowest]}`);
  // Every square that leaves part of the patch visible leaves class 1 the winner; squares far from it
  // (outside the conv's 3×3 reach of the patch) change nothing at all.
  for (let i = 0; i < map.probabilities.length; i++) {
    if (i !== lowest) assert.ok(map.probabilities[i] > 0.9, `square ${i}: p = ${map.probabilities[i]}`);
  }
  assert.equal(map.probabilities[0], map.baseline);
  const pixels = occlusionPixelMap(map, 8, 8);
  let pixelLowest = 0;
  for (let i = 1; i < 64; i++) if (pixels.values[i] < pixels.values[pixelLowest]) pixelLowest = i;
  assert.ok(inPatch(Math.floor(pixelLowest / 8), pixelLowest % 8), `pixel-map minimum at ${pixelLowest}`);
});

test('occlusion: squares reach the bottom and right edges; bad sizes, strides, classes and images are refused', () => {
  const net = patchNet();
  const map = occlusionSensitivity(net, patchImage(), 1, { size: 3, stride: 2 });
  assert.deepEqual(map.tops, [0, 2, 4, 5]);
  assert.throws(() => occlusionSensitivity(net, patchImage(), 1, { size: 9 }), ConfigError);
  assert.throws(() => occlusionSensitivity(net, patchImage(), 1, { stride: 0 }), ConfigError);
  assert.throws(() => occlusionSensitivity(net, patchImage(), 2), /class 2 does not exist/);
  assert.throws(() => occlusionSensitivity(net, Tensor.zeros([1, 3, 8, 8]), 1), ShapeError);
});
