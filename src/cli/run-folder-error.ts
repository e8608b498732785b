/**
 * Errors about the run folder itself (train --out / --resume): it cannot be created or written —
 * a file is in the way, a folder is read-only, the disk is full — or another training holds it
 * (RunFolderBusyError in run-lock.ts). One line each, naming the path and the system's error code,
 * so the user knows which path to fix; the CLI prints them without a stack.
 */
import { DataError, EXIT_CODES } from '../errors.ts';
import { SYSTEM_ERRORS } from './top-level-error.ts';

/**
 * A DataError (so every front end that prints DataErrors as one line prints this too) whose `name`
 * reads 'RunFolderError' (set at run time: DataError's `name` is typed as its own literal).
 */
export class RunFolderError extends DataError {
  override readonly exitCode: number;
  constructor(message: string, name = 'RunFolderError', exitCode: number = EXIT_CODES.fileSystem) {
    super(message);
    this.exitCode = exitCode;
    Object.defineProperty(this, 'name', { value: name, enumerable: false, configurable: true, writable: false });
  }
}


/**
 * "<path>: <action>: <reason> (<CODE>)" for an fs error; other errors keep their message.
 * E.g. "runs/x/checkpoint.json: cannot write: the disk is full (ENOSPC)".
 */
export function describeFileError(error: unknown, target: string, action: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return `${target}: ${action}: ${Object.hasOwn(SYSTEM_ERRORS, code) ? SYSTEM_ERRORS[code] : (error as Error).message} (${code})`;
  return `${target}: ${action}: ${(error as Error)?.message ?? String(error)}`;
}
