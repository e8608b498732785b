import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmsprop } from '../../src/optim/rmsprop.ts';
import { assertClose, runRule } from './helpers.ts';

test('rmsprop: E ← ρE + (1−ρ)g²; w ← w − ηg/(√E + ε), three steps by hand', () => {
  // ρ = 0.75 (so 1 − ρ = 0.25 and the averages come out round), ε = 1e-8, η = 0.1, w = [1, 5].
  // element 0, g = 2, 1, −3:
  //   step 1: E = 0.25·4             = 1     √E = 1          w = 1 − 0.1·2/1           = 0.8
  //   step 2: E = 0.75·1 + 0.25·1    = 1     √E = 1          w = 0.8 − 0.1·1/1         = 0.7
  //   step 3: E = 0.75·1 + 0.25·9    = 3     √E = 1.7320508  w = 0.7 + 0.3/1.7320508   = 0.8732051
  // element 1, g = 0 always: E stays 0, ε guards the division, w stays 5.
  const { weights, state } = runRule(rmsprop, { decayRate: 0.75, epsilon: 1e-8 }, 0.1, [1, 5], [[2, 0], [1, 0], [-3, 0]]);
  assertClose(weights[0], [0.8, 5], 'step 1');
  assertClose(weights[1], [0.7, 5], 'step 2');
  assertClose(weights[2], [0.7 + 0.3 / Math.sqrt(3), 5], 'step 3');
  assertClose(state.buffers.squaredGradientAverage, [3, 0], 'E[g²]');
  assert.equal(state.step, 3);
});

test('rmsprop: unlike Adagrad, the step does not shrink under a constant gradient once E has settled', () => {
  // ρ = 0, so E = g² each step: every step moves w by exactly η·g/|g| = η.
  const { weights } = runRule(rmsprop, { decayRate: 0, epsilon: 1e-8 }, 0.1, [0], [[4], [4], [4]]);
  assertClose(weights[2], [-0.3], 'three steps of η');
});
