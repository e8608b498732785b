/**
 * AdamW — Adam with decoupled weight decay: Loshchilov & Hutter, "Decoupled Weight Decay
 * Regularization" (ICLR 2019), Algorithm 2; PyTorch's torch.optim.AdamW.
 *
 *   w ← w − η·λ·m_p·w                           (decay, scaled by the scheduled rate η)
 *   then the Adam step of adam.ts on the same gradient g
 *
 * λ is `weightDecay`; m_p is the parameter's decayMultiplier (1 for weights, 0 for biases, as for L2).
 *
 * Why not just L2 with Adam: an L2 penalty adds λ·w to the gradient, and Adam then divides that by
 * √v̂ like everything else. A weight whose data gradient is small and rare — a filter that seldom
 * fires — has a tiny √v̂, so its decay is magnified many times and it is driven to zero; one that gets
 * large gradients is barely decayed at all. Decoupling applies the same relative shrink η·λ to every
 * weight, which is what "weight decay" meant for SGD in the first place. Use it with `--reg 0` (the
 * L2 regularizer would decay twice).
 *
 * Hyper-parameters: Adam's (β1 = 0.9, β2 = 0.999, ε = 1e-8) and weightDecay λ = 0.01 (PyTorch's
 * default). State: Adam's.
 */
import { type AdamHyper, adam, adamDefinition } from './adam.ts';
import type { RuleDefinition } from './rule-definition.ts';
import { checkGradientLength, hyperParameter } from './rule-definition.ts';
import type { RuleState, UpdateRule } from './update-rule.ts';

export type AdamWHyper = AdamHyper & { readonly weightDecay: number };

export const adamw: UpdateRule<AdamWHyper> = {
  name: 'adamw',
  bufferNames: adam.bufferNames,
  step(value: Float32Array, grad: Float32Array, state: RuleState, learningRate: number, hyper: AdamWHyper, decayMultiplier = 1): void {
    checkGradientLength(value, grad, 'adamw');
    const shrink = 1 - learningRate * hyper.weightDecay * decayMultiplier;
    if (shrink !== 1) for (let i = 0; i < value.length; i++) value[i] *= shrink;
    adam.step(value, grad, state, learningRate, hyper);
  },
};

export const adamwDefinition: RuleDefinition<AdamWHyper> = {
  rule: adamw,
  defaultLearningRate: adamDefinition.defaultLearningRate,
  hyperParameters: [
    ...adamDefinition.hyperParameters,
    hyperParameter('weightDecay', 0.01, '[0, inf)', 'fraction η·λ of each weight removed per step, apart from the gradient'),
  ],
  reference: 'Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization", Algorithm 2',
};
