/**
 * Adagrad — Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic
 * Optimization" (JMLR 2011), in its diagonal form:
 *
 *   G ← G + g²                    (per weight: the sum of all squared gradients so far)
 *   w ← w − η · g / (√G + ε)
 *
 * Why: each weight gets its own step size η/√G. Weights whose gradients are large or frequent take
 * small steps; weights that rarely see a gradient (rare features) keep large ones. Since G only
 * grows, the effective rate decays like 1/√t, which suits convex problems but often stops deep nets
 * too early — the motivation for RMSProp and Adadelta, which forget old gradients.
 *
 * ε only guards the division while G is still 0; it sits outside the square root as in PyTorch.
 *
 * Hyper-parameters (defaults, PyTorch's Adagrad): learning rate η = 0.01, ε = 1e-10. The
 * accumulator starts at 0 (PyTorch's default; Keras starts it at 0.1).
 *
 * State: `squaredGradientSum` (G), one value per weight.
 */
import type { RuleState, UpdateRule } from './update-rule.ts';
import { checkGradientLength, hyperParameter, stateBuffer } from './rule-definition.ts';
import type { RuleDefinition } from './rule-definition.ts';

export type AdagradHyper = { readonly epsilon: number };

export const adagrad: UpdateRule<AdagradHyper> = {
  name: 'adagrad',
  bufferNames: ['squaredGradientSum'],
  step(value: Float32Array, grad: Float32Array, state: RuleState, learningRate: number, hyper: AdagradHyper): void {
    checkGradientLength(value, grad, 'adagrad');
    const squaredGradientSum = stateBuffer(state, 'squaredGradientSum', 'adagrad', value.length);
    const epsilon = hyper.epsilon;
    for (let i = 0; i < value.length; i++) {
      const g = grad[i];
      const sum = squaredGradientSum[i] + g * g;
      squaredGradientSum[i] = sum;
      value[i] -= (learningRate * g) / (Math.sqrt(sum) + epsilon);
    }
    state.step++;
  },
};

export const adagradDefinition: RuleDefinition<AdagradHyper> = {
  rule: adagrad,
  defaultLearningRate: 0.01,
  hyperParameters: [hyperParameter('epsilon', 1e-10, '(0, inf)', 'added to √G so the first division is safe')],
  reference: 'Duchi, Hazan & Singer 2011, "Adaptive Subgradient Methods for Online Learning and Stochastic Optimization"',
};
