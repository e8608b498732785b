/**
 * Weight initializers: named, JSON-configurable rules that fill a weight tensor with random (or
 * constant) values whose scale depends on the layer's fan-in and fan-out.
 *
 * Why the scale matters: a unit computes Σ_i w_i·x_i over fanIn inputs. With independent zero-mean
 * weights of variance Var(w), the output variance is fanIn·Var(w)·E[x²]. Too small and the signal
 * (and the gradient) shrinks by a constant factor per layer; too large and it explodes. The
 * initializers below pick Var(w) to keep that factor near 1.
 *
 *   config                                      distribution of each weight
 *   {type:'gaussian', std, mean?=0}             N(mean, std²)
 *   {type:'uniform', low, high}                 U[low, high)
 *   {type:'constant', value}                    value            (biases; never for weights: every
 *                                                                 unit would stay identical)
 *   {type:'xavier', distribution?='normal'}     normal:  N(0, 2/(fanIn+fanOut))
 *                                               uniform: U[−a, a), a = sqrt(6/(fanIn+fanOut))
 *   {type:'he', distribution?='normal'}         normal:  N(0, 2/fanIn)
 *                                               uniform: U[−a, a), a = sqrt(6/fanIn)
 *
 * - Xavier (Glorot & Bengio, 2010) averages the forward condition fanIn·Var(w) = 1 and the backward
 *   one fanOut·Var(w) = 1 into Var(w) = 2/(fanIn+fanOut); suited to tanh/linear units. (Caffe's
 *   "xavier" filler is different: by default it uses Var(w) = 1/fanIn.)
 * - He (He et al., 2015; Caffe calls it "msra") accounts for ReLU zeroing half of its inputs,
 *   which halves E[x²]: Var(w) = 2/fanIn keeps the forward variance constant through ReLU layers.
 * - Uniform variants: U[−a, a) has variance a²/3, so a = sqrt(3·Var(w)) gives the same variance.
 *
 * Where fanIn and fanOut come from (the layer computes them and passes them to the hook):
 *   fully connected, weights (outputs, D):       fanIn = D,          fanOut = outputs
 *   convolution,     weights (K, C, FH, FW):     fanIn = C·FH·FW,    fanOut = K·FH·FW
 * (each output of a conv sees C·FH·FW inputs; each input feeds K filters at FH·FW positions).
 *
 * Draw order, for ports that must reproduce the same bits: one draw per element in flat row-major
 * order of `weights.data`, `rng.gaussian(mean, std)` for normal and `rng.uniformRange(low, high)`
 * for uniform; constant draws nothing.
 */
import { ConfigError } from '../errors.ts';
import type { Rng } from '../tensor/rng.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** The hook Conv2d and FullyConnected accept as `init`: fills `weights` in place. */
export type WeightInitializer = (weights: Tensor, fanIn: number, fanOut: number) => void;

export type InitializerConfig =
  | { readonly type: 'gaussian'; readonly std: number; readonly mean?: number }
  | { readonly type: 'uniform'; readonly low: number; readonly high: number }
  | { readonly type: 'constant'; readonly value: number }
  | { readonly type: 'xavier'; readonly distribution?: 'normal' | 'uniform' }
  | { readonly type: 'he'; readonly distribution?: 'normal' | 'uniform' };

export type InitializerType = InitializerConfig['type'];

/** A resolved distribution: what a config means once fanIn and fanOut are known. */
export type Distribution =
  | { readonly kind: 'normal'; readonly mean: number; readonly std: number }
  | { readonly kind: 'uniform'; readonly low: number; readonly high: number }
  | { readonly kind: 'constant'; readonly value: number };

/** Every valid `type`, with the keys its config may hold (besides `type`). */
const allowedKeys: Readonly<Record<InitializerType, readonly string[]>> = {
  gaussian: ['std', 'mean'],
  uniform: ['low', 'high'],
  constant: ['value'],
  xavier: ['distribution'],
  he: ['distribution'],
};

export const initializerTypes = Object.keys(allowedKeys) as InitializerType[];

/** Other names people write for the same thing, to turn a ConfigError into a hint. */
const otherNames: Readonly<Record<string, string>> = {
  glorot: 'xavier',
  msra: 'he',
  kaiming: 'he',
  normal: 'gaussian',
};

/**
 * Checks a config (typically parsed from JSON) and returns it with defaults filled in
 * (gaussian mean 0; xavier/he distribution 'normal'). Throws a ConfigError naming the problem:
 * unknown type (listing the valid ones), unknown key, or a missing or out-of-range number.
 */
export function parseInitializerConfig(config: unknown): InitializerConfig {
  const where = 'initializer';
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ConfigError(`${where}: expected an object such as {"type": "he"}, got ${JSON.stringify(config)}`);
  }
  const record = config as Record<string, unknown>;
  const type = record.type;
  if (typeof type !== 'string' || !Object.hasOwn(allowedKeys, type)) {
    const hint = typeof type === 'string' && otherNames[type] ? ` (for '${type}' write '${otherNames[type]}')` : '';
    throw new ConfigError(
      `${where}: unknown type ${JSON.stringify(type)}${hint}; valid types are ${initializerTypes.map((t) => `'${t}'`).join(', ')}`,
    );
  }
  const known = allowedKeys[type as InitializerType];
  for (const key of Object.keys(record)) {
    if (key !== 'type' && !known.includes(key)) {
      throw new ConfigError(
        `${where} '${type}': unknown key '${key}'; allowed keys are ${known.map((k) => `'${k}'`).join(', ') || 'none'}`,
      );
    }
  }
  const number = (key: string, fallback?: number): number => {
    const value = record[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ConfigError(`${where} '${type}': '${key}' must be a finite number, got ${JSON.stringify(record[key])}`);
    }
    return value;
  };
  switch (type as InitializerType) {
    case 'gaussian': {
      const std = number('std');
      if (std < 0) throw new ConfigError(`${where} 'gaussian': 'std' must be ≥ 0, got ${std}`);
      return { type: 'gaussian', std, mean: number('mean', 0) };
    }
    case 'uniform': {
      const low = number('low');
      const high = number('high');
      if (!(low < high)) throw new ConfigError(`${where} 'uniform': needs low < high, got low ${low}, high ${high}`);
      return { type: 'uniform', low, high };
    }
    case 'constant':
      return { type: 'constant', value: number('value') };
    case 'xavier':
    case 'he': {
      const distribution = record.distribution ?? 'normal';
      if (distribution !== 'normal' && distribution !== 'uniform') {
        throw new ConfigError(
          `${where} '${type}': 'distribution' must be 'normal' or 'uniform', got ${JSON.stringify(distribution)}`,
        );
      }
      return { type: type as 'xavier' | 'he', distribution };
    }
  }
}

function checkFan(value: number, label: string, type: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`initializer '${type}': ${label} must be a positive integer, got ${value}`);
  }
}

/**
 * The distribution a (parsed) config stands for, given the layer's fan-in and fan-out:
 * the formulas of the table at the top of this file.
 */
export function resolveDistribution(config: InitializerConfig, fanIn: number, fanOut: number): Distribution {
  switch (config.type) {
    case 'gaussian':
      return { kind: 'normal', mean: config.mean ?? 0, std: config.std };
    case 'uniform':
      return { kind: 'uniform', low: config.low, high: config.high };
    case 'constant':
      return { kind: 'constant', value: config.value };
    case 'xavier':
    case 'he': {
      checkFan(fanIn, 'fanIn', config.type);
      checkFan(fanOut, 'fanOut', config.type);
      const variance = config.type === 'xavier' ? 2 / (fanIn + fanOut) : 2 / fanIn;
      if (config.distribution === 'uniform') {
        const limit = Math.sqrt(3 * variance); // sqrt(6/(fanIn+fanOut)) or sqrt(6/fanIn)
        return { kind: 'uniform', low: -limit, high: limit };
      }
      return { kind: 'normal', mean: 0, std: Math.sqrt(variance) };
    }
  }
}

/** A WeightInitializer that also carries its (normalized) config, so a layer can write it to JSON. */
export type ConfiguredInitializer = WeightInitializer & { readonly config: InitializerConfig };

/**
 * Builds the `init` hook for a layer from a JSON config. The config is checked now (a bad
 * definition fails when the net is built); fanIn/fanOut are checked when the hook runs.
 * Draws come from `rng` (see "Draw order" above): the same seed gives the same bits.
 */
export function makeInitializer(config: InitializerConfig, rng: Rng): ConfiguredInitializer {
  const parsed = parseInitializerConfig(config);
  const initialize = (weights: Tensor, fanIn: number, fanOut: number): void => {
    const distribution = resolveDistribution(parsed, fanIn, fanOut);
    const data = weights.data;
    switch (distribution.kind) {
      case 'normal':
        for (let i = 0; i < data.length; i++) data[i] = rng.gaussian(distribution.mean, distribution.std);
        break;
      case 'uniform':
        for (let i = 0; i < data.length; i++) data[i] = rng.uniformRange(distribution.low, distribution.high);
        break;
      case 'constant':
        data.fill(distribution.value);
        break;
    }
  };
  return Object.assign(initialize, { config: parsed });
}
