/**
 * `linear`: the lecture's linear classifier s = Wx + b on raw pixels (src/nn/linear-classifier.ts),
 * trained by minibatch SGD with an L2, L1 or elastic-net penalty, with either the multiclass SVM
 * (hinge) or the softmax cross-entropy loss.
 *
 * The classifier is a Net of one fully connected layer and the loss layer, and the Trainer runs its
 * epochs — the same machinery as every other network, so the smallest model exercises the whole
 * stack. At the end it writes the class templates (the rows of W drawn as images): the picture that
 * shows what a linear classifier can and cannot learn.
 */
import { channelStatistics } from '../data/dataset.ts';
import { encodePng } from '../io/png.ts';
import { LinearClassifier } from '../nn/linear-classifier.ts';
import { netToModelFile } from '../nn/model-file.ts';
import type { Penalty } from '../regularizers/penalties.ts';
import { elasticNet, l1, l2 } from '../regularizers/penalties.ts';
import { Rng } from '../tensor/rng.ts';
import { evaluate } from '../train/evaluate.ts';
import { Trainer } from '../train/trainer.ts';
import { classTemplates, classTemplatesSvg } from '../viz/templates.ts';
import { SEED_RULE, numberOption, parseOptions } from './args.ts';
import { loadData } from './datasets.ts';
import { parseDivergenceFactor } from './divergence-option.ts';
import type { LoadedData } from './datasets.ts';
import { RunDirectory, toJsonLine } from './run-directory.ts';
import { ConfigError, EXIT_CODES } from '../errors.ts';
import { formatSummary } from '../nn/summary.ts';
import { writeRunReport } from './write-report.ts';

const DESCRIPTION = 'Train a linear classifier s = Wx + b with an L2, L1 or elastic-net penalty by minibatch SGD, report test accuracy, write the class templates.';

const OPTIONS = {
  data: { type: 'string', value: '<name|path>', default: 'auto', help: 'cifar10, fashion-mnist, generated, auto, or a dataset path' },
  loss: { type: 'string', value: 'svm|softmax', default: 'softmax', help: 'multiclass SVM hinge loss or softmax cross-entropy', choices: ['svm', 'softmax'] },
  epochs: { type: 'string', value: '<n>', default: '10', help: 'passes over the training set', number: { integer: true, min: 1 } },
  batch: { type: 'string', value: '<n>', default: '200', help: 'minibatch size', number: { integer: true, min: 1 } },
  lr: { type: 'string', value: '<rate>', default: '0.01', help: 'learning rate (pixels are standardized per channel)', number: { above: 0 } },
  'lr-decay': { type: 'string', value: '<γ>', default: '0.8', help: 'learning rate multiplied by γ after every epoch', number: { above: 0, max: 1 } },
  reg: { type: 'string', value: '<λ>', default: '0.01', help: 'penalty strength: loss += λ·R(W) (biases excluded)', number: { min: 0 } },
  penalty: { type: 'string', value: 'l2|l1|elastic-net', default: 'l2', help: 'R(W): ΣW², Σ|W|, or Σ β·W² + |W|', choices: ['l2', 'l1', 'elastic-net'] },
  beta: { type: 'string', value: '<β>', default: '1', help: 'elastic net: weight β of the squared part', number: { min: 0 } },
  seed: { type: 'string', value: '<n>', default: '1', help: 'seed of the Rng (initialization and batch order)', number: SEED_RULE },
  'train-limit': { type: 'string', value: '<n>', help: 'use only the first n training images', number: { integer: true, min: 1 } },
  'divergence-factor': { type: 'string', value: '<x|off>', default: '50', help: `stop as diverged (exit ${EXIT_CODES.diverged}) when the loss exceeds x × the mean loss of the first 10 steps (off: only NaN/Infinity stop)`, check: (raw: string) => void parseDivergenceFactor(raw) },
  out: { type: 'string', value: '<dir>', default: 'runs/linear', help: 'folder for model.json, metrics.jsonl and templates' },
  json: { type: 'boolean', help: 'print one JSON line with the results (includes testAccuracy)' },
} as const;

type ParsedOptions = { [K in keyof typeof OPTIONS]: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string | undefined };
/** The parsed options; callers other than the command line (`start`) may leave out the penalty choice. */
type LinearOptions = Omit<ParsedOptions, 'penalty' | 'beta' | 'divergence-factor'> & Partial<Pick<ParsedOptions, 'penalty' | 'beta' | 'divergence-factor'>>;

export async function linearCommand(argv: string[]): Promise<number> {
  const options = parseOptions('linear', DESCRIPTION, OPTIONS, argv);
  if (!options) return 0;
  const summary = await runLinear(options, options.json ? () => {} : (text: string) => console.log(text));
  if (options.json) {
    console.log(toJsonLine(summary));
  } else {
    console.log(`test accuracy: ${(100 * summary.testAccuracy).toFixed(2)}% on ${summary.testExamples.toLocaleString('en-US')} images (${summary.loss} loss, ${summary.totalSeconds.toFixed(1)} s in all)`);
    console.log(`wrote ${summary.model}, ${summary.metrics}, ${summary.templatesPng}, ${summary.templatesSvg}, ${summary.report}`);
  }
  return 0;
}

/** Trains, evaluates and writes the run folder; returns the summary (also the --json line). */
export async function runLinear(options: LinearOptions, log: (text: string) => void, preloaded?: LoadedData) {
  const loss = options.loss;
  if (loss !== 'svm' && loss !== 'softmax') throw new ConfigError(`--loss: expected 'svm' or 'softmax', got '${loss}'`);
  const epochs = numberOption('epochs', options.epochs, { min: 1, integer: true });
  const batchSize = numberOption('batch', options.batch, { min: 1, integer: true });
  const learningRate = numberOption('lr', options.lr, { min: 0 });
  const decay = numberOption('lr-decay', options['lr-decay'], { min: 0, max: 1 });
  const strength = numberOption('reg', options.reg, { min: 0 });
  const penalty = penaltyOption(options.penalty ?? 'l2', options.beta);
  const seed = numberOption('seed', options.seed, { integer: true });
  const trainLimit = options['train-limit'] === undefined ? undefined : numberOption('train-limit', options['train-limit'], { min: 1, integer: true });

  const started = performance.now();
  const data = preloaded ?? await loadData(options.data ?? 'auto', trainLimit ? { trainLimit } : {});
  const { train, test } = data.splits;
  log(`data: ${data.description}`);

  const rng = new Rng(seed);
  const classifier = new LinearClassifier({
    inputShape: [train.channels, train.height, train.width], classes: train.classNames.length, loss,
    penalty, strength, rng,
  });
  const { net, definition } = classifier;
  const preprocessing = channelStatistics(train);
  const optimizer = LinearClassifier.sgd(learningRate, decay);
  const run = new RunDirectory(options.out ?? 'runs/linear');
  run.resetMetrics({
    command: 'linear', data: data.description, loss, epochs, batchSize, learningRate, decay, strength, seed,
    ...(classifier.penalty === l2 ? {} : { penalty: classifier.penalty.config() }),
  });

  const trainer = new Trainer({
    net, definition, classNames: [...train.classNames], train, test, preprocessing, optimizer,
    regularize: classifier.regularize,
    // The same divergence rule as `train` (src/train/divergence.ts): `linear --lr 1e30` stops at its
    // second step with TrainingDivergedError (exit 5) instead of ending at a loss of 1e59.
    divergence: { factor: parseDivergenceFactor(options['divergence-factor']) },
    batchSize, epochs, rng,
    onMetrics: (line) => {
      run.appendMetrics(line);
      if (line.kind === 'epoch') {
        log(`epoch ${line.epoch}/${epochs}: train loss ${line.trainLoss.toFixed(3)}, train accuracy ${(100 * line.trainAccuracy).toFixed(1)}%, test accuracy ${(100 * (line.testAccuracy ?? Number.NaN)).toFixed(1)}% (${line.seconds.toFixed(1)} s)`);
      }
    },
  });
  const result = await trainer.run();
  const evaluation = evaluate(net, test, preprocessing);
  const seconds = (performance.now() - started) / 1000;

  run.writeModel(netToModelFile(net, definition, { classNames: [...train.classNames], preprocessing }));
  const templates = classTemplates(classifier.weights, { classNames: train.classNames, imageShape: [train.channels, train.height, train.width] as [number, number, number] });
  const templatesPng = run.writeText('templates.png', encodePng(templates.grid.image));
  const templatesSvg = run.writeText('templates.svg', classTemplatesSvg(templates, encodePng));

  const report = writeRunReport({
    run, net, definition, summaryText: formatSummary(net), test, preprocessing, classNames: [...train.classNames], evaluation,
    title: `Linear classifier (${loss}) on ${data.kind}`,
  });
  const lastEpoch = result.epochs.at(-1);
  return {
    command: 'linear', data: data.kind, dataDescription: data.description, loss, epochs, batchSize, learningRate, reg: strength, seed,
    trainExamples: train.count, testExamples: test.count,
    trainAccuracy: lastEpoch?.kind === 'epoch' ? lastEpoch.trainAccuracy : null,
    testAccuracy: evaluation.accuracy,
    trainSeconds: result.seconds, totalSeconds: seconds, examplesPerSecond: result.examplesPerSecond,
    out: run.folder, model: run.modelPath, metrics: run.metricsPath, templatesPng, templatesSvg, report,
  };
}

/** The --penalty option as a Penalty (--beta is read for the elastic net only). */
function penaltyOption(name: string, beta: string | undefined): Penalty {
  if (name === 'l2') return l2;
  if (name === 'l1') return l1;
  if (name === 'elastic-net') return elasticNet(numberOption('beta', beta ?? '1', { min: 0 }));
  throw new ConfigError(`--penalty: expected 'l2', 'l1' or 'elastic-net', got '${name}'`);
}
