/**
 * The Trainer's design for what comes next (issue 13, 4b): step() apart from the epoch loop, a loop
 * that yields to the event loop between steps and can be asked to stop, plain (N, D) data, frozen
 * layers and per-layer learning-rate multipliers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spiral } from '../../src/data/toy2d.ts';
import { ConfigError } from '../../src/errors.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import type { LayerDefinition } from '../../src/nn/definition.ts';
import { Optimizer } from '../../src/optim/optimizer.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { evaluate } from '../../src/train/evaluate.ts';
import type { Checkpoint } from '../../src/train/trainer.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { featureDataset } from '../../src/train/training-data.ts';

const points = spiral(new Rng(3), { arms: 3, pointsPerArm: 100 });
/** The spiral as plain (N, D) = (300, 2) data, given as a Tensor. */
const spiralData = featureDataset(new Tensor(points.points, [points.count, 2]), points.labels, { name: 'spiral' });
const TWO_LAYER: LayerDefinition[] = [
  { type: 'input', shape: [2] }, { type: 'fc', units: 100, name: 'hidden' }, { type: 'relu' }, { type: 'fc', units: 3, name: 'scores' }, { type: 'softmax' },
];

function makeSpiralTrainer(options: { epochs?: number; optimizer?: Optimizer; frozenLayers?: string[]; layerLearningRates?: Record<string, number>; maxSteps?: number; onCheckpoint?: (c: Checkpoint) => void } = {}) {
  const rng = new Rng(11);
  const net = buildNet(TWO_LAYER, rng);
  const optimizer = options.optimizer ?? new Optimizer({ type: 'sgd', learningRate: 1, schedule: { type: 'constant', unit: 'epoch' } });
  const trainer = new Trainer({
    net, definition: TWO_LAYER, classNames: [...points.classNames], train: spiralData, test: spiralData,
    optimizer, batchSize: 30, epochs: options.epochs ?? 1, rng,
    ...(options.frozenLayers ? { frozenLayers: options.frozenLayers } : {}),
    ...(options.layerLearningRates ? { layerLearningRates: options.layerLearningRates } : {}),
    ...(options.maxSteps ? { maxSteps: options.maxSteps } : {}),
    ...(options.onCheckpoint ? { onCheckpoint: options.onCheckpoint } : {}),
  });
  return { trainer, net, rng };
}

const valuesOf = (net: ReturnType<typeof buildNet>, layer: string) =>
  net.layers.find((l) => l.name === layer)!.parameters().map((p) => Float32Array.from(p.value.data));

test('a 2-layer net on plain 2-D points (the spiral, N×D = 300×2): Trainer and evaluate take (N, D) data', async () => {
  const { trainer, net } = makeSpiralTrainer({ epochs: 150 });
  const before = evaluate(net, spiralData, undefined).accuracy;
  const result = await trainer.run();
  const after = evaluate(net, spiralData, undefined);
  assert.equal(after.count, 300);
  // No straight line separates three spiral arms (a linear model stays near 50 %); the hidden layer does.
  assert.ok(before < 0.5, `untrained accuracy ${before}`);
  assert.ok(after.accuracy > 0.9, `trained accuracy ${after.accuracy}`);
  const last = result.epochs.at(-1)!;
  assert.ok(last.kind === 'epoch' && last.testAccuracy === after.accuracy, 'the epoch line evaluates the same feature rows');
  // A flat Float32Array with D given is the same data.
  const flat = featureDataset(points.points, points.labels, { featureSize: 2 });
  assert.deepEqual(evaluate(net, flat, undefined).predictions, after.predictions);
  assert.throws(() => featureDataset(points.points, points.labels), /needs featureSize D/);
  assert.throws(() => featureDataset(points.points, points.labels.subarray(1), { featureSize: 2 }), /299 labels need 299×2 = 598 feature values, got 600/);
});

test('step() is one minibatch: it advances the position by one step and refuses to run past the epoch', () => {
  const { trainer, net } = makeSpiralTrainer();
  const start = valuesOf(net, 'scores')[0];
  const first = trainer.step();
  assert.equal(first.size, 30);
  assert.ok(Number.isFinite(first.loss) && first.loss > 0);
  assert.deepEqual(trainer.position, { epoch: 0, stepInEpoch: 1, stepsPerEpoch: 10, globalStep: 1 });
  assert.notDeepEqual(valuesOf(net, 'scores')[0], start, 'the step updated the weights');
  for (let s = 1; s < 10; s++) trainer.step();
  assert.throws(() => trainer.step(), (e: Error) => e instanceof ConfigError && /10 steps are done/.test(e.message));
});

test('run() yields to the event loop between steps: a stop requested from a macrotask ends the run there, and resuming is exact', async () => {
  const straight = makeSpiralTrainer({ epochs: 3 });
  await straight.trainer.run();

  let saved: Checkpoint | undefined;
  const stopped = makeSpiralTrainer({ epochs: 3, onCheckpoint: (c) => { saved = JSON.parse(JSON.stringify(c)); } });
  // setImmediate callbacks run only when the loop yields: after step 1, then after step 2, ... .
  let turns = 0;
  const tick = () => {
    turns++;
    if (turns === 13) stopped.trainer.requestStop();
    else setImmediate(tick);
  };
  setImmediate(tick);
  const result = await stopped.trainer.run();
  assert.equal(result.stoppedBy, 'stopRequested');
  assert.equal(result.steps, 13, 'stopped at the end of the step during which the stop was requested');
  assert.equal(saved!.globalStep, 13);
  assert.equal(saved!.epoch, 1);
  assert.equal(saved!.stepInEpoch, 3);

  const resumed = makeSpiralTrainer({ epochs: 3 });
  resumed.trainer.restore(saved!);
  const resumedResult = await resumed.trainer.run();
  assert.equal(resumedResult.stoppedBy, 'epochs');
  for (const layer of ['hidden', 'scores']) assert.deepEqual(valuesOf(resumed.net, layer), valuesOf(straight.net, layer));
});

test('a stop right after an epoch\'s last step checkpoints stepInEpoch = stepsPerEpoch; resuming finishes that epoch first, exactly', async () => {
  const straight = makeSpiralTrainer({ epochs: 2 });
  const straightResult = await straight.trainer.run();
  let saved: Checkpoint | undefined;
  const stopped = makeSpiralTrainer({ epochs: 2, onCheckpoint: (c) => { saved = JSON.parse(JSON.stringify(c)); } });
  let turns = 0;
  const tick = () => (++turns === 10 ? stopped.trainer.requestStop() : setImmediate(tick));
  setImmediate(tick);
  const result = await stopped.trainer.run();
  assert.equal(result.epochs.length, 0, 'stopped before the epoch end (no evaluation)');
  assert.equal(saved!.stepInEpoch, 10);
  const resumed = makeSpiralTrainer({ epochs: 2 });
  resumed.trainer.restore(saved!);
  const resumedResult = await resumed.trainer.run();
  assert.deepEqual(resumedResult.epochs.map((e) => e.epoch), [1, 2]);
  assert.deepEqual(valuesOf(resumed.net, 'scores'), valuesOf(straight.net, 'scores'));
  assert.equal(resumedResult.epochs[1].kind === 'epoch' && resumedResult.epochs[1].trainLoss, straightResult.epochs[1].kind === 'epoch' && straightResult.epochs[1].trainLoss);
});

test('frozen layers get no update — with momentum and Adam too, whose state could move them — while the others train', async () => {
  for (const type of ['sgd', 'momentum', 'adam']) {
    const optimizer = new Optimizer({ type, learningRate: 0.1, schedule: { type: 'constant', unit: 'epoch' } });
    const { trainer, net } = makeSpiralTrainer({ epochs: 2, optimizer, frozenLayers: ['hidden'] });
    const hidden = valuesOf(net, 'hidden');
    const scores = valuesOf(net, 'scores');
    await trainer.run();
    assert.deepEqual(valuesOf(net, 'hidden'), hidden, `${type}: the frozen layer moved`);
    assert.notDeepEqual(valuesOf(net, 'scores'), scores, `${type}: the trainable layer did not move`);
  }
  assert.throws(() => makeSpiralTrainer({ frozenLayers: ['fc9'] }), (e: Error) => e instanceof ConfigError && /'fc9'.*hidden/.test(e.message));
});

test('per-layer learning-rate multipliers: the optimizer scales each parameter\'s step by its layer\'s multiplier', () => {
  // One SGD step from the same start: Δw = −η·m·g, so the step with m = 0.5 is half the step with m = 1.
  const full = makeSpiralTrainer();
  const half = makeSpiralTrainer({ layerLearningRates: { hidden: 0.5, scores: 0 } });
  const start = { hidden: valuesOf(full.net, 'hidden'), scores: valuesOf(full.net, 'scores') };
  assert.deepEqual(valuesOf(half.net, 'hidden'), start.hidden);
  assert.ok(half.net.layers.find((l) => l.name === 'hidden')!.parameters().every((p) => p.learningRateMultiplier === 0.5));
  full.trainer.step();
  half.trainer.step();
  assert.deepEqual(valuesOf(half.net, 'scores'), start.scores, 'multiplier 0: no step');
  const [fullWeights, halfWeights, startWeights] = [valuesOf(full.net, 'hidden')[0], valuesOf(half.net, 'hidden')[0], start.hidden[0]];
  let moved = 0;
  for (let i = 0; i < startWeights.length; i++) {
    const fullStep = fullWeights[i] - startWeights[i];
    const halfStep = halfWeights[i] - startWeights[i];
    if (fullStep !== 0) moved++;
    // float32 rounding of w − step: within one ulp of the weights (|w| < 1 here, so 2^-23 absolute).
    assert.ok(Math.abs(halfStep - 0.5 * fullStep) <= 2 ** -23 * 2, `weight ${i}: full step ${fullStep}, half step ${halfStep}`);
  }
  assert.ok(moved > 50, 'the comparison is not vacuous');
  assert.throws(() => makeSpiralTrainer({ layerLearningRates: { hidden: -1 } }), /finite number ≥ 0, got -1/);
});
