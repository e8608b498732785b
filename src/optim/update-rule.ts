/**
 * The shape of every update rule (SGD, momentum, Adam, ...): a pure function of one parameter's
 * values, its gradient and its own explicit state. No hidden state lives in a rule, so a checkpoint
 * can save the state buffers and resume exactly.
 */

/** Per-parameter state: named buffers the size of the parameter, plus a step counter. */
export interface RuleState {
  /** e.g. { velocity } for momentum, { firstMoment, secondMoment } for Adam. */
  readonly buffers: Record<string, Float32Array>;
  /** How many updates this parameter has had (Adam's bias correction uses it). */
  step: number;
}

export interface UpdateRule<Hyper> {
  /** Rule name as written in configurations: 'sgd', 'momentum', 'adam', ... */
  readonly name: string;
  /** Names of the state buffers `createState` allocates. */
  readonly bufferNames: readonly string[];
  /**
   * Updates `value` in place from `grad` (dL/dvalue, already including regularization).
   * `learningRate` is the effective rate for this parameter (schedule × per-parameter multiplier);
   * `decayMultiplier` is the parameter's (1 for weights, 0 for biases), read only by rules with a
   * decoupled weight decay (AdamW).
   */
  step(value: Float32Array, grad: Float32Array, state: RuleState, learningRate: number, hyper: Hyper, decayMultiplier?: number): void;
}

/** Allocates zeroed state buffers for a parameter of `size` elements. */
export function createRuleState(rule: UpdateRule<unknown>, size: number): RuleState {
  const buffers: Record<string, Float32Array> = {};
  for (const name of rule.bufferNames) buffers[name] = new Float32Array(size);
  return { buffers, step: 0 };
}
