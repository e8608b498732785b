/**
 * The catalog of update rules, keyed by the name configurations use ({ type: 'adam', ... }).
 *
 *   sgd       w ← w − η·g                                            (no state)
 *   momentum  v ← μv − ηg;  w ← w + v                                 Sutskever et al. 2013
 *   nesterov  v ← μv − ηg;  w ← w − μ·v_prev + (1+μ)·v                 Nesterov; CS231n form
 *   adagrad   G ← G + g²;  w ← w − ηg/(√G + ε)                         Duchi et al. 2011
 *   rmsprop   E ← ρE + (1−ρ)g²;  w ← w − ηg/(√E + ε)                   Hinton, lecture 6e
 *   adadelta  Δ = −√(E[Δ²]+ε)/√(E[g²]+ε)·g;  w ← w + ηΔ               Zeiler 2012
 *   adam      m̂ = m/(1−β1^t), v̂ = v/(1−β2^t);  w ← w − ηm̂/(√v̂ + ε)   Kingma & Ba 2015
 *   adamw     w ← w − ηλw, then adam                                 Loshchilov & Hutter 2019
 *
 * Each rule's file documents its formula, defaults and state; this module only lists them. To add a
 * rule: write its file with an UpdateRule and a RuleDefinition, and add one line here.
 */
import { sgd } from './sgd.ts';
import type { SgdHyper } from './sgd.ts';
import type { RuleDefinition } from './rule-definition.ts';
import { momentumDefinition } from './momentum.ts';
import { nesterovDefinition } from './nesterov.ts';
import { adagradDefinition } from './adagrad.ts';
import { rmspropDefinition } from './rmsprop.ts';
import { adadeltaDefinition } from './adadelta.ts';
import { adamDefinition } from './adam.ts';
import { adamwDefinition } from './adamw.ts';

/** Plain SGD (rule in sgd.ts): no hyper-parameters; learning rate 0.01 as in Keras' SGD. */
export const sgdDefinition: RuleDefinition<SgdHyper> = {
  rule: sgd,
  defaultLearningRate: 0.01,
  hyperParameters: [],
  reference: 'Robbins & Monro 1951; CS231n lecture notes',
};

const catalog: readonly RuleDefinition[] = [
  sgdDefinition,
  momentumDefinition,
  nesterovDefinition,
  adagradDefinition,
  rmspropDefinition,
  adadeltaDefinition,
  adamDefinition,
  adamwDefinition,
];

/** Every rule by its configuration name, in the order above. */
export const UPDATE_RULES: ReadonlyMap<string, RuleDefinition> = new Map(
  catalog.map((definition) => [definition.rule.name, definition]),
);

/** The names a configuration may use as `type`, for error messages. */
export function updateRuleNames(): string[] {
  return [...UPDATE_RULES.keys()];
}
