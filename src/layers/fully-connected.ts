/**
 * Fully connected (affine) layer: every output is a weighted sum of every input, plus a bias.
 *
 * Shapes: x (N, ...inputShape) is read as the matrix (N, D) with D = Π inputShape — an image
 * (N, C, H, W) is flattened in its row-major NCHW order, for free, since the data is contiguous.
 *   weights W: (K, D)   — one row per output, the PyTorch/Caffe convention
 *   bias    b: (K)
 *   y = x·Wᵀ + b: (N, K),    y[n, k] = b[k] + Σ_d x[n, d]·W[k, d]
 *
 * Backward, given dy = dL/dy (N, K) — each line is the chain rule on the formula above:
 *   dW += dyᵀ·x    (K, D):  dW[k, d] += Σ_n dy[n, k]·x[n, d]
 *   db += Σ_n dy   (K):     db[k]    += Σ_n dy[n, k]
 *   dx  = dy·W     (N, D):  dx[n, d]  = Σ_k dy[n, k]·W[k, d]        (returned, reshaped to x's shape)
 * Two implementations compute the same numbers (to float32 rounding; a spec checks they agree):
 * - 'gemm' (default): the three products above as GEMMs, through the executor's gemmRows kernel
 *   (src/kernels/gemm.ts), so a worker pool can split their rows across threads;
 * - 'naive': the formulas as loops, one sum per output element (src/kernels/fully-connected-naive.ts),
 *   the version to read.
 *
 * Initialization: W ~ N(0, 2/D) (He et al. 2015: keeps the activation variance constant through ReLU
 * layers) drawn from `rng`, b = 0. An `init` hook replaces the weight fill (src/nn/initializers.ts
 * builds hooks from JSON configs). Regularization applies to W only: decayMultiplier is 1 for the
 * weights and 0 for the bias (a bias does not multiply the input, so shrinking it does not make the
 * function any smoother; it only costs fit).
 */
import { ConfigError } from '../errors.ts';
import type { Executor } from '../parallel/executor.ts';
import { gemmRowsKernel } from '../kernels/gemm.ts';
import {
  fullyConnectedBackwardDataNaiveKernel, fullyConnectedBackwardWeightsNaiveKernel, fullyConnectedForwardNaiveKernel,
} from '../kernels/fully-connected-naive.ts';
import { serialExecutor } from '../parallel/serial-executor.ts';
import type { Rng } from '../tensor/rng.ts';
import type { Shape } from '../tensor/tensor.ts';
import { Tensor, shapeSize } from '../tensor/tensor.ts';
import { batchBuffer, checkBatchInput, checkOutputGrad, checkPerExampleShape } from './batch-checks.ts';
import type { ForwardMode, Layer, Parameter, WeightInitializerHook } from './layer.ts';
import { initializeWeights, makeParameter } from './layer.ts';
import { KernelRecords, NO_FIELDS } from './kernel-records.ts';

export type { WeightInitializerHook } from './layer.ts';

export type FullyConnectedImplementation = 'gemm' | 'naive';

/** The two, default first: a model file names a non-default one in an fc layer's `implementation`. */
export const FULLY_CONNECTED_IMPLEMENTATIONS: readonly FullyConnectedImplementation[] = ['gemm', 'naive'];

export interface FullyConnectedOptions {
  /** Per-example input shape: [D], or [C, H, W] (flattened to D = C·H·W). */
  inputShape: Shape;
  /** K, the number of outputs. */
  outputs: number;
  /** Draws the default He initialization; required unless `init` is given. */
  rng?: Rng;
  /** Replaces the default weight fill. */
  init?: WeightInitializerHook;
  /** Default 'gemm'. */
  implementation?: FullyConnectedImplementation;
  name?: string;
}

export class FullyConnected implements Layer {
  readonly type = 'fc';
  name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** D and K. */
  readonly inputSize: number;
  readonly outputs: number;
  readonly implementation: FullyConnectedImplementation;
  readonly weights: Parameter;
  readonly bias: Parameter;
  private readonly init: WeightInitializerHook | undefined;
  private executor: Executor = serialExecutor;
  /** The kernels' argument records, refilled on every call (kernel-records.ts says why). */
  private readonly records = new KernelRecords();
  private input: Tensor | null = null;
  private output: Tensor | null = null;
  private inputGrad: Tensor | null = null;

  constructor(options: FullyConnectedOptions) {
    this.name = options.name ?? 'fc';
    this.inputShape = checkPerExampleShape(options.inputShape, this.name);
    const outputs = options.outputs;
    if (!Number.isInteger(outputs) || outputs < 1) {
      throw new ConfigError(`${this.name}: 'outputs' must be a positive integer, got ${outputs}`);
    }
    const implementation = options.implementation ?? 'gemm';
    if (!FULLY_CONNECTED_IMPLEMENTATIONS.includes(implementation)) {
      throw new ConfigError(`${this.name}: 'implementation' must be one of ${FULLY_CONNECTED_IMPLEMENTATIONS.map((i) => `'${i}'`).join(', ')}, got ${JSON.stringify(implementation)}`);
    }
    this.implementation = implementation;
    this.inputSize = shapeSize(this.inputShape);
    this.outputs = outputs;
    this.outputShape = Object.freeze([outputs]);

    const weights = Tensor.zeros([outputs, this.inputSize]);
    this.init = options.init;
    initializeWeights(weights, this.inputSize, outputs, options, this.name);
    this.weights = makeParameter('weights', weights, { decayMultiplier: 1 });
    this.bias = makeParameter('bias', Tensor.zeros([outputs]), { decayMultiplier: 0 });
  }

  parameters(): Parameter[] {
    return [this.weights, this.bias];
  }

  setExecutor(executor: Executor): void {
    this.executor = executor;
  }

  /** x: (N, ...inputShape) → y = x·Wᵀ + b: (N, K). */
  forward(input: Tensor, _mode: ForwardMode): Tensor {
    const batch = checkBatchInput(input, this.inputShape, this.name);
    const output = (this.output = batchBuffer(this.output, batch, this.outputShape));
    this.input = input;
    const { inputSize, outputs } = this;
    if (this.implementation === 'naive') {
      const args = this.records.refill(fullyConnectedForwardNaiveKernel, NO_FIELDS);
      args.batchSize = batch;
      args.inputSize = inputSize;
      args.outputs = outputs;
      args.input = input.data;
      args.weights = this.weights.value.data;
      args.bias = this.bias.value.data;
      args.output = output.data;
      this.executor.parallelFor(fullyConnectedForwardNaiveKernel, args, batch);
      return output;
    }
    // Start every row of y at b; the GEMM then accumulates x·Wᵀ on top.
    for (let n = 0; n < batch; n++) output.data.set(this.bias.value.data, n * outputs);
    this.gemm(false, true, batch, outputs, inputSize, input.data, inputSize, this.weights.value.data, inputSize, output.data, outputs, true);
    return output;
  }

  /** dy: (N, K) → dx: (N, ...inputShape); adds dW and db into the parameter gradients. */
  backward(outputGrad: Tensor, needInputGrad = true): Tensor {
    const batch = checkOutputGrad(outputGrad, this.output, this.name);
    this.inputGrad = batchBuffer(this.inputGrad, batch, this.inputShape);
    const { inputSize, outputs } = this;
    const dy = outputGrad.data;
    if (this.implementation === 'naive') {
      const weightArgs = this.records.refill(fullyConnectedBackwardWeightsNaiveKernel, NO_FIELDS);
      weightArgs.batchSize = batch;
      weightArgs.inputSize = inputSize;
      weightArgs.outputs = outputs;
      weightArgs.outputGrad = dy;
      weightArgs.input = this.input!.data;
      weightArgs.weightsGrad = this.weights.grad.data;
      weightArgs.biasGrad = this.bias.grad.data;
      this.executor.parallelFor(fullyConnectedBackwardWeightsNaiveKernel, weightArgs, outputs);
      if (needInputGrad) {
        const dataArgs = this.records.refill(fullyConnectedBackwardDataNaiveKernel, NO_FIELDS);
        dataArgs.batchSize = batch;
        dataArgs.inputSize = inputSize;
        dataArgs.outputs = outputs;
        dataArgs.outputGrad = dy;
        dataArgs.weights = this.weights.value.data;
        dataArgs.inputGrad = this.inputGrad.data;
        this.executor.parallelFor(fullyConnectedBackwardDataNaiveKernel, dataArgs, batch);
      }
      return this.inputGrad;
    }
    // dW (K, D) += dyᵀ (K, N) · x (N, D): A = dy stored (N, K), used transposed.
    this.gemm(true, false, outputs, inputSize, batch, dy, outputs, this.input!.data, inputSize, this.weights.grad.data, inputSize, true);
    // db (K) += Σ_n dy[n, ·]
    const biasGrad = this.bias.grad.data;
    for (let n = 0; n < batch; n++) {
      for (let k = 0; k < outputs; k++) biasGrad[k] += dy[n * outputs + k];
    }
    // dx (N, D) = dy (N, K) · W (K, D) — skipped when nobody needs it (the net's first layer).
    if (needInputGrad) this.gemm(false, false, batch, inputSize, outputs, dy, outputs, this.weights.value.data, inputSize, this.inputGrad.data, inputSize, false);
    return this.inputGrad;
  }

  /** C (m×n) (+)= op(A)(m×k)·op(B)(k×n) through the executor, one work item per row of C. */
  private gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: Float32Array, lda: number, b: Float32Array, ldb: number, c: Float32Array, ldc: number, accumulate: boolean,
  ): void {
    const args = this.records.refill(gemmRowsKernel, NO_FIELDS); // every field set below, on every call
    args.transA = transA;
    args.transB = transB;
    args.m = m;
    args.n = n;
    args.k = k;
    args.a = a;
    args.aOffset = 0;
    args.lda = lda;
    args.b = b;
    args.bOffset = 0;
    args.ldb = ldb;
    args.c = c;
    args.cOffset = 0;
    args.ldc = ldc;
    args.accumulate = accumulate;
    this.executor.parallelFor(gemmRowsKernel, args, m);
  }

  config(): Record<string, unknown> {
    const config: Record<string, unknown> = { type: this.type, name: this.name, outputs: this.outputs };
    if (this.implementation !== 'gemm') config.implementation = this.implementation;
    if (this.init?.config !== undefined) config.init = this.init.config;
    return config;
  }
}
