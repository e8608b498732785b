/**
 * `npm start`: the main job, on whatever data this machine has, in about three minutes.
 *
 *   1. A linear classifier (softmax, L2, minibatch SGD) — its class templates show what a linear
 *      model learns from raw pixels.
 *   2. A small convnet (the ConvNetJS CIFAR-10 network, on 2 worker threads, Adam with a cosine
 *      schedule, flips and 2-px shifts) trained for a fixed time budget.
 *
 * Data: CIFAR-10 when it can be found (./datasets/, $CIFAR10_PATH, ../shared/datasets/cifar10/),
 * otherwise the small generated image set embedded in the library, so a fresh machine with no
 * downloads still runs end to end. Each part writes a run folder with its model, metrics and a
 * self-contained report.html, and the paths are printed at the end.
 */
import { numberOption, parseOptions } from './args.ts';
import { runLinear } from './linear-command.ts';
import { defaultTrainOptions, runTraining } from './train-command.ts';
import { CONVNETJS_CIFAR10_NET } from './train-setup.ts';
import { formatDuration } from './progress.ts';
import { loadData } from './datasets.ts';

const DESCRIPTION = 'The main job: a linear classifier and a small convnet on CIFAR-10 (or the embedded generated set), with reports.';

const OPTIONS = {
  data: { type: 'string', value: '<name|path>', default: 'auto', help: 'cifar10, fashion-mnist, generated, auto, or a dataset path' },
  seconds: { type: 'string', value: '<s>', default: '100', help: 'training-time budget of the convnet', number: { min: 1 } },
  workers: { type: 'string', value: '<n>', default: '2', help: 'threads for the convnet', number: { integer: true, min: 1, max: 64 } },
  out: { type: 'string', value: '<dir>', default: 'runs/start', help: 'folder for both runs' },
} as const;

export async function startCommand(argv: string[]): Promise<number> {
  const options = parseOptions('start', DESCRIPTION, OPTIONS, argv);
  if (!options) return 0;
  const started = performance.now();
  const out = options.out ?? 'runs/start';
  const budget = numberOption('seconds', options.seconds, { min: 1 });
  const log = (text: string) => console.log(text);

  const data = loadData(options.data ?? 'auto');
  log('── 1/2 linear classifier s = Wx + b (softmax, L2, minibatch SGD) ──');
  const linear = await runLinear({
    data: options.data, loss: 'softmax', epochs: '5', batch: '200', lr: '0.01', 'lr-decay': '0.8', reg: '0.01',
    seed: '1', 'train-limit': undefined, out: `${out}/linear`, json: false,
  }, log, data);
  log(`linear classifier: test accuracy ${(100 * linear.testAccuracy).toFixed(2)}% (${linear.totalSeconds.toFixed(0)} s)`);

  log('\n── 2/2 convnet (ConvNetJS CIFAR-10 architecture), Adam + cosine schedule, flips and shifts ──');
  const convnet = await runTraining({
    ...defaultTrainOptions(),
    data: options.data, net: undefined, optimizer: 'adam', lr: '0.002', schedule: 'cosine', epochs: '3', batch: '32',
    'max-seconds': String(budget), 'eval-limit': '2000', workers: options.workers, seed: '1', out: `${out}/convnet`,
    'no-report': false, json: false,
  }, log, false, new Set(), data);

  const total = (performance.now() - started) / 1000;
  log('\n── summary ──');
  log(`data:              ${linear.dataDescription}`);
  log(`linear classifier: ${(100 * linear.testAccuracy).toFixed(2)}% test accuracy`);
  log(`convnet:           ${(100 * convnet.testAccuracy).toFixed(2)}% test accuracy after ${convnet.result.steps} steps ` +
    `(${Math.round(convnet.result.examplesPerSecond)} examples/s; net ${CONVNETJS_CIFAR10_NET})`);
  log(`total time:        ${formatDuration(total)}`);
  log(`linear run:  ${linear.out}  (templates: ${linear.templatesPng})`);
  log(`convnet run: ${convnet.run.folder}`);
  log(`report:      ${linear.report}`);
  log(`report:      ${convnet.reportPath}`);
  return 0;
}
