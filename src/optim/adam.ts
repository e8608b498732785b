/**
 * Adam — Kingma & Ba, "Adam: A Method for Stochastic Optimization" (ICLR 2015), Algorithm 1:
 *
 *   t ← t + 1                                  (counted BEFORE the update: the first step has t = 1)
 *   m ← β1·m + (1 − β1)·g                       (moving average of gradients: momentum)
 *   v ← β2·v + (1 − β2)·g²                      (moving average of squared gradients: RMSProp)
 *   m̂ = m / (1 − β1^t)                          (bias correction DIVIDES)
 *   v̂ = v / (1 − β2^t)
 *   w ← w − η · m̂ / (√v̂ + ε)
 *
 * Why the bias correction: m and v start at 0, so early on they are averages of too few terms and
 * biased towards 0 — after one step m = (1 − β1)·g, one tenth of g. Dividing by 1 − β^t (the total
 * weight the average has collected so far) removes that bias exactly for a constant gradient. The
 * first step therefore has m̂ = g and v̂ = g², so every weight moves by −η·g/(|g| + ε) ≈ −η·sign(g):
 * Adam's step size is bounded by about η whatever the scale of the gradient.
 *
 * ConvNetJS got this wrong: its trainer MULTIPLIES m and v by (1 − β^t) instead of dividing, and its
 * t counts training examples rather than updates. With t = 1 that makes the first step
 * η·(1−β1)²/(1−β2) = 10·η instead of η; once t is large the factors are ≈ 1 and no correction happens
 * at all. Here t is the parameter's update count `state.step`, incremented first, and the correction
 * divides.
 *
 * Hyper-parameters (defaults, PyTorch's Adam = the paper's): β1 = 0.9, β2 = 0.999, ε = 1e-8 (outside
 * the square root; Keras uses 1e-7), learning rate η = 0.001.
 *
 * State: `firstMoment` (m) and `secondMoment` (v), zero at the start, and `step` (t).
 */
import type { RuleState, UpdateRule } from './update-rule.ts';
import { checkGradientLength, hyperParameter, stateBuffer } from './rule-definition.ts';
import type { RuleDefinition } from './rule-definition.ts';

export type AdamHyper = { readonly beta1: number; readonly beta2: number; readonly epsilon: number };

export const adam: UpdateRule<AdamHyper> = {
  name: 'adam',
  bufferNames: ['firstMoment', 'secondMoment'],
  step(value: Float32Array, grad: Float32Array, state: RuleState, learningRate: number, hyper: AdamHyper): void {
    checkGradientLength(value, grad, 'adam');
    const firstMoment = stateBuffer(state, 'firstMoment', 'adam', value.length);
    const secondMoment = stateBuffer(state, 'secondMoment', 'adam', value.length);
    const { beta1, beta2, epsilon } = hyper;
    state.step++;
    const t = state.step;
    // Total weight the two averages have collected after t steps; constant over the loop.
    const firstCorrection = 1 - Math.pow(beta1, t);
    const secondCorrection = 1 - Math.pow(beta2, t);
    for (let i = 0; i < value.length; i++) {
      const g = grad[i];
      const m = beta1 * firstMoment[i] + (1 - beta1) * g;
      const v = beta2 * secondMoment[i] + (1 - beta2) * g * g;
      firstMoment[i] = m;
      secondMoment[i] = v;
      const mHat = m / firstCorrection;
      const vHat = v / secondCorrection;
      value[i] -= (learningRate * mHat) / (Math.sqrt(vHat) + epsilon);
    }
  },
};

export const adamDefinition: RuleDefinition<AdamHyper> = {
  rule: adam,
  defaultLearningRate: 0.001,
  hyperParameters: [
    hyperParameter('beta1', 0.9, '[0, 1)', 'fraction of the gradient average (first moment) kept each step'),
    hyperParameter('beta2', 0.999, '[0, 1)', 'fraction of the squared-gradient average (second moment) kept each step'),
    hyperParameter('epsilon', 1e-8, '(0, inf)', 'added to √v̂ so the division is safe'),
  ],
  reference: 'Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1',
};
