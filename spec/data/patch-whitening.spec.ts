import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { channelStatistics, makeImageDataset, toFloatBatch, type ImageDataset } from '../../src/data/dataset.ts';
import { applyPatchWhitening, fitPatchWhitening, patchWhiteningScratchSize, zcaMatrix, type PatchWhitening } from '../../src/data/patch-whitening.ts';
import { ConfigError, ShapeError } from '../../src/errors.ts';
import { Rng } from '../../src/tensor/rng.ts';

/**
 * Images with the correlations of photographs, in miniature: white noise blurred by a 3x3 box (so
 * neighbouring pixels are strongly correlated) and mixed across channels (so colours are too).
 */
function correlatedImages(count: number, channels: number, size: number, seed: number): ImageDataset {
  const rng = new Rng(seed);
  const plane = size * size;
  const pixels = new Uint8Array(count * channels * plane);
  const noise = new Float64Array(channels * (size + 2) * (size + 2));
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < noise.length; i++) noise[i] = rng.gaussian();
    const blurred = new Float64Array(channels * plane);
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          let sum = 0;
          for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) sum += noise[(c * (size + 2) + y + dy) * (size + 2) + x + dx];
          blurred[c * plane + y * size + x] = sum / 3;
        }
      }
    }
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < plane; p++) {
        // Every channel is half its own noise and half channel 0's.
        const value = 0.5 * blurred[c * plane + p] + 0.5 * blurred[p];
        pixels[(n * channels + c) * plane + p] = Math.max(0, Math.min(255, Math.round(128 + 40 * value)));
      }
    }
  }
  return makeImageDataset({
    name: 'correlated', classNames: ['only'], channels, height: size, width: size, count, pixels, labels: new Uint8Array(count),
  });
}

/** Correlation of pixel (c, y, x) with pixel (c, y, x + 1) over all images and interior positions. */
function horizontalCorrelation(batch: Float32Array, count: number, channels: number, size: number, c: number): number {
  let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, m = 0;
  for (let n = 0; n < count; n++) {
    for (let y = 2; y < size - 2; y++) {
      for (let x = 2; x < size - 3; x++) {
        const a = batch[((n * channels + c) * size + y) * size + x];
        const b = batch[((n * channels + c) * size + y) * size + x + 1];
        sa += a; sb += b; saa += a * a; sbb += b * b; sab += a * b; m++;
      }
    }
  }
  const cov = sab / m - (sa / m) * (sb / m);
  return cov / Math.sqrt((saa / m - (sa / m) ** 2) * (sbb / m - (sb / m) ** 2));
}

describe('zcaMatrix', () => {
  it('is symmetric and gives W Σ Wᵀ = U Λ/(Λ+ε) Uᵀ: the identity as ε → 0', () => {
    const d = 6;
    const rng = new Rng(3);
    // Σ = B Bᵀ + 0.1 I: symmetric positive definite with unequal eigenvalues.
    const b = Array.from({ length: d * d }, () => rng.gaussian());
    const sigma = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      let sum = i === j ? 0.1 : 0;
      for (let k = 0; k < d; k++) sum += b[i * d + k] * b[j * d + k];
      sigma[i * d + j] = sum;
    }
    const w = zcaMatrix(sigma, d, 1e-12);
    let worst = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      assert.ok(Math.abs(w[i * d + j] - w[j * d + i]) < 1e-12, 'W is symmetric');
      let wsw = 0;
      for (let k = 0; k < d; k++) for (let l = 0; l < d; l++) wsw += w[i * d + k] * sigma[k * d + l] * w[j * d + l];
      worst = Math.max(worst, Math.abs(wsw - (i === j ? 1 : 0)));
    }
    assert.ok(worst < 1e-9, `|W Σ Wᵀ − I| up to ${worst}`);
    // With ε equal to every eigenvalue of Σ = 2I, W Σ Wᵀ = I/2.
    const two = new Float64Array(d * d);
    for (let i = 0; i < d; i++) two[i * d + i] = 2;
    const half = zcaMatrix(two, d, 2);
    for (let i = 0; i < d; i++) assert.ok(Math.abs(half[i * d + i] - 0.5) < 1e-15 && Math.abs(half[i * d + (i + 1) % d]) < 1e-15);
  });
});

describe('fitPatchWhitening', () => {
  const images = correlatedImages(60, 3, 12, 1);
  const statistics = channelStatistics(images);

  it('decorrelates neighbouring pixels and leaves each channel with mean 0 and variance 1', () => {
    const whitening = fitPatchWhitening(images, statistics, { size: 5, epsilon: 1e-3, stride: 1 });
    assert.equal(whitening.kernel.length, 3 * 3 * 5 * 5);
    const indices = Int32Array.from({ length: images.count }, (_, n) => n);
    const plain = toFloatBatch(images, indices, new Float32Array(images.count * 3 * 144), statistics);
    const white = toFloatBatch(images, indices, new Float32Array(images.count * 3 * 144), { ...statistics, whitening });
    for (let c = 0; c < 3; c++) {
      const before = horizontalCorrelation(plain, images.count, 3, 12, c);
      const after = horizontalCorrelation(white, images.count, 3, 12, c);
      assert.ok(before > 0.5, `channel ${c}: the test images are correlated (${before.toFixed(3)})`);
      assert.ok(Math.abs(after) < 0.1, `channel ${c}: neighbours after whitening correlate ${after.toFixed(3)}`);
      // Interior pixels, where the kernel sees no padding, are the ones the fit describes.
      let sum = 0, sumOfSquares = 0, m = 0;
      for (let n = 0; n < images.count; n++) for (let y = 2; y < 10; y++) for (let x = 2; x < 10; x++) {
        const v = white[((n * 3 + c) * 12 + y) * 12 + x];
        sum += v; sumOfSquares += v * v; m++;
      }
      assert.ok(Math.abs(sum / m) < 0.05, `channel ${c}: mean ${sum / m}`);
      assert.ok(Math.abs(sumOfSquares / m - (sum / m) ** 2 - 1) < 0.05, `channel ${c}: variance ${sumOfSquares / m - (sum / m) ** 2}`);
    }
  });

  it('is deterministic (a resumed run refits the same kernel) and rejects bad settings, naming the dataset', () => {
    assert.deepEqual(fitPatchWhitening(images, statistics, { size: 3 }), fitPatchWhitening(images, statistics, { size: 3 }));
    const isConfigError = (pattern: RegExp) => (error: unknown) => error instanceof ConfigError && pattern.test(error.message);
    assert.throws(() => fitPatchWhitening(images, statistics, { size: 4 }), isConfigError(/patch whitening of "correlated": the patch size must be an odd integer from 1 to 12, got 4/));
    assert.throws(() => fitPatchWhitening(images, statistics, { size: 13 }), isConfigError(/got 13/));
    assert.throws(() => fitPatchWhitening(images, statistics, { epsilon: 0 }), isConfigError(/epsilon must be a positive number, got 0/));
  });
});

describe('applyPatchWhitening', () => {
  it('is the zero-padded convolution of the formula, borders included', () => {
    const [C, H, W, k] = [2, 5, 4, 3];
    const rng = new Rng(5);
    const whitening: PatchWhitening = {
      size: k, epsilon: 0.1,
      kernel: Array.from({ length: C * C * k * k }, () => rng.uniformRange(-1, 1)),
      offset: [0.3, -0.7],
    };
    const input = Float32Array.from({ length: 2 * C * H * W }, () => rng.uniformRange(-2, 2));
    const data = Float32Array.from(input);
    applyPatchWhitening(data, 2, C, H, W, whitening, new Float32Array(patchWhiteningScratchSize(C, H, W, k)));
    for (let n = 0; n < 2; n++) for (let o = 0; o < C; o++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      let expected = -whitening.offset[o];
      for (let i = 0; i < C; i++) for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) {
        const [sy, sx] = [y + dy - 1, x + dx - 1];
        if (sy < 0 || sy >= H || sx < 0 || sx >= W) continue;
        expected += whitening.kernel[((o * C + i) * k + dy) * k + dx] * input[((n * C + i) * H + sy) * W + sx];
      }
      const actual = data[((n * C + o) * H + y) * W + x];
      assert.ok(Math.abs(actual - expected) < 1e-5, `(n ${n}, o ${o}, y ${y}, x ${x}): ${actual} vs ${expected}`);
    }
  });

  it('rejects a kernel for another channel count', () => {
    const whitening: PatchWhitening = { size: 1, epsilon: 0.1, kernel: [1], offset: [0] };
    assert.throws(
      () => applyPatchWhitening(new Float32Array(8), 1, 2, 2, 2, whitening, new Float32Array(16)),
      (error: unknown) => error instanceof ShapeError && /a 1x1 kernel for 2-channel images needs 4 weights and 2 offsets, got 1 and 1/.test(error.message),
    );
  });
});
