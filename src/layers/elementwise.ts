/**
 * What every activation layer shares: the batch-shape check, the reusable buffers, and — for the
 * elementwise ones (sigmoid, tanh, ReLU, leaky ReLU, ELU) — the whole Layer plumbing, so that each
 * activation file holds only its formula and its derivative.
 *
 * An elementwise activation maps every element on its own, y = f(x), so
 *   inputShape = outputShape (any per-example shape: [D] or [C, H, W]), no parameters, and
 *   dL/dx = f'(x) ⊙ dL/dy.
 * Subclasses write two flat loops over all N·D elements: `activate` (x → y) and `differentiate`
 * (x, y, dy → dx), each free to use x or the cached output y (σ' and tanh' are cheapest from y).
 */
import { ConfigError, ShapeError, formatShape } from '../errors.ts';
import type { Shape } from '../tensor/tensor.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { ForwardMode, Layer, Parameter } from './layer.ts';

/**
 * Checks that `input` is a minibatch (N, ...perExampleShape) with N ≥ 1 and returns N.
 * Throws a ShapeError naming `where` (the layer) with the expected and the actual shape.
 */
export function checkBatchInput(input: Tensor, perExampleShape: Shape, where: string, what = 'input'): number {
  const shape = input.shape;
  const fits =
    shape.length === perExampleShape.length + 1 &&
    shape[0] >= 1 &&
    perExampleShape.every((dim, axis) => shape[axis + 1] === dim);
  if (!fits) {
    throw new ShapeError(
      `${where}: expected ${what} of shape (N, ${perExampleShape.join(', ')}) with N ≥ 1, got ${formatShape(shape)}`,
    );
  }
  return shape[0];
}

/** `existing` if it already holds a batch of `batch` examples, else a new zeroed (batch, ...shape). */
export function batchBuffer(existing: Tensor | null, batch: number, perExampleShape: Shape): Tensor {
  if (existing !== null && existing.shape[0] === batch) return existing;
  return Tensor.zeros([batch, ...perExampleShape]);
}

/** Checks a per-example shape given in layer options: a non-empty list of positive integers. */
export function checkPerExampleShape(shape: unknown, where: string): Shape {
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ConfigError(`${where}: 'inputShape' must list positive integers such as [10] or [3, 32, 32], got ${JSON.stringify(shape)}`);
  }
  return Object.freeze([...shape]);
}

/**
 * For backward: the batch size of the last forward call, after checking that `outputGrad` has the
 * shape of that call's output. Throws a ConfigError when forward has not run yet.
 */
export function checkOutputGrad(outputGrad: Tensor, output: Tensor | null, where: string): number {
  if (output === null) throw new ConfigError(`${where}: backward called before forward`);
  const shape = output.shape;
  if (outputGrad.shape.length !== shape.length || outputGrad.shape.some((dim, axis) => dim !== shape[axis])) {
    throw new ShapeError(
      `${where}: backward expected an output gradient of shape ${formatShape(shape)} (the last forward's output), ` +
        `got ${formatShape(outputGrad.shape)}`,
    );
  }
  return shape[0];
}

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

  protected constructor(type: string, options: ActivationOptions) {
    this.type = type;
    this.name = options.name ?? type;
    this.inputShape = checkPerExampleShape(options.inputShape, this.name);
    this.outputShape = this.inputShape;
  }

  parameters(): Parameter[] {
    return [];
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

  /** y[i] = f(x[i]) for every element. */
  protected abstract activate(x: Float32Array, y: Float32Array): void;

  /** dx[i] = f'(x[i]) · dy[i] for every element (y[i] = f(x[i]) is available too). */
  protected abstract differentiate(x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array): void;
}
