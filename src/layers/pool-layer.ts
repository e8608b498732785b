/**
 * What MaxPool2d and AvgPool2d share — everything but their forward and backward: the options check,
 * the window's shape (poolOutputShape), the executor, the output and dx buffers, and the config. Each
 * subclass keeps its own forward and backward in its own file (max-pool.ts, avg-pool.ts).
 *
 * Shapes: x (N, C, H, W) → y (N, C, H′, W′), H′ = (H − FH)/SH + 1, W′ = (W − FW)/SW + 1. The kernels
 * (src/kernels/pooling.ts) split the work by plane n·C + c.
 */
import type { Executor } from '../parallel/executor.ts';
import { serialExecutor } from '../parallel/serial-executor.ts';
import type { Shape, Tensor } from '../tensor/tensor.ts';
import { resolvePoolOptions } from './conv-shape.ts';
import type { PoolOptions, PoolShape } from './conv-shape.ts';
import type { Parameter } from './layer.ts';
import { KernelRecords } from './kernel-records.ts';

export abstract class Pool2dLayer {
  readonly type = 'pool';
  name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** H′, W′ and the window, from poolOutputShape: the WindowGeometry every pooling kernel reads. */
  readonly poolShape: PoolShape;
  protected executor: Executor = serialExecutor;
  protected output: Tensor | null = null;
  protected inputGrad: Tensor | null = null;
  /** The kernels' argument records, refilled on every call (kernel-records.ts says why). */
  protected readonly records = new KernelRecords();
  /** 'max' or 'avg', as written in model files. */
  protected abstract readonly mode: 'max' | 'avg';

  constructor(options: PoolOptions) {
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

  config(): Record<string, unknown> {
    const s = this.poolShape;
    return { type: this.type, mode: this.mode, name: this.name, size: [s.filterHeight, s.filterWidth], stride: [s.strideH, s.strideW] };
  }

  /** The work items of a batch: one per plane n·C + c. */
  protected planes(batch: number): number {
    return batch * this.inputShape[0];
  }
}
