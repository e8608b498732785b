/**
 * Trainer: epochs of shuffled minibatches, augmentation, updates, evaluation, metrics and
 * checkpoints — the loop every later command (train, npm start) runs.
 *
 * One training step (DESIGN.md, "data flow"):
 *   batch of indices from the epoch's permutation → uint8 pixels to normalized float32 (N, C, H, W)
 *   → random flip/shift → zero gradients → Net.lossAndGradients (forward + backward)
 *   → regularizer adds λ·dR/dW into the gradients → optimizer updates every parameter → metrics.
 *
 * Reproducibility. Everything random — the epoch permutation, augmentation and dropout masks — draws
 * from ONE Rng, in a fixed order. A checkpoint captures that Rng's state together with the weights,
 * the optimizer state, the current epoch's permutation and the position in it, so `resume` continues
 * bit-identically to a run that was never interrupted. (Dropout layers must be built with the same
 * Rng object as the trainer; buildNet does that.)
 *
 * This module is portable: files are written by the caller through the `onCheckpoint` and
 * `onMetrics` hooks (src/train/run-files.ts on Node).
 */
import { ConfigError } from '../errors.ts';
import type { Parameter } from '../tensor/parameter.ts';
import type { LayerDefinition } from '../nn/definition.ts';
import { encodeFloat32, decodeFloat32 } from '../nn/float-codec.ts';
import type { ModelFile, Preprocessing } from '../nn/model-file.ts';
import { loadWeightsInto, netToModelFile } from '../nn/model-file.ts';
import type { Net } from '../nn/net.ts';
import type { Rng, RngState } from '../tensor/rng.ts';
import { Tensor } from '../tensor/tensor.ts';
import { argmax } from '../tensor/argmax.ts';
import type { ImageDataset } from '../data/dataset.ts';
import { toFloatBatch } from '../data/dataset.ts';
import type { EpochMetrics, StepMetrics } from '../viz/metrics.ts';
import type { AugmentOptions } from './augment.ts';
import { augmentBatch } from './augment.ts';
import { evaluate } from './evaluate.ts';

/** What the trainer needs of an optimizer (src/optim/optimizer.ts provides it). */
export interface OptimizerLike {
  step(parameters: Parameter[]): void;
  getState(codec?: { encode(values: Float32Array): string; decode(text: string, expectedLength: number, where: string): Float32Array }): unknown;
  setState(state: unknown, codec?: { encode(values: Float32Array): string; decode(text: string, expectedLength: number, where: string): Float32Array }): void;
  /** Learning rate in force at the current step (for the metrics log). */
  currentLearningRate(): number;
  /** Tells epoch-based learning-rate schedules which epoch (0-based), and which step s of S in it, is running. */
  setEpoch(epoch: number, stepInEpoch: number, stepsPerEpoch: number): void;
}

/**
 * One line of metrics.jsonl. The format is defined once, in src/viz/metrics.ts (which reads it);
 * the trainer adds `examples` (examples seen so far) and, per epoch, `examplesPerSecond` (training
 * examples per second of training steps, evaluation and checkpoints excluded; `seconds` is wall time).
 */
export type TrainingMetricsLine =
  | (StepMetrics & { examples: number })
  | (EpochMetrics & { examples: number; examplesPerSecond: number });

export interface TrainerOptions {
  net: Net;
  definition: LayerDefinition[];
  classNames: string[];
  train: ImageDataset;
  validation?: ImageDataset;
  test?: ImageDataset;
  preprocessing: Preprocessing;
  optimizer: OptimizerLike;
  /** Adds λ·dR/dθ into the gradients and returns λ·R (omit for no regularization). */
  regularize?: (parameters: Parameter[]) => number;
  batchSize: number;
  epochs: number;
  /** Stop after this many updates in total (across resumes). */
  maxSteps?: number;
  /** Stop (after the current step, with a checkpoint) once this much training time has passed. */
  maxSeconds?: number;
  augment?: AugmentOptions;
  /** The one source of randomness: order, augmentation, dropout. */
  rng: Rng;
  /** A 'step' metrics line every this many steps (default 50). */
  logEvery?: number;
  /** Evaluate on at most this many validation/test examples per epoch (default all). */
  evaluationLimit?: number;
  onMetrics?: (line: TrainingMetricsLine) => void;
  onCheckpoint?: (checkpoint: Checkpoint) => void;
  /** Called after every step, for progress bars. */
  onProgress?: (progress: { epoch: number; stepInEpoch: number; stepsPerEpoch: number; loss: number; examplesPerSecond: number; seconds: number }) => void;
}

export interface Checkpoint {
  format: 'convnet-ts-checkpoint';
  version: 1;
  model: ModelFile;
  optimizer: unknown;
  rng: { words: RngState; spareGaussian: number | null };
  /** Epoch in progress (0-based) and how many of its batches are done. */
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
}

/** What an epoch's train loss and accuracy are computed from. */
export interface EpochTotals {
  lossSum: number;
  correct: number;
  seen: number;
}

export interface TrainResult {
  epochs: TrainingMetricsLine[];
  steps: number;
  seconds: number;
  examplesPerSecond: number;
  stoppedBy: 'epochs' | 'maxSteps' | 'maxSeconds';
}

/** Optimizer state buffers are stored like weights: base64 of little-endian float32. */
const FLOAT_CODEC = { encode: encodeFloat32, decode: decodeFloat32 };

/** Raised when the loss becomes NaN or infinite: training stops, the last good checkpoint stays. */
export class TrainingDivergedError extends Error {
  override readonly name = 'TrainingDivergedError';
}

export class Trainer {
  private readonly options: TrainerOptions;
  private epoch = 0;
  private stepInEpoch = 0;
  private globalStep = 0;
  private examplesSeen = 0;
  private secondsBefore = 0;
  private order: Int32Array;
  private lastEpoch: TrainingMetricsLine | undefined;
  private epochTotals: EpochTotals = { lossSum: 0, correct: 0, seen: 0 };

  constructor(options: TrainerOptions) {
    if (!(options.batchSize >= 1) || !Number.isInteger(options.batchSize)) {
      throw new ConfigError(`trainer: batch size must be a positive integer, got ${options.batchSize}`);
    }
    if (options.train.count === 0) throw new ConfigError('trainer: the training set is empty');
    const [c, h, w] = options.net.inputShape;
    const d = options.train;
    if (d.channels * d.height * d.width !== c * (h ?? 1) * (w ?? 1)) {
      throw new ConfigError(
        `trainer: the network takes (${options.net.inputShape.join(', ')}) but '${d.name}' images are (${d.channels}, ${d.height}, ${d.width})`,
      );
    }
    this.options = options;
    this.order = options.rng.permutation(options.train.count);
  }

  /** Restores everything a checkpoint holds; the next `run` continues exactly where it stopped. */
  restore(checkpoint: Checkpoint, source = 'checkpoint'): void {
    loadWeightsInto(this.options.net, checkpoint.model, source);
    this.options.optimizer.setState(checkpoint.optimizer, FLOAT_CODEC);
    this.options.rng.setState(checkpoint.rng);
    this.epoch = checkpoint.epoch;
    this.stepInEpoch = checkpoint.stepInEpoch;
    this.globalStep = checkpoint.globalStep;
    this.examplesSeen = checkpoint.examplesSeen;
    this.secondsBefore = checkpoint.seconds;
    this.lastEpoch = checkpoint.lastEpoch;
    this.epochTotals = { ...(checkpoint.epochTotals ?? { lossSum: 0, correct: 0, seen: 0 }) };
    const orderBits = decodeFloat32(checkpoint.order, this.options.train.count, `${source}: order`);
    this.order = new Int32Array(orderBits.buffer);
  }

  /** The complete training state, JSON-ready. */
  checkpoint(seconds: number): Checkpoint {
    const { net, definition, classNames, preprocessing } = this.options;
    return {
      format: 'convnet-ts-checkpoint',
      version: 1,
      model: netToModelFile(net, definition, { classNames, preprocessing }),
      optimizer: this.options.optimizer.getState(FLOAT_CODEC),
      rng: this.options.rng.getState(),
      epoch: this.epoch,
      stepInEpoch: this.stepInEpoch,
      globalStep: this.globalStep,
      examplesSeen: this.examplesSeen,
      seconds,
      order: encodeFloat32(new Float32Array(this.order.buffer, this.order.byteOffset, this.order.length)),
      ...(this.lastEpoch ? { lastEpoch: this.lastEpoch } : {}),
      epochTotals: { ...this.epochTotals },
    };
  }

  /** Trains until the epochs, maxSteps or maxSeconds run out. */
  run(): TrainResult {
    const o = this.options;
    const { net, train, batchSize } = o;
    const stepsPerEpoch = Math.ceil(train.count / batchSize);
    const logEvery = o.logEvery ?? 50;
    const parameters = net.parameters();
    const started = performance.now();
    const elapsed = () => this.secondsBefore + (performance.now() - started) / 1000;
    const examplesAtStart = this.examplesSeen;
    // Throughput counts training steps only: the time spent evaluating and checkpointing between
    // epochs is set aside, so examples/s measures what the network and the kernels do.
    let secondsOutsideSteps = 0;
    const examplesPerSecondAt = (seconds: number) =>
      (this.examplesSeen - examplesAtStart) / Math.max(1e-9, seconds - this.secondsBefore - secondsOutsideSteps);
    const epochs: TrainingMetricsLine[] = [];
    let stoppedBy: TrainResult['stoppedBy'] = 'epochs';

    let raw = Tensor.zeros([batchSize, train.channels, train.height, train.width]);
    let augmented = Tensor.zeros(raw.shape);
    const totals = this.epochTotals;
    const outer: { stop: boolean } = { stop: false };

    while (this.epoch < o.epochs && !outer.stop) {
      for (; this.stepInEpoch < stepsPerEpoch; ) {
        if (o.maxSteps !== undefined && this.globalStep >= o.maxSteps) {
          stoppedBy = 'maxSteps';
          outer.stop = true;
          break;
        }
        if (o.maxSeconds !== undefined && elapsed() >= o.maxSeconds) {
          stoppedBy = 'maxSeconds';
          outer.stop = true;
          break;
        }
        o.optimizer.setEpoch(this.epoch, this.stepInEpoch, stepsPerEpoch);
        const start = this.stepInEpoch * batchSize;
        const size = Math.min(batchSize, train.count - start);
        if (size !== raw.shape[0]) {
          raw = Tensor.zeros([size, train.channels, train.height, train.width]);
          augmented = Tensor.zeros(raw.shape);
        }
        const indices = this.order.subarray(start, start + size);
        toFloatBatch(train, indices, raw.data, o.preprocessing);
        let input = raw;
        if (o.augment && (o.augment.flip || o.augment.maxShift > 0)) {
          augmentBatch(raw, augmented, o.augment, o.rng);
          input = augmented;
        }
        net.zeroGrad();
        const labels = new Int32Array(size);
        for (let i = 0; i < size; i++) labels[i] = train.labels[indices[i]];
        const { loss: dataLoss, logits } = net.lossAndGradients(input.reshape([size, ...net.inputShape]), labels);
        const regularizationLoss = o.regularize ? o.regularize(parameters) : 0;
        const loss = dataLoss + regularizationLoss;
        if (!Number.isFinite(loss)) {
          throw new TrainingDivergedError(
            `training diverged at epoch ${this.epoch + 1}, step ${this.globalStep + 1}: loss is ${loss} ` +
              `(data ${dataLoss}, regularization ${regularizationLoss}). Lower the learning rate; the last good checkpoint is kept.`,
          );
        }
        // Training accuracy from the logits of this very forward pass (before the update).
        const classes = net.classes;
        for (let i = 0; i < size; i++) if (argmax(logits.data, i * classes, classes) === labels[i]) totals.correct++;
        const learningRate = o.optimizer.currentLearningRate();
        o.optimizer.step(parameters);
        this.stepInEpoch++;
        this.globalStep++;
        this.examplesSeen += size;
        totals.lossSum += dataLoss * size;
        totals.seen += size;
        const seconds = elapsed();
        const examplesPerSecond = examplesPerSecondAt(seconds);
        o.onProgress?.({ epoch: this.epoch, stepInEpoch: this.stepInEpoch, stepsPerEpoch, loss, examplesPerSecond, seconds });
        if (this.globalStep % logEvery === 0) {
          o.onMetrics?.({
            kind: 'step', epoch: this.epoch + 1, step: this.globalStep, examples: this.examplesSeen, loss: dataLoss,
            lr: learningRate, seconds, ...(o.regularize ? { regularizationLoss } : {}),
          });
        }
      }
      if (outer.stop) break;
      // End of epoch: evaluate, log, start the next permutation, checkpoint.
      const epochEnd = elapsed();
      const limit = o.evaluationLimit;
      const validation = o.validation && o.validation.count > 0 ? evaluate(net, o.validation, o.preprocessing, { limit }) : undefined;
      const test = o.test && o.test.count > 0 ? evaluate(net, o.test, o.preprocessing, { limit }) : undefined;
      const seconds = elapsed();
      secondsOutsideSteps += seconds - epochEnd;
      const line: TrainingMetricsLine = {
        kind: 'epoch', epoch: this.epoch + 1, step: this.globalStep, examples: this.examplesSeen,
        trainLoss: totals.seen > 0 ? totals.lossSum / totals.seen : Number.NaN,
        trainAccuracy: totals.seen > 0 ? totals.correct / totals.seen : Number.NaN,
        ...(validation ? { validationAccuracy: validation.accuracy, ...(Number.isFinite(validation.loss) ? { validationLoss: validation.loss } : {}) } : {}),
        ...(test ? { testAccuracy: test.accuracy, ...(Number.isFinite(test.loss) ? { testLoss: test.loss } : {}) } : {}),
        seconds,
        examplesPerSecond: examplesPerSecondAt(seconds),
      };
      epochs.push(line);
      this.lastEpoch = line;
      o.onMetrics?.(line);
      totals.lossSum = 0;
      totals.correct = 0;
      totals.seen = 0;
      this.epoch++;
      this.stepInEpoch = 0;
      this.order = o.rng.permutation(train.count);
      const checkpointStart = elapsed();
      o.onCheckpoint?.(this.checkpoint(checkpointStart));
      secondsOutsideSteps += elapsed() - checkpointStart;
    }
    const seconds = elapsed();
    if (outer.stop) o.onCheckpoint?.(this.checkpoint(seconds));
    return {
      epochs,
      steps: this.globalStep,
      seconds,
      examplesPerSecond: examplesPerSecondAt(seconds),
      stoppedBy,
    };
  }
}
