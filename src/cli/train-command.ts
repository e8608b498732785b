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
 *
 * Run folder, stops and exit codes (run-lock.ts, stop-signals.ts, src/train/divergence.ts):
 * - the run folder is locked (train.lock with the pid) for the whole training; a second training
 *   given the same --out / --resume while the first lives is refused (RunFolderBusyError); a lock
 *   left by a killed process is recovered with a note; leftovers of interrupted writes are removed,
 *   and on --resume metrics.jsonl is cut back to the checkpoint's step;
 * - SIGINT / SIGTERM stop after the current step with a checkpoint (a second one quits at once);
 * - a loss that is non-finite or above --divergence-factor × the mean loss of the first 10 steps
 *   stops the run as diverged (the last good checkpoint stays).
 * Exit codes (EXIT_CODES in src/errors.ts, the table in `--help` and the README): 0 finished (epochs,
 * --max-steps or --max-seconds); 2 a bad option; 3 bad data or checkpoint; 5 diverged; 6 the file
 * system refused; 7 the run folder is in use; 130 stopped by SIGINT, 143 by SIGTERM (128 + the signal).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, DataError, EXIT_CODES } from '../errors.ts';
import { type ImageDataset, type Normalization, channelStatistics } from '../data/dataset.ts';
import { fitPatchWhitening } from '../data/patch-whitening.ts';
import { buildNet } from '../nn/build-net.ts';
import { KERNEL_TIERS, kernelTier, parseKernelTier, setKernelTier } from '../kernels/engines/kernel-tier.ts';
import { CONV_IMPLEMENTATIONS, DEFAULT_CONV_IMPLEMENTATION, parseConvImplementation } from '../layers/conv2d.ts';
import { netToModelFile } from '../nn/model-file.ts';
import type { Net } from '../nn/net.ts';
import { formatSummary } from '../nn/summary.ts';
import { Optimizer } from '../optim/optimizer.ts';
import { updateRuleNames } from '../optim/rules.ts';
import { closeExecutor, createExecutor } from '../parallel/create-executor.ts';
import { l2 } from '../regularizers/penalties.ts';
import { regularize } from '../regularizers/regularize.ts';
import { Rng } from '../tensor/rng.ts';
import { evaluate } from '../train/evaluate.ts';
import type { TrainResult } from '../train/trainer.ts';
import { Trainer } from '../train/trainer.ts';
import type { OptionSpec } from './args.ts';
import { SEED_RULE, checkOptionValue, numberOption, parseOptions } from './args.ts';
import { loadData } from './datasets.ts';
import { parseDivergenceFactor } from './divergence-option.ts';
import type { LoadedData } from './datasets.ts';
import { ProgressBar } from './progress.ts';
import { RunDirectory, readJsonFile, toJsonLine } from './run-directory.ts';
import type { RunLock } from './run-lock.ts';
import { TrainingInterruptedError, handleStopSignals } from './stop-signals.ts';
import {
  CONVNETJS_CIFAR10_NET, SMALL_MNIST_NET, checkTrainableNames, optimizerConfig, parseLayerNames, parseLearningRateMultipliers,
  replaceHead, resolveDefinition, splitValidation,
} from './train-setup.ts';
import { firstPerClass, parseClassList, selectClasses } from '../data/class-selection.ts';
import type { DatasetSplits } from '../data/dataset.ts';
import { copyWeightsByName } from '../nn/copy-weights.ts';
import { loadModel } from './model-loading.ts';
import type { LoadedModel } from './model-loading.ts';
import { writeRunReport } from './write-report.ts';

const DESCRIPTION = 'Train a network on a dataset; writes metrics.jsonl, checkpoint.json, model.json and report.html to --out.';

/** --schedule's choices (optimizerConfig turns each into a per-epoch schedule). */
const SCHEDULES = ['constant', 'cosine', 'step', 'exponential'] as const;

export const TRAIN_OPTIONS = {
  data: { type: 'string', value: '<name|path>', default: 'auto', help: 'cifar10, fashion-mnist, generated, auto, or a dataset path' },
  net: { type: 'string', value: '<definition|file>', help: 'compact string, JSON, or a file (default: the ConvNetJS CIFAR-10 net; a small net for 28×28 data)', check: checkNetSyntax },
  optimizer: { type: 'string', value: '<rule>', default: 'adam', help: `one of the update rules: ${updateRuleNames().join(', ')}`, choices: updateRuleNames() },
  lr: { type: 'string', value: '<rate>', help: 'base learning rate (default: the rule\'s usual one)', number: { above: 0 } },
  momentum: { type: 'string', value: '<μ>', help: 'momentum for momentum/nesterov (default 0.9)', number: { min: 0, below: 1 } },
  schedule: { type: 'string', value: '<kind>', default: 'cosine', help: 'learning-rate schedule per epoch: constant, cosine, step, exponential', choices: SCHEDULES },
  warmup: { type: 'string', value: '<epochs>', default: '0', help: 'linear learning-rate warm-up length, in epochs', number: { min: 0 } },
  reg: { type: 'string', value: '<λ>', default: '0.0001', help: 'L2 strength λ (loss += λ·ΣW², biases excluded)', number: { min: 0 } },
  'weight-decay': { type: 'string', value: '<λ>', help: "adamw's decoupled weight decay (default 0.01); pair it with --reg 0", number: { min: 0 } },
  epochs: { type: 'string', value: '<n>', default: '10', help: 'passes over the training set', number: { integer: true, min: 1 } },
  'max-steps': { type: 'string', value: '<n>', help: 'stop after n updates in total', number: { integer: true, min: 1 } },
  'max-seconds': { type: 'string', value: '<s>', help: 'stop after this much training time (a checkpoint is written); omit it for no time limit', number: { above: 0, hint: 'omit --max-seconds for no time limit' } },
  batch: { type: 'string', value: '<n>', default: '32', help: 'minibatch size', number: { integer: true, min: 1 } },
  augment: { type: 'string', value: '<spec>', default: 'auto', help: "'flip,shift2' (default for colour images), 'none', 'flip', 'shift1', ...", check: (raw: string) => void parseAugmentTokens(raw) },
  whiten: { type: 'string', value: '<k|none>', default: 'none', help: 'patch ZCA whitening of the input with k×k patches (odd k, e.g. 5), fitted on the training set', check: checkWhitenSize },
  'whiten-epsilon': { type: 'string', value: '<ε>', default: '0.1', help: 'whitening ε, added to the eigenvalues of the standardised patch covariance', number: { above: 0 } },
  validation: { type: 'string', value: '<n>', default: '0', help: 'hold out n training images for validation', number: { integer: true, min: 0 } },
  classes: { type: 'string', value: '<list>', help: "train and test on these classes only, relabelled 0..k−1 with their names kept: '5-9', '0,2,4-6'", check: (raw: string) => void parseClassList(raw) },
  'per-class': { type: 'string', value: '<n>', help: 'use the first n training images of each class (after --classes; deterministic)', number: { integer: true, min: 1 } },
  'init-from': { type: 'string', value: '<model.json|run dir>', help: 'start from these weights, copied by layer name (shapes must match); its net and preprocessing are used unless --net is given' },
  freeze: { type: 'string', value: '<layers>', help: 'layers whose weights do not change, e.g. conv1,conv2', check: (raw: string) => void parseLayerNames(raw, 'freeze') },
  'replace-head': { type: 'string', value: '<classes>', help: 'with --init-from: a fresh last fc layer of this many outputs', number: { integer: true, min: 2 } },
  'lr-mult': { type: 'string', value: '<layer>=<x>,…', help: 'per-layer learning-rate multipliers, e.g. conv1=0.1,fc1=1 (0 = frozen)', check: (raw: string) => void parseLearningRateMultipliers(raw) },
  'train-limit': { type: 'string', value: '<n>', help: 'use only the first n training images', number: { integer: true, min: 1 } },
  'test-limit': { type: 'string', value: '<n>', help: 'use only the first n test images', number: { integer: true, min: 1 } },
  'eval-limit': { type: 'string', value: '<n>', help: 'evaluate on at most n validation/test images per epoch', number: { integer: true, min: 1 } },
  workers: { type: 'string', value: '<n>', default: '2', help: 'threads computing convolutions (main thread counts as one)', number: { integer: true, min: 1, max: 64 } },
  tier: { type: 'string', value: '<tier>', help: 'kernel tier ceiling: simd, asm or portable (default simd, the fastest the engine has; same results)', choices: KERNEL_TIERS },
  conv: { type: 'string', value: '<impl>', help: 'convolution implementation of every conv layer: implicit-gemm (default), im2col or naive', choices: CONV_IMPLEMENTATIONS },
  seed: { type: 'string', value: '<n>', default: '1', help: 'seed of the one Rng (init, order, augmentation, dropout)', number: SEED_RULE },
  out: { type: 'string', value: '<dir>', default: 'runs/train', help: 'run folder' },
  resume: { type: 'string', value: '<dir>', help: 'continue the run in this folder from its checkpoint' },
  'log-every': { type: 'string', value: '<n>', default: '50', help: 'a metrics line every n steps', number: { integer: true, min: 1 } },
  'divergence-factor': { type: 'string', value: '<x|off>', default: '50', help: `stop as diverged (exit ${EXIT_CODES.diverged}) when the loss exceeds x × the mean loss of the first 10 steps (x ≥ 1; off: only NaN/Infinity stop)`, check: (raw: string) => void parseDivergenceFactor(raw) },
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

/**
 * --augment's tokens: 'auto', 'none', or a comma list of 'flip' and 'shift{k}' (k ≥ 1), each once.
 * Returns undefined for 'auto' (decided by the data) and 'none'.
 */
function parseAugmentTokens(spec: string): { flip: boolean; maxShift: number } | undefined {
  if (spec === 'auto' || spec === 'none') return undefined;
  let flip = false;
  let maxShift = 0;
  const seen = new Set<string>();
  for (const part of spec.split(',')) {
    const shift = /^shift(\d+)$/.exec(part);
    const kind = shift ? 'shift' : part;
    if (seen.has(kind)) throw new ConfigError(`--augment: '${kind}' appears twice in '${spec}'; give each of flip, shift{k} once`);
    seen.add(kind);
    if (part === 'flip') flip = true;
    else if (shift && Number(shift[1]) >= 1) maxShift = Number(shift[1]);
    else if (shift) throw new ConfigError(`--augment: '${part}' shifts by 0 pixels; use 'shift1' or more, or leave the shift out`);
    else throw new ConfigError(`--augment: cannot read '${part}'; expected e.g. 'flip,shift2', 'shift1' or 'none'`);
  }
  return { flip, maxShift };
}

/**
 * --augment for the training images (C, H, W): 'auto' is flips and 2-pixel shifts for colour images,
 * nothing for gray ones. A shift must leave part of the image: k < min(H, W).
 */
function parseAugment(spec: string, train: { channels: number; height: number; width: number; name: string }): { flip: boolean; maxShift: number } | undefined {
  if (spec === 'auto') return train.channels === 3 ? { flip: true, maxShift: 2 } : undefined;
  const augment = parseAugmentTokens(spec);
  const side = Math.min(train.height, train.width);
  if (augment && augment.maxShift >= side) {
    throw new ConfigError(`--augment: shift${augment.maxShift} would move a ${train.height}×${train.width} image of '${train.name}' out of its frame; a shift must be smaller than ${side} pixels`);
  }
  return augment;
}

/** --whiten: 'none' or an odd patch size k ≥ 1 (whether it fits the image is checked against the data). */
function checkWhitenSize(raw: string): void {
  if (raw === 'none') return;
  const size = numberOption('whiten', raw, { integer: true, min: 1, hint: "an odd patch size such as 5, or 'none'" });
  if (size % 2 === 0) throw new ConfigError(`--whiten: the patch size must be odd (the patch is centred on its pixel), got ${size}`);
}

/** --net: the definition must read (syntax and hyper-parameters) before any data is loaded; shapes come later. */
function checkNetSyntax(raw: string): void {
  resolveDefinition(raw, [1, 1, 1]);
}

/**
 * What no single option can say: combinations of options. Runs before the data is loaded (and again
 * on the options a resumed run saved). `explicit` holds the options written on the command line.
 */
export function validateTrainOptions(options: TrainOptions, explicit: Set<string>): void {
  for (const [name, spec] of Object.entries(TRAIN_OPTIONS) as Array<[string, OptionSpec]>) {
    const raw = options[name as keyof TrainOptions];
    if (spec.type === 'string' && typeof raw === 'string') checkOptionValue(name, spec, raw);
  }
  if (explicit.has('whiten-epsilon') && (options.whiten ?? 'none') === 'none') {
    throw new ConfigError('--whiten-epsilon is the ε of patch whitening; give --whiten <k> too, or leave --whiten-epsilon out');
  }
  const epochs = numberOption('epochs', options.epochs, { min: 1, integer: true });
  const warmup = numberOption('warmup', options.warmup, { min: 0 });
  if (warmup > epochs) throw new ConfigError(`--warmup ${warmup} is longer than the ${epochs} epochs of the run; the learning rate would never reach its base value`);
  if (options['replace-head'] !== undefined && options['init-from'] === undefined) {
    throw new ConfigError('--replace-head replaces the last fc layer of the model given by --init-from; give --init-from too');
  }
  if (options['init-from'] !== undefined && (options.whiten ?? 'none') !== 'none') {
    throw new ConfigError("--whiten fits a new preprocessing, but --init-from keeps the source model's (its weights expect it); leave --whiten out");
  }
  if (options.freeze !== undefined && options['lr-mult'] !== undefined) {
    const frozen = parseLayerNames(options.freeze, 'freeze');
    const both = Object.keys(parseLearningRateMultipliers(options['lr-mult'])).filter((name) => frozen.includes(name));
    if (both.length > 0) throw new ConfigError(`--lr-mult: ${both.join(', ')} ${both.length === 1 ? 'is' : 'are'} also in --freeze; a frozen layer has no learning rate`);
  }
  // The optimizer's own combinations (--momentum, --weight-decay with a rule that has none) are refused here.
  optimizerConfig(optimizerChoices(options, epochs));
}

/** The optimizer part of the options, as optimizerConfig takes it. */
function optimizerChoices(options: TrainOptions, epochs: number): Parameters<typeof optimizerConfig>[0] {
  return {
    type: options.optimizer ?? 'adam',
    learningRate: options.lr === undefined ? undefined : numberOption('lr', options.lr, { above: 0 }),
    momentum: options.momentum === undefined ? undefined : numberOption('momentum', options.momentum, { min: 0, below: 1 }),
    schedule: options.schedule ?? 'cosine',
    epochs,
    warmup: numberOption('warmup', options.warmup, { min: 0 }),
    weightDecay: options['weight-decay'] === undefined ? undefined : numberOption('weight-decay', options['weight-decay'], { min: 0 }),
  };
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

/**
 * --classes and --per-class: the chosen classes of both splits, relabelled 0..k−1 (names kept), then
 * the first n training images of each class. Logs what was kept.
 */
function selectData(splits: DatasetSplits, options: TrainOptions, log: (text: string) => void): DatasetSplits {
  let { train, test } = splits;
  if (options.classes !== undefined) {
    const classes = parseClassList(options.classes);
    train = selectClasses(train, classes);
    test = selectClasses(test, classes);
  }
  if (options['per-class'] !== undefined) train = firstPerClass(train, numberOption('per-class', options['per-class'], { integer: true, min: 1 }));
  if (train === splits.train && test === splits.test) return splits;
  log(`data: classes ${train.classNames.join(', ')}; ${train.count.toLocaleString('en-US')} train, ${test.count.toLocaleString('en-US')} test images`);
  return { train, test };
}

/**
 * --init-from: the source's weights into `net` by layer name (nn/copy-weights.ts), the replaced head
 * left fresh. The source must take the data's images.
 */
function startFrom(net: Net, source: LoadedModel, train: ImageDataset, head: string | undefined, log: (text: string) => void): void {
  const values = net.inputShape.reduce((product, d) => product * d, 1);
  if (values !== train.channels * train.height * train.width) {
    throw new DataError(`--init-from ${source.source} takes input (${net.inputShape.join(', ')}) but '${train.name}' images are (${train.channels}, ${train.height}, ${train.width})`);
  }
  const { copied, fresh } = copyWeightsByName(net, source.net, `--init-from ${source.source}`, new Set(head === undefined ? [] : [head]));
  log(`init-from ${source.source}: copied ${copied.join(', ')}${fresh.length > 0 ? `; fresh: ${fresh.join(', ')}` : ''}`);
}

/** The network must score exactly the data's classes (labels index the scores). */
function checkNetFitsData(net: Net, train: ImageDataset): void {
  if (net.classes !== train.classNames.length) {
    throw new ConfigError(`--net: the network scores ${net.classes} classes but '${train.name}' has ${train.classNames.length}; end the net with fc${train.classNames.length} before its ${net.loss} layer`);
  }
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
const RESUMABLE_OVERRIDES = new Set(['epochs', 'max-steps', 'max-seconds', 'workers', 'json', 'no-report', 'log-every', 'divergence-factor']);

/** Exit code of a run stopped as diverged (see the header for all of them). */
export const TRAIN_EXIT_DIVERGED = EXIT_CODES.diverged;


/**
 * Runs a training from parsed options; shared by `train` and `start`. With `resume`, the run's saved
 * options (run.json) are used, except those in `explicit` that may change without breaking exactness
 * (epochs, max-steps, max-seconds, workers — results are bit-identical for any worker count).
 */
export async function runTraining(
  options: TrainOptions, log: (text: string) => void, json: boolean, explicit: Set<string> = new Set(), preloaded?: LoadedData,
): Promise<TrainOutcome> {
  // ── Run-folder ownership: lock the folder before anything reads or writes in it (run-lock.ts). ──
  const resumeDir = options.resume;
  const folder = resumeDir ?? options.out ?? 'runs/train';
  // Combinations of options are refused before the folder is made or locked (a resumed run's saved
  // options are checked once they are read, inside).
  if (!resumeDir) validateTrainOptions(options, explicit);
  if (resumeDir && !fs.existsSync(resumeDir)) throw new DataError(`--resume ${resumeDir}: no such run folder`);
  const madeHere = !fs.existsSync(folder);
  const run = new RunDirectory(folder);
  const lock = run.lock(resumeDir ? 'train --resume' : 'train');
  let finished = false;
  try {
    if (lock.recoveredFrom) log(`note: ${folder}: removed the stale lock of process ${lock.recoveredFrom.pid} (${lock.recoveredFrom.command}, started ${lock.recoveredFrom.started}), which is no longer running`);
    const leftovers = run.removeLeftoverTemporaryFiles();
    if (leftovers.length > 0) log(`note: ${folder}: removed ${leftovers.length} temporary file(s) of interrupted writes (${leftovers.join(', ')})`);
    const outcome = await runTrainingLocked(options, log, json, explicit, preloaded, run, lock);
    finished = true;
    return outcome;
  } finally {
    lock.release();
    // A run refused before it wrote anything (the data did not fit the net or the options) leaves no
    // empty folder behind; rmdir removes only an empty one.
    if (!finished && madeHere) removeIfEmpty(folder);
  }
}

/** Removes `folder` if it is an empty folder; anything in it (a run's files) keeps it. */
function removeIfEmpty(folder: string): void {
  try {
    fs.rmdirSync(folder);
  } catch {
    // not empty (or already gone): the run's files stay where they are
  }
}

/** runTraining, once the run folder is ours. */
async function runTrainingLocked(
  options: TrainOptions, log: (text: string) => void, json: boolean, explicit: Set<string>, preloaded: LoadedData | undefined,
  run: RunDirectory, lock: RunLock,
): Promise<TrainOutcome> {
  const resumeDir = options.resume;
  let checkpoint: unknown;
  if (resumeDir) {
    const saved = readJsonFile(path.join(resumeDir, 'run.json')) as TrainOptions;
    checkpoint = readJsonFile(path.join(resumeDir, 'checkpoint.json'));
    const ignored = [...explicit].filter((name) => !RESUMABLE_OVERRIDES.has(name) && name !== 'resume');
    if (ignored.length > 0) {
      throw new ConfigError(`--resume: ${ignored.map((n) => `--${n}`).join(', ')} cannot change when resuming (the run's saved options are used); only ${[...RESUMABLE_OVERRIDES].map((n) => `--${n}`).join(', ')} can`);
    }
    const overrides = Object.fromEntries([...explicit].filter((name) => RESUMABLE_OVERRIDES.has(name)).map((name) => [name, options[name as keyof TrainOptions]]));
    options = { ...saved, 'max-seconds': undefined, ...overrides, out: resumeDir, resume: resumeDir };
  }
  if (resumeDir) validateTrainOptions(options, new Set());
  const epochs = numberOption('epochs', options.epochs, { min: 1, integer: true });
  const batchSize = numberOption('batch', options.batch, { min: 1, integer: true });
  const seed = numberOption('seed', options.seed, { integer: true });
  const workers = numberOption('workers', options.workers, { min: 1, max: 64, integer: true });
  if (options.tier !== undefined) setKernelTier(parseKernelTier(options.tier, 'train --tier'));
  const conv = options.conv === undefined ? DEFAULT_CONV_IMPLEMENTATION : parseConvImplementation(options.conv, 'train --conv');
  const strength = numberOption('reg', options.reg, { min: 0 });
  const validationCount = numberOption('validation', options.validation, { min: 0, integer: true });
  const logEvery = numberOption('log-every', options['log-every'], { min: 1, integer: true });
  const divergenceFactor = parseDivergenceFactor(options['divergence-factor']);
  const optional = (name: keyof TrainOptions, integer = true) =>
    options[name] === undefined ? undefined : numberOption(name, options[name] as string, { min: integer ? 1 : 0, integer });
  const maxSteps = optional('max-steps');
  const maxSeconds = optional('max-seconds', false);
  const evaluationLimit = optional('eval-limit');
  const trainLimit = optional('train-limit');
  const testLimit = optional('test-limit');

  // --init-from is read before the data: a bad model file is refused without waiting for CIFAR-10.
  const source = options['init-from'] === undefined ? undefined : loadModel(options['init-from']);
  if (source && options.net === undefined) {
    // The net will be the source's (a replaced head keeps its name): layer names can be checked now.
    if (options.freeze !== undefined) checkTrainableNames(source.net, parseLayerNames(options.freeze, 'freeze'), 'freeze');
    if (options['lr-mult'] !== undefined) checkTrainableNames(source.net, Object.keys(parseLearningRateMultipliers(options['lr-mult'])), 'lr-mult');
  }
  const loaded = preloaded ?? await loadData(options.data ?? 'auto', { ...(trainLimit ? { trainLimit } : {}), ...(testLimit ? { testLimit } : {}) });
  if (!preloaded) log(`data: ${loaded.description}`); // a caller that loaded the data has said what it is
  const splits = selectData(loaded.splits, options, log);
  const data = { ...loaded, splits, description: splits === loaded.splits ? loaded.description : `${loaded.description}, classes ${splits.train.classNames.join(', ')}: ${splits.train.count} train, ${splits.test.count} test` };
  const rng = new Rng(seed);
  const split = splitValidation(data.splits.train, validationCount, rng);
  const { train } = split;
  const inputShape = [train.channels, train.height, train.width];
  // The default nets end in fc10; with --classes they score the classes chosen.
  const defaultNet = (train.height === 32 ? CONVNETJS_CIFAR10_NET : SMALL_MNIST_NET).replace(/fc10-softmax$/, `fc${train.classNames.length}-softmax`);
  const netSpec = options.net ?? (source ? `the net of ${source.source}` : defaultNet);
  const replaceHeadClasses = optional('replace-head');
  const chosen = options.net === undefined && source ? source.file.definition : resolveDefinition(netSpec, inputShape);
  const { definition: withHead, head } = replaceHeadClasses === undefined ? { definition: chosen, head: undefined } : replaceHead(chosen, replaceHeadClasses);
  // A non-default --conv is written into every conv layer's definition, so the model file records it.
  const definition = withHead
    .map((layer) => (layer.type === 'conv' && conv !== DEFAULT_CONV_IMPLEMENTATION ? { ...layer, implementation: conv } : layer));
  const augment = parseAugment(options.augment ?? 'auto', train);
  const net = buildNet(definition, rng);
  if (source) startFrom(net, source, train, head, log);
  if (net.classes !== train.classNames.length && (replaceHeadClasses !== undefined || (source && options.net === undefined))) {
    throw new ConfigError(replaceHeadClasses !== undefined
      ? `--replace-head ${replaceHeadClasses}: the data has ${train.classNames.length} classes (${train.classNames.join(', ')}); give --replace-head ${train.classNames.length}`
      : `--init-from ${source!.source} scores ${net.classes} classes but the data has ${train.classNames.length}; add --replace-head ${train.classNames.length} for a fresh head`);
  }
  checkNetFitsData(net, train);
  const frozenLayers = options.freeze === undefined ? [] : parseLayerNames(options.freeze, 'freeze');
  const layerLearningRates = options['lr-mult'] === undefined ? {} : parseLearningRateMultipliers(options['lr-mult']);
  checkTrainableNames(net, frozenLayers, 'freeze');
  checkTrainableNames(net, Object.keys(layerLearningRates), 'lr-mult');
  if (head !== undefined && frozenLayers.includes(head)) throw new ConfigError(`--freeze: ${head} is the head --replace-head makes fresh; freezing it would leave it random`);
  const summaryText = formatSummary(net);
  log(summaryText);
  log(`kernel tier: ${kernelTier()} (--tier; every tier gives the same results)`);

  const optimizer = new Optimizer(optimizerConfig(optimizerChoices(options, epochs)));
  const preprocessing = source?.file.preprocessing ?? withWhitening(channelStatistics(train), train, options, log);
  if (!checkpoint) {
    run.writeText('run.json', `${JSON.stringify({ ...options, resume: undefined, json: undefined }, null, 2)}\n`);
    run.resetMetrics({ command: 'train', data: data.description, net: netSpec, optimizer: optimizer.config(), batchSize, epochs, seed, workers, tier: kernelTier(),
      ...(preprocessing.whitening ? { whitening: { size: preprocessing.whitening.size, epsilon: preprocessing.whitening.epsilon } } : {}) });
  }
  const progress = new ProgressBar();
  const classNames = [...train.classNames];
  const trainer = new Trainer({
    net, definition, classNames, train, ...(split.validation ? { validation: split.validation } : {}), test: data.splits.test,
    ...(frozenLayers.length > 0 ? { frozenLayers } : {}), ...(Object.keys(layerLearningRates).length > 0 ? { layerLearningRates } : {}),
    preprocessing, optimizer, regularize: strength > 0 ? (parameters) => regularize(parameters, l2, strength) : undefined,
    batchSize, epochs, ...(maxSteps ? { maxSteps } : {}), ...(maxSeconds ? { maxSeconds } : {}),
    ...(augment ? { augment } : {}), rng, logEvery, ...(evaluationLimit ? { evaluationLimit } : {}),
    divergence: { factor: divergenceFactor },
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
      ...(maxSeconds !== undefined ? { budgetSecondsLeft: Math.max(0, maxSeconds - p.seconds) } : {}),
    }),
  });
  if (checkpoint) {
    trainer.restore(checkpoint, run.checkpointPath);
    const { epoch, globalStep } = trainer.position;
    // Steps and epochs logged after the checkpoint will run again: drop them (and a half-written line).
    const dropped = run.truncateMetricsTo({ epoch, globalStep });
    log(`resumed from ${resumeDir} at epoch ${epoch + 1}, step ${globalStep}${dropped > 0 ? ` (${dropped} metrics line(s) logged after the checkpoint removed)` : ''}`);
  }
  let result: TrainResult;
  let testAccuracy: number;
  let reportPath: string | null = null;
  // The worker threads start only now, right before the try that closes them: an error in the setup
  // above must not leave threads running that keep the process alive.
  const executor = createExecutor(workers);
  net.setExecutor(executor);
  // ── Signals: SIGINT/SIGTERM stop after the current step, with a checkpoint (stop-signals.ts). They stay
  // handled until the workers are closed: one arriving after the last step lets the run finish normally. ──
  const signals = handleStopSignals(() => trainer.requestStop(), (text) => {
    progress.clear();
    console.error(text);
  });
  try {
    try {
      result = await trainer.run();
    } finally {
      progress.clear();
    }
    const signal = signals.received();
    if (result.stoppedBy === 'stopRequested' && signal) {
      const at = trainer.position;
      throw new TrainingInterruptedError(signal,
        `stopped by ${signal} in epoch ${at.epoch + 1}/${epochs} after step ${at.globalStep} (${at.stepInEpoch} of ${at.stepsPerEpoch} in the epoch); ` +
        `checkpoint written to ${run.checkpointPath} (lock ${lock.path} removed); continue with: npx tsx src/cli.ts train --resume ${run.folder}`);
    }
    const evaluation = evaluate(net, data.splits.test, preprocessing, { batchSize }); // the buffers training sized
    testAccuracy = evaluation.accuracy;
    run.writeModel(netToModelFile(net, definition, { classNames, preprocessing }));
    if (!options['no-report']) {
      reportPath = writeRunReport({ run, net, definition, summaryText, test: data.splits.test, preprocessing, classNames, evaluation, title: `convnet-ts run: ${netSpec}`,
        notes: `Kernel tier: ${kernelTier()} (--tier); ${workers === 1 ? '1 thread' : `${workers} workers`}.` });
    }
  } finally {
    await closeExecutor(executor);
    signals.dispose();
  }
  return { result, testAccuracy, run, reportPath, dataDescription: data.description, summaryText };
}

export async function trainCommand(argv: string[]): Promise<number> {
  const options = parseOptions('train', DESCRIPTION, TRAIN_OPTIONS, argv);
  if (!options) return 0;
  const json = Boolean(options.json);
  const log = json ? () => {} : (text: string) => console.log(text);
  // Diverged (5) and interrupted (130/143) runs end with their own exit codes: their errors carry
  // them, and src/cli.ts prints every anticipated error as one line.
  const outcome = await runTraining(options, log, json, explicitOptions(argv));
  const final = {
    kind: 'final', steps: outcome.result.steps, seconds: outcome.result.seconds, stoppedBy: outcome.result.stoppedBy,
    examplesPerSecond: outcome.result.examplesPerSecond, testAccuracy: outcome.testAccuracy, tier: kernelTier(),
    out: outcome.run.folder, model: outcome.run.modelPath, metrics: outcome.run.metricsPath, report: outcome.reportPath,
  };
  if (json) console.log(toJsonLine(final));
  else {
    log(`test accuracy ${(100 * outcome.testAccuracy).toFixed(2)}% after ${outcome.result.steps} steps, ${outcome.result.seconds.toFixed(0)} s (${Math.round(outcome.result.examplesPerSecond)} examples/s, kernel tier ${kernelTier()}; stopped by ${outcome.result.stoppedBy})`);
    log(`model: ${outcome.run.modelPath}\nmetrics: ${outcome.run.metricsPath}${outcome.reportPath ? `\nreport: ${outcome.reportPath}` : ''}`);
  }
  return 0;
}
