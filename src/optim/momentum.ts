/**
 * SGD with (classical) momentum — Polyak's heavy ball, in the form of Sutskever, Martens, Dahl &
 * Hinton, "On the importance of initialization and momentum in deep learning" (ICML 2013), eq. 1–2,
 * and of the CS231n notes:
 *
 *   v ← μ·v − η·g        (velocity: a decaying sum of past steps)
 *   w ← w + v
 *
 * Why it helps: along a direction where the gradient keeps its sign, steps add up to η/(1−μ) per
 * unit gradient (10× for μ = 0.9); along a direction where it oscillates, successive steps cancel.
 * So the walk speeds up down long shallow valleys and damps the zig-zag across steep ones.
 *
 * Convention to know when comparing with other libraries: the learning rate is inside the velocity
 * (Sutskever/CS231n/Caffe). PyTorch keeps it outside (v ← μv + g; w ← w − ηv). The two agree while η is
 * constant; when a schedule changes η, here the change acts gradually (old velocity keeps the old
 * rate), in PyTorch at once.
 *
 * Hyper-parameters (defaults):
 *   momentum μ = 0.9 in [0, 1): the value of CS231n, Caffe and the ResNet recipes (PyTorch and
 *     Keras default to 0, which is plain SGD: use the 'sgd' rule for that).
 *   learning rate η = 0.01 (Keras' SGD default).
 *
 * State: `velocity`, one value per weight, zero at the start.
 */
import type { RuleState, UpdateRule } from './update-rule.ts';
import { checkGradientLength, hyperParameter, stateBuffer } from './rule-definition.ts';
import type { RuleDefinition } from './rule-definition.ts';

export type MomentumHyper = { readonly momentum: number };

export const momentum: UpdateRule<MomentumHyper> = {
  name: 'momentum',
  bufferNames: ['velocity'],
  step(value: Float32Array, grad: Float32Array, state: RuleState, learningRate: number, hyper: MomentumHyper): void {
    checkGradientLength(value, grad, 'momentum');
    const velocity = stateBuffer(state, 'velocity', 'momentum', value.length);
    const mu = hyper.momentum;
    for (let i = 0; i < value.length; i++) {
      const v = mu * velocity[i] - learningRate * grad[i];
      velocity[i] = v;
      value[i] += v;
    }
    state.step++;
  },
};

export const momentumDefinition: RuleDefinition<MomentumHyper> = {
  rule: momentum,
  defaultLearningRate: 0.01,
  hyperParameters: [hyperParameter('momentum', 0.9, '[0, 1)', 'fraction of the velocity kept from one step to the next')],
  reference: 'Sutskever, Martens, Dahl & Hinton 2013, "On the importance of initialization and momentum in deep learning"',
};
