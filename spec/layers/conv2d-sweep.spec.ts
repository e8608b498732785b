/**
 * Naive equals fast: both GEMM convolutions — explicit im2col and implicit GEMM — agree with the
 * six-loop reference on forward and on all three backward outputs (dx, dw, db), over a randomized
 * sweep of geometries:
 * F 1–7 (height and width drawn separately), stride 1–3, pad 0–3, dilation 1–2, C 1–16, K 1–16,
 * batch 1–8, non-square everything. Spatial sizes are kept small so the naive loops stay fast:
 * the sweep picks H′, W′ in 1–4 and derives the input size that fits exactly.
 *
 * Error measure: relative to the sum of |terms| (the float32 contract of the fast kernels, rule 4).
 * The naive loops sum in double and round once: the accuracy reference. The fast paths sum in float32
 * (two roundings per multiply-add, fixed order), and a float32 sum of n rounded products, in any
 * order, is within γ_n·Σ|terms| of the exact sum, γ_n = n·u/(1 − n·u), u = 2⁻²⁴ (Higham, Accuracy and
 * Stability of Numerical Algorithms, §3.1). So every output must satisfy
 *     |fast − naive| ≤ (n + 2) · 2⁻²⁴ · Σ_p |a_p · b_p|
 * with n the number of products in its sum (forward: C·FH·FW, plus the bias; dx: K·FH·FW; dw: N·H′·W′;
 * db: N·H′·W′) — the + 2 covers the naive result's own rounding to float32 and one accumulation into
 * the gradient buffer. Why not a plain relative tolerance: on cancelling sums (Σ|terms| ≫ |sum|) the
 * float32 error is small against the terms but large against the result, and no fixed 1e-5 holds; the
 * bound above is what float32 arithmetic guarantees, and it still catches a wrong term or order
 * (such an error is O(|term|), not O(2⁻²⁴·Σ|terms|)). Σ|terms| comes from a third, naive layer run on
 * |x|, |w|, |b| and |dy|.
 *
 * How far the fast paths really are (the test reports it as a diagnostic): the largest error seen,
 * in units of 2⁻²⁴·Σ|terms|, is a small fraction of n — rounding errors of a sequential sum mostly
 * cancel. On this sweep the float32 implicit GEMM stays within 3.5 units (forward 3.4, dx 3.5, dw
 * 3.0; db is summed in double, 0), i.e. within about 2⁻²²·Σ|terms| of the float64 naive sums, where
 * the bound allows n + 2 units (up to 787 here); the explicit im2col path, whose patch matrices are
 * stored as float32, within 3.2.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Conv2d } from '../../src/layers/conv2d.ts';
import { TRAINING } from '../../src/layers/layer.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const UNIT_ROUNDOFF = 2 ** -24;

/**
 * The worst output of `fast` against `naive`, as error / (2⁻²⁴·Σ|terms|) (0 where both are exact),
 * and the first output that breaks |fast − naive| ≤ (terms + 2)·2⁻²⁴·Σ|terms|, if any.
 */
function errorInUnits(fast: Float32Array, naive: Float32Array, absoluteTerms: Float32Array, terms: number): { worst: number; failing: number } {
  let worst = 0;
  let failing = -1;
  for (let i = 0; i < fast.length; i++) {
    const error = Math.abs(fast[i] - naive[i]);
    const unit = UNIT_ROUNDOFF * absoluteTerms[i];
    if (error > (terms + 2) * unit && failing < 0) failing = i;
    if (error > 0) worst = Math.max(worst, error / unit);
  }
  return { worst, failing };
}

function between(rng: Rng, low: number, high: number): number {
  return low + rng.int(high - low + 1);
}

for (const implementation of ['im2col', 'implicit-gemm'] as const) {
  test(`naive and ${implementation} convolutions agree within the float32 bound (forward, dx, dw, db) over a randomized sweep`, (t) => {
    const worstInUnits = { forward: 0, dx: 0, dw: 0, db: 0 };
    const rng = new Rng(2024);
    const seen = { filter7: false, stride3: false, pad3: false, dilation2: false, channels16: false, batch8: false, flippedBackwardData: false };
    let trials = 0;
    while (trials < 80) {
      const filterHeight = between(rng, 1, 7);
      const filterWidth = between(rng, 1, 7);
      const strideH = between(rng, 1, 3);
      const strideW = between(rng, 1, 3);
      const padH = between(rng, 0, 3);
      const padW = between(rng, 0, 3);
      const dilationH = between(rng, 1, 2);
      const dilationW = between(rng, 1, 2);
      const outputHeight = between(rng, 1, 4);
      const outputWidth = between(rng, 1, 4);
      // H = (H′ − 1)·S + D·(F − 1) + 1 − 2P: the input on which this geometry fits exactly.
      const inputHeight = (outputHeight - 1) * strideH + dilationH * (filterHeight - 1) + 1 - 2 * padH;
      const inputWidth = (outputWidth - 1) * strideW + dilationW * (filterWidth - 1) + 1 - 2 * padW;
      if (inputHeight < 1 || inputWidth < 1) continue;
      const channels = between(rng, 1, 16);
      const filters = between(rng, 1, 16);
      const batch = between(rng, 1, 8);
      trials++;
      seen.filter7 ||= filterHeight === 7 || filterWidth === 7;
      seen.stride3 ||= strideH === 3 || strideW === 3;
      seen.pad3 ||= padH === 3 || padW === 3;
      seen.dilation2 ||= dilationH === 2 || dilationW === 2;
      seen.channels16 ||= channels === 16 || filters === 16;
      seen.batch8 ||= batch === 8;
      // Stride 1 with P ≤ D·(F−1) takes the flipped-filter backward-data path (conv-backward-data-flipped.ts;
      // the explicit path only when 2·C ≥ K).
      seen.flippedBackwardData ||= strideH === 1 && strideW === 1 && padH <= dilationH * (filterHeight - 1) && padW <= dilationW * (filterWidth - 1) &&
        (implementation === 'implicit-gemm' || 2 * channels >= filters);

      const options = {
        inputShape: [channels, inputHeight, inputWidth], filters,
        size: [filterHeight, filterWidth] as [number, number], stride: [strideH, strideW] as [number, number],
        pad: [padH, padW] as [number, number], dilation: [dilationH, dilationW] as [number, number],
      };
      const seed = rng.nextUint32();
      const fast = new Conv2d({ ...options, implementation, rng: new Rng(seed) });
      const naive = new Conv2d({ ...options, implementation: 'naive', rng: new Rng(seed) });
      const absolute = new Conv2d({ ...options, implementation: 'naive', rng: new Rng(seed) });
      absolute.weights.value.data.set(naive.weights.value.data.map(Math.abs));
      for (let k = 0; k < filters; k++) {
        const b = rng.gaussian(0, 1);
        fast.bias.value.data[k] = b;
        naive.bias.value.data[k] = b;
        absolute.bias.value.data[k] = Math.abs(b);
      }
      const input = Tensor.gaussian([batch, channels, inputHeight, inputWidth], rng);
      const where = `trial ${trials} ${JSON.stringify({ ...options, batch })}`;

      const yFast = fast.forward(input, TRAINING);
      const yNaive = naive.forward(input, TRAINING);
      assert.deepEqual(yFast.shape, [batch, filters, outputHeight, outputWidth], where);
      const outputGrad = Tensor.gaussian(yFast.shape, rng);
      const dxFast = fast.backward(outputGrad);
      const dxNaive = naive.backward(outputGrad);
      // Σ|terms| of every output: the same sums over |x|, |w|, |b|, |dy|.
      const yAbsolute = absolute.forward(Tensor.from(input.data.map(Math.abs), input.shape), TRAINING);
      const dxAbsolute = absolute.backward(Tensor.from(outputGrad.data.map(Math.abs), outputGrad.shape));

      const pixels = batch * outputHeight * outputWidth;
      const pairs: Array<[keyof typeof worstInUnits, Float32Array, Float32Array, Float32Array, number]> = [
        ['forward', yFast.data, yNaive.data, yAbsolute.data, channels * filterHeight * filterWidth + 1],
        ['dx', dxFast.data, dxNaive.data, dxAbsolute.data, filters * filterHeight * filterWidth],
        ['dw', fast.weights.grad.data, naive.weights.grad.data, absolute.weights.grad.data, pixels],
        ['db', fast.bias.grad.data, naive.bias.grad.data, absolute.bias.grad.data, pixels],
      ];
      for (const [what, a, b, absoluteTerms, terms] of pairs) {
        const { worst, failing } = errorInUnits(a, b, absoluteTerms, terms);
        assert.ok(failing < 0, `${where}: ${what}[${failing}] ${implementation} ${a[failing]} vs naive ${b[failing]}, ` +
          `error ${Math.abs(a[failing] - b[failing])} > (${terms} + 2)·2⁻²⁴·Σ|terms| = ${(terms + 2) * UNIT_ROUNDOFF * absoluteTerms[failing]}`);
        worstInUnits[what] = Math.max(worstInUnits[what], worst);
      }
    }
    t.diagnostic(`${implementation}: largest |fast − naive| in units of 2⁻²⁴·Σ|terms|: ${JSON.stringify(worstInUnits, (_, v: unknown) => (typeof v === 'number' ? +v.toFixed(2) : v))}`);
    assert.deepEqual(seen, { filter7: true, stride3: true, pad3: true, dilation2: true, channels16: true, batch8: true, flippedBackwardData: true });
  });
}
