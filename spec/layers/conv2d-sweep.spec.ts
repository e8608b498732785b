/**
 * Naive equals fast: both GEMM convolutions — explicit im2col and implicit GEMM — agree with the
 * six-loop reference on forward and on all three backward outputs (dx, dw, db), over a randomized
 * sweep of geometries:
 * F 1–7 (height and width drawn separately), stride 1–3, pad 0–3, dilation 1–2, C 1–16, K 1–16,
 * batch 1–8, non-square everything. Spatial sizes are kept small so the naive loops stay fast:
 * the sweep picks H′, W′ in 1–4 and derives the input size that fits exactly.
 *
 * Error measure (the project's policy, as in src/nn/gradcheck.ts): |a − b| / max(1, |a|, |b|) —
 * relative above 1, absolute below. Data are realistically scaled (unit inputs and output
 * gradients, He-initialized weights), so every value is O(1)–O(10) and float32 rounding is ~1e-7.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Conv2d } from '../../src/layers/conv2d.ts';
import { TRAINING } from '../../src/layers/layer.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const TOLERANCE = 1e-5;

function maxError(a: Float32Array, b: Float32Array): { error: number; index: number } {
  let error = 0;
  let index = -1;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i]), Math.abs(b[i]));
    if (e > error || index < 0) {
      error = e;
      index = i;
    }
  }
  return { error, index };
}

function between(rng: Rng, low: number, high: number): number {
  return low + rng.int(high - low + 1);
}

for (const implementation of ['im2col', 'implicit-gemm'] as const) {
  test(`naive and ${implementation} convolutions agree (forward, dx, dw, db) over a randomized sweep`, () => {
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
      for (let k = 0; k < filters; k++) {
        const b = rng.gaussian(0, 1);
        fast.bias.value.data[k] = b;
        naive.bias.value.data[k] = b;
      }
      const input = Tensor.gaussian([batch, channels, inputHeight, inputWidth], rng);
      const where = `trial ${trials} ${JSON.stringify({ ...options, batch })}`;

      const yFast = fast.forward(input, TRAINING);
      const yNaive = naive.forward(input, TRAINING);
      assert.deepEqual(yFast.shape, [batch, filters, outputHeight, outputWidth], where);
      const outputGrad = Tensor.gaussian(yFast.shape, rng);
      const dxFast = fast.backward(outputGrad);
      const dxNaive = naive.backward(outputGrad);

      const pairs: Array<[string, Float32Array, Float32Array]> = [
        ['forward', yFast.data, yNaive.data],
        ['dx', dxFast.data, dxNaive.data],
        ['dw', fast.weights.grad.data, naive.weights.grad.data],
        ['db', fast.bias.grad.data, naive.bias.grad.data],
      ];
      for (const [what, a, b] of pairs) {
        const { error, index } = maxError(a, b);
        assert.ok(error <= TOLERANCE, `${where}: ${what}[${index}] ${implementation} ${a[index]} vs naive ${b[index]} (error ${error})`);
      }
    }
    assert.deepEqual(seen, { filter7: true, stride3: true, pad3: true, dilation2: true, channels16: true, batch8: true, flippedBackwardData: true });
  });
}
