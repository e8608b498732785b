/**
 * Backward-data of a stride-1 convolution as a convolution itself: dx is dy convolved with the
 * filters rotated by 180° and with K and C swapped — one im2col and one deep GEMM per image.
 *
 * Why. The plain im2col backward-data (conv-im2col.ts) computes cols = wᵀ·dy, a GEMM whose depth is
 * K, the number of filters (16–64 in small nets): every 4×4 register tile then does only K steps of
 * work before it is written out, and the tile overhead dominates. Here the GEMM's depth is K·FH·FW
 * (400 for 20 filters of 5×5), where the blocked GEMM runs at full speed.
 *
 * The identity (stride 1). With y = x ⋆ w (y[k,i,j] = Σ x[c, i−P+fy·D, j−P+fx·D]·w[k,c,fy,fx]),
 *   dx[c, u, v] = Σ_k Σ_fy Σ_fx dy[k, u+P−fy·D, v+P−fx·D] · w[k, c, fy, fx].
 * Put fy′ = FH−1−fy, P′ = D·(FH−1) − P: then u+P−fy·D = u − P′ + fy′·D, so
 *   dx[c] = dy ⋆ w̃   with   w̃[c, k, fy′, fx′] = w[k, c, FH−1−fy′, FW−1−fx′],
 * a stride-1 convolution of dy (K channels, H′×W′) with padding P′ and the same dilation D, whose
 * output is H×W again. It needs P′ ≥ 0, i.e. P ≤ D·(F−1) — always true for 'same' and 'valid'
 * padding; other cases (strides > 1, larger padding) use conv-im2col.ts.
 *
 *   per image n:  dx[n] += w̃ (C × K·FH·FW) · im2col(dy[n])     (im2col(dy[n]) is K·FH·FW × H·W)
 *
 * im2col(dy[n]) is packed straight into the GEMM's panels (packIm2colPanels), never stored.
 * Work split: by image, so each dx[n] is written by one thread in a fixed order (bit-identical for
 * any split).
 *
 * Engines: none mirror this file; its GEMM's inner loop (gemm-macro-kernel.ts) is mirrored in engines/,
 * and gemm.ts gets the tier's loop from engine-switch.ts.
 */
import type { ConvGeometry } from './conv-geometry.ts';
import { gemmPackedB } from './gemm.ts';
import { packIm2colPanels } from './im2col.ts';
import { defineKernel } from './kernel.ts';

export type ConvBackwardDataFlippedArgs = ConvGeometry & {
  /** dy (N, K, H′, W′), read. */
  readonly outputGrad: Float32Array;
  /** w̃ (C, K, FH, FW) from flipWeights(), read. */
  readonly flippedWeights: Float32Array;
  /** dx (N, C, H, W), added to. */
  readonly inputGrad: Float32Array;
};

/** True when the flipped-filter backward-data applies: stride 1 and P ≤ D·(F−1) in both directions. */
export function canFlipBackwardData(g: ConvGeometry): boolean {
  return g.strideH === 1 && g.strideW === 1 &&
    g.padH <= g.dilationH * (g.filterHeight - 1) && g.padW <= g.dilationW * (g.filterWidth - 1);
}

/**
 * Whether to take this path (when it applies). Both paths do the same multiply-adds; they differ in
 * overhead. Here each image's K·FH·FW × H·W patch matrix is packed once but feeds only C output rows
 * (and C is padded up to a multiple of the 4-row register tile), an overhead that grows like 1/C;
 * the plain path pays col2im plus the register-tile overhead of its depth-K GEMM, growing like 1/K.
 * Measured at batch 32 (GFLOP/s, flipped vs plain): 3 → 16 channels 0.7 vs 1.7; 16 → 20: 2.1 vs 1.9;
 * 20 → 20: 2.0 vs 1.7; 8 → 32 (3×3): 1.5 vs 2.2. So: flipped when 2·C ≥ K — e.g. yes for 16 → 20 or
 * 64 → 64 channels, no for an RGB input with 16 filters (which, as a net's first layer, usually needs
 * no dx at all).
 */
export function prefersFlippedBackwardData(g: ConvGeometry): boolean {
  return canFlipBackwardData(g) && 2 * g.inputChannels >= g.filters;
}

/** w (K, C, FH, FW) → w̃ (C, K, FH, FW) with w̃[c, k, fy, fx] = w[k, c, FH−1−fy, FW−1−fx]. */
export function flipWeights(g: ConvGeometry, weights: Float32Array, flipped: Float32Array): void {
  const { filters, inputChannels, filterHeight, filterWidth } = g;
  const taps = filterHeight * filterWidth;
  for (let k = 0; k < filters; k++) {
    for (let c = 0; c < inputChannels; c++) {
      const source = (k * inputChannels + c) * taps;
      const destination = (c * filters + k) * taps;
      for (let t = 0; t < taps; t++) flipped[destination + t] = weights[source + taps - 1 - t];
    }
  }
}

/** The geometry of the convolution dy ⋆ w̃: K input channels of H′×W′, C filters, output H×W. */
export function flippedGeometry(g: ConvGeometry): ConvGeometry {
  return {
    batchSize: g.batchSize,
    inputChannels: g.filters, inputHeight: g.outputHeight, inputWidth: g.outputWidth,
    filters: g.inputChannels, filterHeight: g.filterHeight, filterWidth: g.filterWidth,
    strideH: 1, strideW: 1,
    padH: g.dilationH * (g.filterHeight - 1) - g.padH, padW: g.dilationW * (g.filterWidth - 1) - g.padW,
    dilationH: g.dilationH, dilationW: g.dilationW,
    outputHeight: g.inputHeight, outputWidth: g.inputWidth,
  };
}

/** dx[n] += w̃ · im2col(dy[n]) for images n in [imageStart, imageEnd). */
export function conv2dBackwardDataFlipped(args: ConvBackwardDataFlippedArgs, imageStart: number, imageEnd: number): void {
  const flipped = flippedGeometry(args);
  const depth = flipped.inputChannels * flipped.filterHeight * flipped.filterWidth;
  const pixels = flipped.outputHeight * flipped.outputWidth;
  const channels = args.inputChannels;
  const outputGradSize = args.filters * args.outputHeight * args.outputWidth;
  const { outputGrad, flippedWeights, inputGrad } = args;
  for (let n = imageStart; n < imageEnd; n++) {
    const outputGradOffset = n * outputGradSize;
    gemmPackedB(
      false, channels, pixels, depth, flippedWeights, 0, depth,
      (dst, dstStart, depthStart, blockDepth, colStart, cols) =>
        packIm2colPanels(flipped, outputGrad, outputGradOffset, dst, dstStart, depthStart, blockDepth, colStart, cols),
      inputGrad, n * channels * pixels, pixels, true,
    );
  }
}

/** Handles for executor.parallelFor (kernel.ts): the functions above under their registry names. */
export const conv2dBackwardDataFlippedKernel = defineKernel('conv2dBackwardDataFlipped', conv2dBackwardDataFlipped);
