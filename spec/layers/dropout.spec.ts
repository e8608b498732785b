import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertGradientsMatch, gradcheck } from '../../src/nn/gradcheck.ts';
import { ConfigError, ShapeError } from '../../src/errors.ts';
import { Dropout } from '../../src/layers/dropout.ts';
import { INFERENCE, TRAINING } from '../../src/layers/layer.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

/** Inputs bounded away from 0, so a zero output can only mean "dropped". */
function nonZeroInput(shape: number[], rng: Rng): Tensor {
  const x = Tensor.zeros(shape);
  for (let i = 0; i < x.size; i++) {
    const magnitude = rng.uniformRange(0.5, 2);
    x.data[i] = rng.uniform() < 0.5 ? -magnitude : magnitude;
  }
  return x;
}

describe('Dropout: training forward', () => {
  it('keeps each unit with probability 1 − p, scales kept units by 1/(1 − p), preserves the mean', () => {
    const rate = 0.3;
    const layer = new Dropout({ inputShape: [4, 50, 50], rate, rng: new Rng(11) });
    const x = nonZeroInput([10, 4, 50, 50], new Rng(3)); // n = 100 000 units
    const y = layer.forward(x, TRAINING);
    const n = x.size;
    let dropped = 0;
    let inputSum = 0;
    let outputSum = 0;
    let squareSum = 0;
    for (let i = 0; i < n; i++) {
      inputSum += x.data[i];
      outputSum += y.data[i];
      squareSum += x.data[i] ** 2;
      if (y.data[i] === 0) dropped++;
      else assert.ok(Math.abs(y.data[i] - x.data[i] / (1 - rate)) <= 1e-6 * Math.abs(y.data[i]), `unit ${i}`);
    }
    // Dropped count ~ Binomial(n, p): standard deviation sqrt(n p (1 − p)); allow 5 of them.
    assert.ok(Math.abs(dropped - n * rate) < 5 * Math.sqrt(n * rate * (1 - rate)), `dropped ${dropped} of ${n}`);
    // mean(y) − mean(x) = (1/n) Σ x_i (m_i/(1−p) − 1); each term has variance x_i² p/(1−p), so the
    // difference has standard deviation sqrt(p/(1−p) · Σ x_i²)/n. Allow 5 of them (≈ 0.016 here,
    // while a missing 1/(1−p) scale would shift the mean of |x| by 30%).
    const bound = (5 * Math.sqrt((rate / (1 - rate)) * squareSum)) / n;
    assert.ok(Math.abs(outputSum / n - inputSum / n) < bound, `means ${outputSum / n} vs ${inputSum / n} (bound ${bound})`);
  });

  it('expectation of a constant input is preserved (the test-time identity is right)', () => {
    const rate = 0.5;
    const layer = new Dropout({ inputShape: [1000], rate, rng: new Rng(2) });
    const y = layer.forward(Tensor.filled([100, 1000], 3), TRAINING);
    let sum = 0;
    for (const v of y.data) sum += v;
    // Standard deviation of the mean: 3·sqrt(p/((1−p)n)) ≈ 0.0095; ConvNetJS's scaling would make
    // training and test expectations differ by a factor 2 here.
    assert.ok(Math.abs(sum / y.size - 3) < 5 * 3 * Math.sqrt(rate / ((1 - rate) * y.size)), `mean ${sum / y.size}`);
  });

  it('same seed → same mask; the next forward draws a new one', () => {
    const x = nonZeroInput([8, 3, 4, 4], new Rng(1));
    const run = (seed: number): Float32Array[] => {
      const layer = new Dropout({ inputShape: [3, 4, 4], rate: 0.5, rng: new Rng(seed) });
      return [layer.forward(x, TRAINING).data.slice(), layer.forward(x, TRAINING).data.slice()];
    };
    const [first, second] = run(9);
    const [againFirst, againSecond] = run(9);
    assert.deepEqual(first, againFirst);
    assert.deepEqual(second, againSecond);
    assert.notDeepEqual(first, second);
  });

  it('draws one rng.uniform() per unit in flat order and drops where u < p', () => {
    const rate = 0.4;
    const x = nonZeroInput([2, 5], new Rng(4));
    const y = new Dropout({ inputShape: [5], rate, rng: new Rng(21) }).forward(x, TRAINING);
    const reference = new Rng(21);
    for (let i = 0; i < x.size; i++) assert.equal(y.data[i] === 0, reference.uniform() < rate, `unit ${i}`);
  });

  it('rate 0 is the identity even in training, and draws nothing', () => {
    const rng = new Rng(5);
    const before = rng.getState();
    const x = nonZeroInput([3, 7], new Rng(6));
    const layer = new Dropout({ inputShape: [7], rate: 0, rng });
    assert.deepEqual(layer.forward(x, TRAINING).data, x.data);
    assert.deepEqual(layer.backward(x).data, x.data);
    assert.deepEqual(rng.getState(), before);
  });
});

describe('Dropout: inference', () => {
  it('is exactly the identity, bit for bit, and consumes no randomness', () => {
    const rng = new Rng(8);
    const before = rng.getState();
    const layer = new Dropout({ inputShape: [3, 5, 5], rate: 0.5, rng });
    const x = nonZeroInput([4, 3, 5, 5], new Rng(9));
    x.data[0] = 1e-30; // subnormal-adjacent and tiny values survive unchanged
    const y = layer.forward(x, INFERENCE);
    assert.deepEqual(new Uint32Array(y.data.buffer.slice(0)), new Uint32Array(x.data.buffer.slice(0)));
    assert.deepEqual(rng.getState(), before);
    // Backward after an inference forward is the identity's derivative.
    const dy = nonZeroInput([4, 3, 5, 5], new Rng(10));
    assert.deepEqual(layer.backward(dy).data, dy.data);
  });
});

describe('Dropout: backward', () => {
  it('uses the mask of the forward it follows: dx = m · dy / (1 − p)', () => {
    const rate = 0.25;
    const layer = new Dropout({ inputShape: [6, 3, 3], rate, rng: new Rng(12) });
    const x = nonZeroInput([5, 6, 3, 3], new Rng(13));
    const y = layer.forward(x, TRAINING).clone();
    const dy = nonZeroInput([5, 6, 3, 3], new Rng(14));
    const dx = layer.backward(dy);
    let kept = 0;
    for (let i = 0; i < x.size; i++) {
      if (y.data[i] === 0) assert.equal(dx.data[i], 0, `dropped unit ${i}`);
      else {
        kept++;
        assert.ok(Math.abs(dx.data[i] - dy.data[i] / (1 - rate)) <= 1e-6 * Math.abs(dx.data[i]), `kept unit ${i}`);
      }
    }
    assert.ok(kept > 0 && kept < x.size, 'the mask must hold both kept and dropped units');
  });

  it('passes a gradient check with the mask fixed by restoring the Rng state before each forward', () => {
    const rng = new Rng(15);
    const layer = new Dropout({ inputShape: [3, 4, 4], rate: 0.5, rng });
    const x = nonZeroInput([2, 3, 4, 4], new Rng(16));
    const saved = rng.getState();
    const forward = (): Tensor => {
      rng.setState(saved); // same state → same mask on every re-run
      return layer.forward(x, TRAINING);
    };
    const dropped = forward().data.filter((v) => v === 0).length;
    assert.ok(dropped > 0 && dropped < x.size, `mask drops ${dropped} of ${x.size}`);
    const inputGrad = Tensor.zeros(x.shape);
    const results = gradcheck({
      forward,
      backward: (dy) => {
        inputGrad.copyFrom(layer.backward(dy));
      },
      wrt: [{ name: 'input', value: x, grad: () => inputGrad }],
      rng: new Rng(17),
    });
    assertGradientsMatch('dropout', results);
  });
});

describe('Dropout: errors and config', () => {
  const rng = new Rng(1);
  it('rejects rates outside [0, 1) with a ConfigError', () => {
    for (const rate of [1, -0.1, 1.5, Number.NaN]) {
      assert.throws(() => new Dropout({ inputShape: [4], rate, rng }), ConfigError, `rate ${rate}`);
    }
  });

  it('rejects a bad input shape, naming the layer', () => {
    const layer = new Dropout({ inputShape: [3, 4, 4], rate: 0.5, rng, name: 'drop1' });
    assert.throws(() => layer.forward(Tensor.zeros([2, 3, 4, 5]), TRAINING), (e: unknown) => {
      return e instanceof ShapeError && /drop1/.test(e.message) && /\(N, 3, 4, 4\)/.test(e.message) && /\(2, 3, 4, 5\)/.test(e.message);
    });
    assert.throws(() => layer.forward(Tensor.zeros([48]), TRAINING), ShapeError);
    assert.throws(() => new Dropout({ inputShape: [0], rate: 0.5, rng }), ShapeError);
  });

  it('rejects backward before forward and a dy of the wrong shape', () => {
    const layer = new Dropout({ inputShape: [4], rate: 0.5, rng });
    assert.throws(() => layer.backward(Tensor.zeros([2, 4])), /before forward/);
    layer.forward(Tensor.zeros([2, 4]), TRAINING);
    assert.throws(() => layer.backward(Tensor.zeros([3, 4])), ShapeError);
  });

  it('has no parameters and a JSON config', () => {
    const layer = new Dropout({ inputShape: [10], rate: 0.2, rng, name: 'd' });
    assert.deepEqual(layer.parameters(), []);
    assert.deepEqual(layer.outputShape, [10]);
    assert.deepEqual(layer.config(), { type: 'dropout', name: 'd', inputShape: [10], rate: 0.2 });
  });

  it('reuses its output buffer for the same batch size', () => {
    const layer = new Dropout({ inputShape: [4], rate: 0.5, rng });
    const first = layer.forward(Tensor.zeros([2, 4]), TRAINING);
    assert.equal(layer.forward(Tensor.zeros([2, 4]), TRAINING), first);
    assert.notEqual(layer.forward(Tensor.zeros([3, 4]), TRAINING), first);
  });
});
