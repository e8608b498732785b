#!/usr/bin/env node
/**
 * convnet-ts command line: `npx tsx src/cli.ts <command> [options]`.
 *
 * Each command lives in its own module and is imported only when it runs, so `--help` is instant
 * and one command's heavy imports never slow another. Every command returns its exit code:
 * 0 success, 1 a failure it reported, 2 a usage error.
 */
import { ConfigError, DataError, ShapeError } from './errors.ts';

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
  demo: {
    summary: 'serve the browser demos (circuit, 2-D classification, CIFAR-10 live) on 127.0.0.1',
    load: async () => (await import('./cli/demo-command.ts')).demoCommand,
  },
  bench: {
    summary: 'benchmark GEMM, convolution and pooling kernels (medians, side-by-side ratios)',
    load: async () => (await import('./bench/bench-command.ts')).benchCommand,
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
    'Run a command with --help for its options.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const entry = commands[name];
  if (!entry) {
    console.error(`convnet-ts: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const run = await entry.load();
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Typed errors carry a complete message for the user; anything else is a bug: show the stack.
    if (error instanceof ConfigError || error instanceof DataError || error instanceof ShapeError) {
      console.error(`${error.name}: ${error.message}`);
    } else {
      console.error(error);
    }
    process.exitCode = 1;
  },
);
