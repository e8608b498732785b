import { test } from 'node:test';
import { recordingExecutor } from '../parallel/fixtures/recording-executor.ts';
import assert from 'node:assert/strict';
import { FullyConnected } from '../../src/layers/fully-connected.ts';
import { TRAINING } from '../../src/layers/layer.ts';
import { ConfigError, ShapeError } from '../../src/errors.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { checkLayerGradients } from '../../src/nn/gradcheck.ts';

const rng = new Rng(11);


test('forward computes y = x·Wᵀ + b (hand-worked values)', () => {
  const layer = new FullyConnected({ inputShape: [2], outputs: 3, rng });
  layer.weights.value.data.set([1, 2, 3, 4, 5, 6]); // W rows: [1,2], [3,4], [5,6]
  layer.bias.value.data.set([0.5, -1, 0]);
  const y = layer.forward(Tensor.from([1, 1, 2, -1], [2, 2]), TRAINING);
  assert.deepEqual(y.shape, [2, 3]);
  assert.deepEqual(y.toArray(), [3.5, 6, 11, 0.5, 1, 4]);
});

test('forward matches the formula summed in float64, on image-shaped input', () => {
  const layer = new FullyConnected({ inputShape: [2, 3, 3], outputs: 5, rng });
  layer.bias.value.data.set([0.1, -0.2, 0.3, 0, 1]);
  const x = Tensor.gaussian([4, 2, 3, 3], rng);
  const y = layer.forward(x, TRAINING);
  assert.deepEqual(y.shape, [4, 5]);
  for (let n = 0; n < 4; n++) {
    for (let k = 0; k < 5; k++) {
      let expected = layer.bias.value.data[k];
      for (let d = 0; d < 18; d++) expected += x.data[n * 18 + d] * layer.weights.value.data[k * 18 + d];
      assert.ok(Math.abs(y.get(n, k) - expected) < 1e-5, `y[${n}, ${k}] = ${y.get(n, k)}, expected ${expected}`);
    }
  }
});

test('gradcheck: vector input (N, D), random sizes', () => {
  const batch = 2 + rng.int(3);
  const inputSize = 2 + rng.int(6);
  const outputs = 2 + rng.int(5);
  const layer = new FullyConnected({ inputShape: [inputSize], outputs, rng });
  layer.bias.value.data.set(Tensor.gaussian([outputs], rng).data); // a non-zero bias is checked too
  checkLayerGradients('fc (N, D)', layer, Tensor.gaussian([batch, inputSize], rng), rng);
});

test('gradcheck: image-shaped input (N, C, H, W)', () => {
  const layer = new FullyConnected({ inputShape: [2, 3, 4], outputs: 3, rng });
  checkLayerGradients('fc (N, C, H, W)', layer, Tensor.gaussian([3, 2, 3, 4], rng), rng);
});

test('backward adds parameter gradients (twice → doubled) and returns dx of the input shape', () => {
  const layer = new FullyConnected({ inputShape: [3, 2, 2], outputs: 4, rng });
  const x = Tensor.gaussian([2, 3, 2, 2], rng);
  const dy = Tensor.gaussian([2, 4], rng);
  layer.forward(x, TRAINING);
  const dx = layer.backward(dy);
  assert.deepEqual(dx.shape, [2, 3, 2, 2]);
  const once = layer.weights.grad.clone();
  const biasOnce = layer.bias.grad.clone();
  layer.backward(dy);
  for (let i = 0; i < once.size; i++) assert.ok(Math.abs(layer.weights.grad.data[i] - 2 * once.data[i]) < 1e-5);
  for (let k = 0; k < 4; k++) {
    assert.ok(Math.abs(biasOnce.data[k] - (dy.get(0, k) + dy.get(1, k))) < 1e-6);
    assert.ok(Math.abs(layer.bias.grad.data[k] - 2 * biasOnce.data[k]) < 1e-6);
  }
});

test('buffers are reused for the same N and reallocated when N changes', () => {
  const layer = new FullyConnected({ inputShape: [4], outputs: 2, rng });
  const first = layer.forward(Tensor.gaussian([3, 4], rng), TRAINING);
  const again = layer.forward(Tensor.gaussian([3, 4], rng), TRAINING);
  assert.equal(first, again);
  const dx1 = layer.backward(Tensor.gaussian([3, 2], rng));
  const dx2 = layer.backward(Tensor.gaussian([3, 2], rng));
  assert.equal(dx1, dx2);
  const other = layer.forward(Tensor.gaussian([5, 4], rng), TRAINING);
  assert.notEqual(first, other);
  assert.deepEqual(other.shape, [5, 2]);
});

test('He initialization: weights ~ N(0, 2/D), bias 0, decay multipliers 1 and 0', () => {
  const inputSize = 1000;
  const layer = new FullyConnected({ inputShape: [inputSize], outputs: 40, rng: new Rng(3) });
  const w = layer.weights.value.data;
  let mean = 0;
  for (const v of w) mean += v;
  mean /= w.length;
  let variance = 0;
  for (const v of w) variance += (v - mean) ** 2;
  const std = Math.sqrt(variance / w.length);
  const expectedStd = Math.sqrt(2 / inputSize);
  assert.ok(Math.abs(std - expectedStd) / expectedStd < 0.02, `std ${std}, expected ${expectedStd}`);
  assert.ok(Math.abs(mean) < 0.002, `mean ${mean}`);
  assert.deepEqual(layer.weights.value.shape, [40, inputSize]);
  assert.ok(layer.bias.value.data.every((v) => v === 0));
  assert.equal(layer.weights.decayMultiplier, 1);
  assert.equal(layer.bias.decayMultiplier, 0);
  // Same seed, same weights.
  const twin = new FullyConnected({ inputShape: [inputSize], outputs: 40, rng: new Rng(3) });
  assert.deepEqual(twin.weights.value.data, layer.weights.value.data);
});

test('an init hook replaces the default fill and receives fanIn = D, fanOut = K', () => {
  const calls: number[][] = [];
  const init = Object.assign(
    (weights: Tensor, fanIn: number, fanOut: number) => {
      calls.push([...weights.shape, fanIn, fanOut]);
      weights.fill(0.25);
    },
    { config: { type: 'constant', value: 0.25 } },
  );
  const layer = new FullyConnected({ inputShape: [2, 3], outputs: 4, init, name: 'head' });
  assert.deepEqual(calls, [[4, 6, 6, 4]]);
  assert.ok(layer.weights.value.data.every((v) => v === 0.25));
  assert.deepEqual(layer.config(), { type: 'fc', name: 'head', outputs: 4, init: { type: 'constant', value: 0.25 } });
});

test('rejects bad options and bad input shapes, naming the layer', () => {
  assert.throws(() => new FullyConnected({ inputShape: [3], outputs: 2 }), ConfigError);
  assert.throws(() => new FullyConnected({ inputShape: [3], outputs: 0, rng }), /'outputs' must be a positive integer/);
  assert.throws(() => new FullyConnected({ inputShape: [], outputs: 2, rng }), ConfigError);
  const layer = new FullyConnected({ inputShape: [3, 2, 2], outputs: 2, rng, name: 'fc7' });
  assert.throws(() => layer.forward(Tensor.zeros([2, 12]), TRAINING), (error: Error) =>
    error instanceof ShapeError && /fc7: expected input of shape \(N, 3, 2, 2\).*got \(2, 12\)/.test(error.message));
  assert.throws(() => layer.backward(Tensor.zeros([2, 2])), /fc7: backward called before forward/);
  layer.forward(Tensor.zeros([2, 3, 2, 2]), TRAINING);
  assert.throws(() => layer.backward(Tensor.zeros([3, 2])), ShapeError);
});

test('the three matrix products run through the executor as gemmRows', () => {
  const calls: string[] = [];
  const recording = recordingExecutor(calls);
  const layer = new FullyConnected({ inputShape: [5], outputs: 3, rng });
  layer.setExecutor(recording);
  layer.forward(Tensor.gaussian([4, 5], rng), TRAINING);
  layer.backward(Tensor.gaussian([4, 3], rng));
  // forward y (N rows); backward dW (K rows) and dx (N rows).
  assert.deepEqual(calls, ['gemmRows:4', 'gemmRows:3', 'gemmRows:4']);
});

test("'naive' (the formulas as loops) agrees with the GEMM path on y, dW, db and dx, to float32 rounding", () => {
  // D = 300 crosses the GEMM's k-block (KC = 256), so the fast path rounds twice where naive rounds once.
  const [N, D, K] = [6, 300, 9];
  const make = (implementation: 'gemm' | 'naive'): FullyConnected =>
    new FullyConnected({ inputShape: [3, 10, 10], outputs: K, rng: new Rng(77), implementation });
  const fast = make('gemm');
  const naive = make('naive');
  assert.equal(naive.config().implementation, 'naive');
  assert.equal(fast.config().implementation, undefined); // the default is not written into model files
  const data = new Rng(78);
  const input = Tensor.gaussian([N, 3, 10, 10], data);
  const outputGrad = Tensor.gaussian([N, K], data);
  for (const layer of [fast, naive]) {
    layer.bias.value.data.set(Tensor.gaussian([K], new Rng(79)).data);
    layer.forward(input, TRAINING);
  }
  const yFast = fast.forward(input, TRAINING).data;
  const yNaive = naive.forward(input, TRAINING).data;
  const dxFast = fast.backward(outputGrad).data;
  const dxNaive = naive.backward(outputGrad).data;
  // Bound: the GEMM path sums n terms in float32 (gemm.ts): min(n, KC) rounded products and additions
  // per k-block, one addition per k-block into C, one for the bias (or per-sample gradient) — at most
  // r = min(n, 256) + ⌈n/256⌉ + 2 roundings on any one term's path, each off by at most 2⁻²⁴ of a
  // running |sum| ≤ Σ|terms| (Higham's γ_r = r·u/(1 − r·u)); naive rounds its double sum once (+1).
  const gamma = (r: number): number => (r * 2 ** -24) / (1 - r * 2 ** -24);
  const bound = (terms: number, sumOfAbs: number): number =>
    gamma(Math.min(terms, 256) + Math.ceil(terms / 256) + 3) * sumOfAbs;
  const x = input.data;
  const w = fast.weights.value.data;
  const b = fast.bias.value.data;
  const dy = outputGrad.data;
  let checked = 0;
  const close = (what: string, a: number, c: number, terms: number, sumOfAbs: number): void => {
    assert.ok(Math.abs(a - c) <= bound(terms, sumOfAbs), `${what}: gemm ${a} vs naive ${c} (bound ${bound(terms, sumOfAbs)})`);
    checked++;
  };
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      let s = Math.abs(b[k]);
      for (let d = 0; d < D; d++) s += Math.abs(x[n * D + d] * w[k * D + d]);
      close(`y[${n},${k}]`, yFast[n * K + k], yNaive[n * K + k], D, s);
    }
    for (let d = 0; d < D; d++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += Math.abs(dy[n * K + k] * w[k * D + d]);
      close(`dx[${n},${d}]`, dxFast[n * D + d], dxNaive[n * D + d], K, s);
    }
  }
  for (let k = 0; k < K; k++) {
    let sb = 0;
    for (let n = 0; n < N; n++) sb += Math.abs(dy[n * K + k]);
    close(`db[${k}]`, fast.bias.grad.data[k], naive.bias.grad.data[k], N, sb);
    for (let d = 0; d < D; d++) {
      let s = 0;
      for (let n = 0; n < N; n++) s += Math.abs(dy[n * K + k] * x[n * D + d]);
      close(`dW[${k},${d}]`, fast.weights.grad.data[k * D + d], naive.weights.grad.data[k * D + d], N, s);
    }
  }
  assert.equal(checked, N * K + N * D + K + K * D);
  assert.throws(() => new FullyConnected({ inputShape: [3], outputs: 2, rng, implementation: 'fast' as 'gemm' }), (error: unknown) =>
    error instanceof ConfigError && /'implementation' must be one of 'gemm', 'naive', got "fast"/.test(error.message));
});

test("'naive' passes the gradient check and runs its kernels through the executor (samples, then outputs)", () => {
  const calls: string[] = [];
  const recording = recordingExecutor(calls);
  const layer = new FullyConnected({ inputShape: [5], outputs: 3, rng, implementation: 'naive' });
  layer.setExecutor(recording);
  layer.forward(Tensor.gaussian([4, 5], rng), TRAINING);
  layer.backward(Tensor.gaussian([4, 3], rng));
  assert.deepEqual(calls, ['fullyConnectedForwardNaive:4', 'fullyConnectedBackwardWeightsNaive:3', 'fullyConnectedBackwardDataNaive:4']);
  const checked = new FullyConnected({ inputShape: [2, 2, 3], outputs: 4, rng, implementation: 'naive' });
  checkLayerGradients('fc naive (N, C, H, W)', checked, Tensor.gaussian([3, 2, 2, 3], rng), rng);
});
