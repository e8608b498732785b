import { test } from 'node:test';
import assert from 'node:assert/strict';
import { softmaxCrossEntropyLoss } from '../../src/losses/softmax-cross-entropy.ts';
import { ShapeError } from '../../src/errors.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { assertGradientsMatch, formatResults, gradcheck } from '../../src/nn/gradcheck.ts';

const rng = new Rng(29);

test('hand-worked value: scores [0, ln 2, ln 5], label 2 → p = [1/8, 2/8, 5/8], L = −ln(5/8)', () => {
  const { loss, probabilities, scoresGrad } = softmaxCrossEntropyLoss(
    Tensor.from([0, Math.log(2), Math.log(5)], [1, 3]), new Uint8Array([2]));
  assert.ok(Math.abs(loss + Math.log(5 / 8)) < 1e-6, `loss ${loss}`);
  const p = [1 / 8, 2 / 8, 5 / 8];
  probabilities.data.forEach((value, i) => assert.ok(Math.abs(value - p[i]) < 1e-7));
  // dL/ds = p − onehot(y)
  const g = [1 / 8, 2 / 8, 5 / 8 - 1];
  scoresGrad.data.forEach((value, i) => assert.ok(Math.abs(value - g[i]) < 1e-7));
});

test('sanity: all-zero scores give loss ln C and uniform probabilities', () => {
  for (const classes of [2, 10, 100]) {
    const { loss, probabilities } = softmaxCrossEntropyLoss(Tensor.zeros([4, classes]), new Int32Array([0, 1, 1, 0]));
    assert.ok(Math.abs(loss - Math.log(classes)) < 1e-12, `C = ${classes}: loss ${loss}`);
    assert.ok(probabilities.data.every((p) => Math.abs(p - 1 / classes) < 1e-7));
  }
});

test('numerically stable: huge scores give finite loss and gradient', () => {
  // p_y underflows in float32 here; the log-sum-exp form still gives the exact loss 2000.
  const { loss, scoresGrad, probabilities } = softmaxCrossEntropyLoss(Tensor.from([1000, -1000], [1, 2]), new Int32Array([1]));
  assert.equal(loss, 2000);
  assert.deepEqual(probabilities.toArray(), [1, 0]);
  assert.deepEqual(scoresGrad.toArray(), [1, -1]);
});

test('gradcheck: scores gradient, random sizes, batch > 1', () => {
  const batch = 2 + rng.int(5);
  const classes = 2 + rng.int(8);
  const labels = Int32Array.from({ length: batch }, () => rng.int(classes));
  const scores = Tensor.gaussian([batch, classes], rng, 0, 2);
  const grad = Tensor.zeros(scores.shape);
  const results = gradcheck({
    forward: () => Tensor.scalar(softmaxCrossEntropyLoss(scores, labels).loss),
    backward: (outputGrad) => {
      const { scoresGrad } = softmaxCrossEntropyLoss(scores, labels);
      for (let i = 0; i < grad.size; i++) grad.data[i] = scoresGrad.data[i] * outputGrad.data[0];
    },
    wrt: [{ name: 'scores', value: scores, grad: () => grad }],
    rng,
  });
  console.log(formatResults('softmax cross-entropy loss', results));
  assertGradientsMatch('softmax cross-entropy loss', results);
});

test('labels are validated', () => {
  assert.throws(() => softmaxCrossEntropyLoss(Tensor.zeros([2, 4]), new Uint8Array([4, 0])), (error: Error) =>
    error instanceof ShapeError && /label at index 0 is 4/.test(error.message));
  assert.throws(() => softmaxCrossEntropyLoss(Tensor.zeros([2, 4]), [0.5, 1]), /index 0 is 0.5/);
});

test('softmax loss with reuse: writes into the earlier result when the shape fits, with the same values', () => {
  const rng = new Rng(21);
  const labels = new Int32Array([2, 0, 1]);
  const first = softmaxCrossEntropyLoss(Tensor.gaussian([3, 4], rng), labels);
  const scores = Tensor.gaussian([3, 4], rng);
  const fresh = softmaxCrossEntropyLoss(scores, labels);
  const reused = softmaxCrossEntropyLoss(scores, labels, first);
  assert.equal(reused.probabilities, first.probabilities);
  assert.equal(reused.scoresGrad, first.scoresGrad);
  assert.equal(reused.loss, fresh.loss);
  assert.deepEqual(reused.probabilities.data, fresh.probabilities.data);
  assert.deepEqual(reused.scoresGrad.data, fresh.scoresGrad.data);
  const otherShape = softmaxCrossEntropyLoss(Tensor.gaussian([2, 4], rng), labels.subarray(0, 2), first);
  assert.notEqual(otherShape.scoresGrad, first.scoresGrad);
  assert.deepEqual(otherShape.scoresGrad.shape, [2, 4]);
});
