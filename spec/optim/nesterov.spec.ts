import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nesterov } from '../../src/optim/nesterov.ts';
import { momentum } from '../../src/optim/momentum.ts';
import { assertClose, runRule } from './helpers.ts';

test('nesterov (CS231n form): v ← μv − ηg; w ← w − μ·v_prev + (1+μ)·v, three steps by hand', () => {
  // μ = 0.9, η = 0.1, w = [1, −2], v starts at 0.
  // element 0, g = 0.5, 0.5, −1:
  //   step 1: v_prev = 0       v = −0.05    w += −0.9·0 + 1.9·(−0.05)          = −0.095   → 0.905
  //   step 2: v_prev = −0.05   v = −0.095   w += 0.045 + 1.9·(−0.095) = 0.045 − 0.1805 = −0.1355 → 0.7695
  //   step 3: v_prev = −0.095  v = −0.0855 + 0.1 = 0.0145
  //           w += 0.0855 + 1.9·0.0145 = 0.0855 + 0.02755 = 0.11305                     → 0.88255
  // element 1, g = −1, −1, 0:
  //   step 1: v_prev = 0       v = 0.1      w += 0 + 0.19                         → −1.81
  //   step 2: v_prev = 0.1     v = 0.19     w += −0.09 + 0.361 = 0.271            → −1.539
  //   step 3: v_prev = 0.19    v = 0.171    w += −0.171 + 0.3249 = 0.1539         → −1.3851
  const { weights, state } = runRule(nesterov, { momentum: 0.9 }, 0.1, [1, -2], [[0.5, -1], [0.5, -1], [-1, 0]]);
  assertClose(weights[0], [0.905, -1.81], 'step 1');
  assertClose(weights[1], [0.7695, -1.539], 'step 2');
  assertClose(weights[2], [0.88255, -1.3851], 'step 3');
  assertClose(state.buffers.velocity, [0.0145, 0.171], 'velocity (same recursion as classical momentum)');
  assert.equal(state.step, 3);
});

test('nesterov: the stored weights are the look-ahead point of classical momentum, w + μv', () => {
  // Nesterov's weights φ relate to Sutskever's w by φ = w + μ·v, so after the same steps from the
  // same start and v = 0 ... but the gradients would be taken at different points. With a constant
  // gradient both see the same g, and the relation must hold exactly.
  const gradients = [[0.5, -1], [0.5, -1], [0.5, -1]];
  const look = runRule(nesterov, { momentum: 0.9 }, 0.1, [1, -2], gradients);
  const classical = runRule(momentum, { momentum: 0.9 }, 0.1, [1, -2], gradients);
  const velocity = classical.state.buffers.velocity;
  assertClose(look.weights[2], [classical.weights[2][0] + 0.9 * velocity[0], classical.weights[2][1] + 0.9 * velocity[1]], 'φ = w + μv');
});
