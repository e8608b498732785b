/**
 * A training run that can be advanced a few steps at a time: what the CIFAR-10 page's Web Worker
 * runs, and what the browser spec runs in Node to check that the page computes the same bits.
 *
 * It is the library's Trainer (src/train/trainer.ts), driven in slices: `advance(k)` raises the
 * trainer's `maxSteps` by k and calls `run()`, which continues from where the last call stopped —
 * the same epoch permutation, optimizer state and Rng — exactly as a resumed CLI run continues.
 * Between slices the worker answers messages (pause, save, show activations), so the page never
 * waits for more than one slice.
 *
 * Portable: no node:* and no DOM. Uses `crypto.subtle` (browsers, Node ≥ 19) for the weights hash.
 */
import type { DatasetSplits, Normalization } from '../data/dataset.ts';
import { channelStatistics } from '../data/dataset.ts';
import { ConfigError } from '../errors.ts';
import { buildNet } from '../nn/build-net.ts';
import type { LayerDefinition } from '../nn/definition.ts';
import { parseDefinition } from '../nn/definition.ts';
import type { ModelFile } from '../nn/model-file.ts';
import { loadWeightsInto, netToModelFile } from '../nn/model-file.ts';
import type { Net } from '../nn/net.ts';
import { Optimizer } from '../optim/optimizer.ts';
import type { OptimizerConfig } from '../optim/optimizer.ts';
import type { Executor } from '../parallel/executor.ts';
import { serialExecutor } from '../parallel/serial-executor.ts';
import { Rng } from '../tensor/rng.ts';
import type { TrainerOptions } from '../train/trainer.ts';
import { Trainer } from '../train/trainer.ts';

/**
 * The ConvNetJS CIFAR-10 demo network (the same string as CONVNETJS_CIFAR10_NET in
 * src/cli/train-setup.ts, which is Node-facing; the browser spec checks that they agree).
 */
export const DEMO_NET = 'conv5x5x16p2-relu-pool2-conv5x5x20p2-relu-pool2-conv5x5x20p2-relu-pool2-fc10-softmax';

export interface SessionSettings {
  /** Compact string or JSON layer list (input shape taken from the data when absent). */
  definitionText: string;
  seed: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  /** Random flips and shifts of up to 2 px, as in ConvNetJS's demo. */
  augment: boolean;
}

/** The page's defaults: the demo net, Adam at 1e-3 (its default rate), batch 32 — as issue 14 measures speed. */
export const DEFAULT_SETTINGS: SessionSettings = {
  definitionText: DEMO_NET, seed: 1, batchSize: 32, optimizer: { type: 'adam' }, augment: true,
};

/** Checks a definition against the data's image shape; returns the normalized layers. @throws ConfigError/ShapeError. */
export function checkDefinition(text: string, inputShape: number[]): { definition: LayerDefinition[]; net: Net } {
  const definition = parseDefinition(text, inputShape);
  const first = definition[0];
  if (first?.type === 'input' && first.shape.join('x') !== inputShape.join('x')) {
    throw new ConfigError(`definition: its input is (${first.shape.join(', ')}) but the images are (${inputShape.join(', ')})`);
  }
  return { definition, net: buildNet(definition, new Rng(1)) };
}

export class TrainingSession {
  readonly net: Net;
  readonly definition: LayerDefinition[];
  readonly preprocessing: Normalization;
  readonly data: DatasetSplits;
  readonly settings: SessionSettings;
  private readonly options: TrainerOptions;
  private readonly trainer: Trainer;
  private stepsDone = 0;
  /** The executor the layers run their kernels on (serial until `useExecutor`). */
  executor: Executor = serialExecutor;
  /** Mean loss of the steps of the last `advance`. */
  lastLoss = Number.NaN;

  /**
   * Builds the net (seeded), the optimizer and the trainer. With `model`, its weights and its
   * preprocessing replace the fresh ones (a model.json written by the CLI or by this page).
   */
  constructor(data: DatasetSplits, settings: SessionSettings, model?: ModelFile) {
    const imageShape = [data.train.channels, data.train.height, data.train.width];
    const rng = new Rng(settings.seed);
    this.definition = model ? model.definition : checkDefinition(settings.definitionText, imageShape).definition;
    this.net = buildNet(this.definition, rng);
    if (this.net.classes !== data.train.classNames.length) {
      throw new ConfigError(
        `${model ? 'model.json' : 'definition'}: the network ends in ${this.net.classes} classes but the data has ` +
          `${data.train.classNames.length} (${data.train.classNames.join(', ')})`,
      );
    }
    if (model) loadWeightsInto(this.net, model, 'model.json');
    this.preprocessing = model?.preprocessing ?? channelStatistics(data.train);
    this.data = data;
    this.settings = settings;
    this.options = {
      net: this.net, definition: this.definition, classNames: [...data.train.classNames], train: data.train,
      preprocessing: this.preprocessing, optimizer: new Optimizer(settings.optimizer), batchSize: settings.batchSize,
      epochs: Number.MAX_SAFE_INTEGER, maxSteps: 0, rng, logEvery: Number.MAX_SAFE_INTEGER,
      ...(settings.augment ? { augment: { flip: true, maxShift: 2 } } : {}),
      onProgress: (progress) => {
        this.lossSum += progress.loss;
        this.lossCount++;
      },
    };
    this.trainer = new Trainer(this.options);
  }

  private lossSum = 0;
  private lossCount = 0;

  get batchSize(): number {
    return this.settings.batchSize;
  }

  /** Runs the layers' kernels on `executor` from the next step on (bit-identical results for any executor). */
  useExecutor(executor: Executor): void {
    this.executor = executor;
    this.net.setExecutor(executor);
  }

  /** Training steps taken so far. */
  get steps(): number {
    return this.stepsDone;
  }

  /**
   * Runs `steps` more minibatch updates and resolves with their mean loss. The trainer's loop yields
   * to the event loop between steps, so a worker answers messages even inside a slice.
   */
  async advance(steps: number): Promise<number> {
    this.lossSum = 0;
    this.lossCount = 0;
    this.stepsDone += steps;
    this.options.maxSteps = this.stepsDone;
    await this.trainer.run();
    if (this.trainer.position.globalStep !== this.stepsDone) {
      throw new ConfigError(`TrainingSession: ${this.stepsDone} steps were asked for, the trainer stands at ${this.trainer.position.globalStep}`);
    }
    this.lastLoss = this.lossCount > 0 ? this.lossSum / this.lossCount : Number.NaN;
    return this.lastLoss;
  }

  /** The model file the CLI writes (same format, so each side loads the other's). */
  modelFile(): ModelFile {
    return netToModelFile(this.net, this.definition, { classNames: [...this.data.train.classNames], preprocessing: this.preprocessing });
  }
}

/**
 * SHA-256 (hex) of every parameter's float32 bytes, layer by layer in `net.parameters()` order:
 * equal hashes mean bit-identical weights.
 */
export async function weightsHash(net: Net): Promise<string> {
  const parameters = net.parameters();
  const total = parameters.reduce((sum, p) => sum + p.value.data.byteLength, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const p of parameters) {
    bytes.set(new Uint8Array(p.value.data.buffer, p.value.data.byteOffset, p.value.data.byteLength), offset);
    offset += p.value.data.byteLength;
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
