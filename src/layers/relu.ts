/**
 * ReLU activation, elementwise:  y = max(0, x),  dy/dx = 1 if x > 0, else 0.
 *
 * Shapes: x (N, ...inputShape) → y of the same shape (any per-example shape).
 * At the kink x = 0 the derivative is taken as 0 (a valid subgradient; the choice of CS231n and
 * PyTorch). It does not saturate for x > 0 and costs one comparison, which is why it is the default;
 * a unit whose input stays negative passes no gradient at all ("dead ReLU").
 *
 * The loops themselves are range kernels in src/kernels/relu.ts, so that a worker pool can split
 * them; ReLU layers sit after every conv layer, where the tensors are large.
 */
import { reluBackwardKernel, reluForwardKernel } from '../kernels/relu.ts';
import { type ActivationOptions, ElementwiseActivation } from './elementwise.ts';
import { NO_FIELDS } from './kernel-records.ts';

export class Relu extends ElementwiseActivation {
  constructor(options: ActivationOptions) {
    super('relu', options);
  }

  /** y = max(0, x): kernels/relu.ts reluForward. */
  protected activate(x: Float32Array, y: Float32Array): void {
    const args = this.records.refill(reluForwardKernel, NO_FIELDS);
    args.input = x;
    args.output = y;
    this.runElementwise(reluForwardKernel, args, y.length);
  }

  /** dx = dy where x > 0, else 0: kernels/relu.ts reluBackward. */
  protected differentiate(x: Float32Array, _y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    const args = this.records.refill(reluBackwardKernel, NO_FIELDS);
    args.input = x;
    args.outputGrad = dy;
    args.inputGrad = dx;
    this.runElementwise(reluBackwardKernel, args, dx.length);
  }
}
