/**
 * The metrics log: what a training run writes as it goes, and what the charts and the report read.
 *
 * File format `metrics.jsonl` (JSON Lines): UTF-8, one JSON object per line, each line ended by '\n',
 * appended while training runs (so a run killed mid-write may leave a last line cut short; readers skip
 * that one line with a warning). Every object has a `kind`; readers ignore kinds they do not know
 * (e.g. a {"kind":"meta", …} header with the hyper-parameters) and fields they do not know, so the
 * format can grow without breaking old readers.
 *
 *   {"kind":"step","epoch":1,"step":50,"examples":3200,"loss":1.874,"lr":0.01,"seconds":4.21}
 *   {"kind":"epoch","epoch":1,"step":782,"trainLoss":1.52,"trainAccuracy":0.46,
 *    "validationAccuracy":0.44,"testAccuracy":0.43,"seconds":65.3}
 *
 * kind "step" — one parameter update (writers may log only every k-th step; charts plot what is there):
 *   epoch     integer ≥ 1   the epoch this step belongs to (1-based)
 *   step      integer ≥ 1   parameter updates so far, this one included; grows across epochs
 *   examples  integer ≥ 0   training examples seen so far (sum of the batch sizes)
 *   loss      number|null   mean data loss over this step's mini-batch, before regularization;
 *                           null when it was NaN or ±Infinity (JSON has no NaN): the run diverged
 *   lr        number        learning rate used for this update
 *   seconds   number ≥ 0    wall-clock seconds since training started
 *   regularizationLoss?     number: the weight penalty at this step, when there is one
 *
 * kind "epoch" — written once at the end of each epoch, after any evaluation:
 *   epoch     integer ≥ 1   the epoch that just ended
 *   step      integer ≥ 0   value of `step` at the end of the epoch
 *   trainLoss number|null   mean of this epoch's step losses
 *   trainAccuracy  number   fraction in [0, 1] of training examples classified correctly
 *   validationAccuracy?, testAccuracy?   fractions in [0, 1], when that set was evaluated
 *   validationLoss?, testLoss?           mean data losses on those sets
 *   seconds   number ≥ 0    wall-clock seconds since training started, evaluation included
 *
 * Accuracies are fractions, not percentages; charts print them as percentages.
 */
import { DataError } from '../errors.ts';

export interface StepMetrics {
  readonly kind: 'step';
  readonly epoch: number;
  readonly step: number;
  readonly examples: number;
  /** NaN when the log holds null (a diverged step). */
  readonly loss: number;
  readonly lr: number;
  readonly seconds: number;
  readonly regularizationLoss?: number;
}

export interface EpochMetrics {
  readonly kind: 'epoch';
  readonly epoch: number;
  readonly step: number;
  /** NaN when the log holds null. */
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly validationAccuracy?: number;
  readonly testAccuracy?: number;
  readonly validationLoss?: number;
  readonly testLoss?: number;
  readonly seconds: number;
}

export type MetricsLine = StepMetrics | EpochMetrics;

export interface ParsedMetrics {
  /** The step and epoch lines, in file order. */
  readonly lines: readonly MetricsLine[];
  /** Lines of other kinds, skipped. */
  readonly skipped: number;
  /** Problems that did not stop reading (a cut-off last line). */
  readonly warnings: readonly string[];
}

type Fields = Record<string, unknown>;

function requireNumber(fields: Fields, name: string, where: string, nullable = false): number {
  const value = fields[name];
  if (value === null && nullable) return Number.NaN;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new DataError(`${where}: field '${name}' must be a finite number${nullable ? ' or null' : ''}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function optionalNumber(fields: Fields, name: string, where: string): number | undefined {
  if (fields[name] === undefined) return undefined;
  if (fields[name] === null) return Number.NaN;
  return requireNumber(fields, name, where);
}

/** Copies the optional fields that are present, so absent ones stay absent (not `undefined`). */
function withOptional<T extends object>(base: T, optional: Record<string, number | undefined>): T {
  const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [name, value] of Object.entries(optional)) if (value !== undefined) result[name] = value;
  return result as T;
}

/**
 * Checks one decoded JSON value against the format above and returns it typed, or null for a kind
 * this reader does not know. Throws DataError naming `where` and the bad field.
 */
export function toMetricsLine(value: unknown, where: string): MetricsLine | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DataError(`${where}: expected a JSON object, got ${JSON.stringify(value)}`);
  }
  const fields = value as Fields;
  if (fields.kind === 'step') {
    const line: StepMetrics = {
      kind: 'step',
      epoch: requireNumber(fields, 'epoch', where),
      step: requireNumber(fields, 'step', where),
      examples: requireNumber(fields, 'examples', where),
      loss: requireNumber(fields, 'loss', where, true),
      lr: requireNumber(fields, 'lr', where),
      seconds: requireNumber(fields, 'seconds', where),
    };
    return withOptional(line, { regularizationLoss: optionalNumber(fields, 'regularizationLoss', where) });
  }
  if (fields.kind === 'epoch') {
    const line: EpochMetrics = {
      kind: 'epoch',
      epoch: requireNumber(fields, 'epoch', where),
      step: requireNumber(fields, 'step', where),
      trainLoss: requireNumber(fields, 'trainLoss', where, true),
      trainAccuracy: requireNumber(fields, 'trainAccuracy', where),
      seconds: requireNumber(fields, 'seconds', where),
    };
    return withOptional(line, {
      validationAccuracy: optionalNumber(fields, 'validationAccuracy', where),
      testAccuracy: optionalNumber(fields, 'testAccuracy', where),
      validationLoss: optionalNumber(fields, 'validationLoss', where),
      testLoss: optionalNumber(fields, 'testLoss', where),
    });
  }
  if (typeof fields.kind !== 'string') {
    throw new DataError(`${where}: missing string field 'kind' (expected "step" or "epoch")`);
  }
  return null;
}

/**
 * Reads the text of a metrics.jsonl file. Blank lines are skipped; a malformed line throws DataError
 * with its line number, except a malformed *last* line with no '\n' after it, which is what a run
 * killed while writing leaves behind: it is skipped with a warning.
 */
export function parseMetricsJsonl(text: string, source = 'metrics.jsonl'): ParsedMetrics {
  const rows = text.split('\n');
  const lines: MetricsLine[] = [];
  const warnings: string[] = [];
  let skipped = 0;
  rows.forEach((row, index) => {
    const trimmed = row.trim();
    if (trimmed === '') return;
    const where = `${source}:${index + 1}`;
    const isUnterminatedLast = index === rows.length - 1;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      if (isUnterminatedLast) {
        warnings.push(`${where}: last line is cut off (no newline, not valid JSON); skipped`);
        return;
      }
      throw new DataError(`${where}: not valid JSON (${(error as Error).message})`);
    }
    const line = toMetricsLine(value, where);
    if (line === null) skipped++;
    else lines.push(line);
  });
  return { lines, skipped, warnings };
}

/** One metrics line as JSON text (no newline), NaN and ±Infinity written as null as the format says. */
export function formatMetricsLine(line: MetricsLine): string {
  return JSON.stringify(line, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? null : value,
  );
}
