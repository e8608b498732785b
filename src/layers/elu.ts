/**
 * ELU (exponential linear unit, Clevert et al. 2015), elementwise, with α (default 1):
 *   y = x if x > 0, else α·(eˣ − 1);      dy/dx = 1 if x > 0, else α·eˣ = y + α.
 *
 * Shapes: x (N, ...inputShape) → y of the same shape (any per-example shape).
 * Negative inputs saturate smoothly at −α, which pushes mean activations towards zero; for α = 1 the
 * function is differentiable at 0 too. The negative-side derivative is read from the output (y + α),
 * so backward needs no second exponential. α must be positive.
 */
import { ConfigError } from '../errors.ts';
import { type ActivationOptions, ElementwiseActivation } from './elementwise.ts';

export interface EluOptions extends ActivationOptions {
  /** Negative saturation value −α; α > 0. Default 1. */
  alpha?: number;
}

export class Elu extends ElementwiseActivation {
  readonly alpha: number;

  constructor(options: EluOptions) {
    super('elu', options);
    const alpha = options.alpha ?? 1;
    if (!Number.isFinite(alpha) || alpha <= 0) {
      throw new ConfigError(`${this.name}: 'alpha' must be a positive number, got ${alpha}`);
    }
    this.alpha = alpha;
  }

  protected override hyperParameters(): Record<string, unknown> {
    return { alpha: this.alpha };
  }

  protected activate(x: Float32Array, y: Float32Array): void {
    const alpha = this.alpha;
    for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : alpha * Math.expm1(x[i]); // expm1: exact near 0
  }

  protected differentiate(x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    const alpha = this.alpha;
    for (let i = 0; i < dy.length; i++) dx[i] = x[i] > 0 ? dy[i] : (y[i] + alpha) * dy[i];
  }
}
