/**
 * `eval`: accuracy and confusion matrix of a saved model on a dataset's test split.
 */
import { ConfigError } from '../errors.ts';
import { channelStatistics } from '../data/dataset.ts';
import { evaluate } from '../train/evaluate.ts';
import { numberOption, parseOptions } from './args.ts';
import { loadData } from './datasets.ts';
import { checkModelFitsData, loadModel } from './model-loading.ts';
import { toJsonLine } from './run-directory.ts';

const DESCRIPTION = 'Evaluate a saved model (model.json or a run folder) on the test split of a dataset.';

const OPTIONS = {
  model: { type: 'string', value: '<file|dir>', help: 'model.json or a run folder (required)' },
  data: { type: 'string', value: '<name|path>', default: 'auto', help: 'cifar10, fashion-mnist, generated, auto, or a dataset path' },
  limit: { type: 'string', value: '<n>', help: 'evaluate only the first n test images', number: { integer: true, min: 1 } },
  json: { type: 'boolean', help: 'print one JSON line (accuracy, loss, confusion matrix)' },
} as const;

export async function evalCommand(argv: string[]): Promise<number> {
  const options = parseOptions('eval', DESCRIPTION, OPTIONS, argv);
  if (!options) return 0;
  if (!options.model) throw new ConfigError('eval: --model <model.json|run folder> is required');
  const limit = options.limit === undefined ? undefined : numberOption('limit', options.limit, { min: 1, integer: true });
  const { net, file, source } = loadModel(options.model);
  // The training split serves only the channel statistics of a model file without them.
  const data = await loadData(options.data ?? 'auto', { ...(limit ? { testLimit: limit } : {}), testOnly: file.preprocessing !== undefined });
  const test = data.splits.test;
  checkModelFitsData(net, source, test);
  const preprocessing = file.preprocessing ?? channelStatistics(data.splits.train);
  const result = evaluate(net, test, preprocessing);
  const classNames = file.classNames ?? [...test.classNames];
  if (options.json) {
    console.log(toJsonLine({ model: source, data: data.kind, count: result.count, accuracy: result.accuracy, loss: result.loss, confusion: Array.from(result.confusion) }));
    return 0;
  }
  console.log(`model: ${source}\ndata: ${data.description}`);
  console.log(`accuracy: ${(100 * result.accuracy).toFixed(2)}% of ${result.count} test images${Number.isFinite(result.loss) ? `, mean loss ${result.loss.toFixed(4)}` : ''}`);
  const k = classNames.length;
  const width = Math.max(6, ...classNames.map((n) => n.length));
  console.log(`\nconfusion matrix (rows: true class, columns: predicted)\n${''.padEnd(width)} ${classNames.map((_, j) => String(j).padStart(5)).join('')}   recall`);
  for (let i = 0; i < k; i++) {
    const row = Array.from(result.confusion.subarray(i * k, (i + 1) * k));
    const total = row.reduce((a, b) => a + b, 0);
    console.log(`${classNames[i].padEnd(width)} ${row.map((v) => String(v).padStart(5)).join('')}   ${total ? ((100 * row[i]) / total).toFixed(1) : '-'}%`);
  }
  return 0;
}
