/**
 * What the command line prints, and which exit code it ends with, for an error that reached the top.
 *
 * Three kinds:
 * - anticipated errors — any Error carrying a numeric `exitCode` (ConfigError, DataError, ShapeError
 *   in src/errors.ts, and the classes other modules add the same way), or one whose `name` is in
 *   EXIT_CODE_BY_NAME — are one line, `Name: message`, and their class's code;
 * - errors of the file system (node:fs: ENOENT, EACCES, ENOSPC, ENOTDIR, EEXIST, ...) are one line
 *   naming the path and what the system said, exit code EXIT_CODES.fileSystem;
 * - anything else is a bug: the stack is printed so it can be reported, exit code EXIT_CODES.internal.
 *
 * The table of codes is EXIT_CODES in src/errors.ts (and `--help`, and the README's Commands section).
 */
import { EXIT_CODES } from '../errors.ts';

/** Error classes that do not carry an `exitCode` themselves, by `name`. */
export const EXIT_CODE_BY_NAME: Record<string, number> = {
  TrainingDivergedError: EXIT_CODES.diverged,
};

/** What a system error code means, in the words a user needs. */
export const SYSTEM_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EEXIST: 'it already exists (a file where a folder is needed?)',
  ENOTEMPTY: 'the folder is not empty',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  EBUSY: 'the resource is busy',
  EIO: 'an input/output error of the device',
};

export interface ErrorReport {
  /** One line for anticipated and file-system errors; the stack for bugs. */
  text: string;
  exitCode: number;
}

/** One line: newlines inside a message (e.g. a wrapped error's) become spaces. */
function oneLine(text: string): string {
  return text.replace(/\s*\n+\s*/g, ' ').trim();
}

/** Classifies `error` (anything that was thrown) into the line to print and the exit code. */
export function describeTopLevelError(error: unknown): ErrorReport {
  if (error instanceof Error) {
    const carried = (error as { exitCode?: unknown }).exitCode;
    const exitCode = typeof carried === 'number' && Number.isInteger(carried) ? carried
      : Object.hasOwn(EXIT_CODE_BY_NAME, error.name) ? EXIT_CODE_BY_NAME[error.name] : undefined;
    if (exitCode !== undefined) return { text: oneLine(`${error.name}: ${error.message}`), exitCode };
    const system = error as NodeJS.ErrnoException & { dest?: string };
    if (typeof system.code === 'string' && Object.hasOwn(SYSTEM_ERRORS, system.code) && typeof system.syscall === 'string') {
      const target = system.path !== undefined ? ` '${system.path}'${system.dest !== undefined ? ` → '${system.dest}'` : ''}` : '';
      return {
        text: `FileSystemError: cannot ${system.syscall}${target}: ${SYSTEM_ERRORS[system.code]} (${system.code})`,
        exitCode: EXIT_CODES.fileSystem,
      };
    }
  }
  const stack = error instanceof Error ? error.stack ?? `${error.name}: ${error.message}` : String(error);
  return { text: `${stack}\n(an unexpected error: this is a bug in convnet-ts — please report it with the command line)`, exitCode: EXIT_CODES.internal };
}
