/**
 * Adadelta — Zeiler, "ADADELTA: An Adaptive Learning Rate Method" (arXiv 1212.5701, 2012),
 * Algorithm 1, with a learning rate multiplying the update (default 1, which is Zeiler's method):
 *
 *   E[g²]  ← ρ·E[g²] + (1 − ρ)·g²
 *   Δ      ← −( √(E[Δ²] + ε) / √(E[g²] + ε) ) · g
 *   E[Δ²]  ← ρ·E[Δ²] + (1 − ρ)·Δ²
 *   w      ← w + η·Δ
 *
 * Why: RMSProp's step is η·g/RMS[g], whose units are those of η, not of w. Zeiler replaces η by
 * RMS[Δ], the running size of recent updates, so the step has the units of w ("a second-order
 * flavour": like Newton's g/H with H ≈ RMS[g]/RMS[Δ]) and no learning rate needs tuning. The price:
 * updates start near √ε and grow only as E[Δ²] fills, so the first steps are small.
 *
 * Note that E[Δ²] accumulates the unscaled Δ (as in PyTorch): η only scales what is applied to w,
 * so η = 1 gives exactly Zeiler's algorithm and other values scale every step uniformly.
 *
 * Hyper-parameters (defaults, PyTorch's Adadelta): rho ρ = 0.9 (Zeiler's experiments used 0.95;
 * Keras too), ε = 1e-6 (inside both square roots: it sets the size of the first updates),
 * learning rate η = 1.
 *
 * State: `squaredGradientAverage` (E[g²]) and `squaredUpdateAverage` (E[Δ²]), zero at the start.
 */
import type { RuleState, UpdateRule } from './update-rule.ts';
import { checkGradientLength, hyperParameter, stateBuffer } from './rule-definition.ts';
import type { RuleDefinition } from './rule-definition.ts';

export type AdadeltaHyper = { readonly rho: number; readonly epsilon: number };

export const adadelta: UpdateRule<AdadeltaHyper> = {
  name: 'adadelta',
  bufferNames: ['squaredGradientAverage', 'squaredUpdateAverage'],
  step(value: Float32Array, grad: Float32Array, state: RuleState, learningRate: number, hyper: AdadeltaHyper): void {
    checkGradientLength(value, grad, 'adadelta');
    const squaredGradientAverage = stateBuffer(state, 'squaredGradientAverage', 'adadelta', value.length);
    const squaredUpdateAverage = stateBuffer(state, 'squaredUpdateAverage', 'adadelta', value.length);
    const { rho, epsilon } = hyper;
    for (let i = 0; i < value.length; i++) {
      const g = grad[i];
      const gradientAverage = rho * squaredGradientAverage[i] + (1 - rho) * g * g;
      squaredGradientAverage[i] = gradientAverage;
      const update = -(Math.sqrt(squaredUpdateAverage[i] + epsilon) / Math.sqrt(gradientAverage + epsilon)) * g;
      squaredUpdateAverage[i] = rho * squaredUpdateAverage[i] + (1 - rho) * update * update;
      value[i] += learningRate * update;
    }
    state.step++;
  },
};

export const adadeltaDefinition: RuleDefinition<AdadeltaHyper> = {
  rule: adadelta,
  defaultLearningRate: 1,
  hyperParameters: [
    hyperParameter('rho', 0.9, '[0, 1)', 'fraction of both running averages kept each step'),
    hyperParameter('epsilon', 1e-6, '(0, inf)', 'added inside both square roots; sets the size of the first updates'),
  ],
  reference: 'Zeiler 2012, "ADADELTA: An Adaptive Learning Rate Method", Algorithm 1',
};
