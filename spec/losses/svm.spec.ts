import { test } from 'node:test';
import assert from 'node:assert/strict';
import { svmLoss } from '../../src/losses/svm.ts';
import { ShapeError } from '../../src/errors.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { assertGradientsMatch, formatResults, gradcheck } from '../../src/nn/gradcheck.ts';

const rng = new Rng(23);

test('the lecture example: cat/car/frog scores give 2.9, 0 and 12.9, mean 5.27', () => {
  const scores = Tensor.from([3.2, 5.1, -1.7, 1.3, 4.9, 2.0, 2.2, 2.5, -3.1], [3, 3]);
  const { loss, scoresGrad } = svmLoss(scores, new Int32Array([0, 1, 2]));
  assert.ok(Math.abs(loss - (2.9 + 0 + 12.9) / 3) < 1e-5, `loss ${loss}`);
  const third = 1 / 3;
  // Row 0: class 1 violates the margin; row 1: none; row 2: classes 0 and 1 both violate.
  const expected = [-third, third, 0, 0, 0, 0, third, third, -2 * third];
  scoresGrad.data.forEach((value, i) => assert.ok(Math.abs(value - expected[i]) < 1e-7, `grad[${i}] = ${value}`));
});

test('sanity: all-zero scores give loss C − 1', () => {
  for (const classes of [2, 3, 10]) {
    const labels = Uint8Array.from({ length: 5 }, () => rng.int(classes));
    assert.equal(svmLoss(Tensor.zeros([5, classes]), labels).loss, classes - 1);
  }
});

test('a margin of exactly 0 adds nothing (subgradient 0 at the kink)', () => {
  const { loss, scoresGrad } = svmLoss(Tensor.from([2, 1], [1, 2]), new Int32Array([0]));
  assert.equal(loss, 0);
  assert.deepEqual(scoresGrad.toArray(), [0, 0]);
});

test('gradcheck: scores gradient, margins kept ≥ 0.05 away from the hinge by construction', () => {
  const batch = 3 + rng.int(4);
  const classes = 3 + rng.int(5);
  const labels = Int32Array.from({ length: batch }, () => rng.int(classes));
  const scores = Tensor.zeros([batch, classes]);
  for (let n = 0; n < batch; n++) {
    const correct = rng.gaussian(0, 1);
    for (let j = 0; j < classes; j++) {
      // s_j = s_y − 1 + m with |m| ∈ [0.05, 1.5): the margin term m is never near 0.
      const margin = (rng.uniform() < 0.5 ? -1 : 1) * rng.uniformRange(0.05, 1.5);
      scores.set(j === labels[n] ? correct : correct - 1 + margin, n, j);
    }
  }
  const grad = Tensor.zeros(scores.shape);
  const results = gradcheck({
    forward: () => Tensor.scalar(svmLoss(scores, labels).loss),
    backward: (outputGrad) => {
      const { scoresGrad } = svmLoss(scores, labels);
      for (let i = 0; i < grad.size; i++) grad.data[i] = scoresGrad.data[i] * outputGrad.data[0];
    },
    wrt: [{ name: 'scores', value: scores, grad: () => grad }],
    rng,
  });
  console.log(formatResults('svm loss', results));
  assertGradientsMatch('svm loss', results);
});

test('labels are validated: count and range, naming the index', () => {
  const scores = Tensor.zeros([2, 3]);
  assert.throws(() => svmLoss(scores, new Int32Array([0, 3])), (error: Error) =>
    error instanceof ShapeError && /svmLoss: label at index 1 is 3, outside the class range \[0, 3\)/.test(error.message));
  assert.throws(() => svmLoss(scores, new Int32Array([-1, 0])), /index 0 is -1/);
  assert.throws(() => svmLoss(scores, new Int32Array([0])), /2 examples but 1 labels/);
  assert.throws(() => svmLoss(Tensor.zeros([2, 3, 1]), new Int32Array([0, 0])), /expected scores of shape \(N, C\)/);
});

test('svm loss with reuse: the earlier gradient tensor is cleared and refilled, same values as a fresh call', () => {
  const labels = new Int32Array([1, 0, 2]);
  const first = svmLoss(Tensor.gaussian([3, 3], rng), labels);
  const scores = Tensor.gaussian([3, 3], rng);
  const fresh = svmLoss(scores, labels);
  const reused = svmLoss(scores, labels, first);
  assert.equal(reused.scoresGrad, first.scoresGrad);
  assert.equal(reused.loss, fresh.loss);
  assert.deepEqual(reused.scoresGrad.data, fresh.scoresGrad.data); // the hinge terms add: stale values would show
});
