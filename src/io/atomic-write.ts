/**
 * Atomic file writes: a reader (or a crash) sees either the old file or the complete new one, never
 * a half-written file. Model files and training checkpoints are written this way, so that killing a
 * run in the middle of a save cannot destroy the last good checkpoint.
 *
 * How: write everything to a temporary file in the SAME folder, fsync it (so its bytes are on disk
 * before its name is), then rename it over the target. rename() within one file system replaces the
 * target atomically on POSIX and on Windows (MoveFileEx with REPLACE_EXISTING). Finally the folder is
 * fsynced so that the rename itself survives a power cut (skipped where folders cannot be opened,
 * e.g. on Windows). The temporary file is removed if anything fails. Parent folders are created.
 *
 * The temporary name is ".<name>.<pid>.<random hex>.tmp": hidden, unique per process and call, and in
 * the target's folder because a rename across file systems would not be atomic (EXDEV).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

/** Text (written as UTF-8) or raw bytes. */
export type FileContents = string | Uint8Array;

/** Writes `contents` to `filePath` atomically, creating parent folders. Returns when durable. */
export async function writeFileAtomic(filePath: string, contents: FileContents): Promise<void> {
  const folder = path.dirname(path.resolve(filePath));
  await fsp.mkdir(folder, { recursive: true });
  const temporary = temporaryPathFor(filePath);
  let handle: fsp.FileHandle | null = null;
  try {
    handle = await fsp.open(temporary, 'wx', 0o644);
    await handle.writeFile(contents);
    await handle.sync();
    await handle.close();
    handle = null;
    await fsp.rename(temporary, filePath);
  } catch (error) {
    if (handle) await handle.close().catch(() => undefined);
    await fsp.rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncFolder(folder);
}

/** Synchronous twin of `writeFileAtomic`, for CLI code and exit handlers. */
export function writeFileAtomicSync(filePath: string, contents: FileContents): void {
  const folder = path.dirname(path.resolve(filePath));
  fs.mkdirSync(folder, { recursive: true });
  const temporary = temporaryPathFor(filePath);
  let descriptor: number | null = null;
  try {
    descriptor = fs.openSync(temporary, 'wx', 0o644);
    fs.writeFileSync(descriptor, contents);
    fs.fsyncSync(descriptor);
    fs.closeSync(descriptor);
    descriptor = null;
    fs.renameSync(temporary, filePath);
  } catch (error) {
    if (descriptor !== null) fs.closeSync(descriptor);
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  try {
    const folderDescriptor = fs.openSync(folder, 'r');
    try {
      fs.fsyncSync(folderDescriptor);
    } finally {
      fs.closeSync(folderDescriptor);
    }
  } catch {
    // Folders cannot be opened or fsynced on some platforms (Windows): the rename is still atomic.
  }
}

/** The temporary file used while writing `filePath` (exported for specs). */
export function temporaryPathFor(filePath: string): string {
  const resolved = path.resolve(filePath);
  const unique = `${process.pid}.${randomBytes(6).toString('hex')}`;
  return path.join(path.dirname(resolved), `.${path.basename(resolved)}.${unique}.tmp`);
}

/** fsyncs a folder so renames into it last; a no-op where folders cannot be opened (Windows). */
export async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await fsp.open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Folders cannot be opened or fsynced on some platforms (Windows): the rename is still atomic.
  }
}
