import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classCounts, type ImageDataset } from '../../src/data/dataset.ts';
import { GENERATED_CLASS_NAMES, generateImageDataset } from '../../src/data/generated-images.ts';
import { ConfigError } from '../../src/errors.ts';
import { Rng } from '../../src/tensor/rng.ts';

/** Test accuracy of the nearest-class-mean classifier, a linear classifier on raw pixels. */
function nearestClassMeanAccuracy(train: ImageDataset, test: ImageDataset): number {
  const size = train.channels * train.height * train.width;
  const classCount = train.classNames.length;
  const means = new Float64Array(classCount * size);
  const counts = classCounts(train);
  for (let n = 0; n < train.count; n++) {
    const k = train.labels[n];
    for (let d = 0; d < size; d++) means[k * size + d] += train.pixels[n * size + d] / counts[k];
  }
  let correct = 0;
  for (let n = 0; n < test.count; n++) {
    let best = -1;
    let bestDistance = Infinity;
    for (let k = 0; k < classCount; k++) {
      let distance = 0;
      for (let d = 0; d < size; d++) distance += (test.pixels[n * size + d] - means[k * size + d]) ** 2;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = k;
      }
    }
    if (best === test.labels[n]) correct++;
  }
  return correct / test.count;
}

/** Mean |difference| between vertically (dy) and horizontally (dx) adjacent samples of one image. */
function neighbourDifferences(data: ImageDataset, n: number): { vertical: number; horizontal: number } {
  const { channels, height, width, pixels } = data;
  let vertical = 0;
  let horizontal = 0;
  for (let c = 0; c < channels; c++) {
    const plane = (n * channels + c) * height * width;
    for (let y = 0; y + 1 < height; y++) {
      for (let x = 0; x + 1 < width; x++) {
        const here = pixels[plane + y * width + x];
        vertical += Math.abs(pixels[plane + (y + 1) * width + x] - here);
        horizontal += Math.abs(pixels[plane + y * width + x + 1] - here);
      }
    }
  }
  return { vertical, horizontal };
}

describe('generateImageDataset', () => {
  const { train, test } = generateImageDataset(new Rng(42), { trainCount: 2000, testCount: 500 });

  it('makes balanced 3 x 32 x 32 splits with ten named classes', () => {
    assert.deepEqual([train.count, train.channels, train.height, train.width], [2000, 3, 32, 32]);
    assert.equal(test.count, 500);
    assert.deepEqual(classCounts(train), new Array(10).fill(200));
    assert.deepEqual(classCounts(test), new Array(10).fill(50));
    assert.deepEqual(train.classNames, GENERATED_CLASS_NAMES);
    assert.ok(train.labels.subarray(0, 20).some((label, i) => label !== i % 10), 'labels come shuffled');
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const again = generateImageDataset(new Rng(42), { trainCount: 2000, testCount: 500 });
    assert.deepEqual(again.test.pixels, test.pixels);
    assert.deepEqual(again.test.labels, test.labels);
    const other = generateImageDataset(new Rng(43), { trainCount: 0, testCount: 500 });
    assert.notDeepEqual(other.test.pixels, test.pixels);
  });

  it('draws what the class names say: stripes vary across them, not along them', () => {
    // Summed over each stripe class (single images can have little contrast under the noise).
    const horizontal = GENERATED_CLASS_NAMES.indexOf('horizontal stripes');
    const vertical = GENERATED_CLASS_NAMES.indexOf('vertical stripes');
    const sums = { [horizontal]: { vertical: 0, horizontal: 0 }, [vertical]: { vertical: 0, horizontal: 0 } };
    for (let n = 0; n < train.count; n++) {
      const label = train.labels[n];
      if (label !== horizontal && label !== vertical) continue;
      const differences = neighbourDifferences(train, n);
      sums[label].vertical += differences.vertical;
      sums[label].horizontal += differences.horizontal;
    }
    assert.ok(sums[horizontal].vertical > 1.5 * sums[horizontal].horizontal, 'horizontal stripes change from row to row');
    assert.ok(sums[vertical].horizontal > 1.5 * sums[vertical].vertical, 'vertical stripes change from column to column');
  });

  it('is learnable by a linear classifier well above chance (10%), yet far from solved', () => {
    const accuracy = nearestClassMeanAccuracy(train, test);
    assert.ok(accuracy > 0.3, `nearest-class-mean accuracy ${accuracy} should exceed 0.3`);
    assert.ok(accuracy < 0.7, `nearest-class-mean accuracy ${accuracy} should stay below 0.7`);
  });

  it('uses the whole 0..255 range and supports other sizes', () => {
    let low = 255;
    let high = 0;
    for (const value of test.pixels) {
      if (value < low) low = value;
      if (value > high) high = value;
    }
    assert.deepEqual([low, high], [0, 255]);
    const small = generateImageDataset(new Rng(1), { trainCount: 10, testCount: 3, size: 16 });
    assert.deepEqual([small.train.count, small.train.height, small.train.width, small.test.count], [10, 16, 16, 3]);
    assert.equal(small.train.pixels.length, 10 * 3 * 16 * 16);
  });

  it('rejects bad options with a ConfigError', () => {
    assert.throws(() => generateImageDataset(new Rng(1), { size: 4 }), ConfigError);
    assert.throws(() => generateImageDataset(new Rng(1), { trainCount: 1.5 }), ConfigError);
  });
});
