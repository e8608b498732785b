import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spiral } from '../../src/data/toy2d.ts';
import { ConfigError } from '../../src/errors.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import type { LayerDefinition } from '../../src/nn/definition.ts';
import { Optimizer } from '../../src/optim/optimizer.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { DivergenceGuard, TrainingDivergedError } from '../../src/train/divergence.ts';
import type { Checkpoint } from '../../src/train/trainer.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { featureDataset } from '../../src/train/training-data.ts';

const diverged = (pattern: RegExp) => (e: Error) => e instanceof TrainingDivergedError && pattern.test(e.message);

test('the bound is factor × the mean loss of the first 10 steps (of the steps so far before step 11); the message shows both', () => {
  const guard = new DivergenceGuard();
  assert.equal(guard.factor, 50);
  assert.equal(guard.bound, undefined, 'step 1 has nothing to be compared with');
  guard.check(1e6, 'step 1'); // a large first loss is only a reference
  const fresh = new DivergenceGuard();
  fresh.check(1, 'step 1');
  assert.equal(fresh.bound, 50, 'from step 2 on, 50 × the mean so far');
  assert.throws(() => fresh.check(51, 'step 2'), diverged(/step 2: loss 51\.00 exceeds the bound 50\.00 = 50 × 1\.000 \(the mean loss of the first 1 step\)/));
  for (let step = 2; step <= 10; step++) fresh.check(step % 2 === 0 ? 3 : 1, `step ${step}`); // steps 1..10 average 2
  assert.equal(fresh.referenceLoss, 2);
  assert.equal(fresh.bound, 100);
  fresh.check(100, 'step 11'); // equal to the bound: still fine, and no longer part of the reference
  assert.equal(fresh.referenceLoss, 2);
  assert.throws(() => fresh.check(100.5, 'epoch 2, step 12'),
    diverged(/at epoch 2, step 12: loss 100\.5 exceeds the bound 100\.0 = 50 × 2\.000 \(the mean loss of the first 10 steps\).*--divergence-factor/));
});

test('a non-finite loss always stops, also with the bound off; factors below 1 are refused', () => {
  const off = new DivergenceGuard({ factor: null });
  for (let step = 1; step <= 20; step++) off.check(10 ** step, `step ${step}`); // grows 1e19×: the bound is off
  assert.equal(off.bound, undefined);
  assert.throws(() => off.check(Number.NaN, 'step 21'), diverged(/step 21: loss is NaN/));
  assert.throws(() => off.check(Number.POSITIVE_INFINITY, 'step 22'), diverged(/loss is Infinity/));
  assert.throws(() => new DivergenceGuard({ factor: 0 }), (e: Error) => e instanceof ConfigError && /≥ 1 \(or off\), got 0/.test(e.message));
  assert.throws(() => new DivergenceGuard({ factor: 0.5 }), ConfigError);
  assert.throws(() => new DivergenceGuard({ referenceSteps: 0 }), ConfigError);
});

test('the guard state round-trips, so a resumed run keeps the reference of its first steps', () => {
  const guard = new DivergenceGuard({ factor: 4, referenceSteps: 2 });
  guard.check(1, 'step 1');
  const copy = new DivergenceGuard({ factor: 4, referenceSteps: 2 });
  copy.setState(guard.getState());
  copy.check(3, 'step 2'); // reference (1 + 3) / 2 = 2, bound 8
  assert.equal(copy.bound, 8);
  assert.throws(() => copy.check(9, 'step 3'), diverged(/exceeds the bound 8\.000 = 4 × 2\.000/));
});

const points = spiral(new Rng(3), { arms: 3, pointsPerArm: 40 });
const data = featureDataset(points.points, points.labels, { featureSize: 2, name: 'spiral' });
const NET: LayerDefinition[] = [{ type: 'input', shape: [2] }, { type: 'fc', units: 20 }, { type: 'relu' }, { type: 'fc', units: 3 }, { type: 'softmax' }];

async function trainSpiral(learningRate: number, factor: number | null, onCheckpoint?: (c: Checkpoint) => void) {
  const rng = new Rng(1);
  const net = buildNet(NET, rng);
  const optimizer = new Optimizer({ type: 'sgd', learningRate, schedule: { type: 'constant', unit: 'epoch' } });
  const trainer = new Trainer({ net, definition: NET, classNames: [...points.classNames], train: data, optimizer, batchSize: 10, epochs: 5, rng, divergence: { factor }, ...(onCheckpoint ? { onCheckpoint } : {}) });
  return trainer.run();
}

test('a Trainer whose finite loss climbs above the bound stops as diverged, before the update, keeping the last checkpoint', async () => {
  // lr 300 on the spiral: the loss jumps from ≈ 1.1 to the tens of thousands at step 2 or 3, finite.
  const checkpoints: number[] = [];
  await assert.rejects(trainSpiral(300, 50, (c) => checkpoints.push(c.globalStep)),
    diverged(/training diverged at epoch \d, step \d+: loss [\d.e+]+ \(data [\d.e+]+, regularization 0\) exceeds the bound [\d.e+]+ = 50 × [\d.]+ \(the mean loss of the first \d+ steps?\)/));
  assert.deepEqual(checkpoints, [], 'nothing is saved after the loss diverged');
  // The same run with the bound off goes on (to NaN or to the end), so it is the bound that stopped it.
  const unbounded = await trainSpiral(300, null).then(() => 'finished', (e: Error) => e.message);
  assert.doesNotMatch(unbounded, /exceeds the bound/);
  // A sane learning rate never meets the bound.
  const sane = await trainSpiral(0.5, 50);
  assert.equal(sane.stoppedBy, 'epochs');
});
