/**
 * Shared helpers for the optimizer specs: run an update rule for a few hand-chosen gradients and
 * compare with hand-computed values.
 *
 * Tolerance: weights and state are float32, so every stored value carries a rounding error of about
 * 6e-8 relative; over three steps with values of order 1 that stays below 1e-6, which is also far
 * below any formula mistake (a wrong sign, a missing bias correction or a misplaced ε changes the
 * hand values by 1e-3 or more).
 */
import assert from 'node:assert/strict';
import type { UpdateRule } from '../../src/optim/update-rule.ts';
import { createRuleState } from '../../src/optim/update-rule.ts';
import type { RuleState } from '../../src/optim/update-rule.ts';

export const HAND_TOLERANCE = 1e-6;

/** Asserts |actual_i − expected_i| ≤ tolerance for every element, naming the first that is off. */
export function assertClose(actual: ArrayLike<number>, expected: readonly number[], label: string, tolerance = HAND_TOLERANCE): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    assert.ok(error <= tolerance, `${label}[${i}]: got ${actual[i]}, expected ${expected[i]} (off by ${error.toExponential(2)})`);
  }
}

/**
 * Applies `rule` to weights `initial` with the gradients `gradients[0]`, `gradients[1]`, ... in turn.
 * Returns the weights after each step, and the final state.
 */
export function runRule<Hyper>(
  rule: UpdateRule<Hyper>,
  hyper: Hyper,
  learningRate: number,
  initial: readonly number[],
  gradients: readonly (readonly number[])[],
): { weights: number[][]; state: RuleState } {
  const value = Float32Array.from(initial);
  const state = createRuleState(rule as UpdateRule<unknown>, value.length);
  const weights: number[][] = [];
  for (const gradient of gradients) {
    rule.step(value, Float32Array.from(gradient), state, learningRate, hyper);
    weights.push(Array.from(value));
  }
  return { weights, state };
}
