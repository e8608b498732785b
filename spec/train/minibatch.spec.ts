import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeParameter } from '../../src/layers/layer.ts';
import { gatherLabels, gatherRows, minibatchSgd, sampleBatchIndices } from '../../src/train/minibatch.ts';
import { ConfigError, ShapeError } from '../../src/errors.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

test('without replacement: distinct indices in range, reproducible from the seed', () => {
  const indices = sampleBatchIndices(50, 20, new Rng(1));
  assert.equal(indices.length, 20);
  assert.equal(new Set(indices).size, 20);
  assert.ok(indices.every((i) => i >= 0 && i < 50));
  assert.deepEqual(sampleBatchIndices(50, 20, new Rng(1)), indices);
  assert.notDeepEqual(sampleBatchIndices(50, 20, new Rng(2)), indices);
  // A batch as large as the dataset is a permutation.
  assert.deepEqual([...sampleBatchIndices(7, 7, new Rng(3))].sort(), [0, 1, 2, 3, 4, 5, 6]);
});

test('without replacement: every index is about equally likely, also at the first position', () => {
  const rng = new Rng(4);
  const total = 10;
  const counts = new Array(total).fill(0);
  const firstCounts = new Array(total).fill(0);
  const draws = 4000;
  for (let d = 0; d < draws; d++) {
    const indices = sampleBatchIndices(total, 3, rng);
    firstCounts[indices[0]]++;
    for (const i of indices) counts[i]++;
  }
  // Expected 1200 per index (3/10 of 4000) and 400 first places; allow ±15% (≈ 5 standard deviations).
  for (let i = 0; i < total; i++) {
    assert.ok(Math.abs(counts[i] - 1200) < 180, `index ${i} drawn ${counts[i]} times`);
    assert.ok(Math.abs(firstCounts[i] - 400) < 100, `index ${i} first ${firstCounts[i]} times`);
  }
});

test('with replacement: independent draws, repeats allowed, batch may exceed the dataset', () => {
  const indices = sampleBatchIndices(5, 40, new Rng(5), { replacement: true });
  assert.equal(indices.length, 40);
  assert.ok(indices.every((i) => i >= 0 && i < 5));
  assert.equal(new Set(indices).size, 5);
  assert.throws(() => sampleBatchIndices(5, 6, new Rng(5)), /cannot draw 6 distinct indices from 5/);
  assert.throws(() => sampleBatchIndices(0, 1, new Rng(5)), ConfigError);
});

test('gatherRows and gatherLabels pick the rows in index order, into reused buffers', () => {
  const source = Tensor.from([0, 1, 10, 11, 20, 21, 30, 31], [4, 1, 2]);
  const batch = gatherRows(source, [3, 0, 3]);
  assert.deepEqual(batch.shape, [3, 1, 2]);
  assert.deepEqual(batch.toArray(), [30, 31, 0, 1, 30, 31]);
  const into = Tensor.zeros([2, 1, 2]);
  assert.equal(gatherRows(source, new Int32Array([2, 1]), into), into);
  assert.deepEqual(into.toArray(), [20, 21, 10, 11]);
  assert.throws(() => gatherRows(source, [4]), (error: Error) => error instanceof ShapeError && /index 4 at position 0/.test(error.message));
  assert.throws(() => gatherRows(source, [0], into), ShapeError);

  const labels = new Uint8Array([7, 8, 9, 6]);
  assert.deepEqual([...gatherLabels(labels, [3, 3, 0])], [6, 6, 7]);
  assert.throws(() => gatherLabels(labels, [-1]), ShapeError);
});

test('minibatchSgd: w ← w − η·lrMult·grad each step, grads zeroed, loss history returned', () => {
  // L(w) = Σ (w − c)² on a 2-element parameter; the second parameter is frozen by its multiplier.
  const target = [3, -1];
  const w = makeParameter('weights', Tensor.from([0, 0]));
  const frozen = makeParameter('bias', Tensor.from([5]), { learningRateMultiplier: 0 });
  frozen.grad.fill(123); // stale gradients are cleared before the first step
  const seen: number[][] = [];
  const history = minibatchSgd({
    parameters: [w, frozen],
    datasetSize: 10,
    batchSize: 4,
    steps: 50,
    learningRate: 0.1,
    rng: new Rng(6),
    lossAndGradients: (indices, step) => {
      assert.equal(indices.length, 4);
      if (step === 0) seen.push([...w.grad.data, ...frozen.grad.data]);
      let loss = 0;
      for (let i = 0; i < 2; i++) {
        const difference = w.value.data[i] - target[i];
        loss += difference * difference;
        w.grad.data[i] += 2 * difference;
      }
      frozen.grad.data[0] += 1;
      return loss;
    },
  });
  assert.deepEqual(seen, [[0, 0, 0]]);
  assert.equal(history.length, 50);
  assert.equal(history[0], 10);
  // One step multiplies the error by (1 − 2η) = 0.8, so the loss by 0.64.
  assert.ok(Math.abs(history[1] - 6.4) < 1e-5);
  assert.ok(Math.abs(w.value.data[0] - 3 * (1 - 0.8 ** 50)) < 1e-5);
  assert.deepEqual(frozen.value.toArray(), [5]);
  assert.deepEqual([...w.grad.data, ...frozen.grad.data], [0, 0, 0]);
});
