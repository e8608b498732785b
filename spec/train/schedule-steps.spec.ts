/**
 * How the Trainer counts time for the learning-rate schedule, at epoch boundaries and across a
 * resume. 20 examples in batches of 6 make 4 steps per epoch (6 + 6 + 6 + 2); every step's rate is
 * read from its 'step' metrics line (logEvery 1), and the expected rates are worked by hand:
 *
 *   unit 'epoch', step decay every 1 epoch, γ = 1/2:  epoch e runs at 2^−e, all four of its steps
 *   unit 'epoch', constant with 1 epoch of warm-up:   step s of epoch 0 ends at τ = (s + 1)/4 →
 *                                                    0.25, 0.5, 0.75, 1; then 1
 *   unit 'step', step decay every 3 steps, γ = 1/2:   t = 0…7 → 1 1 1 ½ ½ ½ ¼ ¼ (t runs on across the
 *                                                    epoch boundary; a resume continues it)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition } from '../../src/nn/definition.ts';
import { Optimizer } from '../../src/optim/optimizer.ts';
import type { OptimizerConfig } from '../../src/optim/optimizer.ts';
import { Rng } from '../../src/tensor/rng.ts';
import type { Checkpoint, TrainingMetricsLine } from '../../src/train/trainer.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { INDEX_CLASSES, indexDataset } from './index-dataset.ts';

const train = indexDataset(20);

/** Runs `epochs` epochs (optionally from a checkpoint); returns each step's (step, epoch, lr) and the last checkpoint. */
async function rates(schedule: OptimizerConfig['schedule'], epochs: number, from?: Checkpoint) {
  const rng = new Rng(3);
  const definition = parseCompactDefinition('fc3-softmax', [1, 1, 1]);
  const net = buildNet(definition, rng);
  const steps: { step: number; epoch: number; lr: number }[] = [];
  let last: Checkpoint | undefined;
  const trainer = new Trainer({
    net, definition, classNames: INDEX_CLASSES, train, preprocessing: { mean: [0], std: [1] },
    optimizer: new Optimizer({ type: 'sgd', learningRate: 1, schedule }), batchSize: 6, epochs, rng, logEvery: 1,
    onMetrics: (line: TrainingMetricsLine) => {
      if (line.kind === 'step') steps.push({ step: line.step, epoch: line.epoch, lr: line.lr as number });
    },
    onCheckpoint: (checkpoint) => { last = JSON.parse(JSON.stringify(checkpoint)); },
  });
  if (from) trainer.restore(from);
  await trainer.run();
  return { steps, last: last! };
}

test('a schedule counted in epochs changes the rate exactly at the epoch boundary', async () => {
  const { steps } = await rates({ type: 'step', every: 1, gamma: 0.5, unit: 'epoch' }, 3);
  assert.deepEqual(steps.map((s) => s.step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(steps.map((s) => s.epoch), [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
  assert.deepEqual(steps.map((s) => s.lr), [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25]);
});

test('a warm-up counted in epochs ramps over the steps of the first epoch, the last step reaching the full rate', async () => {
  const { steps } = await rates({ type: 'constant', unit: 'epoch', warmup: 1 }, 2);
  assert.deepEqual(steps.map((s) => s.lr), [0.25, 0.5, 0.75, 1, 1, 1, 1, 1]);
});

test('a schedule counted in steps runs on across epochs and across a resume', async () => {
  const schedule = { type: 'step', every: 3, gamma: 0.5, unit: 'step' } as const;
  const expected = [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25];
  assert.deepEqual((await rates(schedule, 2)).steps.map((s) => s.lr), expected);
  const first = await rates(schedule, 1);
  assert.deepEqual(first.steps.map((s) => s.lr), expected.slice(0, 4));
  const resumed = await rates(schedule, 2, first.last);
  assert.deepEqual(resumed.steps.map((s) => [s.step, s.epoch, s.lr]), [[5, 2, 0.5], [6, 2, 0.5], [7, 2, 0.25], [8, 2, 0.25]]);
});
