/**
 * Vanilla stochastic gradient descent, the lecture's update:  w ← w − η · ∂L/∂w.
 * No state. Called once per minibatch, on the gradient averaged over the batch.
 */
import type { RuleState, UpdateRule } from './update-rule.ts';

export type SgdHyper = Record<string, never>;

export const sgd: UpdateRule<SgdHyper> = {
  name: 'sgd',
  bufferNames: [],
  step(value: Float32Array, grad: Float32Array, state: RuleState, learningRate: number): void {
    for (let i = 0; i < value.length; i++) value[i] -= learningRate * grad[i];
    state.step++;
  },
};
