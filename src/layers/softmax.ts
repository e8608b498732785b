/**
 * Softmax layer: turns scores into probabilities over the channel axis.
 *
 * Shapes: x (N, C, ...rest) → p of the same shape. The channel axis is the first per-example axis:
 * for vectors (N, C) that is the last axis (the usual classifier output); for images (N, C, H, W) the
 * softmax runs over the C channels independently at each pixel (s below runs over the positions).
 *
 *   p[n, c, s] = exp(x[n, c, s] − m) / Σ_j exp(x[n, j, s] − m),     m = max_j x[n, j, s]
 *
 * Subtracting the maximum m changes nothing mathematically (it cancels between numerator and
 * denominator) but keeps every exponent ≤ 0, so exp never overflows.
 *
 * Backward is the full Jacobian–vector product. With ∂p_c/∂x_j = p_c·(δ_cj − p_j):
 *   dx_j = Σ_c dy_c · p_c·(δ_cj − p_j) = p_j · (dy_j − Σ_c p_c·dy_c)
 * (one dot product per position, O(C) instead of forming the C×C Jacobian).
 * For training a classifier, prefer softmaxCrossEntropyLoss on the scores (src/losses/
 * softmax-cross-entropy.ts): its combined gradient p − onehot(y) is simpler and more accurate.
 */
import type { Shape } from '../tensor/tensor.ts';
import { type Tensor, shapeSize } from '../tensor/tensor.ts';
import { batchBuffer, checkBatchInput, checkOutputGrad, checkPerExampleShape } from './batch-checks.ts';
import type { ForwardMode, Layer, Parameter } from './layer.ts';

export interface SoftmaxOptions {
  /** Per-example shape [C, ...rest]; the softmax runs over C. */
  inputShape: Shape;
  name?: string;
}

export class Softmax implements Layer {
  readonly type = 'softmax';
  name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  private readonly channels: number;
  private readonly positions: number;
  private output: Tensor | null = null;
  private inputGrad: Tensor | null = null;

  constructor(options: SoftmaxOptions) {
    this.name = options.name ?? 'softmax';
    this.inputShape = checkPerExampleShape(options.inputShape, this.name);
    this.outputShape = this.inputShape;
    this.channels = this.inputShape[0];
    this.positions = shapeSize(this.inputShape.slice(1));
  }

  parameters(): Parameter[] {
    return [];
  }

  /** x: (N, C, ...rest) → probabilities p, same shape, summing to 1 over C at every (n, s). */
  forward(input: Tensor, _mode: ForwardMode): Tensor {
    const batch = checkBatchInput(input, this.inputShape, this.name);
    const output = (this.output = batchBuffer(this.output, batch, this.outputShape));
    const x = input.data;
    const p = output.data;
    const { channels, positions } = this;
    for (let n = 0; n < batch; n++) {
      for (let s = 0; s < positions; s++) {
        const first = n * channels * positions + s; // element (n, 0, s); channel c is at first + c·positions
        let max = -Infinity;
        for (let c = 0; c < channels; c++) max = Math.max(max, x[first + c * positions]);
        let total = 0;
        for (let c = 0; c < channels; c++) {
          const e = Math.exp(x[first + c * positions] - max);
          p[first + c * positions] = e;
          total += e;
        }
        for (let c = 0; c < channels; c++) p[first + c * positions] /= total;
      }
    }
    return output;
  }

  /** dy: (N, C, ...rest) → dx = p ⊙ (dy − Σ_c p_c·dy_c), same shape. */
  backward(outputGrad: Tensor): Tensor {
    const batch = checkOutputGrad(outputGrad, this.output, this.name);
    this.inputGrad = batchBuffer(this.inputGrad, batch, this.inputShape);
    const p = this.output!.data;
    const dy = outputGrad.data;
    const dx = this.inputGrad.data;
    const { channels, positions } = this;
    for (let n = 0; n < batch; n++) {
      for (let s = 0; s < positions; s++) {
        const first = n * channels * positions + s;
        let dot = 0;
        for (let c = 0; c < channels; c++) dot += p[first + c * positions] * dy[first + c * positions];
        for (let c = 0; c < channels; c++) {
          const i = first + c * positions;
          dx[i] = p[i] * (dy[i] - dot);
        }
      }
    }
    return this.inputGrad;
  }

  config(): Record<string, unknown> {
    return { type: this.type, name: this.name };
  }
}
