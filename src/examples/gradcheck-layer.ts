/**
 * Example 3 — a gradient check of one layer: is the analytic backward pass of a convolution right?
 *
 * For each input and parameter value θ_i, the numerical derivative of L = Σ r ⊙ layer(x) (r a fixed
 * random projection) by centred differences,  (L(θ_i + h) − L(θ_i − h)) / 2h,  is compared with
 * what backward computed; error = |a − n| / max(1, |a|, |n|) must stay below TOLERANCE (1e-3). Why
 * those numbers, and why a projection: src/nn/gradcheck.ts.
 * Run it: npx tsx src/examples/gradcheck-layer.ts     Read next: src/layers/conv2d.ts, src/kernels/conv-naive.ts
 */
import { fileURLToPath } from 'node:url';
import { Conv2d, Rng, TOLERANCE, Tensor, checkLayerGradients } from '../index.ts';
import type { ConvImplementation, GradcheckResult } from '../index.ts';

export function gradcheckConv(implementation: ConvImplementation = 'naive', seed = 1): GradcheckResult[] {
  const rng = new Rng(seed);
  // 3 filters of 3×3 over 2 channels, stride 1, zero padding 1: (N, 2, 5, 5) → (N, 3, 5, 5).
  const layer = new Conv2d({ inputShape: [2, 5, 5], filters: 3, size: 3, pad: 1, implementation, rng });
  const input = Tensor.gaussian([2, 2, 5, 5], rng); // a batch of two images
  // Checks the input gradient and every parameter (weights, bias); prints one row per tensor.
  return checkLayerGradients(`conv3x3 (${implementation})`, layer, input, rng, { assert: false });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = gradcheckConv();
  console.log(results.every((r) => r.maxError <= TOLERANCE) ? 'gradients ok' : 'gradient check FAILED');
}
