/**
 * Typed errors. Every message says where (layer, file, option), what was expected and what came,
 * so that a user can fix the problem without reading the source.
 *
 * - ShapeError:  a tensor's shape does not fit the layer or op it is given to.
 * - DataError:   a file or dataset is missing, truncated or malformed.
 * - ConfigError: a definition, option or hyper-parameter is invalid.
 *
 * Each class carries the exit code the command line ends with when such an error reaches it
 * (`exitCode`): the command line prints any error that has one as a single line `Name: message`,
 * and anything without one as a bug, with its stack (src/cli/top-level-error.ts). Other modules add
 * their own anticipated errors the same way: extend Error, set `name`, and give an `exitCode` from
 * EXIT_CODES.
 */

/** The process exit codes of the command line, one per kind of outcome (also in `--help` and the README). */
export const EXIT_CODES = {
  /** The command did what it was asked. */
  success: 0,
  /** The command ran and reported a failure (e.g. gradcheck found a gradient that disagrees). */
  failed: 1,
  /** Usage or configuration: unknown command or option, a bad option value, an invalid definition. */
  config: 2,
  /** Data: a dataset or file is missing, truncated or malformed. */
  data: 3,
  /** Shapes: a tensor's shape does not fit the layer it is given to. */
  shape: 4,
  /** Training diverged (the loss became non-finite or exceeded its bound). */
  diverged: 5,
  /** The file system refused: a path does not exist, is not a folder, is not writable, the disk is full. */
  fileSystem: 6,
  /** The run folder is in use by another process. */
  locked: 7,
  /** A bug: an error nobody anticipated (printed with its stack). */
  internal: 70,
  /** Interrupted by SIGINT (Ctrl-C): 128 + 2. */
  interrupted: 130,
  /** Terminated by SIGTERM: 128 + 15. */
  terminated: 143,
} as const;

export class ShapeError extends Error {
  override readonly name = 'ShapeError';
  readonly exitCode: number = EXIT_CODES.shape;
}

export class DataError extends Error {
  override readonly name = 'DataError';
  readonly exitCode: number = EXIT_CODES.data;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly exitCode: number = EXIT_CODES.config;
}

/** Formats a shape as "(2, 3, 32, 32)" for error messages. */
export function formatShape(shape: readonly number[]): string {
  return `(${shape.join(', ')})`;
}
