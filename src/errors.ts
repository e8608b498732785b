/**
 * Typed errors. Every message says where (layer, file, option), what was expected and what came,
 * so that a user can fix the problem without reading the source.
 *
 * - ShapeError:  a tensor's shape does not fit the layer or op it is given to.
 * - DataError:   a file or dataset is missing, truncated or malformed.
 * - ConfigError: a definition, option or hyper-parameter is invalid.
 */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

export class DataError extends Error {
  override readonly name = 'DataError';
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Formats a shape as "(2, 3, 32, 32)" for error messages. */
export function formatShape(shape: readonly number[]): string {
  return `(${shape.join(', ')})`;
}
