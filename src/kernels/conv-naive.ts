/**
 * Naive 2-D convolution: the formulas written as loops, the reference the im2col path is spec'd
 * against. Shapes and index arithmetic: see conv-geometry.ts.
 *
 *   forward          y[n,k,y,x]     = b[k] + Σ_c Σ_fy Σ_fx x[n, c, y·SH−PH+fy·DH, x·SW−PW+fx·DW] · w[k,c,fy,fx]
 *   backward-weights dw[k,c,fy,fx] += Σ_n Σ_y Σ_x dy[n,k,y,x] · x[n, c, y·SH−PH+fy·DH, x·SW−PW+fx·DW]
 *                    db[k]         += Σ_n Σ_y Σ_x dy[n,k,y,x]
 *   backward-data    dx[n,c,h,w]   += Σ_k Σ_fy Σ_fx dy[n, k, y, x] · w[k,c,fy,fx]
 *                                     over the taps with h = y·SH−PH+fy·DH and w = x·SW−PW+fx·DW,
 *                                     i.e. y = (h + PH − fy·DH)/SH when that is a whole number in [0, H′)
 *
 * Each kernel computes one output element at a time as a single sum in double precision and writes
 * it once — the textbook formula, read left to right. (The common "scatter" form of backward-data,
 * dx[...] += dy·w inside the forward loops, rounds to float32 at every step; the gather form above
 * is both the definition of the adjoint and the more accurate reference.)
 *
 * Work splits (RangeKernel form, see src/parallel/executor.ts): forward and backward-data take a
 * range of images n (image n writes only y[n] or dx[n]); backward-weights takes a range of filters k
 * (filter k writes only dw[k] and db[k], summing over n = 0..N−1 in that order). So every element is
 * written by one part, with the same summation order for any split.
 *
 * Engines: none mirror this file — it runs as written on every kernel tier (engines/kernel-tier.ts).
 */
import type { ConvGeometry } from './conv-geometry.ts';
import { defineKernel } from './kernel.ts';

export type ConvForwardArgs = ConvGeometry & {
  /** x (N, C, H, W), w (K, C, FH, FW), b (K) → y (N, K, H′, W′), overwritten. */
  readonly input: Float32Array;
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly output: Float32Array;
};

export type ConvBackwardDataArgs = ConvGeometry & {
  /** dy (N, K, H′, W′), w (K, C, FH, FW) → dx (N, C, H, W), added to. */
  readonly outputGrad: Float32Array;
  readonly weights: Float32Array;
  readonly inputGrad: Float32Array;
};

export type ConvBackwardWeightsArgs = ConvGeometry & {
  /** dy (N, K, H′, W′), x (N, C, H, W) → dw (K, C, FH, FW) and db (K), added to. */
  readonly outputGrad: Float32Array;
  readonly input: Float32Array;
  readonly weightsGrad: Float32Array;
  readonly biasGrad: Float32Array;
};

/** y[n] for images n in [imageStart, imageEnd). */
export function conv2dForwardNaive(args: ConvForwardArgs, imageStart: number, imageEnd: number): void {
  const {
    inputChannels: C, inputHeight: H, inputWidth: W, filters: K, filterHeight: FH, filterWidth: FW,
    strideH, strideW, padH, padW, dilationH, dilationW, outputHeight, outputWidth, input, weights, bias, output,
  } = args;
  for (let n = imageStart; n < imageEnd; n++) {
    for (let k = 0; k < K; k++) {
      for (let y = 0; y < outputHeight; y++) {
        for (let x = 0; x < outputWidth; x++) {
          let sum = bias[k];
          for (let c = 0; c < C; c++) {
            for (let fy = 0; fy < FH; fy++) {
              const inputY = y * strideH - padH + fy * dilationH;
              if (inputY < 0 || inputY >= H) continue;
              for (let fx = 0; fx < FW; fx++) {
                const inputX = x * strideW - padW + fx * dilationW;
                if (inputX < 0 || inputX >= W) continue;
                sum += input[((n * C + c) * H + inputY) * W + inputX] * weights[((k * C + c) * FH + fy) * FW + fx];
              }
            }
          }
          output[((n * K + k) * outputHeight + y) * outputWidth + x] = sum;
        }
      }
    }
  }
}

/** dx[n] += (gradient of the loss w.r.t. image n) for images n in [imageStart, imageEnd). */
export function conv2dBackwardDataNaive(args: ConvBackwardDataArgs, imageStart: number, imageEnd: number): void {
  const {
    inputChannels: C, inputHeight: H, inputWidth: W, filters: K, filterHeight: FH, filterWidth: FW,
    strideH, strideW, padH, padW, dilationH, dilationW, outputHeight, outputWidth, outputGrad, weights, inputGrad,
  } = args;
  for (let n = imageStart; n < imageEnd; n++) {
    for (let c = 0; c < C; c++) {
      for (let inputY = 0; inputY < H; inputY++) {
        for (let inputX = 0; inputX < W; inputX++) {
          let sum = 0;
          for (let k = 0; k < K; k++) {
            for (let fy = 0; fy < FH; fy++) {
              // Which output row y has tap fy on this input row? y·SH = inputY + PH − fy·DH.
              const scaledY = inputY + padH - fy * dilationH;
              if (scaledY < 0 || scaledY % strideH !== 0) continue;
              const y = scaledY / strideH;
              if (y >= outputHeight) continue;
              for (let fx = 0; fx < FW; fx++) {
                const scaledX = inputX + padW - fx * dilationW;
                if (scaledX < 0 || scaledX % strideW !== 0) continue;
                const x = scaledX / strideW;
                if (x >= outputWidth) continue;
                sum += outputGrad[((n * K + k) * outputHeight + y) * outputWidth + x] * weights[((k * C + c) * FH + fy) * FW + fx];
              }
            }
          }
          inputGrad[((n * C + c) * H + inputY) * W + inputX] += sum;
        }
      }
    }
  }
}

/** dw[k] and db[k] += their gradients, for filters k in [filterStart, filterEnd). */
export function conv2dBackwardWeightsNaive(args: ConvBackwardWeightsArgs, filterStart: number, filterEnd: number): void {
  const {
    batchSize: N, inputChannels: C, inputHeight: H, inputWidth: W, filters: K, filterHeight: FH, filterWidth: FW,
    strideH, strideW, padH, padW, dilationH, dilationW, outputHeight, outputWidth, outputGrad, input, weightsGrad, biasGrad,
  } = args;
  for (let k = filterStart; k < filterEnd; k++) {
    for (let c = 0; c < C; c++) {
      for (let fy = 0; fy < FH; fy++) {
        for (let fx = 0; fx < FW; fx++) {
          let sum = 0;
          for (let n = 0; n < N; n++) {
            for (let y = 0; y < outputHeight; y++) {
              const inputY = y * strideH - padH + fy * dilationH;
              if (inputY < 0 || inputY >= H) continue;
              for (let x = 0; x < outputWidth; x++) {
                const inputX = x * strideW - padW + fx * dilationW;
                if (inputX < 0 || inputX >= W) continue;
                sum += outputGrad[((n * K + k) * outputHeight + y) * outputWidth + x] * input[((n * C + c) * H + inputY) * W + inputX];
              }
            }
          }
          weightsGrad[((k * C + c) * FH + fy) * FW + fx] += sum;
        }
      }
    }
    biasGrad[k] += sumOutputGrad(outputGrad, N, K, outputHeight * outputWidth, k);
  }
}

/** Σ_n Σ_pixels dy[n, k, ·, ·] in double precision, n = 0..N−1 in order (db[k] of both paths). */
export function sumOutputGrad(outputGrad: Float32Array, batchSize: number, filters: number, pixels: number, k: number): number {
  let sum = 0;
  for (let n = 0; n < batchSize; n++) {
    const start = (n * filters + k) * pixels;
    for (let q = start; q < start + pixels; q++) sum += outputGrad[q];
  }
  return sum;
}

/** Handles for executor.parallelFor (kernel.ts): the functions above under their registry names. */
export const conv2dForwardNaiveKernel = defineKernel('conv2dForwardNaive', conv2dForwardNaive);
export const conv2dBackwardDataNaiveKernel = defineKernel('conv2dBackwardDataNaive', conv2dBackwardDataNaive);
export const conv2dBackwardWeightsNaiveKernel = defineKernel('conv2dBackwardWeightsNaive', conv2dBackwardWeightsNaive);
