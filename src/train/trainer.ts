/**
 * Trainer: epochs of shuffled minibatches, augmentation, updates, evaluation, metrics and
 * checkpoints — the loop every later command (train, npm start, linear) runs.
 *
 * One training step, `Trainer.step()` (the README's "Architecture" section shows where it sits):
 *   batch of indices from the epoch's permutation → examples to float32 (N, ...inputShape): images
 *   normalized from uint8 (src/data/dataset.ts), plain (N, D) features copied (training-data.ts)
 *   → random flip/shift (images only, augment.ts) → zero gradients → Net.lossAndGradients (forward +
 *   backward) → regularizer adds λ·dR/dW into the gradients → divergence check (divergence.ts)
 *   → optimizer updates every trainable parameter → running totals and a metrics line.
 * The epoch loop, `Trainer.run()`, calls `step()` until an epoch's batches are done, then evaluates,
 * logs the epoch, draws the next permutation and checkpoints. Between steps it awaits one turn of the
 * event loop (yield-to-event-loop.ts), so signal handlers, a page's pause button and progress callbacks
 * act while training runs; `requestStop()` ends the run after the current step with a checkpoint.
 *
 * Hooks for later work:
 * - `frozenLayers`: the parameters of these layers get no update (they are left out of the optimizer
 *   step and of the regularizer). Their gradients are still computed — backward needs to pass through
 *   the layer anyway — and their non-learned buffers (batch-norm running statistics) still move in
 *   training mode.
 * - `layerLearningRates`: sets each named layer's parameters' learningRateMultiplier (Caffe's
 *   lr_mult); the optimizer multiplies its scheduled rate by it, η_p = η(t) × multiplier.
 *
 * Reproducibility. Everything random — the epoch permutation, augmentation and dropout masks — draws
 * from ONE Rng, in a fixed order. A checkpoint (checkpoint.ts) captures that Rng's state together with
 * the weights, the optimizer state, the current epoch's permutation and the position in it, so
 * `restore` + `run` continues bit-identically to a run that was never interrupted. (Dropout layers
 * must be built with the same Rng object as the trainer; buildNet does that.)
 *
 * This module is portable: the Node side writes the files through the `onCheckpoint` and `onMetrics`
 * hooks (src/cli/run-directory.ts, wired in src/cli/train-command.ts).
 */
import { ConfigError, DataError } from '../errors.ts';
import type { Parameter } from '../tensor/parameter.ts';
import type { LayerDefinition } from '../nn/definition.ts';
import { encodeFloat32, decodeFloat32 } from '../nn/float-codec.ts';
import type { Preprocessing } from '../nn/model-file.ts';
import { loadWeightsInto, netToModelFile } from '../nn/model-file.ts';
import type { Net } from '../nn/net.ts';
import type { Rng } from '../tensor/rng.ts';
import { Tensor, reuseFloat32, shapeSize } from '../tensor/tensor.ts';
import { argmax } from '../tensor/argmax.ts';
import type { AugmentOptions } from './augment.ts';
import { augmentBatch } from './augment.ts';
import type { Checkpoint, EpochTotals, TrainingMetricsLine } from './checkpoint.ts';
import { CHECKPOINT_FORMAT, validateCheckpoint } from './checkpoint.ts';
import { type DivergenceOptions, DivergenceGuard } from './divergence.ts';
import { evaluate } from './evaluate.ts';
import { type TrainingData, exampleShape, fillBatch, isFeatureDataset } from './training-data.ts';
import { yieldToEventLoop } from './yield-to-event-loop.ts';

export type { Checkpoint, EpochTotals, TrainingMetricsLine } from './checkpoint.ts';
export { TrainingDivergedError } from './divergence.ts';

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

/** One progress report, after every step. */
export interface TrainingProgress {
  epoch: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
  loss: number;
  examplesPerSecond: number;
  seconds: number;
}

export interface TrainerOptions {
  net: Net;
  definition: LayerDefinition[];
  classNames: string[];
  /** Images (ImageDataset) or plain (N, D) features (featureDataset in training-data.ts). */
  train: TrainingData;
  validation?: TrainingData;
  test?: TrainingData;
  /** How images are normalized (ignored for feature data; omit for none). */
  preprocessing?: Preprocessing;
  optimizer: OptimizerLike;
  /** Adds λ·dR/dθ into the gradients and returns λ·R (omit for no regularization). */
  regularize?: (parameters: Parameter[]) => number;
  batchSize: number;
  epochs: number;
  /** Stop after this many updates in total (across resumes). */
  maxSteps?: number;
  /** Stop (after the current step, with a checkpoint) once this much training time has passed. */
  maxSeconds?: number;
  /** Random flips and shifts (images only). */
  augment?: AugmentOptions;
  /** The one source of randomness: order, augmentation, dropout. */
  rng: Rng;
  /** A 'step' metrics line every this many steps (default 50). */
  logEvery?: number;
  /** Evaluate on at most this many validation/test examples per epoch (default all). */
  evaluationLimit?: number;
  /** When the loss counts as diverged (divergence.ts; default: non-finite, or 50× the mean of the first 10 steps). */
  divergence?: DivergenceOptions;
  /** Names of layers (as in the summary: 'conv1', 'fc2') whose parameters are not updated. */
  frozenLayers?: string[];
  /** Layer name → learning-rate multiplier for all of that layer's parameters. */
  layerLearningRates?: Record<string, number>;
  onMetrics?: (line: TrainingMetricsLine) => void;
  onCheckpoint?: (checkpoint: Checkpoint) => void;
  /** Called after every step, for progress bars. */
  onProgress?: (progress: TrainingProgress) => void;
}

/** What one step did. */
export interface StepResult {
  /** Data loss + regularization loss of the batch, before the update. */
  loss: number;
  dataLoss: number;
  regularizationLoss: number;
  /** Examples in the batch (the last batch of an epoch may be smaller). */
  size: number;
  /** The base learning rate the update used. */
  learningRate: number;
}

export interface TrainResult {
  epochs: TrainingMetricsLine[];
  steps: number;
  seconds: number;
  examplesPerSecond: number;
  stoppedBy: 'epochs' | 'maxSteps' | 'maxSeconds' | 'stopRequested';
}

/** Optimizer state buffers are stored like weights: base64 of little-endian float32. */
const FLOAT_CODEC = { encode: encodeFloat32, decode: decodeFloat32 };

export class Trainer {
  private readonly options: TrainerOptions;
  private readonly stepsPerEpoch: number;
  /** The parameters the optimizer and the regularizer see: all but those of frozen layers. */
  private readonly trainable: Parameter[];
  private readonly guard: DivergenceGuard;
  private epoch = 0;
  private stepInEpoch = 0;
  private globalStep = 0;
  private examplesSeen = 0;
  private secondsBefore = 0;
  private order: Int32Array;
  private lastEpoch: TrainingMetricsLine | undefined;
  private epochTotals: EpochTotals = { lossSum: 0, correct: 0, seen: 0 };
  private stopRequested = false;
  /** performance.now() when the clock (re)started; undefined before the first step of a run. */
  private clockStarted: number | undefined;
  /** Reused batch buffers: (B, ...exampleShape); a smaller last batch is a view of their beginning. */
  private raw: Tensor;
  private augmented: Tensor;
  /** Reused labels of the batch (a prefix for a smaller last batch). */
  private labels = new Int32Array(0);

  constructor(options: TrainerOptions) {
    if (!(options.batchSize >= 1) || !Number.isInteger(options.batchSize)) {
      throw new ConfigError(`trainer: batch size must be a positive integer, got ${options.batchSize}`);
    }
    if (options.train.count === 0) throw new ConfigError('trainer: the training set is empty');
    const netSize = options.net.inputShape.reduce((product, d) => product * d, 1);
    const shape = exampleShape(options.train);
    if (shape.reduce((product, d) => product * d, 1) !== netSize) {
      throw new ConfigError(
        `trainer: the network takes (${options.net.inputShape.join(', ')}) but '${options.train.name}' examples are (${shape.join(', ')})`,
      );
    }
    if (isFeatureDataset(options.train) && options.augment && (options.augment.flip || options.augment.maxShift > 0)) {
      throw new ConfigError(`trainer: flips and shifts need images, but '${options.train.name}' is plain (N, D) features`);
    }
    this.options = options;
    this.stepsPerEpoch = Math.ceil(options.train.count / options.batchSize);
    this.trainable = selectTrainable(options.net, options.frozenLayers ?? []);
    applyLayerLearningRates(options.net, options.layerLearningRates ?? {});
    this.guard = new DivergenceGuard(options.divergence);
    this.order = options.rng.permutation(options.train.count);
    this.raw = Tensor.zeros([options.batchSize, ...shape]);
    this.augmented = Tensor.zeros(this.raw.shape);
  }

  /**
   * Restores everything a checkpoint holds; the next `run` continues exactly where it stopped.
   * `source` names the file in errors.
   * @throws DataError naming `source` and the field, for a checkpoint no real run could have written
   *         (checkpoint.ts lists the checks) or weights/optimizer state that do not fit this run.
   */
  restore(json: Checkpoint | unknown, source = 'checkpoint'): void {
    const { checkpoint, order } = validateCheckpoint(json, source, {
      count: this.options.train.count, stepsPerEpoch: this.stepsPerEpoch, epochs: this.options.epochs,
    });
    loadWeightsInto(this.options.net, checkpoint.model, `${source}: model`);
    try {
      this.options.optimizer.setState(checkpoint.optimizer, FLOAT_CODEC);
    } catch (error) {
      if (error instanceof DataError) throw new DataError(`${source}: ${error.message}`);
      throw error;
    }
    this.options.rng.setState(checkpoint.rng);
    this.epoch = checkpoint.epoch;
    this.stepInEpoch = checkpoint.stepInEpoch;
    this.globalStep = checkpoint.globalStep;
    this.examplesSeen = checkpoint.examplesSeen;
    this.secondsBefore = checkpoint.seconds;
    this.lastEpoch = checkpoint.lastEpoch;
    this.epochTotals = { ...(checkpoint.epochTotals ?? { lossSum: 0, correct: 0, seen: 0 }) };
    this.guard.setState(checkpoint.divergence ?? { referenceLossSum: 0, referenceCount: 0 });
    this.order = order;
  }

  /** The complete training state, JSON-ready. */
  checkpoint(seconds: number): Checkpoint {
    const { net, definition, classNames, preprocessing } = this.options;
    return {
      format: CHECKPOINT_FORMAT,
      version: 1,
      model: netToModelFile(net, definition, { classNames, ...(preprocessing ? { preprocessing } : {}) }),
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
      divergence: this.guard.getState(),
    };
  }

  /**
   * Asks the run to stop after the current step: `run` then writes a checkpoint (as for maxSeconds)
   * and resolves with stoppedBy 'stopRequested'. Safe to call from a signal handler or a button.
   */
  requestStop(): void {
    this.stopRequested = true;
  }

  /** Where the run stands: epoch (0-based) in progress, steps done in it, steps done in total. */
  get position(): { epoch: number; stepInEpoch: number; stepsPerEpoch: number; globalStep: number } {
    return { epoch: this.epoch, stepInEpoch: this.stepInEpoch, stepsPerEpoch: this.stepsPerEpoch, globalStep: this.globalStep };
  }

  /** Training seconds so far, across resumes (the clock starts at the first step or `run`). */
  private elapsed(): number {
    this.clockStarted ??= performance.now();
    return this.secondsBefore + (performance.now() - this.clockStarted) / 1000;
  }

  /**
   * One minibatch of the epoch in progress: batch → augment → forward/backward → regularize →
   * divergence check → update → metrics. Advances the position by one step.
   * @throws TrainingDivergedError before the update when the loss diverged (divergence.ts);
   *         ConfigError when the epoch's steps are all done (the epoch loop must finish it first).
   */
  step(): StepResult {
    const o = this.options;
    const { net, train, batchSize } = o;
    if (this.stepInEpoch >= this.stepsPerEpoch) {
      throw new ConfigError(`Trainer.step: epoch ${this.epoch + 1}'s ${this.stepsPerEpoch} steps are done; run() finishes the epoch`);
    }
    const totals = this.epochTotals;
    o.optimizer.setEpoch(this.epoch, this.stepInEpoch, this.stepsPerEpoch);
    const start = this.stepInEpoch * batchSize;
    const size = Math.min(batchSize, train.count - start);
    if (size !== this.raw.shape[0]) {
      // A smaller last batch uses the beginning of the full batch's memory (reuseFloat32 says why).
      const shape = [size, ...this.raw.shape.slice(1)];
      this.raw = new Tensor(reuseFloat32(this.raw.data, shapeSize(shape)), shape);
      this.augmented = new Tensor(reuseFloat32(this.augmented.data, shapeSize(shape)), shape);
    }
    const indices = this.order.subarray(start, start + size);
    fillBatch(train, indices, this.raw.data, o.preprocessing);
    let input = this.raw;
    if (o.augment && (o.augment.flip || o.augment.maxShift > 0)) {
      augmentBatch(this.raw, this.augmented, o.augment, o.rng);
      input = this.augmented;
    }
    net.zeroGrad();
    if (this.labels.length < size) this.labels = new Int32Array(size);
    const labels = this.labels.subarray(0, size);
    for (let i = 0; i < size; i++) labels[i] = train.labels[indices[i]];
    const { loss: dataLoss, logits } = net.lossAndGradients(input.reshape([size, ...net.inputShape]), labels);
    const regularizationLoss = o.regularize ? o.regularize(this.trainable) : 0;
    const loss = dataLoss + regularizationLoss;
    this.guard.check(loss, `epoch ${this.epoch + 1}, step ${this.globalStep + 1}`, ` (data ${dataLoss}, regularization ${regularizationLoss})`);
    // Training accuracy from the logits of this very forward pass (before the update).
    const classes = net.classes;
    for (let i = 0; i < size; i++) if (argmax(logits.data, i * classes, classes) === labels[i]) totals.correct++;
    const learningRate = o.optimizer.currentLearningRate();
    o.optimizer.step(this.trainable);
    this.stepInEpoch++;
    this.globalStep++;
    this.examplesSeen += size;
    totals.lossSum += dataLoss * size;
    totals.seen += size;
    if (this.globalStep % (o.logEvery ?? 50) === 0) {
      o.onMetrics?.({
        kind: 'step', epoch: this.epoch + 1, step: this.globalStep, examples: this.examplesSeen, loss: dataLoss,
        lr: learningRate, seconds: this.elapsed(), ...(o.regularize ? { regularizationLoss } : {}),
      });
    }
    return { loss, dataLoss, regularizationLoss, size, learningRate };
  }

  /**
   * Trains until the epochs, maxSteps or maxSeconds run out, or `requestStop()` is called. Awaits one
   * turn of the event loop after every step. maxSteps and maxSeconds are checked before each step; a
   * stop request is checked after each step and before an epoch's end (so a stop right after an epoch's
   * last step does not wait for its evaluation). Every stop but the end of the epochs writes a checkpoint.
   */
  async run(): Promise<TrainResult> {
    const o = this.options;
    const { train } = o;
    const stepsPerEpoch = this.stepsPerEpoch;
    this.clockStarted = performance.now();
    const examplesAtStart = this.examplesSeen;
    // Throughput counts training steps only: the time spent evaluating and checkpointing between
    // epochs is set aside, so examples/s measures what the network and the kernels do.
    let secondsOutsideSteps = 0;
    const examplesPerSecondAt = (seconds: number) =>
      (this.examplesSeen - examplesAtStart) / Math.max(1e-9, seconds - this.secondsBefore - secondsOutsideSteps);
    const epochs: TrainingMetricsLine[] = [];
    let stoppedBy: TrainResult['stoppedBy'] = 'epochs';

    while (this.epoch < o.epochs) {
      if (this.stopRequested) {
        stoppedBy = 'stopRequested';
        break;
      }
      if (this.stepInEpoch < stepsPerEpoch) {
        if (o.maxSteps !== undefined && this.globalStep >= o.maxSteps) {
          stoppedBy = 'maxSteps';
          break;
        }
        if (o.maxSeconds !== undefined && this.elapsed() >= o.maxSeconds) {
          stoppedBy = 'maxSeconds';
          break;
        }
        const { loss } = this.step();
        const seconds = this.elapsed();
        o.onProgress?.({ epoch: this.epoch, stepInEpoch: this.stepInEpoch, stepsPerEpoch, loss, examplesPerSecond: examplesPerSecondAt(seconds), seconds });
        await yieldToEventLoop();
        continue;
      }
      // End of epoch: evaluate, log, start the next permutation, checkpoint.
      const totals = this.epochTotals;
      const epochEnd = this.elapsed();
      // Evaluated in batches of the training batch size: the layers' buffers (outputs, im2col
      // columns) already have that size, so evaluating allocates nothing new. Each example's
      // scores do not depend on the batch it is in, so the figures are the same for any size.
      // The input batches go into the training batch's memory (free while evaluating): evaluating
      // every epoch allocates no new shared memory.
      const evaluation = { limit: o.evaluationLimit, batchSize: o.batchSize, inputMemory: this.raw.data };
      const validation = o.validation && o.validation.count > 0 ? evaluate(o.net, o.validation, o.preprocessing, evaluation) : undefined;
      const test = o.test && o.test.count > 0 ? evaluate(o.net, o.test, o.preprocessing, evaluation) : undefined;
      const seconds = this.elapsed();
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
      const checkpointStart = this.elapsed();
      o.onCheckpoint?.(this.checkpoint(checkpointStart));
      secondsOutsideSteps += this.elapsed() - checkpointStart;
    }
    const seconds = this.elapsed();
    if (stoppedBy !== 'epochs') o.onCheckpoint?.(this.checkpoint(seconds));
    this.stopRequested = false;
    return {
      epochs,
      steps: this.globalStep,
      seconds,
      examplesPerSecond: examplesPerSecondAt(seconds),
      stoppedBy,
    };
  }
}

/** The parameters of every layer not named in `frozenLayers` (unknown names are refused). */
function selectTrainable(net: Net, frozenLayers: string[]): Parameter[] {
  const names = new Set(net.layers.map((layer) => layer.name));
  const unknown = frozenLayers.filter((name) => !names.has(name));
  if (unknown.length > 0) {
    throw new ConfigError(`trainer: frozenLayers names ${unknown.map((n) => `'${n}'`).join(', ')}, but the network's layers are ${[...names].join(', ')}`);
  }
  const frozen = new Set(frozenLayers);
  return net.layers.filter((layer) => !frozen.has(layer.name)).flatMap((layer) => layer.parameters());
}

/** Sets learningRateMultiplier = m on every parameter of each named layer. */
function applyLayerLearningRates(net: Net, multipliers: Record<string, number>): void {
  for (const [name, multiplier] of Object.entries(multipliers)) {
    const layer = net.layers.find((l) => l.name === name);
    if (!layer) throw new ConfigError(`trainer: layerLearningRates names '${name}', but the network's layers are ${net.layers.map((l) => l.name).join(', ')}`);
    if (!(Number.isFinite(multiplier) && multiplier >= 0)) {
      throw new ConfigError(`trainer: layerLearningRates['${name}'] must be a finite number ≥ 0, got ${multiplier}`);
    }
    for (const parameter of layer.parameters()) parameter.learningRateMultiplier = multiplier;
  }
}
