/**
 * Parameter: a learnable tensor together with its gradient accumulator and per-parameter multipliers.
 *
 * It lives beside Tensor, at the bottom of the library, because every side uses it: layers own
 * parameters, the graph's layer gates list them, regularizers and update rules read and change them,
 * and the trainer zeroes their gradients — and none of those should import the others to get the type.
 */
import { Tensor } from './tensor.ts';

/** A learnable tensor with its gradient accumulator and per-parameter multipliers. */
export interface Parameter {
  /** Short name inside the layer: 'weights', 'bias', 'gamma', 'beta'. */
  readonly name: string;
  readonly value: Tensor;
  /** dL/dvalue, accumulated by backward, zeroed by the trainer. Same shape as value. */
  readonly grad: Tensor;
  /** Multiplies the learning rate for this parameter (Caffe's lr_mult). Default 1. */
  learningRateMultiplier: number;
  /** Multiplies the regularization strength for this parameter. Default 1 for weights, 0 for biases. */
  decayMultiplier: number;
}

/** Creates a Parameter with a zeroed gradient of the same shape. */
export function makeParameter(
  name: string,
  value: Tensor,
  options: { learningRateMultiplier?: number; decayMultiplier?: number } = {},
): Parameter {
  return {
    name,
    value,
    grad: (value.constructor as typeof Tensor).zeros(value.shape),
    learningRateMultiplier: options.learningRateMultiplier ?? 1,
    decayMultiplier: options.decayMultiplier ?? 1,
  };
}
