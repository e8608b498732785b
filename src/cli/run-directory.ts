/**
 * The files of one training run, in one folder:
 *
 *   metrics.jsonl     one JSON line per logged step and per epoch (format: src/viz/metrics.ts)
 *   checkpoint.json   everything needed to resume exactly (weights, optimizer, Rng, data order)
 *   model.json        the trained network (definition + weights), for eval / predict
 *   report.html       the visual report (written at the end)
 *   run.json          the options of `train` (what --resume reads back)
 *   train.lock        present while a training owns the folder (run-lock.ts)
 *
 * Checkpoints and models are written atomically (temp file + rename), so a crash or Ctrl-C during a
 * save leaves the previous good file in place. What a kill can leave behind is repaired when the next
 * training takes the folder: the temporary files of interrupted writes are removed
 * (`removeLeftoverTemporaryFiles`), and on resume metrics.jsonl is cut back to the checkpoint's step
 * (`truncateMetricsTo`), so the steps and epochs run again after the checkpoint are not logged twice.
 *
 * Every failure to create or write the folder is a RunFolderError naming the path and the reason
 * (a file in the way, a read-only location, a full disk).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors.ts';
import { writeFileAtomicSync } from '../io/atomic-write.ts';
import type { ModelFile } from '../nn/model-file.ts';
import type { Checkpoint, TrainingMetricsLine } from '../train/trainer.ts';
import { RunFolderError, describeFileError } from './run-folder-error.ts';
import { type RunLock, acquireRunLock, processIsAlive } from './run-lock.ts';

/** ".<name>.<pid>.<12 hex>.tmp": the temporary files of writeFileAtomic (src/io/atomic-write.ts). */
const TEMPORARY_FILE = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/** JSON with NaN/±Infinity written as null (JSON has no NaN; metrics readers expect null). */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

export class RunDirectory {
  readonly folder: string;

  /** Creates the folder (and its parents) if needed. @throws RunFolderError naming the path. */
  constructor(folder: string) {
    this.folder = path.resolve(folder);
    try {
      fs.mkdirSync(this.folder, { recursive: true });
    } catch (error) {
      throw new RunFolderError(describeFileError(error, folder, 'cannot create the run folder'));
    }
    if (!fs.statSync(this.folder).isDirectory()) {
      throw new RunFolderError(`${folder}: cannot use as the run folder: it is a file, not a folder`);
    }
  }

  /** Takes the folder for this process (run-lock.ts). @throws RunFolderBusyError while another process holds it. */
  lock(command: string): RunLock {
    return acquireRunLock(this.folder, command);
  }

  /**
   * Removes the temporary files that writes interrupted by a kill left behind (those whose writer
   * process is gone; a live writer's file is left alone). Returns the names removed.
   */
  removeLeftoverTemporaryFiles(): string[] {
    const removed: string[] = [];
    for (const name of fs.readdirSync(this.folder)) {
      const match = TEMPORARY_FILE.exec(name);
      if (!match || processIsAlive(Number(match[1]))) continue;
      fs.rmSync(this.path(name), { force: true });
      removed.push(name);
    }
    return removed;
  }

  /**
   * Cuts metrics.jsonl back to what a checkpoint had logged: 'step' lines up to its globalStep,
   * 'epoch' lines up to the epochs it had finished (epoch ≤ checkpoint.epoch, 1-based lines), every
   * other line (the 'meta' header) kept; a line a kill left half-written is dropped. Rewritten
   * atomically. Returns how many lines were dropped.
   */
  truncateMetricsTo(checkpoint: Pick<Checkpoint, 'globalStep' | 'epoch'>): number {
    if (!fs.existsSync(this.metricsPath)) return 0;
    const lines = fs.readFileSync(this.metricsPath, 'utf8').split('\n').filter((line) => line.trim() !== '');
    const kept = lines.filter((line) => {
      let entry: { kind?: unknown; step?: unknown; epoch?: unknown };
      try {
        entry = JSON.parse(line);
      } catch {
        return false;
      }
      if (entry.kind === 'step') return typeof entry.step === 'number' && entry.step <= checkpoint.globalStep;
      if (entry.kind === 'epoch') return typeof entry.epoch === 'number' && entry.epoch <= checkpoint.epoch;
      return true;
    });
    if (kept.length !== lines.length) this.write(this.metricsPath, kept.map((line) => `${line}\n`).join(''));
    return lines.length - kept.length;
  }

  path(name: string): string {
    return path.join(this.folder, name);
  }

  get metricsPath(): string {
    return this.path('metrics.jsonl');
  }

  get checkpointPath(): string {
    return this.path('checkpoint.json');
  }

  get modelPath(): string {
    return this.path('model.json');
  }

  /** Starts a fresh metrics log (new run) — a resumed run appends instead. */
  resetMetrics(header: Record<string, unknown>): void {
    this.write(this.metricsPath, `${toJsonLine({ kind: 'meta', ...header })}\n`);
  }

  appendMetrics(line: TrainingMetricsLine): void {
    try {
      fs.appendFileSync(this.metricsPath, `${toJsonLine(line)}\n`);
    } catch (error) {
      throw new RunFolderError(describeFileError(error, this.metricsPath, 'cannot append'));
    }
  }

  writeCheckpoint(checkpoint: Checkpoint): void {
    this.write(this.checkpointPath, toJsonLine(checkpoint));
  }

  writeModel(model: ModelFile): void {
    this.write(this.modelPath, toJsonLine(model));
  }

  writeText(name: string, text: string | Uint8Array): string {
    const target = this.path(name);
    this.write(target, text);
    return target;
  }

  /** Atomic write; failures become RunFolderErrors naming the file. */
  private write(target: string, contents: string | Uint8Array): void {
    try {
      writeFileAtomicSync(target, contents);
    } catch (error) {
      throw new RunFolderError(describeFileError(error, target, 'cannot write'));
    }
  }
}

/** Reads a file's bytes; a missing or unreadable file is a DataError that names it. */
export function readBytes(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new DataError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** Reads and parses a JSON file, with DataErrors that name the file. */
export function readJsonFile(file: string): unknown {
  const text = new TextDecoder().decode(readBytes(file));
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DataError(`${file}: not valid JSON (${(error as Error).message})`);
  }
}
