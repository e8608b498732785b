import assert from 'node:assert/strict';
import { recordingExecutor } from '../parallel/fixtures/recording-executor.ts';
import { test } from 'node:test';
import { ConfigError, ShapeError } from '../../src/errors.ts';
import { Conv2d } from '../../src/layers/conv2d.ts';
import type { ConvImplementation } from '../../src/layers/conv2d.ts';
import { TRAINING } from '../../src/layers/layer.ts';
import type { Executor, KernelArgs, KernelHandle } from '../../src/parallel/executor.ts';
import { kernelName } from '../../src/kernels/kernel.ts';
import { serialExecutor } from '../../src/parallel/serial-executor.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const IMPLEMENTATIONS: ConvImplementation[] = ['implicit-gemm', 'im2col', 'naive'];

/** The hand-worked example: N = 1, C = 2, 3x3 input, K = 2 filters of 2x2, stride 1, no padding. */
function tinyConv(implementation: ConvImplementation): { layer: Conv2d; input: Tensor } {
  const layer = new Conv2d({ inputShape: [2, 3, 3], filters: 2, size: 2, implementation, rng: new Rng(1) });
  layer.weights.value.data.set([
    1, 0, 0, -1, /* k0 c0 */ 0, 1, 1, 0, // k0 c1
    1, 1, 1, 1, /* k1 c0 */ 0, 0, 0, 0, // k1 c1
  ]);
  layer.bias.value.data.set([0.5, -1]);
  const input = Tensor.from([
    1, 2, 0, 0, 1, 3, 2, 1, 1, // c0
    0, 1, 1, 1, 0, 2, 1, 1, 0, // c1
  ], [1, 2, 3, 3]);
  return { layer, input };
}

for (const implementation of IMPLEMENTATIONS) {
  test(`${implementation}: forward of the hand-worked 2-channel example`, () => {
    const { layer, input } = tinyConv(implementation);
    const y = layer.forward(input, TRAINING);
    assert.deepEqual(y.shape, [1, 2, 2, 2]);
    // k0: x0[y][x] − x0[y+1][x+1] + x1[y][x+1] + x1[y+1][x] + 0.5;  k1: sum of the c0 window − 1.
    assert.deepEqual(y.toArray(), [2.5, 0.5, 0.5, 3.5, 3, 5, 3, 5]);
  });

  test(`${implementation}: backward of the hand-worked example routes dy to the right taps`, () => {
    const { layer, input } = tinyConv(implementation);
    layer.forward(input, TRAINING);
    // dy = 1 at output (k0, 0, 0), zero elsewhere.
    const dy = Tensor.from([1, 0, 0, 0, 0, 0, 0, 0], [1, 2, 2, 2]);
    const dx = layer.backward(dy);
    // dw[k0] = the input patch at (0, 0); dw[k1] = 0; db = [1, 0].
    assert.deepEqual(layer.weights.grad.toArray(), [1, 2, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(layer.bias.grad.toArray(), [1, 0]);
    // dx = w[k0] laid on the top-left window.
    assert.deepEqual(dx.toArray(), [1, 0, 0, 0, -1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
  });

  test(`${implementation}: padding 1 and stride 2 on a 3x3 input sum the zero-padded neighbourhoods`, () => {
    const layer = new Conv2d({ inputShape: [1, 3, 3], filters: 1, size: 3, stride: 2, pad: 1, implementation, init: (w) => w.fill(1) });
    const y = layer.forward(Tensor.from([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]), TRAINING);
    assert.deepEqual(y.shape, [1, 1, 2, 2]);
    assert.deepEqual(y.toArray(), [1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 4 + 5 + 7 + 8, 5 + 6 + 8 + 9]);
  });

  test(`${implementation}: gradients accumulate over backward calls; dx is returned fresh`, () => {
    const rng = new Rng(5);
    const layer = new Conv2d({ inputShape: [2, 5, 4], filters: 3, size: [3, 2], pad: 1, implementation, rng });
    const x = Tensor.gaussian([2, 2, 5, 4], rng);
    const dy = Tensor.gaussian([2, ...layer.outputShape], rng);
    layer.forward(x, TRAINING);
    const dx1 = layer.backward(dy).clone();
    const once = layer.weights.grad.clone();
    const bias = layer.bias.grad.clone();
    layer.forward(x, TRAINING);
    const dx2 = layer.backward(dy);
    assert.deepEqual(dx2.toArray(), dx1.toArray());
    // Twice the single gradient, up to the float32 rounding of the second addition.
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
    for (let i = 0; i < once.size; i++) assert.ok(close(layer.weights.grad.data[i], 2 * once.data[i]), `dw[${i}]`);
    for (let i = 0; i < bias.size; i++) assert.ok(close(layer.bias.grad.data[i], 2 * bias.data[i]), `db[${i}]`);
    assert.ok(once.data.some((v) => v !== 0));
  });
}

test('forward checks the input shape and names the layer', () => {
  const layer = new Conv2d({ inputShape: [2, 3, 3], filters: 2, size: 2, name: 'conv7', rng: new Rng(1) });
  assert.throws(
    () => layer.forward(Tensor.zeros([1, 2, 3, 4]), TRAINING),
    (e: unknown) => e instanceof ShapeError && e.message === 'conv7: expected input of shape (N, 2, 3, 3) with N ≥ 1, got (1, 2, 3, 4)',
  );
  assert.throws(() => layer.forward(Tensor.zeros([2, 3, 3]), TRAINING), ShapeError);
});

test('backward needs a forward first; a strided im2col backward twice after one forward is refused', () => {
  // Stride 2: backward-data overwrites the im2col columns, so a second backward has no patches.
  const layer = new Conv2d({ inputShape: [1, 4, 4], filters: 1, size: 2, stride: 2, name: 'c', implementation: 'im2col', rng: new Rng(1) });
  assert.throws(() => layer.backward(Tensor.zeros([1, 1, 2, 2])), ConfigError);
  layer.forward(Tensor.zeros([1, 1, 4, 4]), TRAINING);
  layer.backward(Tensor.zeros([1, 1, 2, 2]));
  assert.throws(() => layer.backward(Tensor.zeros([1, 1, 2, 2])), (e: unknown) => e instanceof ConfigError && /c: backward needs a forward/.test(e.message));
  assert.throws(() => {
    layer.forward(Tensor.zeros([1, 1, 4, 4]), TRAINING);
    layer.backward(Tensor.zeros([1, 1, 3, 3]));
  }, ShapeError);
});

test('implicit GEMM keeps only the input: a strided backward twice after one forward adds the same dw again', () => {
  for (const stride of [1, 2]) {
    const layer = new Conv2d({ inputShape: [2, 5, 5], filters: 3, size: 3, pad: 1, stride, name: 'c', rng: new Rng(2) });
    assert.equal(layer.implementation, 'implicit-gemm');
    const outputSize = stride === 1 ? 5 : 3;
    assert.throws(() => layer.backward(Tensor.zeros([2, 3, outputSize, outputSize])), (e: unknown) => e instanceof ConfigError && /c: backward called before forward/.test(e.message));
    const rng = new Rng(3);
    layer.forward(Tensor.gaussian([2, 2, 5, 5], rng), TRAINING);
    const dy = Tensor.gaussian([2, 3, outputSize, outputSize], rng);
    const dx1 = layer.backward(dy).clone();
    const dw1 = layer.weights.grad.clone();
    const dx2 = layer.backward(dy);
    assert.deepEqual(dx2.toArray(), dx1.toArray());
    layer.weights.grad.data.forEach((v, i) => assert.ok(Math.abs(v - 2 * dw1.data[i]) <= 1e-5 * (1 + Math.abs(v))));
  }
});

test('stride 1 keeps the columns: a second backward adds the same dw again and returns the same dx', () => {
  const layer = new Conv2d({ inputShape: [2, 5, 5], filters: 3, size: 3, pad: 1, implementation: 'im2col', rng: new Rng(2) });
  const rng = new Rng(3);
  layer.forward(Tensor.gaussian([2, 2, 5, 5], rng), TRAINING);
  const dy = Tensor.gaussian([2, 3, 5, 5], rng);
  const dx1 = layer.backward(dy).clone();
  const dw1 = layer.weights.grad.clone();
  const dx2 = layer.backward(dy);
  assert.deepEqual(dx2.toArray(), dx1.toArray());
  layer.weights.grad.data.forEach((v, i) => assert.ok(Math.abs(v - 2 * dw1.data[i]) <= 1e-5 * (1 + Math.abs(v))));
});

test('needInputGrad = false skips backward-data but gives the same dw and db', () => {
  for (const implementation of IMPLEMENTATIONS) {
    const calls: string[] = [];
    const recorder: Executor = {
      threads: 1,
      parallelFor<Args extends KernelArgs>(kernel: KernelHandle<Args> | string, args: Args, total: number) {
        calls.push(kernelName(kernel));
        serialExecutor.parallelFor(kernel, args, total);
      },
    };
    const rng = new Rng(6);
    const options = { inputShape: [2, 6, 5], filters: 3, size: 3, pad: 1, implementation };
    const full = new Conv2d({ ...options, rng: new Rng(2) });
    const first = new Conv2d({ ...options, rng: new Rng(2) });
    first.setExecutor(recorder);
    const x = Tensor.gaussian([2, 2, 6, 5], rng);
    const dy = Tensor.gaussian([2, 3, 6, 5], rng);
    full.forward(x, TRAINING);
    full.backward(dy);
    first.forward(x, TRAINING);
    first.backward(dy, false);
    assert.deepEqual(first.weights.grad.toArray(), full.weights.grad.toArray());
    assert.deepEqual(first.bias.grad.toArray(), full.bias.grad.toArray());
    assert.ok(!calls.some((name) => name.startsWith('conv2dBackwardData')), calls.join());
  }
});

test('buffers are reused for the same batch size and reallocated when N changes', () => {
  const layer = new Conv2d({ inputShape: [1, 4, 4], filters: 2, size: 3, rng: new Rng(1) });
  const first = layer.forward(Tensor.zeros([3, 1, 4, 4]), TRAINING);
  const second = layer.forward(Tensor.zeros([3, 1, 4, 4]), TRAINING);
  assert.equal(second, first);
  const dx1 = layer.backward(Tensor.zeros([3, 2, 2, 2]));
  layer.forward(Tensor.zeros([3, 1, 4, 4]), TRAINING);
  assert.equal(layer.backward(Tensor.zeros([3, 2, 2, 2])), dx1);
  const other = layer.forward(Tensor.zeros([5, 1, 4, 4]), TRAINING);
  assert.notEqual(other, first);
  assert.deepEqual(other.shape, [5, 2, 2, 2]);
});

test('runs its kernels through the executor: forward/backward-data over images, backward-weights over patch entries (GEMM paths) or filters (naive)', () => {
  const calls: string[] = [];
  const recorder = recordingExecutor(calls);
  for (const [implementation, stride] of [['implicit-gemm', 1], ['implicit-gemm', 2], ['im2col', 1], ['im2col', 2], ['naive', 1]] as const) {
    // 5×5 input, 3×3 filters: stride 1 → 3×3 output, stride 2 → 2×2. C = 3, K = 5: 2·C ≥ K, so
    // stride 1 takes the flipped-filter backward-data.
    const layer = new Conv2d({ inputShape: [3, 5, 5], filters: 5, size: 3, stride, implementation, rng: new Rng(1) });
    layer.setExecutor(recorder);
    layer.forward(Tensor.zeros([3, 3, 5, 5]), TRAINING);
    layer.backward(Tensor.zeros([3, 5, stride === 1 ? 3 : 2, stride === 1 ? 3 : 2]));
  }
  assert.deepEqual(calls, [
    // C·FH·FW = 27 patch entries.
    // Implicit backward-weights: ⌈5/4⌉ filter groups × ⌈27/4⌉ entry groups = 14 blocks of dw.
    'conv2dForwardImplicit:3', 'conv2dBackwardWeightsImplicit:14', 'conv2dBackwardDataImplicit:3',
    'conv2dForwardImplicit:3', 'conv2dBackwardWeightsImplicit:14', 'conv2dBackwardDataIm2col:3',
    'conv2dForwardIm2col:3', 'conv2dBackwardWeightsIm2col:27', 'conv2dBackwardDataFlipped:3',
    'conv2dForwardIm2col:3', 'conv2dBackwardWeightsIm2col:27', 'conv2dBackwardDataIm2col:3',
    'conv2dForwardNaive:3', 'conv2dBackwardWeightsNaive:5', 'conv2dBackwardDataNaive:3',
  ]);
});

test('default initialization: He gaussian std sqrt(2/(C·FH·FW)) from the rng, zero bias that is not decayed', () => {
  const layer = new Conv2d({ inputShape: [8, 9, 9], filters: 64, size: 3, rng: new Rng(4) });
  const w = layer.weights.value.data;
  let sum = 0;
  let squares = 0;
  for (const v of w) {
    sum += v;
    squares += v * v;
  }
  const mean = sum / w.length;
  const std = Math.sqrt(squares / w.length - mean * mean);
  const expected = Math.sqrt(2 / (8 * 3 * 3));
  assert.ok(Math.abs(std - expected) < 0.05 * expected, `std ${std} vs ${expected}`);
  assert.ok(Math.abs(mean) < 0.05 * expected);
  assert.deepEqual(layer.bias.value.toArray(), new Array(64).fill(0));
  assert.equal(layer.bias.decayMultiplier, 0);
  assert.equal(layer.weights.decayMultiplier, 1);
  // Same seed, same bits.
  assert.deepEqual(new Conv2d({ inputShape: [8, 9, 9], filters: 64, size: 3, rng: new Rng(4) }).weights.value.toArray(), [...w]);
});

test('init hook gets fanIn = C·FH·FW and fanOut = K·FH·FW; without rng or init the layer refuses', () => {
  let seen: number[] = [];
  new Conv2d({ inputShape: [3, 8, 8], filters: 4, size: [3, 5], pad: [1, 2], init: (w, fanIn, fanOut) => { seen = [...w.shape, fanIn, fanOut]; } });
  assert.deepEqual(seen, [4, 3, 3, 5, 45, 60]);
  assert.throws(() => new Conv2d({ inputShape: [3, 8, 8], filters: 4, size: 3, pad: 1 }), ConfigError);
});

test('bad options are ConfigErrors naming the layer', () => {
  const base = { inputShape: [1, 8, 8], filters: 2, size: 3, rng: new Rng(1), name: 'convX' };
  assert.throws(() => new Conv2d({ ...base, filters: 0 }), /convX: 'filters'/);
  assert.throws(() => new Conv2d({ ...base, size: [3, 0] }), /convX: 'size'/);
  assert.throws(() => new Conv2d({ ...base, stride: 1.5 }), /convX: 'stride'/);
  assert.throws(() => new Conv2d({ ...base, pad: -1 }), /convX: 'pad'/);
  assert.throws(() => new Conv2d({ ...base, inputShape: [8, 8] }), /convX: 'inputShape'/);
  assert.throws(() => new Conv2d({ ...base, implementation: 'fft' as ConvImplementation }), /convX: 'implementation'/);
});

test('config() returns the hyper-parameters', () => {
  const layer = new Conv2d({ inputShape: [3, 9, 8], filters: 4, size: [3, 2], stride: [2, 1], pad: [1, 2], dilation: 2, name: 'conv1', rng: new Rng(1) });
  assert.deepEqual(layer.config(), { type: 'conv', name: 'conv1', filters: 4, size: [3, 2], stride: [2, 1], pad: [1, 2], dilation: 2 });
  const naive = new Conv2d({ inputShape: [1, 5, 5], filters: 1, size: 3, implementation: 'naive', rng: new Rng(1) });
  assert.deepEqual(naive.config(), { type: 'conv', name: 'conv', filters: 1, size: [3, 3], stride: [1, 1], pad: [0, 0], dilation: 1, implementation: 'naive' });
});

test('im2col: a smaller batch after a larger one reuses the columns and still matches naive', () => {
  const rng = new Rng(12);
  const options = { inputShape: [2, 5, 5], filters: 3, size: 3, pad: 1 };
  const fast = new Conv2d({ ...options, rng: new Rng(3) });
  const naive = new Conv2d({ ...options, implementation: 'naive', rng: new Rng(3) });
  for (const batch of [4, 2, 3]) {
    const x = Tensor.gaussian([batch, 2, 5, 5], rng);
    const dy = Tensor.gaussian([batch, 3, 5, 5], rng);
    const y = fast.forward(x, TRAINING).toArray();
    const yNaive = naive.forward(x, TRAINING).toArray();
    const dx = fast.backward(dy).toArray();
    const dxNaive = naive.backward(dy).toArray();
    for (let i = 0; i < y.length; i++) assert.ok(Math.abs(y[i] - yNaive[i]) <= 1e-5 * Math.max(1, Math.abs(yNaive[i])), `batch ${batch}: y[${i}]`);
    for (let i = 0; i < dx.length; i++) assert.ok(Math.abs(dx[i] - dxNaive[i]) <= 1e-5 * Math.max(1, Math.abs(dxNaive[i])), `batch ${batch}: dx[${i}]`);
  }
});
