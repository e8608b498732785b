/**
 * Average pooling layer: each output is the mean of its FH×FW window, per channel.
 *
 * Shapes: x (N, C, H, W) → y (N, C, H′, W′), H′ = (H − FH)/SH + 1, W′ = (W − FW)/SW + 1
 * (poolOutputShape in conv-shape.ts; stride defaults to the window size).
 *   y[n,c,y,x] = (1/(FH·FW)) · Σ_fy Σ_fx x[n, c, y·SH + fy, x·SW + fx]
 * The divisor is always FH·FW (there is no padding, so every window is full).
 *
 * Backward: the mean is linear, so each input of a window receives dy/(FH·FW), ADDED (overlapping
 * windows contribute several times). Kernels: src/kernels/pooling.ts, split by plane n·C + c.
 */
import type { PoolGeometry } from '../kernels/pooling.ts';
import type { Executor } from '../parallel/executor.ts';
import { serialExecutor } from '../parallel/serial-executor.ts';
import type { Shape } from '../tensor/tensor.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { resolvePoolOptions } from './conv-shape.ts';
import type { PoolOptions, PoolShape } from './conv-shape.ts';
import { batchBuffer, checkBatchInput, checkOutputGrad } from './batch-checks.ts';
import type { ForwardMode, Layer, Parameter } from './layer.ts';

export type AvgPool2dOptions = PoolOptions;

export class AvgPool2d implements Layer {
  readonly type = 'pool';
  name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** H′, W′ and the window, from poolOutputShape. */
  readonly poolShape: PoolShape;
  private executor: Executor = serialExecutor;
  private output: Tensor | null = null;
  private inputGrad: Tensor | null = null;

  constructor(options: AvgPool2dOptions) {
    this.name = options.name ?? 'pool';
    const { channels, shape } = resolvePoolOptions(options, this.name);
    this.poolShape = shape;
    this.inputShape = Object.freeze([channels, shape.inputHeight, shape.inputWidth]);
    this.outputShape = Object.freeze([channels, shape.outputHeight, shape.outputWidth]);
  }

  parameters(): Parameter[] {
    return [];
  }

  setExecutor(executor: Executor): void {
    this.executor = executor;
  }

  /** x (N, C, H, W) → y (N, C, H′, W′), window means. */
  forward(input: Tensor, _mode: ForwardMode): Tensor {
    const batch = checkBatchInput(input, this.inputShape, this.name);
    const output = (this.output = batchBuffer(this.output, batch, this.outputShape));
    const planes = batch * this.inputShape[0];
    this.executor.parallelFor('avgPoolForward', { ...this.geometry(), input: input.data, output: output.data }, planes);
    return output;
  }

  /** dy (N, C, H′, W′) → dx (N, C, H, W): each window input gets dy/(FH·FW). */
  /** needInputGrad = false: nothing to do (no parameters); the returned contents are unspecified. */
  backward(outputGrad: Tensor, needInputGrad = true): Tensor {
    const batch = checkOutputGrad(outputGrad, this.output, this.name);
    const inputGrad = (this.inputGrad = batchBuffer(this.inputGrad, batch, this.inputShape));
    if (!needInputGrad) return inputGrad; // no parameters: nothing else to compute
    inputGrad.zero(); // the kernel adds into dx
    const planes = batch * this.inputShape[0];
    this.executor.parallelFor('avgPoolBackward', { ...this.geometry(), outputGrad: outputGrad.data, inputGrad: inputGrad.data }, planes);
    return inputGrad;
  }

  config(): Record<string, unknown> {
    const s = this.poolShape;
    return { type: this.type, mode: 'avg', name: this.name, size: [s.filterHeight, s.filterWidth], stride: [s.strideH, s.strideW] };
  }

  private geometry(): PoolGeometry {
    const { inputHeight, inputWidth, filterHeight, filterWidth, strideH, strideW, outputHeight, outputWidth } = this.poolShape;
    return { inputHeight, inputWidth, filterHeight, filterWidth, strideH, strideW, outputHeight, outputWidth };
  }
}
