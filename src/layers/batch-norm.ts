/**
 * Batch normalization (Ioffe & Szegedy, 2015).
 *
 *   x: (N, D) → y: (N, D)                 one "channel" per feature      (statistics over N values)
 *   x: (N, C, H, W) → y: (N, C, H, W)     one channel per feature map    (statistics over N·H·W values)
 *
 * Below, c is a channel and the sums run over its M = N·H·W values x_i (M = N for (N, D) input).
 *
 *   training:   μ = Σ x_i / M,   σ² = Σ (x_i − μ)² / M          (biased: what normalizes this batch)
 *               x̂_i = (x_i − μ) / sqrt(σ² + eps),   y_i = γ·x̂_i + β
 *               running mean ← momentum·running mean + (1 − momentum)·μ
 *               running var  ← momentum·running var  + (1 − momentum)·σ²·M/(M − 1)   (unbiased)
 *   inference:  x̂_i = (x_i − running mean) / sqrt(running var + eps),   y_i = γ·x̂_i + β
 *
 * Why: normalizing each channel to zero mean and unit variance over the batch keeps the input
 * distribution of the next layer steady while earlier weights change, which allows larger learning
 * rates; γ and β (learned, one per channel) give back the freedom to choose any scale and offset,
 * including undoing the normalization. Convolutional features share statistics across positions,
 * for the same reason that they share weights.
 *
 * Conventions (both differ between frameworks, so they are spelled out):
 * - `momentum` is the weight of the OLD running value, as in Keras (default 0.9) and as
 *   `momentum` means "fraction kept" for SGD in this library. PyTorch's momentum is the weight of
 *   the NEW batch value: PyTorch momentum 0.1 = ours 0.9.
 * - The running variance uses the unbiased estimate σ²·M/(M − 1), as PyTorch does, because it
 *   estimates the population variance used at test time; normalization in training uses the biased
 *   σ², which is what the batch actually has. Training therefore needs M ≥ 2 values per channel.
 * - Running mean starts at 0, running variance at 1 (inference before any training = identity up
 *   to eps). They are not learned: `buffers()` exposes them so model files save them.
 *
 * Backward (training mode), per channel, with g_i = dL/dy_i:
 *   dβ += Σ g_i,   dγ += Σ g_i·x̂_i
 *   dx_i = γ / sqrt(σ² + eps) · ( g_i − Σ g_j / M − x̂_i · Σ g_j·x̂_j / M )
 * The two subtracted terms exist because μ and σ² depend on every x_j of the channel: moving one
 * input moves the mean (shared by all outputs, hence the −mean(g) term) and the variance (which
 * rescales all x̂, hence the −x̂·mean(g·x̂) term). In inference mode μ and σ² are constants and
 * dx_i = γ·g_i / sqrt(running var + eps).
 *
 * Each direction is a range kernel over rows (n, c) of H·W values — sums per row —, a short step per
 * channel on the calling thread, and a second row kernel (src/kernels/batch-norm.ts), run through the
 * layer's executor, so a worker pool splits the rows between threads. They compute the same formulas
 * as per-channel affine maps (y = a·x + b, dx = A·g + B·x + C) and never store x̂: the layer keeps its
 * input for the backward pass instead, as a convolution or a fully connected layer does.
 */
import { ConfigError, ShapeError, formatShape } from '../errors.ts';
import { Tensor, allocFloat64, type Shape } from '../tensor/tensor.ts';
import { makeParameter, type ForwardMode, type Layer, type Parameter } from './layer.ts';
import { batchBuffer, checkBatchInput } from './batch-checks.ts';
import type { Executor, KernelArgs, KernelHandle } from '../parallel/executor.ts';
import { PARALLEL_MIN_VALUES, executorFor } from '../parallel/executor.ts';
import { serialExecutor } from '../parallel/serial-executor.ts';
import {
  batchNormAffineKernel, batchNormGradientCoefficients, batchNormGradientSumsKernel, batchNormInputGradKernel,
  batchNormInputSumsKernel, batchNormStatistics, passTag,
} from '../kernels/batch-norm.ts';
import { KernelRecords } from './kernel-records.ts';

export interface BatchNormOptions {
  /** [D] for fully connected activations, [C, H, W] for feature maps. */
  inputShape: Shape;
  /** Weight of the old running value (Keras convention; PyTorch's momentum is 1 − this). Default 0.9. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  name?: string;
}

export class BatchNorm implements Layer {
  readonly type = 'batchnorm';
  name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly momentum: number;
  readonly eps: number;
  /** γ, one per channel; starts at 1. */
  readonly gamma: Parameter;
  /** β, one per channel; starts at 0. */
  readonly beta: Parameter;
  readonly runningMean: Tensor;
  readonly runningVariance: Tensor;

  private readonly channels: number;
  /** H·W for feature maps, 1 for vectors: the run of contiguous values of one channel. */
  private readonly spatialSize: number;

  // Buffers sized for the last batch size N; reallocated only when N changes.
  private batchSize = -1;
  private output = Tensor.zeros([0]);
  private inputGrad = Tensor.zeros([0]);
  /** x of the last forward, (N, ...inputShape): backward rebuilds x̂ from it (src/kernels/batch-norm.ts). */
  private input: Tensor | null = null;
  /** μ and 1/sqrt(σ² + eps) per channel (float64), of the statistics the last forward used. */
  private readonly mean: Float64Array;
  private readonly inverseStd: Float64Array;
  /** Per-row sums (N·C, 2), and per-channel coefficients a, b (C, 2) and A, B, C (C, 3): the kernels' float64 go-betweens. */
  private rowSums = allocFloat64(0);
  private readonly forwardCoefficients: Float64Array;
  private readonly backwardCoefficients: Float64Array;
  private executor: Executor = serialExecutor;
  /** The kernels' argument records, refilled on every call (kernel-records.ts says why), and their fixed fields. */
  private readonly records = new KernelRecords();
  private readonly geometry: Readonly<Record<string, number>>;
  /** Mode of the last forward: decides which backward formula applies. null before any forward. */
  private lastTraining: boolean | null = null;
  /** Whether the last forward was forwardThenRelu: the backward then takes dL/dz for z = relu(y). */
  private lastRelu = false;

  constructor(options: BatchNormOptions) {
    this.name = options.name ?? 'batchnorm';
    const where = `BatchNorm '${this.name}'`;
    const shape = options.inputShape;
    if ((shape.length !== 1 && shape.length !== 3) || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new ShapeError(
        `${where}: inputShape must be [D] or [C, H, W] of positive integers, got ${formatShape(shape)}`,
      );
    }
    this.momentum = options.momentum ?? 0.9;
    this.eps = options.eps ?? 1e-5;
    if (!(this.momentum >= 0 && this.momentum <= 1)) {
      throw new ConfigError(
        `${where}: momentum (weight of the old running value, Keras convention) must be in [0, 1], got ${this.momentum}`,
      );
    }
    if (!(this.eps > 0 && Number.isFinite(this.eps))) {
      throw new ConfigError(`${where}: eps must be a positive number, got ${this.eps}`);
    }
    this.inputShape = Object.freeze([...shape]);
    this.outputShape = this.inputShape;
    this.channels = shape[0];
    this.spatialSize = shape.length === 3 ? shape[1] * shape[2] : 1;
    this.gamma = makeParameter('gamma', Tensor.filled([this.channels], 1), { decayMultiplier: 0 });
    this.beta = makeParameter('beta', Tensor.zeros([this.channels]), { decayMultiplier: 0 });
    this.runningMean = Tensor.zeros([this.channels]);
    this.runningVariance = Tensor.filled([this.channels], 1);
    this.mean = allocFloat64(this.channels);
    this.inverseStd = allocFloat64(this.channels);
    this.forwardCoefficients = allocFloat64(2 * this.channels);
    this.backwardCoefficients = allocFloat64(3 * this.channels);
    this.geometry = Object.freeze({ channels: this.channels, spatialSize: this.spatialSize });
  }

  parameters(): Parameter[] {
    return [this.gamma, this.beta];
  }

  setExecutor(executor: Executor): void {
    this.executor = executor;
  }

  /** The running statistics, (C) each: not learned, but part of the model (Layer.buffers). */
  buffers(): { name: string; value: Tensor }[] {
    return [
      { name: 'runningMean', value: this.runningMean },
      { name: 'runningVariance', value: this.runningVariance },
    ];
  }

  /** x: (N, ...inputShape) → y, same shape. Training also updates the running statistics. */
  forward(input: Tensor, mode: ForwardMode): Tensor {
    return this.normalize(input, mode, false);
  }

  /**
   * Training only: x (N, ...inputShape) → z = relu(y), same shape — this layer's forward and a ReLU
   * layer's in one pass (src/kernels/batch-norm.ts); the next backward then takes dL/dz and returns
   * dL/dx, with the bits of the two layers run one after the other. Net calls it for a batchnorm
   * directly followed by a relu, and skips the relu layer.
   */
  forwardThenRelu(input: Tensor, mode: ForwardMode): Tensor {
    if (!mode.training) {
      throw new ConfigError(`BatchNorm '${this.name}': forwardThenRelu fuses the training pass only; in inference run forward and the ReLU layer`);
    }
    return this.normalize(input, mode, true);
  }

  private normalize(input: Tensor, mode: ForwardMode, relu: boolean): Tensor {
    const batchSize = checkBatchInput(input, this.inputShape, this.name);
    const count = batchSize * this.spatialSize; // M values per channel
    if (mode.training && count < 2) {
      throw new ShapeError(
        `BatchNorm '${this.name}': training needs at least 2 values per channel to estimate a variance, ` +
          `got N·H·W = ${count} for input ${formatShape(input.shape)}; use a batch of 2 or more`,
      );
    }
    this.ensureBuffers(batchSize);
    const rows = batchSize * this.channels;
    const pass = passTag();
    if (mode.training) {
      const sums = this.records.refill(batchNormInputSumsKernel, this.geometry);
      sums.pass = pass;
      sums.input = input.data;
      sums.rowSums = this.rowSums;
      this.run(batchNormInputSumsKernel, sums, rows);
    }
    batchNormStatistics({
      input: input.data, rowSums: this.rowSums, gamma: this.gamma.value.data, beta: this.beta.value.data,
      runningMean: this.runningMean.data, runningVariance: this.runningVariance.data, mean: this.mean,
      inverseStd: this.inverseStd, coefficients: this.forwardCoefficients, batchSize, channels: this.channels,
      spatialSize: this.spatialSize, training: mode.training, momentum: this.momentum, eps: this.eps,
    });
    this.runAffine(pass, input.data, this.output.data, this.forwardCoefficients, relu, rows);
    this.input = input;
    this.lastTraining = mode.training;
    this.lastRelu = relu;
    return this.output;
  }

  /**
   * dy: (N, ...inputShape) → dx; ADDS dγ and dβ into the parameters' grads (formulas at the top).
   * After forwardThenRelu, the argument is dL/dz for the rectified output z.
   */
  backward(outputGrad: Tensor): Tensor {
    if (this.lastTraining === null || this.input === null) {
      throw new Error(`BatchNorm '${this.name}': backward called before forward`);
    }
    const expected = [this.batchSize, ...this.inputShape];
    if (outputGrad.rank !== expected.length || outputGrad.shape.some((d, i) => d !== expected[i])) {
      throw new ShapeError(
        `BatchNorm '${this.name}': backward expected dy of shape ${formatShape(expected)} (the last forward's), got ${formatShape(outputGrad.shape)}`,
      );
    }
    const rows = this.batchSize * this.channels;
    const pass = passTag();
    const sums = this.records.refill(batchNormGradientSumsKernel, this.geometry);
    sums.pass = pass;
    sums.outputGrad = outputGrad.data;
    sums.input = this.input.data;
    sums.rowSums = this.rowSums;
    sums.forwardCoefficients = this.forwardCoefficients;
    sums.relu = this.lastRelu;
    this.run(batchNormGradientSumsKernel, sums, rows);
    batchNormGradientCoefficients({
      rowSums: this.rowSums, gamma: this.gamma.value.data, gammaGrad: this.gamma.grad.data, betaGrad: this.beta.grad.data,
      mean: this.mean, inverseStd: this.inverseStd, coefficients: this.backwardCoefficients, batchSize: this.batchSize,
      channels: this.channels, spatialSize: this.spatialSize, training: this.lastTraining,
    });
    if (this.lastTraining) {
      const inputGrad = this.records.refill(batchNormInputGradKernel, this.geometry);
      inputGrad.pass = pass;
      inputGrad.outputGrad = outputGrad.data;
      inputGrad.input = this.input.data;
      inputGrad.inputGrad = this.inputGrad.data;
      inputGrad.coefficients = this.backwardCoefficients;
      inputGrad.forwardCoefficients = this.forwardCoefficients;
      inputGrad.relu = this.lastRelu;
      this.run(batchNormInputGradKernel, inputGrad, rows);
    } else {
      this.runAffine(pass, outputGrad.data, this.inputGrad.data, this.backwardCoefficients, false, rows);
    }
    return this.inputGrad;
  }

  config(): Record<string, unknown> {
    return {
      type: this.type,
      name: this.name,
      inputShape: [...this.inputShape],
      momentum: this.momentum,
      eps: this.eps,
    };
  }

  /** output = f32(a_c·input + b_c) over `rows` rows (with relu: rectified), coefficients (C, 2). */
  private runAffine(pass: number, input: Float32Array, output: Float32Array, coefficients: Float64Array, relu: boolean, rows: number): void {
    const args = this.records.refill(batchNormAffineKernel, this.geometry);
    args.pass = pass;
    args.input = input;
    args.output = output;
    args.coefficients = coefficients;
    args.relu = relu;
    this.run(batchNormAffineKernel, args, rows);
  }

  /**
   * Runs a row kernel over `rows` rows of H·W values; on the worker threads only when the layer holds
   * enough values to pay for the hand-off.
   */
  private run<Args extends KernelArgs>(kernel: KernelHandle<Args>, args: Args, rows: number): void {
    const executor = executorFor(this.executor, serialExecutor, args, rows * this.spatialSize, PARALLEL_MIN_VALUES);
    executor.parallelFor(kernel, args, rows);
  }

  /** Buffers for N = batchSize; a smaller N than before reuses the memory of the larger (batchBuffer). */
  private ensureBuffers(batchSize: number): void {
    if (batchSize === this.batchSize) return;
    this.output = batchBuffer(this.output, batchSize, this.inputShape);
    this.inputGrad = batchBuffer(this.inputGrad, batchSize, this.inputShape);
    // Grow only: the kernels read the first 2·N·C values, and a new buffer would be new memory for
    // the worker pool to register every time the batch size alternates (training, then evaluation).
    if (this.rowSums.length < 2 * batchSize * this.channels) this.rowSums = allocFloat64(2 * batchSize * this.channels);
    this.batchSize = batchSize;
  }
}

