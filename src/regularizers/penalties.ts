/**
 * Weight penalties R(W) for regularization, and their gradients. The strength λ is applied by
 * regularize() (regularize.ts), so the data loss plus regularization reads  L = L_data + λ·R(W).
 *
 *   penalty              R(W)                    dR/dW
 *   l1                   Σ |W|                   sign(W)          (sign(0) = 0: a subgradient)
 *   l2                   Σ W²                    2W
 *   elasticNet(β)        Σ β·W² + |W|            2β·W + sign(W)
 *
 * Convention, stated explicitly because libraries differ: L2 here is λ·ΣW² with gradient 2λW, as in
 * CS231n. Many texts (and the weight_decay option of Caffe and PyTorch optimizers) use (λ'/2)·ΣW²,
 * whose gradient is λ'W; to reproduce such a setting here, pass λ = λ'/2.
 *
 * Effects: L2 prefers many small weights (it spreads the weight over all inputs); L1 drives weights to
 * exactly zero (sparse, feature-selecting); elastic net mixes the two.
 */
import { ConfigError } from '../errors.ts';

export interface Penalty {
  /** 'l1', 'l2' or 'elastic-net'. */
  readonly name: string;
  /** R(W), summed in float64. */
  value(weights: Float32Array): number;
  /** grad += scale · dR/dW, elementwise. */
  addGradient(weights: Float32Array, grad: Float32Array, scale: number): void;
  /** Plain JSON, e.g. { type: 'elastic-net', beta: 0.5 }. */
  config(): Record<string, unknown>;
}

/** L1: R(W) = Σ|W|, dR/dW = sign(W). */
export const l1: Penalty = {
  name: 'l1',
  value(weights) {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += Math.abs(weights[i]);
    return total;
  },
  addGradient(weights, grad, scale) {
    for (let i = 0; i < weights.length; i++) grad[i] += scale * Math.sign(weights[i]);
  },
  config: () => ({ type: 'l1' }),
};

/** L2: R(W) = ΣW², dR/dW = 2W. */
export const l2: Penalty = {
  name: 'l2',
  value(weights) {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i] * weights[i];
    return total;
  },
  addGradient(weights, grad, scale) {
    for (let i = 0; i < weights.length; i++) grad[i] += scale * 2 * weights[i];
  },
  config: () => ({ type: 'l2' }),
};

/** Elastic net: R(W) = Σ β·W² + |W|, dR/dW = 2β·W + sign(W). β ≥ 0 weighs the L2 part against L1. */
export function elasticNet(beta: number): Penalty {
  if (!Number.isFinite(beta) || beta < 0) {
    throw new ConfigError(`elasticNet: 'beta' must be a finite number ≥ 0, got ${beta}`);
  }
  return {
    name: 'elastic-net',
    value(weights) {
      let total = 0;
      for (let i = 0; i < weights.length; i++) total += beta * weights[i] * weights[i] + Math.abs(weights[i]);
      return total;
    },
    addGradient(weights, grad, scale) {
      for (let i = 0; i < weights.length; i++) grad[i] += scale * (2 * beta * weights[i] + Math.sign(weights[i]));
    },
    config: () => ({ type: 'elastic-net', beta }),
  };
}
