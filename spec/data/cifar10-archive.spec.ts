/**
 * The real CIFAR-10 archive (../shared/datasets/cifar10/cifar-10-binary.tar.gz, relative to the
 * repository root), checked against the figures in shared/datasets/README.md. Loaded ONCE for the
 * whole file (streaming the 173 MB archive takes about 3 s); skipped with a message when absent.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { CIFAR10_CLASS_NAMES, loadCifar10 } from '../../src/data/cifar10.ts';
import { channelStatistics, classCounts, type DatasetSplits } from '../../src/data/dataset.ts';

const archive = fileURLToPath(new URL('../../../shared/datasets/cifar10/cifar-10-binary.tar.gz', import.meta.url));
const present = fs.existsSync(archive);
const skipMessage = `CIFAR-10 archive not found at ${archive}; see shared/datasets/README.md`;

describe('CIFAR-10 archive', () => {
  let splits: DatasetSplits;
  let loadMilliseconds = 0;
  before(async () => {
    if (!present) return;
    const start = performance.now();
    splits = await loadCifar10(archive);
    loadMilliseconds = performance.now() - start;
  });

  it('has 50,000 training images (5,000 per class) and 10,000 test images (1,000 per class)', (t) => {
    if (!present) return t.skip(skipMessage);
    t.diagnostic(`loaded the archive in ${loadMilliseconds.toFixed(0)} ms`);
    const { train, test } = splits;
    assert.equal(train.count, 50000);
    assert.equal(test.count, 10000);
    assert.deepEqual([train.channels, train.height, train.width], [3, 32, 32]);
    assert.deepEqual(classCounts(train), new Array(10).fill(5000));
    assert.deepEqual(classCounts(test), new Array(10).fill(1000));
    assert.deepEqual(train.classNames, CIFAR10_CLASS_NAMES);
  });

  it('keeps the batch order: data_batch_1 comes first, with its documented class counts', (t) => {
    if (!present) return t.skip(skipMessage);
    const firstBatch = { ...splits.train, count: 10000, labels: splits.train.labels.subarray(0, 10000) };
    assert.deepEqual(classCounts(firstBatch), [967, 1047, 1062, 971, 989, 974, 980, 1002, 1007, 1001]);
  });

  it('first test record is a deer (label 4) whose top-left pixel is R, G, B = 20, 26, 22', (t) => {
    if (!present) return t.skip(skipMessage);
    const { test } = splits;
    assert.equal(test.labels[0], 4);
    assert.equal(test.classNames[test.labels[0]], 'deer');
    // NCHW: R plane at 0, G plane at 1024, B plane at 2048
    assert.deepEqual([test.pixels[0], test.pixels[1024], test.pixels[2048]], [20, 26, 22]);
  });

  it('training channel means and stds match the README (R 125.27, G 122.93, B 113.86; 62.53, 61.91, 66.46)', (t) => {
    if (!present) return t.skip(skipMessage);
    const { mean, std } = channelStatistics(splits.train);
    const rounded = (values: readonly number[]): number[] => values.map((v) => Math.round(v * 100) / 100);
    assert.deepEqual(rounded(mean), [125.27, 122.93, 113.86]);
    assert.deepEqual(rounded(std), [62.53, 61.91, 66.46]);
  });
});
