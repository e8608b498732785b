import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataError } from '../../src/errors.ts';
import { makeParameter } from '../../src/tensor/parameter.ts';
import type { Parameter } from '../../src/tensor/parameter.ts';
import { decodeFloat32, encodeFloat32 } from '../../src/nn/float-codec.ts';
import { Optimizer } from '../../src/optim/optimizer.ts';
import type { OptimizerConfig } from '../../src/optim/optimizer.ts';
import { updateRuleNames } from '../../src/optim/rules.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { assertClose } from './helpers.ts';

/** A parameter with the given values and gradient. */
function parameter(values: number[], grad: number[], learningRateMultiplier = 1): Parameter {
  const p = makeParameter('weights', Tensor.from(values), { learningRateMultiplier });
  p.grad.data.set(grad);
  return p;
}

test('config(): every default spelled out, and it rebuilds the same optimizer', () => {
  const optimizer = new Optimizer({ type: 'adam' });
  const expected = {
    type: 'adam',
    learningRate: 0.001,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    schedule: { type: 'constant', unit: 'step', warmup: 0 },
  };
  assert.deepEqual(optimizer.config(), expected);
  assert.deepEqual(new Optimizer(JSON.parse(JSON.stringify(optimizer.config()))).config(), expected);
  const clipped = new Optimizer({ type: 'momentum', learningRate: 0.1, momentum: 0.5, clipGradientNorm: 5 });
  assert.deepEqual(clipped.config(), {
    type: 'momentum',
    learningRate: 0.1,
    momentum: 0.5,
    schedule: { type: 'constant', unit: 'step', warmup: 0 },
    clipGradientNorm: 5,
  });
});

test('per-parameter learning-rate multiplier: η_p = η × multiplier', () => {
  // sgd, η = 0.1, every w = 1 and g = 0.5:
  //   multiplier 1 → 1 − 0.05 = 0.95;  multiplier 2 → 1 − 0.1 = 0.9;  multiplier 0 → frozen at 1
  const optimizer = new Optimizer({ type: 'sgd', learningRate: 0.1 });
  const parameters = [parameter([1], [0.5], 1), parameter([1], [0.5], 2), parameter([1], [0.5], 0)];
  optimizer.step(parameters);
  assertClose(parameters.map((p) => p.value.data[0]), [0.95, 0.9, 1], 'weights');
  // Adam's first step is ≈ η·sign(g) per unit of multiplier: η = 0.01, multiplier 3 → w = 1 − 0.03.
  const adam = new Optimizer({ type: 'adam', learningRate: 0.01 });
  const scaled = parameter([1, 1], [0.5, -4], 3);
  adam.step([scaled]);
  assertClose(scaled.value.data, [0.97, 1.03], 'adam with multiplier 3');
});

test('step() leaves gradients alone (zeroing is the trainer’s job) and counts steps', () => {
  const optimizer = new Optimizer({ type: 'momentum', learningRate: 0.1 });
  const p = parameter([1, 2], [0.5, -0.25]);
  optimizer.step([p]);
  optimizer.step([p]);
  assert.deepEqual(Array.from(p.grad.data), [0.5, -0.25]);
  assert.equal(optimizer.steps, 2);
});

test('the schedule sets the rate at each step (unit step) or each epoch (unit epoch)', () => {
  // sgd, η0 = 1, step schedule γ = 0.5 every 2 steps, g = 1 at every step, w0 = 0:
  //   rates 1, 1, 0.5, 0.5, 0.25 → w = −1, −2, −2.5, −3, −3.25
  const bySteps = new Optimizer({ type: 'sgd', learningRate: 1, schedule: { type: 'step', every: 2, gamma: 0.5 } });
  const p = parameter([0], [1]);
  const seen: number[] = [];
  for (let i = 0; i < 5; i++) {
    bySteps.step([p]);
    seen.push(p.value.data[0]);
  }
  assertClose(seen, [-1, -2, -2.5, -3, -3.25], 'weights after each step');
  assert.equal(bySteps.currentLearningRate(), 0.25, 'the 6th step (t = 5) runs at 1·0.5²');

  // exponential γ = 0.5 per epoch: the step count does not matter, setEpoch does.
  const byEpochs = new Optimizer({ type: 'sgd', learningRate: 1, schedule: { type: 'exponential', gamma: 0.5, unit: 'epoch' } });
  const q = parameter([0], [1]);
  byEpochs.step([q]);
  byEpochs.step([q]); // still epoch 0: two steps of 1 → −2
  byEpochs.setEpoch(3); // 1·0.5³ = 0.125 → −2.125
  byEpochs.step([q]);
  assertClose(q.value.data, [-2.125], 'weight');
  assert.equal(byEpochs.epoch, 3);
  assert.throws(() => byEpochs.setEpoch(-1), ConfigError);
  assert.throws(() => byEpochs.setEpoch(0, 4, 4), /expected step s of S with 0 ≤ s < S, got 4 of 4/);
});

test('a warm-up counted in epochs ramps over the steps of those epochs, not once per epoch', () => {
  // Cosine over T = 4 epochs, η0 = 1, warm-up w = 1 epoch of S = 4 steps: the steps of epoch 0 run at
  // cos-rate(0)·(s + 1)/4 = 0.25, 0.5, 0.75, 1; epoch 1 at the cosine alone, ½(1 + cos(π/4)).
  const optimizer = new Optimizer({ type: 'sgd', learningRate: 1, schedule: { type: 'cosine', period: 4, unit: 'epoch', warmup: 1 } });
  const rates = [];
  for (let s = 0; s < 4; s++) {
    optimizer.setEpoch(0, s, 4);
    rates.push(optimizer.currentLearningRate());
  }
  optimizer.setEpoch(1, 0, 4);
  rates.push(optimizer.currentLearningRate());
  assertClose(rates, [0.25, 0.5, 0.75, 1, 0.5 * (1 + Math.cos(Math.PI / 4))], 'rates');
  // Told only the epoch, the whole epoch is one unit: epoch 0 of a 2-epoch warm-up runs at ½.
  const coarse = new Optimizer({ type: 'sgd', learningRate: 1, schedule: { type: 'constant', unit: 'epoch', warmup: 2 } });
  coarse.setEpoch(0);
  assert.equal(coarse.currentLearningRate(), 0.5);
});

test('gradient clipping by global norm scales every gradient by c/‖g‖ when ‖g‖ > c', () => {
  // Two parameters with g = [3] and [4]: ‖g‖ = 5 > c = 1, so g becomes [0.6] and [0.8];
  // sgd with η = 1 then moves the weights (0) to −0.6 and −0.8.
  const optimizer = new Optimizer({ type: 'sgd', learningRate: 1, clipGradientNorm: 1 });
  const a = parameter([0], [3]);
  const b = parameter([0], [4]);
  optimizer.step([a, b]);
  assert.equal(optimizer.lastGradientNorm, 5);
  assertClose([a.value.data[0], b.value.data[0]], [-0.6, -0.8], 'clipped step');
  // Below the threshold nothing is scaled: ‖(0.3, 0.4)‖ = 0.5 ≤ 1.
  const c = parameter([0], [0.3]);
  const d = parameter([0], [0.4]);
  new Optimizer({ type: 'sgd', learningRate: 1, clipGradientNorm: 1 }).step([c, d]);
  assertClose([c.value.data[0], d.value.data[0]], [-0.3, -0.4], 'unclipped step');
});

/** Deterministic gradients for step `step`: a function of the step only, as a data stream would be. */
function setGradients(parameters: Parameter[], step: number): void {
  const rng = new Rng(1000 + step);
  for (const p of parameters) for (let i = 0; i < p.grad.size; i++) p.grad.data[i] = rng.gaussian(0, 1);
}

function makeParameters(): Parameter[] {
  const rng = new Rng(7);
  const weights = makeParameter('weights', Tensor.gaussian([3, 4], rng), { learningRateMultiplier: 1 });
  const bias = makeParameter('bias', Tensor.gaussian([4], rng), { learningRateMultiplier: 2, decayMultiplier: 0 });
  return [weights, bias];
}

for (const type of updateRuleNames()) {
  for (const encoding of ['number arrays', 'base64 codec'] as const) {
    test(`${type}: save → JSON → restore resumes bit-identically (${encoding})`, () => {
      const config: OptimizerConfig = {
        type,
        learningRate: 0.05,
        schedule: { type: 'cosine', period: 10, minLearningRate: 0.001, warmup: 2 },
      };
      const codec = encoding === 'base64 codec' ? { encode: encodeFloat32, decode: decodeFloat32 } : undefined;

      // Uninterrupted: 9 steps.
      const straight = new Optimizer(config);
      const straightParameters = makeParameters();
      for (let step = 0; step < 9; step++) {
        setGradients(straightParameters, step);
        straight.step(straightParameters);
      }

      // Interrupted after 4 steps: state and weights through JSON, into a new optimizer.
      const first = new Optimizer(config);
      const firstParameters = makeParameters();
      for (let step = 0; step < 4; step++) {
        setGradients(firstParameters, step);
        first.step(firstParameters);
      }
      const saved = JSON.parse(JSON.stringify(first.getState(codec)));
      for (const entry of saved.parameters) {
        for (const buffer of Object.values(entry.buffers)) {
          assert.ok(codec ? typeof buffer === 'string' : Array.isArray(buffer), 'buffers are plain JSON data');
        }
      }
      const resumed = new Optimizer(JSON.parse(JSON.stringify(first.config())));
      resumed.setState(saved, codec);
      assert.equal(resumed.steps, 4);
      const resumedParameters = makeParameters();
      resumedParameters.forEach((p, i) => p.value.data.set(firstParameters[i].value.data));
      for (let step = 4; step < 9; step++) {
        setGradients(resumedParameters, step);
        resumed.step(resumedParameters);
      }

      for (let i = 0; i < straightParameters.length; i++) {
        assert.deepEqual(Array.from(resumedParameters[i].value.data), Array.from(straightParameters[i].value.data), `parameter ${i}`);
      }
      assert.deepEqual(resumed.getState(), straight.getState(), 'state after the run');
      assert.notDeepEqual(Array.from(straightParameters[0].value.data), Array.from(makeParameters()[0].value.data), 'weights moved');
    });
  }
}

test('setState refuses a state of another rule, a malformed state, and leaves the old state in place', () => {
  const adam = new Optimizer({ type: 'adam' });
  const p = parameter([1, 2], [0.5, 0.5]);
  adam.step([p]);
  const good = JSON.parse(JSON.stringify(adam.getState()));
  const expectData = (state: unknown, message: RegExp, codec?: { encode: typeof encodeFloat32; decode: typeof decodeFloat32 }): void =>
    assert.throws(
      () => adam.setState(state, codec),
      (error: unknown) => error instanceof DataError && message.test(error.message),
      message.source,
    );

  assert.throws(() => new Optimizer({ type: 'sgd' }).setState(good), (error: unknown) => error instanceof DataError && /saved for rule "adam".*'sgd'/.test(error.message));
  expectData({ ...good, format: 'other' }, /expected format 'convnet-ts\/optimizer-state' version 1/);
  expectData({ ...good, step: -1 }, /optimizer state\.step: expected an integer ≥ 0, got -1/);
  const short = structuredClone(good);
  short.parameters[0].buffers.firstMoment = [0];
  expectData(short, /parameters\[0\]\.buffers\.firstMoment: expected an array of 2 numbers/);
  const renamed = structuredClone(good);
  renamed.parameters[0].buffers = { velocity: [0, 0] };
  expectData(renamed, /rule 'adam' needs \[firstMoment, secondMoment\], got \[velocity\]/);
  const encoded = JSON.parse(JSON.stringify(adam.getState({ encode: encodeFloat32, decode: decodeFloat32 })));
  expectData(encoded, /encoded string; pass the FloatCodec/);
  expectData('nonsense', /expected an object from Optimizer\.getState/);

  // None of the failures changed the optimizer: its state is still the one saved above.
  assert.deepEqual(JSON.parse(JSON.stringify(adam.getState())), good);
});

test('step() refuses a parameter list that does not match the state', () => {
  const optimizer = new Optimizer({ type: 'momentum' });
  optimizer.step([parameter([1, 2], [0, 0]), parameter([3], [0])]);
  assert.throws(
    () => optimizer.step([parameter([1, 2], [0, 0])]),
    (error: unknown) => error instanceof ConfigError && /got 1 parameters, but the optimizer state holds 2/.test(error.message),
  );
  assert.throws(
    () => optimizer.step([parameter([1, 2], [0, 0]), parameter([3, 4], [0, 0])]),
    (error: unknown) => error instanceof ConfigError && /parameter 1 \('weights'\) has 2 values.*holds 1/.test(error.message),
  );
});

test('bad configurations throw ConfigError naming the field and listing the valid choices', () => {
  const cases: [unknown, RegExp][] = [
    [{ type: 'adamax' }, new RegExp(`optimizer\\.type: unknown update rule "adamax"; valid choices: ${updateRuleNames().join(', ')}`)],
    [{}, /optimizer\.type: unknown update rule nothing; valid choices: sgd/],
    [{ type: 'adam', beta1: 1 }, /optimizer\.beta1: expected a number in \[0, 1\).*got 1/],
    [{ type: 'adam', beta2: '0.99' }, /optimizer\.beta2: expected a number in \[0, 1\).*got "0.99"/],
    [{ type: 'rmsprop', epsilon: 0 }, /optimizer\.epsilon: expected a number in \(0, Infinity\)/],
    [{ type: 'adadelta', rho: null }, /optimizer\.rho: expected a number in \[0, 1\).*got null/],
    [{ type: 'adam', beta3: 0.5 }, /optimizer \(adam\): unknown field 'beta3'; valid fields: type, learningRate, beta1, beta2, epsilon, schedule, clipGradientNorm/],
    [{ type: 'sgd', momentum: 0.9 }, /optimizer \(sgd\): unknown field 'momentum'/],
    [{ type: 'sgd', learningRate: -0.1 }, /optimizer\.learningRate: expected a number > 0, got -0\.1/],
    [{ type: 'sgd', learningRate: Number.NaN }, /optimizer\.learningRate: expected a number > 0, got NaN/],
    [{ type: 'sgd', schedule: { type: 'poly' } }, /optimizer\.schedule\.type: unknown schedule "poly"; valid choices: constant, step, exponential, cosine/],
    [{ type: 'sgd', learningRate: 0.01, schedule: { type: 'cosine', period: 5, minLearningRate: 0.1 } }, /minLearningRate: 0\.1 is above learningRate 0\.01/],
    [{ type: 'sgd', clipGradientNorm: 0 }, /optimizer\.clipGradientNorm: expected a number > 0/],
    ['adam', /optimizer: expected an object/],
  ];
  for (const [config, message] of cases) {
    assert.throws(
      () => new Optimizer(config as OptimizerConfig),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
      `${JSON.stringify(config)} should match ${message.source}`,
    );
  }
});
