/**
 * Max pooling layer: each output is the largest input in its FH×FW window, per channel.
 *
 * Shapes: x (N, C, H, W) → y (N, C, H′, W′), H′ = (H − FH)/SH + 1, W′ = (W − FW)/SW + 1
 * (poolOutputShape in conv-shape.ts rejects windows that do not tile the input exactly). The stride
 * defaults to the window size: 2×2 windows at stride 2 halve each side, the classic setting.
 *
 * Why it helps: it keeps the strongest response of each feature in a neighbourhood and discards
 * where exactly it was, which buys a little translation invariance and shrinks the maps (and the
 * cost of every later layer) by SH·SW.
 *
 * Forward records, for every output, the flat index of the input that won (ties: the first maximum in
 * row-major window order). Backward routes each output gradient to that input only — the derivative
 * of max is 1 for the winner and 0 for the others — and ADDS it there (overlapping windows may pick
 * the same input twice). Kernels: src/kernels/pooling.ts (maxPoolForward, maxPoolBackward), split by
 * plane n·C + c.
 */
import { maxPoolBackwardKernel, maxPoolForwardKernel } from '../kernels/pooling.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { PoolOptions } from './conv-shape.ts';
import { batchBuffer, checkBatchInput, checkOutputGrad } from './batch-checks.ts';
import type { ForwardMode, Layer } from './layer.ts';
import { Pool2dLayer } from './pool-layer.ts';

export type MaxPool2dOptions = PoolOptions;

/** Int32 storage on shared memory when available (like allocFloat32), so worker threads can write it. */
function allocInt32(length: number): Int32Array {
  if (typeof SharedArrayBuffer === 'function') {
    return new Int32Array(new SharedArrayBuffer(length * Int32Array.BYTES_PER_ELEMENT));
  }
  return new Int32Array(length);
}

/** `length` int32 values: the beginning of `existing`'s memory when it is big enough (as reuseFloat32 in tensor.ts), else new. */
function int32Storage(existing: Int32Array | null, length: number): Int32Array {
  if (existing !== null && existing.buffer.byteLength >= length * Int32Array.BYTES_PER_ELEMENT) return new Int32Array(existing.buffer, 0, length);
  return allocInt32(length);
}

/** Options, shapes, executor, buffers and config: Pool2dLayer (pool-layer.ts). */
export class MaxPool2d extends Pool2dLayer implements Layer {
  protected readonly mode = 'max';
  /** For each output element, the flat index into the input of its window's maximum. */
  private argmax: Int32Array | null = null;

  constructor(options: MaxPool2dOptions) {
    super(options);
  }

  /** x (N, C, H, W) → y (N, C, H′, W′). */
  forward(input: Tensor, _mode: ForwardMode): Tensor {
    const batch = checkBatchInput(input, this.inputShape, this.name);
    const output = (this.output = batchBuffer(this.output, batch, this.outputShape));
    if (this.argmax === null || this.argmax.length !== output.size) this.argmax = int32Storage(this.argmax, output.size);
    const args = this.records.refill(maxPoolForwardKernel, this.poolShape);
    args.input = input.data;
    args.output = output.data;
    args.argmax = this.argmax;
    this.executor.parallelFor(maxPoolForwardKernel, args, this.planes(batch));
    return output;
  }

  /**
   * dy (N, C, H′, W′) → dx (N, C, H, W): each dy goes to its window's maximum.
   * needInputGrad = false: nothing to do (no parameters); the returned contents are unspecified.
   */
  backward(outputGrad: Tensor, needInputGrad = true): Tensor {
    const batch = checkOutputGrad(outputGrad, this.output, this.name);
    const inputGrad = (this.inputGrad = batchBuffer(this.inputGrad, batch, this.inputShape));
    if (!needInputGrad) return inputGrad; // no parameters: nothing else to compute
    inputGrad.zero(); // the kernel adds into dx
    const args = this.records.refill(maxPoolBackwardKernel, this.poolShape);
    args.outputGrad = outputGrad.data;
    args.argmax = this.argmax!;
    args.inputGrad = inputGrad.data;
    this.executor.parallelFor(maxPoolBackwardKernel, args, this.planes(batch));
    return inputGrad;
  }
}
