/**
 * Checkpoints that no real run could have written are refused on resume, with a DataError naming
 * the file and the field — never resumed into a silently different run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../../src/errors.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import type { LayerDefinition } from '../../src/nn/definition.ts';
import { encodeFloat32 } from '../../src/nn/float-codec.ts';
import { Optimizer } from '../../src/optim/optimizer.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { validateCheckpoint } from '../../src/train/checkpoint.ts';
import type { Checkpoint } from '../../src/train/trainer.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { featureDataset } from '../../src/train/training-data.ts';

const FILE = 'runs/x/checkpoint.json';
const COUNT = 25; // 25 examples, batch 10 → 3 steps per epoch
const features = new Float32Array(COUNT * 2).map((_, i) => Math.sin(i));
const labels = Array.from({ length: COUNT }, (_, n) => n % 2);
const data = featureDataset(features, labels, { featureSize: 2 });
const NET: LayerDefinition[] = [{ type: 'input', shape: [2] }, { type: 'fc', units: 2 }, { type: 'softmax' }];

function makeTrainer(epochs = 2) {
  const rng = new Rng(7);
  const net = buildNet(NET, rng);
  const optimizer = new Optimizer({ type: 'momentum', learningRate: 0.1, schedule: { type: 'constant', unit: 'epoch' } });
  return new Trainer({ net, definition: NET, classNames: ['a', 'b'], train: data, optimizer, batchSize: 10, epochs, rng, maxSteps: 4 });
}

/** A real checkpoint, taken mid-epoch (epoch 1 of 2, step 1 of 3, 4 steps done). */
async function realCheckpoint(): Promise<Checkpoint> {
  let saved: Checkpoint | undefined;
  const rng = new Rng(7);
  const net = buildNet(NET, rng);
  const optimizer = new Optimizer({ type: 'momentum', learningRate: 0.1, schedule: { type: 'constant', unit: 'epoch' } });
  const trainer = new Trainer({ net, definition: NET, classNames: ['a', 'b'], train: data, optimizer, batchSize: 10, epochs: 2, rng, maxSteps: 4,
    onCheckpoint: (c) => { saved = JSON.parse(JSON.stringify(c)); } });
  await trainer.run();
  return saved!;
}

const orderOf = (values: number[]) => encodeFloat32(new Float32Array(Int32Array.from(values).buffer));
const refused = (field: string, fragment: RegExp) => (e: Error) =>
  e instanceof DataError && e.message.startsWith(`${FILE}: '${field}'`) && fragment.test(e.message);

test('a real checkpoint passes and restores; its fields are what the run had', async () => {
  const checkpoint = await realCheckpoint();
  assert.equal(checkpoint.globalStep, 4);
  assert.equal(checkpoint.epoch, 1);
  assert.equal(checkpoint.stepInEpoch, 1);
  const { order } = validateCheckpoint(checkpoint, FILE, { count: COUNT, stepsPerEpoch: 3, epochs: 2 });
  assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: COUNT }, (_, i) => i));
  makeTrainer().restore(checkpoint, FILE);
});

test('each impossible field is refused with the file and the field named', async () => {
  const good = await realCheckpoint();
  const cases: [string, (c: Record<string, unknown>) => void, string, RegExp][] = [
    ['missing rng', (c) => { delete c.rng; }, 'rng', /is missing/],
    ['rng words not 4', (c) => { c.rng = { words: [1, 2, 3], spareGaussian: null }; }, 'rng.words', /4 32-bit integers/],
    ['rng word not an integer', (c) => { c.rng = { words: [1, 2, 3.5, 4], spareGaussian: null }; }, 'rng.words[2]', /32-bit integer/],
    ['all-zero rng', (c) => { c.rng = { words: [0, 0, 0, 0], spareGaussian: null }; }, 'rng.words', /all zeros, a state xoshiro128\*\* can never reach/],
    ['all-zero order', (c) => { c.order = orderOf(new Array(COUNT).fill(0)); }, 'order', /not a permutation of 0\.\.24: position 1 holds 0, which appeared before/],
    ['order with an index out of range', (c) => { c.order = orderOf(Array.from({ length: COUNT }, (_, i) => (i === 3 ? 25 : i))); }, 'order', /position 3 holds 25/],
    ['order of the wrong length', (c) => { c.order = orderOf(Array.from({ length: COUNT - 1 }, (_, i) => i)); }, 'order', /expected 25 float32 values/],
    ['stepInEpoch beyond the epoch', (c) => { c.stepInEpoch = 4; }, 'stepInEpoch', /integer in 0\.\.3 \(steps per epoch\), got 4/],
    ['negative stepInEpoch', (c) => { c.stepInEpoch = -1; }, 'stepInEpoch', /got -1/],
    ['epoch beyond the run', (c) => { c.epoch = 3; }, 'epoch', /is 3, beyond this run's 2 epochs/],
    ['globalStep that does not fit the position', (c) => { c.globalStep = 9; }, 'globalStep', /must be 4 \(epoch 1 × 3 steps \+ 1\), got 9/],
    ['not a checkpoint', (c) => { c.format = 'convnet-ts-model'; }, 'format', /not a convnet-ts checkpoint/],
    ['impossible epoch totals', (c) => { c.epochTotals = { lossSum: 1, correct: 5, seen: 3 }; }, 'epochTotals', /0 ≤ correct ≤ seen/],
  ];
  for (const [label, corrupt, field, fragment] of cases) {
    const bad = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
    corrupt(bad);
    assert.throws(() => makeTrainer().restore(bad, FILE), refused(field, fragment), label);
  }
  // Weights of the wrong length are refused by the model loader, naming the file and the layer.
  const badWeights = JSON.parse(JSON.stringify(good)) as Checkpoint;
  badWeights.model.layers[0].parameters.weights.float32 = encodeFloat32(new Float32Array(3));
  assert.throws(() => makeTrainer().restore(badWeights, FILE), (e: Error) => e instanceof DataError && e.message.startsWith(`${FILE}: model`) && /fc1\.weights/.test(e.message));
  // And the optimizer state of another rule names the file too.
  const badOptimizer = JSON.parse(JSON.stringify(good)) as Checkpoint;
  (badOptimizer.optimizer as { type: string }).type = 'adam';
  assert.throws(() => makeTrainer().restore(badOptimizer, FILE), (e: Error) => e instanceof DataError && e.message.startsWith(`${FILE}: optimizer state`));
});
