/**
 * Optimizer: applies one update rule to a list of Parameters, with a learning-rate schedule,
 * per-parameter rate multipliers, optional gradient clipping, and a saveable state.
 *
 * One training step, as the trainer drives it:
 *   zero grads → forward → loss → backward (adds into param.grad) → regularizers (add into param.grad)
 *   → optimizer.step(parameters) → next batch
 *
 * For parameter p at optimizer step t (t = 0 for the first call):
 *   η_p = schedule(t) × p.learningRateMultiplier                  (schedule: schedules.ts)
 *   rule.step(p.value, p.grad, state_p, η_p, hyper)                 (rules: rules.ts)
 * Regularization is NOT applied here: a regularizer adds its gradient into p.grad before the step,
 * so every rule sees the same total gradient and weight decay is not silently rule-dependent.
 *
 * Gradient clipping (optional, `clipGradientNorm: c`): when the global norm ‖g‖ = √(Σ_p Σ_i g²) over
 * all parameters exceeds c, every gradient is scaled IN PLACE by c/‖g‖ before the rule runs, so the
 * direction is kept and the length capped (Pascanu et al. 2013). It scales gradients, not the rate,
 * because Adam-like rules divide the scale out of the rate.
 *
 * Per-parameter state is created lazily, at the first step, and is identified by POSITION in the
 * parameter list: step() must be given the same list in the same order every time (what
 * Net.parameters() returns). The position is also how a saved state finds its parameter again.
 *
 * Configuration (plain JSON; `config()` returns it with every default spelled out):
 *   { "type": "adam", "learningRate": 0.001, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
 *     "schedule": { "type": "cosine", "period": 50, "unit": "epoch" }, "clipGradientNorm": 5 }
 * Which hyper-parameters each type accepts, with defaults and ranges: the rule's file.
 *
 * Saved state (`getState()`, JSON-safe): the step and epoch counters and, per parameter, its update
 * count and state buffers. Buffers are written as plain number arrays — exact, because every float32
 * is a double and JSON prints doubles so that they parse back to the same bits — or, given a
 * FloatCodec (e.g. src/nn/float-codec.ts, base64 of little-endian float32), as compact strings.
 * Restoring it into an optimizer built from the same config makes the following steps bit-identical
 * to an uninterrupted run.
 */
import { ConfigError, DataError } from '../errors.ts';
import type { Parameter } from '../tensor/parameter.ts';
import type { RuleState } from './update-rule.ts';
import { createRuleState } from './update-rule.ts';
import type { HyperValues, RuleDefinition } from './rule-definition.ts';
import { describeInterval, isInInterval } from './rule-definition.ts';
import { UPDATE_RULES, updateRuleNames } from './rules.ts';
import type { ScheduleConfig } from './schedules.ts';
import { CONSTANT_SCHEDULE, parseSchedule, scheduledRate } from './schedules.ts';
import { checkKnownFields, describeValue, readNumber, requireObject } from './config-check.ts';

/** An optimizer configuration as written in JSON. Hyper-parameter fields depend on `type`. */
export interface OptimizerConfig {
  readonly type: string;
  readonly learningRate?: number;
  readonly schedule?: unknown;
  readonly clipGradientNorm?: number;
  readonly [hyperParameter: string]: unknown;
}

/** Float32 buffers ⇄ strings, e.g. base64 of little-endian bytes (src/nn/float-codec.ts). */
export interface FloatCodec {
  encode(values: Float32Array): string;
  decode(text: string, expectedLength: number, where: string): Float32Array;
}

export interface ParameterStateJson {
  /** The parameter's name when saved ('weights', 'bias'), for error messages. */
  readonly name: string;
  readonly size: number;
  /** Updates this parameter has had (Adam's t). */
  readonly step: number;
  /** One entry per rule buffer: number array, or a string made by a FloatCodec. */
  readonly buffers: Readonly<Record<string, readonly (number | null)[] | string>>;
}

export interface OptimizerStateJson {
  readonly format: 'convnet-ts/optimizer-state';
  readonly version: 1;
  readonly type: string;
  /** Optimizer steps taken (the schedule's t for unit 'step'). */
  readonly step: number;
  readonly epoch: number;
  /** In the order of the parameter list given to step(); empty before the first step. */
  readonly parameters: readonly ParameterStateJson[];
}

const STATE_FORMAT = 'convnet-ts/optimizer-state';
const STATE_VERSION = 1;

export class Optimizer {
  /** Rule name, e.g. 'adam'. */
  readonly type: string;
  /** η0: the rate the schedule starts from. */
  readonly baseLearningRate: number;
  /** The rule's hyper-parameters, defaults filled in. */
  readonly hyper: HyperValues;
  readonly schedule: ScheduleConfig;
  /** Maximum global gradient norm, or null for no clipping. */
  readonly clipGradientNorm: number | null;
  /** Global gradient norm measured by the last step (before clipping); NaN unless clipping is on. */
  lastGradientNorm = Number.NaN;

  private readonly definition: RuleDefinition;
  private states: RuleState[] = [];
  private stateSizes: number[] = [];
  private stateNames: string[] = [];
  private stepCount = 0;
  private epochCount = 0;
  /** (s + 1)/S: how much of the current epoch the next step completes (set by setEpoch). */
  private epochProgress = 1;

  /** Builds from a plain JSON config; throws ConfigError naming the bad field and the valid choices. */
  constructor(configValue: OptimizerConfig) {
    const where = 'optimizer';
    const config = requireObject(configValue, where);
    const definition = UPDATE_RULES.get(config.type as string);
    if (typeof config.type !== 'string' || definition === undefined) {
      throw new ConfigError(
        `${where}.type: unknown update rule ${describeValue(config.type)}; valid choices: ${updateRuleNames().join(', ')}`,
      );
    }
    const hyperNames = definition.hyperParameters.map((p) => p.name);
    checkKnownFields(config, ['type', 'learningRate', ...hyperNames, 'schedule', 'clipGradientNorm'], `${where} (${config.type})`);

    this.definition = definition;
    this.type = config.type;
    this.baseLearningRate = readNumber(config, 'learningRate', where, 'a number > 0', (v) => v > 0, definition.defaultLearningRate);
    const hyper: Record<string, number> = {};
    for (const parameter of definition.hyperParameters) {
      const value = config[parameter.name] === undefined ? parameter.defaultValue : config[parameter.name];
      if (!isInInterval(parameter, value)) {
        throw new ConfigError(
          `${where}.${parameter.name}: expected a number in ${describeInterval(parameter)} ` +
            `(${parameter.meaning}), got ${describeValue(value)}`,
        );
      }
      hyper[parameter.name] = value;
    }
    this.hyper = Object.freeze(hyper);
    this.schedule = config.schedule === undefined ? CONSTANT_SCHEDULE : parseSchedule(config.schedule, `${where}.schedule`);
    if (this.schedule.type === 'cosine' && this.schedule.minLearningRate > this.baseLearningRate) {
      throw new ConfigError(
        `${where}.schedule.minLearningRate: ${this.schedule.minLearningRate} is above learningRate ${this.baseLearningRate}; ` +
          'the cosine schedule decays from learningRate down to minLearningRate',
      );
    }
    this.clipGradientNorm =
      config.clipGradientNorm === undefined
        ? null
        : readNumber(config, 'clipGradientNorm', where, 'a number > 0 (maximum global gradient norm)', (v) => v > 0);
  }

  /** Optimizer steps taken so far. */
  get steps(): number {
    return this.stepCount;
  }

  get epoch(): number {
    return this.epochCount;
  }

  /**
   * Tells the optimizer which epoch (from 0) is running: the time of schedules with unit 'epoch'.
   * A trainer also gives the step within the epoch, s of S, so that a warm-up in epochs ramps over
   * the steps (schedules.ts); without them the whole epoch counts as one unit.
   */
  setEpoch(epoch: number, stepInEpoch = 0, stepsPerEpoch = 1): void {
    if (!Number.isInteger(epoch) || epoch < 0) {
      throw new ConfigError(`Optimizer.setEpoch: expected an integer ≥ 0, got ${describeValue(epoch)}`);
    }
    if (!Number.isInteger(stepsPerEpoch) || stepsPerEpoch < 1 || !Number.isInteger(stepInEpoch) || stepInEpoch < 0 || stepInEpoch >= stepsPerEpoch) {
      throw new ConfigError(`Optimizer.setEpoch: expected step s of S with 0 ≤ s < S, got ${describeValue(stepInEpoch)} of ${describeValue(stepsPerEpoch)}`);
    }
    this.epochCount = epoch;
    this.epochProgress = (stepInEpoch + 1) / stepsPerEpoch;
  }

  /** The scheduled base rate η(t) the next step will use (before per-parameter multipliers). */
  currentLearningRate(): number {
    if (this.schedule.unit === 'step') return scheduledRate(this.schedule, this.baseLearningRate, this.stepCount);
    return scheduledRate(this.schedule, this.baseLearningRate, this.epochCount, this.epochCount + this.epochProgress);
  }

  /**
   * Updates every parameter in place from its accumulated `grad`, then counts one step. Gradients
   * are read (and, with clipping, scaled) but not zeroed: zeroing is the trainer's job.
   */
  step(parameters: readonly Parameter[]): void {
    this.ensureStates(parameters);
    if (this.clipGradientNorm !== null) this.clipGradients(parameters, this.clipGradientNorm);
    const rate = this.currentLearningRate();
    const rule = this.definition.rule;
    for (let p = 0; p < parameters.length; p++) {
      const parameter = parameters[p];
      rule.step(parameter.value.data, parameter.grad.data, this.states[p], rate * parameter.learningRateMultiplier, this.hyper, parameter.decayMultiplier);
    }
    this.stepCount++;
  }

  /** The configuration with every default spelled out: `new Optimizer(o.config())` rebuilds it. */
  config(): OptimizerConfig {
    const config: Record<string, unknown> = { type: this.type, learningRate: this.baseLearningRate, ...this.hyper };
    config.schedule = { ...this.schedule };
    if (this.clipGradientNorm !== null) config.clipGradientNorm = this.clipGradientNorm;
    return config as OptimizerConfig;
  }

  /** Everything needed to resume exactly, as JSON-safe data (see the header for the encodings). */
  getState(codec?: FloatCodec): OptimizerStateJson {
    const parameters = this.states.map((state, p): ParameterStateJson => {
      const buffers: Record<string, number[] | string> = {};
      for (const name of this.definition.rule.bufferNames) {
        const buffer = state.buffers[name];
        buffers[name] = codec === undefined ? Array.from(buffer) : codec.encode(buffer);
      }
      return { name: this.stateNames[p], size: this.stateSizes[p], step: state.step, buffers };
    });
    return { format: STATE_FORMAT, version: STATE_VERSION, type: this.type, step: this.stepCount, epoch: this.epochCount, parameters };
  }

  /**
   * Restores a state from `getState()` (after a JSON round trip). Throws DataError if it is not an
   * optimizer state of this rule, or is malformed; the current state is left untouched then.
   * Whether it fits the parameters is checked at the next step().
   */
  setState(stateValue: unknown, codec?: FloatCodec): void {
    const where = 'optimizer state';
    if (typeof stateValue !== 'object' || stateValue === null) {
      throw new DataError(`${where}: expected an object from Optimizer.getState(), got ${describeValue(stateValue)}`);
    }
    const state = stateValue as Partial<OptimizerStateJson>;
    if (state.format !== STATE_FORMAT || state.version !== STATE_VERSION) {
      throw new DataError(
        `${where}: expected format '${STATE_FORMAT}' version ${STATE_VERSION}, ` +
          `got ${describeValue(state.format)} version ${describeValue(state.version)}`,
      );
    }
    if (state.type !== this.type) {
      throw new DataError(`${where}: saved for rule ${describeValue(state.type)}, but this optimizer uses '${this.type}'`);
    }
    const step = requireCount(state.step, `${where}.step`);
    const epoch = requireCount(state.epoch, `${where}.epoch`);
    if (!Array.isArray(state.parameters)) {
      throw new DataError(`${where}.parameters: expected an array, got ${describeValue(state.parameters)}`);
    }
    const entries = state.parameters.map((entry, p) => this.decodeParameterState(entry, `${where}.parameters[${p}]`, codec));
    this.states = entries.map((entry) => entry.state);
    this.stateSizes = entries.map((entry) => entry.size);
    this.stateNames = entries.map((entry) => entry.name);
    this.stepCount = step;
    this.epochCount = epoch;
  }

  /** Creates the per-parameter states at the first step; afterwards checks the list still fits them. */
  private ensureStates(parameters: readonly Parameter[]): void {
    if (this.states.length === 0) {
      this.states = parameters.map((parameter) => createRuleState(this.definition.rule, parameter.value.size));
      this.stateSizes = parameters.map((parameter) => parameter.value.size);
      this.stateNames = parameters.map((parameter) => parameter.name);
      return;
    }
    if (parameters.length !== this.states.length) {
      throw new ConfigError(
        `Optimizer.step: got ${parameters.length} parameters, but the optimizer state holds ${this.states.length}; ` +
          'pass the same parameter list, in the same order, at every step',
      );
    }
    for (let p = 0; p < parameters.length; p++) {
      if (parameters[p].value.size !== this.stateSizes[p] || parameters[p].grad.size !== this.stateSizes[p]) {
        throw new ConfigError(
          `Optimizer.step: parameter ${p} ('${parameters[p].name}') has ${parameters[p].value.size} values ` +
            `(gradient ${parameters[p].grad.size}), but its state, made for '${this.stateNames[p]}', holds ${this.stateSizes[p]}; ` +
            'pass the same parameter list, in the same order, at every step',
        );
      }
    }
  }

  /** Measures the global gradient norm and, above `maxNorm`, scales all gradients by maxNorm/norm. */
  private clipGradients(parameters: readonly Parameter[], maxNorm: number): void {
    let sumOfSquares = 0;
    for (const parameter of parameters) {
      const grad = parameter.grad.data;
      for (let i = 0; i < grad.length; i++) sumOfSquares += grad[i] * grad[i];
    }
    const norm = Math.sqrt(sumOfSquares);
    this.lastGradientNorm = norm;
    if (!(norm > maxNorm)) return;
    const scale = maxNorm / norm;
    for (const parameter of parameters) {
      const grad = parameter.grad.data;
      for (let i = 0; i < grad.length; i++) grad[i] *= scale;
    }
  }

  private decodeParameterState(
    entryValue: unknown,
    where: string,
    codec: FloatCodec | undefined,
  ): { state: RuleState; size: number; name: string } {
    if (typeof entryValue !== 'object' || entryValue === null) {
      throw new DataError(`${where}: expected { name, size, step, buffers }, got ${describeValue(entryValue)}`);
    }
    const entry = entryValue as Partial<ParameterStateJson>;
    const size = requireCount(entry.size, `${where}.size`);
    const step = requireCount(entry.step, `${where}.step`);
    const name = typeof entry.name === 'string' ? entry.name : `#${where}`;
    const saved = entry.buffers;
    if (typeof saved !== 'object' || saved === null) {
      throw new DataError(`${where}.buffers: expected an object, got ${describeValue(saved)}`);
    }
    const expectedNames = this.definition.rule.bufferNames;
    const savedNames = Object.keys(saved);
    if (savedNames.length !== expectedNames.length || !expectedNames.every((n) => savedNames.includes(n))) {
      throw new DataError(
        `${where}.buffers: rule '${this.type}' needs [${expectedNames.join(', ')}], got [${savedNames.join(', ')}]`,
      );
    }
    const buffers: Record<string, Float32Array> = {};
    for (const bufferName of expectedNames) {
      buffers[bufferName] = decodeBuffer(saved[bufferName], size, `${where}.buffers.${bufferName}`, codec);
    }
    return { state: { buffers, step }, size, name };
  }
}

/** A saved counter: an integer ≥ 0, or DataError. */
function requireCount(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new DataError(`${where}: expected an integer ≥ 0, got ${describeValue(value)}`);
  }
  return value;
}

/** One saved buffer back to `size` float32 values: number array (null = NaN) or codec string. */
function decodeBuffer(value: unknown, size: number, where: string, codec: FloatCodec | undefined): Float32Array {
  if (typeof value === 'string') {
    if (codec === undefined) {
      throw new DataError(`${where}: buffer is an encoded string; pass the FloatCodec that wrote it to setState`);
    }
    return codec.decode(value, size, where);
  }
  if (!Array.isArray(value) || value.length !== size) {
    throw new DataError(`${where}: expected an array of ${size} numbers, got ${describeValue(value)}`);
  }
  const buffer = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const element: unknown = value[i];
    if (element === null) buffer[i] = Number.NaN; // JSON writes NaN and ±Infinity as null
    else if (typeof element === 'number') buffer[i] = element;
    else throw new DataError(`${where}[${i}]: expected a number, got ${describeValue(element)}`);
  }
  return buffer;
}
