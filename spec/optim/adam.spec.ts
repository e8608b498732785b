import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adam } from '../../src/optim/adam.ts';
import { assertClose, runRule } from './helpers.ts';

const HYPER = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

test('adam: the first step moves each weight by ≈ −η·sign(g), whatever the size of g', () => {
  // t = 1 (counted before the update), η = 0.1:
  //   m = 0.1·g,  v = 0.001·g²,  m̂ = m/(1 − 0.9) = g,  v̂ = v/(1 − 0.999) = g²
  //   w ← w − 0.1·g/(|g| + 1e-8)
  //   g = 0.5:   w = 1 − 0.1·0.5/0.50000001  = 0.9 (to 2e-9)
  //   g = −2:    w = −1 + 0.1                = −0.9
  //   g = 1e-3:  w = 1 − 0.1·1e-3/(1e-3 + 1e-8) = 1 − 0.099999 = 0.900001
  // (ConvNetJS multiplied by 1 − β^t instead of dividing: its first step would have been
  //  0.1·(0.1·0.1·g)/√(0.001·0.001·g²) = 10·η = 1.0 — ten times too far.)
  const { weights, state } = runRule(adam, HYPER, 0.1, [1, -1, 1], [[0.5, -2, 1e-3]]);
  assertClose(weights[0], [0.9, -0.9, 1 - 0.1 * (1e-3 / (1e-3 + 1e-8))], 'step 1');
  assert.equal(state.step, 1, 't is 1 after the first step');
  assertClose(state.buffers.firstMoment, [0.05, -0.2, 1e-4], 'm = (1 − β1)·g', 1e-8);
  assertClose(state.buffers.secondMoment, [0.00025, 0.004, 1e-9], 'v = (1 − β2)·g²', 1e-9);
});

test('adam: three steps by hand (bias correction divides by 1 − β^t)', () => {
  // η = 0.1, w = 1, g = 0.5, 0.5, −1.
  //   t = 1: m = 0.05                         v = 0.00025
  //          m̂ = 0.05/0.1 = 0.5               v̂ = 0.00025/0.001 = 0.25      w = 1 − 0.1·0.5/0.5 = 0.9
  //   t = 2: m = 0.9·0.05 + 0.05 = 0.095      v = 0.999·0.00025 + 0.00025 = 0.00049975
  //          1 − β1² = 0.19, 1 − β2² = 0.001999
  //          m̂ = 0.095/0.19 = 0.5             v̂ = 0.00049975/0.001999 = 0.25  w = 0.9 − 0.1 = 0.8
  //          (a constant gradient gives m̂ = g and v̂ = g² at every t: steps of exactly η)
  //   t = 3: m = 0.9·0.095 − 0.1 = −0.0145    v = 0.999·0.00049975 + 0.001 = 0.0014992503
  //          1 − β1³ = 0.271, 1 − β2³ = 0.002997001
  //          m̂ = −0.0145/0.271 = −0.0535055  v̂ = 0.0014992503/0.002997001 = 0.5002502, √v̂ = 0.7072837
  //          w = 0.8 + 0.1·0.0535055/0.7072837 = 0.8 + 0.0075649 = 0.8075649
  const { weights, state } = runRule(adam, HYPER, 0.1, [1], [[0.5], [0.5], [-1]]);
  assertClose(weights[0], [0.9], 't = 1');
  assertClose(weights[1], [0.8], 't = 2');
  assertClose(weights[2], [0.8075649], 't = 3');
  assertClose(state.buffers.firstMoment, [-0.0145], 'm');
  assertClose(state.buffers.secondMoment, [0.0014992503], 'v', 1e-9);
  assert.equal(state.step, 3);
});

test('adam: t comes from the state, so a resumed state continues the bias correction', () => {
  // Start from the state after t = 2 above (m = 0.095, v = 0.00049975, step = 2, w = 0.8): the next
  // step with g = −1 must be the t = 3 step, 0.8075649 — not a fresh t = 1 step.
  const value = Float32Array.of(0.8);
  const state = { buffers: { firstMoment: Float32Array.of(0.095), secondMoment: Float32Array.of(0.00049975) }, step: 2 };
  adam.step(value, Float32Array.of(-1), state, 0.1, HYPER);
  assertClose(value, [0.8075649], 't = 3 from a restored state');
  assert.equal(state.step, 3);
});
