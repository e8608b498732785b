/**
 * Option parsing shared by the commands: node:util parseArgs plus a help text and typed errors.
 *
 * Each command declares its options once (name, type, default, help) and gets back typed values,
 * a `--help` text generated from the same declaration, and a ConfigError for unknown options or
 * values that are not numbers where numbers are expected.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  help: string;
  default?: string | boolean;
  /** Placeholder shown in help, e.g. '<path>'. */
  value?: string;
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
  ].join('\n');
}

/**
 * Parses argv against `specs`. Returns null when --help was given (the help has been printed).
 * Unknown options throw ConfigError, and so do positional arguments unless a `positionals` array is
 * given to receive them.
 */
export function parseOptions<S extends OptionSpecs>(
  command: string,
  description: string,
  specs: S,
  argv: string[],
  positionals?: string[],
): ParsedOptions<S> | null {
  const options: Record<string, { type: 'string' | 'boolean'; default?: string | boolean }> = { help: { type: 'boolean' } };
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = spec.default === undefined ? { type: spec.type } : { type: spec.type, default: spec.default };
  }
  let values: Record<string, unknown>;
  try {
    const parsed = parseArgs({ args: argv, options: options as never, allowPositionals: positionals !== undefined, strict: true });
    values = parsed.values;
    positionals?.push(...parsed.positionals);
  } catch (error) {
    throw new ConfigError(`${command}: ${(error as Error).message}\n\n${formatHelp(command, description, specs)}`);
  }
  if (values.help) {
    console.log(formatHelp(command, description, specs));
    return null;
  }
  return values as ParsedOptions<S>;
}

/** Reads a numeric option; throws ConfigError naming the option when it is not a finite number in range. */
export function numberOption(
  name: string,
  raw: string | undefined,
  { min = -Infinity, max = Infinity, integer = false }: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const value = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'an integer' : 'a number';
    const range = `${min === -Infinity ? '' : ` ≥ ${min}`}${max === Infinity ? '' : ` ≤ ${max}`}`;
    throw new ConfigError(`--${name}: expected ${kind}${range}, got '${raw}'`);
  }
  return value;
}
