/**
 * RMSProp — Tieleman & Hinton, Neural Networks for Machine Learning, lecture 6e (Coursera 2012):
 * "divide the learning rate for a weight by a running average of the magnitudes of recent gradients
 * for that weight".
 *
 *   E[g²] ← ρ·E[g²] + (1 − ρ)·g²        (exponential moving average of squared gradients)
 *   w     ← w − η · g / (√E[g²] + ε)
 *
 * Why: like Adagrad each weight gets its own scale, but the average forgets gradients older than
 * about 1/(1−ρ) steps, so the effective rate does not shrink to zero over a long run.
 *
 * Hyper-parameters (defaults, PyTorch's RMSprop): decay rate ρ = 0.99 (PyTorch's `alpha`; Hinton's
 * lecture and Keras use 0.9), ε = 1e-8 (outside the square root, as in PyTorch), learning rate
 * η = 0.01 (PyTorch; Keras uses 0.001). No momentum term and no centring: those are variants.
 *
 * State: `squaredGradientAverage` (E[g²]), one value per weight, zero at the start — so the first
 * steps are larger than later ones (E[g²] is biased towards 0 until it warms up; Adam corrects this).
 */
import type { RuleState, UpdateRule } from './update-rule.ts';
import { checkGradientLength, hyperParameter, stateBuffer } from './rule-definition.ts';
import type { RuleDefinition } from './rule-definition.ts';

export type RmsPropHyper = { readonly decayRate: number; readonly epsilon: number };

export const rmsprop: UpdateRule<RmsPropHyper> = {
  name: 'rmsprop',
  bufferNames: ['squaredGradientAverage'],
  step(value: Float32Array, grad: Float32Array, state: RuleState, learningRate: number, hyper: RmsPropHyper): void {
    checkGradientLength(value, grad, 'rmsprop');
    const squaredGradientAverage = stateBuffer(state, 'squaredGradientAverage', 'rmsprop', value.length);
    const { decayRate, epsilon } = hyper;
    for (let i = 0; i < value.length; i++) {
      const g = grad[i];
      const average = decayRate * squaredGradientAverage[i] + (1 - decayRate) * g * g;
      squaredGradientAverage[i] = average;
      value[i] -= (learningRate * g) / (Math.sqrt(average) + epsilon);
    }
    state.step++;
  },
};

export const rmspropDefinition: RuleDefinition<RmsPropHyper> = {
  rule: rmsprop,
  defaultLearningRate: 0.01,
  hyperParameters: [
    hyperParameter('decayRate', 0.99, '[0, 1)', 'fraction of the squared-gradient average kept each step'),
    hyperParameter('epsilon', 1e-8, '(0, inf)', 'added to √E[g²] so the division is safe'),
  ],
  reference: 'Tieleman & Hinton 2012, Neural Networks for Machine Learning, lecture 6e',
};
