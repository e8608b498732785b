/**
 * `report <run-dir>`: (re)writes the pictures and report.html of a run folder from its model.json and
 * metrics.jsonl, evaluating on the dataset the run was trained on (from run.json) or on --data.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../errors.ts';
import { channelStatistics } from '../data/dataset.ts';
import { formatSummary } from '../nn/summary.ts';
import { parseOptions } from './args.ts';
import { loadData } from './datasets.ts';
import { checkModelFitsData, loadModel } from './model-loading.ts';
import { RunDirectory, readJsonFile } from './run-directory.ts';
import { writeRunReport } from './write-report.ts';
import { pngFileToInput } from './predict-command.ts';

const DESCRIPTION = 'Write report.html (curves, confusion matrix, filters, activations, predictions) for a run folder. Usage: report <run-dir>';

const OPTIONS = {
  data: { type: 'string', value: '<name|path>', help: "dataset to evaluate on (default: the run's own, from run.json)" },
  image: { type: 'string', value: '<png>', help: 'draw the activation maps of this image (default: the first test image)' },
} as const;

export async function reportCommand(argv: string[]): Promise<number> {
  const positional: string[] = [];
  const options = parseOptions('report', DESCRIPTION, OPTIONS, argv, positional);
  if (!options) return 0;
  if (positional.length !== 1) throw new ConfigError(`report: expected one run folder, got ${positional.length} arguments`);
  const folder = positional[0];
  if (options.image !== undefined && !(fs.existsSync(options.image) && fs.statSync(options.image).isFile())) {
    throw new ConfigError(`--image: '${options.image}' is not a PNG file that exists`);
  }
  const { net, file } = loadModel(folder);
  const runJson = path.join(folder, 'run.json');
  const saved = fs.existsSync(runJson) ? (readJsonFile(runJson) as { data?: string }) : {};
  // The training split serves only the channel statistics of a model file without them.
  const data = await loadData(options.data ?? saved.data ?? 'auto', { testOnly: file.preprocessing !== undefined });
  checkModelFitsData(net, path.join(folder, 'model.json'), data.splits.test);
  const preprocessing = file.preprocessing ?? channelStatistics(data.splits.train);
  const activationInput = options.image
    ? { input: pngFileToInput(options.image, net.inputShape, preprocessing).input, label: path.basename(options.image) }
    : undefined;
  const report = writeRunReport({
    ...(activationInput ? { activationInput } : {}),
    run: new RunDirectory(folder), net, definition: file.definition, summaryText: formatSummary(net), test: data.splits.test,
    preprocessing, classNames: file.classNames ?? [...data.splits.test.classNames], title: `convnet-ts run: ${path.basename(path.resolve(folder))}`,
  });
  console.log(`report: ${report}`);
  return 0;
}
