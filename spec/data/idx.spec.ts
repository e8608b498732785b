/**
 * IDX (MNIST-format) loader on small GENERATED files, raw and gzipped, and every error path.
 * The real Fashion-MNIST files are checked in fashion-mnist.spec.ts.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  FASHION_MNIST_CLASS_NAMES,
  MAX_IDX_BYTES,
  idxInflateLimit,
  findFashionMnist,
  loadFashionMnist,
  loadIdxFolder,
  loadIdxPair,
  loadMnist,
  parseIdxImages,
  parseIdxLabels,
  readMaybeGzip,
} from '../../src/data/idx.ts';
import { loadData } from '../../src/cli/datasets.ts';
import { DataError } from '../../src/errors.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'idx-spec-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** An IDX file: big-endian int32 header words, then the payload bytes. */
function idxBytes(header: number[], payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(header.length * 4 + payload.length);
  const view = new DataView(bytes.buffer);
  header.forEach((word, i) => view.setUint32(i * 4, word));
  bytes.set(payload, header.length * 4);
  return bytes;
}

/** count images of 3x2 where pixel p of image n is 10n + p, and labels n mod 10. */
function imagesFile(count: number, height = 3, width = 2): Uint8Array {
  const payload = new Uint8Array(count * height * width);
  for (let i = 0; i < payload.length; i++) payload[i] = 10 * Math.floor(i / (height * width)) + (i % (height * width));
  return idxBytes([2051, count, height, width], payload);
}
function labelsFile(count: number): Uint8Array {
  return idxBytes([2049, count], Uint8Array.from({ length: count }, (_, n) => n % 10));
}

let folderCount = 0;
/** A Fashion-MNIST style folder (4 files); `gzip` chooses .gz files. Overrides replace files by base name. */
function writeFolder(gzip: boolean, overrides: Record<string, Uint8Array | null> = {}): string {
  const folder = path.join(root, `set-${folderCount++}`);
  fs.mkdirSync(folder);
  const files: Record<string, Uint8Array | null> = {
    'train-images-idx3-ubyte': imagesFile(12),
    'train-labels-idx1-ubyte': labelsFile(12),
    't10k-images-idx3-ubyte': imagesFile(4),
    't10k-labels-idx1-ubyte': labelsFile(4),
    ...overrides,
  };
  for (const [name, data] of Object.entries(files)) {
    if (data) fs.writeFileSync(path.join(folder, gzip ? `${name}.gz` : name), gzip ? gzipSync(data) : data);
  }
  return folder;
}

function expectDataError(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

/** The same for `loadData`, which is asynchronous (it streams CIFAR-10). */
async function expectDataRejection(run: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('IDX parsing', () => {
  it('reads the big-endian header and returns the payload', () => {
    const images = parseIdxImages(imagesFile(2), 'x');
    assert.deepEqual([images.count, images.height, images.width], [2, 3, 2]);
    assert.deepEqual([...images.pixels], [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);
    assert.deepEqual([...parseIdxLabels(labelsFile(3), 'y')], [0, 1, 2]);
  });

  it('rejects a wrong magic number, a short header, and a payload of the wrong length', () => {
    expectDataError(() => parseIdxImages(labelsFile(3), 'labels-as-images'), /labels-as-images: not an IDX image file: magic number is 2049, expected 2051/);
    expectDataError(() => parseIdxLabels(imagesFile(3), 'images-as-labels'), /not an IDX label file: magic number is 2051, expected 2049/);
    expectDataError(() => parseIdxImages(imagesFile(1).subarray(0, 10), 'stub'), /stub: 10 bytes is too short for an IDX header \(needs 16\)/);
    const full = imagesFile(2);
    expectDataError(() => parseIdxImages(full.subarray(0, full.length - 1), 'cut'), /cut: truncated: header announces 2 images of 3x2 = 12 bytes, file holds 11/);
    const longer = new Uint8Array(full.length + 1);
    longer.set(full);
    expectDataError(() => parseIdxImages(longer, 'long'), /long: has trailing bytes/);
    const labels = labelsFile(5);
    expectDataError(() => parseIdxLabels(labels.subarray(0, 10), 'labels'), /labels: truncated: header announces 5 labels = 5 bytes, file holds 2/);
  });
});

describe('loadFashionMnist on generated folders', () => {
  for (const gzip of [true, false]) {
    it(`reads ${gzip ? 'gzipped' : 'raw'} IDX files into N x 1 x H x W datasets`, () => {
      const { train, test } = loadFashionMnist(writeFolder(gzip));
      assert.equal(train.name, 'fashion-mnist-train');
      assert.deepEqual([train.count, train.channels, train.height, train.width], [12, 1, 3, 2]);
      assert.deepEqual([...train.labels], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
      assert.equal(train.pixels[11 * 6 + 4], 114);
      assert.equal(test.count, 4);
      assert.deepEqual(test.classNames, FASHION_MNIST_CLASS_NAMES);
    });
  }

  it('keeps the first K images when asked, and MNIST uses digit names', () => {
    const folder = writeFolder(true);
    const { train, test } = loadFashionMnist(folder, { trainLimit: 5, testLimit: 2 });
    assert.deepEqual([train.count, test.count], [5, 2]);
    assert.equal(train.pixels.length, 5 * 6);
    assert.equal(loadMnist(folder).train.classNames[7], '7');
  });

  it('accepts the "train-images.idx3-ubyte" spelling', () => {
    const folder = writeFolder(false);
    fs.renameSync(path.join(folder, 'train-images-idx3-ubyte'), path.join(folder, 'train-images.idx3-ubyte'));
    assert.equal(loadFashionMnist(folder).train.count, 12);
  });
});

describe('IDX loader errors (DataError naming the file)', () => {
  it('image and label counts that differ', () => {
    const folder = writeFolder(true, { 'train-labels-idx1-ubyte': labelsFile(11) });
    expectDataError(() => loadFashionMnist(folder), /train-labels-idx1-ubyte\.gz: holds 11 labels but .*train-images-idx3-ubyte\.gz holds 12 images/);
  });

  it('a label past the class count', () => {
    const labels = labelsFile(4);
    labels[8 + 2] = 10;
    const folder = writeFolder(false, { 't10k-labels-idx1-ubyte': labels });
    expectDataError(() => loadFashionMnist(folder), /t10k-labels-idx1-ubyte: label 2 is 10, expected 0\.\.9/);
  });

  it('a missing file, a truncated gzip and a file with the wrong magic', () => {
    expectDataError(() => loadFashionMnist(writeFolder(true, { 't10k-images-idx3-ubyte': null })), /missing IDX file t10k-images-idx3-ubyte/);
    const folder = writeFolder(true);
    const gz = path.join(folder, 'train-images-idx3-ubyte.gz');
    const whole = fs.readFileSync(gz);
    fs.writeFileSync(gz, whole.subarray(0, whole.length - 8));
    expectDataError(() => loadFashionMnist(folder), /train-images-idx3-ubyte\.gz: corrupt or truncated gzip data/);
    const swapped = writeFolder(false, { 'train-images-idx3-ubyte': labelsFile(12) });
    expectDataError(() => loadFashionMnist(swapped), /train-images-idx3-ubyte: not an IDX image file/);
  });

  it('loadIdxPair names both files when they disagree', () => {
    const folder = writeFolder(false);
    expectDataError(
      () => loadIdxPair(path.join(folder, 'train-images-idx3-ubyte'), path.join(folder, 't10k-labels-idx1-ubyte'), 'mixed', FASHION_MNIST_CLASS_NAMES),
      /holds 4 labels but .* holds 12 images/,
    );
  });
});

describe('findFashionMnist', () => {
  it('returns an explicit folder that holds the files, and fails loudly on one that does not', () => {
    const folder = writeFolder(true);
    assert.equal(findFashionMnist(folder), folder);
    expectDataError(() => findFashionMnist(path.join(root, 'nope')), /Fashion-MNIST not found at .*nope \(the given path\)/);
  });

  it('uses FASHION_MNIST_PATH', () => {
    const saved = process.env.FASHION_MNIST_PATH;
    const folder = writeFolder(false);
    try {
      process.env.FASHION_MNIST_PATH = folder;
      assert.equal(findFashionMnist(), folder);
    } finally {
      if (saved === undefined) delete process.env.FASHION_MNIST_PATH;
      else process.env.FASHION_MNIST_PATH = saved;
    }
  });
});

describe('IDX splits that cannot be used together or at all', () => {
  it('test images of another size than the training images: names both files and both shapes', () => {
    // 14x56 has the same 784 bytes per image as 28x28: read as 28x28 it would "load" and mean nothing.
    const folder = writeFolder(false, { 'train-images-idx3-ubyte': imagesFile(12, 28, 28), 't10k-images-idx3-ubyte': imagesFile(4, 14, 56) });
    expectDataError(
      () => loadFashionMnist(folder),
      /t10k-images-idx3-ubyte: test images are 14x56 but the training images in .*train-images-idx3-ubyte are 28x28/,
    );
    expectDataError(() => loadIdxFolder(folder, 'idx', FASHION_MNIST_CLASS_NAMES), /14x56 .* 28x28/);
  });

  for (const split of ['train', 't10k'] as const) {
    it(`a ${split} split of 0 images is refused (no "accuracy 0.00 % of 0")`, async () => {
      const folder = writeFolder(true, { [`${split}-images-idx3-ubyte`]: imagesFile(0), [`${split}-labels-idx1-ubyte`]: labelsFile(0) });
      expectDataError(() => loadFashionMnist(folder), new RegExp(`${split}-images-idx3-ubyte\\.gz: holds 0 images of 3x2; a split needs at least one image`));
      await expectDataRejection(() => loadData(folder), /holds 0 images/);
    });
  }

  it('0 labels, and images of 0 pixels, are refused by the parsers', () => {
    expectDataError(() => parseIdxLabels(labelsFile(0), 'empty-labels'), /^empty-labels: holds 0 labels/);
    expectDataError(() => parseIdxImages(idxBytes([2051, 3, 0, 5], new Uint8Array(0)), 'flat'), /^flat: holds 3 images of 0x5/);
  });

  it('loadData refuses a split emptied by a limit of 0', async () => {
    await expectDataRejection(() => loadData(writeFolder(false), { testLimit: 0 }), /the test split holds 0 images/);
  });

  it('loadData with testOnly keeps one training image and describes the test split alone', async () => {
    const folder = writeFolder(false);
    const whole = await loadData(folder);
    const testOnly = await loadData(folder, { testOnly: true });
    assert.equal(whole.splits.train.count, 12);
    assert.equal(testOnly.splits.train.count, 1);
    assert.equal(testOnly.splits.test.count, whole.splits.test.count);
    assert.match(whole.description, /\(12 train, \d+ test, /);
    assert.match(testOnly.description, /\(\d+ test images, /);
  });
});

describe('gzipped IDX files are inflated no further than their header announces', () => {
  it('a small .gz whose payload inflates far past the header is refused as trailing bytes, naming the file', () => {
    // Header: 2 images of 3x2 (12 payload bytes); then 16 MB of zeros, about 16 KB gzipped.
    const bomb = new Uint8Array(16 + 16 * 2 ** 20);
    bomb.set(imagesFile(2).subarray(0, 16));
    const file = path.join(root, 'bomb-images-idx3-ubyte.gz');
    fs.writeFileSync(file, gzipSync(bomb));
    assert.ok(fs.statSync(file).size < 1e6);
    expectDataError(() => readMaybeGzip(file), /bomb-images-idx3-ubyte\.gz: has trailing bytes: inflates to more than the 28 bytes its IDX header announces/);
  });

  it('a header announcing more than MAX_IDX_BYTES is refused before inflating the payload', () => {
    const file = path.join(root, 'huge-images-idx3-ubyte.gz');
    fs.writeFileSync(file, gzipSync(idxBytes([2051, 100000, 1000, 1000], new Uint8Array(10))));
    expectDataError(() => readMaybeGzip(file), new RegExp(`huge-images-idx3-ubyte\\.gz: IDX header announces 100000000016 bytes, more than the ${MAX_IDX_BYTES}-byte limit`));
  });

  it('a small .gz announcing more than 8x its size (and over 64 MiB) is refused from its header', () => {
    assert.deepEqual([idxInflateLimit(1000), idxInflateLimit(10e6), idxInflateLimit(1e9)], [64 * 2 ** 20, 80e6, MAX_IDX_BYTES]);
    // 1,000,000 images of 28x28 = 784 MB announced by a file of a few hundred bytes.
    const file = path.join(root, 'liar-images-idx3-ubyte.gz');
    fs.writeFileSync(file, gzipSync(idxBytes([2051, 1000000, 28, 28], new Uint8Array(1000))));
    expectDataError(() => readMaybeGzip(file), /liar-images-idx3-ubyte\.gz: IDX header announces 784000016 bytes, but \d+ gzipped bytes may inflate to at most 67108864 .*refused before inflating/);
  });

  it('a gzipped file with one trailing byte is still reported by the payload check', () => {
    const file = path.join(root, 'one-more-labels-idx1-ubyte.gz');
    const labels = labelsFile(3);
    const longer = new Uint8Array(labels.length + 1);
    longer.set(labels);
    fs.writeFileSync(file, gzipSync(longer));
    expectDataError(() => parseIdxLabels(readMaybeGzip(file), file), /one-more-labels-idx1-ubyte\.gz: has trailing bytes/);
  });
});
