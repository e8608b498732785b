import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeParameter } from '../../src/tensor/parameter.ts';
import { Optimizer } from '../../src/optim/optimizer.ts';
import { isInInterval } from '../../src/optim/rule-definition.ts';
import { UPDATE_RULES, updateRuleNames } from '../../src/optim/rules.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

test('catalog: the eight rules, each default inside its own valid interval', () => {
  assert.deepEqual(updateRuleNames(), ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'adamw']);
  for (const [name, definition] of UPDATE_RULES) {
    assert.equal(definition.rule.name, name);
    assert.ok(definition.defaultLearningRate > 0, `${name}: default learning rate`);
    for (const parameter of definition.hyperParameters) {
      assert.ok(isInInterval(parameter, parameter.defaultValue), `${name}.${parameter.name} default ${parameter.defaultValue}`);
    }
  }
});

// Convergence smoke test: f(w) = Σ a_i (w_i − c_i)², ∂f/∂w_i = 2a_i(w_i − c_i), minimum f = 0 at w = c.
// The curvatures a_i differ by 16× so that a rule which ignored per-weight scale or mixed up elements
// would still be far off after the budget. Each rule runs 1000 steps from w = 0 with its default
// hyper-parameters and a learning rate suited to this problem (e.g. momentum's η is small because the
// velocity multiplies it by up to 1/(1 − μ) = 10).
const CURVATURE = [1, 4, 0.25];
const MINIMUM = [1, -2, 3];
const LEARNING_RATES: Record<string, number> = {
  sgd: 0.1,
  momentum: 0.02,
  nesterov: 0.02,
  adagrad: 0.5,
  rmsprop: 0.01,
  adadelta: 1,
  adam: 0.05,
  adamw: 0.05,
};
// Weight decay moves the minimum towards 0, so AdamW is checked here with it off (adamw.spec.ts checks the decay).
const EXTRA_HYPER: Record<string, Record<string, number>> = { adamw: { weightDecay: 0 } };

for (const type of updateRuleNames()) {
  test(`${type} minimizes Σ a_i (w_i − c_i)² from w = 0`, () => {
    assert.ok(type in LEARNING_RATES, `no learning rate chosen for '${type}' in this spec`);
    const optimizer = new Optimizer({ type, learningRate: LEARNING_RATES[type], ...EXTRA_HYPER[type] });
    const w = makeParameter('w', Tensor.zeros([3]));
    const loss = (): number => CURVATURE.reduce((sum, a, i) => sum + a * (w.value.data[i] - MINIMUM[i]) ** 2, 0);
    const initialLoss = loss(); // 1 + 16 + 2.25 = 19.25
    for (let step = 0; step < 1000; step++) {
      for (let i = 0; i < 3; i++) w.grad.data[i] = 2 * CURVATURE[i] * (w.value.data[i] - MINIMUM[i]);
      optimizer.step([w]);
    }
    assert.equal(initialLoss, 19.25);
    assert.ok(loss() < 1e-6, `${type}: f = ${loss()} after 1000 steps`);
    for (let i = 0; i < 3; i++) {
      assert.ok(Math.abs(w.value.data[i] - MINIMUM[i]) < 1e-3, `${type}: w[${i}] = ${w.value.data[i]}, expected ${MINIMUM[i]}`);
    }
  });
}
