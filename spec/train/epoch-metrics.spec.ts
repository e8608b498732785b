/**
 * An epoch's train loss is the mean over its EXAMPLES, not over its steps: with 20 examples in
 * batches of 6 the steps hold 6, 6, 6 and 2 examples, so
 *   trainLoss = (6·L1 + 6·L2 + 6·L3 + 2·L4) / 20,
 * where Lk is step k's mean data loss (its 'step' metrics line, logEvery 1). A mean of the four step
 * losses would over-weight the short last batch three times.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition } from '../../src/nn/definition.ts';
import { Optimizer } from '../../src/optim/optimizer.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { INDEX_CLASSES, indexDataset } from './index-dataset.ts';

test('the epoch train loss weights each step by its number of examples', async () => {
  const rng = new Rng(6);
  const definition = parseCompactDefinition('fc3-softmax', [1, 1, 1]);
  const net = buildNet(definition, rng);
  const stepLosses: number[][] = [[], [], []];
  const trainLoss: number[] = [];
  await new Trainer({
    net, definition, classNames: INDEX_CLASSES, train: indexDataset(20), preprocessing: { mean: [10], std: [6] },
    optimizer: new Optimizer({ type: 'sgd', learningRate: 0.5 }), batchSize: 6, epochs: 2, rng, logEvery: 1,
    onMetrics: (line) => {
      if (line.kind === 'step') stepLosses[line.epoch].push(line.loss);
      else trainLoss[line.epoch] = line.trainLoss;
    },
  }).run();
  const sizes = [6, 6, 6, 2];
  for (const epoch of [1, 2]) {
    const steps = stepLosses[epoch];
    assert.equal(steps.length, 4, `epoch ${epoch}: four steps`);
    // The last, short batch must make a difference for this check to mean anything.
    const perStep = steps.reduce((a, b) => a + b, 0) / 4;
    const perExample = steps.reduce((sum, loss, k) => sum + loss * sizes[k], 0) / 20;
    assert.ok(Math.abs(perStep - perExample) > 1e-3, `epoch ${epoch}: step losses ${steps} too alike to tell the two means apart`);
    assert.ok(Math.abs(trainLoss[epoch] - perExample) < 1e-12, `epoch ${epoch}: trainLoss ${trainLoss[epoch]}, expected ${perExample}`);
  }
});
