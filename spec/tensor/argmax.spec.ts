import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmax } from '../../src/tensor/argmax.ts';

test('argmax: the index of the largest value; ties go to the first', () => {
  assert.equal(argmax([0.1, 0.7, 0.2]), 1);
  assert.equal(argmax([3, 5, 5, 1]), 1);
  assert.equal(argmax([-1, -1, -1]), 0);
  assert.equal(argmax(Float32Array.of(-2, -0.5, -3)), 1);
});

test('argmax: offset and length select one row of an (N, K) score matrix, the index is within the row', () => {
  const scores = Float32Array.of(9, 0, 0, /* row 1 */ 0, 1, 2, /* row 2 */ 4, 4, 3);
  assert.deepEqual([0, 1, 2].map((n) => argmax(scores, 3 * n, 3)), [0, 2, 0]);
});

test('argmax: a NaN never wins a comparison', () => {
  assert.equal(argmax([1, Number.NaN, 2]), 2);
  assert.equal(argmax([Number.NaN, 1, 2]), 0);
});
