/**
 * The files of one training run, in one folder:
 *
 *   metrics.jsonl     one JSON line per logged step and per epoch (format: src/viz/metrics.ts)
 *   checkpoint.json   everything needed to resume exactly (weights, optimizer, Rng, data order)
 *   model.json        the trained network (definition + weights), for eval / predict
 *   report.html       the visual report (written at the end)
 *
 * Checkpoints and models are written atomically (temp file + rename), so a crash or Ctrl-C during a
 * save leaves the previous good file in place.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors.ts';
import { writeFileAtomicSync } from '../io/atomic-write.ts';
import type { ModelFile } from '../nn/model-file.ts';
import type { Checkpoint, TrainingMetricsLine } from '../train/trainer.ts';

/** JSON with NaN/±Infinity written as null (JSON has no NaN; metrics readers expect null). */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

export class RunDirectory {
  readonly folder: string;

  constructor(folder: string) {
    this.folder = path.resolve(folder);
    fs.mkdirSync(this.folder, { recursive: true });
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
    fs.writeFileSync(this.metricsPath, `${toJsonLine({ kind: 'meta', ...header })}\n`);
  }

  appendMetrics(line: TrainingMetricsLine): void {
    fs.appendFileSync(this.metricsPath, `${toJsonLine(line)}\n`);
  }

  writeCheckpoint(checkpoint: Checkpoint): void {
    writeFileAtomicSync(this.checkpointPath, toJsonLine(checkpoint));
  }

  writeModel(model: ModelFile): void {
    writeFileAtomicSync(this.modelPath, toJsonLine(model));
  }

  writeText(name: string, text: string | Uint8Array): string {
    const target = this.path(name);
    writeFileAtomicSync(target, text);
    return target;
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
