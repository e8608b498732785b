/**
 * The real Fashion-MNIST files from the Debian package dataset-fashion-mnist
 * (/usr/share/datasets/fashion-mnist/), checked against shared/datasets/README.md. Skipped with a
 * message when the package is not installed.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { classCounts, type DatasetSplits } from '../../src/data/dataset.ts';
import { FASHION_MNIST_CLASS_NAMES, FASHION_MNIST_DEFAULT_FOLDER, loadFashionMnist } from '../../src/data/idx.ts';

const present = fs.existsSync(path.join(FASHION_MNIST_DEFAULT_FOLDER, 'train-images-idx3-ubyte.gz'));
const skipMessage =
  `Fashion-MNIST not installed at ${FASHION_MNIST_DEFAULT_FOLDER}: ` +
  'apt-get update && apt-get install -y dataset-fashion-mnist';

describe('Fashion-MNIST (Debian package)', () => {
  let splits: DatasetSplits;
  let loadMilliseconds = 0;
  before(() => {
    if (!present) return;
    const start = performance.now();
    splits = loadFashionMnist();
    loadMilliseconds = performance.now() - start;
  });

  it('has 60,000 training images (6,000 per class) and 10,000 test images (1,000 per class) of 1 x 28 x 28', (t) => {
    if (!present) return t.skip(skipMessage);
    t.diagnostic(`loaded in ${loadMilliseconds.toFixed(0)} ms`);
    const { train, test } = splits;
    assert.deepEqual([train.count, train.channels, train.height, train.width], [60000, 1, 28, 28]);
    assert.equal(test.count, 10000);
    assert.deepEqual(classCounts(train), new Array(10).fill(6000));
    assert.deepEqual(classCounts(test), new Array(10).fill(1000));
    assert.deepEqual(train.classNames, FASHION_MNIST_CLASS_NAMES);
  });

  it('first ten training labels are 9, 0, 0, 3, 0, 2, 7, 2, 5, 5', (t) => {
    if (!present) return t.skip(skipMessage);
    assert.deepEqual([...splits.train.labels.subarray(0, 10)], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    assert.equal(splits.train.classNames[9], 'Ankle boot');
  });

  it('pixels span 0..255 with a mostly black background', (t) => {
    if (!present) return t.skip(skipMessage);
    const first = splits.train.pixels.subarray(0, 784);
    assert.equal(Math.min(...first), 0);
    assert.equal(first[0], 0, 'the top-left corner is background');
    assert.ok(Math.max(...first) > 200, 'the first image has bright ink');
  });
});
