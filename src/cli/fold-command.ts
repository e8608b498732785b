/**
 * `fold`: folds the batch normalization of a saved model into the conv/fc layers before it
 * (src/nn/fold-batch-norm.ts) and writes the plain network as a new model file.
 *
 *   npx tsx src/cli.ts fold --model runs/cifar10-bn --out runs/cifar10-bn/folded.json --data cifar10
 *
 * With --data, both models are evaluated on the test split, so the accuracy of the folded network —
 * the one without batchnorm layers — is measured, not assumed.
 */
import * as path from 'node:path';
import { ConfigError } from '../errors.ts';
import { channelStatistics } from '../data/dataset.ts';
import { writeFileAtomicSync } from '../io/atomic-write.ts';
import { foldBatchNorm } from '../nn/fold-batch-norm.ts';
import { netToModelFile } from '../nn/model-file.ts';
import { formatSummary } from '../nn/summary.ts';
import { evaluate } from '../train/evaluate.ts';
import { numberOption, parseOptions } from './args.ts';
import { loadData } from './datasets.ts';
import { checkModelFitsData, loadModel } from './model-loading.ts';
import { toJsonLine } from './run-directory.ts';

const DESCRIPTION = 'Fold batch normalization into the conv/fc layer before it; writes the plain network as a model file.';

const OPTIONS = {
  model: { type: 'string', value: '<file|dir>', help: 'model.json or a run folder (required)' },
  out: { type: 'string', value: '<file>', help: 'where to write the folded model (default: folded.json next to the model)' },
  data: { type: 'string', value: '<name|path>', help: 'also evaluate both models on this dataset\'s test split (cifar10, fashion-mnist, ...)' },
  limit: { type: 'string', value: '<n>', help: 'evaluate only the first n test images (with --data)', number: { integer: true, min: 1 } },
  json: { type: 'boolean', help: 'print one JSON line' },
} as const;

export async function foldCommand(argv: string[]): Promise<number> {
  const options = parseOptions('fold', DESCRIPTION, OPTIONS, argv);
  if (!options) return 0;
  if (!options.model) throw new ConfigError('fold: --model <model.json|run folder> is required');
  if (options.limit !== undefined && options.data === undefined) throw new ConfigError('fold: --limit counts test images of --data; give --data too, or leave --limit out');
  const { net, file, source } = loadModel(options.model);
  const { net: folded, definition, folded: names } = foldBatchNorm(net, file.definition);
  if (names.length === 0) throw new ConfigError(`fold: ${source} has no batchnorm layer directly after a conv or fc layer; nothing to fold`);
  const out = options.out ?? path.join(path.dirname(source), 'folded.json');
  if (path.resolve(out) === path.resolve(source)) throw new ConfigError(`fold: --out ${out} is the model being folded; write the folded network to another file`);
  const model = netToModelFile(folded, definition, {
    ...(file.classNames ? { classNames: file.classNames } : {}),
    ...(file.preprocessing ? { preprocessing: file.preprocessing } : {}),
  });
  writeFileAtomicSync(out, toJsonLine(model));

  let accuracies: { original: number; folded: number; count: number; changedPredictions: number } | undefined;
  if (options.data) {
    const limit = options.limit === undefined ? undefined : numberOption('limit', options.limit, { min: 1, integer: true });
    // The training split is needed only for the channel statistics of a model file without them:
    // otherwise keep one training image (loadData refuses an empty split), not 50,000 (150 MB for CIFAR-10).
    const data = await loadData(options.data, { ...(limit ? { testLimit: limit } : {}), testOnly: file.preprocessing !== undefined });
    checkModelFitsData(net, source, data.splits.test);
    const preprocessing = file.preprocessing ?? channelStatistics(data.splits.train);
    const before = evaluate(net, data.splits.test, preprocessing);
    const after = evaluate(folded, data.splits.test, preprocessing);
    let changedPredictions = 0;
    for (let i = 0; i < before.count; i++) if (before.predictions[i] !== after.predictions[i]) changedPredictions++;
    accuracies = { original: before.accuracy, folded: after.accuracy, count: before.count, changedPredictions };
  }
  if (options.json) {
    console.log(toJsonLine({
      model: source, out, foldedLayers: names, parameters: { original: net.parameterCount(), folded: folded.parameterCount() },
      ...(accuracies ? { count: accuracies.count, accuracy: { original: accuracies.original, folded: accuracies.folded }, changedPredictions: accuracies.changedPredictions } : {}),
    }));
    return 0;
  }
  console.log(`folded ${names.join(', ')} of ${source} into the layers before them; wrote ${out}\n`);
  console.log(formatSummary(folded));
  if (accuracies) {
    const percent = (value: number) => `${(100 * value).toFixed(2)}%`;
    console.log(`\ntest accuracy on ${accuracies.count} images: ${percent(accuracies.original)} with batchnorm, ${percent(accuracies.folded)} folded ` +
      `(${accuracies.changedPredictions} predictions changed by float32 rounding)`);
  }
  return 0;
}
