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

const OPTIONS = {
  net: { type: 'string', value: '<definition|file>', help: `compact string, JSON, or a file (default: ${CONVNETJS_CIFAR10_NET})` },
  input: { type: 'string', value: '<CxHxW>', default: '3x32x32', help: 'input shape when the definition has none' },
  model: { type: 'string', value: '<file|dir>', help: 'a saved model instead of --net' },
  json: { type: 'boolean', help: 'print the rows as JSON' },
} as const;

export async function summaryCommand(argv: string[]): Promise<number> {
  const options = parseOptions('summary', DESCRIPTION, OPTIONS, argv);
  if (!options) return 0;
  let net;
  if (options.model) {
    net = loadModel(options.model).net;
  } else {
    const input = (options.input ?? '3x32x32').split('x').map(Number);
    if (input.length === 0 || input.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new ConfigError(`--input: expected a shape like 3x32x32 or 784, got '${options.input}'`);
    }
    net = buildNet(resolveDefinition(options.net ?? CONVNETJS_CIFAR10_NET, input), new Rng(1));
  }
  console.log(options.json ? toJsonLine(summaryRows(net)) : formatSummary(net));
  return 0;
}
