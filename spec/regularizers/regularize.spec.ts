import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeParameter } from '../../src/tensor/parameter.ts';
import { FullyConnected } from '../../src/layers/fully-connected.ts';
import { elasticNet, l1, l2 } from '../../src/regularizers/penalties.ts';
import type { Penalty } from '../../src/regularizers/penalties.ts';
import { regularize } from '../../src/regularizers/regularize.ts';
import { ConfigError } from '../../src/errors.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { assertGradientsMatch, formatResults, gradcheck } from '../../src/nn/gradcheck.ts';

const rng = new Rng(37);

test('hand-worked penalties and gradients, W = [1, −2, 0, 0.5], λ = 0.1', () => {
  const cases: Array<[Penalty, number, number[]]> = [
    // [penalty, λ·R(W), λ·dR/dW]
    [l1, 0.1 * 3.5, [0.1, -0.1, 0, 0.1]],
    [l2, 0.1 * 5.25, [0.2, -0.4, 0, 0.1]],
    [elasticNet(0.5), 0.1 * (0.5 * 5.25 + 3.5), [0.1 * 2, 0.1 * -3, 0, 0.1 * 1.5]],
  ];
  for (const [penalty, expectedLoss, expectedGrad] of cases) {
    const weights = makeParameter('weights', Tensor.from([1, -2, 0, 0.5]));
    const loss = regularize([weights], penalty, 0.1);
    assert.ok(Math.abs(loss - expectedLoss) < 1e-12, `${penalty.name}: loss ${loss}, expected ${expectedLoss}`);
    weights.grad.data.forEach((g, i) =>
      assert.ok(Math.abs(g - expectedGrad[i]) < 1e-7, `${penalty.name}: grad[${i}] = ${g}, expected ${expectedGrad[i]}`));
  }
});

test('adds to existing gradients, scales by decayMultiplier, skips biases (multiplier 0)', () => {
  const layer = new FullyConnected({ inputShape: [3], outputs: 2, rng });
  layer.bias.value.data.set([5, -5]);
  layer.weights.grad.fill(1);
  const loss = regularize(layer.parameters(), l2, 0.5);
  let sumOfSquares = 0;
  for (const w of layer.weights.value.data) sumOfSquares += w * w;
  assert.ok(Math.abs(loss - 0.5 * sumOfSquares) < 1e-9);
  layer.weights.grad.data.forEach((g, i) => assert.ok(Math.abs(g - (1 + layer.weights.value.data[i])) < 1e-6));
  assert.deepEqual(layer.bias.grad.toArray(), [0, 0]);

  const doubled = makeParameter('weights', Tensor.from([2]), { decayMultiplier: 2 });
  assert.equal(regularize([doubled], l2, 0.25), 2 * 0.25 * 4);
  assert.deepEqual(doubled.grad.toArray(), [2 * 0.25 * 4]);
});

test('L2 follows the λ·ΣW² convention: gradient 2λW (not λW)', () => {
  const w = makeParameter('weights', Tensor.from([3]));
  assert.equal(regularize([w], l2, 1), 9);
  assert.deepEqual(w.grad.toArray(), [6]);
});

for (const [label, penalty] of [['l1', l1], ['l2', l2], ['elastic-net', elasticNet(0.7)]] as const) {
  test(`gradcheck: ${label} regularizer (weights kept ≥ 0.05 from the L1 kink at 0)`, () => {
    const shape = [2 + rng.int(3), 2 + rng.int(4)];
    const values = Tensor.gaussian(shape, rng);
    for (let i = 0; i < values.size; i++) values.data[i] = Math.sign(values.data[i] || 1) * (0.05 + Math.abs(values.data[i]));
    const weights = makeParameter('weights', values);
    const strength = 0.3;
    const results = gradcheck({
      forward: () => Tensor.scalar(strength * penalty.value(weights.value.data)),
      // The harness projects the scalar output onto r: grad = r·λ·dR/dW, i.e. strength λ·r.
      backward: (outputGrad) => regularize([weights], penalty, strength * outputGrad.data[0]),
      wrt: [{ name: 'weights', value: weights.value, grad: () => weights.grad }],
      rng,
    });
    console.log(formatResults(`regularizer ${label}`, results));
    assertGradientsMatch(`regularizer ${label}`, results);
  });
}

test('bad hyper-parameters are ConfigErrors', () => {
  assert.throws(() => elasticNet(-1), ConfigError);
  assert.throws(() => regularize([], l2, Number.NaN), ConfigError);
  assert.deepEqual(elasticNet(0.5).config(), { type: 'elastic-net', beta: 0.5 });
});
