#!/usr/bin/env node
/**
 * convnet-ts command line: `npx tsx src/cli.ts <command> [options]`.
 *
 * Each command lives in its own module and is imported only when it runs, so `--help` is instant
 * and one command's heavy imports never slow another. Every command returns its exit code (0 success,
 * 1 a failure it reported); an error that reaches the top is printed as one line with its class's
 * exit code, or with its stack if nobody anticipated it (src/cli/top-level-error.ts; the codes are
 * EXIT_CODES in src/errors.ts).
 */
import { relaunchOutsideTsxLauncher, runningUnderTsxLauncher, stopWhenLauncherGoes } from './cli/tsx-relaunch.ts';
import * as fs from 'node:fs';
import { EXIT_CODES } from './errors.ts';
import { didYouMean } from './cli/did-you-mean.ts';
import { describeTopLevelError } from './cli/top-level-error.ts';

interface CommandEntry {
  summary: string;
  load: () => Promise<(argv: string[]) => Promise<number>>;
}

const commands: Record<string, CommandEntry> = {
  start: {
    summary: 'the main job: train on CIFAR-10 if found (else an embedded generated set) and report',
    load: async () => (await import('./cli/start-command.ts')).startCommand,
  },
  linear: {
    summary: 'train a linear classifier s = Wx + b (SVM or softmax) and write its class templates',
    load: async () => (await import('./cli/linear-command.ts')).linearCommand,
  },
  train: {
    summary: 'train a network definition on a dataset (checkpoints, --resume, metrics, report)',
    load: async () => (await import('./cli/train-command.ts')).trainCommand,
  },
  eval: {
    summary: 'accuracy and confusion matrix of a saved model on a test set',
    load: async () => (await import('./cli/eval-command.ts')).evalCommand,
  },
  predict: {
    summary: 'top-3 classes of a saved model for PNG images',
    load: async () => (await import('./cli/predict-command.ts')).predictCommand,
  },
  fold: {
    summary: 'fold batch normalization into the conv/fc layers before it; writes the plain network',
    load: async () => (await import('./cli/fold-command.ts')).foldCommand,
  },
  summary: {
    summary: 'layer table (output shapes, parameters) of a definition or model',
    load: async () => (await import('./cli/summary-command.ts')).summaryCommand,
  },
  gradcheck: {
    summary: 'numerical gradient check of every layer type, printed as a table',
    load: async () => (await import('./cli/gradcheck-command.ts')).gradcheckCommand,
  },
  report: {
    summary: 'write report.html and the pictures of a run folder',
    load: async () => (await import('./cli/report-command.ts')).reportCommand,
  },
  explain: {
    summary: 'what a trained net learned: occlusion, saliency, top patches, class models, t-SNE (PNG + explain.html)',
    load: async () => (await import('./cli/explain-command.ts')).explainCommand,
  },
  demo: {
    summary: 'serve the browser demos (circuit, 2-D classification, CIFAR-10 live) on 127.0.0.1',
    load: async () => (await import('./cli/demo-command.ts')).demoCommand,
  },
  bench: {
    summary: 'benchmark GEMM, convolution and pooling kernels (medians, side-by-side ratios)',
    load: async () => (await import('./bench/bench-command.ts')).benchCommand,
  },
  'export-onnx': {
    summary: 'write a saved model as an ONNX file (raw 0..255 pixels in, probabilities out)',
    load: async () => (await import('./cli/export-onnx-command.ts')).exportOnnxCommand,
  },
  import: {
    summary: 'convert an ONNX or ConvNetJS model into a model.json',
    load: async () => (await import('./cli/import-command.ts')).importCommand,
  },
  vectors: {
    summary: 'regenerate the port kit: language-neutral spec vectors (spec/vectors/*.json)',
    load: async () => (await import('./cli/vectors-command.ts')).vectorsCommand,
  },
  download: {
    summary: 'download cifar10 or fashion-mnist from the official address, MD5-verified, into ./datasets/',
    load: async () => (await import('./cli/download-command.ts')).downloadCommand,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return [
    'usage: npx tsx src/cli.ts <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'Run a command with --help for its options; --version prints the version.',
    '',
    'exit codes:',
    ...EXIT_CODE_LINES.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`),
  ].join('\n');
}

/** The exit-code table of `--help` (EXIT_CODES in src/errors.ts). */
const EXIT_CODE_LINES: Array<[number | string, string]> = [
  [EXIT_CODES.success, 'done'],
  [EXIT_CODES.failed, 'the command ran and reported a failure (e.g. a gradient check failed)'],
  [EXIT_CODES.config, 'usage or configuration (ConfigError): unknown command or option, bad value, invalid definition'],
  [EXIT_CODES.data, 'data (DataError): a dataset, model or checkpoint file is missing, truncated or malformed'],
  [EXIT_CODES.shape, 'shapes (ShapeError): a tensor does not fit the layer it is given to'],
  [EXIT_CODES.diverged, 'training diverged (TrainingDivergedError)'],
  [EXIT_CODES.fileSystem, 'file system (FileSystemError): missing path, not a folder, permission denied, disk full'],
  [EXIT_CODES.locked, 'the run folder is in use by another process'],
  [`${EXIT_CODES.interrupted}/${EXIT_CODES.terminated}`, 'interrupted by SIGINT / SIGTERM'],
  [EXIT_CODES.internal, 'an unexpected error: a bug (printed with its stack)'],
];

/** The version in package.json. */
function packageVersion(): string {
  const text = fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? EXIT_CODES.success : EXIT_CODES.config;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    console.log(packageVersion());
    return EXIT_CODES.success;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) {
    const guess = didYouMean(name, Object.keys(commands));
    console.error(`ConfigError: unknown command '${name}'${guess}; commands: ${Object.keys(commands).join(', ')} ('npx tsx src/cli.ts --help' says what each does)`);
    return EXIT_CODES.config;
  }
  // Commands that train stop gracefully on SIGINT/SIGTERM; under the tsx launcher that needs a
  // process of their own (src/cli/tsx-relaunch.ts says why).
  if (LONG_RUNNING.has(name) && runningUnderTsxLauncher() && !rest.includes('--help') && !rest.includes('-h')) {
    return relaunchOutsideTsxLauncher();
  }
  stopWhenLauncherGoes();
  const run = await entry.load();
  return run(rest);
}

/** Commands whose loop runs long synchronous steps (a training) and stops on signals after a step. */
const LONG_RUNNING = new Set(['start', 'train', 'linear']);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Anticipated errors are one line with their class's exit code; anything else is a bug: its stack.
    const report = describeTopLevelError(error);
    console.error(report.text);
    process.exitCode = report.exitCode;
  },
);
