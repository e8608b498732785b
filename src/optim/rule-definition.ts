/**
 * What the optimizer needs to know about an update rule beyond its `step` function: its default
 * learning rate, the hyper-parameters it accepts with their defaults and valid ranges, and where the
 * rule comes from. Each rule file exports one `RuleDefinition` next to the rule itself, so the
 * defaults sit beside the formula they feed; `rules.ts` gathers them into the catalog.
 *
 * Also here: `stateBuffer`, the one check every rule makes before its loop (the state it was handed
 * really is its own), so a state restored for the wrong rule fails with a message, not a TypeError.
 */
import { ConfigError, ShapeError } from '../errors.ts';
import type { RuleState, UpdateRule } from './update-rule.ts';

/** Hyper-parameters are plain numbers, keyed by the name they carry in configurations. */
export type HyperValues = Readonly<Record<string, number>>;

/** One hyper-parameter: its name in configurations, default, and valid interval. */
export interface HyperParameter {
  readonly name: string;
  readonly defaultValue: number;
  /** Valid values lie between `lower` and `upper`; the flags say whether each end is excluded. */
  readonly lower: number;
  readonly upper: number;
  readonly lowerOpen: boolean;
  readonly upperOpen: boolean;
  /** One line for error messages and summaries, e.g. 'decay rate of the squared-gradient average'. */
  readonly meaning: string;
}

export interface RuleDefinition<Hyper extends HyperValues = HyperValues> {
  readonly rule: UpdateRule<Hyper>;
  /** Learning rate used when the configuration gives none. */
  readonly defaultLearningRate: number;
  readonly hyperParameters: readonly HyperParameter[];
  /** Paper or lecture the formula comes from. */
  readonly reference: string;
}

/** Shorthand for the common intervals: [0, 1) for decay rates, (0, ∞) for epsilons and rates. */
export function hyperParameter(
  name: string,
  defaultValue: number,
  interval: '[0, 1)' | '(0, inf)' | '[0, inf)',
  meaning: string,
): HyperParameter {
  if (interval === '[0, 1)') return { name, defaultValue, lower: 0, upper: 1, lowerOpen: false, upperOpen: true, meaning };
  return { name, defaultValue, lower: 0, upper: Infinity, lowerOpen: interval === '(0, inf)', upperOpen: true, meaning };
}

/** "[0, 1)" / "(0, Infinity)": the interval as written in error messages. */
export function describeInterval(parameter: HyperParameter): string {
  return `${parameter.lowerOpen ? '(' : '['}${parameter.lower}, ${parameter.upper}${parameter.upperOpen ? ')' : ']'}`;
}

/** Whether `value` is a finite number inside the parameter's interval. */
export function isInInterval(parameter: HyperParameter, value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  const aboveLower = parameter.lowerOpen ? value > parameter.lower : value >= parameter.lower;
  const belowUpper = parameter.upperOpen ? value < parameter.upper : value <= parameter.upper;
  return aboveLower && belowUpper;
}

/**
 * The state buffer `name` of `state`, checked to exist and to have `size` elements.
 * Called once per `step`, before the element loop, so the check costs nothing per element.
 */
export function stateBuffer(state: RuleState, name: string, ruleName: string, size: number): Float32Array {
  const buffer = state.buffers[name] as Float32Array | undefined;
  if (buffer === undefined) {
    const present = Object.keys(state.buffers);
    throw new ConfigError(
      `${ruleName}: state has no '${name}' buffer (it holds ${present.length > 0 ? present.join(', ') : 'none'}); ` +
        `create it with createRuleState(${ruleName}, size)`,
    );
  }
  if (buffer.length !== size) {
    throw new ConfigError(
      `${ruleName}: state buffer '${name}' holds ${buffer.length} values but the parameter has ${size}`,
    );
  }
  return buffer;
}

/** Throws a ShapeError unless a parameter's value and gradient have the same number of elements. */
export function checkGradientLength(value: Float32Array, grad: Float32Array, ruleName: string): void {
  if (grad.length !== value.length) {
    throw new ShapeError(`${ruleName}: gradient holds ${grad.length} values but the parameter has ${value.length}`);
  }
}
