import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateImageDataset } from '../../src/data/generated-images.ts';
import { channelStatistics } from '../../src/data/dataset.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition } from '../../src/nn/definition.ts';
import { Optimizer } from '../../src/optim/optimizer.ts';
import { l2 } from '../../src/regularizers/penalties.ts';
import { regularize } from '../../src/regularizers/regularize.ts';
import { Rng } from '../../src/tensor/rng.ts';
import type { Checkpoint, TrainingMetricsLine } from '../../src/train/trainer.ts';
import { Trainer, TrainingDivergedError } from '../../src/train/trainer.ts';
import type { DivergenceOptions } from '../../src/train/divergence.ts';

const data = generateImageDataset(new Rng(5), { trainCount: 120, testCount: 40, size: 8 });
const NET = 'conv3x3x4p1-relu-pool2-bn-fc12-relu-dropout0.25-fc10-softmax';

/** A fresh trainer whose every random choice comes from `seed`. */
function makeTrainer(epochs: number, extra: { onCheckpoint?: (c: Checkpoint) => void; onMetrics?: (l: TrainingMetricsLine) => void; lr?: number; maxSteps?: number; divergence?: DivergenceOptions } = {}) {
  const rng = new Rng(42);
  const definition = parseCompactDefinition(NET, [3, 8, 8]);
  const net = buildNet(definition, rng);
  const optimizer = new Optimizer({ type: 'adam', learningRate: extra.lr ?? 0.01, schedule: { type: 'cosine', period: 3, unit: 'epoch' } });
  const trainer = new Trainer({
    net, definition, classNames: [...data.train.classNames], train: data.train, test: data.test,
    preprocessing: channelStatistics(data.train), optimizer, regularize: (p) => regularize(p, l2, 1e-4),
    batchSize: 16, epochs, rng, augment: { flip: true, maxShift: 1 }, logEvery: 2,
    ...(extra.maxSteps ? { maxSteps: extra.maxSteps } : {}),
    ...(extra.onCheckpoint ? { onCheckpoint: extra.onCheckpoint } : {}),
    ...(extra.onMetrics ? { onMetrics: extra.onMetrics } : {}),
    ...(extra.divergence ? { divergence: extra.divergence } : {}),
  });
  return { trainer, net };
}

function weightsOf(net: ReturnType<typeof buildNet>): number[] {
  return net.parameters().flatMap((p) => Array.from(p.value.data)).concat(
    net.layers.flatMap((l) => (l.buffers?.() ?? []).flatMap((b) => Array.from(b.value.data))),
  );
}

test('2 epochs straight equal 1 epoch + resume from its checkpoint + 1 epoch, bit for bit', async () => {
  const straight = makeTrainer(2);
  await straight.trainer.run();

  let saved: Checkpoint | undefined;
  const first = makeTrainer(1, { onCheckpoint: (c) => { saved = JSON.parse(JSON.stringify(c)); } });
  await first.trainer.run();
  assert.ok(saved, 'a checkpoint was written at the end of the epoch');
  const resumed = makeTrainer(2);
  resumed.trainer.restore(saved!);
  await resumed.trainer.run();

  const a = weightsOf(straight.net);
  const b = weightsOf(resumed.net);
  assert.equal(a.length, b.length);
  assert.ok(a.every((v, i) => Object.is(v, b[i])), 'resumed weights differ from the uninterrupted run');
  // And training did move the weights (the comparison is not vacuous).
  assert.ok(a.some((v, i) => v !== weightsOf(makeTrainer(1).net)[i]));
});

test('a run stopped mid-epoch by maxSteps resumes exactly too, train metrics included', async () => {
  const straight = makeTrainer(2);
  const straightResult = await straight.trainer.run();
  let saved: Checkpoint | undefined;
  const partial = makeTrainer(2, { maxSteps: 11, onCheckpoint: (c) => { saved = JSON.parse(JSON.stringify(c)); } });
  const result = await partial.trainer.run();
  assert.equal(result.stoppedBy, 'maxSteps');
  assert.equal(saved!.stepInEpoch, 3); // 120 / 16 → 8 steps per epoch; step 11 is the 3rd of epoch 2
  assert.equal(saved!.epochTotals!.seen, 3 * 16);
  const resumed = makeTrainer(2);
  resumed.trainer.restore(saved!);
  const resumedResult = await resumed.trainer.run();
  assert.deepEqual(weightsOf(resumed.net), weightsOf(straight.net));
  // Epoch 2's train loss and accuracy cover all its 120 examples, not only those after the resume.
  const last = (r: typeof result) => r.epochs[r.epochs.length - 1];
  const [a, b] = [last(straightResult), last(resumedResult)];
  assert.ok(a.kind === 'epoch' && b.kind === 'epoch');
  assert.equal(b.trainLoss, a.trainLoss);
  assert.equal(b.trainAccuracy, a.trainAccuracy);
});

test('metrics: step lines every logEvery steps and one epoch line per epoch, with accuracies', async () => {
  const lines: TrainingMetricsLine[] = [];
  await makeTrainer(2, { onMetrics: (l) => lines.push(l) }).trainer.run();
  const epochs = lines.filter((l) => l.kind === 'epoch');
  const steps = lines.filter((l) => l.kind === 'step');
  assert.equal(epochs.length, 2);
  assert.deepEqual(steps.map((l) => l.step), [2, 4, 6, 8, 10, 12, 14, 16]);
  for (const e of epochs) {
    assert.ok(e.kind === 'epoch' && e.testAccuracy! >= 0 && e.testAccuracy! <= 1 && Number.isFinite(e.trainLoss));
  }
});

test('examples/s counts training steps only: evaluation and checkpoint time is set aside', async () => {
  let checkpointCalls = 0;
  const slowCheckpoint = () => {
    checkpointCalls++;
    const until = performance.now() + 150; // a checkpoint that takes 150 ms (a slow disk)
    while (performance.now() < until) { /* wait */ }
  };
  const result = await makeTrainer(2, { onCheckpoint: slowCheckpoint }).trainer.run();
  assert.equal(checkpointCalls, 2);
  const examples = 2 * data.train.count;
  // Over wall time the 300 ms of checkpoints would count; examplesPerSecond leaves them out.
  const wallRate = examples / result.seconds;
  const trainingSeconds = examples / result.examplesPerSecond;
  assert.ok(trainingSeconds <= result.seconds - 0.299, `training ${trainingSeconds} s of ${result.seconds} s wall`);
  assert.ok(result.examplesPerSecond > wallRate);
});

test('a diverging loss stops training with a clear error and writes no checkpoint after it', async () => {
  let checkpoints = 0;
  // The bound is off, so only a non-finite loss can stop it: weights near float32's largest value make
  // the float32 scores overflow to ±Infinity.
  const { trainer } = makeTrainer(3, { lr: 1e38, divergence: { factor: null }, onCheckpoint: () => checkpoints++ });
  await assert.rejects(() => trainer.run(), (e: Error) => e instanceof TrainingDivergedError && /loss is (NaN|Infinity)/.test(e.message) && /Lower the learning rate/.test(e.message));
  assert.ok(checkpoints <= 1);
});
