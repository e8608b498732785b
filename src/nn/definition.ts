/**
 * Network definitions: the plain-JSON layer list (like ConvNetJS `layer_defs` or Caffe params) and
 * the compact string form, both parsed into one normalized list of LayerDefinition objects.
 *
 * JSON form (one object per layer; the first may be the input):
 *   [{ type: 'input', shape: [3, 32, 32] },
 *    { type: 'conv', filters: 16, size: 5, stride: 1, pad: 2, activation: 'relu' },
 *    { type: 'pool', size: 2, stride: 2 },
 *    { type: 'fc', units: 10 },
 *    { type: 'softmax' }]
 * `activation` on conv/fc is shorthand for a following activation layer. ConvNetJS spellings are
 * accepted too: `sx` for size, `out_depth`/`num_neurons` for filters/units, `out_sx, out_sy, out_depth`
 * for the input shape, and `drop_prob` for the dropout rate.
 *
 * Compact string form, layers separated by '-':
 *   conv5x5x16p2-relu-pool2-conv5x5x20p2-relu-pool2-fc10-softmax
 *   conv{FH}x{FW}x{K}[s{S}][p{P}][d{D}]   convolution: F×F filters, K of them, stride, pad, dilation
 *   pool{F}[s{S}] / avgpool{F}[s{S}]       max / average pooling (stride defaults to F)
 *   fc{units}                              fully connected
 *   relu sigmoid tanh lrelu[{slope}] elu[{alpha}] maxout{k} dropout{rate} bn softmax svm
 */
import { ConfigError } from '../errors.ts';
import type { InitializerConfig } from './initializers.ts';
import { parseInitializerConfig } from './initializers.ts';
import { parseConvImplementation } from '../layers/conv2d.ts';
import type { ConvImplementation } from '../layers/conv2d.ts';

export type ActivationName = 'relu' | 'sigmoid' | 'tanh' | 'leaky-relu' | 'elu';

export type LayerDefinition =
  | { type: 'input'; shape: number[]; name?: string }
  | {
      type: 'conv'; filters: number; size: [number, number]; stride: [number, number];
      pad: [number, number]; dilation: number; init?: InitializerConfig; name?: string;
      /** 'implicit-gemm' (default, then omitted), 'im2col' or 'naive' (layers/conv2d.ts). */
      implementation?: ConvImplementation;
    }
  | { type: 'pool'; mode: 'max' | 'avg'; size: [number, number]; stride: [number, number]; name?: string }
  | { type: 'fc'; units: number; init?: InitializerConfig; name?: string }
  | { type: 'relu' | 'sigmoid' | 'tanh'; name?: string }
  | { type: 'leaky-relu'; slope: number; name?: string }
  | { type: 'elu'; alpha: number; name?: string }
  | { type: 'maxout'; pieces: number; name?: string }
  | { type: 'dropout'; rate: number; name?: string }
  | { type: 'batchnorm'; momentum?: number; eps?: number; name?: string }
  /** Zero rows/columns added on each side of the image (negative amounts crop); layers/pad.ts. */
  | { type: 'pad'; top: number; bottom: number; left: number; right: number; name?: string }
  | { type: 'softmax'; name?: string }
  | { type: 'svm'; name?: string };

export const LAYER_TYPES = [
  'input', 'conv', 'pool', 'fc', 'relu', 'sigmoid', 'tanh', 'leaky-relu', 'elu', 'maxout', 'dropout',
  'batchnorm', 'pad', 'softmax', 'svm',
] as const;

type Raw = Record<string, unknown>;

function where(index: number, raw: Raw): string {
  return `layer ${index + 1} (${String(raw.type)})`;
}

function positiveInt(raw: Raw, keys: string[], index: number, fallback?: number): number {
  const key = keys.find((k) => raw[k] !== undefined);
  const value = key === undefined ? fallback : raw[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${where(index, raw)}: '${keys[0]}' must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function pair(raw: Raw, keys: string[], index: number, fallback: number | undefined, min: number): [number, number] {
  const key = keys.find((k) => raw[k] !== undefined);
  const value = key === undefined ? fallback : raw[key];
  const values = Array.isArray(value) ? value : [value, value];
  if (values.length !== 2 || values.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < min)) {
    throw new ConfigError(
      `${where(index, raw)}: '${keys[0]}' must be an integer ≥ ${min} or a pair [height, width], got ${JSON.stringify(value)}`,
    );
  }
  return values as [number, number];
}

function finite(raw: Raw, key: string, index: number, fallback: number, check: (v: number) => boolean, rule: string): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
    throw new ConfigError(`${where(index, raw)}: '${key}' must be ${rule}, got ${JSON.stringify(value)}`);
  }
  return value;
}

const ACTIVATIONS: Record<string, ActivationName> = {
  relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', 'leaky-relu': 'leaky-relu', lrelu: 'leaky-relu', elu: 'elu',
};

/** Normalizes one JSON layer object; `activation` expands into a second definition. */
function normalizeLayer(raw: Raw, index: number): LayerDefinition[] {
  if (raw === null || typeof raw !== 'object') {
    throw new ConfigError(`layer ${index + 1}: expected an object like {type: 'conv', ...}, got ${JSON.stringify(raw)}`);
  }
  const name = typeof raw.name === 'string' ? raw.name : undefined;
  let init: InitializerConfig | undefined;
  if (raw.init !== undefined) {
    try {
      init = parseInitializerConfig(raw.init);
    } catch (error) {
      throw new ConfigError(`${where(index, raw)}: ${(error as Error).message}`);
    }
  }
  const type = raw.type === 'leakyrelu' || raw.type === 'lrelu' ? 'leaky-relu' : raw.type;
  let layer: LayerDefinition;
  switch (type) {
    case 'input': {
      const shape = Array.isArray(raw.shape)
        ? raw.shape
        : [raw.out_depth ?? raw.depth ?? 1, raw.out_sy ?? raw.height ?? 1, raw.out_sx ?? raw.width ?? 1];
      if (shape.length === 0 || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)) {
        throw new ConfigError(`${where(index, raw)}: 'shape' must list positive integers like [3, 32, 32], got ${JSON.stringify(shape)}`);
      }
      layer = { type: 'input', shape: shape as number[] };
      break;
    }
    case 'conv':
      layer = {
        type: 'conv',
        filters: positiveInt(raw, ['filters', 'out_depth'], index),
        size: pair(raw, ['size', 'sx'], index, undefined, 1),
        stride: pair(raw, ['stride'], index, 1, 1),
        pad: pair(raw, ['pad'], index, 0, 0),
        dilation: positiveInt(raw, ['dilation'], index, 1),
        ...(raw.implementation !== undefined ? { implementation: parseConvImplementation(raw.implementation, where(index, raw)) } : {}),
        ...(init ? { init } : {}),
        ...(name ? { name } : {}),
      };
      break;
    case 'pool': {
      const size = pair(raw, ['size', 'sx'], index, undefined, 1);
      const mode = raw.mode ?? 'max';
      if (mode !== 'max' && mode !== 'avg') {
        throw new ConfigError(`${where(index, raw)}: 'mode' must be 'max' or 'avg', got ${JSON.stringify(mode)}`);
      }
      const stride = raw.stride === undefined ? size : pair(raw, ['stride'], index, undefined, 1);
      layer = { type: 'pool', mode, size, stride, ...(name ? { name } : {}) };
      break;
    }
    case 'fc':
      layer = { type: 'fc', units: positiveInt(raw, ['units', 'outputs', 'num_neurons'], index), ...(init ? { init } : {}), ...(name ? { name } : {}) };
      break;
    case 'relu': case 'sigmoid': case 'tanh': case 'softmax': case 'svm':
      layer = { type, ...(name ? { name } : {}) };
      break;
    case 'leaky-relu':
      layer = { type: 'leaky-relu', slope: finite(raw, 'slope', index, 0.01, (v) => v >= 0 && v < 1, 'in [0, 1)'), ...(name ? { name } : {}) };
      break;
    case 'elu':
      layer = { type: 'elu', alpha: finite(raw, 'alpha', index, 1, (v) => v > 0, 'positive'), ...(name ? { name } : {}) };
      break;
    case 'maxout':
      layer = { type: 'maxout', pieces: positiveInt(raw, ['pieces', 'group_size'], index, 2), ...(name ? { name } : {}) };
      break;
    case 'dropout': {
      const rate = raw.rate ?? raw.drop_prob ?? 0.5;
      layer = { type: 'dropout', rate: finite({ ...raw, rate }, 'rate', index, 0.5, (v) => v >= 0 && v < 1, 'in [0, 1)'), ...(name ? { name } : {}) };
      break;
    }
    case 'batchnorm': case 'bn':
      layer = {
        type: 'batchnorm',
        ...(raw.momentum !== undefined ? { momentum: finite(raw, 'momentum', index, 0.9, (v) => v >= 0 && v < 1, 'in [0, 1)') } : {}),
        ...(raw.eps !== undefined ? { eps: finite(raw, 'eps', index, 1e-5, (v) => v > 0, 'positive') } : {}),
        ...(name ? { name } : {}),
      };
      break;
    case 'pad': {
      const amount = (side: string) => {
        const value = raw[side] ?? 0;
        if (typeof value !== 'number' || !Number.isInteger(value)) {
          throw new ConfigError(`${where(index, raw)}: '${side}' must be an integer (negative crops), got ${JSON.stringify(value)}`);
        }
        return value;
      };
      layer = { type: 'pad', top: amount('top'), bottom: amount('bottom'), left: amount('left'), right: amount('right'), ...(name ? { name } : {}) };
      break;
    }
    default:
      throw new ConfigError(`${where(index, raw)}: unknown layer type; valid types: ${LAYER_TYPES.join(', ')}`);
  }
  const result: LayerDefinition[] = [layer];
  if (raw.activation !== undefined) {
    // Object.hasOwn: 'constructor' or '__proto__' must not find Object.prototype's members.
    const activation = Object.hasOwn(ACTIVATIONS, String(raw.activation)) ? ACTIVATIONS[String(raw.activation)] : undefined;
    if (!activation) {
      throw new ConfigError(`${where(index, raw)}: unknown activation ${JSON.stringify(raw.activation)}; valid: ${Object.keys(ACTIVATIONS).join(', ')}`);
    }
    result.push(...normalizeLayer({ type: activation }, index));
  }
  return result;
}

/** Parses a JSON definition (array of layer objects, or {layers: [...]}) into normalized definitions. */
export function parseJsonDefinition(json: unknown): LayerDefinition[] {
  const list = Array.isArray(json) ? json : (json as { layers?: unknown })?.layers;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError(`network definition: expected a non-empty array of layers (or {layers: [...]}), got ${JSON.stringify(json)?.slice(0, 80)}`);
  }
  return list.flatMap((raw, index) => normalizeLayer(raw as Raw, index));
}

const COMPACT_PATTERNS: Array<[RegExp, (m: RegExpMatchArray) => Raw]> = [
  [/^conv(\d+)x(\d+)x(\d+)(?:s(\d+))?(?:p(\d+))?(?:d(\d+))?$/, (m) => ({
    type: 'conv', size: [+m[1], +m[2]], filters: +m[3], stride: +(m[4] ?? 1), pad: +(m[5] ?? 0), dilation: +(m[6] ?? 1),
  })],
  [/^(avg)?pool(\d+)(?:s(\d+))?$/, (m) => ({ type: 'pool', mode: m[1] ? 'avg' : 'max', size: +m[2], stride: +(m[3] ?? m[2]) })],
  [/^fc(\d+)$/, (m) => ({ type: 'fc', units: +m[1] })],
  [/^(relu|sigmoid|tanh|softmax|svm|bn)$/, (m) => ({ type: m[1] === 'bn' ? 'batchnorm' : m[1] })],
  [/^lrelu([\d.]+)?$/, (m) => ({ type: 'leaky-relu', ...(m[1] ? { slope: +m[1] } : {}) })],
  [/^elu([\d.]+)?$/, (m) => ({ type: 'elu', ...(m[1] ? { alpha: +m[1] } : {}) })],
  [/^maxout(\d+)$/, (m) => ({ type: 'maxout', pieces: +m[1] })],
  [/^dropout([\d.]+)$/, (m) => ({ type: 'dropout', rate: +m[1] })],
];

/** Parses the compact string form; `inputShape` supplies the input layer it does not spell. */
export function parseCompactDefinition(text: string, inputShape: number[]): LayerDefinition[] {
  const tokens = text.trim().split('-').filter((token) => token.length > 0);
  if (tokens.length === 0) throw new ConfigError(`network definition '${text}': no layers`);
  const raws: Raw[] = [{ type: 'input', shape: inputShape }];
  tokens.forEach((token, position) => {
    const match = COMPACT_PATTERNS.map(([pattern, make]) => [token.match(pattern), make] as const).find(([m]) => m);
    if (!match) {
      throw new ConfigError(
        `network definition '${text}': cannot read layer ${position + 1} '${token}'; expected e.g. conv5x5x16p2, pool2, avgpool2s2, fc10, relu, lrelu0.1, elu, maxout2, dropout0.5, bn, softmax, svm`,
      );
    }
    raws.push(match[1](match[0]!));
  });
  return parseJsonDefinition(raws);
}

/**
 * Reads a definition given as text: JSON when it starts with '[' or '{', compact form otherwise.
 * `inputShape` is used when the definition has no input layer.
 */
export function parseDefinition(text: string, inputShape: number[]): LayerDefinition[] {
  const trimmed = text.trim();
  let layers: LayerDefinition[];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (error) {
      throw new ConfigError(`network definition: not valid JSON (${(error as Error).message})`);
    }
    layers = parseJsonDefinition(json);
  } else {
    return parseCompactDefinition(trimmed, inputShape);
  }
  return layers[0].type === 'input' ? layers : [{ type: 'input', shape: inputShape }, ...layers];
}

/**
 * The lecture's pattern [(CONV-RELU)*N-POOL]*M-(FC-RELU)*K-FC-SOFTMAX as a compact string.
 * Every conv is F×F with 'same' padding (P = (F−1)/2) so only pooling shrinks the image.
 */
export function classicArchitecture(options: {
  convsPerBlock: number; blocks: number; fcLayers: number; filters: number[] | number;
  filterSize?: number; fcUnits?: number; classes: number;
}): string {
  const size = options.filterSize ?? 3;
  if (size % 2 !== 1) throw new ConfigError(`classicArchitecture: filterSize must be odd for 'same' padding, got ${size}`);
  const parts: string[] = [];
  for (let block = 0; block < options.blocks; block++) {
    const filters = Array.isArray(options.filters) ? options.filters[block] ?? options.filters.at(-1)! : options.filters;
    for (let conv = 0; conv < options.convsPerBlock; conv++) parts.push(`conv${size}x${size}x${filters}p${(size - 1) / 2}`, 'relu');
    parts.push('pool2');
  }
  for (let fc = 0; fc < options.fcLayers; fc++) parts.push(`fc${options.fcUnits ?? 128}`, 'relu');
  parts.push(`fc${options.classes}`, 'softmax');
  return parts.join('-');
}
