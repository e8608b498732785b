/**
 * ReLU as range kernels, so that a worker pool can share the work: both are flat loops over the
 * elements [start, end) of a (N, ...) tensor, each element written by exactly one range.
 *
 *   forward   y[i]  = max(0, x[i])
 *   backward  dx[i] = dy[i] if x[i] > 0, else 0      (derivative 0 at the kink x = 0)
 *
 * layers/relu.ts explains the choices; these are the loops it runs.
 *
 * Engines: none mirror this file — it runs as written on every kernel tier (engines/kernel-tier.ts).
 */
import { defineKernel } from './kernel.ts';

export type ReluForwardArgs = {
  /** x, read. */
  readonly input: Float32Array;
  /** y, written. */
  readonly output: Float32Array;
};

export type ReluBackwardArgs = {
  /** x of the forward, read. */
  readonly input: Float32Array;
  /** dy, read. */
  readonly outputGrad: Float32Array;
  /** dx, written. */
  readonly inputGrad: Float32Array;
};

/** y[i] = max(0, x[i]) for i in [start, end). */
export function reluForward(args: ReluForwardArgs, start: number, end: number): void {
  const { input, output } = args;
  for (let i = start; i < end; i++) output[i] = input[i] > 0 ? input[i] : 0;
}

/** dx[i] = x[i] > 0 ? dy[i] : 0 for i in [start, end). */
export function reluBackward(args: ReluBackwardArgs, start: number, end: number): void {
  const { input, outputGrad, inputGrad } = args;
  for (let i = start; i < end; i++) inputGrad[i] = input[i] > 0 ? outputGrad[i] : 0;
}

/** Handles for executor.parallelFor (kernel.ts): the functions above under their registry names. */
export const reluForwardKernel = defineKernel('reluForward', reluForward);
export const reluBackwardKernel = defineKernel('reluBackward', reluBackward);
