/**
 * Training checkpoints: what one holds, and the checks a checkpoint passes before a run resumes from it.
 *
 * A checkpoint is the complete state of a Trainer between two steps — weights, optimizer state, the
 * one Rng's state, the current epoch's example order and the position in it, the running totals of
 * the epoch and the divergence guard's reference — so that `restore` + `run` continues bit for bit
 * like a run that was never interrupted. The file is JSON (checkpoint.json in a run folder, written
 * atomically by src/cli/run-directory.ts).
 *
 * `validateCheckpoint` refuses, with a DataError naming the file and the field, every state that a
 * real run cannot have produced — a hand-edited, truncated or foreign file must not resume into a
 * silently different run: a missing or malformed `rng`, an all-zero Rng state (xoshiro128** never
 * reaches it: from zero it would only ever return zeros), an `order` that is not a permutation of
 * 0..N−1 (all zeros included), `stepInEpoch` outside 0..stepsPerEpoch, an `epoch` beyond the run's
 * epochs, and counters or lengths that do not fit. Portable: no node:* imports.
 */
import { DataError } from '../errors.ts';
import { decodeFloat32 } from '../nn/float-codec.ts';
import type { ModelFile } from '../nn/model-file.ts';
import type { RngState } from '../tensor/rng.ts';
import type { EpochMetrics, StepMetrics } from '../viz/metrics.ts';
import type { DivergenceState } from './divergence.ts';

export const CHECKPOINT_FORMAT = 'convnet-ts-checkpoint';

/**
 * One line of metrics.jsonl. The format is defined once, in src/viz/metrics.ts (which reads it);
 * the trainer adds `examples` (examples seen so far) and, per epoch, `examplesPerSecond` (training
 * examples per second of training steps, evaluation and checkpoints excluded; `seconds` is wall time).
 */
export type TrainingMetricsLine =
  | (StepMetrics & { examples: number })
  | (EpochMetrics & { examples: number; examplesPerSecond: number });

/** What an epoch's train loss and accuracy are computed from. */
export interface EpochTotals {
  lossSum: number;
  correct: number;
  seen: number;
}

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  model: ModelFile;
  optimizer: unknown;
  rng: { words: RngState; spareGaussian: number | null };
  /**
   * Epoch in progress (0-based) and how many of its batches are done. stepInEpoch = stepsPerEpoch
   * means the epoch's steps are done but not its end (evaluation, new order): a run stopped by a
   * signal right after an epoch's last step; resuming finishes that epoch first.
   */
  epoch: number;
  stepInEpoch: number;
  globalStep: number;
  examplesSeen: number;
  seconds: number;
  /** This epoch's example order, base64 of little-endian int32 (stored through the float codec's bytes). */
  order: string;
  /** Last epoch summary, if any epoch finished. */
  lastEpoch?: TrainingMetricsLine;
  /**
   * The running totals of the epoch in progress (summed data loss, correct predictions, examples),
   * so that a mid-epoch resume reports the same train loss and accuracy as an uninterrupted run.
   * Absent in checkpoints written by earlier versions: read as zeros.
   */
  epochTotals?: EpochTotals;
  /**
   * The divergence guard's reference (src/train/divergence.ts). Absent in checkpoints written by
   * earlier versions: the reference is then taken from the first steps after the resume.
   */
  divergence?: DivergenceState;
}

/** What the run resuming a checkpoint expects of it. */
export interface CheckpointExpectations {
  /** N: training examples (the order's length). */
  count: number;
  /** ceil(N / batch size). */
  stepsPerEpoch: number;
  /** The run's epochs: a checkpoint may be at most at the end of the last one. */
  epochs: number;
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/**
 * Checks a parsed checkpoint against the run resuming it and returns it typed, with its decoded order.
 * `source` names the file in messages. Weights and optimizer state are checked when they are loaded
 * (loadWeightsInto, Optimizer.setState), which name the layer or parameter.
 * @throws DataError "<source>: <field> …" for the first field that a real run cannot have written.
 */
export function validateCheckpoint(json: unknown, source: string, expected: CheckpointExpectations): { checkpoint: Checkpoint; order: Int32Array } {
  const fail = (field: string, problem: string): never => {
    throw new DataError(`${source}: '${field}' ${problem}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('format', 'is missing: the file is not a JSON object');
  const c = json as Partial<Checkpoint>;
  if (c.format !== CHECKPOINT_FORMAT) fail('format', `must be '${CHECKPOINT_FORMAT}', got ${JSON.stringify(c.format)}: not a convnet-ts checkpoint`);
  if (c.version !== 1) fail('version', `must be 1, got ${JSON.stringify(c.version)}`);
  if (typeof c.model !== 'object' || c.model === null) fail('model', 'is missing');
  if (typeof c.optimizer !== 'object' || c.optimizer === null) fail('optimizer', 'is missing');

  // The Rng: four 32-bit words, not all zero, and an optional cached Gaussian.
  if (typeof c.rng !== 'object' || c.rng === null) fail('rng', 'is missing (the random state is needed to resume exactly)');
  const words = c.rng!.words as unknown;
  // Words are 32-bit patterns; the generator keeps some as signed int32, so both readings are valid.
  if (!Array.isArray(words) || words.length !== 4) fail('rng.words', `must be 4 32-bit integers, got ${JSON.stringify(words)}`);
  for (const [i, word] of (words as unknown[]).entries()) {
    if (typeof word !== 'number' || !Number.isInteger(word) || word < -0x80000000 || word > 0xffffffff) {
      fail(`rng.words[${i}]`, `must be a 32-bit integer (-2147483648..4294967295), got ${JSON.stringify(word)}`);
    }
  }
  if ((words as number[]).every((word) => word === 0)) {
    fail('rng.words', 'is all zeros, a state xoshiro128** can never reach (from it every draw would be 0)');
  }
  const spare = c.rng!.spareGaussian as unknown;
  if (spare !== null && spare !== undefined && !(typeof spare === 'number' && Number.isFinite(spare))) {
    fail('rng.spareGaussian', `must be null or a finite number, got ${JSON.stringify(spare)}`);
  }

  // Position: epoch e of E (e = E: the run finished), step s of S in it.
  const { count, stepsPerEpoch, epochs } = expected;
  if (!isCount(c.epoch)) fail('epoch', `must be an integer ≥ 0, got ${JSON.stringify(c.epoch)}`);
  if (c.epoch! > epochs) fail('epoch', `is ${c.epoch}, beyond this run's ${epochs} epochs (0-based epoch in progress, at most ${epochs})`);
  if (!isCount(c.stepInEpoch) || c.stepInEpoch > stepsPerEpoch) {
    fail('stepInEpoch', `must be an integer in 0..${stepsPerEpoch} (steps per epoch), got ${JSON.stringify(c.stepInEpoch)}`);
  }
  if (c.epoch === epochs && c.stepInEpoch !== 0) fail('stepInEpoch', `is ${c.stepInEpoch} in epoch ${c.epoch}, after the run's last epoch`);
  // Every epoch has exactly S steps, so the step count follows from the position.
  const impliedSteps = c.epoch! * stepsPerEpoch + c.stepInEpoch!;
  if (c.globalStep !== impliedSteps) {
    fail('globalStep', `must be ${impliedSteps} (epoch ${c.epoch} × ${stepsPerEpoch} steps + ${c.stepInEpoch}), got ${JSON.stringify(c.globalStep)}`);
  }
  if (!isCount(c.examplesSeen)) fail('examplesSeen', `must be an integer ≥ 0, got ${JSON.stringify(c.examplesSeen)}`);
  if (typeof c.seconds !== 'number' || !(c.seconds >= 0) || !Number.isFinite(c.seconds)) fail('seconds', `must be a finite number ≥ 0, got ${JSON.stringify(c.seconds)}`);

  // The order: a permutation of 0..N−1, stored as N little-endian int32s.
  if (typeof c.order !== 'string') fail('order', 'is missing');
  const bits = decodeFloat32(c.order!, count, `${source}: 'order' (${count} training examples)`);
  const order = new Int32Array(bits.buffer);
  const seen = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const n = order[i];
    if (n < 0 || n >= count || seen[n]) {
      fail('order', `is not a permutation of 0..${count - 1}: position ${i} holds ${n}${n >= 0 && n < count ? ', which appeared before' : ''}`);
    }
    seen[n] = 1;
  }

  if (c.epochTotals !== undefined) {
    const t = c.epochTotals as Partial<EpochTotals>;
    if (!isCount(t.correct) || !isCount(t.seen) || t.correct > t.seen || typeof t.lossSum !== 'number' || !Number.isFinite(t.lossSum)) {
      fail('epochTotals', `must hold finite lossSum and integers 0 ≤ correct ≤ seen, got ${JSON.stringify(t)}`);
    }
  }
  if (c.divergence !== undefined) {
    const d = c.divergence as Partial<DivergenceState>;
    if (!isCount(d.referenceCount) || typeof d.referenceLossSum !== 'number' || !Number.isFinite(d.referenceLossSum)) {
      fail('divergence', `must hold a finite referenceLossSum and an integer referenceCount ≥ 0, got ${JSON.stringify(d)}`);
    }
  }
  return { checkpoint: c as Checkpoint, order };
}
