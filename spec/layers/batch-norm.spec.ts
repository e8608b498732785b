import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertGradientsMatch, gradcheck } from '../../src/nn/gradcheck.ts';
import { ConfigError, ShapeError } from '../../src/errors.ts';
import { BatchNorm } from '../../src/layers/batch-norm.ts';
import { INFERENCE, TRAINING, type ForwardMode } from '../../src/layers/layer.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import type { Executor, KernelArgs } from '../../src/parallel/executor.ts';
import { kernelRegistry } from '../../src/kernels/registry.ts';

/** Per-channel (N, C, S) data with channel c offset by 2c − 1 and scaled by 0.5 + c: normalizing matters. */
function channelData(shape: number[], rng: Rng): Tensor {
  const x = Tensor.zeros(shape);
  const channels = shape[1];
  const spatial = shape.length === 4 ? shape[2] * shape[3] : 1;
  for (let i = 0; i < x.size; i++) {
    const c = Math.floor(i / spatial) % channels;
    x.data[i] = 2 * c - 1 + (0.5 + c) * rng.gaussian(0, 1);
  }
  return x;
}

/** Mean and biased variance of channel c of an (N, C, ...) tensor, in float64. */
function channelMoments(t: Tensor, c: number): { mean: number; variance: number } {
  const [batchSize, channels] = t.shape;
  const spatial = t.size / (batchSize * channels);
  const values: number[] = [];
  for (let n = 0; n < batchSize; n++) {
    for (let s = 0; s < spatial; s++) values.push(t.data[(n * channels + c) * spatial + s]);
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, variance: values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length };
}

function assertClose(actual: ArrayLike<number>, expected: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('BatchNorm: training forward', () => {
  for (const shape of [[16, 5], [6, 3, 4, 5]]) {
    it(`normalizes each channel of ${JSON.stringify(shape)} to mean 0, variance 1 (γ = 1, β = 0)`, () => {
      const layer = new BatchNorm({ inputShape: shape.slice(1) });
      const y = layer.forward(channelData(shape, new Rng(1)), TRAINING);
      for (let c = 0; c < shape[1]; c++) {
        const { mean, variance } = channelMoments(y, c);
        // Mean: only float32 rounding of O(1) outputs (~1e-7 each). Variance: σ²/(σ² + eps) with
        // σ² ≥ 0.1 here, so 1 − variance ≤ 1e-4 plus rounding.
        assert.ok(Math.abs(mean) < 1e-6, `channel ${c} mean ${mean}`);
        assert.ok(Math.abs(variance - 1) < 1e-4, `channel ${c} variance ${variance}`);
      }
    });
  }

  it('applies γ and β after normalizing: channel mean β, standard deviation |γ|', () => {
    const layer = new BatchNorm({ inputShape: [2, 3, 3] });
    layer.gamma.value.data.set([2, -0.5]);
    layer.beta.value.data.set([0.25, 3]);
    const y = layer.forward(channelData([4, 2, 3, 3], new Rng(2)), TRAINING);
    for (const [c, gamma, beta] of [[0, 2, 0.25], [1, -0.5, 3]]) {
      const { mean, variance } = channelMoments(y, c);
      assert.ok(Math.abs(mean - beta) < 1e-5, `channel ${c} mean ${mean}`);
      assert.ok(Math.abs(Math.sqrt(variance) - Math.abs(gamma)) < 1e-4 * Math.abs(gamma), `channel ${c} std`);
    }
  });

  it('keeps a large mean from cancelling the variance: mean 10⁴ with spread 10⁻¹, the first value far out', () => {
    // One pass of Σx and Σx² would lose the variance here: Σx² ≈ 10¹⁰ per value while the variance
    // is 10⁻²; float64 keeps ~16 digits, so (Σx² − (Σx)²/M)/M would be off in its first digits. The
    // kernel sums (x − K)² around the channel's first value K, which here is 3 spreads from the mean.
    const rng = new Rng(5);
    const count = 4 * 8 * 8;
    const x = Tensor.zeros([4, 1, 8, 8]);
    for (let i = 0; i < count; i++) x.data[i] = 1e4 + 0.1 * rng.gaussian(0, 1);
    x.data[0] = 1e4 + 0.3;
    const layer = new BatchNorm({ inputShape: [1, 8, 8], eps: 1e-12 });
    const y = layer.forward(x, TRAINING);
    const { mean, variance } = channelMoments(x, 0); // float64, two passes
    for (let i = 0; i < count; i++) {
      const want = (x.data[i] - mean) / Math.sqrt(variance + 1e-12);
      // The inputs are float32 near 10⁴ (ulp 2⁻¹⁰ ≈ 1e-3, 1 % of the spread), but the same inputs enter
      // both sides, so only the kernel's float64 arithmetic and the float32 output rounding differ.
      assert.ok(Math.abs(y.data[i] - want) <= 1e-6 * Math.max(1, Math.abs(want)), `y[${i}] = ${y.data[i]}, want ${want}`);
    }
  });

  it('matches the formula on a hand-sized batch: x̂ = (x − μ)/sqrt(σ² + eps)', () => {
    const layer = new BatchNorm({ inputShape: [2] });
    // Feature 0: 1, 2, 3 (μ 2, σ² 2/3). Feature 1: 0, 4, 8 (μ 4, σ² 32/3).
    const y = layer.forward(Tensor.from([1, 0, 2, 4, 3, 8], [3, 2]), TRAINING);
    const a = 1 / Math.sqrt(2 / 3 + 1e-5);
    const b = 4 / Math.sqrt(32 / 3 + 1e-5);
    assertClose(y.data, [-a, -b, 0, 0, a, b], 1e-6, 'y');
  });
});

describe('BatchNorm: running statistics', () => {
  it('update as momentum·old + (1 − momentum)·batch, unbiased variance (vector input)', () => {
    const layer = new BatchNorm({ inputShape: [2] }); // momentum 0.9
    assertClose(layer.runningMean.data, [0, 0], 0, 'initial mean');
    assertClose(layer.runningVariance.data, [1, 1], 0, 'initial variance');
    // Batch 1 — feature 0: 1, 2, 3 (μ 2, unbiased var 1); feature 1: 0, 4, 8 (μ 4, unbiased var 16).
    layer.forward(Tensor.from([1, 0, 2, 4, 3, 8], [3, 2]), TRAINING);
    // mean: 0.9·0 + 0.1·(2, 4) = (0.2, 0.4); variance: 0.9·1 + 0.1·(1, 16) = (1, 2.5)
    assertClose(layer.runningMean.data, [0.2, 0.4], 1e-7, 'mean after batch 1');
    assertClose(layer.runningVariance.data, [1, 2.5], 1e-6, 'variance after batch 1');
    // Batch 2 — feature 0: −1, −1, 2 (μ 0, unbiased var 3); feature 1: 10, 10, 10 (μ 10, var 0).
    layer.forward(Tensor.from([-1, 10, -1, 10, 2, 10], [3, 2]), TRAINING);
    // mean: 0.9·(0.2, 0.4) + 0.1·(0, 10) = (0.18, 1.36); variance: 0.9·(1, 2.5) + 0.1·(3, 0) = (1.2, 2.25)
    assertClose(layer.runningMean.data, [0.18, 1.36], 1e-6, 'mean after batch 2');
    assertClose(layer.runningVariance.data, [1.2, 2.25], 1e-6, 'variance after batch 2');
  });

  it('pool N·H·W values per channel for feature maps', () => {
    const layer = new BatchNorm({ inputShape: [2, 1, 2], momentum: 0.5 });
    // n=0: c0 (1, 3), c1 (0, 0);  n=1: c0 (5, 7), c1 (2, −2).
    layer.forward(Tensor.from([1, 3, 0, 0, 5, 7, 2, -2], [2, 2, 1, 2]), TRAINING);
    // c0: μ 4, unbiased var (9+1+1+9)/3 = 20/3;  c1: μ 0, unbiased var (0+0+4+4)/3 = 8/3.
    assertClose(layer.runningMean.data, [0.5 * 4, 0], 1e-6, 'mean');
    assertClose(layer.runningVariance.data, [0.5 + 0.5 * (20 / 3), 0.5 + 0.5 * (8 / 3)], 1e-6, 'variance');
    assert.deepEqual(
      layer.buffers().map((b) => [b.name, b.value]),
      [['runningMean', layer.runningMean], ['runningVariance', layer.runningVariance]],
    );
  });

  it('inference uses them (and leaves them unchanged), whatever the batch', () => {
    const layer = new BatchNorm({ inputShape: [2, 2, 2], eps: 1e-3 });
    layer.runningMean.data.set([1, -2]);
    layer.runningVariance.data.set([4, 0.25]);
    layer.gamma.value.data.set([3, 0.5]);
    layer.beta.value.data.set([-1, 2]);
    const x = channelData([3, 2, 2, 2], new Rng(3));
    const y = layer.forward(x, INFERENCE).clone();
    for (let i = 0; i < x.size; i++) {
      const c = Math.floor(i / 4) % 2;
      const mean = [1, -2][c];
      const variance = [4, 0.25][c];
      const expected = [3, 0.5][c] * ((x.data[i] - mean) / Math.sqrt(variance + 1e-3)) + [-1, 2][c];
      assert.ok(Math.abs(y.data[i] - expected) < 1e-5, `element ${i}: ${y.data[i]} vs ${expected}`);
    }
    assertClose(layer.runningMean.data, [1, -2], 0, 'running mean untouched');
    assertClose(layer.runningVariance.data, [4, 0.25], 0, 'running variance untouched');
    // One example alone gives the same output as inside the batch (no batch statistics involved).
    const single = layer.forward(Tensor.from(x.data.subarray(8, 16), [1, 2, 2, 2]), INFERENCE);
    assert.deepEqual(single.data, y.data.subarray(8, 16));
  });
});

describe('BatchNorm: backward', () => {
  const cases: { label: string; shape: number[] }[] = [
    { label: 'vector input (N=6, D=5)', shape: [6, 5] },
    { label: 'feature maps (N=3, C=3, H=3, W=2)', shape: [3, 3, 3, 2] },
  ];
  for (const { label, shape } of cases) {
    for (const mode of [TRAINING, INFERENCE] as ForwardMode[]) {
      const modeName = mode.training ? 'training' : 'inference';
      it(`gradient check of input, gamma and beta — ${label}, ${modeName}`, () => {
        const rng = new Rng(40 + shape.length);
        const layer = new BatchNorm({ inputShape: shape.slice(1) });
        const channels = shape[1];
        for (let c = 0; c < channels; c++) {
          layer.gamma.value.data[c] = rng.uniformRange(0.5, 1.5) * (c % 2 ? -1 : 1);
          layer.beta.value.data[c] = rng.uniformRange(-1, 1);
          layer.runningMean.data[c] = rng.uniformRange(-1, 1);
          layer.runningVariance.data[c] = rng.uniformRange(0.5, 2);
        }
        const x = channelData(shape, rng);
        const inputGrad = Tensor.zeros(x.shape);
        const results = gradcheck({
          forward: () => layer.forward(x, mode),
          backward: (dy) => {
            inputGrad.copyFrom(layer.backward(dy));
          },
          wrt: [
            { name: 'input', value: x, grad: () => inputGrad },
            { name: 'gamma', value: layer.gamma.value, grad: () => layer.gamma.grad },
            { name: 'beta', value: layer.beta.value, grad: () => layer.beta.grad },
          ],
          rng,
        });
        assertGradientsMatch(`batchnorm ${label} ${modeName}`, results);
      });
    }
  }

  it('ADDS into the parameter gradients (two backward passes give twice the gradient)', () => {
    const layer = new BatchNorm({ inputShape: [3, 2, 2] });
    const x = channelData([2, 3, 2, 2], new Rng(5));
    const dy = Tensor.gaussian([2, 3, 2, 2], new Rng(6));
    layer.forward(x, TRAINING);
    const dx = layer.backward(dy).clone();
    const gammaOnce = layer.gamma.grad.clone();
    const betaOnce = layer.beta.grad.clone();
    assert.ok(gammaOnce.data.some((v) => v !== 0) && betaOnce.data.some((v) => v !== 0));
    assert.deepEqual(layer.backward(dy).data, dx.data);
    assert.deepEqual(layer.gamma.grad.data, gammaOnce.data.map((v) => 2 * v));
    assert.deepEqual(layer.beta.grad.data, betaOnce.data.map((v) => 2 * v));
  });

  it('the input gradient of a channel sums to 0 and is orthogonal to x̂ (training mode)', () => {
    // Σ dx·x̂ = γ/sqrt(σ²+eps) · Σ g·x̂ · eps/(σ²+eps): exactly 0 only as eps → 0, hence a tiny eps.
    const layer = new BatchNorm({ inputShape: [4], eps: 1e-10 });
    const y = layer.forward(channelData([8, 4], new Rng(7)), TRAINING).clone();
    const dx = layer.backward(Tensor.gaussian([8, 4], new Rng(8)));
    for (let c = 0; c < 4; c++) {
      let sum = 0;
      let dot = 0;
      for (let n = 0; n < 8; n++) {
        sum += dx.data[n * 4 + c];
        dot += dx.data[n * 4 + c] * y.data[n * 4 + c]; // γ = 1, β = 0: y = x̂
      }
      assert.ok(Math.abs(sum) < 1e-5 && Math.abs(dot) < 1e-5, `channel ${c}: Σdx ${sum}, Σdx·x̂ ${dot}`);
    }
  });
});

describe('BatchNorm: parameters, config and errors', () => {
  it('has gamma (ones) and beta (zeros), both without weight decay', () => {
    const layer = new BatchNorm({ inputShape: [3, 4, 4], name: 'bn1' });
    const [gamma, beta] = layer.parameters();
    assert.equal(gamma.name, 'gamma');
    assert.equal(beta.name, 'beta');
    assert.deepEqual(gamma.value.toArray(), [1, 1, 1]);
    assert.deepEqual(beta.value.toArray(), [0, 0, 0]);
    assert.equal(gamma.decayMultiplier, 0);
    assert.equal(beta.decayMultiplier, 0);
    assert.deepEqual(layer.config(), { type: 'batchnorm', name: 'bn1', inputShape: [3, 4, 4], momentum: 0.9, eps: 1e-5 });
  });

  it('rejects bad options', () => {
    assert.throws(() => new BatchNorm({ inputShape: [3, 4] }), ShapeError);
    assert.throws(() => new BatchNorm({ inputShape: [4], momentum: 1.5 }), ConfigError);
    assert.throws(() => new BatchNorm({ inputShape: [4], eps: 0 }), ConfigError);
  });

  it('rejects a wrong input shape, naming the layer, and training on a single value per channel', () => {
    const layer = new BatchNorm({ inputShape: [3, 4, 4], name: 'bn2' });
    assert.throws(
      () => layer.forward(Tensor.zeros([2, 4, 4, 4]), TRAINING),
      (e: unknown) => e instanceof ShapeError && /bn2/.test(e.message) && /\(N, 3, 4, 4\)/.test(e.message),
    );
    const vector = new BatchNorm({ inputShape: [5] });
    assert.throws(() => vector.forward(Tensor.zeros([1, 5]), TRAINING), /at least 2 values per channel/);
    assert.doesNotThrow(() => vector.forward(Tensor.zeros([1, 5]), INFERENCE));
    assert.throws(() => new BatchNorm({ inputShape: [5] }).backward(Tensor.zeros([1, 5])), /before forward/);
    assert.throws(() => vector.backward(Tensor.zeros([2, 5])), ShapeError);
  });
});

describe('BatchNorm on a multi-thread executor', () => {
  it('splits large inputs by rows (n, c) and gives the same bits as one thread', () => {
    const calls: string[] = [];
    const twoThreads: Executor = {
      threads: 2,
      parallelFor(name: string, args: KernelArgs, total: number) {
        calls.push(`${name}:${total}`);
        // Run two halves of the row range separately, as two threads would.
        const half = Math.floor(total / 2);
        kernelRegistry[name](args, 0, half);
        kernelRegistry[name](args, half, total);
      },
    };
    const rng = new Rng(21);
    const x = Tensor.gaussian([8, 6, 20, 20], rng); // 19,200 values: above the hand-off threshold
    const dy = Tensor.gaussian([8, 6, 20, 20], rng);
    const serial = new BatchNorm({ inputShape: [6, 20, 20] });
    const parallel = new BatchNorm({ inputShape: [6, 20, 20] });
    parallel.setExecutor(twoThreads);
    assert.deepEqual(parallel.forward(x, TRAINING).toArray(), serial.forward(x, TRAINING).toArray());
    assert.deepEqual(parallel.backward(dy).toArray(), serial.backward(dy).toArray());
    assert.deepEqual(parallel.gamma.grad.toArray(), serial.gamma.grad.toArray());
    assert.deepEqual(parallel.runningVariance.toArray(), serial.runningVariance.toArray());
    assert.deepEqual(calls, ['batchNormInputSums:48', 'batchNormAffine:48', 'batchNormGradientSums:48', 'batchNormInputGrad:48']);

    calls.length = 0;
    const small = new BatchNorm({ inputShape: [4] });
    small.setExecutor(twoThreads);
    small.forward(Tensor.gaussian([8, 4], rng), TRAINING);
    assert.deepEqual(calls, [], 'a 32-value input stays on the calling thread');
  });
});
