import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sgd } from '../../src/optim/sgd.ts';
import { assertClose, runRule } from './helpers.ts';

test('sgd: w ← w − η·g, by hand', () => {
  // η = 0.1, w = [1, −2]
  // step 1, g = [0.5, −1]:  w = [1 − 0.05, −2 + 0.1]     = [0.95, −1.9]
  // step 2, g = [0.5, 0]:   w = [0.95 − 0.05, −1.9 − 0]  = [0.9, −1.9]
  const { weights, state } = runRule(sgd, {}, 0.1, [1, -2], [[0.5, -1], [0.5, 0]]);
  assertClose(weights[0], [0.95, -1.9], 'step 1');
  assertClose(weights[1], [0.9, -1.9], 'step 2');
  assert.equal(state.step, 2);
  assert.deepEqual(Object.keys(state.buffers), []);
});
