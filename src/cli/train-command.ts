/**
 * `train`: trains a network definition on a dataset and writes the run folder
 * (metrics.jsonl, checkpoint.json, model.json, report.html).
 *
 *   npx tsx src/cli.ts train --data cifar10 --net conv5x5x16p2-relu-pool2-...-fc10-softmax \
 *       --optimizer adadelta --batch 32 --epochs 20 --workers 2 --out runs/cifar10
 *   npx tsx src/cli.ts train --resume runs/cifar10          # continues exactly where it stopped
 *
 * `--resume <dir>` reads the run's saved options (run.json) and checkpoint and continues to the
 * (possibly larger) --epochs / --max-steps: the result is bit-identical to an uninterrupted run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, DataError } from '../errors.ts';
import { type ImageDataset, type Normalization, channelStatistics } from '../data/dataset.ts';
import { fitPatchWhitening } from '../data/patch-whitening.ts';
import { buildNet } from '../nn/build-net.ts';
import { netToModelFile } from '../nn/model-file.ts';
import { formatSummary } from '../nn/summary.ts';
import { Optimizer } from '../optim/optimizer.ts';
import { updateRuleNames } from '../optim/rules.ts';
import { closeExecutor, createExecutor } from '../parallel/create-executor.ts';
import { l2 } from '../regularizers/penalties.ts';
import { regularize } from '../regularizers/regularize.ts';
import { Rng } from '../tensor/rng.ts';
import { evaluate } from '../train/evaluate.ts';
import type { Checkpoint, TrainResult } from '../train/trainer.ts';
import { Trainer } from '../train/trainer.ts';
import { numberOption, parseOptions } from './args.ts';
import { loadData } from './datasets.ts';
import type { LoadedData } from './datasets.ts';
import { ProgressBar } from './progress.ts';
import { RunDirectory, readJsonFile, toJsonLine } from './run-directory.ts';
import { CONVNETJS_CIFAR10_NET, SMALL_MNIST_NET, optimizerConfig, resolveDefinition, splitValidation } from './train-setup.ts';
import { writeRunReport } from './write-report.ts';

const DESCRIPTION = 'Train a network on a dataset; writes metrics.jsonl, checkpoint.json, model.json and report.html to --out.';

export const TRAIN_OPTIONS = {
  data: { type: 'string', value: '<name|path>', default: 'auto', help: 'cifar10, fashion-mnist, generated, auto, or a dataset path' },
  net: { type: 'string', value: '<definition|file>', help: 'compact string, JSON, or a file (default: the ConvNetJS CIFAR-10 net; a small net for 28×28 data)' },
  optimizer: { type: 'string', value: '<rule>', default: 'adam', help: `one of the update rules: ${updateRuleNames().join(', ')}` },
  lr: { type: 'string', value: '<rate>', help: 'base learning rate (default: the rule\'s usual one)' },
  momentum: { type: 'string', value: '<μ>', help: 'momentum for momentum/nesterov (default 0.9)' },
  schedule: { type: 'string', value: '<kind>', default: 'cosine', help: 'learning-rate schedule per epoch: constant, cosine, step, exponential' },
  warmup: { type: 'string', value: '<epochs>', default: '0', help: 'linear learning-rate warm-up length, in epochs' },
  reg: { type: 'string', value: '<λ>', default: '0.0001', help: 'L2 strength λ (loss += λ·ΣW², biases excluded)' },
  'weight-decay': { type: 'string', value: '<λ>', help: "adamw's decoupled weight decay (default 0.01); pair it with --reg 0" },
  epochs: { type: 'string', value: '<n>', default: '10', help: 'passes over the training set' },
  'max-steps': { type: 'string', value: '<n>', help: 'stop after n updates in total' },
  'max-seconds': { type: 'string', value: '<s>', help: 'stop after this much training time (a checkpoint is written)' },
  batch: { type: 'string', value: '<n>', default: '32', help: 'minibatch size' },
  augment: { type: 'string', value: '<spec>', default: 'auto', help: "'flip,shift2' (default for colour images), 'none', 'flip', 'shift1', ..." },
  whiten: { type: 'string', value: '<k|none>', default: 'none', help: 'patch ZCA whitening of the input with k×k patches (odd k, e.g. 5), fitted on the training set' },
  'whiten-epsilon': { type: 'string', value: '<ε>', default: '0.1', help: 'whitening ε, added to the eigenvalues of the standardised patch covariance' },
  validation: { type: 'string', value: '<n>', default: '0', help: 'hold out n training images for validation' },
  'train-limit': { type: 'string', value: '<n>', help: 'use only the first n training images' },
  'test-limit': { type: 'string', value: '<n>', help: 'use only the first n test images' },
  'eval-limit': { type: 'string', value: '<n>', help: 'evaluate on at most n validation/test images per epoch' },
  workers: { type: 'string', value: '<n>', default: '2', help: 'threads computing convolutions (main thread counts as one)' },
  seed: { type: 'string', value: '<n>', default: '1', help: 'seed of the one Rng (init, order, augmentation, dropout)' },
  out: { type: 'string', value: '<dir>', default: 'runs/train', help: 'run folder' },
  resume: { type: 'string', value: '<dir>', help: 'continue the run in this folder from its checkpoint' },
  'log-every': { type: 'string', value: '<n>', default: '50', help: 'a metrics line every n steps' },
  'no-report': { type: 'boolean', help: 'skip writing report.html' },
  json: { type: 'boolean', help: 'JSON lines: one per epoch and a final summary (examplesPerSecond, testAccuracy)' },
} as const;

export type TrainOptions = { [K in keyof typeof TRAIN_OPTIONS]: (typeof TRAIN_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string | undefined };

/** Every option at its default, as parseOptions would return for an empty command line. */
export function defaultTrainOptions(): TrainOptions {
  const entries = Object.entries(TRAIN_OPTIONS).map(([name, spec]) => [name, 'default' in spec ? spec.default : spec.type === 'boolean' ? false : undefined]);
  return Object.fromEntries(entries) as TrainOptions;
}

/** Names of the options written on the command line (so --resume keeps the saved ones for the rest). */
function explicitOptions(argv: string[]): Set<string> {
  return new Set(argv.filter((arg) => arg.startsWith('--')).map((arg) => arg.slice(2).split('=')[0]));
}

function parseAugment(spec: string, channels: number): { flip: boolean; maxShift: number } | undefined {
  if (spec === 'auto') return channels === 3 ? { flip: true, maxShift: 2 } : undefined;
  if (spec === 'none') return undefined;
  let flip = false;
  let maxShift = 0;
  for (const part of spec.split(',')) {
    const shift = /^shift(\d+)$/.exec(part);
    if (part === 'flip') flip = true;
    else if (shift) maxShift = Number(shift[1]);
    else throw new ConfigError(`--augment: cannot read '${part}'; expected e.g. 'flip,shift2', 'shift1' or 'none'`);
  }
  return { flip, maxShift };
}

/**
 * The run's preprocessing: per-channel statistics, plus patch ZCA whitening fitted on the training
 * images when --whiten gives a patch size. The fit is deterministic, so a resumed run refits the same
 * kernel; the seconds it took are printed (they come before the trainer's clock starts).
 */
function withWhitening(statistics: Normalization, train: ImageDataset, options: TrainOptions, log: (text: string) => void): Normalization {
  const spec = options.whiten ?? 'none';
  if (spec === 'none') return statistics;
  const size = numberOption('whiten', spec, { min: 1, integer: true });
  const epsilon = numberOption('whiten-epsilon', options['whiten-epsilon'], { min: 0 });
  const started = performance.now();
  const whitening = fitPatchWhitening(train, statistics, { size, epsilon });
  log(`whitening: ${size}x${size} patch ZCA, ε ${epsilon}, fitted in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { ...statistics, whitening };
}

export interface TrainOutcome {
  result: TrainResult;
  testAccuracy: number;
  run: RunDirectory;
  reportPath: string | null;
  dataDescription: string;
  summaryText: string;
}

/** Runs a training from parsed options; shared by `train` and `start`. */
/** Options that may differ on resume without changing the computation (or that extend it). */
const RESUMABLE_OVERRIDES = new Set(['epochs', 'max-steps', 'max-seconds', 'workers', 'json', 'no-report', 'log-every']);

/**
 * Runs a training from parsed options; shared by `train` and `start`. With `resume`, the run's saved
 * options (run.json) are used, except those in `explicit` that may change without breaking exactness
 * (epochs, max-steps, max-seconds, workers — results are bit-identical for any worker count).
 */
export async function runTraining(
  options: TrainOptions, log: (text: string) => void, json: boolean, explicit: Set<string> = new Set(), preloaded?: LoadedData,
): Promise<TrainOutcome> {
  const resumeDir = options.resume;
  let checkpoint: Checkpoint | undefined;
  if (resumeDir) {
    const saved = readJsonFile(path.join(resumeDir, 'run.json')) as TrainOptions;
    checkpoint = readJsonFile(path.join(resumeDir, 'checkpoint.json')) as Checkpoint;
    if (checkpoint.format !== 'convnet-ts-checkpoint') throw new DataError(`${resumeDir}/checkpoint.json: not a convnet-ts checkpoint`);
    const ignored = [...explicit].filter((name) => !RESUMABLE_OVERRIDES.has(name) && name !== 'resume');
    if (ignored.length > 0) {
      throw new ConfigError(`--resume: ${ignored.map((n) => `--${n}`).join(', ')} cannot change when resuming (the run's saved options are used); only ${[...RESUMABLE_OVERRIDES].map((n) => `--${n}`).join(', ')} can`);
    }
    const overrides = Object.fromEntries([...explicit].filter((name) => RESUMABLE_OVERRIDES.has(name)).map((name) => [name, options[name as keyof TrainOptions]]));
    options = { ...saved, 'max-seconds': undefined, ...overrides, out: resumeDir, resume: resumeDir };
  }
  const epochs = numberOption('epochs', options.epochs, { min: 1, integer: true });
  const batchSize = numberOption('batch', options.batch, { min: 1, integer: true });
  const seed = numberOption('seed', options.seed, { integer: true });
  const workers = numberOption('workers', options.workers, { min: 1, max: 64, integer: true });
  const strength = numberOption('reg', options.reg, { min: 0 });
  const validationCount = numberOption('validation', options.validation, { min: 0, integer: true });
  const logEvery = numberOption('log-every', options['log-every'], { min: 1, integer: true });
  const optional = (name: keyof TrainOptions, integer = true) =>
    options[name] === undefined ? undefined : numberOption(name, options[name] as string, { min: integer ? 1 : 0, integer });
  const maxSteps = optional('max-steps');
  const maxSeconds = optional('max-seconds', false);
  const evaluationLimit = optional('eval-limit');
  const trainLimit = optional('train-limit');
  const testLimit = optional('test-limit');

  const data = preloaded ?? loadData(options.data ?? 'auto', { ...(trainLimit ? { trainLimit } : {}), ...(testLimit ? { testLimit } : {}) });
  log(`data: ${data.description}`);
  const rng = new Rng(seed);
  const split = splitValidation(data.splits.train, validationCount, rng);
  const { train } = split;
  const inputShape = [train.channels, train.height, train.width];
  const netSpec = options.net ?? (train.height === 32 ? CONVNETJS_CIFAR10_NET : SMALL_MNIST_NET);
  const definition = resolveDefinition(netSpec, inputShape);
  const net = buildNet(definition, rng);
  const executor = createExecutor(workers);
  net.setExecutor(executor);
  const summaryText = formatSummary(net);
  log(summaryText);

  const optimizer = new Optimizer(optimizerConfig({
    type: options.optimizer ?? 'adam',
    learningRate: options.lr === undefined ? undefined : numberOption('lr', options.lr, { min: 0 }),
    momentum: options.momentum === undefined ? undefined : numberOption('momentum', options.momentum, { min: 0, max: 1 }),
    schedule: options.schedule ?? 'cosine',
    epochs,
    warmup: numberOption('warmup', options.warmup, { min: 0 }),
    weightDecay: options['weight-decay'] === undefined ? undefined : numberOption('weight-decay', options['weight-decay'], { min: 0 }),
  }));
  const preprocessing = withWhitening(channelStatistics(train), train, options, log);
  const run = new RunDirectory(options.out ?? 'runs/train');
  if (!checkpoint) {
    fs.writeFileSync(run.path('run.json'), `${JSON.stringify({ ...options, resume: undefined, json: undefined }, null, 2)}\n`);
    run.resetMetrics({ command: 'train', data: data.description, net: netSpec, optimizer: optimizer.config(), batchSize, epochs, seed, workers,
      ...(preprocessing.whitening ? { whitening: { size: preprocessing.whitening.size, epsilon: preprocessing.whitening.epsilon } } : {}) });
  }
  const augment = parseAugment(options.augment ?? 'auto', train.channels);
  const progress = new ProgressBar();
  const classNames = [...train.classNames];
  const trainer = new Trainer({
    net, definition, classNames, train, ...(split.validation ? { validation: split.validation } : {}), test: data.splits.test,
    preprocessing, optimizer, regularize: strength > 0 ? (parameters) => regularize(parameters, l2, strength) : undefined,
    batchSize, epochs, ...(maxSteps ? { maxSteps } : {}), ...(maxSeconds ? { maxSeconds } : {}),
    ...(augment ? { augment } : {}), rng, logEvery, ...(evaluationLimit ? { evaluationLimit } : {}),
    onMetrics: (line) => {
      run.appendMetrics(line);
      if (line.kind !== 'epoch') return;
      progress.clear();
      if (json) {
        console.log(toJsonLine(line));
      } else {
        const percent = (v: number | undefined) => (v === undefined ? '' : `${(100 * v).toFixed(1)}%`);
        log(`epoch ${line.epoch}/${epochs}  loss ${line.trainLoss.toFixed(3)}  train ${percent(line.trainAccuracy)}` +
          `${line.validationAccuracy !== undefined ? `  validation ${percent(line.validationAccuracy)}` : ''}` +
          `${line.testAccuracy !== undefined ? `  test ${percent(line.testAccuracy)}` : ''}` +
          `  ${Math.round(line.examplesPerSecond)} ex/s  ${line.seconds.toFixed(0)} s`);
      }
    },
    onCheckpoint: (cp) => {
      run.writeCheckpoint(cp);
      run.writeModel(cp.model);
    },
    onProgress: (p) => progress.update({
      epoch: p.epoch, epochs, stepInEpoch: p.stepInEpoch, stepsPerEpoch: p.stepsPerEpoch, loss: p.loss,
      examplesPerSecond: p.examplesPerSecond, remainingExamples: (p.stepsPerEpoch - p.stepInEpoch) * batchSize + (epochs - p.epoch - 1) * train.count,
    }),
  });
  if (checkpoint) {
    trainer.restore(checkpoint, path.join(resumeDir!, 'checkpoint.json'));
    log(`resumed from ${resumeDir} at epoch ${checkpoint.epoch + 1}, step ${checkpoint.globalStep}`);
  }
  let result: TrainResult;
  let testAccuracy: number;
  let reportPath: string | null = null;
  try {
    try {
      result = trainer.run();
    } finally {
      progress.clear();
    }
    const evaluation = evaluate(net, data.splits.test, preprocessing);
    testAccuracy = evaluation.accuracy;
    run.writeModel(netToModelFile(net, definition, { classNames, preprocessing }));
    if (!options['no-report']) {
      reportPath = writeRunReport({ run, net, definition, summaryText, test: data.splits.test, preprocessing, classNames, evaluation, title: `convnet-ts run: ${netSpec}` });
    }
  } finally {
    await closeExecutor(executor);
  }
  return { result, testAccuracy, run, reportPath, dataDescription: data.description, summaryText };
}

export async function trainCommand(argv: string[]): Promise<number> {
  const options = parseOptions('train', DESCRIPTION, TRAIN_OPTIONS, argv);
  if (!options) return 0;
  const json = Boolean(options.json);
  const log = json ? () => {} : (text: string) => console.log(text);
  const outcome = await runTraining(options, log, json, explicitOptions(argv));
  const final = {
    kind: 'final', steps: outcome.result.steps, seconds: outcome.result.seconds, stoppedBy: outcome.result.stoppedBy,
    examplesPerSecond: outcome.result.examplesPerSecond, testAccuracy: outcome.testAccuracy,
    out: outcome.run.folder, model: outcome.run.modelPath, metrics: outcome.run.metricsPath, report: outcome.reportPath,
  };
  if (json) console.log(toJsonLine(final));
  else {
    log(`test accuracy ${(100 * outcome.testAccuracy).toFixed(2)}% after ${outcome.result.steps} steps, ${outcome.result.seconds.toFixed(0)} s (${Math.round(outcome.result.examplesPerSecond)} examples/s; stopped by ${outcome.result.stoppedBy})`);
    log(`model: ${outcome.run.modelPath}\nmetrics: ${outcome.run.metricsPath}${outcome.reportPath ? `\nreport: ${outcome.reportPath}` : ''}`);
  }
  return 0;
}
