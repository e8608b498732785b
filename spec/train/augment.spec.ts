import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentBatch } from '../../src/train/augment.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

/** A (1, 1, 3, 4) image whose pixel (y, x) holds 10·y + x + 1 (never 0, so zero fill is visible). */
function numbered(): Tensor {
  const t = Tensor.zeros([1, 1, 3, 4]);
  for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) t.set(10 * y + x + 1, 0, 0, y, x);
  return t;
}

test('without flip or shift the batch is copied unchanged', () => {
  const input = numbered();
  const output = Tensor.zeros(input.shape);
  augmentBatch(input, output, { flip: false, maxShift: 0 }, new Rng(1));
  assert.deepEqual(output.toArray(), input.toArray());
});

test('every output is a flip and/or shift of its input with zero fill, and all variants occur', () => {
  const input = numbered();
  const output = Tensor.zeros(input.shape);
  const rng = new Rng(3);
  const seen = new Set<string>();
  for (let trial = 0; trial < 400; trial++) {
    augmentBatch(input, output, { flip: true, maxShift: 1 }, rng);
    // Recover the transform: find (flip, dx, dy) that explains every pixel.
    let explained = '';
    for (const flip of [false, true]) {
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          let ok = true;
          for (let y = 0; y < 3 && ok; y++) {
            for (let x = 0; x < 4 && ok; x++) {
              const sy = y - dy;
              const sx = x - dx;
              const expected = sy < 0 || sy >= 3 || sx < 0 || sx >= 4 ? 0 : input.get(0, 0, sy, flip ? 3 - sx : sx);
              ok = output.get(0, 0, y, x) === expected;
            }
          }
          if (ok && !explained) explained = `${flip}/${dx}/${dy}`;
        }
      }
    }
    assert.ok(explained, `output ${output.toArray()} is no flip/shift of the input`);
    seen.add(explained);
  }
  assert.equal(seen.size, 18, `saw ${seen.size} of the 2×3×3 transforms`);
});

test('the same Rng state gives the same augmented batch', () => {
  const input = Tensor.gaussian([4, 3, 8, 8], new Rng(2));
  const a = Tensor.zeros(input.shape);
  const b = Tensor.zeros(input.shape);
  augmentBatch(input, a, { flip: true, maxShift: 2 }, new Rng(9));
  augmentBatch(input, b, { flip: true, maxShift: 2 }, new Rng(9));
  assert.deepEqual(a.toArray(), b.toArray());
});
