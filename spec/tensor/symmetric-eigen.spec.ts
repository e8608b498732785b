import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../../src/errors.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { symmetricEigen } from '../../src/tensor/symmetric-eigen.ts';

test('a 2x2 case by hand: [[2, 1], [1, 2]] has eigenvalues 3 and 1 with vectors (1, 1)/√2 and (1, −1)/√2', () => {
  const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
  assert.ok(Math.abs(values[0] - 3) < 1e-14 && Math.abs(values[1] - 1) < 1e-14, `values ${values}`);
  const s = Math.SQRT1_2;
  // Columns, up to sign.
  assert.ok(Math.abs(Math.abs(vectors[0]) - s) < 1e-14 && Math.abs(vectors[0] - vectors[2]) < 1e-14);
  assert.ok(Math.abs(Math.abs(vectors[1]) - s) < 1e-14 && Math.abs(vectors[1] + vectors[3]) < 1e-14);
});

test('a random symmetric 30x30 matrix: A V = V Λ, VᵀV = I, eigenvalues sorted and summing to the trace', () => {
  const n = 30;
  const rng = new Rng(7);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const value = rng.uniformRange(-1, 1);
      a[i * n + j] = value;
      a[j * n + i] = value;
    }
  }
  const { values, vectors } = symmetricEigen(a, n);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i];
  assert.ok(Math.abs(values.reduce((sum, v) => sum + v, 0) - trace) < 1e-12);
  for (let k = 1; k < n; k++) assert.ok(values[k] <= values[k - 1], `values[${k}] ${values[k]} > values[${k - 1}] ${values[k - 1]}`);
  let worstResidual = 0;
  let worstOrthogonality = 0;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[j * n + k];
      worstResidual = Math.max(worstResidual, Math.abs(av - values[k] * vectors[i * n + k]));
    }
    for (let l = 0; l < n; l++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += vectors[i * n + k] * vectors[i * n + l];
      worstOrthogonality = Math.max(worstOrthogonality, Math.abs(dot - (k === l ? 1 : 0)));
    }
  }
  assert.ok(worstResidual < 1e-12, `|A v − λ v| up to ${worstResidual}`);
  assert.ok(worstOrthogonality < 1e-12, `|VᵀV − I| up to ${worstOrthogonality}`);
});

test('a diagonal matrix comes back as is, sorted; the input is not modified', () => {
  const a = [1, 0, 0, 0, 5, 0, 0, 0, -2];
  const { values } = symmetricEigen(a, 3);
  assert.deepEqual([...values], [5, 1, -2]);
  assert.deepEqual(a, [1, 0, 0, 0, 5, 0, 0, 0, -2]);
});

test('a matrix of the wrong length is a ShapeError', () => {
  assert.throws(() => symmetricEigen([1, 2, 3], 2), (error: unknown) => error instanceof ShapeError && /a 2x2 matrix needs 4 entries, got 3/.test(error.message));
});
