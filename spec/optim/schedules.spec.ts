import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.ts';
import {
  cosineRate,
  exponentialRate,
  parseSchedule,
  scheduledRate,
  stepDecayRate,
  warmupFactor,
} from '../../src/optim/schedules.ts';

const close = (actual: number, expected: number, label: string): void =>
  assert.ok(Math.abs(actual - expected) <= 1e-12, `${label}: got ${actual}, expected ${expected}`);

test('constant: η0 at every t', () => {
  const schedule = parseSchedule({ type: 'constant' });
  for (const t of [0, 1, 1000]) close(scheduledRate(schedule, 0.05, t), 0.05, `t = ${t}`);
});

test('step: η0·γ^⌊t/k⌋ drops by γ every k units', () => {
  // η0 = 0.1, γ = 0.1, k = 10: t 0..9 → 0.1, t 10..19 → 0.01, t = 25 → 0.001
  close(stepDecayRate(0.1, 0.1, 10, 0), 0.1, 't = 0');
  close(stepDecayRate(0.1, 0.1, 10, 9), 0.1, 't = 9');
  close(stepDecayRate(0.1, 0.1, 10, 10), 0.01, 't = 10');
  close(stepDecayRate(0.1, 0.1, 10, 25), 0.001, 't = 25');
  const schedule = parseSchedule({ type: 'step', every: 10 });
  assert.equal(schedule.type === 'step' && schedule.gamma, 0.1, 'γ defaults to 0.1');
  close(scheduledRate(schedule, 0.1, 10), 0.01, 'from config, t = 10');
});

test('exponential: η0·γ^t', () => {
  // η0 = 1, γ = 0.5: t = 3 → 1/8
  close(exponentialRate(1, 0.5, 0), 1, 't = 0');
  close(exponentialRate(1, 0.5, 3), 0.125, 't = 3');
  close(scheduledRate(parseSchedule({ type: 'exponential', gamma: 0.5 }), 0.2, 2), 0.05, 'η0 = 0.2, t = 2 → 0.2/4');
});

test('cosine: η_min + ½(η0 − η_min)(1 + cos(πt/T)), held at η_min after T', () => {
  // η0 = 1, η_min = 0, T = 6:
  //   t = 0: ½(1 + cos 0)    = 1
  //   t = 2: ½(1 + cos π/3)  = ½(1.5) = 0.75
  //   t = 3: ½(1 + cos π/2)  = 0.5
  //   t = 6: ½(1 + cos π)    = 0;   t = 12: still 0 (no restart)
  close(cosineRate(1, 0, 6, 0), 1, 't = 0');
  close(cosineRate(1, 0, 6, 2), 0.75, 't = 2');
  close(cosineRate(1, 0, 6, 3), 0.5, 't = 3');
  close(cosineRate(1, 0, 6, 6), 0, 't = T');
  close(cosineRate(1, 0, 6, 12), 0, 't = 2T');
  // η0 = 0.1, η_min = 0.02, T = 4, t = 2: 0.02 + ½·0.08·(1 + 0) = 0.06
  close(scheduledRate(parseSchedule({ type: 'cosine', period: 4, minLearningRate: 0.02 }), 0.1, 2), 0.06, 'with η_min');
});

test('linear warm-up multiplies any schedule by min(1, τ/w), τ = t + 1 for whole units', () => {
  // w = 4: factors 0.25, 0.5, 0.75, 1, then 1.
  assert.deepEqual([0, 1, 2, 3, 4, 100].map((t) => warmupFactor(4, t)), [0.25, 0.5, 0.75, 1, 1, 1]);
  assert.equal(warmupFactor(0, 0), 1, 'no warm-up');
  // An update ending part-way through a unit (epoch units, step s of S): min(1, τ/w) with τ = t + (s+1)/S.
  assert.deepEqual([0.25, 0.5, 1, 1.5].map((end) => warmupFactor(1, 0, end)), [0.25, 0.5, 1, 1]);
  assert.equal(warmupFactor(2, 1, 1.5), 0.75);
  // step decay with η0 = 0.1, γ = 0.5, k = 2, times warm-up w = 4:
  //   t = 0: 0.1·0.5⁰·(1/4) = 0.025     t = 1: 0.1·0.5⁰·(2/4) = 0.05
  //   t = 2: 0.1·0.5¹·(3/4) = 0.0375    t = 4: 0.1·0.5²·1     = 0.025
  const schedule = parseSchedule({ type: 'step', every: 2, gamma: 0.5, warmup: 4 });
  close(scheduledRate(schedule, 0.1, 0), 0.025, 't = 0');
  close(scheduledRate(schedule, 0.1, 1), 0.05, 't = 1');
  close(scheduledRate(schedule, 0.1, 2), 0.0375, 't = 2');
  close(scheduledRate(schedule, 0.1, 4), 0.025, 't = 4');
});

test('parseSchedule fills defaults and keeps the unit', () => {
  assert.deepEqual(parseSchedule({ type: 'cosine', period: 10, unit: 'epoch' }), {
    type: 'cosine',
    unit: 'epoch',
    warmup: 0,
    period: 10,
    minLearningRate: 0,
  });
});

test('parseSchedule: bad configurations throw ConfigError naming the field and the valid choices', () => {
  const cases: [unknown, RegExp][] = [
    [{ type: 'linear' }, /schedule\.type: unknown schedule "linear"; valid choices: constant, step, exponential, cosine/],
    [{ type: 'step' }, /schedule\.every: required/],
    [{ type: 'step', every: 2.5 }, /schedule\.every: expected an integer > 0.*got 2\.5/],
    [{ type: 'step', every: 3, gamma: 0 }, /schedule\.gamma: expected a number in \(0, 1\], got 0/],
    [{ type: 'exponential' }, /schedule\.gamma: required/],
    [{ type: 'exponential', gamma: 1.5 }, /schedule\.gamma: expected a number in \(0, 1\], got 1\.5/],
    [{ type: 'cosine', period: 0 }, /schedule\.period: expected a number > 0/],
    [{ type: 'cosine', period: 5, minLearningRate: -1 }, /schedule\.minLearningRate/],
    [{ type: 'constant', unit: 'batch' }, /schedule\.unit: expected one of step, epoch, got "batch"/],
    [{ type: 'constant', warmup: -1 }, /schedule\.warmup/],
    [{ type: 'constant', gamma: 0.5 }, /unknown field 'gamma'; valid fields: type, unit, warmup/],
    ['cosine', /schedule: expected an object/],
  ];
  for (const [config, message] of cases) {
    assert.throws(() => parseSchedule(config), (error: unknown) => error instanceof ConfigError && message.test(error.message), JSON.stringify(config));
  }
});
