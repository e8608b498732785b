import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adagrad } from '../../src/optim/adagrad.ts';
import { assertClose, runRule } from './helpers.ts';

test('adagrad: G ← G + g²; w ← w − ηg/(√G + ε), three steps by hand', () => {
  // η = 0.1, ε = 1e-10 (its effect, ~1e-10 relative, is far below the tolerance), w = [1, 5].
  // element 0, g = 0.3, 0.4, −1.2 (chosen so that √G is round):
  //   step 1: G = 0.09           √G = 0.3   w = 1 − 0.1·0.3/0.3     = 0.9
  //   step 2: G = 0.09 + 0.16    √G = 0.5   w = 0.9 − 0.1·0.4/0.5   = 0.82
  //   step 3: G = 0.25 + 1.44    √G = 1.3   w = 0.82 + 0.1·1.2/1.3  = 0.82 + 0.0923077 = 0.9123077
  // element 1, g = 0 always: G stays 0 and ε keeps 0/0 from happening, w stays 5.
  const { weights, state } = runRule(adagrad, { epsilon: 1e-10 }, 0.1, [1, 5], [[0.3, 0], [0.4, 0], [-1.2, 0]]);
  assertClose(weights[0], [0.9, 5], 'step 1');
  assertClose(weights[1], [0.82, 5], 'step 2');
  assertClose(weights[2], [0.82 + 0.12 / 1.3, 5], 'step 3');
  assertClose(state.buffers.squaredGradientSum, [1.69, 0], 'G');
  assert.equal(state.step, 3);
});

test('adagrad: the effective step shrinks like 1/√t under a constant gradient', () => {
  // g = 1 every step: G = t, so step t moves w by η/√t: 0.1, 0.0707107, 0.0577350 (η = 0.1).
  const { weights } = runRule(adagrad, { epsilon: 1e-10 }, 0.1, [0], [[1], [1], [1]]);
  assertClose(weights[0], [-0.1], 'step 1');
  assertClose(weights[1], [-0.1 - 0.1 / Math.SQRT2], 'step 2');
  assertClose(weights[2], [-0.1 - 0.1 / Math.SQRT2 - 0.1 / Math.sqrt(3)], 'step 3');
});
