/**
 * The determinism guarantee of the worker pool, checked without threads: every registered range
 * kernel, run over its range cut into 1, 2, 3 or 4 contiguous parts (serially, one RangeKernel call
 * per part, exactly what the pool does on its threads), must produce bit-identical outputs.
 * Outputs that ADD start from the same random contents in every run, so "adds, never overwrites"
 * is part of what is compared.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConvGeometry, WindowGeometry } from '../../src/kernels/conv-geometry.ts';
import { kernelRegistry } from '../../src/kernels/registry.ts';
import { canFlipBackwardData } from '../../src/kernels/conv-backward-data-flipped.ts';
import { weightGradWorkItems } from '../../src/kernels/conv-implicit-gemm.ts';
import type { KernelArgs, KernelArgValue } from '../../src/parallel/executor.ts';
import { splitRange } from '../../src/parallel/executor.ts';
import { Rng } from '../../src/tensor/rng.ts';

function gaussianArray(length: number, rng: Rng): Float32Array {
  const array = new Float32Array(length);
  for (let i = 0; i < length; i++) array[i] = rng.gaussian(0, 1);
  return array;
}

/** Copies every typed array in `args` (so each run starts from the same contents). */
function cloneArgs(args: KernelArgs): Record<string, KernelArgValue> {
  const copy: Record<string, KernelArgValue> = {};
  for (const [key, value] of Object.entries(args)) {
    copy[key] = typeof value === 'object' ? (value.slice() as KernelArgValue) : value;
  }
  return copy;
}

/** Runs `kernelName` over [0, total) cut into `parts` parts; returns the arrays afterwards. */
function runSplit(kernelName: string, args: KernelArgs, total: number, parts: number): Record<string, KernelArgValue> {
  const copy = cloneArgs(args);
  const bounds = splitRange(total, parts);
  for (let part = 0; part < parts; part++) kernelRegistry[kernelName](copy, bounds[part], bounds[part + 1]);
  return copy;
}

function assertSplitInvariant(kernelName: string, args: KernelArgs, total: number, outputs: string[]): void {
  const whole = runSplit(kernelName, args, total, 1);
  for (const output of outputs) {
    assert.notDeepEqual(whole[output], args[output], `${kernelName}: '${output}' was not written at all`);
  }
  for (let parts = 2; parts <= 4; parts++) {
    const split = runSplit(kernelName, args, total, parts);
    for (const output of outputs) {
      assert.deepEqual(split[output], whole[output], `${kernelName} over ${parts} parts: '${output}' differs`);
    }
  }
}

/** A conv geometry with stride, padding, dilation and non-square sizes, N = 5, K = 7. */
const conv: ConvGeometry = {
  batchSize: 5, inputChannels: 3, inputHeight: 9, inputWidth: 8, filters: 7,
  filterHeight: 3, filterWidth: 2, strideH: 2, strideW: 1, padH: 1, padW: 2, dilationH: 1, dilationW: 2,
  outputHeight: 5, outputWidth: 10, // (9−3+2)/2+1 = 5, (8−3+4)/1+1 = 10
};

function convArrays(rng: Rng): Record<string, Float32Array> {
  const { batchSize: N, inputChannels: C, inputHeight: H, inputWidth: W, filters: K, filterHeight: FH, filterWidth: FW } = conv;
  const pixels = conv.outputHeight * conv.outputWidth;
  return {
    input: gaussianArray(N * C * H * W, rng),
    weights: gaussianArray(K * C * FH * FW, rng),
    bias: gaussianArray(K, rng),
    output: gaussianArray(N * K * pixels, rng),
    outputGrad: gaussianArray(N * K * pixels, rng),
    inputGrad: gaussianArray(N * C * H * W, rng),
    weightsGrad: gaussianArray(K * C * FH * FW, rng),
    biasGrad: gaussianArray(K, rng),
    columns: gaussianArray(N * C * FH * FW * pixels, rng),
  };
}

/** C·FH·FW: the work items of im2col backward-weights. */
function patchOf(g: ConvGeometry): number {
  return g.inputChannels * g.filterHeight * g.filterWidth;
}

test('gemmRows: same bits for 1-4 row parts, every transpose, k across two k-blocks', () => {
  const rng = new Rng(31);
  const m = 23, n = 19, k = 300;
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const args: KernelArgs = {
        transA, transB, m, n, k,
        a: gaussianArray(m * k + 2, rng), aOffset: 2, lda: transA ? m : k,
        b: gaussianArray(k * n + 1, rng), bOffset: 1, ldb: transB ? k : n,
        c: gaussianArray(m * (n + 3), rng), cOffset: 0, ldc: n + 3, accumulate: transA,
      };
      assertSplitInvariant('gemmRows', args, m, ['c']);
    }
  }
});

test('conv kernels (naive, im2col, implicit GEMM): same bits for 1-4 parts (images, filters or patch entries)', () => {
  const rng = new Rng(32);
  const a = convArrays(rng);
  assertSplitInvariant('conv2dForwardNaive', { ...conv, input: a.input, weights: a.weights, bias: a.bias, output: a.output }, conv.batchSize, ['output']);
  assertSplitInvariant('conv2dBackwardDataNaive', { ...conv, outputGrad: a.outputGrad, weights: a.weights, inputGrad: a.inputGrad }, conv.batchSize, ['inputGrad']);
  assertSplitInvariant(
    'conv2dBackwardWeightsNaive',
    { ...conv, outputGrad: a.outputGrad, input: a.input, weightsGrad: a.weightsGrad, biasGrad: a.biasGrad }, conv.filters, ['weightsGrad', 'biasGrad'],
  );
  assertSplitInvariant(
    'conv2dForwardIm2col',
    { ...conv, input: a.input, weights: a.weights, bias: a.bias, output: a.output, columns: a.columns }, conv.batchSize, ['output', 'columns'],
  );
  assertSplitInvariant(
    'conv2dBackwardWeightsIm2col',
    { ...conv, outputGrad: a.outputGrad, columns: a.columns, weightsGrad: a.weightsGrad, biasGrad: a.biasGrad }, patchOf(conv), ['weightsGrad', 'biasGrad'],
  );
  assertSplitInvariant(
    'conv2dBackwardDataIm2col',
    { ...conv, outputGrad: a.outputGrad, weights: a.weights, columns: a.columns, inputGrad: a.inputGrad }, conv.batchSize, ['inputGrad', 'columns'],
  );
  assertSplitInvariant(
    'conv2dForwardImplicit', { ...conv, input: a.input, weights: a.weights, bias: a.bias, output: a.output }, conv.batchSize, ['output'],
  );
  // K = 7 → 2 filter groups, 3·3·2 = 18 entries → 5 entry groups: 10 blocks of dw; 3 and 4 parts
  // split inside a filter group, and the last groups of both are padding.
  assert.equal(weightGradWorkItems(conv), 10);
  assertSplitInvariant(
    'conv2dBackwardWeightsImplicit',
    { ...conv, input: a.input, outputGrad: a.outputGrad, weightsGrad: a.weightsGrad, biasGrad: a.biasGrad }, weightGradWorkItems(conv), ['weightsGrad', 'biasGrad'],
  );
});

test('conv backward-data (flipped filters, stride 1; explicit and implicit GEMM): same bits for 1-4 image parts', () => {
  const rng = new Rng(35);
  // Stride 1, pad 1 ≤ D·(F−1) = 4: the flipped path applies (padding 3 on dy).
  const g: ConvGeometry = {
    batchSize: 4, inputChannels: 3, inputHeight: 7, inputWidth: 6, filters: 5,
    filterHeight: 3, filterWidth: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 2, dilationW: 2,
    outputHeight: 5, outputWidth: 4,
  };
  assert.ok(canFlipBackwardData(g));
  const taps = g.filterHeight * g.filterWidth;
  const args: KernelArgs = {
    ...g,
    outputGrad: gaussianArray(g.batchSize * g.filters * g.outputHeight * g.outputWidth, rng),
    flippedWeights: gaussianArray(g.inputChannels * g.filters * taps, rng),
    inputGrad: gaussianArray(g.batchSize * g.inputChannels * g.inputHeight * g.inputWidth, rng),
  };
  assertSplitInvariant('conv2dBackwardDataFlipped', args, g.batchSize, ['inputGrad']);
  assertSplitInvariant('conv2dBackwardDataImplicit', args, g.batchSize, ['inputGrad']);
});

test('conv backward-weights (im2col) with K and C·FH·FW past the GEMM blocks: same bits for 1-4 patch-entry parts', () => {
  // K = 70 > MC = 64 rows and C·FH·FW = 300 > NC = 256 columns, H′W′ = 260 > KC = 256 depth.
  const rng = new Rng(33);
  const g: ConvGeometry = {
    batchSize: 2, inputChannels: 12, inputHeight: 13, inputWidth: 20, filters: 70,
    filterHeight: 5, filterWidth: 5, strideH: 1, strideW: 1, padH: 2, padW: 2, dilationH: 1, dilationW: 1,
    outputHeight: 13, outputWidth: 20,
  };
  const patch = g.inputChannels * g.filterHeight * g.filterWidth;
  const pixels = g.outputHeight * g.outputWidth;
  const args: KernelArgs = {
    ...g,
    outputGrad: gaussianArray(g.batchSize * g.filters * pixels, rng),
    columns: gaussianArray(g.batchSize * patch * pixels, rng),
    weightsGrad: gaussianArray(g.filters * patch, rng),
    biasGrad: gaussianArray(g.filters, rng),
  };
  assertSplitInvariant('conv2dBackwardWeightsIm2col', args, patch, ['weightsGrad', 'biasGrad']);
});

test('pool kernels: same bits for 1-4 plane parts, overlapping windows', () => {
  const rng = new Rng(34);
  // 3x2 windows at stride 2x1 overlap; 6 planes (N = 2, C = 3) of 7x6 → 3x5.
  const pool: WindowGeometry = {
    inputHeight: 7, inputWidth: 6, filterHeight: 3, filterWidth: 2, strideH: 2, strideW: 1, outputHeight: 3, outputWidth: 5,
  };
  const planes = 6;
  const inputSize = planes * 7 * 6;
  const outputSize = planes * 3 * 5;
  const input = gaussianArray(inputSize, rng);
  const argmax = new Int32Array(outputSize);
  assertSplitInvariant('maxPoolForward', { ...pool, input, output: gaussianArray(outputSize, rng), argmax }, planes, ['output', 'argmax']);
  // A real argmax for backward: from one forward run.
  const forward = runSplit('maxPoolForward', { ...pool, input, output: new Float32Array(outputSize), argmax }, planes, 1);
  const outputGrad = gaussianArray(outputSize, rng);
  assertSplitInvariant(
    'maxPoolBackward', { ...pool, outputGrad, argmax: forward.argmax, inputGrad: gaussianArray(inputSize, rng) }, planes, ['inputGrad'],
  );
  assertSplitInvariant('avgPoolForward', { ...pool, input, output: gaussianArray(outputSize, rng) }, planes, ['output']);
  assertSplitInvariant('avgPoolBackward', { ...pool, outputGrad, inputGrad: gaussianArray(inputSize, rng) }, planes, ['inputGrad']);
});

test('every registered kernel is covered by this spec', () => {
  const covered = [
    'gemmRows', 'conv2dForwardNaive', 'conv2dBackwardDataNaive', 'conv2dBackwardWeightsNaive',
    'conv2dForwardIm2col', 'conv2dBackwardWeightsIm2col', 'conv2dBackwardDataIm2col', 'conv2dBackwardDataFlipped',
    'conv2dForwardImplicit', 'conv2dBackwardWeightsImplicit', 'conv2dBackwardDataImplicit',
    'maxPoolForward', 'maxPoolBackward', 'avgPoolForward', 'avgPoolBackward', 'reluForward', 'reluBackward',
    'batchNormInputSums', 'batchNormAffine', 'batchNormGradientSums', 'batchNormInputGrad',
    'fullyConnectedForwardNaive', 'fullyConnectedBackwardWeightsNaive', 'fullyConnectedBackwardDataNaive',
  ];
  assert.deepEqual(Object.keys(kernelRegistry).sort(), covered.sort());
});

test('naive fully connected kernels: same bits for 1-4 sample or output parts', () => {
  const rng = new Rng(38);
  const geometry = { batchSize: 5, inputSize: 11, outputs: 7 };
  const [N, D, K] = [geometry.batchSize, geometry.inputSize, geometry.outputs];
  const input = gaussianArray(N * D, rng);
  const weights = gaussianArray(K * D, rng);
  const outputGrad = gaussianArray(N * K, rng);
  assertSplitInvariant('fullyConnectedForwardNaive', {
    ...geometry, input, weights, bias: gaussianArray(K, rng), output: gaussianArray(N * K, rng),
  }, N, ['output']);
  assertSplitInvariant('fullyConnectedBackwardWeightsNaive', {
    ...geometry, outputGrad, input, weightsGrad: gaussianArray(K * D, rng), biasGrad: gaussianArray(K, rng),
  }, K, ['weightsGrad', 'biasGrad']);
  assertSplitInvariant('fullyConnectedBackwardDataNaive', {
    ...geometry, outputGrad, weights, inputGrad: gaussianArray(N * D, rng),
  }, N, ['inputGrad']);
});

test('relu kernels: same bits for 1-4 element parts', () => {
  const rng = new Rng(36);
  const count = 101;
  const input = gaussianArray(count, rng);
  input[7] = 0; // the kink: forward 0, backward 0
  assertSplitInvariant('reluForward', { input, output: gaussianArray(count, rng) }, count, ['output']);
  assertSplitInvariant('reluBackward', { input, outputGrad: gaussianArray(count, rng), inputGrad: gaussianArray(count, rng) }, count, ['inputGrad']);
});

test('batch-norm row kernels: same bits for 1-4 row parts, with and without the fused ReLU', () => {
  const rng = new Rng(37);
  const [N, C, S] = [3, 5, 6];
  const rows = N * C;
  const input = gaussianArray(N * C * S, rng);
  const common = { channels: C, spatialSize: S, pass: 1 };
  assertSplitInvariant('batchNormInputSums', { ...common, input, rowSums: Float64Array.from(gaussianArray(2 * rows, rng)) }, rows, ['rowSums']);
  const forwardCoefficients = Float64Array.from(gaussianArray(2 * C, rng));
  for (const relu of [false, true]) {
    assertSplitInvariant('batchNormAffine', { ...common, relu, input, output: gaussianArray(N * C * S, rng), coefficients: forwardCoefficients }, rows, ['output']);
    const backward = { ...common, relu, forwardCoefficients, outputGrad: gaussianArray(N * C * S, rng), input };
    assertSplitInvariant('batchNormGradientSums', { ...backward, rowSums: Float64Array.from(gaussianArray(2 * rows, rng)) }, rows, ['rowSums']);
    assertSplitInvariant('batchNormInputGrad', {
      ...backward, inputGrad: gaussianArray(N * C * S, rng), coefficients: Float64Array.from(gaussianArray(3 * C, rng)),
    }, rows, ['inputGrad']);
  }
});
