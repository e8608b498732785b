/**
 * `--data` for every command: which dataset to load, resolved the same way everywhere.
 *
 *   --data cifar10            CIFAR-10 from $CIFAR10_PATH, ./datasets/, or ../shared/datasets/cifar10/
 *   --data fashion-mnist      Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist/)
 *   --data generated          the small generated image set embedded in the library (always there)
 *   --data auto               CIFAR-10 when found, else the generated set (what `npm start` uses)
 *   --data <path>             a CIFAR-10 archive or folder, or a folder of IDX files
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, DataError } from '../errors.ts';
import { findCifar10, loadCifar10, resolveCifar10Location } from '../data/cifar10.ts';
import type { DatasetSplits } from '../data/dataset.ts';
import { generateImageDataset } from '../data/generated-images.ts';
import { MNIST_CLASS_NAMES, findFashionMnist, loadFashionMnist, loadIdxFolder } from '../data/idx.ts';
import { Rng } from '../tensor/rng.ts';

export interface LoadedData {
  splits: DatasetSplits;
  /** What was used, for the user: "CIFAR-10 from /path (50,000 train, 10,000 test)". */
  description: string;
  kind: 'cifar10' | 'fashion-mnist' | 'mnist' | 'generated';
  source: string | null;
}

export interface DataLimits {
  trainLimit?: number;
  testLimit?: number;
  /**
   * The caller uses the test split alone (eval, report, fold of a model file that carries its
   * preprocessing): one training image is loaded instead of all of them — every split must hold one —
   * and the description counts the test images only.
   */
  testOnly?: boolean;
}

function describe(kind: string, source: string | null, splits: DatasetSplits, limits: DataLimits): string {
  const testCount = `${splits.test.count.toLocaleString('en-US')} test`;
  const counts = limits.testOnly ? `${testCount} images` : `${splits.train.count.toLocaleString('en-US')} train, ${testCount}`;
  return `${kind}${source ? ` from ${source}` : ''} (${counts}, ${splits.train.channels}×${splits.train.height}×${splits.train.width})`;
}

function generated(limits: DataLimits): LoadedData {
  const splits = generateImageDataset(new Rng(2024), {
    ...(limits.trainLimit ? { trainCount: limits.trainLimit } : {}),
    ...(limits.testLimit ? { testCount: limits.testLimit } : {}),
  });
  return { splits, kind: 'generated', source: null, description: describe('the embedded generated image set', null, splits, limits) };
}

async function cifar(location: string, limits: DataLimits): Promise<LoadedData> {
  const splits = await loadCifar10(location, limits);
  return { splits, kind: 'cifar10', source: location, description: describe('CIFAR-10', location, splits, limits) };
}

/**
 * Loads the dataset named by `spec` (see the module comment). Asynchronous: CIFAR-10's archive is
 * streamed (src/data/cifar10.ts).
 * @throws (rejects with) DataError when a split holds no image: "accuracy 0.00 % of 0" would be true and useless.
 */
export async function loadData(spec: string, limits: DataLimits = {}): Promise<LoadedData> {
  const loaded = await loadDataUnchecked(spec, limits.testOnly ? { ...limits, trainLimit: 1 } : limits);
  for (const split of ['train', 'test'] as const) {
    if (loaded.splits[split].count === 0) {
      throw new DataError(`${loaded.source ?? spec}: the ${split} split holds 0 images; training and testing need at least one`);
    }
  }
  return loaded;
}

async function loadDataUnchecked(spec: string, limits: DataLimits): Promise<LoadedData> {
  switch (spec) {
    case 'generated':
      return generated(limits);
    case 'auto': {
      const found = findCifar10();
      return found ? cifar(found, limits) : generated(limits);
    }
    case 'cifar10': {
      const found = findCifar10();
      if (!found) {
        throw new DataError(
          'CIFAR-10 not found: download it with `npx tsx src/cli.ts download cifar10`, put cifar-10-binary.tar.gz ' +
            '(or its unpacked cifar-10-batches-bin/) in ./datasets/, set CIFAR10_PATH, or pass --data <path>',
        );
      }
      return cifar(found, limits);
    }
    case 'fashion-mnist': {
      const found = findFashionMnist();
      if (!found) {
        throw new DataError(
          'Fashion-MNIST not found in ./datasets/fashion-mnist/ or /usr/share/datasets/fashion-mnist/: download it with ' +
            '`npx tsx src/cli.ts download fashion-mnist`, apt-get install dataset-fashion-mnist, or pass --data <folder>',
        );
      }
      const splits = loadFashionMnist(found, limits);
      return { splits, kind: 'fashion-mnist', source: found, description: describe('Fashion-MNIST', found, splits, limits) };
    }
    default: {
      const location = path.resolve(spec);
      if (!fs.existsSync(location)) {
        throw new ConfigError(`--data: '${spec}' is neither a dataset name (cifar10, fashion-mnist, generated, auto) nor an existing path`);
      }
      if (resolveCifar10Location(location)) return cifar(location, limits);
      const splits = loadIdxFolder(location, 'idx', MNIST_CLASS_NAMES, limits);
      return { splits, kind: 'mnist', source: location, description: describe('IDX images', location, splits, limits) };
    }
  }
}
