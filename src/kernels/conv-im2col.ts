/**
 * Fast 2-D convolution: im2col + GEMM, forward and backward. Same results as conv-naive.ts (a spec
 * checks they agree), at GEMM speed. Shapes and index arithmetic: see conv-geometry.ts.
 *
 * Per image n, with cols[n] = im2col(x[n]) the (C·FH·FW × H′·W′) matrix of its patches:
 *
 *   forward          y[n]  (K × H′W′)     = w (K × CFF) · cols[n] + b          (GEMM, then nothing)
 *   backward-weights dw    (K × CFF)     += Σ_n dy[n] (K × H′W′) · cols[n]ᵀ     (GEMM with transB)
 *                    db[k]               += Σ_n Σ_pixels dy[n, k]
 *   backward-data    cols[n]             = wᵀ (CFF × K) · dy[n] (K × H′W′)      (GEMM with transA)
 *                    dx[n]              += col2im(cols[n])
 *
 * The columns buffer. Forward keeps the columns of EVERY image, `columns` of N × (C·FH·FW) × (H′·W′)
 * floats, so backward-weights can reuse them instead of running im2col again; backward-data then
 * overwrites cols[n] with wᵀ·dy[n] before folding it into dx[n]. One buffer thus serves all three
 * passes and no thread needs private scratch. The cost is memory: N·C·FH·FW·H′·W′·4 bytes, e.g.
 * 64 × (3·5·5) × (32·32) × 4 B ≈ 19.7 MB for a CIFAR-10 first layer at batch 64 — about FH·FW/(SH·SW)
 * times the input. The order is therefore fixed: forward, backward-weights, backward-data.
 *
 * Work splits (RangeKernel form): forward and backward-data take a range of images n (image n
 * writes only y[n], cols[n] and dx[n]); backward-weights takes a range of filters k (rows of dw and
 * entries of db), adding image n = 0, 1, …, N−1 in that order. The GEMM's per-element summation order
 * does not depend on the row range (see gemm.ts), so any split gives the same bits.
 */
import type { ConvGeometry } from './conv-geometry.ts';
import { gemm } from './gemm.ts';
import { col2im, im2col } from './im2col.ts';
import { sumOutputGrad } from './conv-naive.ts';

export type ConvForwardIm2colArgs = ConvGeometry & {
  /** x (N, C, H, W), w (K, C, FH, FW), b (K) → y (N, K, H′, W′), overwritten, and the columns. */
  readonly input: Float32Array;
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly output: Float32Array;
  /** N × (C·FH·FW) × (H′·W′), written. */
  readonly columns: Float32Array;
};

export type ConvBackwardWeightsIm2colArgs = ConvGeometry & {
  /** dy (N, K, H′, W′) and forward's columns → dw (K, C, FH, FW) and db (K), added to. */
  readonly outputGrad: Float32Array;
  readonly columns: Float32Array;
  readonly weightsGrad: Float32Array;
  readonly biasGrad: Float32Array;
};

export type ConvBackwardDataIm2colArgs = ConvGeometry & {
  /** dy (N, K, H′, W′), w (K, C, FH, FW) → dx (N, C, H, W), added to; columns overwritten. */
  readonly outputGrad: Float32Array;
  readonly weights: Float32Array;
  readonly columns: Float32Array;
  readonly inputGrad: Float32Array;
};

/** Rows of one image's columns matrix: C·FH·FW, the size of one patch. */
function patchSize(geometry: ConvGeometry): number {
  return geometry.inputChannels * geometry.filterHeight * geometry.filterWidth;
}

/** Columns of one image's columns matrix: H′·W′, the number of output pixels. */
function outputPixels(geometry: ConvGeometry): number {
  return geometry.outputHeight * geometry.outputWidth;
}

/** y[n] = w · im2col(x[n]) + b, for images n in [imageStart, imageEnd). */
export function conv2dForwardIm2col(args: ConvForwardIm2colArgs, imageStart: number, imageEnd: number): void {
  const patch = patchSize(args);
  const pixels = outputPixels(args);
  const { filters, input, weights, bias, output, columns } = args;
  const imageSize = args.inputChannels * args.inputHeight * args.inputWidth;
  for (let n = imageStart; n < imageEnd; n++) {
    const columnsOffset = n * patch * pixels;
    im2col(args, input, n * imageSize, columns, columnsOffset);
    // Start every output row at its bias; the GEMM accumulates w·cols on top.
    const outputOffset = n * filters * pixels;
    for (let k = 0; k < filters; k++) {
      output.fill(bias[k], outputOffset + k * pixels, outputOffset + (k + 1) * pixels);
    }
    gemm(false, false, filters, pixels, patch, weights, 0, patch, columns, columnsOffset, pixels, output, outputOffset, pixels, true);
  }
}

/** dw[k] += Σ_n dy[n, k]·cols[n]ᵀ and db[k] += Σ dy[n, k], for filters k in [filterStart, filterEnd). */
export function conv2dBackwardWeightsIm2col(args: ConvBackwardWeightsIm2colArgs, filterStart: number, filterEnd: number): void {
  const patch = patchSize(args);
  const pixels = outputPixels(args);
  const { batchSize, filters, outputGrad, columns, weightsGrad, biasGrad } = args;
  const rows = filterEnd - filterStart;
  if (rows <= 0) return;
  for (let n = 0; n < batchSize; n++) {
    gemm(
      false, true, rows, patch, pixels,
      outputGrad, (n * filters + filterStart) * pixels, pixels,
      columns, n * patch * pixels, pixels,
      weightsGrad, filterStart * patch, patch, true,
    );
  }
  for (let k = filterStart; k < filterEnd; k++) biasGrad[k] += sumOutputGrad(outputGrad, batchSize, filters, pixels, k);
}

/** dx[n] += col2im(wᵀ · dy[n]), for images n in [imageStart, imageEnd); overwrites cols[n]. */
export function conv2dBackwardDataIm2col(args: ConvBackwardDataIm2colArgs, imageStart: number, imageEnd: number): void {
  const patch = patchSize(args);
  const pixels = outputPixels(args);
  const { filters, outputGrad, weights, columns, inputGrad } = args;
  const imageSize = args.inputChannels * args.inputHeight * args.inputWidth;
  for (let n = imageStart; n < imageEnd; n++) {
    const columnsOffset = n * patch * pixels;
    gemm(true, false, patch, pixels, filters, weights, 0, patch, outputGrad, n * filters * pixels, pixels, columns, columnsOffset, pixels, false);
    col2im(args, columns, columnsOffset, inputGrad, n * imageSize);
  }
}
