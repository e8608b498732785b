/**
 * What the elementwise activations (sigmoid, tanh, ReLU, leaky ReLU, ELU) share: the whole Layer
 * plumbing, so that each activation file holds only its formula and its derivative.
 *
 * An elementwise activation maps every element on its own, y = f(x), so
 *   inputShape = outputShape (any per-example shape: [D] or [C, H, W]), no parameters, and
 *   dL/dx = f'(x) ⊙ dL/dy.
 * Subclasses write two flat loops over all N·D elements: `activate` (x → y) and `differentiate`
 * (x, y, dy → dx), each free to use x or the cached output y (σ' and tanh' are cheapest from y).
 * A subclass whose loops are registered range kernels (ReLU, the one in every convnet) can hand them
 * to the layer's executor with `runElementwise`, which splits large tensors over the worker threads.
 */
import type { Shape } from '../tensor/tensor.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { ForwardMode, Layer, Parameter } from './layer.ts';
import type { Executor, KernelArgs, KernelHandle } from '../parallel/executor.ts';
import { PARALLEL_MIN_VALUES, executorFor } from '../parallel/executor.ts';
import { serialExecutor } from '../parallel/serial-executor.ts';
import { batchBuffer, checkBatchInput, checkOutputGrad, checkPerExampleShape } from './batch-checks.ts';
import { KernelRecords } from './kernel-records.ts';

export interface ActivationOptions {
  /** Per-example shape, e.g. [D] or [C, H, W]; the output has the same shape. */
  inputShape: Shape;
  /** Name in errors and summaries (default: the layer type). */
  name?: string;
}

/** Base class of the elementwise activations: Layer plumbing around two flat loops. */
export abstract class ElementwiseActivation implements Layer {
  readonly type: string;
  name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** The last forward's input, kept by reference for backward (layers never modify their input). */
  private input: Tensor | null = null;
  /** Reused buffers: y (N, ...shape) and dx (N, ...shape), reallocated only when N changes. */
  private output: Tensor | null = null;
  private inputGrad: Tensor | null = null;
  private executor: Executor = serialExecutor;

  protected constructor(type: string, options: ActivationOptions) {
    this.type = type;
    this.name = options.name ?? type;
    this.inputShape = checkPerExampleShape(options.inputShape, this.name);
    this.outputShape = this.inputShape;
  }

  parameters(): Parameter[] {
    return [];
  }

  setExecutor(executor: Executor): void {
    this.executor = executor;
  }

  /** x: (N, ...inputShape) → y = f(x), same shape. */
  forward(input: Tensor, _mode: ForwardMode): Tensor {
    const batch = checkBatchInput(input, this.inputShape, this.name);
    this.output = batchBuffer(this.output, batch, this.outputShape);
    this.input = input;
    this.activate(input.data, this.output.data);
    return this.output;
  }

  /** dy: (N, ...outputShape) → dx = f'(x) ⊙ dy, same shape. */
  backward(outputGrad: Tensor): Tensor {
    const batch = checkOutputGrad(outputGrad, this.output, this.name);
    this.inputGrad = batchBuffer(this.inputGrad, batch, this.inputShape);
    this.differentiate(this.input!.data, this.output!.data, outputGrad.data, this.inputGrad.data);
    return this.inputGrad;
  }

  config(): Record<string, unknown> {
    return { type: this.type, name: this.name, ...this.hyperParameters() };
  }

  /** Extra hyper-parameters for config() (slope, alpha); none by default. */
  protected hyperParameters(): Record<string, unknown> {
    return {};
  }

  /**
   * Runs range kernel `kernel` (a handle from src/kernels/) over `count` elements: on the worker threads when the
   * tensor is large enough to pay for the hand-off (PARALLEL_MIN_VALUES) and every array lives in
   * shared memory (the pool's requirement; tensors allocate there), on this thread otherwise.
   */
  /** Argument records for subclasses' kernels, refilled on every call (kernel-records.ts says why). */
  protected readonly records = new KernelRecords();

  protected runElementwise<Args extends KernelArgs>(kernel: KernelHandle<Args>, args: Args, count: number): void {
    executorFor(this.executor, serialExecutor, args, count, PARALLEL_MIN_VALUES).parallelFor(kernel, args, count);
  }

  /** y[i] = f(x[i]) for every element. */
  protected abstract activate(x: Float32Array, y: Float32Array): void;

  /** dx[i] = f'(x[i]) · dy[i] for every element (y[i] = f(x[i]) is available too). */
  protected abstract differentiate(x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array): void;
}

