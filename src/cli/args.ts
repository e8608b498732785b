/**
 * Option parsing shared by the commands: node:util parseArgs plus a help text and typed errors.
 *
 * Each command declares its options once (name, type, default, help, and what a valid value is) and
 * gets back typed values and a `--help` text generated from the same declaration. Everything the
 * declaration can say is checked here, at parse time — before the command loads a dataset or
 * allocates anything — and refused with a ConfigError naming the option:
 * an unknown option (with "did you mean"), an option given twice, a value that is not a number in
 * range (`number`), not one of the `choices`, or fails the option's own `check`.
 * What depends on several options or on the data (e.g. --momentum with Adam, a shift larger than the
 * image) is the command's own validation, which also runs before the work it would waste.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.ts';
import { didYouMean } from './did-you-mean.ts';

/** A numeric option: `min`/`max` inclusive, `above`/`below` exclusive; `hint` is added to the refusal. */
export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
  above?: number;
  below?: number;
  hint?: string;
}

/** --seed: the Rng takes a 32-bit unsigned seed (larger or negative numbers would alias smaller ones). */
export const SEED_RULE: NumberRule = { integer: true, min: 0, max: 2 ** 32 - 1 };

export interface OptionSpec {
  type: 'string' | 'boolean';
  help: string;
  default?: string | boolean;
  /** Placeholder shown in help, e.g. '<path>'. */
  value?: string;
  /** The value must be a number obeying this rule. */
  number?: NumberRule;
  /** The value must be one of these. */
  choices?: readonly string[];
  /** Any other check of the value alone; throws a ConfigError naming the option. */
  check?: (raw: string) => void;
}

export type OptionSpecs = Record<string, OptionSpec>;

export type ParsedOptions<S extends OptionSpecs> = {
  [K in keyof S]: S[K]['type'] extends 'boolean' ? boolean : string | undefined;
};

/** The help text of a command. */
export function formatHelp(command: string, description: string, specs: OptionSpecs): string {
  const rows = Object.entries({ ...specs, help: { type: 'boolean', help: 'show this help' } as OptionSpec }).map(
    ([name, spec]) => {
      const left = `--${name}${spec.type === 'string' ? ` ${spec.value ?? '<value>'}` : ''}`;
      const fallback = spec.default !== undefined && spec.type === 'string' ? ` (default: ${spec.default})` : '';
      return [left, `${spec.help}${fallback}`];
    },
  );
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `usage: npx tsx src/cli.ts ${command} [options]`,
    '',
    description,
    '',
    'options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    '',
    'Exit codes: 0 done, 1 failed, 2 usage/ConfigError, 3 DataError, 4 ShapeError, 5 diverged, 6 file system, 7 run folder locked, 130/143 interrupted, 70 a bug.',
  ].join('\n');
}

/** "('npx tsx src/cli.ts train --help' lists the options)" — the hint every usage error ends with. */
function helpHint(command: string): string {
  return `('npx tsx src/cli.ts ${command} --help' lists the options)`;
}

/**
 * Refuses options the command does not have (with the closest name) and options given twice, before
 * parseArgs, so the message can say "did you mean".
 */
function checkOptionNames(command: string, specs: OptionSpecs, argv: readonly string[]): void {
  const names = [...Object.keys(specs), 'help'];
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    if (!arg.startsWith('--') || arg.length === 2) continue;
    const name = arg.slice(2).split('=')[0];
    if (!Object.hasOwn(specs, name) && name !== 'help') {
      throw new ConfigError(`${command}: unknown option '--${name}'${didYouMean(name, names, '--')} ${helpHint(command)}`);
    }
    if (seen.has(name)) throw new ConfigError(`${command}: --${name} is given twice; give it once`);
    seen.add(name);
    if (name !== 'help' && specs[name].type === 'string' && !arg.includes('=')) i++; // its value follows
  }
}

/** Checks one option's value against its declaration; throws ConfigError naming the option. */
export function checkOptionValue(name: string, spec: OptionSpec, raw: string): void {
  if (spec.number) numberOption(name, raw, spec.number);
  if (spec.choices && !spec.choices.includes(raw)) {
    throw new ConfigError(`--${name}: expected one of ${spec.choices.join(', ')}; got '${raw}'${didYouMean(raw, spec.choices)}`);
  }
  spec.check?.(raw);
}

/**
 * Parses argv against `specs` and checks every value (defaults too) against its declaration.
 * Returns null when --help was given (the help has been printed). Unknown options throw ConfigError,
 * and so do positional arguments unless a `positionals` array is given to receive them.
 */
export function parseOptions<S extends OptionSpecs>(
  command: string,
  description: string,
  specs: S,
  argv: string[],
  positionals?: string[],
): ParsedOptions<S> | null {
  checkOptionNames(command, specs, argv);
  const options: Record<string, { type: 'string' | 'boolean'; default?: string | boolean; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = spec.default === undefined ? { type: spec.type } : { type: spec.type, default: spec.default };
  }
  let values: Record<string, unknown>;
  try {
    const parsed = parseArgs({ args: argv, options: options as never, allowPositionals: positionals !== undefined, strict: true });
    values = parsed.values;
    positionals?.push(...parsed.positionals);
  } catch (error) {
    throw new ConfigError(`${command}: ${(error as Error).message} ${helpHint(command)}`);
  }
  if (values.help) {
    console.log(formatHelp(command, description, specs));
    return null;
  }
  for (const [name, spec] of Object.entries(specs)) {
    const raw = values[name];
    if (spec.type === 'string' && typeof raw === 'string') checkOptionValue(name, spec, raw);
  }
  return values as ParsedOptions<S>;
}

/** Reads a numeric option; throws ConfigError naming the option when it is not a finite number in range. */
export function numberOption(name: string, raw: string | undefined, rule: NumberRule = {}): number {
  const { min = -Infinity, max = Infinity, above, below, integer = false, hint } = rule;
  const value = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(value) || value < min || value > max ||
      (above !== undefined && !(value > above)) || (below !== undefined && !(value < below)) || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'an integer' : 'a number';
    const range = [above === undefined ? '' : ` > ${above}`, min === -Infinity ? '' : ` ≥ ${min}`,
      below === undefined ? '' : ` < ${below}`, max === Infinity ? '' : ` ≤ ${max}`].filter(Boolean).join(' and');
    throw new ConfigError(`--${name}: expected ${kind}${range}, got '${raw}'${hint ? ` (${hint})` : ''}`);
  }
  return value;
}
