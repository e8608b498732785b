/**
 * The streamed CIFAR-10 loader gives the net the same numbers as the loader it replaced, which held
 * the whole archive: gunzipSync, readTar, then each record copied out (`wholeArchiveSplits` below
 * is that path, kept here as the reference). Checked on a generated archive of random records:
 * the bytes and labels; the float batches `toFloatBatch` makes from them, with per-channel
 * standardisation and with patch whitening; and the weights after training steps with augmentation
 * (the Trainer widens one batch at a time, from bytes) — all to the bit, for the same seed.
 * Also: records cut at any place between two pieces, batches that arrive out of order.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CIFAR10_CLASS_NAMES, CIFAR10_RECORD_BYTES, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, loadCifar10 } from '../../src/data/cifar10.ts';
import { Cifar10Assembler } from '../../src/data/cifar10-records.ts';
import { type DatasetSplits, type ImageDataset, type Normalization, channelStatistics, makeImageDataset, toFloatBatch } from '../../src/data/dataset.ts';
import { fitPatchWhitening } from '../../src/data/patch-whitening.ts';
import { DataError } from '../../src/errors.ts';
import { findTarMember, readTar } from '../../src/io/tar.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition } from '../../src/nn/definition.ts';
import { Optimizer } from '../../src/optim/optimizer.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { buildTar } from '../io/tar-fixture.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cifar10-streaming-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const RECORDS_PER_BATCH = 9;
const rng = new Rng(2009);
/** data_batch_1..5 then test_batch: random labels 0..9 and random pixels. */
const batches = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].map(() => {
  const bytes = new Uint8Array(RECORDS_PER_BATCH * CIFAR10_RECORD_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rng.uniform() * 256);
  for (let r = 0; r < RECORDS_PER_BATCH; r++) bytes[r * CIFAR10_RECORD_BYTES] = Math.floor(rng.uniform() * 10);
  return bytes;
});

function writeArchive(order: readonly number[]): string {
  const names = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
  const tar = buildTar([
    { name: 'cifar-10-batches-bin/', typeflag: '5' },
    ...order.map((b) => ({ name: `cifar-10-batches-bin/${names[b]}`, data: batches[b] })),
  ]);
  const file = path.join(root, `order-${order.join('')}.tar.gz`);
  fs.writeFileSync(file, gzipSync(tar));
  return file;
}

/** The loader before streaming: the archive inflated whole, each record copied out of it. */
function wholeArchiveSplits(archivePath: string): DatasetSplits {
  const members = readTar(gunzipSync(fs.readFileSync(archivePath)), archivePath);
  const split = (name: string, files: readonly string[]): ImageDataset => {
    const datas = files.map((file) => findTarMember(members, file)!.data);
    const count = datas.reduce((sum, data) => sum + data.length / CIFAR10_RECORD_BYTES, 0);
    const pixels = new Uint8Array(count * 3072);
    const labels = new Uint8Array(count);
    let n = 0;
    for (const data of datas) {
      for (let start = 0; start < data.length; start += CIFAR10_RECORD_BYTES, n++) {
        labels[n] = data[start];
        pixels.set(data.subarray(start + 1, start + CIFAR10_RECORD_BYTES), n * 3072);
      }
    }
    return makeImageDataset({ name, classNames: CIFAR10_CLASS_NAMES, channels: 3, height: 32, width: 32, count, pixels, labels });
  };
  return { train: split('cifar10-train', CIFAR10_TRAIN_FILES), test: split('cifar10-test', [CIFAR10_TEST_FILE]) };
}

function sameBits(actual: Float32Array, expected: Float32Array, where: string): void {
  assert.equal(actual.length, expected.length, where);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== e[i]) assert.fail(`${where}: value ${i} is ${actual[i]}, expected ${expected[i]}`);
}

/** The weights after `steps` steps (0: the initial weights) of a small conv net with flips and shifts, seed 7. */
async function weightsAfterTraining(train: ImageDataset, preprocessing: Normalization, steps: number): Promise<Float32Array[]> {
  const definition = parseCompactDefinition('conv3x3x4p1-relu-pool2-fc10-softmax', [3, 32, 32]);
  const trainerRng = new Rng(7);
  const net = buildNet(definition, trainerRng);
  const trainer = new Trainer({
    net, definition, classNames: [...train.classNames], train, preprocessing,
    optimizer: new Optimizer({ type: 'adam', learningRate: 0.01 }), batchSize: 8, epochs: 2, maxSteps: steps,
    rng: trainerRng, augment: { flip: true, maxShift: 4 },
  });
  if (steps > 0) await trainer.run();
  return net.layers.flatMap((layer) => layer.parameters().map((p) => Float32Array.from(p.value.data)));
}

describe('streamed CIFAR-10 = the whole-archive loader, to the bit', () => {
  const archive = writeArchive([0, 1, 2, 3, 4, 5]);
  const reference = wholeArchiveSplits(archive);

  it('the same pixel bytes and labels', async () => {
    const streamed = await loadCifar10(archive);
    assert.equal(streamed.train.count, 5 * RECORDS_PER_BATCH);
    assert.deepEqual(streamed.train.pixels, reference.train.pixels);
    assert.deepEqual(streamed.train.labels, reference.train.labels);
    assert.deepEqual(streamed.test.pixels, reference.test.pixels);
    assert.deepEqual(streamed.test.labels, reference.test.labels);
  });

  it('the same float batches: standardised, and standardised then patch-whitened', async () => {
    const streamed = await loadCifar10(archive);
    const statistics = channelStatistics(reference.train);
    assert.deepEqual(channelStatistics(streamed.train), statistics);
    const whitened: Normalization = { ...statistics, whitening: fitPatchWhitening(reference.train, statistics, { size: 3 }) };
    const indices = [44, 0, 17, 9, 9, 31, 2];
    for (const normalization of [statistics, whitened]) {
      const expected = toFloatBatch(reference.train, indices, new Float32Array(indices.length * 3072), normalization);
      const actual = toFloatBatch(streamed.train, indices, new Float32Array(indices.length * 3072), normalization);
      sameBits(actual, expected, normalization.whitening ? 'whitened batch' : 'standardised batch');
      const test = [8, 3];
      sameBits(
        toFloatBatch(streamed.test, test, new Float32Array(2 * 3072), normalization),
        toFloatBatch(reference.test, test, new Float32Array(2 * 3072), normalization),
        'test batch',
      );
    }
  });

  it('the same weights after 6 training steps with flips and shifts (same seed)', async () => {
    const streamed = await loadCifar10(archive);
    const preprocessing = channelStatistics(reference.train);
    const expected = await weightsAfterTraining(reference.train, preprocessing, 6);
    const actual = await weightsAfterTraining(streamed.train, preprocessing, 6);
    expected.forEach((weights, i) => sameBits(actual[i], weights, `parameter ${i}`));
    // The steps did something: the weights are not the initial ones.
    const initial = await weightsAfterTraining(reference.train, preprocessing, 0);
    assert.notDeepEqual(actual[0], initial[0]);
  });

  it('batches stored out of order in the archive still come in batch order', async () => {
    const shuffled = await loadCifar10(writeArchive([5, 3, 0, 4, 2, 1]));
    assert.deepEqual(shuffled.train.pixels, reference.train.pixels);
    assert.deepEqual(shuffled.train.labels, reference.train.labels);
    assert.deepEqual(shuffled.test.labels, reference.test.labels);
    const limited = await loadCifar10(writeArchive([4, 1, 5, 0, 3, 2]), { trainLimit: 12, testLimit: 4 });
    assert.deepEqual(limited.train.labels, reference.train.labels.subarray(0, 12));
    assert.deepEqual(limited.train.pixels, reference.train.pixels.subarray(0, 12 * 3072));
    assert.deepEqual(limited.test.pixels, reference.test.pixels.subarray(0, 4 * 3072));
  });
});

describe('Cifar10Assembler', () => {
  const names = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
  const expected = wholeArchiveSplits(path.join(root, 'order-012345.tar.gz'));

  it('writes the same records whatever the piece size (records cut anywhere), in any file order', () => {
    for (const pieceSize of [1, 1000, CIFAR10_RECORD_BYTES, CIFAR10_RECORD_BYTES + 1, 1 << 20]) {
      for (const order of [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [2, 0, 5, 1, 4, 3]]) {
        const assembler = new Cifar10Assembler();
        for (const b of order) {
          const sink = assembler.accept(names[b], names[b], batches[b].length)!;
          for (let start = 0; start < batches[b].length; start += pieceSize) sink.write(batches[b].subarray(start, start + pieceSize));
          sink.end();
        }
        const splits = assembler.finish((name) => new DataError(`missing ${name}`));
        const where = `pieces of ${pieceSize}, order ${order.join('')}`;
        assert.deepEqual(splits.train.pixels, expected.train.pixels, where);
        assert.deepEqual(splits.train.labels, expected.train.labels, where);
        assert.deepEqual(splits.test.pixels, expected.test.pixels, where);
      }
    }
  });

  it('grows its storage when a later batch is larger than the first, and trims it when smaller', () => {
    for (const sizes of [[2, 5, 5, 5, 5], [5, 1, 1, 1, 1]]) {
      const assembler = new Cifar10Assembler();
      let first = 0;
      const offsets: number[] = [];
      sizes.forEach((records, b) => {
        offsets.push(first);
        first += records;
        const bytes = batches[b].subarray(0, records * CIFAR10_RECORD_BYTES);
        const sink = assembler.accept(names[b], names[b], bytes.length)!;
        sink.write(bytes);
        sink.end();
      });
      const testSink = assembler.accept(CIFAR10_TEST_FILE, CIFAR10_TEST_FILE, batches[5].length)!;
      testSink.write(batches[5]);
      testSink.end();
      const { train } = assembler.finish((name) => new DataError(`missing ${name}`));
      assert.equal(train.count, first);
      assert.equal(train.pixels.length, first * 3072, 'storage trimmed to the records');
      sizes.forEach((records, b) => {
        for (let r = 0; r < records; r++) {
          assert.equal(train.labels[offsets[b] + r], batches[b][r * CIFAR10_RECORD_BYTES]);
          assert.equal(train.pixels[(offsets[b] + r) * 3072 + 100], batches[b][r * CIFAR10_RECORD_BYTES + 101]);
        }
      });
    }
  });

  it('a label above 9 is a DataError naming the file and the record, even when the record is cut', () => {
    const bytes = batches[0].slice();
    bytes[2 * CIFAR10_RECORD_BYTES] = 12;
    const sink = new Cifar10Assembler().accept(names[0], 'where/data_batch_1.bin', bytes.length)!;
    assert.throws(() => {
      for (let start = 0; start < bytes.length; start += 777) sink.write(bytes.subarray(start, start + 777));
    }, /where\/data_batch_1\.bin: record 2 has label 12, expected 0\.\.9/);
  });
});
