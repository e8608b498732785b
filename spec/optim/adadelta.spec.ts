import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adadelta } from '../../src/optim/adadelta.ts';
import { assertClose, runRule } from './helpers.ts';

test('adadelta (Zeiler, η = 1): three steps by hand', () => {
  // ρ = 0.9, ε = 0.01 (large, so its role is visible), η = 1, w = 1, g = 1, 1, −2.
  //   step 1: E[g²] = 0.1·1                         = 0.1
  //           Δ = −√(0 + 0.01)/√(0.1 + 0.01)·1      = −0.1/0.3316625 = −0.3015113   (Δ² = 0.01/0.11 = 1/11)
  //           E[Δ²] = 0.1·(1/11)                    = 0.0090909
  //           w = 1 − 0.3015113                     = 0.6984887
  //   step 2: E[g²] = 0.9·0.1 + 0.1·1               = 0.19
  //           Δ = −√(0.0090909 + 0.01)/√(0.19 + 0.01) = −0.1381699/0.4472136 = −0.3089572  (Δ² = 0.0954545)
  //           E[Δ²] = 0.9·0.0090909 + 0.1·0.0954545 = 0.0081818 + 0.0095455 = 0.0177273
  //           w = 0.6984887 − 0.3089572             = 0.3895315
  //   step 3: E[g²] = 0.9·0.19 + 0.1·4              = 0.571
  //           Δ = +√(0.0177273 + 0.01)/√(0.571 + 0.01)·2 = 0.1665151/0.7622336·2 = 0.4369135
  //           w = 0.3895315 + 0.4369135             = 0.8264450
  const { weights, state } = runRule(adadelta, { rho: 0.9, epsilon: 0.01 }, 1, [1], [[1], [1], [-2]]);
  assertClose(weights[0], [0.6984887], 'step 1');
  assertClose(weights[1], [0.3895315], 'step 2');
  assertClose(weights[2], [0.8264450], 'step 3');
  assertClose(state.buffers.squaredGradientAverage, [0.571], 'E[g²]');
  // E[Δ²] after step 3: 0.9·0.0177273 + 0.1·0.4369135² = 0.0159545 + 0.0190893 = 0.0350439
  assertClose(state.buffers.squaredUpdateAverage, [0.0350439], 'E[Δ²]');
  assert.equal(state.step, 3);
});

test('adadelta: the learning rate scales what is applied, not the running averages', () => {
  // Same first step with η = 0.5: w = 1 − 0.5·0.3015113 = 0.8492443, and E[Δ²] is still 1/110
  // (it accumulates the unscaled Δ), so the η = 1 and η = 0.5 runs differ only by the applied step.
  const half = runRule(adadelta, { rho: 0.9, epsilon: 0.01 }, 0.5, [1], [[1]]);
  assertClose(half.weights[0], [0.8492443], 'step 1 with η = 0.5');
  assertClose(half.state.buffers.squaredUpdateAverage, [0.1 / 11], 'E[Δ²]');
});

test('adadelta: with the default ε = 1e-6 the first steps are small, about √ε', () => {
  // First step: Δ = −√ε/√((1−ρ)g² + ε)·g ≈ −√ε/√(1−ρ) = −1e-3/0.3162278 = −0.0031623 for g = 1, ρ = 0.9.
  const { weights } = runRule(adadelta, { rho: 0.9, epsilon: 1e-6 }, 1, [0], [[1]]);
  assertClose(weights[0], [-Math.sqrt(1e-6) / Math.sqrt(0.1 + 1e-6)], 'step 1');
});
