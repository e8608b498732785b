/**
 * Errors about the run folder itself (train --out / --resume): it cannot be created or written —
 * a file is in the way, a folder is read-only, the disk is full — or another training holds it
 * (RunFolderBusyError in run-lock.ts). One line each, naming the path and the system's error code,
 * so the user knows which path to fix; the CLI prints them without a stack.
 */
import { DataError } from '../errors.ts';

/**
 * A DataError (so every front end that prints DataErrors as one line prints this too) whose `name`
 * reads 'RunFolderError' (set at run time: DataError's `name` is typed as its own literal).
 */
export class RunFolderError extends DataError {
  constructor(message: string, name = 'RunFolderError') {
    super(message);
    Object.defineProperty(this, 'name', { value: name, enumerable: false, configurable: true, writable: false });
  }
}

/** Plain words for the error codes file writes meet. */
const REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted (read-only or protected location)',
  EROFS: 'the file system is read-only',
  EEXIST: 'a file of that name is in the way (a folder is needed)',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOENT: 'a folder on the path does not exist',
  EISDIR: 'it is a folder, not a file',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/**
 * "<path>: <action>: <reason> (<CODE>)" for an fs error; other errors keep their message.
 * E.g. "runs/x/checkpoint.json: cannot write: the disk is full (ENOSPC)".
 */
export function describeFileError(error: unknown, target: string, action: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return `${target}: ${action}: ${REASONS[code] ?? (error as Error).message} (${code})`;
  return `${target}: ${action}: ${(error as Error)?.message ?? String(error)}`;
}
