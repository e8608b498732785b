import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.ts';
import {
  makeInitializer,
  parseInitializerConfig,
  resolveDistribution,
  type InitializerConfig,
} from '../../src/nn/initializers.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

/**
 * Statistical bounds. For n independent draws with mean μ and standard deviation σ:
 * - the sample mean has standard error σ/√n;
 * - the sample standard deviation has standard error ≈ σ·sqrt((κ−1)/4n), κ the kurtosis: σ/√(2n)
 *   for a normal (κ = 3), σ/√(5n) = a/√(15n) for a uniform of half-width a (κ = 9/5, σ = a/√3).
 * We allow 5 standard errors: a correct sampler fails with probability < 1e-6 per check (and the
 * seed is fixed, so the outcome is deterministic), while a wrong formula (e.g. 1/fanIn instead of
 * 2/fanIn changes σ by 29%) is off by hundreds of standard errors at n = 100 000.
 */
const SAMPLES = 100_000;
const Z = 5;

function moments(data: Float32Array): { mean: number; std: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const value of data) {
    sum += value;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const mean = sum / data.length;
  let squares = 0;
  for (const value of data) squares += (value - mean) ** 2;
  return { mean, std: Math.sqrt(squares / (data.length - 1)), min, max };
}

function draw(config: InitializerConfig, fanIn: number, fanOut: number, seed = 7): Tensor {
  const weights = Tensor.zeros([SAMPLES]);
  makeInitializer(config, new Rng(seed))(weights, fanIn, fanOut);
  return weights;
}

function assertNormal(weights: Tensor, mean: number, std: number): void {
  const m = moments(weights.data);
  const standardError = std / Math.sqrt(SAMPLES);
  assert.ok(Math.abs(m.mean - mean) < Z * standardError, `mean ${m.mean}, expected ${mean} ± ${Z * standardError}`);
  const stdError = std / Math.sqrt(2 * SAMPLES);
  assert.ok(Math.abs(m.std - std) < Z * stdError, `std ${m.std}, expected ${std} ± ${Z * stdError}`);
}

function assertUniform(weights: Tensor, low: number, high: number): void {
  const m = moments(weights.data);
  const halfWidth = (high - low) / 2;
  const std = halfWidth / Math.sqrt(3);
  assert.ok(m.min >= Math.fround(low) && m.max <= Math.fround(high), `range [${m.min}, ${m.max}] outside [${low}, ${high}]`);
  // With 100 000 draws the extremes come within ~1e-4 of the ends; a narrower range is a bug.
  assert.ok(m.min < low + 1e-3 * (high - low) && m.max > high - 1e-3 * (high - low), `range [${m.min}, ${m.max}] too narrow`);
  const standardError = std / Math.sqrt(SAMPLES);
  assert.ok(Math.abs(m.mean - (low + high) / 2) < Z * standardError, `mean ${m.mean}`);
  const stdError = halfWidth / Math.sqrt(15 * SAMPLES);
  assert.ok(Math.abs(m.std - std) < Z * stdError, `std ${m.std}, expected ${std} ± ${Z * stdError}`);
}

describe('initializers: distributions', () => {
  // Conv-like fans: C = 16, K = 32, 3×3 filters → fanIn = 144, fanOut = 288.
  const fanIn = 144;
  const fanOut = 288;

  it('gaussian(std, mean) draws N(mean, std²)', () => {
    assertNormal(draw({ type: 'gaussian', std: 0.01 }, fanIn, fanOut), 0, 0.01);
    assertNormal(draw({ type: 'gaussian', std: 2, mean: -3 }, fanIn, fanOut), -3, 2);
  });

  it('uniform(low, high) draws U[low, high)', () => {
    assertUniform(draw({ type: 'uniform', low: -0.5, high: 1.5 }, fanIn, fanOut), -0.5, 1.5);
  });

  it('constant(value) fills every element', () => {
    const weights = draw({ type: 'constant', value: 0.1 }, fanIn, fanOut);
    assert.ok(weights.data.every((v) => v === Math.fround(0.1)));
  });

  it('xavier normal has std sqrt(2/(fanIn+fanOut)); uniform has limit sqrt(6/(fanIn+fanOut))', () => {
    assertNormal(draw({ type: 'xavier' }, fanIn, fanOut), 0, Math.sqrt(2 / (fanIn + fanOut)));
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    assertUniform(draw({ type: 'xavier', distribution: 'uniform' }, fanIn, fanOut), -limit, limit);
  });

  it('he normal has std sqrt(2/fanIn); uniform has limit sqrt(6/fanIn)', () => {
    assertNormal(draw({ type: 'he', distribution: 'normal' }, fanIn, fanOut), 0, Math.sqrt(2 / fanIn));
    const limit = Math.sqrt(6 / fanIn);
    assertUniform(draw({ type: 'he', distribution: 'uniform' }, fanIn, fanOut), -limit, limit);
  });

  it('resolveDistribution spells out the formulas (fully connected: fanIn = D, fanOut = outputs)', () => {
    assert.deepEqual(resolveDistribution({ type: 'he' }, 50, 10), { kind: 'normal', mean: 0, std: Math.sqrt(2 / 50) });
    assert.deepEqual(resolveDistribution({ type: 'xavier', distribution: 'uniform' }, 50, 10), {
      kind: 'uniform',
      low: -Math.sqrt(6 / 60),
      high: Math.sqrt(6 / 60),
    });
  });

  it('the sampler would catch a wrong formula (He with 1/fanIn is rejected by the bound)', () => {
    const wrong = draw({ type: 'gaussian', std: Math.sqrt(1 / fanIn) }, fanIn, fanOut);
    assert.throws(() => assertNormal(wrong, 0, Math.sqrt(2 / fanIn)), /std/);
  });
});

describe('initializers: determinism', () => {
  const configs: InitializerConfig[] = [
    { type: 'gaussian', std: 1 },
    { type: 'uniform', low: -1, high: 1 },
    { type: 'xavier', distribution: 'uniform' },
    { type: 'he' },
  ];
  for (const config of configs) {
    it(`${JSON.stringify(config)}: same seed → same bits, other seed → other values`, () => {
      const fill = (seed: number): Uint32Array => {
        const weights = Tensor.zeros([8, 3, 3, 3]);
        makeInitializer(config, new Rng(seed))(weights, 27, 72);
        return new Uint32Array(weights.data.buffer.slice(0));
      };
      assert.deepEqual(fill(42), fill(42));
      assert.notDeepEqual(fill(42), fill(43));
    });
  }

  it('draws one value per element in flat order from the given rng', () => {
    const weights = Tensor.zeros([2, 3]);
    makeInitializer({ type: 'uniform', low: -2, high: 2 }, new Rng(5))(weights, 3, 2);
    const rng = new Rng(5);
    const expected = Array.from({ length: 6 }, () => Math.fround(rng.uniformRange(-2, 2)));
    assert.deepEqual(weights.toArray(), expected);
  });
});

describe('initializers: configuration errors', () => {
  const rng = new Rng(1);

  it('unknown type → ConfigError listing the valid types', () => {
    assert.throws(
      () => makeInitializer({ type: 'orthogonal' } as unknown as InitializerConfig, rng),
      (error: unknown) =>
        error instanceof ConfigError &&
        /unknown type "orthogonal"/.test(error.message) &&
        ['gaussian', 'uniform', 'constant', 'xavier', 'he'].every((t) => error.message.includes(`'${t}'`)),
    );
    assert.throws(() => parseInitializerConfig({ type: 'glorot' }), /for 'glorot' write 'xavier'/);
    assert.throws(() => parseInitializerConfig(null), ConfigError);
    assert.throws(() => parseInitializerConfig({}), ConfigError);
  });

  it('bad keys and values → ConfigError saying which', () => {
    assert.throws(() => parseInitializerConfig({ type: 'gaussian' }), /'std' must be a finite number/);
    assert.throws(() => parseInitializerConfig({ type: 'gaussian', std: -1 }), /'std' must be ≥ 0/);
    assert.throws(() => parseInitializerConfig({ type: 'gaussian', std: 1, sigma: 2 }), /unknown key 'sigma'/);
    assert.throws(() => parseInitializerConfig({ type: 'uniform', low: 1, high: 1 }), /needs low < high/);
    assert.throws(() => parseInitializerConfig({ type: 'constant', value: Number.NaN }), /'value'/);
    assert.throws(() => parseInitializerConfig({ type: 'he', distribution: 'truncated' }), /'normal' or 'uniform'/);
  });

  it('fan-scaled initializers reject a non-positive fan when they run', () => {
    const init = makeInitializer({ type: 'he' }, rng);
    assert.throws(() => init(Tensor.zeros([4]), 0, 4), (e: unknown) => e instanceof ConfigError && /fanIn/.test(e.message));
    assert.throws(() => makeInitializer({ type: 'xavier' }, rng)(Tensor.zeros([4]), 4, 2.5), /fanOut/);
  });

  it('defaults are filled in and kept on the hook for model files', () => {
    assert.deepEqual(makeInitializer({ type: 'he' }, rng).config, { type: 'he', distribution: 'normal' });
    assert.deepEqual(parseInitializerConfig({ type: 'gaussian', std: 0.1 }), { type: 'gaussian', std: 0.1, mean: 0 });
  });
});
