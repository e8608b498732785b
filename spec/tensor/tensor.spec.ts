import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, assertShape, shapeSize } from '../../src/tensor/tensor.ts';
import { ShapeError } from '../../src/errors.ts';
import { Rng } from '../../src/tensor/rng.ts';

test('NCHW row-major indexing: (n, c, y, x) sits at ((n*C + c)*H + y)*W + x', () => {
  const t = Tensor.zeros([2, 3, 4, 5]);
  t.set(7, 1, 2, 3, 4);
  assert.equal(t.data[((1 * 3 + 2) * 4 + 3) * 5 + 4], 7);
  assert.equal(t.get(1, 2, 3, 4), 7);
  assert.equal(t.size, 120);
  assert.equal(t.rank, 4);
});

test('create, fill, clone and copy are independent storage; reshape is a view', () => {
  const t = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const copy = t.clone();
  const view = t.reshape([3, -1]);
  assert.deepEqual(view.shape, [3, 2]);
  t.data[0] = 10;
  assert.equal(view.data[0], 10);
  assert.equal(copy.data[0], 1);
  assert.deepEqual(Tensor.filled([2, 2], 3).toArray(), [3, 3, 3, 3]);
  assert.deepEqual(Tensor.zeros([3]).copyFrom(Tensor.from([1, 2, 3])).toArray(), [1, 2, 3]);
  assert.equal(shapeSize([]), 1);
  assert.equal(Tensor.scalar(2.5).get(), 2.5);
});

test('tensors live on shared memory when the runtime has SharedArrayBuffer', () => {
  assert.ok(Tensor.zeros([4]).data.buffer instanceof SharedArrayBuffer);
});

test('shape errors say what was expected and what came', () => {
  assert.throws(() => Tensor.from([1, 2, 3], [2, 2]), (e: Error) => e instanceof ShapeError && /\(2, 2\) needs 4 values, got 3/.test(e.message));
  assert.throws(() => Tensor.zeros([2, 3]).reshape([4, -1]), ShapeError);
  assert.throws(() => Tensor.zeros([2, 3]).get(2, 0), /outside shape \(2, 3\)/);
  assert.throws(() => Tensor.zeros([2.5]), ShapeError);
  assert.throws(() => assertShape([2, 3], [2, 4], 'fc1'), /fc1: expected shape \(2, 4\), got \(2, 3\)/);
});

test('random tensors are reproducible from the seed', () => {
  const a = Tensor.gaussian([10], new Rng(1), 0, 1);
  const b = Tensor.gaussian([10], new Rng(1), 0, 1);
  assert.deepEqual(a.toArray(), b.toArray());
  const u = Tensor.uniform([1000], new Rng(2), -1, 1);
  assert.ok(u.toArray().every((v) => v >= -1 && v < 1));
});
