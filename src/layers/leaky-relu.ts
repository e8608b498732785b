/**
 * Leaky ReLU activation, elementwise, with slope a (default 0.01):
 *   y = x if x > 0, else a·x;      dy/dx = 1 if x > 0, else a   (a at the kink x = 0).
 *
 * Shapes: x (N, ...inputShape) → y of the same shape (any per-example shape).
 * The small negative-side slope keeps a gradient flowing through units whose input is negative, so
 * they cannot "die" as plain ReLU units can. a must lie in [0, 1) (a = 0 is plain ReLU).
 */
import { ConfigError } from '../errors.ts';
import { type ActivationOptions, ElementwiseActivation } from './elementwise.ts';

export interface LeakyReluOptions extends ActivationOptions {
  /** Slope for x < 0, in [0, 1). Default 0.01. */
  slope?: number;
}

export class LeakyRelu extends ElementwiseActivation {
  readonly slope: number;

  constructor(options: LeakyReluOptions) {
    super('leaky-relu', options);
    const slope = options.slope ?? 0.01;
    if (!Number.isFinite(slope) || slope < 0 || slope >= 1) {
      throw new ConfigError(`${this.name}: 'slope' must be in [0, 1), got ${slope}`);
    }
    this.slope = slope;
  }

  protected override hyperParameters(): Record<string, unknown> {
    return { slope: this.slope };
  }

  protected activate(x: Float32Array, y: Float32Array): void {
    const slope = this.slope;
    for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : slope * x[i];
  }

  protected differentiate(x: Float32Array, _y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    const slope = this.slope;
    for (let i = 0; i < dy.length; i++) dx[i] = x[i] > 0 ? dy[i] : slope * dy[i];
  }
}
