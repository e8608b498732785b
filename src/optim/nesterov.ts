/**
 * Nesterov accelerated gradient (Nesterov 1983), as momentum by Sutskever et al. 2013 (eq. 3–4),
 * written in the form of the CS231n notes that needs the gradient at the current weights only.
 *
 * Sutskever's form evaluates the gradient at the look-ahead point w + μv:
 *   v ← μ·v − η·∇f(w + μ·v);   w ← w + v
 * Renaming the stored weights to the look-ahead point, φ = w + μv, turns it into an update that uses
 * the gradient g at the stored weights (which is what backward gives us):
 *
 *   v_prev ← v
 *   v      ← μ·v − η·g
 *   w      ← w − μ·v_prev + (1 + μ)·v
 *
 * Why it helps over classical momentum: the correction is computed where momentum is about to take
 * the weights, so when the velocity overshoots a valley floor the gradient there already pulls back;
 * in practice it oscillates less for the same μ.
 *
 * Hyper-parameters (defaults): momentum μ = 0.9 in [0, 1) (CS231n; PyTorch and Keras require it to be
 * set), learning rate η = 0.01 (Keras). As in `momentum.ts`, η lives inside the velocity.
 *
 * State: `velocity`, one value per weight, zero at the start.
 */
import type { RuleState, UpdateRule } from './update-rule.ts';
import { checkGradientLength, hyperParameter, stateBuffer } from './rule-definition.ts';
import type { RuleDefinition } from './rule-definition.ts';

export type NesterovHyper = { readonly momentum: number };

export const nesterov: UpdateRule<NesterovHyper> = {
  name: 'nesterov',
  bufferNames: ['velocity'],
  step(value: Float32Array, grad: Float32Array, state: RuleState, learningRate: number, hyper: NesterovHyper): void {
    checkGradientLength(value, grad, 'nesterov');
    const velocity = stateBuffer(state, 'velocity', 'nesterov', value.length);
    const mu = hyper.momentum;
    for (let i = 0; i < value.length; i++) {
      const previousVelocity = velocity[i];
      const v = mu * previousVelocity - learningRate * grad[i];
      velocity[i] = v;
      value[i] += -mu * previousVelocity + (1 + mu) * v;
    }
    state.step++;
  },
};

export const nesterovDefinition: RuleDefinition<NesterovHyper> = {
  rule: nesterov,
  defaultLearningRate: 0.01,
  hyperParameters: [hyperParameter('momentum', 0.9, '[0, 1)', 'fraction of the velocity kept from one step to the next')],
  reference: 'Nesterov 1983; Sutskever et al. 2013; update form of the CS231n notes (neural-networks-3)',
};
