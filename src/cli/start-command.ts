/**
 * `npm start`: the main job, on whatever data this machine has, in about three minutes.
 *
 *   1. A linear classifier (softmax, L2, minibatch SGD) — its class templates show what a linear
 *      model learns from raw pixels.
 *   2. A small convnet (the ConvNetJS CIFAR-10 network, on 2 worker threads, Adam with a cosine
 *      schedule, flips and 2-px shifts) trained for a fixed time budget (--seconds, default 100).
 *
 * Data: CIFAR-10 when it can be found (./datasets/, $CIFAR10_PATH, ../shared/datasets/cifar10/),
 * otherwise the small generated image set embedded in the library, so a fresh machine with no
 * downloads still runs end to end — and says so, naming the command that downloads CIFAR-10. Each
 * part writes a run folder with its model, metrics and a self-contained report.html, and the paths
 * are printed at the end.
 *
 * What it prints: the dataset once; each part's epochs; the convnet's progress (a bar on a terminal,
 * a line every 10 s otherwise, on stderr); whether the convnet stopped on its time budget (its model
 * is usable then: the checkpoint and model.json hold the weights of the last step); a summary.
 * `--seconds 1` makes the whole command take a few seconds on the generated set (the specs use it).
 */
import { numberOption, parseOptions } from './args.ts';
import { runLinear } from './linear-command.ts';
import { defaultTrainOptions, runTraining } from './train-command.ts';
import { CONVNETJS_CIFAR10_NET } from './train-setup.ts';
import { formatDuration } from './progress.ts';
import { loadData, type LoadedData } from './datasets.ts';

const DESCRIPTION = 'The main job: a linear classifier and a small convnet on CIFAR-10 (or the embedded generated set), with reports.';

const OPTIONS = {
  data: { type: 'string', value: '<name|path>', default: 'auto', help: 'cifar10, fashion-mnist, generated, auto, or a dataset path' },
  seconds: { type: 'string', value: '<s>', default: '100', help: 'training-time budget of the convnet (it stops there and keeps its model)', number: { min: 1 } },
  workers: { type: 'string', value: '<n>', default: '2', help: 'threads for the convnet', number: { integer: true, min: 1, max: 64 } },
  out: { type: 'string', value: '<dir>', default: 'runs/start', help: 'folder for both runs' },
} as const;

/** The command that fetches CIFAR-10 to where the loaders look first. */
export const DOWNLOAD_CIFAR10 = 'npx tsx src/cli.ts download cifar10';

/** Convnet settings of `npm start` that its messages refer to. */
const CONVNET_EPOCHS = 3;
const CONVNET_BATCH = 32;

/**
 * What to tell the user when the run is on the generated set (null otherwise): with `--data auto` it
 * is a fallback — CIFAR-10 was not found — and the accuracies it reaches (near 100 %) teach little.
 */
export function generatedSetNotice(dataSpec: string, data: Pick<LoadedData, 'kind'>): string | null {
  if (data.kind !== 'generated') return null;
  const why = dataSpec === 'auto'
    ? 'CIFAR-10 was not found (./datasets/, $CIFAR10_PATH, ../shared/datasets/cifar10/), so this runs on the small generated image set embedded in the library'
    : 'this runs on the small generated image set embedded in the library';
  return `note: ${why}: it checks that everything works end to end, but its easy classes teach little. ` +
    `For real images: ${DOWNLOAD_CIFAR10}  (then npm start again)`;
}

/**
 * The line saying how the convnet's training ended. On the time budget it says how far it got and
 * that the model is usable: the trainer writes a checkpoint and model.json at the step it stopped.
 */
export function convnetStopNotice(
  stop: { stoppedBy: 'epochs' | 'maxSteps' | 'maxSeconds' | 'stopRequested'; steps: number },
  budgetSeconds: number, trainCount: number, folder: string,
): string {
  const stepsPerEpoch = Math.ceil(trainCount / CONVNET_BATCH);
  const epochs = `${(stop.steps / stepsPerEpoch).toFixed(2)} of ${CONVNET_EPOCHS} epochs`;
  if (stop.stoppedBy === 'stopRequested') return `convnet: stopped on request after ${stop.steps} steps, ${epochs}; to train on: npx tsx src/cli.ts train --resume ${folder}`;
  if (stop.stoppedBy !== 'maxSeconds') return `convnet: finished its ${CONVNET_EPOCHS} epochs (${stop.steps} steps) within the ${budgetSeconds} s budget`;
  return `convnet: stopped on its time budget (--seconds ${budgetSeconds}) after ${stop.steps} steps, ${epochs}. ` +
    `The model is usable as it is (model.json in ${folder}: eval, predict, report); ` +
    `to train on: npx tsx src/cli.ts train --resume ${folder}  (or npm start -- --seconds <more>)`;
}

export async function startCommand(argv: string[]): Promise<number> {
  const options = parseOptions('start', DESCRIPTION, OPTIONS, argv);
  if (!options) return 0;
  const started = performance.now();
  const out = options.out ?? 'runs/start';
  const budget = numberOption('seconds', options.seconds, { min: 1 });
  const log = (text: string) => console.log(text);

  const dataSpec = options.data ?? 'auto';
  const data = await loadData(dataSpec);
  const notice = generatedSetNotice(dataSpec, data);
  if (notice) log(notice);
  log('── 1/2 linear classifier s = Wx + b (softmax, L2, minibatch SGD) ──');
  const linear = await runLinear({
    data: options.data, loss: 'softmax', epochs: '5', batch: '200', lr: '0.01', 'lr-decay': '0.8', reg: '0.01',
    seed: '1', 'train-limit': undefined, out: `${out}/linear`, json: false,
  }, log, data);
  log(`linear classifier: test accuracy ${(100 * linear.testAccuracy).toFixed(2)}% (${linear.totalSeconds.toFixed(0)} s)`);

  log('\n── 2/2 convnet (ConvNetJS CIFAR-10 architecture), Adam + cosine schedule, flips and shifts ──');
  log(`training for at most ${budget} s (--seconds), ${CONVNET_EPOCHS} epochs of batches of ${CONVNET_BATCH}`);
  const convnet = await runTraining({
    ...defaultTrainOptions(),
    data: options.data, net: undefined, optimizer: 'adam', lr: '0.002', schedule: 'cosine', epochs: String(CONVNET_EPOCHS), batch: String(CONVNET_BATCH),
    'max-seconds': String(budget), 'eval-limit': '2000', workers: options.workers, seed: '1', out: `${out}/convnet`,
    'no-report': false, json: false,
  }, log, false, new Set(), data);
  const stopped = convnetStopNotice(convnet.result, budget, data.splits.train.count, convnet.run.folder);
  log(stopped);

  const total = (performance.now() - started) / 1000;
  log('\n── summary ──');
  log(`dataset:           ${linear.dataDescription}`);
  log(`linear classifier: ${(100 * linear.testAccuracy).toFixed(2)}% test accuracy`);
  log(`convnet:           ${(100 * convnet.testAccuracy).toFixed(2)}% test accuracy after ${convnet.result.steps} steps` +
    `${convnet.result.stoppedBy === 'maxSeconds' ? `, stopped on its ${budget} s budget` : ''} ` +
    `(${Math.round(convnet.result.examplesPerSecond)} examples/s; net ${CONVNETJS_CIFAR10_NET})`);
  log(`total time:        ${formatDuration(total)}`);
  log(`linear run:  ${linear.out}  (templates: ${linear.templatesPng})`);
  log(`convnet run: ${convnet.run.folder}`);
  log(`report:      ${linear.report}`);
  log(`report:      ${convnet.reportPath}`);
  if (notice) log(notice);
  return 0;
}
