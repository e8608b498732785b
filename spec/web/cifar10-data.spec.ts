/** The CIFAR-10 page's record parsing (src/web/cifar10-data.ts) agrees with the CLI's loader. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { it } from 'node:test';
import { CIFAR10_CLASS_NAMES, CIFAR10_RECORD_BYTES, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, loadCifar10 } from '../../src/data/cifar10.ts';
import { DataError } from '../../src/errors.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { recordsToDataset } from '../../src/web/cifar10-data.ts';

it('recordsToDataset gives the same pixels and labels as loadCifar10 for the same batch files', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-ts-records-'));
  try {
    const rng = new Rng(5);
    const batches: Uint8Array[] = [];
    for (const name of [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE]) {
      const bytes = new Uint8Array(3 * CIFAR10_RECORD_BYTES);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rng.uniform() * 256);
      for (let r = 0; r < 3; r++) bytes[r * CIFAR10_RECORD_BYTES] = Math.floor(rng.uniform() * 10);
      fs.writeFileSync(path.join(folder, name), bytes);
      batches.push(bytes);
    }
    const expected = await loadCifar10(folder);
    const train = recordsToDataset('cifar10-train', batches.slice(0, 5), CIFAR10_CLASS_NAMES, CIFAR10_RECORD_BYTES);
    const test = recordsToDataset('cifar10-test', batches.slice(5), CIFAR10_CLASS_NAMES, CIFAR10_RECORD_BYTES);
    assert.deepEqual(train.pixels, expected.train.pixels);
    assert.deepEqual(train.labels, expected.train.labels);
    assert.deepEqual(test.pixels, expected.test.pixels);
    assert.deepEqual(test.labels, expected.test.labels);
    assert.equal(train.count, 15);
    assert.throws(() => recordsToDataset('cut', [batches[0]!.subarray(0, 100)], CIFAR10_CLASS_NAMES, CIFAR10_RECORD_BYTES), DataError);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
