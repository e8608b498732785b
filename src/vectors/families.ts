/**
 * The vector generator: every family's cases, built from seeded inputs and computed by OPERATIONS
 * (operations.ts) on the reference paths — conv 'implicit-gemm' and fc 'gemm' (the defaults; their
 * summation orders are the float32 contract's), at whatever kernel tier is set (every tier gives the
 * same bits). `npx tsx src/cli.ts vectors --out spec/vectors` writes the result (src/cli/vectors-command.ts).
 *
 * Inputs are drawn from Rng(seed) per case, so regenerating gives the same files; after a change to a
 * kernel's arithmetic the regenerated files differ exactly where the bits moved.
 *
 * Portable (no node:* imports): a browser could regenerate the files too.
 */
import { Rng, TRAINING, Tensor, buildNet, netToModelFile, parseCompactDefinition } from '../index.ts';
import type { LayerDefinition } from '../index.ts';
import {
  MANIFEST_FORMAT, VECTOR_FORMAT, VECTOR_VERSION, checksumText, encodeTensor, formatVectorFile, sha256Hex,
} from './format.ts';
import type { Layout, Manifest, TolerancePromise, VectorCase, VectorFile, VectorPromise, VectorValue } from './format.ts';
import { OPERATIONS, f32, isF32 } from './operations.ts';
import type { F32, OpValue, OpValues, RunOptions } from './operations.ts';
import { weightsSha256 } from './weights-hash.ts';

const U = 2 ** -24;

/** Tolerance for float32 results of exp, log, tanh (last bits differ between runtimes' libm). */
const TRANSCENDENTAL_F32: TolerancePromise = {
  kind: 'tolerance', measure: 'max(1,|want|)', bound: 2 ** -20,
  why: 'uses exp/tanh in float64 then rounds to float32: a different libm may move a result by an ulp or two of float32',
};
/** Tolerance for float64 results of exp, log, sin, cos (Gaussian draws, softmax loss). */
const TRANSCENDENTAL_F64: TolerancePromise = {
  kind: 'tolerance', measure: 'max(1,|want|)', bound: 1e-12,
  why: 'float64 arithmetic through exp/log/sin/cos: a different libm moves the last bits',
};

/** Uniform float32 values in [low, high) from rng. */
function uniform(rng: Rng, shape: number[], layout: Layout, low = -1, high = 1): F32 {
  const size = shape.reduce((a, b) => a * b, 1);
  return f32(Float32Array.from({ length: size }, () => rng.uniformRange(low, high)), shape, layout);
}

/** Small integers as float32 (exact sums: useful for ties and to read by eye). */
function integers(rng: Rng, shape: number[], layout: Layout, low: number, high: number): F32 {
  const size = shape.reduce((a, b) => a * b, 1);
  return f32(Float32Array.from({ length: size }, () => low + rng.int(high - low + 1)), shape, layout);
}

function encodeValues(values: OpValues): Record<string, VectorValue> {
  const out: Record<string, VectorValue> = {};
  for (const [key, value] of Object.entries(values)) out[key] = encodeValue(value);
  return out;
}

function encodeValue(value: OpValue): VectorValue {
  return isF32(value) ? encodeTensor(value.data, value.shape, value.layout) : (value as VectorValue);
}

function absolute(values: OpValues): OpValues {
  const out: OpValues = {};
  for (const [key, value] of Object.entries(values)) {
    out[key] = isF32(value) ? f32(value.data.map(Math.abs), value.shape, value.layout) : value;
  }
  return out;
}

interface CaseSpec {
  name: string;
  op: string;
  params: Record<string, unknown>;
  inputs: OpValues;
  promise: VectorPromise | 'bit-exact';
  /**
   * For sums a port may order differently: the longest sum's term count n and how to compute each
   * output's Σ|terms| (the op on |inputs| through an order-free float64 path). Adds `otherOrders`.
   */
  sums?: { terms: number; order: string; scaleOptions: RunOptions };
}

async function makeCase(spec: CaseSpec): Promise<VectorCase> {
  const operation = OPERATIONS[spec.op]!;
  const expected = operation(spec.params as Record<string, any>, spec.inputs as Record<string, any>, {});
  // Training results carry a fingerprint of the final weights for runtimes that match bit for bit.
  if (spec.op === 'train') expected.weightsSha256 = await weightsSha256(expected);
  let promise: VectorPromise = spec.promise === 'bit-exact' ? { kind: 'bit-exact' } : spec.promise;
  if (spec.sums) {
    const scaleValues = operation(spec.params as Record<string, any>, absolute(spec.inputs) as Record<string, any>, spec.sums.scaleOptions);
    const scale: Record<string, ReturnType<typeof encodeTensor>> = {};
    for (const [key, value] of Object.entries(scaleValues)) {
      if (isF32(value) && isF32(expected[key])) scale[key] = encodeTensor(value.data, value.shape, value.layout);
    }
    promise = {
      kind: 'bit-exact', order: spec.sums.order,
      otherOrders: {
        kind: 'tolerance', measure: 'sum|terms|', bound: 2 * (spec.sums.terms + 2) * U, scale,
        why: `another summation order (e.g. float64 then one rounding): each of ≤ ${spec.sums.terms} float32 additions rounds by ≤ 2⁻²⁴ of the running |sum|`,
      },
    };
  }
  const vectorCase: VectorCase = {
    name: spec.name, op: spec.op, params: spec.params as Record<string, VectorValue>,
    inputs: encodeValues(spec.inputs), expected: encodeValues(expected), promise,
  };
  return vectorCase;
}

// ---- Families ----------------------------------------------------------------------------------

function rngFamily(): CaseSpec[] {
  const cases: CaseSpec[] = [];
  for (const seed of [1, 42, 0xdeadbeef]) {
    cases.push({ name: `uint32 stream, seed ${seed}`, op: 'rng', params: { seed, draw: 'uint32', count: 64 }, inputs: {}, promise: 'bit-exact' });
  }
  cases.push({ name: 'uniform [0,1) = uint32 / 2^32, seed 7', op: 'rng', params: { seed: 7, draw: 'uniform', count: 32 }, inputs: {}, promise: 'bit-exact' });
  cases.push({ name: 'int(10) = floor(uniform·10), seed 7', op: 'rng', params: { seed: 7, draw: 'int', n: 10, count: 32 }, inputs: {}, promise: 'bit-exact' });
  cases.push({ name: 'gaussian N(0,1) Box–Muller, seed 3', op: 'rng', params: { seed: 3, draw: 'gaussian', mean: 0, std: 1, count: 33 }, inputs: {}, promise: TRANSCENDENTAL_F64 });
  cases.push({ name: 'gaussian N(2, 0.5²), seed 4', op: 'rng', params: { seed: 4, draw: 'gaussian', mean: 2, std: 0.5, count: 8 }, inputs: {}, promise: TRANSCENDENTAL_F64 });
  cases.push({ name: 'permutation of 0..19 (Fisher–Yates, i from n−1 down)', op: 'rng', params: { seed: 5, draw: 'permutation', n: 20, count: 20 }, inputs: {}, promise: 'bit-exact' });
  return cases;
}

interface ConvCase { name: string; n: number; c: number; h: number; w: number; k: number; size: [number, number]; stride: [number, number]; pad: [number, number]; dilation: number }

function convFamily(): CaseSpec[] {
  const geometries: ConvCase[] = [
    { name: '3x3 pad 1 stride 1, batch 2', n: 2, c: 3, h: 6, w: 6, k: 4, size: [3, 3], stride: [1, 1], pad: [1, 1], dilation: 1 },
    { name: '5x5 pad 2 stride 1 (the ConvNetJS demo layer shape), batch 1', n: 1, c: 3, h: 8, w: 8, k: 5, size: [5, 5], stride: [1, 1], pad: [2, 2], dilation: 1 },
    { name: '3x3 stride 2 pad 1, batch 2', n: 2, c: 2, h: 7, w: 7, k: 3, size: [3, 3], stride: [2, 2], pad: [1, 1], dilation: 1 },
    { name: 'non-square 2x3 filter on a 5x7 input, stride [1,2]', n: 2, c: 2, h: 5, w: 7, k: 3, size: [2, 3], stride: [1, 2], pad: [0, 1], dilation: 1 },
    { name: '1x1 convolution, batch 3', n: 3, c: 4, h: 4, w: 5, k: 2, size: [1, 1], stride: [1, 1], pad: [0, 0], dilation: 1 },
    { name: 'dilation 2, 3x3, pad 2', n: 1, c: 2, h: 7, w: 6, k: 3, size: [3, 3], stride: [1, 1], pad: [2, 2], dilation: 2 },
    { name: 'many channels: 3x3 over 32 channels (288-term sums, more than one GEMM k-block of 256)', n: 2, c: 32, h: 5, w: 5, k: 5, size: [3, 3], stride: [1, 1], pad: [1, 1], dilation: 1 },
  ];
  return geometries.map((g, index) => {
    const rng = new Rng(100 + index);
    const definition = { type: 'conv', filters: g.k, size: g.size, stride: g.stride, pad: g.pad, dilation: g.dilation };
    const oh = (g.h + 2 * g.pad[0] - g.dilation * (g.size[0] - 1) - 1) / g.stride[0] + 1;
    const ow = (g.w + 2 * g.pad[1] - g.dilation * (g.size[1] - 1) - 1) / g.stride[1] + 1;
    const taps = g.c * g.size[0] * g.size[1];
    return {
      name: g.name, op: 'layer', params: { definition, inputShape: [g.c, g.h, g.w], mode: 'training' },
      inputs: {
        x: uniform(rng, [g.n, g.c, g.h, g.w], 'NCHW'),
        'param.weights': uniform(rng, [g.k, g.c, g.size[0], g.size[1]], 'KCHW', -0.5, 0.5),
        'param.bias': uniform(rng, [g.k], 'K', -0.1, 0.1),
        dy: uniform(rng, [g.n, g.k, oh, ow], 'NCHW'),
      },
      promise: 'bit-exact',
      sums: { terms: Math.max(taps + 1, g.n * oh * ow, g.k * g.size[0] * g.size[1]), order: 'conv (guide: implicit-GEMM orders, float32 contract rule 3)', scaleOptions: { conv: 'naive' } },
    };
  });
}

function poolFamily(): CaseSpec[] {
  const cases: CaseSpec[] = [];
  const rng = new Rng(200);
  cases.push({
    name: 'max 2x2 stride 2, batch 2', op: 'layer',
    params: { definition: { type: 'pool', mode: 'max', size: [2, 2], stride: [2, 2] }, inputShape: [2, 4, 6], mode: 'training' },
    inputs: { x: uniform(rng, [2, 2, 4, 6], 'NCHW'), dy: uniform(rng, [2, 2, 2, 3], 'NCHW') }, promise: 'bit-exact',
  });
  cases.push({
    name: 'max 3x3 stride 2 overlapping windows: gradients of a shared maximum add up', op: 'layer',
    params: { definition: { type: 'pool', mode: 'max', size: [3, 3], stride: [2, 2] }, inputShape: [1, 5, 5], mode: 'training' },
    inputs: { x: uniform(rng, [1, 1, 5, 5], 'NCHW'), dy: uniform(rng, [1, 1, 2, 2], 'NCHW') }, promise: 'bit-exact',
  });
  cases.push({
    name: 'max with ties: the first maximum in row-major window order takes the gradient', op: 'layer',
    params: { definition: { type: 'pool', mode: 'max', size: [2, 2], stride: [2, 2] }, inputShape: [1, 4, 4], mode: 'training' },
    inputs: { x: integers(rng, [1, 1, 4, 4], 'NCHW', 0, 1), dy: integers(rng, [1, 1, 2, 2], 'NCHW', 1, 4) }, promise: 'bit-exact',
  });
  const withNaN = f32(Float32Array.from([NaN, 1, 3, 2, 5, 6, NaN, NaN, -1, -2, -3, NaN, 0, 0, 0, 0]), [1, 1, 4, 4], 'NCHW');
  cases.push({
    name: 'max with NaN: a NaN first in its window stays the maximum, a later NaN is skipped (comparisons with NaN are false)', op: 'layer',
    params: { definition: { type: 'pool', mode: 'max', size: [2, 2], stride: [2, 2] }, inputShape: [1, 4, 4], mode: 'training' },
    inputs: { x: withNaN, dy: f32(Float32Array.from([1, 2, 3, 4]), [1, 1, 2, 2], 'NCHW') }, promise: 'bit-exact',
  });
  cases.push({
    name: 'average 2x2 stride 2 (divisor FH·FW), batch 2', op: 'layer',
    params: { definition: { type: 'pool', mode: 'avg', size: [2, 2], stride: [2, 2] }, inputShape: [3, 4, 4], mode: 'training' },
    inputs: { x: uniform(rng, [2, 3, 4, 4], 'NCHW'), dy: uniform(rng, [2, 3, 2, 2], 'NCHW') }, promise: 'bit-exact',
  });
  cases.push({
    name: 'average 3x2 window stride [1,2]', op: 'layer',
    params: { definition: { type: 'pool', mode: 'avg', size: [3, 2], stride: [1, 2] }, inputShape: [1, 5, 6], mode: 'training' },
    inputs: { x: uniform(rng, [1, 1, 5, 6], 'NCHW'), dy: uniform(rng, [1, 1, 3, 3], 'NCHW') }, promise: 'bit-exact',
  });
  return cases;
}

function fcFamily(): CaseSpec[] {
  const cases: CaseSpec[] = [];
  for (const [index, [n, d, k]] of [[1, 5, 3], [4, 7, 5], [3, 300, 4]].entries()) {
    const rng = new Rng(300 + index);
    cases.push({
      name: `fc ${d} → ${k}, batch ${n}${d > 256 ? ' (300-term sums: two GEMM k-blocks)' : ''}`, op: 'layer',
      params: { definition: { type: 'fc', units: k }, inputShape: [d], mode: 'training' },
      inputs: {
        x: uniform(rng, [n, d], 'ND'), 'param.weights': uniform(rng, [k, d], 'KD', -0.5, 0.5), 'param.bias': uniform(rng, [k], 'K', -0.1, 0.1),
        dy: uniform(rng, [n, k], 'ND'),
      },
      promise: 'bit-exact',
      sums: { terms: Math.max(d + 1, n, k), order: 'fc (guide: GEMM order, float32 contract rule 3)', scaleOptions: { fc: 'naive' } },
    });
  }
  const rng = new Rng(310);
  cases.push({
    name: 'fc on image input (C, H, W) flattened row-major', op: 'layer',
    params: { definition: { type: 'fc', units: 3 }, inputShape: [2, 3, 3], mode: 'training' },
    inputs: { x: uniform(rng, [2, 2, 3, 3], 'NCHW'), 'param.weights': uniform(rng, [3, 18], 'KD', -0.5, 0.5), 'param.bias': uniform(rng, [3], 'K'), dy: uniform(rng, [2, 3], 'ND') },
    promise: 'bit-exact',
    sums: { terms: 19, order: 'fc (guide: GEMM order, float32 contract rule 3)', scaleOptions: { fc: 'naive' } },
  });
  return cases;
}

function activationFamily(): CaseSpec[] {
  const rng = new Rng(400);
  const shape = [2, 3, 2, 2];
  const layer = (name: string, definition: Record<string, unknown>, promise: VectorPromise | 'bit-exact', inputShape = [3, 2, 2], batch = shape): CaseSpec => {
    const x = uniform(rng, batch, batch.length === 4 ? 'NCHW' : 'ND', -3, 3);
    x.data[0] = 0; // the kink: every activation's convention at exactly 0
    return { name, op: 'layer', params: { definition, inputShape, mode: 'training' }, inputs: { x, dy: uniform(rng, [...batch.slice(0, 1), ...outputShapeOf(definition, inputShape)], batch.length === 4 ? 'NCHW' : 'ND') }, promise };
  };
  return [
    layer('relu (dy passes where x > 0; at x = 0 it does not)', { type: 'relu' }, 'bit-exact'),
    layer('leaky-relu slope 0.1', { type: 'leaky-relu', slope: 0.1 }, 'bit-exact'),
    layer('elu alpha 1', { type: 'elu', alpha: 1 }, TRANSCENDENTAL_F32),
    layer('sigmoid', { type: 'sigmoid' }, TRANSCENDENTAL_F32),
    layer('tanh', { type: 'tanh' }, TRANSCENDENTAL_F32),
    layer('maxout 2 pieces (channels grouped in consecutive pairs)', { type: 'maxout', pieces: 2 }, 'bit-exact', [4, 2, 2], [2, 4, 2, 2]),
    layer('maxout on vectors, 3 pieces', { type: 'maxout', pieces: 3 }, 'bit-exact', [6], [3, 6]),
    layer('softmax layer forward (probabilities) and backward (dL/dscores through the Jacobian)', { type: 'softmax' }, TRANSCENDENTAL_F32, [5], [3, 5]),
    layer('svm output layer (identity scores)', { type: 'svm' }, 'bit-exact', [5], [3, 5]),
    layer('pad top 1 bottom 2 left 0 right 1', { type: 'pad', top: 1, bottom: 2, left: 0, right: 1 }, 'bit-exact'),
    layer('pad with a crop: top −1, bottom 1, left 1, right −1', { type: 'pad', top: -1, bottom: 1, left: 1, right: -1 }, 'bit-exact'),
  ];
}

/** Per-example output shape of an activation-like definition (no parameters). */
function outputShapeOf(definition: Record<string, unknown>, inputShape: number[]): number[] {
  if (definition.type === 'maxout') {
    const pieces = definition.pieces as number;
    return inputShape.length === 3 ? [inputShape[0]! / pieces, inputShape[1]!, inputShape[2]!] : [inputShape[0]! / pieces];
  }
  if (definition.type === 'pad') {
    const { top, bottom, left, right } = definition as Record<string, number>;
    return [inputShape[0]!, inputShape[1]! + top! + bottom!, inputShape[2]! + left! + right!];
  }
  return inputShape;
}

function dropoutFamily(): CaseSpec[] {
  const rng = new Rng(500);
  return [
    {
      name: 'dropout rate 0.5 from Rng(9): keep when uniform() ≥ rate, scale kept values by 1/(1 − rate)', op: 'layer',
      params: { definition: { type: 'dropout', rate: 0.5 }, inputShape: [2, 3, 3], mode: 'training', seed: 9 },
      inputs: { x: uniform(rng, [2, 2, 3, 3], 'NCHW'), dy: uniform(rng, [2, 2, 3, 3], 'NCHW') }, promise: 'bit-exact',
    },
    {
      name: 'dropout rate 0.2 on vectors, seed 10', op: 'layer',
      params: { definition: { type: 'dropout', rate: 0.2 }, inputShape: [10], mode: 'training', seed: 10 },
      inputs: { x: uniform(rng, [3, 10], 'ND'), dy: uniform(rng, [3, 10], 'ND') }, promise: 'bit-exact',
    },
    {
      name: 'dropout at inference: identity', op: 'layer',
      params: { definition: { type: 'dropout', rate: 0.5 }, inputShape: [6], mode: 'inference', seed: 9 },
      inputs: { x: uniform(rng, [2, 6], 'ND'), dy: uniform(rng, [2, 6], 'ND') }, promise: 'bit-exact',
    },
  ];
}

/**
 * `count` float32 values ±(1 + u)·2^k, k in −10 … 10, laid out (N, C, S), with in every channel c a
 * value H of about ±2⁴⁰ at position 1 of row (n = 1, c) and −H at position S − 2 of the same row (two
 * different lanes): float64 sums that pass through H keep only the bits of the small values above
 * H's last place, and which bits those are depends on the order of the additions.
 */
function spreadValues(rng: Rng, count: number, channels: number, spatialSize: number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = (rng.uniform() < 0.5 ? -1 : 1) * (1 + rng.uniform()) * 2 ** (rng.int(21) - 10);
  for (let c = 0; c < channels; c++) {
    const row = (1 * channels + c) * spatialSize;
    const huge = Math.fround((rng.uniform() < 0.5 ? -1 : 1) * (1 + rng.uniform()) * 2 ** 40);
    values[row + 1] = huge;
    values[row + spatialSize - 2] = -huge;
  }
  return values;
}

function batchNormFamily(): CaseSpec[] {
  const rng = new Rng(600);
  const stats = (c: number): OpValues => ({
    'param.gamma': uniform(rng, [c], 'C', 0.5, 1.5), 'param.beta': uniform(rng, [c], 'C', -0.5, 0.5),
    'buffer.runningMean': uniform(rng, [c], 'C', -0.2, 0.2), 'buffer.runningVariance': uniform(rng, [c], 'C', 0.5, 2),
  });
  return [
    {
      name: 'batch norm training on feature maps (N, C, H, W): batch statistics, running averages updated', op: 'layer',
      params: { definition: { type: 'batchnorm', momentum: 0.9, eps: 1e-5 }, inputShape: [3, 2, 3], mode: 'training' },
      inputs: { x: uniform(rng, [4, 3, 2, 3], 'NCHW', -2, 3), dy: uniform(rng, [4, 3, 2, 3], 'NCHW'), ...stats(3) }, promise: 'bit-exact',
    },
    {
      name: 'batch norm training on vectors (N, D)', op: 'layer',
      params: { definition: { type: 'batchnorm', momentum: 0.9, eps: 1e-5 }, inputShape: [4], mode: 'training' },
      inputs: { x: uniform(rng, [5, 4], 'ND', -1, 2), dy: uniform(rng, [5, 4], 'ND'), ...stats(4) }, promise: 'bit-exact',
    },
    {
      name: 'batch norm inference: running statistics', op: 'layer',
      params: { definition: { type: 'batchnorm', momentum: 0.9, eps: 1e-5 }, inputShape: [3, 2, 2], mode: 'inference' },
      inputs: { x: uniform(rng, [2, 3, 2, 2], 'NCHW', -2, 3), dy: uniform(rng, [2, 3, 2, 2], 'NCHW'), ...stats(3) }, promise: 'bit-exact',
    },
    {
      // Values of very different sizes (a ±2⁴⁰ pair in one row of every channel, ±2⁻¹⁰ … 2¹⁰ around it): the float64
      // sums lose low bits, so only the definition's order (src/kernels/batch-norm.ts: per row of H·W
      // values four lanes by position mod 4, (lane 0 + lane 2) + (lane 1 + lane 3), rows in the order n)
      // gives these bits. H·W = 8 and 6: rows the SIMD loops take, and rows they leave to TypeScript.
      name: 'batch norm training, sums in the definition\'s order (values of very different sizes)', op: 'layer',
      params: { definition: { type: 'batchnorm', momentum: 0.9, eps: 1e-5 }, inputShape: [2, 2, 4], mode: 'training' },
      inputs: { x: f32(spreadValues(rng, 3 * 2 * 8, 2, 8), [3, 2, 2, 4], 'NCHW'), dy: f32(spreadValues(rng, 3 * 2 * 8, 2, 8), [3, 2, 2, 4], 'NCHW'), ...stats(2) },
      promise: 'bit-exact',
    },
    {
      name: 'batch norm training, sums in the definition\'s order, rows of 6 values', op: 'layer',
      params: { definition: { type: 'batchnorm', momentum: 0.9, eps: 1e-5 }, inputShape: [2, 2, 3], mode: 'training' },
      inputs: { x: f32(spreadValues(rng, 3 * 2 * 6, 2, 6), [3, 2, 2, 3], 'NCHW'), dy: f32(spreadValues(rng, 3 * 2 * 6, 2, 6), [3, 2, 2, 3], 'NCHW'), ...stats(2) },
      promise: 'bit-exact',
    },
  ];
}

function lossFamily(): CaseSpec[] {
  const rng = new Rng(700);
  const labels = (n: number, c: number) => Array.from({ length: n }, () => rng.int(c));
  const zeros = f32(new Float32Array(4 * 10), [4, 10], 'NC');
  return [
    { name: 'svm hinge loss (margin 1), 4 examples, 5 classes', op: 'loss', params: { loss: 'svm' }, inputs: { scores: uniform(rng, [4, 5], 'NC', -2, 2), labels: labels(4, 5) }, promise: 'bit-exact' },
    { name: 'svm at zero scores: loss = C − 1 = 9', op: 'loss', params: { loss: 'svm' }, inputs: { scores: zeros, labels: [0, 3, 9, 3] }, promise: 'bit-exact' },
    { name: 'softmax cross-entropy, 4 examples, 5 classes', op: 'loss', params: { loss: 'softmax' }, inputs: { scores: uniform(rng, [4, 5], 'NC', -3, 3), labels: labels(4, 5) }, promise: TRANSCENDENTAL_F32 },
    { name: 'softmax at zero scores: loss = ln C = ln 10', op: 'loss', params: { loss: 'softmax' }, inputs: { scores: zeros, labels: [0, 3, 9, 3] }, promise: TRANSCENDENTAL_F32 },
    { name: 'softmax with large scores (max subtracted first: no overflow)', op: 'loss', params: { loss: 'softmax' }, inputs: { scores: f32(Float32Array.from([1000, 999, -1000, 50, 0, 0]), [2, 3], 'NC'), labels: [1, 0] }, promise: TRANSCENDENTAL_F32 },
    { name: 'sum of squares, mean over N', op: 'loss', params: { loss: 'sum-of-squares', reduction: 'mean' }, inputs: { scores: uniform(rng, [3, 4], 'NC'), targets: uniform(rng, [3, 4], 'NC') }, promise: 'bit-exact' },
    { name: 'sum of squares, summed', op: 'loss', params: { loss: 'sum-of-squares', reduction: 'sum' }, inputs: { scores: uniform(rng, [3, 4], 'NC'), targets: uniform(rng, [3, 4], 'NC') }, promise: 'bit-exact' },
    { name: 'mean squared error over N·C', op: 'loss', params: { loss: 'mse' }, inputs: { scores: uniform(rng, [3, 4], 'NC'), targets: uniform(rng, [3, 4], 'NC') }, promise: 'bit-exact' },
  ];
}

function regularizerFamily(): CaseSpec[] {
  const rng = new Rng(800);
  const w = () => { const t = uniform(rng, [3, 4], 'KD'); t.data[5] = 0; return t; }; // sign(0) = 0
  return [
    { name: 'L1: R = Σ|w|, grad += λ·sign(w)', op: 'penalty', params: { penalty: 'l1', strength: 0.01 }, inputs: { w: w(), grad: uniform(rng, [3, 4], 'KD') }, promise: 'bit-exact' },
    { name: 'L2: R = Σw², grad += λ·2w', op: 'penalty', params: { penalty: 'l2', strength: 0.001 }, inputs: { w: w(), grad: uniform(rng, [3, 4], 'KD') }, promise: 'bit-exact' },
    { name: 'elastic net β = 0.5: R = Σ βw² + |w|', op: 'penalty', params: { penalty: 'elastic-net', beta: 0.5, strength: 0.01 }, inputs: { w: w(), grad: uniform(rng, [3, 4], 'KD') }, promise: 'bit-exact' },
  ];
}

function optimizerFamily(): CaseSpec[] {
  const configs: Array<Record<string, unknown>> = [
    { type: 'sgd', learningRate: 0.1 },
    { type: 'momentum', learningRate: 0.1, momentum: 0.9 },
    { type: 'nesterov', learningRate: 0.1, momentum: 0.9 },
    { type: 'adagrad', learningRate: 0.1 },
    { type: 'rmsprop', learningRate: 0.01 },
    { type: 'adam', learningRate: 0.01 },
    { type: 'adamw', learningRate: 0.01, weightDecay: 0.1 },
    { type: 'adadelta' },
    { type: 'sgd', learningRate: 0.1, clipGradientNorm: 0.5 },
    { type: 'adam', learningRate: 0.01, schedule: { type: 'cosine', period: 4, warmup: 2 } },
  ];
  return configs.map((config, index) => {
    const rng = new Rng(900 + index);
    return {
      name: `${config.type} over 5 steps${config.clipGradientNorm ? ', gradient norm clipped to 0.5' : ''}${config.schedule ? ', cosine schedule with 2 warm-up steps' : ''}`,
      op: 'optimizer', params: { config, steps: 5 },
      inputs: { w: uniform(rng, [6], 'row-major'), grads: uniform(rng, [5, 6], 'row-major') },
      // Adam's bias correction uses Math.pow(β, t) and the cosine schedule Math.cos: not basic IEEE operations.
      promise: String(config.type).startsWith('adam') || config.schedule ? TRANSCENDENTAL_F32 : 'bit-exact' as const,
    };
  });
}

function scheduleFamily(): CaseSpec[] {
  const schedules: Array<[string, Record<string, unknown>, VectorPromise | 'bit-exact']> = [
    ['constant with 3 warm-up steps: rate·(t+1)/3 while t + 1 < 3', { type: 'constant', warmup: 3 }, 'bit-exact'],
    ['step decay γ = 0.5 every 3 (Math.pow)', { type: 'step', every: 3, gamma: 0.5 }, TRANSCENDENTAL_F64],
    ['exponential γ = 0.9 (Math.pow)', { type: 'exponential', gamma: 0.9 }, TRANSCENDENTAL_F64],
    ['cosine period 8, min 0.001, warm-up 2', { type: 'cosine', period: 8, minLearningRate: 0.001, warmup: 2 }, TRANSCENDENTAL_F64],
  ];
  return schedules.map(([name, schedule, promise]) => ({ name, op: 'schedule', params: { schedule, baseRate: 0.1, steps: 12 }, inputs: {}, promise }));
}

function initializerFamily(): CaseSpec[] {
  const configs: Array<[Record<string, unknown>, VectorPromise | 'bit-exact']> = [
    [{ type: 'he' }, TRANSCENDENTAL_F32],
    [{ type: 'xavier' }, TRANSCENDENTAL_F32],
    [{ type: 'gaussian', std: 0.01 }, TRANSCENDENTAL_F32],
    [{ type: 'uniform', low: -0.1, high: 0.1 }, 'bit-exact'],
    [{ type: 'constant', value: 0.25 }, 'bit-exact'],
  ];
  return configs.map(([config, promise]) => ({
    name: `${config.type} initializer, first draws for a (4, 3, 3, 3) conv weight (fanIn 27, fanOut 36), seed 11`,
    op: 'initializer', params: { config, seed: 11, shape: [4, 3, 3, 3], fanIn: 27, fanOut: 36 }, inputs: {}, promise,
  }));
}

function augmentationFamily(): CaseSpec[] {
  const rng = new Rng(1000);
  return [
    { name: 'flip and shift ≤ 2 from Rng(12), 4 images', op: 'augment', params: { flip: true, maxShift: 2, seed: 12 }, inputs: { x: integers(rng, [4, 2, 4, 5], 'NCHW', 1, 99) }, promise: 'bit-exact' },
    { name: 'flip only, seed 13', op: 'augment', params: { flip: true, maxShift: 0, seed: 13 }, inputs: { x: integers(rng, [4, 1, 3, 3], 'NCHW', 1, 99) }, promise: 'bit-exact' },
    { name: 'shift ≤ 1 only, seed 14', op: 'augment', params: { flip: false, maxShift: 1, seed: 14 }, inputs: { x: integers(rng, [3, 1, 3, 4], 'NCHW', 1, 99) }, promise: 'bit-exact' },
  ];
}

function im2colFamily(): CaseSpec[] {
  const rng = new Rng(1100);
  const geometries = [
    { inputChannels: 2, inputHeight: 4, inputWidth: 5, filterHeight: 3, filterWidth: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 1 },
    { inputChannels: 1, inputHeight: 5, inputWidth: 5, filterHeight: 2, filterWidth: 3, strideH: 2, strideW: 1, padH: 0, padW: 1, dilationH: 1, dilationW: 1 },
    { inputChannels: 2, inputHeight: 6, inputWidth: 6, filterHeight: 3, filterWidth: 3, strideH: 1, strideW: 1, padH: 2, padW: 2, dilationH: 2, dilationW: 2 },
  ];
  return geometries.map((g, index) => {
    const oh = (g.inputHeight + 2 * g.padH - g.dilationH * (g.filterHeight - 1) - 1) / g.strideH + 1;
    const ow = (g.inputWidth + 2 * g.padW - g.dilationW * (g.filterWidth - 1) - 1) / g.strideW + 1;
    return {
      name: `im2col and col2im #${index + 1}: ${g.filterHeight}x${g.filterWidth} stride ${g.strideH},${g.strideW} pad ${g.padH},${g.padW} dilation ${g.dilationH}`,
      op: 'im2col', params: g,
      inputs: { x: integers(rng, [g.inputChannels, g.inputHeight, g.inputWidth], 'row-major', -9, 9), columns: integers(rng, [g.inputChannels * g.filterHeight * g.filterWidth, oh * ow], 'row-major', -9, 9) },
      promise: 'bit-exact',
    };
  });
}

function gemmFamily(): CaseSpec[] {
  const cases: CaseSpec[] = [];
  const shapes: Array<[number, number, number]> = [[3, 4, 5], [7, 9, 13], [5, 6, 300], [65, 3, 8]];
  let seed = 1200;
  for (const [m, n, k] of shapes) {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      if (k === 300 && (transA || transB) && !(transA && transB)) continue; // keep the file small
      const rng = new Rng(seed++);
      const a = uniform(rng, transA ? [k, m] : [m, k], 'row-major');
      const b = uniform(rng, transB ? [n, k] : [k, n], 'row-major');
      cases.push({
        name: `C(${m}x${n}) = ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'}, k = ${k}`, op: 'gemm',
        params: { transA, transB, m, n, k, accumulate: false }, inputs: { a, b }, promise: 'bit-exact',
        sums: { terms: k, order: 'gemm (guide: GEMM order, float32 contract rule 3)', scaleOptions: {} },
      });
    }
  }
  const rng = new Rng(seed);
  cases.push({
    name: 'C(4x5) += A·B (accumulate), k = 6', op: 'gemm', params: { transA: false, transB: false, m: 4, n: 5, k: 6, accumulate: true },
    inputs: { a: uniform(rng, [4, 6], 'row-major'), b: uniform(rng, [6, 5], 'row-major'), c: uniform(rng, [4, 5], 'MxN') }, promise: 'bit-exact',
    sums: { terms: 7, order: 'gemm (guide: GEMM order, float32 contract rule 3)', scaleOptions: {} },
  });
  return cases;
}

function graphFamily(): CaseSpec[] {
  const scalar = (v: number) => f32(Float32Array.of(v), [], 'scalar');
  const rng = new Rng(1300);
  return [
    {
      name: 'the lecture circuit f = (x + y)·z at x = −2, y = 5, z = −4: f = −12, df/dx = df/dy = −4, df/dz = 3', op: 'graph',
      params: { nodes: [{ op: 'variable', value: 'x' }, { op: 'variable', value: 'y' }, { op: 'variable', value: 'z' }, { op: 'add', inputs: [0, 1] }, { op: 'multiply', inputs: [3, 2] }] },
      inputs: { x: scalar(-2), y: scalar(5), z: scalar(-4) }, promise: 'bit-exact',
    },
    {
      name: 'the lecture sigmoid neuron σ(w0·x0 + w1·x1 + w2) at w = (2, −3, −3), x = (−1, −2)', op: 'graph',
      params: { nodes: [{ op: 'variable', value: 'w0' }, { op: 'variable', value: 'x0' }, { op: 'variable', value: 'w1' }, { op: 'variable', value: 'x1' }, { op: 'variable', value: 'w2' },
        { op: 'multiply', inputs: [0, 1] }, { op: 'multiply', inputs: [2, 3] }, { op: 'add', inputs: [5, 6] }, { op: 'add', inputs: [7, 4] }, { op: 'sigmoid', inputs: [8] }] },
      inputs: { w0: scalar(2), x0: scalar(-1), w1: scalar(-3), x1: scalar(-2), w2: scalar(-3) }, promise: TRANSCENDENTAL_F32,
    },
    {
      name: 'fan-out: f = x·x + max(x, y) + x uses x three times; its gradient is the sum', op: 'graph',
      params: { nodes: [{ op: 'variable', value: 'x' }, { op: 'variable', value: 'y' }, { op: 'multiply', inputs: [0, 0] }, { op: 'maximum', inputs: [0, 1] }, { op: 'add', inputs: [2, 3] }, { op: 'add', inputs: [4, 0] }] },
      inputs: { x: scalar(3), y: scalar(2) }, promise: 'bit-exact',
    },
    {
      name: 'matrix gates: sum(relu(X·W + b))', op: 'graph',
      params: { nodes: [{ op: 'variable', value: 'X' }, { op: 'variable', value: 'W' }, { op: 'variable', value: 'b' }, { op: 'matmul', inputs: [0, 1] }, { op: 'addBias', inputs: [3, 2] }, { op: 'relu', inputs: [4] }, { op: 'sum', inputs: [5] }] },
      inputs: { X: uniform(rng, [3, 4], 'row-major'), W: uniform(rng, [4, 2], 'row-major'), b: uniform(rng, [2], 'row-major') }, promise: 'bit-exact',
    },
  ];
}

function gradcheckFamily(): CaseSpec[] {
  const rng = new Rng(1400);
  return [{
    name: 'gradient-check harness on fc 4 → 3, batch 2: max relative error, where, analytic and numeric values', op: 'gradcheck',
    params: { definition: { type: 'fc', units: 3 }, inputShape: [4], seed: 15 },
    inputs: { x: uniform(rng, [2, 4], 'ND'), 'param.weights': uniform(rng, [3, 4], 'KD'), 'param.bias': uniform(rng, [3], 'K') },
    promise: { kind: 'tolerance', measure: 'max(1,|want|)', bound: 1e-6, why: 'the projection r is Gaussian (log, sin, cos); central differences divide by 2·step, magnifying last-bit changes of r' },
  }];
}

/** The ConvNetJS CIFAR-10 demo net (conv5x5x16p2-relu-pool2-conv5x5x20p2-relu-pool2-conv5x5x20p2-relu-pool2-fc10-softmax). */
const DEMO_NET = 'conv5x5x16p2-relu-pool2-conv5x5x20p2-relu-pool2-conv5x5x20p2-relu-pool2-fc10-softmax';

function endToEndFamily(): CaseSpec[] {
  const definition = parseCompactDefinition(DEMO_NET, [3, 32, 32]);
  const rng = new Rng(1500);
  const net = buildNet(definition, new Rng(16));
  const inputs: OpValues = {};
  net.layers.forEach((layer) => {
    for (const parameter of layer.parameters()) {
      inputs[`param.${layer.name}.${parameter.name}`] = f32(Float32Array.from(parameter.value.data), parameter.value.shape, parameter.value.rank === 4 ? 'KCHW' : parameter.value.rank === 2 ? 'KD' : 'K');
    }
  });
  const batch = 2;
  const steps = 3;
  inputs.x = uniform(rng, [batch * steps, 3, 32, 32], 'NCHW', -1, 1);
  inputs.labels = Array.from({ length: batch * steps }, () => rng.int(10));
  return [{
    name: `ConvNetJS CIFAR-10 demo net, ${steps} steps of adadelta (l2 1e-4) on batches of ${batch}, from the weights given`, op: 'train',
    params: { definition: definition as unknown as Record<string, unknown>, optimizer: { type: 'adadelta', rho: 0.95, epsilon: 1e-6 }, l2: 1e-4, batch, steps },
    inputs,
    promise: {
      kind: 'tolerance', measure: 'max(1,|want|)', bound: 1e-5,
      why: 'softmax uses exp; three steps of training carry a last-bit difference into every weight. A runtime whose exp matches gives the same bits: compare with the sha256 in expected',
    },
  }];
}

function modelJsonFamily(): CaseSpec[] {
  const definition = parseCompactDefinition('conv3x3x4p1-bn-relu-pool2-fc5-softmax', [2, 4, 4]) as LayerDefinition[];
  const net = buildNet(definition, new Rng(17));
  const rng = new Rng(1600);
  // Non-trivial batch-norm statistics: one training forward moves the running averages.
  net.forward(Tensor.uniform([4, 2, 4, 4], rng, -1, 1), TRAINING);
  const model = netToModelFile(net, definition, { classNames: ['a', 'b', 'c', 'd', 'e'] });
  const x = uniform(rng, [3, 2, 4, 4], 'NCHW');
  const params = { model: model as unknown as Record<string, unknown> };
  return [
    {
      name: 'model.json (conv-bn-relu-pool-fc-softmax) → the logits of 3 images (the fc layer\'s scores)', op: 'model-json',
      params: { ...params, output: 'logits' }, inputs: { x },
      promise: { kind: 'bit-exact', order: 'conv and fc in the float32 contract\'s orders (guide §2); batch norm, relu and pooling as in their vectors' },
    },
    {
      name: 'model.json (conv-bn-relu-pool-fc-softmax) → the class probabilities of the same 3 images', op: 'model-json',
      params: { ...params, output: 'probabilities' }, inputs: { x }, promise: TRANSCENDENTAL_F32,
    },
  ];
}

/** Every family: file name (without .json), description, cases. */
export const FAMILIES: ReadonlyArray<{ family: string; description: string; cases: () => CaseSpec[] }> = [
  { family: 'rng', description: 'Rng: xoshiro128** seeded by SplitMix32 — raw uint32 stream, uniform, int, Gaussian (Box–Muller), permutation', cases: rngFamily },
  { family: 'conv', description: 'convolution layer forward (y) and backward (dx, grad.weights, grad.bias): stride, padding, dilation, non-square, 1×1, batch > 1', cases: convFamily },
  { family: 'pool', description: 'max pooling (ties, NaN, overlapping windows) and average pooling, forward and backward', cases: poolFamily },
  { family: 'fc', description: 'fully connected layer forward and backward', cases: fcFamily },
  { family: 'activations', description: 'relu, leaky-relu, elu, sigmoid, tanh, maxout, the softmax and svm output layers, and the pad layer: forward and backward', cases: activationFamily },
  { family: 'dropout', description: 'dropout masks from a seed, training and inference', cases: dropoutFamily },
  { family: 'batchnorm', description: 'batch normalization in training (batch statistics, running averages) and inference', cases: batchNormFamily },
  { family: 'losses', description: 'SVM, softmax cross-entropy, squared error: mean loss (float64) and dL/dscores', cases: lossFamily },
  { family: 'regularizers', description: 'L1, L2, elastic net: R(W) and grad += λ·dR/dW', cases: regularizerFamily },
  { family: 'optimizers', description: 'every update rule over 5 steps of given gradients; clipping; a schedule with warm-up', cases: optimizerFamily },
  { family: 'schedules', description: 'learning-rate schedules and warm-up, t = 0..11', cases: scheduleFamily },
  { family: 'initializers', description: 'weight initializers: their first draws from a seed', cases: initializerFamily },
  { family: 'augmentation', description: 'random flips and shifts from a seed', cases: augmentationFamily },
  { family: 'im2col', description: 'im2col and col2im of one image', cases: im2colFamily },
  { family: 'gemm', description: 'GEMM C = op(A)·op(B) with every transpose, k-blocking, and accumulation', cases: gemmFamily },
  { family: 'graph', description: 'the gate graph: the lecture circuits, fan-out, matrix gates (every node value and gradient)', cases: graphFamily },
  { family: 'gradcheck', description: 'the numbers the gradient-check harness computes on a small layer', cases: gradcheckFamily },
  { family: 'end-to-end', description: '3 training steps of the ConvNetJS CIFAR-10 demo net from given weights: losses and final weights', cases: endToEndFamily },
  { family: 'model-json', description: 'a model.json and the outputs it must give', cases: modelJsonFamily },
];

export interface GeneratedVectors {
  /** file name → text. */
  readonly files: Record<string, string>;
  readonly manifest: Manifest;
}

/** Builds every family's file text and the manifest (manifest.json) that lists their hashes. */
export async function generateVectors(): Promise<GeneratedVectors> {
  const files: Record<string, string> = {};
  const entries: Manifest['files'] = [];
  for (const { family, description, cases } of FAMILIES) {
    const built: VectorCase[] = [];
    for (const spec of cases()) {
      const vectorCase = await makeCase(spec);
      built.push({ ...vectorCase, checksum: await sha256Hex(checksumText(vectorCase)) });
    }
    const file: VectorFile = { format: VECTOR_FORMAT, version: VECTOR_VERSION, family, description, cases: built };
    const name = `${family}.json`;
    const text = formatVectorFile(file);
    files[name] = text;
    entries.push({ file: name, sha256: await sha256Hex(text), bytes: new TextEncoder().encode(text).length, cases: built.map((c) => c.name) });
  }
  const manifest: Manifest = { format: MANIFEST_FORMAT, version: VECTOR_VERSION, files: entries };
  files['manifest.json'] = `${JSON.stringify(manifest, null, 1)}\n`;
  return { files, manifest };
}

