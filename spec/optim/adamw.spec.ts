import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeParameter } from '../../src/tensor/parameter.ts';
import { adam } from '../../src/optim/adam.ts';
import { adamw } from '../../src/optim/adamw.ts';
import { Optimizer } from '../../src/optim/optimizer.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { assertClose, runRule } from './helpers.ts';

const HYPER = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.5 };

test('adamw: two steps by hand — shrink by η·λ, then the Adam step on the unchanged gradient', () => {
  // η = 0.1, λ = 0.5, w = 1, g = 0.5 twice. Adam with a constant gradient moves by exactly η each step
  // (adam.spec.ts), so:
  //   t = 1: w = 1·(1 − 0.05) − 0.1   = 0.85
  //   t = 2: w = 0.85·0.95 − 0.1      = 0.7075
  // Adam with an L2 term would have fed 0.5 + 0.5·w into m and v instead, and still moved by η.
  const { weights, state } = runRule(adamw, HYPER, 0.1, [1], [[0.5], [0.5]]);
  assertClose(weights[0], [0.85], 't = 1');
  assertClose(weights[1], [0.7075], 't = 2');
  assert.equal(state.step, 2);
  assertClose(state.buffers.firstMoment, [0.095], 'm, as adam keeps it');
});

test('adamw with λ = 0 is adam, bit for bit', () => {
  const gradients = [[0.3, -2], [0.1, 0.7], [-1.5, 0.2]];
  const plain = runRule(adam, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, 0.01, [0.5, -0.25], gradients);
  const decoupled = runRule(adamw, { ...HYPER, weightDecay: 0 }, 0.01, [0.5, -0.25], gradients);
  assert.deepEqual(decoupled.weights, plain.weights);
});

test('through the Optimizer, the decay follows each parameter\'s decayMultiplier (biases are not decayed)', () => {
  // Zero gradients: Adam's step is 0 (m = 0), so only the decay moves the weights: w·(1 − 0.1·0.5).
  const optimizer = new Optimizer({ type: 'adamw', learningRate: 0.1, weightDecay: 0.5 });
  const weights = makeParameter('weights', Tensor.from([1, -2]), { decayMultiplier: 1 });
  const bias = makeParameter('bias', Tensor.from([3]), { decayMultiplier: 0 });
  optimizer.step([weights, bias]);
  assertClose(weights.value.data, [0.95, -1.9], 'weights');
  assertClose(bias.value.data, [3], 'bias');
  assert.equal(optimizer.config().weightDecay, 0.5);
});
