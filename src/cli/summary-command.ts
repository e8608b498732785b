/**
 * `summary`: the layer table (output shapes, parameter counts) of a definition or a saved model.
 */
import { ConfigError } from '../errors.ts';
import { buildNet } from '../nn/build-net.ts';
import { formatSummary, summaryRows } from '../nn/summary.ts';
import { Rng } from '../tensor/rng.ts';
import { parseOptions } from './args.ts';
import { loadModel } from './model-loading.ts';
import { toJsonLine } from './run-directory.ts';
import { CONVNETJS_CIFAR10_NET, resolveDefinition } from './train-setup.ts';

const DESCRIPTION = 'Print the layer table of a network definition or a saved model.';

/** --input: a per-example shape such as 3x32x32 (C×H×W) or 784, every dimension a positive integer. */
export function parseInputShape(raw: string): number[] {
  const shape = raw.split('x').map(Number);
  if (raw.trim() === '' || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ConfigError(`--input: expected a shape like 3x32x32 or 784, got '${raw}'`);
  }
  return shape;
}

const OPTIONS = {
  net: { type: 'string', value: '<definition|file>', help: `compact string, JSON, or a file (default: ${CONVNETJS_CIFAR10_NET})` },
  input: { type: 'string', value: '<CxHxW>', help: 'input shape when the definition has none (default: 3x32x32)', check: (raw: string) => void parseInputShape(raw) },
  model: { type: 'string', value: '<file|dir>', help: 'a saved model instead of --net (its own input shape is used)' },
  json: { type: 'boolean', help: 'print the rows as JSON' },
} as const;

/**
 * The same path as `train`: resolveDefinition, then buildNet (which checks geometry, size caps and the
 * loss layer), so whatever summary prints, train accepts, and what train refuses, summary refuses.
 */
export async function summaryCommand(argv: string[]): Promise<number> {
  const options = parseOptions('summary', DESCRIPTION, OPTIONS, argv);
  if (!options) return 0;
  let net;
  if (options.model) {
    if (options.net !== undefined || options.input !== undefined) {
      throw new ConfigError(`summary: --model brings its own definition and input shape; leave out ${options.net !== undefined ? '--net' : '--input'}`);
    }
    net = loadModel(options.model).net;
  } else {
    const input = parseInputShape(options.input ?? '3x32x32');
    const definition = resolveDefinition(options.net ?? CONVNETJS_CIFAR10_NET, input);
    const own = definition[0].type === 'input' ? definition[0].shape : input;
    if (options.input !== undefined && own.join('x') !== input.join('x')) {
      throw new ConfigError(`summary: --input ${options.input} disagrees with the definition's own input layer ${own.join('x')}; leave one out`);
    }
    net = buildNet(definition, new Rng(1));
  }
  console.log(options.json ? toJsonLine(summaryRows(net)) : formatSummary(net));
  return 0;
}
