import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  channelStatistics,
  classCounts,
  imageToHwc,
  makeImageDataset,
  subset,
  toFloatBatch,
  type ImageDataset,
} from '../../src/data/dataset.ts';
import { ConfigError, DataError, ShapeError } from '../../src/errors.ts';

/** 3 images of 2 channels x 1 x 2: image n, channel c, pixel p holds 100n + 10c + p. */
function tinyDataset(): ImageDataset {
  const pixels = new Uint8Array(3 * 2 * 1 * 2);
  for (let n = 0; n < 3; n++) for (let c = 0; c < 2; c++) for (let p = 0; p < 2; p++) pixels[(n * 2 + c) * 2 + p] = 100 * n + 10 * c + p;
  return makeImageDataset({
    name: 'tiny',
    classNames: ['a', 'b', 'c'],
    channels: 2,
    height: 1,
    width: 2,
    count: 3,
    pixels,
    labels: Uint8Array.of(2, 0, 2),
  });
}

describe('makeImageDataset', () => {
  it('rejects pixel and label arrays of the wrong length, and labels past the class count', () => {
    const base = tinyDataset();
    assert.throws(() => makeImageDataset({ ...base, pixels: new Uint8Array(11) }), (error: unknown) => {
      assert.ok(error instanceof DataError);
      assert.match(error.message, /dataset "tiny": 3 images of 2x1x2 need 12 pixel bytes, got 11/);
      return true;
    });
    assert.throws(() => makeImageDataset({ ...base, labels: new Uint8Array(2) }), /need 3 labels, got 2/);
    assert.throws(() => makeImageDataset({ ...base, labels: Uint8Array.of(0, 3, 1) }), /label 3 of image 1 is not below the class count 3/);
  });
});

describe('dataset helpers', () => {
  it('counts images per class', () => {
    assert.deepEqual(classCounts(tinyDataset()), [1, 0, 2]);
  });

  it('subset copies the chosen images in the given order, repeats allowed', () => {
    const picked = subset(tinyDataset(), [2, 0, 2], 'picked');
    assert.equal(picked.name, 'picked');
    assert.equal(picked.count, 3);
    assert.deepEqual([...picked.labels], [2, 2, 2]);
    assert.deepEqual([...picked.pixels], [200, 201, 210, 211, 0, 1, 10, 11, 200, 201, 210, 211]);
    assert.throws(() => subset(tinyDataset(), [3]), ShapeError);
  });

  it('toFloatBatch normalises each channel with its mean and std into the caller buffer', () => {
    const out = new Float32Array(2 * 4);
    const returned = toFloatBatch(tinyDataset(), [1, 0], out, { mean: [100, 10], std: [2, 4] });
    assert.equal(returned, out);
    // image 1: channel 0 (100, 101) -> (0, 0.5); channel 1 (110, 111) -> (25, 25.25)
    // image 0: channel 0 (0, 1) -> (-50, -49.5); channel 1 (10, 11) -> (0, 0.25)
    assert.deepEqual([...out], [0, 0.5, 25, 25.25, -50, -49.5, 0, 0.25]);
  });

  it('toFloatBatch broadcasts a single mean/std and defaults to the raw 0..255 values', () => {
    const out = new Float32Array(4);
    toFloatBatch(tinyDataset(), [2], out, { mean: [200], std: [10] });
    assert.deepEqual([...out], [0, 1, 10, 11].map((v) => Math.fround(v * 0.1)));
    toFloatBatch(tinyDataset(), [2], out);
    assert.deepEqual([...out], [200, 201, 210, 211]);
  });

  it('toFloatBatch checks the buffer length, the indices and the normalisation', () => {
    const data = tinyDataset();
    assert.throws(() => toFloatBatch(data, [0, 1], new Float32Array(7)), (error: unknown) => {
      assert.ok(error instanceof ShapeError);
      assert.match(error.message, /a batch of 2 images of 2x1x2 needs an output of 8 floats, got 7/);
      return true;
    });
    assert.throws(() => toFloatBatch(data, [-1], new Float32Array(4)), /image index -1 is outside 0\.\.2/);
    assert.throws(() => toFloatBatch(data, [0], new Float32Array(4), { mean: [1, 2, 3], std: [1] }), ConfigError);
    assert.throws(() => toFloatBatch(data, [0], new Float32Array(4), { mean: [0], std: [0] }), /positive finite/);
  });

  it('channelStatistics gives the population mean and std of each channel', () => {
    const { mean, std } = channelStatistics(tinyDataset());
    // channel 0 holds 0, 1, 100, 101, 200, 201; the expected std is computed the two-pass way.
    const values0 = [0, 1, 100, 101, 200, 201];
    const expectedMean0 = values0.reduce((a, b) => a + b) / 6;
    const expectedStd0 = Math.sqrt(values0.reduce((a, v) => a + (v - expectedMean0) ** 2, 0) / 6);
    assert.equal(mean[0], 100.5);
    assert.equal(mean[1], 110.5);
    assert.ok(Math.abs(std[0] - expectedStd0) < 1e-9);
    assert.ok(Math.abs(std[1] - expectedStd0) < 1e-9, 'channel 1 is channel 0 shifted by 10: same spread');
  });

  it('imageToHwc interleaves the channel planes', () => {
    assert.deepEqual([...imageToHwc(tinyDataset(), 1)], [100, 110, 101, 111]);
  });
});
