/**
 * Run-folder ownership: one training at a time per run folder.
 *
 * Two trainings writing the same folder would overwrite each other's checkpoint and model and
 * interleave metrics.jsonl. So a training first takes `train.lock` in its run folder — a small JSON
 * file {pid, hostname, started, command} — and removes it when it ends (normally, with an error, or on
 * SIGINT/SIGTERM; a process 'exit' listener covers process.exit too).
 *
 * Taking the lock is atomic and never shows a half-written file: the content is written and fsynced
 * to a temporary file, which is then hard-linked to the lock's name. link() fails with EEXIST when
 * the lock exists, so of two processes racing, exactly one wins. (Where hard links are not supported,
 * an exclusive create 'wx' is used instead.)
 *
 * When the lock exists:
 * - its process is alive (process.kill(pid, 0) succeeds, or fails with EPERM: alive, another user's),
 *   or it was taken on another host (its pid cannot be checked from here) → RunFolderBusyError,
 *   naming the folder, the pid and the host;
 * - its process is gone (a kill -9, a power cut) → the lock is stale: it is moved aside atomically
 *   (rename), checked to still be the stale one, removed, and the lock taken again; the caller
 *   prints a note. A pid reused by an unrelated process makes a stale lock look alive: the message says
 *   to delete the lock file when no training is running.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { temporaryPathFor } from '../io/atomic-write.ts';
import { EXIT_CODES } from '../errors.ts';
import { RunFolderError, describeFileError } from './run-folder-error.ts';

export const LOCK_FILE_NAME = 'train.lock';

/** Another live process holds the run folder. */
export class RunFolderBusyError extends RunFolderError {
  constructor(message: string) {
    super(message, 'RunFolderBusyError', EXIT_CODES.locked);
  }
}

export interface LockHolder {
  pid: number;
  hostname: string;
  started: string;
  command: string;
}

export interface RunLock {
  readonly path: string;
  /** The stale lock that was recovered to take this one, if any (for a note to the user). */
  readonly recoveredFrom: LockHolder | null;
  /** Removes the lock if it is still ours. Idempotent. */
  release(): void;
}

/** Whether process `pid` exists on this machine. */
export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | null {
  try {
    const holder = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof holder.pid !== 'number' || typeof holder.hostname !== 'string') return null;
    return { pid: holder.pid, hostname: holder.hostname, started: String(holder.started ?? '?'), command: String(holder.command ?? '?') };
  } catch {
    return null; // unreadable or not ours: treated as stale
  }
}

/** Creates `lockPath` with `content` if it does not exist; false if it does. */
function createExclusively(lockPath: string, content: string): boolean {
  const temporary = temporaryPathFor(lockPath);
  const descriptor = fs.openSync(temporary, 'wx', 0o644);
  try {
    fs.writeFileSync(descriptor, content);
    fs.fsyncSync(descriptor);
  } finally {
    fs.closeSync(descriptor);
  }
  try {
    fs.linkSync(temporary, lockPath);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    // No hard links here: an exclusive create is still exclusive, only not written in one piece.
    try {
      fs.writeFileSync(lockPath, content, { flag: 'wx' });
      return true;
    } catch (fallbackError) {
      if ((fallbackError as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw fallbackError;
    }
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

/**
 * Takes the lock of run folder `folder` (which must exist) for this process.
 * @throws RunFolderBusyError when a live process holds it; RunFolderError when it cannot be written.
 */
export function acquireRunLock(folder: string, command: string): RunLock {
  const lockPath = path.join(folder, LOCK_FILE_NAME);
  const hostname = os.hostname();
  const content = `${JSON.stringify({ pid: process.pid, hostname, started: new Date().toISOString(), command })}\n`;
  let recoveredFrom: LockHolder | null = null;
  for (let attempt = 0; ; attempt++) {
    let created: boolean;
    try {
      created = createExclusively(lockPath, content);
    } catch (error) {
      throw new RunFolderError(describeFileError(error, lockPath, 'cannot create the run lock'));
    }
    if (created) break;
    const holder = readHolder(lockPath);
    const sameHost = holder === null || holder.hostname === hostname;
    if (holder && (!sameHost || processIsAlive(holder.pid))) {
      throw new RunFolderBusyError(
        `${folder}: the run folder is in use by process ${holder.pid}${sameHost ? '' : ` on host ${holder.hostname}`} ` +
          `(${holder.command}, started ${holder.started}); wait for it to end, stop it, or pick another --out ` +
          `(if no training is running there, delete ${lockPath})`,
      );
    }
    if (attempt >= 3) throw new RunFolderBusyError(`${folder}: could not take ${lockPath} after recovering stale locks ${attempt} times`);
    // Stale: move it aside first, so that a lock another process takes meanwhile is never deleted.
    const aside = temporaryPathFor(lockPath);
    try {
      fs.renameSync(lockPath, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // someone else recovered it
      throw new RunFolderError(describeFileError(error, lockPath, 'cannot remove the stale run lock'));
    }
    const moved = readHolder(aside);
    if ((moved?.pid ?? null) !== (holder?.pid ?? null)) {
      // Not the stale lock we inspected (a new owner won a race): put it back and look again.
      try {
        fs.linkSync(aside, lockPath);
      } catch {
        // the folder has a lock again either way
      }
    } else {
      recoveredFrom = holder ?? { pid: -1, hostname: '?', started: '?', command: 'unreadable lock file' };
    }
    fs.rmSync(aside, { force: true });
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    const holder = readHolder(lockPath);
    if (holder && holder.pid === process.pid && holder.hostname === hostname) fs.rmSync(lockPath, { force: true });
  };
  process.on('exit', release);
  return { path: lockPath, recoveredFrom, release };
}
