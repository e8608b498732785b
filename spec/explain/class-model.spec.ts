import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classModels } from '../../src/explain/class-model.ts';
import { net, parameter } from './fixtures.ts';

test('class models of a linear score with L2: the objective rises at every step and ends at w_c / 2λ', () => {
  const linear = net('fc3-softmax', [1, 3, 3], 2);
  const weights = parameter(linear, 0, 'weights'); // (3 classes, 9 inputs)
  const l2 = 0.5;
  const result = classModels(linear, { steps: 300, learningRate: 0.1, l2 });
  // Concave quadratic, step η = 0.1 < 1/λ: each step increases s_c − λ‖x‖² (while the increase is far
  // above float32 rounding: the first 40 steps).
  for (let n = 0; n < 3; n++) {
    for (let t = 0; t < 40; t++) assert.ok(result.objective[t + 1][n] > result.objective[t][n], `class ${n}, step ${t}`);
  }
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 9; i++) {
      const optimum = weights[c * 9 + i] / (2 * l2);
      assert.ok(Math.abs(result.images.data[c * 9 + i] - optimum) < 1e-5, `class ${c}, pixel ${i}: ${result.images.data[c * 9 + i]} vs ${optimum}`);
    }
  }
});

test('class models through a conv net: the score rises; jitter and blur are seeded (same seed, same bits)', () => {
  const conv = net('conv3x3x4p1-relu-pool2-fc3-softmax', [3, 8, 8], 3);
  const plain = classModels(conv, { steps: 5, learningRate: 0.05, l2: 0.01 });
  for (let n = 0; n < 3; n++) assert.ok(plain.objective[5][n] > plain.objective[0][n]);
  const options = { steps: 6, learningRate: 0.05, l2: 0.01, jitter: 2, blurEvery: 2, seed: 9 };
  const first = classModels(conv, options, [2]);
  const again = classModels(conv, options, [2]);
  const other = classModels(conv, { ...options, seed: 10 }, [2]);
  assert.deepEqual(first.images.data, again.images.data);
  assert.notDeepEqual(first.images.data, other.images.data);
  assert.throws(() => classModels(conv, { steps: -1 }), /steps must be an integer/);
});
