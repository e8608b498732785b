/**
 * Where ε goes, for every update rule that has one. At the default ε (1e-8 … 1e-6) "inside the square
 * root" and "added after it" give the same float32 weights, so a misplaced ε is invisible. With ε = 1
 * the two placements differ in the first decimal. Every expected value below is worked by hand from
 * the rule's published formula (the arithmetic is written out), not computed by the code under test.
 *
 *   adagrad   G ← G + g²;                     w ← w − η·g / (√G + ε)           ε outside the root
 *   rmsprop   E ← ρE + (1 − ρ)g²;              w ← w − η·g / (√E + ε)           ε outside the root
 *   adam      m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t); w ← w − η·m̂ / (√v̂ + ε)       ε outside, after correction
 *   adamw     w ← (1 − ηλ)·w, then adam                                        as adam
 *   adadelta  Δ = −√(E[Δ²] + ε) / √(E[g²] + ε) · g                              ε inside BOTH roots
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adadelta } from '../../src/optim/adadelta.ts';
import { adagrad } from '../../src/optim/adagrad.ts';
import { adam } from '../../src/optim/adam.ts';
import { adamw } from '../../src/optim/adamw.ts';
import { rmsprop } from '../../src/optim/rmsprop.ts';
import { UPDATE_RULES } from '../../src/optim/rules.ts';
import { assertClose, runRule } from './helpers.ts';

test('every rule with an ε is covered by this file', () => {
  const withEpsilon = [...UPDATE_RULES.values()]
    .filter((definition) => definition.hyperParameters.some((h) => h.name === 'epsilon'))
    .map((definition) => definition.rule.name)
    .sort();
  assert.deepEqual(withEpsilon, ['adadelta', 'adagrad', 'adam', 'adamw', 'rmsprop']);
});

test('rmsprop with ε = 1: ε is added after the square root (two steps by hand)', () => {
  // ρ = 0.75, η = 0.1, w = 1; a second weight with g = 0 must stay put (0 / (0 + 1) = 0).
  //   step 1, g = 2:  E = 0.25·4 = 1;            √E = 1;  w = 1 − 0.1·2/(1 + 1)      = 0.9
  //   step 2, g = −1: E = 0.75·1 + 0.25·1 = 1;   √E = 1;  w = 0.9 + 0.1·1/(1 + 1)    = 0.95
  // (ε inside the root would give 1 − 0.2/√2 = 0.8585786 after step 1.)
  const { weights, state } = runRule(rmsprop, { decayRate: 0.75, epsilon: 1 }, 0.1, [1, 3], [[2, 0], [-1, 0]]);
  assertClose(weights[0], [0.9, 3], 'step 1');
  assertClose(weights[1], [0.95, 3], 'step 2');
  assertClose(state.buffers.squaredGradientAverage, [1, 0], 'E[g²]');
});

test('adagrad with ε = 1: ε is added after the square root (two steps by hand)', () => {
  // η = 0.1, w = 1:
  //   step 1, g = 3: G = 9;       √G = 3;  w = 1 − 0.1·3/(3 + 1)        = 1 − 0.075     = 0.925
  //   step 2, g = 4: G = 9 + 16;  √G = 5;  w = 0.925 − 0.1·4/(5 + 1)    = 0.925 − 1/15  = 0.8583333
  // (ε inside the root would give 1 − 0.3/√10 = 0.9051317 after step 1.)
  const { weights, state } = runRule(adagrad, { epsilon: 1 }, 0.1, [1], [[3], [4]]);
  assertClose(weights[0], [0.925], 'step 1');
  assertClose(weights[1], [0.8583333], 'step 2');
  assertClose(state.buffers.squaredGradientSum, [25], 'G');
});

test('adam with ε = 1: ε is added after the root of the bias-corrected v̂ (three steps by hand)', () => {
  // β1 = 0.9, β2 = 0.999, η = 0.1, w = 1, constant g = 2. With a constant gradient the bias
  // correction is exact: m = (1 − β1^t)·g and v = (1 − β2^t)·g², so m̂ = 2 and v̂ = 4 at every t:
  //   t = 1: m = 0.2,  v = 0.004;     m̂ = 0.2/0.1 = 2,     v̂ = 0.004/0.001 = 4
  //   t = 2: m = 0.38, v = 0.007996;  m̂ = 0.38/0.19 = 2,   v̂ = 0.007996/0.001999 = 4
  // Every step moves w by η·m̂/(√v̂ + ε) = 0.1·2/(2 + 1) = 1/15: w = 14/15, 13/15, 12/15.
  // (ε inside the root: 0.2/√5 = 0.0894427 per step; ε added to v before correcting, or an
  //  uncorrected v̂: far larger steps; t counted from 0: a division by zero.)
  const { weights, state } = runRule(adam, { beta1: 0.9, beta2: 0.999, epsilon: 1 }, 0.1, [1], [[2], [2], [2]]);
  assertClose(weights[0], [0.9333333], 'step 1');
  assertClose(weights[1], [0.8666667], 'step 2');
  assertClose(weights[2], [0.8], 'step 3');
  assertClose(state.buffers.firstMoment, [0.542], 'm after 3 steps (1 − 0.9³)·2');
  assertClose(state.buffers.secondMoment, [0.011988004], 'v after 3 steps (1 − 0.999³)·4');
  assert.equal(state.step, 3);
});

test('adam with ε = 1 and a changing gradient: the bias corrections use this step\'s t (two steps by hand)', () => {
  // β1 = 0.5, β2 = 0.75, η = 1, w = 0, g = 4 then 0.
  //   t = 1: m = 0.5·4 = 2,       v = 0.25·16 = 4;    m̂ = 2/0.5 = 4,        v̂ = 4/0.25 = 16
  //          w = 0 − 4/(4 + 1) = −0.8
  //   t = 2: m = 0.5·2 = 1,       v = 0.75·4 = 3;     m̂ = 1/0.75 = 4/3,     v̂ = 3/0.4375 = 48/7
  //          √v̂ = 2.6186147;  w = −0.8 − (4/3)/(2.6186147 + 1) = −0.8 − 0.3684651 = −1.1684651
  const { weights } = runRule(adam, { beta1: 0.5, beta2: 0.75, epsilon: 1 }, 1, [0], [[4], [0]]);
  assertClose(weights[0], [-0.8], 'step 1');
  assertClose(weights[1], [-1.1684651], 'step 2');
});

test('adamw with ε = 1: shrink by ηλ first, then the Adam step with ε after the root (one step by hand)', () => {
  // λ = 0.5, η = 0.1, w = 1, g = 2: shrink 1 − 0.1·0.5 = 0.95 → w = 0.95; Adam step 0.1·2/(2 + 1) = 1/15
  //   → w = 0.95 − 0.0666667 = 0.8833333.
  // (Decay after the Adam step: (1 − 1/15)·0.95 = 0.8866667; ε inside the root: 0.95 − 0.0894427.)
  const { weights } = runRule(adamw, { beta1: 0.9, beta2: 0.999, epsilon: 1, weightDecay: 0.5 }, 0.1, [1], [[2]]);
  assertClose(weights[0], [0.8833333], 'step 1');
});

test('adadelta with ε = 1: ε inside both square roots (two steps by hand)', () => {
  // ρ = 0.5, η = 1, w = 1, g = 2 twice.
  //   step 1: E[g²] = 0.5·4 = 2;           Δ = −√(0 + 1)/√(2 + 1)·2 = −2/√3 = −1.1547005
  //           E[Δ²] = 0.5·(4/3) = 2/3;     w = 1 − 1.1547005 = −0.1547005
  //   step 2: E[g²] = 0.5·2 + 0.5·4 = 3;   Δ = −√(2/3 + 1)/√(3 + 1)·2 = −√(5/3) = −1.2909944
  //           E[Δ²] = 0.5·(2/3) + 0.5·(5/3) = 7/6;  w = −0.1547005 − 1.2909944 = −1.4456949
  // (ε after the denominator's root: step 1 gives Δ = −2/(√2 + 1) = −0.8284271; after the
  //  numerator's root: step 2's numerator becomes √(2/3) + 1 = 1.8164966.)
  const { weights, state } = runRule(adadelta, { rho: 0.5, epsilon: 1 }, 1, [1], [[2], [2]]);
  assertClose(weights[0], [-0.1547005], 'step 1');
  assertClose(weights[1], [-1.4456949], 'step 2');
  assertClose(state.buffers.squaredGradientAverage, [3], 'E[g²]');
  assertClose(state.buffers.squaredUpdateAverage, [7 / 6], 'E[Δ²]');
});
