import assert from 'node:assert/strict';
import { recordingExecutor } from '../parallel/fixtures/recording-executor.ts';
import { test } from 'node:test';
import { ConfigError, ShapeError } from '../../src/errors.ts';
import { AvgPool2d } from '../../src/layers/avg-pool.ts';
import type { Layer } from '../../src/layers/layer.ts';
import { TRAINING } from '../../src/layers/layer.ts';
import { KERNEL_TIERS, kernelTier, setKernelTier } from '../../src/kernels/engines/kernel-tier.ts';
import { maxPoolForward } from '../../src/kernels/pooling.ts';
import { MaxPool2d } from '../../src/layers/max-pool.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { STEP, checkLayerGradients } from '../../src/nn/gradcheck.ts';

/** One 4x4 plane: 2x2 windows at stride 2 give the maxima 6, 8, 14, 16 and the means 3, 6.5, 11, 14.5. */
const PLANE = [
  1, 2, 5, 6,
  3, 6, 7, 8,
  9, 10, 13, 14,
  11, 14, 15, 16,
];

test('max pool 2x2 stride 2: forward values and gradient routing (hand-computed)', () => {
  const layer = new MaxPool2d({ inputShape: [1, 4, 4], size: 2 });
  const y = layer.forward(Tensor.from(PLANE, [1, 1, 4, 4]), TRAINING);
  assert.deepEqual(y.shape, [1, 1, 2, 2]);
  assert.deepEqual(y.toArray(), [6, 8, 14, 16]);
  const dx = layer.backward(Tensor.from([10, 20, 30, 40], [1, 1, 2, 2]));
  assert.deepEqual(dx.toArray(), [
    0, 0, 0, 0,
    0, 10, 0, 20,
    0, 0, 0, 0,
    0, 30, 0, 40,
  ]);
});

test('max pool ties: the first maximum in row-major window order takes the whole gradient', () => {
  const layer = new MaxPool2d({ inputShape: [1, 2, 6], size: 2 });
  // Windows: [5 5 / 1 5] (tie across the top row), [0 2 / 2 2] (tie top-right, bottom row),
  // [7 7 / 7 7] (all equal).
  const x = Tensor.from([
    5, 5, 0, 2, 7, 7,
    1, 5, 2, 2, 7, 7,
  ], [1, 1, 2, 6]);
  assert.deepEqual(layer.forward(x, TRAINING).toArray(), [5, 2, 7]);
  const dx = layer.backward(Tensor.from([1, 2, 3], [1, 1, 1, 3]));
  assert.deepEqual(dx.toArray(), [
    1, 0, 0, 2, 3, 0,
    0, 0, 0, 0, 0, 0,
  ]);
});

test('max pool with overlapping windows (3x3 stride 2) adds the gradients of every window an input wins', () => {
  const layer = new MaxPool2d({ inputShape: [1, 5, 5], size: 3, stride: 2 });
  const x = Tensor.zeros([1, 1, 5, 5]);
  x.set(9, 0, 0, 2, 2); // the centre is in all four windows and is their maximum
  assert.deepEqual(layer.forward(x, TRAINING).toArray(), [9, 9, 9, 9]);
  const dx = layer.backward(Tensor.from([1, 2, 3, 4], [1, 1, 2, 2]));
  assert.equal(dx.get(0, 0, 2, 2), 10);
  assert.equal(dx.toArray().reduce((a, b) => a + b, 0), 10);
});

test('average pool 2x2 stride 2: forward means and backward shares dy/(F·F) (hand-computed)', () => {
  const layer = new AvgPool2d({ inputShape: [1, 4, 4], size: 2 });
  const y = layer.forward(Tensor.from(PLANE, [1, 1, 4, 4]), TRAINING);
  assert.deepEqual(y.toArray(), [3, 6.5, 11, 14.5]);
  const dx = layer.backward(Tensor.from([4, 8, 12, 16], [1, 1, 2, 2]));
  assert.deepEqual(dx.toArray(), [
    1, 1, 2, 2,
    1, 1, 2, 2,
    3, 3, 4, 4,
    3, 3, 4, 4,
  ]);
});

test('pools keep channels and images apart (N = 2, C = 3, non-square window 2x3)', () => {
  const rng = new Rng(7);
  const x = Tensor.gaussian([2, 3, 4, 6], rng);
  const max = new MaxPool2d({ inputShape: [3, 4, 6], size: [2, 3] });
  const avg = new AvgPool2d({ inputShape: [3, 4, 6], size: [2, 3] });
  const yMax = max.forward(x, TRAINING);
  const yAvg = avg.forward(x, TRAINING);
  assert.deepEqual(yMax.shape, [2, 3, 2, 2]);
  for (let n = 0; n < 2; n++) {
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 2; y++) {
        for (let xo = 0; xo < 2; xo++) {
          let best = -Infinity;
          let sum = 0;
          for (let fy = 0; fy < 2; fy++) {
            for (let fx = 0; fx < 3; fx++) {
              const v = x.get(n, c, 2 * y + fy, 3 * xo + fx);
              best = Math.max(best, v);
              sum += v;
            }
          }
          assert.equal(yMax.get(n, c, y, xo), best);
          assert.ok(Math.abs(yAvg.get(n, c, y, xo) - sum / 6) < 1e-6);
        }
      }
    }
  }
});

/** Input values spaced 0.1 apart (a shuffled ramp): no window has a tie or near-tie within STEP. */
function spacedInput(shape: number[], rng: Rng): Tensor {
  const t = Tensor.zeros(shape);
  const order = rng.permutation(t.size);
  for (let i = 0; i < t.size; i++) t.data[i] = (order[i] - t.size / 2) * 0.1;
  assert.ok(0.1 > 2 * STEP);
  return t;
}

function checkPool(label: string, layer: Layer, input: Tensor, rng: Rng): void {
  checkLayerGradients(label, layer, input, rng);
}

test('gradcheck max pool: 2x2 stride 2, overlapping 3x3 stride 2, non-square 2x3 stride 1x2', () => {
  const rng = new Rng(8);
  checkPool('maxpool2', new MaxPool2d({ inputShape: [2, 6, 6], size: 2 }), spacedInput([2, 2, 6, 6], rng), rng);
  checkPool('maxpool3s2', new MaxPool2d({ inputShape: [2, 7, 7], size: 3, stride: 2 }), spacedInput([2, 2, 7, 7], rng), rng);
  checkPool('maxpool2x3s1x2', new MaxPool2d({ inputShape: [1, 5, 7], size: [2, 3], stride: [1, 2] }), spacedInput([3, 1, 5, 7], rng), rng);
});

test('gradcheck average pool: 2x2 stride 2 and overlapping 3x2 stride 1', () => {
  const rng = new Rng(9);
  checkPool('avgpool2', new AvgPool2d({ inputShape: [2, 6, 4], size: 2 }), Tensor.gaussian([2, 2, 6, 4], rng), rng);
  checkPool('avgpool3x2s1', new AvgPool2d({ inputShape: [1, 5, 4], size: [3, 2], stride: 1 }), Tensor.gaussian([3, 1, 5, 4], rng), rng);
});

test('pools run through the executor, one item per plane (N·C)', () => {
  const calls: string[] = [];
  const recorder = recordingExecutor(calls);
  for (const layer of [new MaxPool2d({ inputShape: [3, 4, 4], size: 2 }), new AvgPool2d({ inputShape: [3, 4, 4], size: 2 })]) {
    layer.setExecutor(recorder);
    layer.forward(Tensor.zeros([5, 3, 4, 4]), TRAINING);
    layer.backward(Tensor.zeros([5, 3, 2, 2]));
  }
  assert.deepEqual(calls, ['maxPoolForward:15', 'maxPoolBackward:15', 'avgPoolForward:15', 'avgPoolBackward:15']);
  // needInputGrad = false: a pool has no parameters, so backward has nothing to run.
  calls.length = 0;
  const max = new MaxPool2d({ inputShape: [3, 4, 4], size: 2 });
  max.setExecutor(recorder);
  max.forward(Tensor.zeros([5, 3, 4, 4]), TRAINING);
  max.backward(Tensor.zeros([5, 3, 2, 2]), false);
  assert.deepEqual(calls, ['maxPoolForward:15']);
});

test('pools check shapes and options, naming the layer', () => {
  const layer = new MaxPool2d({ inputShape: [2, 4, 4], size: 2, name: 'pool3' });
  assert.throws(
    () => layer.forward(Tensor.zeros([1, 3, 4, 4]), TRAINING),
    (e: unknown) => e instanceof ShapeError && e.message === 'pool3: expected input of shape (N, 2, 4, 4) with N ≥ 1, got (1, 3, 4, 4)',
  );
  assert.throws(() => layer.backward(Tensor.zeros([1, 2, 2, 2])), ConfigError);
  assert.throws(() => new AvgPool2d({ inputShape: [2, 4, 4], size: 0, name: 'p' }), /p: 'size'/);
  assert.throws(() => new AvgPool2d({ inputShape: [4, 4], size: 2, name: 'p' }), /p: 'inputShape'/);
  assert.throws(() => new AvgPool2d({ inputShape: [1, 5, 4], size: 2, name: 'p' }), ShapeError);
});

test('buffers are reused for the same batch size; config() returns the hyper-parameters', () => {
  const max = new MaxPool2d({ inputShape: [1, 4, 4], size: 2, name: 'pool1' });
  const first = max.forward(Tensor.zeros([2, 1, 4, 4]), TRAINING);
  assert.equal(max.forward(Tensor.zeros([2, 1, 4, 4]), TRAINING), first);
  assert.notEqual(max.forward(Tensor.zeros([3, 1, 4, 4]), TRAINING), first);
  assert.deepEqual(max.config(), { type: 'pool', mode: 'max', name: 'pool1', size: [2, 2], stride: [2, 2] });
  const avg = new AvgPool2d({ inputShape: [1, 7, 7], size: 3, stride: 2 });
  assert.deepEqual(avg.config(), { type: 'pool', mode: 'avg', name: 'pool', size: [3, 3], stride: [2, 2] });
  assert.deepEqual(avg.outputShape, [1, 3, 3]);
});

test('max pool forward (2x2 fast path and general windows) matches a first-maximum reference with ties and NaNs', () => {
  const rng = new Rng(8);
  const planes = 3;
  for (const [size, stride] of [[2, 2], [2, 1], [3, 2], [2, 3]] as const) {
    const [height, width] = [size + 3 * stride, size + 4 * stride];
    const input = new Float32Array(planes * height * width);
    // Values from {0, 1, 2, 3}: ties in most windows. A few NaNs: first in a window they win, later they are skipped.
    for (let i = 0; i < input.length; i++) input[i] = rng.uniform() < 0.05 ? NaN : rng.int(4);
    const layer = new MaxPool2d({ inputShape: [planes, height, width], size, stride });
    const [, outputHeight, outputWidth] = layer.outputShape;
    const y = layer.forward(Tensor.from(Array.from(input), [1, planes, height, width]), TRAINING);
    for (let plane = 0; plane < planes; plane++) {
      for (let oy = 0; oy < outputHeight; oy++) {
        for (let ox = 0; ox < outputWidth; ox++) {
          let best = NaN;
          let first = true;
          for (let fy = 0; fy < size; fy++) {
            for (let fx = 0; fx < size; fx++) {
              const value = input[(plane * height + oy * stride + fy) * width + ox * stride + fx];
              if (first || value > best) best = value;
              first = false;
            }
          }
          const got = y.data[(plane * outputHeight + oy) * outputWidth + ox];
          assert.ok(Object.is(got, best), `size ${size} stride ${stride} plane ${plane} (${oy}, ${ox}): ${got} vs ${best}`);
        }
      }
    }
  }
});

test('max pool 2x2 stride 2 gives the same bits and argmax on every kernel tier (SIMD: 4 windows a step, planes in chunks)', () => {
  const rng = new Rng(9);
  // Values with ties, ±0, ±Infinity and NaNs; shapes with W′ a multiple of 4 (the SIMD path), an odd
  // height (the last row unused), more planes than one chunk holds, and ranges not starting at plane 0.
  const choices = [0, -0, 1, 2, -1, Infinity, -Infinity, NaN, 0.5];
  for (const [planes, height, width, planeStart, planeEnd] of [[3, 8, 8, 0, 3], [5, 9, 16, 1, 5], [20, 32, 32, 0, 20], [34, 32, 32, 3, 31], [2, 6, 6, 0, 2]]) {
    const outputHeight = Math.floor((height - 2) / 2) + 1, outputWidth = Math.floor((width - 2) / 2) + 1;
    const input = new Float32Array(planes * height * width);
    for (let i = 0; i < input.length; i++) input[i] = choices[rng.int(choices.length)];
    const geometry = { inputHeight: height, inputWidth: width, filterHeight: 2, filterWidth: 2, strideH: 2, strideW: 2, outputHeight, outputWidth };
    const results = KERNEL_TIERS.map((tier) => {
      const before = kernelTier();
      setKernelTier(tier);
      try {
        const output = new Float32Array(planes * outputHeight * outputWidth).fill(7);
        const argmax = new Int32Array(output.length).fill(-1);
        maxPoolForward({ ...geometry, input, output, argmax }, planeStart, planeEnd);
        return { tier, output, argmax };
      } finally {
        setKernelTier(before);
      }
    });
    const [portable] = results.filter((result) => result.tier === 'portable');
    for (const { tier, output, argmax } of results) {
      assert.deepEqual(argmax, portable.argmax, `${tier}: argmax, ${planes}×${height}×${width} planes [${planeStart}, ${planeEnd})`);
      assert.deepEqual(new Int32Array(output.buffer), new Int32Array(portable.output.buffer), `${tier}: output bits, ${planes}×${height}×${width}`);
    }
  }
});
