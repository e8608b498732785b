/**
 * The catalog of update rules (src/optim/rules.ts) is the one list of rules: these specs read it and
 * name no rule, so adding a rule is its file plus one line in the catalog (and its hand-value spec,
 * spec/optim/<name>.spec.ts, which the first test asks for).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeParameter } from '../../src/tensor/parameter.ts';
import { Optimizer } from '../../src/optim/optimizer.ts';
import { isInInterval } from '../../src/optim/rule-definition.ts';
import type { RuleDefinition } from '../../src/optim/rule-definition.ts';
import { UPDATE_RULES, updateRuleNames } from '../../src/optim/rules.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const OPTIM_SOURCE = fileURLToPath(new URL('../../src/optim/', import.meta.url));
const OPTIM_SPECS = fileURLToPath(new URL('./', import.meta.url));

test('catalog: every rule under its own name, each default inside its valid interval, each with a hand-value spec', () => {
  assert.ok(UPDATE_RULES.size >= 1, 'the catalog is empty');
  assert.equal(new Set(updateRuleNames()).size, UPDATE_RULES.size, 'rule names are unique');
  for (const [name, definition] of UPDATE_RULES) {
    assert.equal(definition.rule.name, name);
    assert.ok(definition.defaultLearningRate > 0, `${name}: default learning rate`);
    assert.ok(definition.reference.length > 0, `${name}: reference`);
    for (const parameter of definition.hyperParameters) {
      assert.ok(isInInterval(parameter, parameter.defaultValue), `${name}.${parameter.name} default ${parameter.defaultValue}`);
    }
    assert.ok(fs.existsSync(`${OPTIM_SPECS}${name}.spec.ts`), `${name}: no hand-value spec spec/optim/${name}.spec.ts`);
  }
});

test('catalog: every RuleDefinition exported from src/optim/ is registered', async () => {
  const registered = new Set<RuleDefinition>(UPDATE_RULES.values());
  let found = 0;
  for (const file of fs.readdirSync(OPTIM_SOURCE).filter((name) => name.endsWith('.ts'))) {
    const module = (await import(`${OPTIM_SOURCE}${file}`)) as Record<string, unknown>;
    for (const [exported, value] of Object.entries(module)) {
      const candidate = value as Partial<RuleDefinition> | null;
      if (typeof candidate !== 'object' || candidate === null || typeof candidate.rule?.step !== 'function' || typeof candidate.defaultLearningRate !== 'number') continue;
      found++;
      assert.ok(registered.has(candidate as RuleDefinition), `src/optim/${file} exports ${exported} (rule '${candidate.rule.name}') but rules.ts does not list it`);
    }
  }
  assert.equal(found, UPDATE_RULES.size, 'every catalog entry was found among the exports');
});

// Convergence smoke test: f(w) = Σ a_i (w_i − c_i)², ∂f/∂w_i = 2a_i(w_i − c_i), minimum f = 0 at w = c.
// The curvatures a_i differ by 16× so that a rule which ignored per-weight scale or mixed up elements
// would still be far off after the budget. Each rule runs 1000 steps from w = 0 with its default
// hyper-parameters. Rules want very different learning rates on this problem (momentum's velocity
// multiplies η by up to 1/(1 − μ) = 10; AdaDelta's steps carry their own units), so each is tried
// with the rates of a fixed ladder, largest first, and must converge with one of them: a wrong sign,
// a missing term or a mixed-up element converges with none.
const CURVATURE = [1, 4, 0.25];
const MINIMUM = [1, -2, 3];
const LEARNING_RATE_LADDER = [1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01];
// Weight decay moves the minimum towards 0, so AdamW is checked here with it off (adamw.spec.ts checks the decay).
const EXTRA_HYPER: Record<string, Record<string, number>> = { adamw: { weightDecay: 0 } };

test('`train --help` lists every rule of the catalog', () => {
  const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
  const result = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), cli, 'train', '--help'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const line = result.stdout.split('\n').find((text) => text.trimStart().startsWith('--optimizer'));
  assert.ok(line, `no --optimizer line in:\n${result.stdout}`);
  assert.ok(line.includes(updateRuleNames().join(', ')), line);
});

/** f after 1000 steps of `type` at `learningRate`, and the final weights. */
function minimize(type: string, learningRate: number): { loss: number; weights: number[] } {
  const optimizer = new Optimizer({ type, learningRate, ...EXTRA_HYPER[type] });
  const w = makeParameter('w', Tensor.zeros([3]));
  for (let step = 0; step < 1000; step++) {
    for (let i = 0; i < 3; i++) w.grad.data[i] = 2 * CURVATURE[i] * (w.value.data[i] - MINIMUM[i]);
    optimizer.step([w]);
  }
  const weights = Array.from(w.value.data);
  return { loss: CURVATURE.reduce((sum, a, i) => sum + a * (weights[i] - MINIMUM[i]) ** 2, 0), weights };
}

test('the quadratic starts at f(0) = 1 + 16 + 2.25 = 19.25', () => {
  assert.equal(CURVATURE.reduce((sum, a, i) => sum + a * MINIMUM[i] ** 2, 0), 19.25);
});

for (const type of updateRuleNames()) {
  test(`${type} minimizes Σ a_i (w_i − c_i)² from w = 0`, (t) => {
    const tried: string[] = [];
    for (const learningRate of LEARNING_RATE_LADDER) {
      const { loss, weights } = minimize(type, learningRate);
      tried.push(`η ${learningRate}: f = ${loss.toExponential(2)}`);
      if (loss < 1e-6 && weights.every((value, i) => Math.abs(value - MINIMUM[i]) < 1e-3)) {
        t.diagnostic(`${type} converged with η = ${learningRate}`);
        return;
      }
    }
    assert.fail(`${type} did not reach the minimum with any learning rate of the ladder: ${tried.join('; ')}`);
  });
}
