/**
 * Naive fully connected (affine) layer: the formulas written as loops, the reference the GEMM path
 * of layers/fully-connected.ts is spec'd against (as conv-naive.ts is for the convolutions).
 *
 * Shapes: x (N, D) row-major (an image is read flattened), W (K, D), b (K), y (N, K).
 *
 *   forward          y[n, k]   = b[k] + Σ_d x[n, d] · W[k, d]
 *   backward-weights dW[k, d] += Σ_n dy[n, k] · x[n, d]
 *                    db[k]    += Σ_n dy[n, k]
 *   backward-data    dx[n, d]  = Σ_k dy[n, k] · W[k, d]            (overwritten, as the GEMM path does)
 *
 * Each output element is one sum in double precision, read left to right, rounded to float32 once
 * when stored. The GEMM path sums in float32, rounding every product and every addition (gemm.ts),
 * so the two agree to within float32 rounding of the sum's Σ|terms|, not bit for bit.
 *
 * Work splits (RangeKernel form, see kernel.ts): forward and backward-data take a range of samples n
 * (sample n writes only y[n] or dx[n]); backward-weights takes a range of outputs k (writes only dW[k]
 * and db[k], summing over n = 0..N−1 in that order). Every element is written by one part, with the
 * same summation order for any split.
 *
 * Engines: none mirror this file — it runs as written on every kernel tier (engines/kernel-tier.ts).
 */
import { defineKernel } from './kernel.ts';

/** N, D and K. */
export type FullyConnectedGeometry = {
  readonly batchSize: number;
  readonly inputSize: number;
  readonly outputs: number;
};

export type FullyConnectedForwardArgs = FullyConnectedGeometry & {
  /** x (N, D), W (K, D), b (K) → y (N, K), overwritten. */
  readonly input: Float32Array;
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly output: Float32Array;
};

export type FullyConnectedBackwardWeightsArgs = FullyConnectedGeometry & {
  /** dy (N, K), x (N, D) → dW (K, D) and db (K), added to. */
  readonly outputGrad: Float32Array;
  readonly input: Float32Array;
  readonly weightsGrad: Float32Array;
  readonly biasGrad: Float32Array;
};

export type FullyConnectedBackwardDataArgs = FullyConnectedGeometry & {
  /** dy (N, K), W (K, D) → dx (N, D), overwritten. */
  readonly outputGrad: Float32Array;
  readonly weights: Float32Array;
  readonly inputGrad: Float32Array;
};

/** y[n, k] = b[k] + Σ_d x[n, d]·W[k, d] for samples n in [sampleStart, sampleEnd). */
export function fullyConnectedForwardNaive(args: FullyConnectedForwardArgs, sampleStart: number, sampleEnd: number): void {
  const { inputSize, outputs, input, weights, bias, output } = args;
  for (let n = sampleStart; n < sampleEnd; n++) {
    for (let k = 0; k < outputs; k++) {
      let sum = bias[k];
      for (let d = 0; d < inputSize; d++) sum += input[n * inputSize + d] * weights[k * inputSize + d];
      output[n * outputs + k] = sum;
    }
  }
}

/** dW[k, d] += Σ_n dy[n, k]·x[n, d] and db[k] += Σ_n dy[n, k] for outputs k in [outputStart, outputEnd). */
export function fullyConnectedBackwardWeightsNaive(
  args: FullyConnectedBackwardWeightsArgs, outputStart: number, outputEnd: number,
): void {
  const { batchSize, inputSize, outputs, outputGrad, input, weightsGrad, biasGrad } = args;
  for (let k = outputStart; k < outputEnd; k++) {
    for (let d = 0; d < inputSize; d++) {
      let sum = 0;
      for (let n = 0; n < batchSize; n++) sum += outputGrad[n * outputs + k] * input[n * inputSize + d];
      weightsGrad[k * inputSize + d] += sum;
    }
    let biasSum = 0;
    for (let n = 0; n < batchSize; n++) biasSum += outputGrad[n * outputs + k];
    biasGrad[k] += biasSum;
  }
}

/** dx[n, d] = Σ_k dy[n, k]·W[k, d] for samples n in [sampleStart, sampleEnd). */
export function fullyConnectedBackwardDataNaive(args: FullyConnectedBackwardDataArgs, sampleStart: number, sampleEnd: number): void {
  const { inputSize, outputs, outputGrad, weights, inputGrad } = args;
  for (let n = sampleStart; n < sampleEnd; n++) {
    for (let d = 0; d < inputSize; d++) {
      let sum = 0;
      for (let k = 0; k < outputs; k++) sum += outputGrad[n * outputs + k] * weights[k * inputSize + d];
      inputGrad[n * inputSize + d] = sum;
    }
  }
}

/** Handles for executor.parallelFor (kernel.ts): the functions above under their registry names. */
export const fullyConnectedForwardNaiveKernel = defineKernel('fullyConnectedForwardNaive', fullyConnectedForwardNaive);
export const fullyConnectedBackwardWeightsNaiveKernel = defineKernel('fullyConnectedBackwardWeightsNaive', fullyConnectedBackwardWeightsNaive);
export const fullyConnectedBackwardDataNaiveKernel = defineKernel('fullyConnectedBackwardDataNaive', fullyConnectedBackwardDataNaive);
