import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanSquaredErrorLoss, sumOfSquaresLoss } from '../../src/losses/squared-error.ts';
import { ConfigError, ShapeError } from '../../src/errors.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { assertGradientsMatch, formatResults, gradcheck } from '../../src/nn/gradcheck.ts';

const rng = new Rng(31);

test('hand-worked values for the three reductions', () => {
  const scores = Tensor.from([1, 2, 3, 4], [2, 2]);
  const targets = Tensor.from([0, 2, 5, 4], [2, 2]); // errors 1, 0, −2, 0 → Σ squares = 5
  const sum = sumOfSquaresLoss(scores, targets, { reduction: 'sum' });
  assert.equal(sum.loss, 5);
  assert.deepEqual(sum.scoresGrad.toArray(), [2, 0, -4, 0]);
  const mean = sumOfSquaresLoss(scores, targets);
  assert.equal(mean.loss, 2.5);
  assert.deepEqual(mean.scoresGrad.toArray(), [1, 0, -2, 0]);
  const mse = meanSquaredErrorLoss(scores, targets);
  assert.equal(mse.loss, 1.25);
  assert.deepEqual(mse.scoresGrad.toArray(), [0.5, 0, -1, 0]);
});

const losses = {
  'sum of squares (mean)': (s: Tensor, t: Tensor) => sumOfSquaresLoss(s, t),
  'sum of squares (sum)': (s: Tensor, t: Tensor) => sumOfSquaresLoss(s, t, { reduction: 'sum' }),
  'mean squared error': meanSquaredErrorLoss,
};

for (const [label, lossFunction] of Object.entries(losses)) {
  test(`gradcheck: ${label}`, () => {
    const shape = [2 + rng.int(4), 1 + rng.int(6)];
    const scores = Tensor.gaussian(shape, rng);
    const targets = Tensor.gaussian(shape, rng);
    const grad = Tensor.zeros(shape);
    const results = gradcheck({
      forward: () => Tensor.scalar(lossFunction(scores, targets).loss),
      backward: (outputGrad) => {
        const { scoresGrad } = lossFunction(scores, targets);
        for (let i = 0; i < grad.size; i++) grad.data[i] = scoresGrad.data[i] * outputGrad.data[0];
      },
      wrt: [{ name: 'scores', value: scores, grad: () => grad }],
      rng,
    });
    console.log(formatResults(label, results));
    assertGradientsMatch(label, results);
  });
}

test('scores and targets must match; reduction must be known', () => {
  assert.throws(() => sumOfSquaresLoss(Tensor.zeros([2, 3]), Tensor.zeros([3, 2])), ShapeError);
  assert.throws(() => meanSquaredErrorLoss(Tensor.zeros([2, 3]), Tensor.zeros([2, 3, 1])), /targets \(2, 3, 1\)/);
  assert.throws(() => sumOfSquaresLoss(Tensor.zeros([1]), Tensor.zeros([1]), { reduction: 'avg' as 'sum' }), ConfigError);
});
