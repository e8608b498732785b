/**
 * Where max pooling sends the gradient when a window holds several equal maxima, on every pooling
 * path: the unrolled 2×2 fast path, the general window loop (3×3, non-square), stride = size,
 * stride < size (overlapping windows) and stride > size (gaps), each run serially and on worker pools
 * of 2 and 3 threads (which cut the plane range in different places).
 *
 * The convention (documented in src/layers/max-pool.ts and src/kernels/pooling.ts): the FIRST
 * maximum in row-major scan order of the window (fy, then fx) wins, and backward adds dy to that one
 * input only. The reference below is written from that sentence, independently of the kernels: it
 * scans each window in row-major order and replaces the winner only on a strictly larger value.
 * Comparing values alone cannot see a tie-breaking bug (every tied candidate has the same value),
 * so every case here compares the full dx, element for element.
 *
 * Average pooling has no ties but has a divisor: always FH·FW (there is no padding, every window
 * is full). The hand-worked 3×3 stride-2 case below checks it on overlapping windows.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { AvgPool2d } from '../../src/layers/avg-pool.ts';
import { TRAINING } from '../../src/layers/layer.ts';
import { MaxPool2d } from '../../src/layers/max-pool.ts';
import type { Executor } from '../../src/parallel/executor.ts';
import { serialExecutor } from '../../src/parallel/serial-executor.ts';
import { WorkerPool } from '../../src/parallel/worker-pool.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const pools = [new WorkerPool({ workers: 2 }), new WorkerPool({ workers: 3 })];
after(() => Promise.all(pools.map((pool) => pool.close())));
const executors: { label: string; executor: Executor }[] = [
  { label: 'serial', executor: serialExecutor },
  { label: '2 workers', executor: pools[0] },
  { label: '3 workers', executor: pools[1] },
];

type Window = { size: [number, number]; stride: [number, number] };

/**
 * Reference max pooling of one (N, C, H, W) input: returns y and dx for the given dy.
 * Winner: the first maximum in row-major scan order of the window (strictly larger replaces).
 */
function referenceMaxPool(
  input: Float32Array, shape: [number, number, number, number], window: Window, outputGrad: Float32Array,
): { output: number[]; inputGrad: number[] } {
  const [batch, channels, height, width] = shape;
  const [fh, fw] = window.size;
  const [sh, sw] = window.stride;
  const outputHeight = (height - fh) / sh + 1;
  const outputWidth = (width - fw) / sw + 1;
  const output: number[] = [];
  const inputGrad = new Array<number>(input.length).fill(0);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      for (let oy = 0; oy < outputHeight; oy++) {
        for (let ox = 0; ox < outputWidth; ox++) {
          let winner = -1;
          for (let fy = 0; fy < fh; fy++) {
            for (let fx = 0; fx < fw; fx++) {
              const index = ((n * channels + c) * height + oy * sh + fy) * width + ox * sw + fx;
              if (winner < 0 || input[index] > input[winner]) winner = index;
            }
          }
          output.push(input[winner]);
          inputGrad[winner] += outputGrad[o];
          o++;
        }
      }
    }
  }
  return { output, inputGrad };
}

/** Every pooling path: 2×2 fast path at strides 2, 1 and 3; general windows 3×3, 2×3, 3×2, 1×3. */
const WINDOWS: Window[] = [
  { size: [2, 2], stride: [2, 2] },
  { size: [2, 2], stride: [1, 1] },
  { size: [2, 2], stride: [3, 3] },
  { size: [2, 2], stride: [1, 2] },
  { size: [3, 3], stride: [3, 3] },
  { size: [3, 3], stride: [2, 2] },
  { size: [3, 3], stride: [1, 1] },
  { size: [3, 3], stride: [4, 4] },
  { size: [2, 3], stride: [2, 3] },
  { size: [3, 2], stride: [1, 2] },
  { size: [1, 3], stride: [1, 3] },
];

test('max pool ties: dx goes to the first maximum in row-major order, every window shape and stride, serial and on workers', () => {
  const rng = new Rng(12);
  for (const window of WINDOWS) {
    const [fh, fw] = window.size;
    const [sh, sw] = window.stride;
    // 4×5 outputs per plane; N = 2, C = 3 gives 6 planes for the pools to split.
    const height = fh + 3 * sh;
    const width = fw + 4 * sw;
    const shape: [number, number, number, number] = [2, 3, height, width];
    const input = Tensor.zeros(shape);
    // Values from {0, 1, 2}: most windows hold a tie for their maximum, in every position.
    for (let i = 0; i < input.size; i++) input.data[i] = rng.int(3);
    for (const { label, executor } of executors) {
      const layer = new MaxPool2d({ inputShape: [3, height, width], size: window.size, stride: window.stride });
      layer.setExecutor(executor);
      const y = layer.forward(input, TRAINING);
      // Distinct output gradients (powers-of-two steps stay exact) so every misrouted dy shows.
      const dy = Tensor.zeros(y.shape);
      for (let i = 0; i < dy.size; i++) dy.data[i] = 1 + i / 8;
      const dx = layer.backward(dy);
      const expected = referenceMaxPool(input.data, shape, window, dy.data);
      const where = `${fh}x${fw} stride ${sh}x${sw}, ${label}`;
      assert.deepEqual(y.toArray(), expected.output, `${where}: forward values`);
      assert.deepEqual(dx.toArray(), expected.inputGrad, `${where}: where the gradient goes`);
    }
  }
});

test('max pool 3x3 ties by hand: an all-equal window and a late tie route dy to the first position', () => {
  // Two 3×3 windows side by side (stride 3). Left: all 4 → position (0, 0). Right: 9 at (0, 2)
  // and again at (2, 1) → the first one, (0, 2) of the window = column 5 of row 0.
  const layer = new MaxPool2d({ inputShape: [1, 3, 6], size: 3 });
  const x = Tensor.from([
    4, 4, 4, 1, 2, 9,
    4, 4, 4, 0, 3, 5,
    4, 4, 4, 8, 9, 7,
  ], [1, 1, 3, 6]);
  assert.deepEqual(layer.forward(x, TRAINING).toArray(), [4, 9]);
  assert.deepEqual(layer.backward(Tensor.from([10, 20], [1, 1, 1, 2])).toArray(), [
    10, 0, 0, 0, 0, 20,
    0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0,
  ]);
});

test('max pool 2x2 stride 1 ties by hand: overlapping windows that share a tied maximum add onto it', () => {
  // 2×3 input, two windows [5 5 / 5 5] and [5 1 / 5 0]: both pick their first 5, which for the
  // second window is x = 1, also the top-right of the first window (not the winner there).
  const layer = new MaxPool2d({ inputShape: [1, 2, 3], size: 2, stride: 1 });
  const x = Tensor.from([
    5, 5, 1,
    5, 5, 0,
  ], [1, 1, 2, 3]);
  assert.deepEqual(layer.forward(x, TRAINING).toArray(), [5, 5]);
  assert.deepEqual(layer.backward(Tensor.from([3, 7], [1, 1, 1, 2])).toArray(), [
    3, 7, 0,
    0, 0, 0,
  ]);
});

test('average pool 3x3 stride 2: the divisor is FH·FW = 9 and overlapping windows add (hand-computed), serial and on workers', () => {
  // 5×5 plane holding 1..25; windows at (0,0), (0,2), (2,0), (2,2).
  // Window (0,0): rows 1..3, 6..8, 11..13 → sum 63, mean 7. Each window's mean is its centre:
  // 7, 9, 17, 19.
  const values = Array.from({ length: 25 }, (_, i) => i + 1);
  for (const { label, executor } of executors) {
    const layer = new AvgPool2d({ inputShape: [1, 5, 5], size: 3, stride: 2 });
    layer.setExecutor(executor);
    // Two images so that a worker pool has more than one plane to split.
    const x = Tensor.from([...values, ...values.map((v) => 2 * v)], [2, 1, 5, 5]);
    assert.deepEqual(layer.forward(x, TRAINING).toArray(), [7, 9, 17, 19, 14, 18, 34, 38], label);
    // dy = 9, 18, 27, 36 → shares 1, 2, 3, 4; the middle row and column belong to two windows and
    // the centre pixel to all four (1 + 2 + 3 + 4 = 10).
    const dx = layer.backward(Tensor.from([9, 18, 27, 36, 0, 0, 0, 0], [2, 1, 2, 2]));
    assert.deepEqual(dx.toArray().slice(0, 25), [
      1, 1, 3, 2, 2,
      1, 1, 3, 2, 2,
      4, 4, 10, 6, 6,
      3, 3, 7, 4, 4,
      3, 3, 7, 4, 4,
    ], label);
    assert.deepEqual(dx.toArray().slice(25), new Array(25).fill(0), label);
  }
});
