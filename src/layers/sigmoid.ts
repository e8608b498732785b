/**
 * Sigmoid activation, elementwise:  y = σ(x) = 1 / (1 + e⁻ˣ),  dy/dx = σ(x)·(1 − σ(x)) = y·(1 − y).
 *
 * Shapes: x (N, ...inputShape) → y of the same shape (any per-example shape).
 * The derivative is read from the cached output y, so backward costs one multiply-add per element.
 * Why it fell out of favour in deep nets: y·(1 − y) ≤ 1/4 and vanishes when |x| is large (a saturated
 * unit passes almost no gradient), and the outputs are not zero-centred.
 */
import { sigmoidOf } from '../graph/ops.ts';
import { type ActivationOptions, ElementwiseActivation } from './elementwise.ts';

export class Sigmoid extends ElementwiseActivation {
  constructor(options: ActivationOptions) {
    super('sigmoid', options);
  }

  protected activate(x: Float32Array, y: Float32Array): void {
    for (let i = 0; i < x.length; i++) y[i] = sigmoidOf(x[i]);
  }

  protected differentiate(_x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    for (let i = 0; i < dy.length; i++) dx[i] = y[i] * (1 - y[i]) * dy[i];
  }
}
