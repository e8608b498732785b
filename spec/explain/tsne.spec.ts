import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conditionalRow, squaredDistances, tsne } from '../../src/explain/tsne.ts';
import { Rng } from '../../src/tensor/rng.ts';

/** `clusters` Gaussian blobs of `each` points in 10-D, centres 20 apart along axes, unit spread. */
function blobs(clusters: number, each: number, seed: number): { points: Float64Array; labels: number[] } {
  const rng = new Rng(seed);
  const dimension = 10;
  const points = new Float64Array(clusters * each * dimension);
  const labels: number[] = [];
  for (let c = 0; c < clusters; c++) {
    for (let i = 0; i < each; i++) {
      const n = c * each + i;
      labels.push(c);
      for (let d = 0; d < dimension; d++) points[n * dimension + d] = rng.gaussian(0, 1) + (d === c ? 20 : 0);
    }
  }
  return { points, labels };
}

test('t-SNE keeps well-separated clusters apart: every point\'s 5 nearest map neighbours share its cluster', () => {
  const { points, labels } = blobs(3, 30, 1);
  const count = labels.length;
  const map = tsne(points, count, 10, { perplexity: 10, iterations: 300, seed: 5 });
  assert.ok(map.every(Number.isFinite));
  for (let i = 0; i < count; i++) {
    const nearest = labels
      .map((_, j) => ({ j, d: (map[2 * i] - map[2 * j]) ** 2 + (map[2 * i + 1] - map[2 * j + 1]) ** 2 }))
      .filter(({ j }) => j !== i)
      .sort((a, b) => a.d - b.d)
      .slice(0, 5);
    for (const { j } of nearest) assert.equal(labels[j], labels[i], `point ${i}'s neighbour ${j}`);
  }
});

test('t-SNE is deterministic: same seed, same bits; another seed, another map', () => {
  const { points, labels } = blobs(2, 12, 2);
  const options = { perplexity: 5, iterations: 60 };
  const first = tsne(points, labels.length, 10, { ...options, seed: 3 });
  const again = tsne(points, labels.length, 10, { ...options, seed: 3 });
  assert.deepEqual(Buffer.from(first.buffer), Buffer.from(again.buffer));
  assert.notDeepEqual(Buffer.from(first.buffer), Buffer.from(tsne(points, labels.length, 10, { ...options, seed: 4 }).buffer));
  assert.throws(() => tsne(points, labels.length, 10, { perplexity: 30 }), /perplexity must be between 1 and the number of points \(24\)/);
});

test('the binary search finds the σ_i whose perplexity e^H(P_i) is the one asked for', () => {
  const { points, labels } = blobs(2, 20, 3);
  const count = labels.length;
  const distances = squaredDistances(points, count, 10);
  const row = new Float64Array(count);
  for (const perplexity of [3, 8, 15]) {
    conditionalRow(distances, count, 7, perplexity, row);
    let sum = 0;
    let entropy = 0;
    for (let j = 0; j < count; j++) {
      sum += row[j];
      if (row[j] > 0) entropy -= row[j] * Math.log(row[j]);
    }
    assert.ok(Math.abs(sum - 1) < 1e-12);
    assert.equal(row[7], 0);
    assert.ok(Math.abs(Math.exp(entropy) - perplexity) < 1e-3 * perplexity, `perplexity ${Math.exp(entropy)} for ${perplexity}`);
  }
});
