import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TRAINING } from '../../src/layers/layer.ts';
import { Softmax } from '../../src/layers/softmax.ts';
import { ShapeError } from '../../src/errors.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { checkLayerGradients } from '../../src/nn/gradcheck.ts';

const rng = new Rng(13);

function checkSoftmax(moduleName: string, input: Tensor): void {
  checkLayerGradients(moduleName, new Softmax({ inputShape: input.shape.slice(1) }), input, rng);
}

test('probabilities: hand-worked values, rows sum to 1', () => {
  const layer = new Softmax({ inputShape: [3] });
  const p = layer.forward(Tensor.from([0, Math.log(2), Math.log(5), 1, 1, 1], [2, 3]), TRAINING);
  const expected = [1 / 8, 2 / 8, 5 / 8, 1 / 3, 1 / 3, 1 / 3];
  p.data.forEach((value, i) => assert.ok(Math.abs(value - expected[i]) < 1e-7, `p[${i}] = ${value}`));
});

test('large scores do not overflow (the row maximum is subtracted)', () => {
  const layer = new Softmax({ inputShape: [2] });
  const p = layer.forward(Tensor.from([1000, 1001, -1000, -1000], [2, 2]), TRAINING);
  assert.ok(p.data.every(Number.isFinite));
  const second = 1 / (1 + Math.exp(-1)); // e^1001 / (e^1000 + e^1001)
  assert.ok(Math.abs(p.data[0] - (1 - second)) < 1e-6 && Math.abs(p.data[1] - second) < 1e-6);
  assert.deepEqual([p.data[2], p.data[3]], [0.5, 0.5]);
});

test('on images the softmax runs over channels at each pixel', () => {
  const layer = new Softmax({ inputShape: [2, 1, 3] });
  const x = Tensor.gaussian([2, 2, 1, 3], rng);
  const p = layer.forward(x, TRAINING);
  for (let n = 0; n < 2; n++) {
    for (let s = 0; s < 3; s++) {
      const a = x.get(n, 0, 0, s);
      const b = x.get(n, 1, 0, s);
      const expected = 1 / (1 + Math.exp(b - a));
      assert.ok(Math.abs(p.get(n, 0, 0, s) - expected) < 1e-6);
      assert.ok(Math.abs(p.get(n, 0, 0, s) + p.get(n, 1, 0, s) - 1) < 1e-6);
    }
  }
});

test('backward equals the explicit Jacobian Jᵀ·dy with J[c][j] = p_c(δ_cj − p_j)', () => {
  const classes = 4;
  const layer = new Softmax({ inputShape: [classes] });
  const p = layer.forward(Tensor.gaussian([1, classes], rng), TRAINING).clone();
  const dy = Tensor.gaussian([1, classes], rng);
  const dx = layer.backward(dy);
  for (let j = 0; j < classes; j++) {
    let expected = 0;
    for (let c = 0; c < classes; c++) expected += dy.data[c] * p.data[c] * ((c === j ? 1 : 0) - p.data[j]);
    assert.ok(Math.abs(dx.data[j] - expected) < 1e-6, `dx[${j}] = ${dx.data[j]}, expected ${expected}`);
  }
});

test('gradcheck: softmax on (N, C) and on (N, C, H, W)', () => {
  checkSoftmax('softmax (N, C)', Tensor.gaussian([3, 2 + rng.int(5)], rng, 0, 2));
  checkSoftmax('softmax (N, C, H, W)', Tensor.gaussian([2, 3, 2, 2], rng, 0, 2));
});

test('checks its input shape, names itself in config()', () => {
  const layer = new Softmax({ inputShape: [10], name: 'probs' });
  assert.throws(() => layer.forward(Tensor.zeros([2, 9]), TRAINING), (error: Error) =>
    error instanceof ShapeError && /probs: expected input of shape \(N, 10\)/.test(error.message));
  assert.deepEqual(layer.config(), { type: 'softmax', name: 'probs' });
  assert.deepEqual(layer.outputShape, [10]);
});
