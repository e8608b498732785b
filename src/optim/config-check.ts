/**
 * Small readers for the plain-JSON configurations of optimizers and schedules. Each failure throws a
 * ConfigError that names the field by its path ('optimizer.schedule.gamma'), says what was expected
 * and shows what came, so a user can fix a model file without reading this code.
 */
import { ConfigError } from '../errors.ts';

/** A value as it appears in an error message: JSON for plain data, 'nothing' for undefined. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return String(value);
  }
}

/** `value` as a plain object, or a ConfigError saying that `where` must be one. */
export function requireObject(value: unknown, where: string): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where}: expected an object like { "type": ... }, got ${describeValue(value)}`);
  }
  return value as Readonly<Record<string, unknown>>;
}

/** Throws unless every key of `config` is in `allowed`; the message lists the valid fields. */
export function checkKnownFields(config: Readonly<Record<string, unknown>>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(config)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(`${where}: unknown field '${key}'; valid fields: ${allowed.join(', ')}`);
    }
  }
}

/** The string field `field`, which must be one of `choices`; the message lists them. */
export function readChoice<T extends string>(
  config: Readonly<Record<string, unknown>>,
  field: string,
  choices: readonly T[],
  where: string,
  defaultValue?: T,
): T {
  const value = config[field];
  if (value === undefined && defaultValue !== undefined) return defaultValue;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new ConfigError(`${where}.${field}: expected one of ${choices.join(', ')}, got ${describeValue(value)}`);
  }
  return value as T;
}

/**
 * The numeric field `field`: `defaultValue` when absent (a ConfigError when there is no default),
 * otherwise a finite number accepted by `isValid`; `expected` describes the valid values in messages.
 */
export function readNumber(
  config: Readonly<Record<string, unknown>>,
  field: string,
  where: string,
  expected: string,
  isValid: (value: number) => boolean,
  defaultValue?: number,
): number {
  const value = config[field];
  if (value === undefined) {
    if (defaultValue !== undefined) return defaultValue;
    throw new ConfigError(`${where}.${field}: required, expected ${expected}`);
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || !isValid(value)) {
    throw new ConfigError(`${where}.${field}: expected ${expected}, got ${describeValue(value)}`);
  }
  return value;
}
