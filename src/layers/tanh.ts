/**
 * Tanh activation, elementwise:  y = tanh(x) = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ),  dy/dx = 1 − y².
 *
 * Shapes: x (N, ...inputShape) → y of the same shape (any per-example shape).
 * tanh(x) = 2σ(2x) − 1: a sigmoid rescaled to (−1, 1), zero-centred, but it still saturates.
 */
import { type ActivationOptions, ElementwiseActivation } from './elementwise.ts';

export class Tanh extends ElementwiseActivation {
  constructor(options: ActivationOptions) {
    super('tanh', options);
  }

  protected activate(x: Float32Array, y: Float32Array): void {
    for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]);
  }

  protected differentiate(_x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    for (let i = 0; i < dy.length; i++) dx[i] = (1 - y[i] * y[i]) * dy[i];
  }
}
