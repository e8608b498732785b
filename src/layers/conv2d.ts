/**
 * 2-D convolution layer: K learnable filters slide over the input; each output channel is one
 * filter's response map.
 *
 * Shapes (NCHW):
 *   x (N, C, H, W)  →  y (N, K, H′, W′)
 *   weights (K, C, FH, FW), bias (K)
 *   H′ = (H − D·(FH−1) − 1 + 2P)/S + 1 (and W′ likewise) — convOutputShape in conv-shape.ts,
 *   which rejects geometries where this is not a positive integer, with the arithmetic and a fix.
 *   y[n,k,y,x] = b[k] + Σ_c Σ_fy Σ_fx x[n, c, y·S−P+fy·D, x·S−P+fx·D] · w[k,c,fy,fx]   (zero padding)
 *
 * Backward (the formulas are in src/kernels/conv-naive.ts): dw and db are ADDED into the parameter
 * gradients; dx is returned.
 *
 * Three implementations compute the same numbers (a spec checks they agree to 1e-5):
 * - 'implicit-gemm' (default): the im2col GEMM with the patch matrix never built — register tiles
 *   read the patches from a padded copy of each image (src/kernels/conv-implicit-gemm.ts). The
 *   fastest: 7–10 GFLOP/s on one thread on a CIFAR-10 net's layers, 2–3× the explicit path
 *   (`npm run bench`); no memory beyond one image per thread.
 *   Backward-data with strides > 1 borrows the explicit path's kernel and its columns buffer.
 * - 'im2col': patches copied into a matrix and multiplied by the blocked GEMM
 *   (src/kernels/conv-im2col.ts), the textbook fast convolution; keeps N·C·FH·FW·H′·W′ floats of
 *   columns between forward and backward (see that file for the memory cost).
 * - 'naive': the six nested loops of the formula (src/kernels/conv-naive.ts). Slow, no extra memory.
 * Choose one with the `implementation` option — in definitions and model files a conv layer's
 * `implementation` field (omitted for the default, so older files read the same), on the command line
 * `train --conv naive|im2col|implicit-gemm` — to train with the version you just read.
 * All run through `executor.parallelFor`: forward and backward-data split by image, backward-weights
 * by filter (naive), patch entry (im2col) or 4 × 4 block of dw (implicit GEMM), so a worker pool
 * gives bit-identical results for any number of threads.
 *
 * Initialization: w ~ N(0, 2/(C·FH·FW)) (He et al. 2015: each output sums C·FH·FW inputs, and this
 * variance keeps activations at the same scale through ReLU layers), drawn from `rng` in row-major
 * order; b = 0. An `init` hook (fanIn = C·FH·FW, fanOut = K·FH·FW) replaces the weight fill. The bias
 * is not regularized (decayMultiplier 0).
 */
import { ConfigError } from '../errors.ts';
import type { ConvGeometry } from '../kernels/conv-geometry.ts';
import type { Executor } from '../parallel/executor.ts';
import type { KernelArgs, KernelHandle } from '../kernels/kernel.ts';
import { serialExecutor } from '../parallel/serial-executor.ts';
import type { Rng } from '../tensor/rng.ts';
import type { Shape } from '../tensor/tensor.ts';
import { Tensor, allocFloat32 } from '../tensor/tensor.ts';
import {
  canFlipBackwardData, conv2dBackwardDataFlippedKernel, flipWeights, prefersFlippedBackwardData,
} from '../kernels/conv-backward-data-flipped.ts';
import {
  conv2dBackwardDataImplicitKernel, conv2dBackwardWeightsImplicitKernel, conv2dForwardImplicitKernel, weightGradWorkItems,
} from '../kernels/conv-implicit-gemm.ts';
import { conv2dBackwardDataIm2colKernel, conv2dBackwardWeightsIm2colKernel, conv2dForwardIm2colKernel } from '../kernels/conv-im2col.ts';
import { conv2dBackwardDataNaiveKernel, conv2dBackwardWeightsNaiveKernel, conv2dForwardNaiveKernel } from '../kernels/conv-naive.ts';
import { convOutputShape, expandPair } from './conv-shape.ts';
import type { ConvShape } from './conv-shape.ts';
import { batchBuffer, checkBatchInput, checkOutputGrad, checkPerExampleShape } from './batch-checks.ts';
import { KernelRecords } from './kernel-records.ts';
import type { Writable } from './kernel-records.ts';
import type { ForwardMode, Layer, Parameter, WeightInitializerHook } from './layer.ts';
import { initializeWeights, makeParameter } from './layer.ts';

export type ConvImplementation = 'implicit-gemm' | 'im2col' | 'naive';

/** The three, default first: model files and definitions name one in a conv layer's `implementation`. */
export const CONV_IMPLEMENTATIONS: readonly ConvImplementation[] = ['implicit-gemm', 'im2col', 'naive'];
export const DEFAULT_CONV_IMPLEMENTATION: ConvImplementation = 'implicit-gemm';

/** `value` as a ConvImplementation, or a ConfigError naming `where` (a layer, a flag). */
export function parseConvImplementation(value: unknown, where: string): ConvImplementation {
  if (typeof value === 'string' && (CONV_IMPLEMENTATIONS as readonly string[]).includes(value)) return value as ConvImplementation;
  throw new ConfigError(`${where}: 'implementation' must be one of ${CONV_IMPLEMENTATIONS.map((i) => `'${i}'`).join(', ')}, got ${JSON.stringify(value)}`);
}

export interface Conv2dOptions {
  /** Per-example input shape [C, H, W]. */
  inputShape: Shape;
  /** K, the number of filters (output channels). */
  filters: number;
  /** F, or [FH, FW]. */
  size: number | readonly [number, number];
  /** S or [SH, SW]; default 1. */
  stride?: number | readonly [number, number];
  /** P or [PH, PW] zero rows/columns on each side; default 0. */
  pad?: number | readonly [number, number];
  /** D or [DH, DW] distance between filter taps; default 1 (no dilation). */
  dilation?: number | readonly [number, number];
  /** Default 'implicit-gemm'. */
  implementation?: ConvImplementation;
  name?: string;
  /** Draws the default He initialization; required unless `init` is given. */
  rng?: Rng;
  /** Replaces the default weight fill: init(weights, fanIn = C·FH·FW, fanOut = K·FH·FW). */
  init?: WeightInitializerHook;
}

export class Conv2d implements Layer {
  readonly type = 'conv';
  name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** Every derived size (H′, W′, effective filter extent, ...). */
  readonly convShape: ConvShape;
  readonly inputChannels: number;
  readonly filters: number;
  readonly implementation: ConvImplementation;
  readonly weights: Parameter;
  readonly bias: Parameter;
  private readonly init: WeightInitializerHook | undefined;
  private executor: Executor = serialExecutor;
  /** The last forward's input (by reference; layers never modify their input). */
  private input: Tensor | null = null;
  private output: Tensor | null = null;
  private inputGrad: Tensor | null = null;
  /**
   * im2col: N × (C·FH·FW) × (H′·W′) patches (or more: it only grows), written by forward, consumed by
   * backward. implicit-gemm: scratch for backward-data with strides > 1.
   */
  private columns: Float32Array | null = null;
  /** Stride-1 backward-data only: the rotated filters (C, K, FH, FW). */
  private flippedWeights: Float32Array | null = null;
  /** False once backward has overwritten the columns: a second backward needs a new forward. */
  private columnsHoldPatches = false;
  /** The kernels' argument records, refilled on every call (kernel-records.ts says why). */
  private readonly records = new KernelRecords();
  /** geometry(N) for the last N asked for (a new object only when the batch size changes). */
  private lastGeometry: ConvGeometry | null = null;

  constructor(options: Conv2dOptions) {
    this.name = options.name ?? 'conv';
    const where = this.name;
    const inputShape = checkPerExampleShape(options.inputShape, where);
    if (inputShape.length !== 3) {
      throw new ConfigError(`${where}: 'inputShape' must be [C, H, W], got ${JSON.stringify(options.inputShape)}`);
    }
    if (!Number.isInteger(options.filters) || options.filters < 1) {
      throw new ConfigError(`${where}: 'filters' must be a positive integer, got ${JSON.stringify(options.filters)}`);
    }
    const implementation = parseConvImplementation(options.implementation ?? DEFAULT_CONV_IMPLEMENTATION, where);
    const [filterHeight, filterWidth] = expandPair(options.size, 'size', where, 1);
    const [strideH, strideW] = expandPair(options.stride ?? 1, 'stride', where, 1);
    const [padH, padW] = expandPair(options.pad ?? 0, 'pad', where, 0);
    const [dilationH, dilationW] = expandPair(options.dilation ?? 1, 'dilation', where, 1);
    const [channels, height, width] = inputShape;
    this.convShape = convOutputShape({
      inputHeight: height, inputWidth: width, filterHeight, filterWidth, strideH, strideW, padH, padW, dilationH, dilationW,
    }, where);
    this.inputShape = inputShape;
    this.inputChannels = channels;
    this.filters = options.filters;
    this.implementation = implementation;
    this.outputShape = Object.freeze([this.filters, this.convShape.outputHeight, this.convShape.outputWidth]);

    const weights = Tensor.zeros([this.filters, channels, filterHeight, filterWidth]);
    this.init = options.init;
    initializeWeights(weights, channels * filterHeight * filterWidth, this.filters * filterHeight * filterWidth, options, where);
    this.weights = makeParameter('weights', weights, { decayMultiplier: 1 });
    this.bias = makeParameter('bias', Tensor.zeros([this.filters]), { decayMultiplier: 0 });
  }

  parameters(): Parameter[] {
    return [this.weights, this.bias];
  }

  setExecutor(executor: Executor): void {
    this.executor = executor;
  }

  /** x (N, C, H, W) → y (N, K, H′, W′). */
  forward(input: Tensor, _mode: ForwardMode): Tensor {
    const batch = checkBatchInput(input, this.inputShape, this.name);
    const output = (this.output = batchBuffer(this.output, batch, this.outputShape));
    this.input = input;
    const geometry = this.geometryFor(batch);
    if (this.implementation === 'im2col') {
      const args = this.records.refill(conv2dForwardIm2colKernel, geometry);
      args.input = input.data;
      args.weights = this.weights.value.data;
      args.bias = this.bias.value.data;
      args.output = output.data;
      args.columns = this.columnsFor(batch);
      this.run(conv2dForwardIm2colKernel, args, batch);
      this.columnsHoldPatches = true;
    } else {
      const kernel = this.implementation === 'naive' ? conv2dForwardNaiveKernel : conv2dForwardImplicitKernel;
      const args = this.records.refill(kernel, geometry);
      args.input = input.data;
      args.weights = this.weights.value.data;
      args.bias = this.bias.value.data;
      args.output = output.data;
      this.run(kernel, args, batch);
    }
    return output;
  }

  /**
   * dy (N, K, H′, W′) → dx (N, C, H, W); adds dw and db into the parameter gradients.
   * needInputGrad = false (first layer: its input is the data) skips the backward-data pass, about
   * a third of the work; the returned tensor's contents are then unspecified.
   */
  backward(outputGrad: Tensor, needInputGrad = true): Tensor {
    const batch = checkOutputGrad(outputGrad, this.output, this.name);
    const inputGrad = (this.inputGrad = batchBuffer(this.inputGrad, batch, this.inputShape));
    const geometry = this.geometryFor(batch);
    const weights = this.weights.value.data;
    if (needInputGrad) inputGrad.zero(); // the kernels add into dx
    if (this.implementation === 'naive') {
      const weightArgs = this.records.refill(conv2dBackwardWeightsNaiveKernel, geometry);
      this.fillWeightGradients(weightArgs, outputGrad);
      weightArgs.input = this.input!.data;
      this.run(conv2dBackwardWeightsNaiveKernel, weightArgs, this.filters);
      if (needInputGrad) {
        const dataArgs = this.records.refill(conv2dBackwardDataNaiveKernel, geometry);
        dataArgs.outputGrad = outputGrad.data;
        dataArgs.weights = weights;
        dataArgs.inputGrad = inputGrad.data;
        this.run(conv2dBackwardDataNaiveKernel, dataArgs, batch);
      }
    } else if (this.implementation === 'implicit-gemm') {
      const weightArgs = this.records.refill(conv2dBackwardWeightsImplicitKernel, geometry);
      this.fillWeightGradients(weightArgs, outputGrad);
      weightArgs.input = this.input!.data;
      this.run(conv2dBackwardWeightsImplicitKernel, weightArgs, weightGradWorkItems(geometry));
      if (needInputGrad && canFlipBackwardData(geometry)) {
        // Stride 1: dx = dy ⋆ (rotated filters), the forward tiles again.
        this.runFlippedBackwardData(conv2dBackwardDataImplicitKernel, geometry, outputGrad, inputGrad);
      } else if (needInputGrad) {
        // Strides > 1: the explicit path's wᵀ·dy and col2im, with the columns buffer as scratch.
        this.runIm2colBackwardData(geometry, outputGrad, inputGrad);
      }
    } else {
      if (!this.columnsHoldPatches) {
        throw new ConfigError(`${this.name}: backward needs a forward before it (the previous backward consumed the im2col columns)`);
      }
      // Order matters: backward-weights reads the patches that backward-data then overwrites.
      const patch = this.inputChannels * this.convShape.filterHeight * this.convShape.filterWidth;
      const weightArgs = this.records.refill(conv2dBackwardWeightsIm2colKernel, geometry);
      this.fillWeightGradients(weightArgs, outputGrad);
      weightArgs.columns = this.columns!;
      this.run(conv2dBackwardWeightsIm2colKernel, weightArgs, patch);
      if (needInputGrad && prefersFlippedBackwardData(geometry)) {
        // Stride 1 and enough input channels: dx = dy ⋆ (rotated filters), a GEMM as deep as K·FH·FW
        // (see the kernel's header for when this pays).
        this.runFlippedBackwardData(conv2dBackwardDataFlippedKernel, geometry, outputGrad, inputGrad);
      } else if (needInputGrad) {
        this.runIm2colBackwardData(geometry, outputGrad, inputGrad);
        this.columnsHoldPatches = false;
      }
    }
    return inputGrad;
  }

  config(): Record<string, unknown> {
    const s = this.convShape;
    const config: Record<string, unknown> = {
      type: this.type,
      name: this.name,
      filters: this.filters,
      size: [s.filterHeight, s.filterWidth],
      stride: [s.strideH, s.strideW],
      pad: [s.padH, s.padW],
      dilation: s.dilationH === s.dilationW ? s.dilationH : [s.dilationH, s.dilationW],
    };
    if (this.implementation !== DEFAULT_CONV_IMPLEMENTATION) config.implementation = this.implementation;
    if (this.init?.config !== undefined) config.init = this.init.config;
    return config;
  }

  /** The gradient fields every backward-weights kernel takes (dy, and dw and db to add into). */
  private fillWeightGradients(args: Writable<{ outputGrad: Float32Array; weightsGrad: Float32Array; biasGrad: Float32Array }>, outputGrad: Tensor): void {
    args.outputGrad = outputGrad.data;
    args.weightsGrad = this.weights.grad.data;
    args.biasGrad = this.bias.grad.data;
  }

  /** Stride-1 backward-data on the rotated filters (the implicit-GEMM tiles or the flipped GEMM). */
  private runFlippedBackwardData(
    kernel: typeof conv2dBackwardDataImplicitKernel | typeof conv2dBackwardDataFlippedKernel, geometry: ConvGeometry, outputGrad: Tensor, inputGrad: Tensor,
  ): void {
    const weights = this.weights.value.data;
    const flippedWeights = (this.flippedWeights ??= allocFloat32(weights.length));
    flipWeights(geometry, weights, flippedWeights);
    const args = this.records.refill(kernel, geometry);
    args.outputGrad = outputGrad.data;
    args.flippedWeights = flippedWeights;
    args.inputGrad = inputGrad.data;
    this.run(kernel, args, geometry.batchSize);
  }

  /** Backward-data as wᵀ·dy and col2im, through the columns buffer. */
  private runIm2colBackwardData(geometry: ConvGeometry, outputGrad: Tensor, inputGrad: Tensor): void {
    const args = this.records.refill(conv2dBackwardDataIm2colKernel, geometry);
    args.outputGrad = outputGrad.data;
    args.weights = this.weights.value.data;
    args.columns = this.columnsFor(geometry.batchSize);
    args.inputGrad = inputGrad.data;
    this.run(conv2dBackwardDataIm2colKernel, args, geometry.batchSize);
  }

  /** geometry(batch), kept while the batch size stays the same. */
  private geometryFor(batch: number): ConvGeometry {
    if (this.lastGeometry === null || this.lastGeometry.batchSize !== batch) this.lastGeometry = this.geometry(batch);
    return this.lastGeometry;
  }

  /** The numbers every kernel reads (conv-geometry.ts), for a batch of `batch` images. */
  private geometry(batch: number): ConvGeometry {
    const s = this.convShape;
    return {
      batchSize: batch, inputChannels: this.inputChannels, inputHeight: s.inputHeight, inputWidth: s.inputWidth,
      filters: this.filters, filterHeight: s.filterHeight, filterWidth: s.filterWidth,
      strideH: s.strideH, strideW: s.strideW, padH: s.padH, padW: s.padW, dilationH: s.dilationH, dilationW: s.dilationW,
      outputHeight: s.outputHeight, outputWidth: s.outputWidth,
    };
  }

  /**
   * The columns buffer for `batch` images (shared memory, for workers). It only grows: a smaller
   * batch uses its beginning, so alternating training and evaluation batch sizes does not reallocate.
   */
  private columnsFor(batch: number): Float32Array {
    const s = this.convShape;
    const length = batch * this.inputChannels * s.filterHeight * s.filterWidth * s.outputHeight * s.outputWidth;
    if (this.columns === null || this.columns.length < length) this.columns = allocFloat32(length);
    return this.columns;
  }

  private run<Args extends KernelArgs>(kernel: KernelHandle<Args>, args: Args, total: number): void {
    this.executor.parallelFor(kernel, args, total);
  }
}
