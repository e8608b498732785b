/**
 * Batch normalization as range kernels over channels: every channel's statistics, outputs and
 * gradients depend on that channel alone, so a worker pool can split the channels between threads
 * and each value is still computed by one thread in one order (bit-identical for any split).
 * The formulas and conventions are in src/layers/batch-norm.ts; shapes here:
 *
 *   x, y, x̂, dy, dx: (N, C, S) flattened — S = H·W for feature maps, 1 for (N, D) vectors (C = D)
 *   γ, β, dγ, dβ, running mean, running variance, 1/σ: (C)
 *
 * Engines: none mirror this file — it runs as written on every kernel tier (engines/kernel-tier.ts).
 */
import { defineKernel } from './kernel.ts';

export type BatchNormForwardArgs = {
  /** x, read; y and x̂, written. */
  readonly input: Float32Array;
  readonly output: Float32Array;
  readonly normalized: Float32Array;
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  /** Read in inference; updated (momentum = weight of the old value) in training. */
  readonly runningMean: Float32Array;
  readonly runningVariance: Float32Array;
  /** 1/sqrt(σ² + eps) of the statistics used, written for backward. */
  readonly inverseStd: Float32Array;
  readonly batchSize: number;
  readonly channels: number;
  readonly spatialSize: number;
  readonly training: boolean;
  readonly momentum: number;
  readonly eps: number;
};

export type BatchNormBackwardArgs = {
  /** dy and the forward's x̂, read; dx written; dγ and dβ added to. */
  readonly outputGrad: Float32Array;
  readonly normalized: Float32Array;
  readonly inputGrad: Float32Array;
  readonly gamma: Float32Array;
  readonly gammaGrad: Float32Array;
  readonly betaGrad: Float32Array;
  readonly inverseStd: Float32Array;
  readonly batchSize: number;
  readonly channels: number;
  readonly spatialSize: number;
  /** Mode of the forward: in inference the statistics are constants. */
  readonly training: boolean;
};

/** Normalizes channels [channelStart, channelEnd): statistics (training) or running ones, then y = γ·x̂ + β. */
export function batchNormForward(args: BatchNormForwardArgs, channelStart: number, channelEnd: number): void {
  const { input: x, output: y, normalized, gamma, beta, runningMean, runningVariance, batchSize, spatialSize: S } = args;
  const C = args.channels;
  const count = batchSize * S; // M values per channel
  for (let c = channelStart; c < channelEnd; c++) {
    let mean: number;
    let inverseStd: number;
    if (args.training) {
      // Two passes (mean, then squared deviations) in float64: no cancellation for large means.
      let sum = 0;
      for (let n = 0; n < batchSize; n++) {
        const start = (n * C + c) * S;
        for (let s = 0; s < S; s++) sum += x[start + s];
      }
      mean = sum / count;
      let squares = 0;
      for (let n = 0; n < batchSize; n++) {
        const start = (n * C + c) * S;
        for (let s = 0; s < S; s++) squares += (x[start + s] - mean) ** 2;
      }
      const variance = squares / count;
      inverseStd = 1 / Math.sqrt(variance + args.eps);
      const keep = args.momentum;
      runningMean[c] = keep * runningMean[c] + (1 - keep) * mean;
      runningVariance[c] = keep * runningVariance[c] + (1 - keep) * ((variance * count) / (count - 1));
    } else {
      mean = runningMean[c];
      inverseStd = 1 / Math.sqrt(runningVariance[c] + args.eps);
    }
    args.inverseStd[c] = inverseStd;
    const scale = gamma[c];
    const shift = beta[c];
    for (let n = 0; n < batchSize; n++) {
      const start = (n * C + c) * S;
      for (let s = 0; s < S; s++) {
        const xHat = (x[start + s] - mean) * inverseStd;
        normalized[start + s] = xHat;
        y[start + s] = scale * xHat + shift;
      }
    }
  }
}

/** dβ, dγ (added) and dx (written) for channels [channelStart, channelEnd). */
export function batchNormBackward(args: BatchNormBackwardArgs, channelStart: number, channelEnd: number): void {
  const { outputGrad: dy, normalized, inputGrad: dx, gamma, gammaGrad, betaGrad, batchSize, spatialSize: S } = args;
  const C = args.channels;
  const count = batchSize * S;
  for (let c = channelStart; c < channelEnd; c++) {
    let sumGrad = 0;
    let sumGradTimesNormalized = 0;
    for (let n = 0; n < batchSize; n++) {
      const start = (n * C + c) * S;
      for (let s = 0; s < S; s++) {
        sumGrad += dy[start + s];
        sumGradTimesNormalized += dy[start + s] * normalized[start + s];
      }
    }
    betaGrad[c] += sumGrad;
    gammaGrad[c] += sumGradTimesNormalized;

    const scale = gamma[c] * args.inverseStd[c];
    // Inference: the statistics are constants, so only the direct path g_i remains.
    const meanGrad = args.training ? sumGrad / count : 0;
    const meanGradTimesNormalized = args.training ? sumGradTimesNormalized / count : 0;
    for (let n = 0; n < batchSize; n++) {
      const start = (n * C + c) * S;
      for (let s = 0; s < S; s++) {
        const i = start + s;
        dx[i] = scale * (dy[i] - meanGrad - normalized[i] * meanGradTimesNormalized);
      }
    }
  }
}

/** Handles for executor.parallelFor (kernel.ts): the functions above under their registry names. */
export const batchNormForwardKernel = defineKernel('batchNormForward', batchNormForward);
export const batchNormBackwardKernel = defineKernel('batchNormBackward', batchNormBackward);
