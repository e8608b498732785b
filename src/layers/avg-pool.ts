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
import { avgPoolBackwardKernel, avgPoolForwardKernel } from '../kernels/pooling.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { PoolOptions } from './conv-shape.ts';
import { batchBuffer, checkBatchInput, checkOutputGrad } from './batch-checks.ts';
import type { ForwardMode, Layer } from './layer.ts';
import { Pool2dLayer } from './pool-layer.ts';

export type AvgPool2dOptions = PoolOptions;

/** Options, shapes, executor, buffers and config: Pool2dLayer (pool-layer.ts). */
export class AvgPool2d extends Pool2dLayer implements Layer {
  protected readonly mode = 'avg';

  constructor(options: AvgPool2dOptions) {
    super(options);
  }

  /** x (N, C, H, W) → y (N, C, H′, W′), window means. */
  forward(input: Tensor, _mode: ForwardMode): Tensor {
    const batch = checkBatchInput(input, this.inputShape, this.name);
    const output = (this.output = batchBuffer(this.output, batch, this.outputShape));
    const args = this.records.refill(avgPoolForwardKernel, this.poolShape);
    args.input = input.data;
    args.output = output.data;
    this.executor.parallelFor(avgPoolForwardKernel, args, this.planes(batch));
    return output;
  }

  /**
   * dy (N, C, H′, W′) → dx (N, C, H, W): each window input gets dy/(FH·FW).
   * needInputGrad = false: nothing to do (no parameters); the returned contents are unspecified.
   */
  backward(outputGrad: Tensor, needInputGrad = true): Tensor {
    const batch = checkOutputGrad(outputGrad, this.output, this.name);
    const inputGrad = (this.inputGrad = batchBuffer(this.inputGrad, batch, this.inputShape));
    if (!needInputGrad) return inputGrad; // no parameters: nothing else to compute
    inputGrad.zero(); // the kernel adds into dx
    const args = this.records.refill(avgPoolBackwardKernel, this.poolShape);
    args.outputGrad = outputGrad.data;
    args.inputGrad = inputGrad.data;
    this.executor.parallelFor(avgPoolBackwardKernel, args, this.planes(batch));
    return inputGrad;
  }
}
