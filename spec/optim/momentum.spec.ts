import { test } from 'node:test';
import assert from 'node:assert/strict';
import { momentum } from '../../src/optim/momentum.ts';
import { createRuleState } from '../../src/optim/update-rule.ts';
import { ConfigError, ShapeError } from '../../src/errors.ts';
import { assertClose, runRule } from './helpers.ts';

test('momentum: v ← μv − ηg; w ← w + v, three steps by hand', () => {
  // μ = 0.9, η = 0.1, w = [1, −2], v starts at 0.
  // element 0, g = 0.5, 0.5, −1:
  //   step 1: v = 0.9·0 − 0.1·0.5          = −0.05     w = 1 − 0.05       = 0.95
  //   step 2: v = 0.9·(−0.05) − 0.05       = −0.095    w = 0.95 − 0.095   = 0.855
  //   step 3: v = 0.9·(−0.095) + 0.1       = 0.0145    w = 0.855 + 0.0145 = 0.8695
  // element 1, g = −1, −1, 0 (the velocity keeps moving it after the gradient vanishes):
  //   step 1: v = 0 + 0.1                  = 0.1       w = −2 + 0.1       = −1.9
  //   step 2: v = 0.09 + 0.1               = 0.19      w = −1.9 + 0.19    = −1.71
  //   step 3: v = 0.9·0.19 − 0             = 0.171     w = −1.71 + 0.171  = −1.539
  const { weights, state } = runRule(momentum, { momentum: 0.9 }, 0.1, [1, -2], [[0.5, -1], [0.5, -1], [-1, 0]]);
  assertClose(weights[0], [0.95, -1.9], 'step 1');
  assertClose(weights[1], [0.855, -1.71], 'step 2');
  assertClose(weights[2], [0.8695, -1.539], 'step 3');
  assertClose(state.buffers.velocity, [0.0145, 0.171], 'velocity');
  assert.equal(state.step, 3);
});

test('momentum: μ = 0 is plain SGD', () => {
  // w = 1, η = 0.1, g = 0.5 twice: 1 − 0.05 − 0.05 = 0.9
  const { weights } = runRule(momentum, { momentum: 0 }, 0.1, [1], [[0.5], [0.5]]);
  assertClose(weights[1], [0.9], 'step 2');
});

test('momentum: a state of the wrong size or rule, or a gradient of the wrong size, is refused', () => {
  const value = new Float32Array(3);
  assert.throws(
    () => momentum.step(value, new Float32Array(3), createRuleState(momentum, 2), 0.1, { momentum: 0.9 }),
    (error: unknown) => error instanceof ConfigError && /velocity.*2 values.*3/.test(error.message),
  );
  assert.throws(
    () => momentum.step(value, new Float32Array(3), { buffers: {}, step: 0 }, 0.1, { momentum: 0.9 }),
    (error: unknown) => error instanceof ConfigError && /no 'velocity' buffer/.test(error.message),
  );
  assert.throws(
    () => momentum.step(value, new Float32Array(4), createRuleState(momentum, 3), 0.1, { momentum: 0.9 }),
    ShapeError,
  );
});
