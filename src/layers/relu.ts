/**
 * ReLU activation, elementwise:  y = max(0, x),  dy/dx = 1 if x > 0, else 0.
 *
 * Shapes: x (N, ...inputShape) → y of the same shape (any per-example shape).
 * At the kink x = 0 the derivative is taken as 0 (a valid subgradient; the choice of CS231n and
 * PyTorch). It does not saturate for x > 0 and costs one comparison, which is why it is the default;
 * a unit whose input stays negative passes no gradient at all ("dead ReLU").
 */
import { type ActivationOptions, ElementwiseActivation } from './elementwise.ts';

export class Relu extends ElementwiseActivation {
  constructor(options: ActivationOptions) {
    super('relu', options);
  }

  protected activate(x: Float32Array, y: Float32Array): void {
    for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : 0;
  }

  protected differentiate(x: Float32Array, _y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    for (let i = 0; i < dy.length; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
  }
}
