import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Elu } from '../../src/layers/elu.ts';
import type { Layer } from '../../src/layers/layer.ts';
import { TRAINING } from '../../src/layers/layer.ts';
import { LeakyRelu } from '../../src/layers/leaky-relu.ts';
import { Maxout } from '../../src/layers/maxout.ts';
import { Relu } from '../../src/layers/relu.ts';
import { Sigmoid } from '../../src/layers/sigmoid.ts';
import { Tanh } from '../../src/layers/tanh.ts';
import { ConfigError, ShapeError } from '../../src/errors.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import type { Executor, KernelArgs } from '../../src/parallel/executor.ts';
import { serialExecutor } from '../../src/parallel/serial-executor.ts';
import { checkLayerGradients } from '../../src/nn/gradcheck.ts';

const rng = new Rng(5);


/** A random batch (N ≥ 2) of vectors or images. */
function randomBatchShape(): number[] {
  const batch = 2 + rng.int(3);
  return rng.uniform() < 0.5 ? [batch, 2 + rng.int(6)] : [batch, 1 + rng.int(3), 1 + rng.int(3), 2 + rng.int(3)];
}

/** Gaussian values pushed at least 0.05 away from 0, the kink of ReLU-like units (> STEP = 0.01). */
function awayFromZero(shape: number[]): Tensor {
  const x = Tensor.gaussian(shape, rng);
  for (let i = 0; i < x.size; i++) x.data[i] = Math.sign(x.data[i] || 1) * (0.05 + Math.abs(x.data[i]));
  return x;
}

const elementwise: Array<{ label: string; make: (shape: number[]) => Layer; x: number[]; y: number[] }> = [
  { label: 'sigmoid', make: (s) => new Sigmoid({ inputShape: s }), x: [-1000, 0, 2], y: [0, 0.5, 1 / (1 + Math.exp(-2))] },
  { label: 'tanh', make: (s) => new Tanh({ inputShape: s }), x: [-1, 0, 0.5], y: [Math.tanh(-1), 0, Math.tanh(0.5)] },
  { label: 'relu', make: (s) => new Relu({ inputShape: s }), x: [-1, 0, 2.5], y: [0, 0, 2.5] },
  { label: 'leaky-relu', make: (s) => new LeakyRelu({ inputShape: s }), x: [-2, 0, 3], y: [-0.02, 0, 3] },
  { label: 'leaky-relu 0.2', make: (s) => new LeakyRelu({ inputShape: s, slope: 0.2 }), x: [-2, 0, 3], y: [-0.4, 0, 3] },
  { label: 'elu', make: (s) => new Elu({ inputShape: s }), x: [-1, 0, 3], y: [Math.exp(-1) - 1, 0, 3] },
  { label: 'elu 0.5', make: (s) => new Elu({ inputShape: s, alpha: 0.5 }), x: [-1, 0, 3], y: [0.5 * (Math.exp(-1) - 1), 0, 3] },
];

for (const { label, make, x, y } of elementwise) {
  test(`${label}: forward values`, () => {
    const output = make([3]).forward(Tensor.from(x, [1, 3]), TRAINING);
    output.data.forEach((value, i) => assert.ok(Math.abs(value - y[i]) < 1e-6, `${label}(${x[i]}) = ${value}, expected ${y[i]}`));
  });

  test(`gradcheck: ${label}`, () => {
    const shape = randomBatchShape();
    checkLayerGradients(label, make(shape.slice(1)), awayFromZero(shape), rng);
  });
}

test('derivatives at and around the kinks: ReLU 0 at x = 0, leaky slope, ELU y + α', () => {
  const input = Tensor.from([-2, 0, 3], [1, 3]);
  const ones = Tensor.filled([1, 3], 1);
  const relu = new Relu({ inputShape: [3] });
  relu.forward(input, TRAINING);
  assert.deepEqual(relu.backward(ones).toArray(), [0, 0, 1]);
  const leaky = new LeakyRelu({ inputShape: [3], slope: 0.25 });
  leaky.forward(input, TRAINING);
  assert.deepEqual(leaky.backward(ones).toArray(), [0.25, 0.25, 1]);
  const elu = new Elu({ inputShape: [3], alpha: 2 });
  elu.forward(input, TRAINING);
  const dx = elu.backward(ones).toArray();
  assert.ok(Math.abs(dx[0] - 2 * Math.exp(-2)) < 1e-6);
  assert.ok(Math.abs(dx[1] - 2) < 1e-6);
  assert.equal(dx[2], 1);
});

test('activations keep the shape, reuse buffers for the same N, and check their input', () => {
  const layer = new Tanh({ inputShape: [2, 3, 3], name: 'act3' });
  assert.deepEqual(layer.outputShape, [2, 3, 3]);
  assert.deepEqual(layer.parameters(), []);
  const first = layer.forward(Tensor.gaussian([2, 2, 3, 3], rng), TRAINING);
  assert.equal(layer.forward(Tensor.gaussian([2, 2, 3, 3], rng), TRAINING), first);
  assert.deepEqual(first.shape, [2, 2, 3, 3]);
  assert.throws(() => layer.forward(Tensor.zeros([2, 3, 3, 2]), TRAINING), (error: Error) =>
    error instanceof ShapeError && /act3: expected input of shape \(N, 2, 3, 3\)/.test(error.message));
  assert.throws(() => layer.backward(Tensor.zeros([1, 2, 3, 3])), ShapeError);
});

test('config() and option validation', () => {
  assert.deepEqual(new Relu({ inputShape: [4] }).config(), { type: 'relu', name: 'relu' });
  assert.deepEqual(new Sigmoid({ inputShape: [4], name: 's' }).config(), { type: 'sigmoid', name: 's' });
  assert.deepEqual(new LeakyRelu({ inputShape: [4] }).config(), { type: 'leaky-relu', name: 'leaky-relu', slope: 0.01 });
  assert.deepEqual(new Elu({ inputShape: [4] }).config(), { type: 'elu', name: 'elu', alpha: 1 });
  assert.deepEqual(new Maxout({ inputShape: [4], pieces: 4 }).config(), { type: 'maxout', name: 'maxout', pieces: 4 });
  assert.throws(() => new LeakyRelu({ inputShape: [4], slope: 1.5 }), ConfigError);
  assert.throws(() => new Elu({ inputShape: [4], alpha: 0 }), ConfigError);
  assert.throws(() => new Maxout({ inputShape: [4], pieces: 0 }), ConfigError);
  assert.throws(() => new Relu({ inputShape: [0] }), ConfigError);
});

test('maxout: max over groups of k consecutive channels, ties to the first, gradient to the argmax', () => {
  const layer = new Maxout({ inputShape: [6], pieces: 3 });
  assert.deepEqual(layer.outputShape, [2]);
  const x = Tensor.from([1, 5, 2, 7, 7, -1, 0, 0, 0, -3, -2, -9], [2, 6]);
  const y = layer.forward(x, TRAINING);
  assert.deepEqual(y.toArray(), [5, 7, 0, -2]);
  const dx = layer.backward(Tensor.from([10, 20, 30, 40], [2, 2]));
  // The tie 7, 7 goes to the first 7; the all-zero group to its first element.
  assert.deepEqual(dx.toArray(), [0, 10, 0, 20, 0, 0, 30, 0, 0, 0, 40, 0]);
});

test('maxout on images groups channels at each pixel', () => {
  const layer = new Maxout({ inputShape: [4, 1, 2], pieces: 2 });
  assert.deepEqual(layer.outputShape, [2, 1, 2]);
  // channels (c0..c3) at pixels (p0, p1): c0 = [1, 8], c1 = [3, 2], c2 = [0, 0], c3 = [-1, 5]
  const y = layer.forward(Tensor.from([1, 8, 3, 2, 0, 0, -1, 5], [1, 4, 1, 2]), TRAINING);
  assert.deepEqual(y.toArray(), [3, 8, 0, 5]);
});

test('maxout rejects channel counts not divisible by k', () => {
  assert.throws(() => new Maxout({ inputShape: [5, 2, 2], pieces: 2, name: 'mx' }), (error: Error) =>
    error instanceof ShapeError && /mx: .*5 channels, not divisible by 2/.test(error.message));
});

/** Input whose values within each maxout group are ≥ 0.1 apart, so ±STEP never changes the argmax. */
function separatedGroups(shape: number[], pieces: number): Tensor {
  const [batch, channels, ...rest] = shape;
  const positions = rest.reduce((a, b) => a * b, 1);
  const x = Tensor.zeros(shape);
  for (let n = 0; n < batch; n++) {
    for (let g = 0; g < channels / pieces; g++) {
      for (let s = 0; s < positions; s++) {
        const order = rng.permutation(pieces);
        const base = rng.gaussian(0, 1);
        for (let p = 0; p < pieces; p++) x.data[(n * channels + g * pieces + p) * positions + s] = base + 0.1 * order[p];
      }
    }
  }
  return x;
}

test('gradcheck: maxout on vectors and on images', () => {
  checkLayerGradients('maxout k=2 (N, D)', new Maxout({ inputShape: [8], pieces: 2 }), separatedGroups([3, 8], 2), rng);
  checkLayerGradients('maxout k=3 (N, C, H, W)', new Maxout({ inputShape: [6, 2, 3], pieces: 3 }), separatedGroups([2, 6, 2, 3], 3), rng);
});

test('ReLU hands large shared tensors to a multi-thread executor, and keeps small or unshared ones', () => {
  const calls: string[] = [];
  const twoThreads: Executor = {
    threads: 2,
    parallelFor(name: string, args: KernelArgs, total: number) {
      calls.push(`${name}:${total}`);
      serialExecutor.parallelFor(name, args, total);
    },
  };
  const rng = new Rng(9);
  const layer = new Relu({ inputShape: [16, 32, 32] });
  layer.setExecutor(twoThreads);
  const x = Tensor.gaussian([2, 16, 32, 32], rng); // 32,768 elements, shared memory
  const y = layer.forward(x, TRAINING);
  const dx = layer.backward(Tensor.gaussian([2, 16, 32, 32], rng));
  assert.deepEqual(calls, ['reluForward:32768', 'reluBackward:32768']);
  x.data.forEach((v, i) => assert.equal(y.data[i], v > 0 ? v : 0));
  x.data.forEach((v, i) => v <= 0 && assert.equal(dx.data[i], 0));

  calls.length = 0;
  const small = new Relu({ inputShape: [64] });
  small.setExecutor(twoThreads);
  small.forward(Tensor.gaussian([2, 64], rng), TRAINING);
  const unshared = new Relu({ inputShape: [16, 32, 32] });
  unshared.setExecutor(twoThreads);
  unshared.forward(new Tensor(new Float32Array(32768), [2, 16, 32, 32]), TRAINING);
  assert.deepEqual(calls, []);
});
