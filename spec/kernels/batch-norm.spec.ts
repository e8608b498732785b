import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  batchNormAffine, batchNormGradientCoefficients, batchNormGradientSums, batchNormInputGrad, batchNormInputSums,
  batchNormStatistics, passTag,
} from '../../src/kernels/batch-norm.ts';
import { KERNEL_TIERS, kernelTier, setKernelTier } from '../../src/kernels/engines/kernel-tier.ts';
import { Rng } from '../../src/tensor/rng.ts';

// src/kernels/batch-norm.ts defines the order of every sum (four lanes per row, value s into lane
// s mod 4, the row's sum (lane 0 + lane 2) + (lane 1 + lane 3), rows added in the order n). These
// specs write that definition out as plain loops — one value at a time, with the fused ReLU as a
// float32 y and "y > 0" — and require the same bits from the kernels on every tier, for row ranges
// cut anywhere, sizes the SIMD loops take (S a multiple of 4, one or several staging chunks) and
// sizes they leave to TypeScript.

interface Problem {
  readonly batchSize: number;
  readonly channels: number;
  readonly spatialSize: number;
  readonly x: Float32Array;
  readonly dy: Float32Array;
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
}

interface Outcome {
  y: Float32Array;
  dx: Float32Array;
  mean: Float64Array;
  inverseStd: Float64Array;
  runningMean: Float32Array;
  runningVariance: Float32Array;
  gammaGrad: Float32Array;
  betaGrad: Float32Array;
}

/** The definition's sum of f(r, s) over a row: four lanes by s mod 4, then (0 + 2) + (1 + 3). */
function rowSum(S: number, term: (s: number) => number): number {
  const lanes = [0, 0, 0, 0];
  for (let s = 0; s < S; s++) lanes[s % 4] += term(s);
  return (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
}

/** The whole training step of one batch-norm layer (optionally followed by a ReLU), from the definition. */
function reference(p: Problem, relu: boolean): Outcome {
  const { batchSize: N, channels: C, spatialSize: S, x, dy } = p;
  const count = N * S;
  const out: Outcome = {
    y: new Float32Array(x.length), dx: new Float32Array(x.length), mean: new Float64Array(C), inverseStd: new Float64Array(C),
    runningMean: new Float32Array(C), runningVariance: new Float32Array(C).fill(1), gammaGrad: new Float32Array(C), betaGrad: new Float32Array(C),
  };
  const at = (n: number, c: number, s: number) => (n * C + c) * S + s;
  for (let c = 0; c < C; c++) {
    const shift = x[c * S];
    let sum = 0, squares = 0;
    for (let n = 0; n < N; n++) {
      sum += rowSum(S, (s) => x[at(n, c, s)] - shift);
      squares += rowSum(S, (s) => (x[at(n, c, s)] - shift) ** 2);
    }
    const mean = shift + sum / count;
    const variance = Math.max(0, (squares - sum * (sum / count)) / count);
    const inverseStd = 1 / Math.sqrt(variance + 1e-5);
    out.runningMean[c] = 0.9 * 0 + (1 - 0.9) * mean;
    out.runningVariance[c] = 0.9 * 1 + (1 - 0.9) * ((variance * count) / (count - 1));
    out.mean[c] = mean;
    out.inverseStd[c] = inverseStd;
    const a = p.gamma[c] * inverseStd;
    const b = p.beta[c] - a * mean;
    for (let n = 0; n < N; n++) {
      for (let s = 0; s < S; s++) {
        const y = Math.fround(a * x[at(n, c, s)] + b);
        out.y[at(n, c, s)] = relu && !(y > 0) ? 0 : y;
      }
    }
    // The gradient reaching the batch norm: dy itself, or after a ReLU layer dy where y > 0, else 0.
    const g = (n: number, s: number) => (!relu || Math.fround(a * x[at(n, c, s)] + b) > 0 ? dy[at(n, c, s)] : 0);
    let sumGrad = 0, sumGradTimesInput = 0;
    for (let n = 0; n < N; n++) {
      sumGrad += rowSum(S, (s) => g(n, s));
      sumGradTimesInput += rowSum(S, (s) => g(n, s) * x[at(n, c, s)]);
    }
    const sumGradTimesNormalized = inverseStd * (sumGradTimesInput - mean * sumGrad);
    out.betaGrad[c] = sumGrad;
    out.gammaGrad[c] = sumGradTimesNormalized;
    const A = p.gamma[c] * inverseStd;
    const B = -A * inverseStd * (sumGradTimesNormalized / count);
    const offset = -A * (sumGrad / count) - B * mean;
    for (let n = 0; n < N; n++) {
      for (let s = 0; s < S; s++) out.dx[at(n, c, s)] = A * g(n, s) + (B * x[at(n, c, s)] + offset);
    }
  }
  return out;
}

/** The same step through the kernels, each row kernel over the row ranges `cuts` (0 … N·C). */
function throughKernels(p: Problem, relu: boolean, cuts: readonly number[]): Outcome {
  const { batchSize, channels, spatialSize, x, dy } = p;
  const forward = { channels, spatialSize, pass: passTag() };
  const backward = { channels, spatialSize, pass: passTag() };
  const geometry = { channels, spatialSize };
  const out: Outcome = {
    y: new Float32Array(x.length), dx: new Float32Array(x.length), mean: new Float64Array(channels), inverseStd: new Float64Array(channels),
    runningMean: new Float32Array(channels), runningVariance: new Float32Array(channels).fill(1),
    gammaGrad: new Float32Array(channels), betaGrad: new Float32Array(channels),
  };
  const rowSums = new Float64Array(2 * batchSize * channels);
  const forwardCoefficients = new Float64Array(2 * channels);
  const backwardCoefficients = new Float64Array(3 * channels);
  const eachPart = (run: (start: number, end: number) => void) => {
    for (let i = 0; i + 1 < cuts.length; i++) run(cuts[i], cuts[i + 1]);
  };
  eachPart((start, end) => batchNormInputSums({ ...forward, input: x, rowSums }, start, end));
  batchNormStatistics({
    ...geometry, input: x, rowSums, gamma: p.gamma, beta: p.beta, runningMean: out.runningMean, runningVariance: out.runningVariance,
    mean: out.mean, inverseStd: out.inverseStd, coefficients: forwardCoefficients, batchSize, training: true, momentum: 0.9, eps: 1e-5,
  });
  eachPart((start, end) => batchNormAffine({ ...forward, input: x, output: out.y, coefficients: forwardCoefficients, relu }, start, end));
  eachPart((start, end) => batchNormGradientSums({ ...backward, outputGrad: dy, input: x, rowSums, forwardCoefficients, relu }, start, end));
  batchNormGradientCoefficients({
    ...geometry, rowSums, gamma: p.gamma, gammaGrad: out.gammaGrad, betaGrad: out.betaGrad, mean: out.mean, inverseStd: out.inverseStd,
    coefficients: backwardCoefficients, batchSize, training: true,
  });
  eachPart((start, end) => batchNormInputGrad({
    ...backward, outputGrad: dy, input: x, inputGrad: out.dx, coefficients: backwardCoefficients, forwardCoefficients, relu,
  }, start, end));
  return out;
}

function randomArray(length: number, rng: Rng): Float32Array {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = (rng.uniform() < 0.5 ? -1 : 1) * (1 + rng.uniform()) * 2 ** (rng.int(21) - 10);
  return values;
}

/**
 * (N, C, S) values for which the ORDER of each channel's float64 sums shows: random values, plus in
 * every channel a huge ±B (about 2⁴⁵) at one position and −B at a later one. A running sum then
 * loses the low bits of everything added between the two, and which values those are depends on the
 * order — so a kernel summing in any other order than the definition's gives other bits.
 */
function cancellingChannels(batchSize: number, channels: number, spatialSize: number, rng: Rng): Float32Array {
  const values = randomArray(batchSize * channels * spatialSize, rng);
  const count = batchSize * spatialSize;
  const position = (c: number, m: number) => (Math.floor(m / spatialSize) * channels + c) * spatialSize + (m % spatialSize);
  for (let c = 0; c < channels; c++) {
    const first = rng.int(count - 1);
    const second = first + 1 + rng.int(count - 1 - first);
    const huge = (rng.uniform() < 0.5 ? -1 : 1) * (1 + rng.uniform()) * 2 ** 45;
    values[position(c, first)] = huge;
    values[position(c, second)] = -huge;
  }
  return values;
}

function assertSameBits(actual: Outcome, expected: Outcome, where: string): void {
  for (const key of Object.keys(expected) as Array<keyof Outcome>) {
    assert.deepEqual(new Uint32Array(actual[key].buffer), new Uint32Array(expected[key].buffer), `${where}: ${key}`);
  }
}

/** Runs `body` once per kernel tier, restoring the setting afterwards. */
function onEveryTier(body: (tier: string) => void): void {
  const before = kernelTier();
  try {
    for (const tier of KERNEL_TIERS) {
      setKernelTier(tier);
      body(tier);
    }
  } finally {
    setKernelTier(before);
  }
}

test('batch-norm kernels give the bits of the definition on every tier, with and without the fused ReLU, for any row cuts', () => {
  const rng = new Rng(11);
  // S: sizes the SIMD loops leave to TypeScript (1, 3, 7), sizes they take (4, 8, 16), a size whose
  // rows fill several staging chunks (4096: four rows per chunk), and one above a chunk (16388).
  const shapes: Array<[number, number, number]> = [];
  for (let channels = 1; channels <= 5; channels++) for (const spatialSize of [1, 3, 4, 7, 8, 16]) shapes.push([2 + rng.int(3), channels, spatialSize]);
  shapes.push([3, 3, 4096], [2, 1, 16388]);
  for (const [batchSize, channels, spatialSize] of shapes) {
    const problem: Problem = {
      batchSize, channels, spatialSize,
      x: cancellingChannels(batchSize, channels, spatialSize, rng), dy: cancellingChannels(batchSize, channels, spatialSize, rng),
      gamma: randomArray(channels, rng), beta: randomArray(channels, rng),
    };
    const rows = batchSize * channels;
    const cut = 1 + rng.int(rows - 1);
    for (const relu of [false, true]) {
      const expected = reference(problem, relu);
      onEveryTier((tier) => {
        for (const cuts of rows > 1 ? [[0, rows], [0, cut, rows]] : [[0, rows]]) {
          const where = `${tier} N=${batchSize} C=${channels} S=${spatialSize}${relu ? ' +relu' : ''} rows ${cuts.join('|')}`;
          assertSameBits(throughKernels(problem, relu, cuts), expected, where);
        }
      });
    }
  }
});

test('the fused ReLU decides y > 0 on the float32 y: values that round to ±0 or to the smallest subnormal', () => {
  // With a = 1/2 and b = 0, y = f32(x/2): x = ±2⁻¹⁴⁹ gives ±2⁻¹⁵⁰, a tie that rounds to ±0 (masked);
  // x = ±3·2⁻¹⁴⁹ gives ±1.5·2⁻¹⁴⁹, which rounds to ±2⁻¹⁴⁸ (kept when positive). γ = 1/2 with x of
  // spread ~1 would not give a = 1/2, so the coefficients are set directly.
  const tiny = 2 ** -149;
  const values = [tiny, -tiny, 2 * tiny, -2 * tiny, 3 * tiny, -3 * tiny, 0, -0, 1, -1, 2 ** -126, -(2 ** -126)];
  const S = values.length; // 12: the SIMD loops take it
  const x = Float32Array.from(values);
  const dy = Float32Array.from(values, (_, i) => i + 1);
  const forwardCoefficients = Float64Array.of(0.5, 0);
  onEveryTier((tier) => {
    const geometry = { channels: 1, spatialSize: S, pass: passTag() }; // each kernel stages its own rows: no two share a pass
    const y = new Float32Array(S);
    batchNormAffine({ ...geometry, input: x, output: y, coefficients: forwardCoefficients, relu: true }, 0, 1);
    const expectedY = Float32Array.from(values, (v) => Math.max(0, Math.fround(v / 2)) + 0); // +0 for ±0
    assert.deepEqual(new Uint32Array(y.buffer), new Uint32Array(expectedY.buffer), `${tier}: forward`);
    const rowSums = new Float64Array(2);
    batchNormGradientSums({ ...geometry, pass: passTag(), outputGrad: dy, input: x, rowSums, forwardCoefficients, relu: true }, 0, 1);
    const kept = values.map((v, i) => (Math.fround(v / 2) > 0 ? i + 1 : 0)); // positions 2·2⁻¹⁴⁹, 3·2⁻¹⁴⁹, 1, 2⁻¹²⁶
    assert.deepEqual(kept.filter((g) => g > 0), [3, 5, 9, 11], 'the cases the test is about');
    assert.equal(rowSums[0], rowSum(S, (s) => kept[s]), `${tier}: Σg`);
    const dx = new Float32Array(S);
    batchNormInputGrad({ ...geometry, pass: passTag(), outputGrad: dy, input: x, inputGrad: dx, coefficients: Float64Array.of(1, 0, 0), forwardCoefficients, relu: true }, 0, 1);
    assert.deepEqual(Array.from(dx), kept.map((g, s) => Math.fround(g + (0 * values[s] + 0))), `${tier}: dx`);
  });
});

test('a pass\'s second kernel reuses the rows its first staged, and only those: another pass, another range or other data are copied afresh', () => {
  const rng = new Rng(5);
  const [N, C, S] = [4, 3, 8];
  const rows = N * C;
  const x1 = randomArray(N * C * S, rng), x2 = randomArray(N * C * S, rng);
  const coefficients = Float64Array.from(randomArray(2 * C, rng));
  const expected = (x: Float32Array, start: number, end: number) => {
    const y = new Float32Array(x.length);
    for (let row = start; row < end; row++) {
      for (let s = row * S; s < (row + 1) * S; s++) y[s] = coefficients[2 * (row % C)] * x[s] + coefficients[2 * (row % C) + 1];
    }
    return y;
  };
  onEveryTier((tier) => {
    const rowSums = new Float64Array(2 * rows);
    const geometry = { channels: C, spatialSize: S };
    // The same pass and rows: the rows of x1 staged by the sums are the affine's input (and are x1's).
    let pass = passTag();
    batchNormInputSums({ ...geometry, pass, input: x1, rowSums }, 0, rows);
    let y = new Float32Array(x1.length);
    batchNormAffine({ ...geometry, pass, input: x1, output: y, coefficients, relu: false }, 0, rows);
    assert.deepEqual(y, expected(x1, 0, rows), `${tier}: same pass`);
    // Another pass after x1 was staged: x2 must be read, not the staged x1.
    batchNormInputSums({ ...geometry, pass: passTag(), input: x1, rowSums }, 0, rows);
    y = new Float32Array(x2.length);
    batchNormAffine({ ...geometry, pass: passTag(), input: x2, output: y, coefficients, relu: false }, 0, rows);
    assert.deepEqual(y, expected(x2, 0, rows), `${tier}: another pass`);
    // The same pass but another range of rows: copied afresh.
    pass = passTag();
    batchNormInputSums({ ...geometry, pass, input: x1, rowSums }, 0, rows);
    y = new Float32Array(x2.length);
    batchNormAffine({ ...geometry, pass, input: x2, output: y, coefficients, relu: false }, 2, rows);
    assert.deepEqual(y, expected(x2, 2, rows), `${tier}: another range`);
  });
});
