/**
 * Maxout (Goodfellow et al. 2013) with k pieces: groups of k consecutive channels → their maximum.
 *
 * Shapes: x (N, C, ...rest) → y (N, C/k, ...rest), where the channel axis is the first per-example
 * axis: for vectors (N, D) the groups are k consecutive features, for images (N, C, H, W) they are k
 * consecutive channels at each pixel. C must be divisible by k (a ShapeError otherwise).
 *
 *   y[n, g, s] = max_{p < k} x[n, g·k + p, s]           (s runs over the positions of `rest`)
 *
 * Ties go to the FIRST maximum (smallest p): the scan replaces the running best only on a strictly
 * larger value. Backward routes each output gradient to the input that won (its argmax, recorded in
 * forward); the other k − 1 inputs of the group get 0:
 *   dx[n, g·k + p, s] = dy[n, g, s] if p = argmax, else 0.
 * Maxout generalizes ReLU (max(0, x) is a 2-piece maxout with one piece fixed at 0) and never saturates.
 */
import { ConfigError, ShapeError, formatShape } from '../errors.ts';
import type { Shape } from '../tensor/tensor.ts';
import { type Tensor, shapeSize } from '../tensor/tensor.ts';
import { batchBuffer, checkBatchInput, checkOutputGrad, checkPerExampleShape } from './batch-checks.ts';
import type { ForwardMode, Layer, Parameter } from './layer.ts';

export interface MaxoutOptions {
  /** Per-example input shape [C, ...rest]; C divisible by `pieces`. */
  inputShape: Shape;
  /** k: channels per group. Default 2. */
  pieces?: number;
  name?: string;
}

export class Maxout implements Layer {
  readonly type = 'maxout';
  name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly pieces: number;
  /** C and the number of positions per channel, Π rest. */
  private readonly channels: number;
  private readonly positions: number;
  private output: Tensor | null = null;
  private inputGrad: Tensor | null = null;
  /** For each output element, the flat index (within the batch) of the input that won. */
  private winners = new Int32Array(0);

  constructor(options: MaxoutOptions) {
    this.name = options.name ?? 'maxout';
    this.inputShape = checkPerExampleShape(options.inputShape, this.name);
    const pieces = options.pieces ?? 2;
    if (!Number.isInteger(pieces) || pieces < 1) {
      throw new ConfigError(`${this.name}: 'pieces' must be a positive integer, got ${pieces}`);
    }
    this.pieces = pieces;
    const [channels, ...rest] = this.inputShape;
    if (channels % pieces !== 0) {
      throw new ShapeError(
        `${this.name}: input ${formatShape(this.inputShape)} has ${channels} channels, not divisible by ${pieces} pieces ` +
          `(use a channel count that is a multiple of ${pieces})`,
      );
    }
    this.channels = channels;
    this.positions = shapeSize(rest);
    this.outputShape = Object.freeze([channels / pieces, ...rest]);
  }

  parameters(): Parameter[] {
    return [];
  }

  /** x: (N, C, ...rest) → y: (N, C/k, ...rest), y = max over each group of k channels. */
  forward(input: Tensor, _mode: ForwardMode): Tensor {
    const batch = checkBatchInput(input, this.inputShape, this.name);
    const output = (this.output = batchBuffer(this.output, batch, this.outputShape));
    if (this.winners.length !== output.size) this.winners = new Int32Array(output.size);
    const x = input.data;
    const y = output.data;
    const winners = this.winners;
    const { pieces, channels, positions } = this;
    const groups = channels / pieces;
    for (let n = 0; n < batch; n++) {
      for (let g = 0; g < groups; g++) {
        const firstInput = (n * channels + g * pieces) * positions; // x[n, g·k, 0]
        const outputRow = (n * groups + g) * positions; //            y[n, g, 0]
        for (let s = 0; s < positions; s++) {
          let best = firstInput + s;
          for (let p = 1; p < pieces; p++) {
            const candidate = firstInput + p * positions + s;
            if (x[candidate] > x[best]) best = candidate; // strict: ties keep the first
          }
          y[outputRow + s] = x[best];
          winners[outputRow + s] = best;
        }
      }
    }
    return output;
  }

  /** dy: (N, C/k, ...rest) → dx: (N, C, ...rest), each dy sent to its group's argmax, zeros elsewhere. */
  backward(outputGrad: Tensor): Tensor {
    const batch = checkOutputGrad(outputGrad, this.output, this.name);
    this.inputGrad = batchBuffer(this.inputGrad, batch, this.inputShape);
    const dx = this.inputGrad.data;
    const dy = outputGrad.data;
    dx.fill(0);
    for (let i = 0; i < dy.length; i++) dx[this.winners[i]] += dy[i];
    return this.inputGrad;
  }

  config(): Record<string, unknown> {
    return { type: this.type, name: this.name, pieces: this.pieces };
  }
}
