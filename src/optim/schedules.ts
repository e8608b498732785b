/**
 * Learning-rate schedules: the base rate η(t) as a pure function of a time t counted in optimizer
 * steps or in epochs, from 0. The optimizer multiplies η(t) by each parameter's
 * learningRateMultiplier. η0 is the optimizer's `learningRate`.
 *
 *   constant      η(t) = η0
 *   step          η(t) = η0 · γ^⌊t / k⌋                                  drop by γ every k units
 *   exponential   η(t) = η0 · γ^t
 *   cosine        η(t) = η_min + ½(η0 − η_min)(1 + cos(π·min(t, T)/T))     Loshchilov & Hutter 2017
 *                 (one half-period from η0 down to η_min over T units, then held at η_min — no
 *                 restarts, unlike PyTorch's CosineAnnealingLR which swings back up after T)
 *
 * Optional linear warm-up over the first w units multiplies any of them:
 *
 *   warm-up factor = min(1, τ/w),   τ = the time reached at the END of the update being made
 *
 * With unit "step", τ = t + 1: the first update uses η(0)/w and update w−1 the full rate (Goyal et al.
 * 2017, "Accurate, Large Minibatch SGD": big early steps from random weights can diverge before the
 * statistics settle). With unit "epoch" the trainer also says which step of the epoch is running
 * (Optimizer.setEpoch(e, s, S)), so τ = e + (s + 1)/S and the warm-up ramps step by step — a one-epoch
 * warm-up starts at η/S, not at the full rate — while the schedule itself still moves once per epoch.
 * The warm-up multiplies rather than delays: a cosine with T = 100 and w = 5 still reaches η_min at
 * t = 100.
 *
 * Configuration (plain JSON, the `schedule` field of an optimizer config):
 *   { "type": "constant" }
 *   { "type": "step", "every": 30, "gamma": 0.1, "unit": "epoch" }     gamma default 0.1 (PyTorch StepLR)
 *   { "type": "exponential", "gamma": 0.95 }                            gamma required
 *   { "type": "cosine", "period": 100, "minLearningRate": 0 }           minLearningRate default 0
 * plus, for every type, "unit": "step" | "epoch" (default "step": the optimizer counts steps itself;
 * with "epoch" the trainer tells it the epoch via Optimizer.setEpoch) and "warmup": w ≥ 0 (default 0).
 */
import { ConfigError } from '../errors.ts';
import { checkKnownFields, describeValue, readChoice, readNumber, requireObject } from './config-check.ts';

export type ScheduleUnit = 'step' | 'epoch';
export const SCHEDULE_UNITS: readonly ScheduleUnit[] = ['step', 'epoch'];

interface ScheduleCommon {
  /** What t counts. */
  readonly unit: ScheduleUnit;
  /** Linear warm-up length in units of t (0: none). */
  readonly warmup: number;
}

/** A schedule configuration with every default filled in (what `parseSchedule` returns). */
export type ScheduleConfig =
  | (ScheduleCommon & { readonly type: 'constant' })
  | (ScheduleCommon & { readonly type: 'step'; readonly every: number; readonly gamma: number })
  | (ScheduleCommon & { readonly type: 'exponential'; readonly gamma: number })
  | (ScheduleCommon & { readonly type: 'cosine'; readonly period: number; readonly minLearningRate: number });

export type ScheduleType = ScheduleConfig['type'];
export const SCHEDULE_TYPES: readonly ScheduleType[] = ['constant', 'step', 'exponential', 'cosine'];

// ---- The schedules as pure functions of t -------------------------------------------------------

/** Step decay: η0 · γ^⌊t/k⌋ — e.g. η0 = 0.1, γ = 0.1, k = 30: 0.1 for t < 30, 0.01 for t in [30, 60). */
export function stepDecayRate(baseRate: number, gamma: number, every: number, t: number): number {
  return baseRate * Math.pow(gamma, Math.floor(t / every));
}

/** Exponential decay: η0 · γ^t. */
export function exponentialRate(baseRate: number, gamma: number, t: number): number {
  return baseRate * Math.pow(gamma, t);
}

/** Cosine annealing from η0 at t = 0 to η_min at t = T, held at η_min for t > T. */
export function cosineRate(baseRate: number, minRate: number, period: number, t: number): number {
  const progress = Math.min(t, period) / period;
  return minRate + 0.5 * (baseRate - minRate) * (1 + Math.cos(Math.PI * progress));
}

/**
 * Linear warm-up multiplier min(1, τ/w) for an update that ends at time τ; τ defaults to t + 1, the
 * end of update t in whole units: (t + 1)/w while t < w, then 1.
 */
export function warmupFactor(warmup: number, t: number, end = t + 1): number {
  return end < warmup ? end / warmup : 1;
}

/**
 * η(t) for a parsed schedule: the schedule's rate at t times the warm-up factor for an update ending
 * at `end` (default t + 1; fractional for epoch units within an epoch, see the header).
 */
export function scheduledRate(schedule: ScheduleConfig, baseRate: number, t: number, end = t + 1): number {
  let rate: number;
  switch (schedule.type) {
    case 'constant':
      rate = baseRate;
      break;
    case 'step':
      rate = stepDecayRate(baseRate, schedule.gamma, schedule.every, t);
      break;
    case 'exponential':
      rate = exponentialRate(baseRate, schedule.gamma, t);
      break;
    case 'cosine':
      rate = cosineRate(baseRate, schedule.minLearningRate, schedule.period, t);
      break;
  }
  return rate * warmupFactor(schedule.warmup, t, end);
}

// ---- Configuration --------------------------------------------------------------------------------

export const CONSTANT_SCHEDULE: ScheduleConfig = Object.freeze({ type: 'constant', unit: 'step', warmup: 0 });

const isPositiveInteger = (value: number): boolean => Number.isInteger(value) && value > 0;
const isNonNegativeInteger = (value: number): boolean => Number.isInteger(value) && value >= 0;
const isDecayFactor = (value: number): boolean => value > 0 && value <= 1;

/**
 * Validates a schedule configuration (plain JSON) and fills in defaults. `where` names it in errors
 * ('optimizer.schedule'). Throws ConfigError on an unknown type or field, or an invalid value.
 */
export function parseSchedule(value: unknown, where = 'schedule'): ScheduleConfig {
  const config = requireObject(value, where);
  if (!SCHEDULE_TYPES.includes(config.type as ScheduleType)) {
    throw new ConfigError(
      `${where}.type: unknown schedule ${describeValue(config.type)}; valid choices: ${SCHEDULE_TYPES.join(', ')}`,
    );
  }
  const type = config.type as ScheduleType;
  const common = ['type', 'unit', 'warmup'];
  const unit = readChoice(config, 'unit', SCHEDULE_UNITS, where, 'step');
  const warmup = readNumber(config, 'warmup', where, 'an integer ≥ 0 (units of warm-up)', isNonNegativeInteger, 0);
  switch (type) {
    case 'constant':
      checkKnownFields(config, common, where);
      return { type, unit, warmup };
    case 'step': {
      checkKnownFields(config, [...common, 'every', 'gamma'], where);
      const every = readNumber(config, 'every', where, 'an integer > 0 (units between drops)', isPositiveInteger);
      const gamma = readNumber(config, 'gamma', where, 'a number in (0, 1]', isDecayFactor, 0.1);
      return { type, unit, warmup, every, gamma };
    }
    case 'exponential': {
      checkKnownFields(config, [...common, 'gamma'], where);
      const gamma = readNumber(config, 'gamma', where, 'a number in (0, 1]', isDecayFactor);
      return { type, unit, warmup, gamma };
    }
    case 'cosine': {
      checkKnownFields(config, [...common, 'period', 'minLearningRate'], where);
      const period = readNumber(config, 'period', where, 'a number > 0 (units to reach the minimum)', (v) => v > 0);
      const minLearningRate = readNumber(config, 'minLearningRate', where, 'a number ≥ 0', (v) => v >= 0, 0);
      return { type, unit, warmup, period, minLearningRate };
    }
  }
}
