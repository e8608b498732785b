/**
 * Dropout (Srivastava et al., 2014), in its "inverted" form.
 *
 *   x: (N, ...inputShape) → y: (N, ...inputShape), element-wise. `rate` p = probability of DROPPING.
 *
 *   training:   m_i ~ Bernoulli(1 − p)        (1 = keep)
 *               y_i = m_i · x_i / (1 − p)
 *   inference:  y_i = x_i                     (exactly the identity)
 *   backward:   dx_i = m_i · dy_i / (1 − p)   (the same mask as the forward it follows)
 *
 * Why scale at training time: E[m_i/(1 − p)] = 1, so E[y_i] = x_i and the next layer sees inputs of
 * the same expected size in training and at test time — test time needs no change at all, and a
 * net trained with dropout can be run, exported or fine-tuned without knowing p. (ConvNetJS instead
 * multiplies by p at test time — with p the DROP probability, where 1 − p would be right; this
 * library scales at training time and never touches test time.)
 *
 * The mask comes from the injected Rng: one `rng.uniform()` draw u per element, in flat row-major
 * order of the batch, and the element is dropped when u < p (so P(drop) = p exactly). With p = 0
 * nothing is drawn. Because the mask is a pure function of the Rng state, a caller that needs the
 * same mask twice — a gradient check re-running forward thousands of times, or a test — saves
 * `rng.getState()` before the forward and restores it with `rng.setState()`. That keeps the layer
 * free of a "frozen mask" mode that production code would never use, and it is the same mechanism
 * that makes checkpoints resume bit-identically.
 */
import { ConfigError, ShapeError, formatShape } from '../errors.ts';
import type { Rng } from '../tensor/rng.ts';
import { Tensor, shapeSize, type Shape } from '../tensor/tensor.ts';
import type { ForwardMode, Layer, Parameter } from './layer.ts';
import { batchBuffer, checkBatchInput } from './batch-checks.ts';

export interface DropoutOptions {
  /** Per-example shape, e.g. [D] or [C, H, W]; output has the same shape. */
  inputShape: Shape;
  /** Probability of dropping each unit, 0 ≤ rate < 1. */
  rate: number;
  /** Source of the masks. */
  rng: Rng;
  name?: string;
}

export class Dropout implements Layer {
  readonly type = 'dropout';
  name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly rate: number;
  private readonly rng: Rng;
  /** 1/(1 − p), the factor applied to kept units. */
  private readonly keepScale: number;
  private readonly exampleSize: number;

  // Buffers sized for the last batch size N; reallocated only when N changes.
  private batchSize = -1;
  private output = Tensor.zeros([0]);
  private inputGrad = Tensor.zeros([0]);
  /** 1 where the unit was kept in the last training forward, 0 where dropped. */
  private mask = new Uint8Array(0);
  /** Mode of the last forward: decides what backward computes. null before the first forward. */
  private lastTraining: boolean | null = null;

  constructor(options: DropoutOptions) {
    this.name = options.name ?? 'dropout';
    const where = `Dropout '${this.name}'`;
    if (options.inputShape.length === 0 || options.inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new ShapeError(`${where}: inputShape must be positive integers, got ${formatShape(options.inputShape)}`);
    }
    if (typeof options.rate !== 'number' || !(options.rate >= 0 && options.rate < 1)) {
      throw new ConfigError(`${where}: rate (probability of dropping) must be in [0, 1), got ${options.rate}`);
    }
    this.inputShape = Object.freeze([...options.inputShape]);
    this.outputShape = this.inputShape;
    this.rate = options.rate;
    this.rng = options.rng;
    this.keepScale = 1 / (1 - options.rate);
    this.exampleSize = shapeSize(this.inputShape);
  }

  parameters(): Parameter[] {
    return [];
  }

  /** x: (N, ...inputShape) → y: same shape. Training draws a new mask; inference copies x. */
  forward(input: Tensor, mode: ForwardMode): Tensor {
    const batchSize = checkBatchInput(input, this.inputShape, this.name);
    this.ensureBuffers(batchSize);
    const x = input.data;
    const y = this.output.data;
    const mask = this.mask;
    if (!mode.training || this.rate === 0) {
      y.set(x);
      mask.fill(1);
      this.lastTraining = mode.training;
      return this.output;
    }
    const rate = this.rate;
    const keepScale = this.keepScale;
    for (let i = 0; i < x.length; i++) {
      const keep = this.rng.uniform() >= rate ? 1 : 0;
      mask[i] = keep;
      y[i] = keep ? x[i] * keepScale : 0;
    }
    this.lastTraining = true;
    return this.output;
  }

  /** dy: (N, ...inputShape) → dx = mask · dy / (1 − p) (after an inference forward: dx = dy). */
  backward(outputGrad: Tensor): Tensor {
    if (this.lastTraining === null) {
      throw new Error(`Dropout '${this.name}': backward called before forward`);
    }
    const expected = [this.batchSize, ...this.inputShape];
    if (outputGrad.rank !== expected.length || outputGrad.shape.some((d, i) => d !== expected[i])) {
      throw new ShapeError(
        `Dropout '${this.name}': backward expected dy of shape ${formatShape(expected)} (the last forward's), got ${formatShape(outputGrad.shape)}`,
      );
    }
    const dy = outputGrad.data;
    const dx = this.inputGrad.data;
    // With rate 0 or after inference the mask is all ones and the scale is irrelevant.
    const keepScale = this.lastTraining && this.rate > 0 ? this.keepScale : 1;
    const mask = this.mask;
    for (let i = 0; i < dy.length; i++) dx[i] = mask[i] ? dy[i] * keepScale : 0;
    return this.inputGrad;
  }

  config(): Record<string, unknown> {
    return { type: this.type, name: this.name, inputShape: [...this.inputShape], rate: this.rate };
  }

  /** Buffers for N = batchSize; a smaller N than before reuses the memory of the larger (batchBuffer). */
  private ensureBuffers(batchSize: number): void {
    if (batchSize === this.batchSize) return;
    this.output = batchBuffer(this.output, batchSize, this.inputShape);
    this.inputGrad = batchBuffer(this.inputGrad, batchSize, this.inputShape);
    const maskLength = batchSize * this.exampleSize;
    this.mask = this.mask.buffer.byteLength >= maskLength ? new Uint8Array(this.mask.buffer, 0, maskLength) : new Uint8Array(maskLength);
    this.batchSize = batchSize;
  }
}
