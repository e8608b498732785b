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
 * (Packing the patches straight from the image into the GEMM's panels, without the buffer, was
 * measured too: forward ran at the same speed — the fused copy costs what im2col plus packing
 * cost — and backward-weights, which then has to gather every patch again, ran 15–25 % slower.)
 *
 * Work splits (RangeKernel form): forward and backward-data take a range of images n (image n
 * writes only y[n], cols[n] and dx[n]); backward-weights takes a range of patch entries r — columns
 * of dw — adding image n = 0, 1, …, N−1 in that order. Splitting there rather than by filter means
 * each thread packs only its share of the columns (the patch side is the large one: C·FH·FW = 400
 * against K = 20 in a typical layer); db is split alongside, each range of patch entries owning
 * the filters biasRange() maps it to. The GEMM's per-element summation order does not depend on
 * the row or column range (see gemm.ts), so any split gives the same bits.
 *
 * Engines: none mirror this file; its GEMM's inner loop (gemm-macro-kernel.ts) is mirrored in engines/,
 * and gemm.ts gets the tier's loop from engine-switch.ts.
 */
import type { ConvGeometry } from './conv-geometry.ts';
import { gemm } from './gemm.ts';
import { col2im, im2col } from './im2col.ts';
import { sumOutputGrad } from './conv-naive.ts';
import { defineKernel } from './kernel.ts';

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
  /** dy (N, K, H′, W′), w (K, C, FH, FW) → dx (N, C, H, W), added to. */
  readonly outputGrad: Float32Array;
  readonly weights: Float32Array;
  /** Forward's columns, overwritten. */
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

/**
 * The filters whose db a backward-weights range [start, end) of patch entries owns:
 * [⌈start·K/patch⌉, ⌈end·K/patch⌉). Consecutive ranges get consecutive, disjoint filter ranges that
 * together cover 0..K−1, whatever the split.
 */
export function biasRange(filters: number, patch: number, start: number, end: number): [number, number] {
  return [Math.ceil((start * filters) / patch), Math.ceil((end * filters) / patch)];
}

/**
 * dw[:, r] += Σ_n dy[n]·cols[n][r]ᵀ for patch entries r in [patchStart, patchEnd) (columns of dw seen
 * as K × C·FH·FW), and db for the filters biasRange gives.
 */
export function conv2dBackwardWeightsIm2col(args: ConvBackwardWeightsIm2colArgs, patchStart: number, patchEnd: number): void {
  const patch = patchSize(args);
  const pixels = outputPixels(args);
  const { batchSize, filters, outputGrad, columns, weightsGrad, biasGrad } = args;
  const count = patchEnd - patchStart;
  if (count > 0) {
    for (let n = 0; n < batchSize; n++) {
      // op(B) = cols[n]ᵀ restricted to patch rows patchStart.. : stored rows of cols[n], from row patchStart.
      gemm(
        false, true, filters, count, pixels,
        outputGrad, n * filters * pixels, pixels,
        columns, (n * patch + patchStart) * pixels, pixels,
        weightsGrad, patchStart, patch, true,
      );
    }
  }
  const [filterStart, filterEnd] = biasRange(filters, patch, patchStart, patchEnd);
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

/** Handles for executor.parallelFor (kernel.ts): the functions above under their registry names. */
export const conv2dForwardIm2colKernel = defineKernel('conv2dForwardIm2col', conv2dForwardIm2col);
export const conv2dBackwardWeightsIm2colKernel = defineKernel('conv2dBackwardWeightsIm2col', conv2dBackwardWeightsIm2col);
export const conv2dBackwardDataIm2colKernel = defineKernel('conv2dBackwardDataIm2col', conv2dBackwardDataIm2col);
