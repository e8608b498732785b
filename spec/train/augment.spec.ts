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

/**
 * An Rng whose draws are scripted: uniform() returns the next of `uniforms`, int(n) the next of
 * `integers` (checking n). augmentBatch draws, per image: uniform() for the flip (flip when < 1/2),
 * then int(2·maxShift + 1) − maxShift for dx, then the same for dy.
 */
class ScriptedRng extends Rng {
  private readonly uniforms: number[];
  private readonly integers: number[];
  private readonly range: number;
  constructor(uniforms: number[], integers: number[], range: number) {
    super(1);
    this.uniforms = [...uniforms];
    this.integers = [...integers];
    this.range = range;
  }
  override uniform(): number {
    const value = this.uniforms.shift();
    assert.ok(value !== undefined, 'augmentBatch drew more uniforms than scripted');
    return value;
  }
  override int(n: number): number {
    assert.equal(n, this.range, 'int(2·maxShift + 1)');
    const value = this.integers.shift();
    assert.ok(value !== undefined, 'augmentBatch drew more integers than scripted');
    return value;
  }
}

test('a pinned shift moves the image the way out[y][x] = in[y − dy][x − dx] says, pixel for pixel', () => {
  const input = numbered(); // rows 1 2 3 4 / 11 12 13 14 / 21 22 23 24
  const output = Tensor.zeros(input.shape);
  // maxShift 2: int(5) = 3 → dx = 3 − 2 = +1 (right); int(5) = 1 → dy = 1 − 2 = −1 (up).
  augmentBatch(input, output, { flip: false, maxShift: 2 }, new ScriptedRng([], [3, 1], 5));
  // out[y][x] = in[y + 1][x − 1]: the picture moves one pixel right and one up; zeros enter left and bottom.
  assert.deepEqual(output.toArray(), [
    0, 11, 12, 13,
    0, 21, 22, 23,
    0, 0, 0, 0,
  ]);
  // dx = −2 (left), dy = +2 (down): out[y][x] = in[y − 2][x + 2].
  augmentBatch(input, output, { flip: false, maxShift: 2 }, new ScriptedRng([], [0, 4], 5));
  assert.deepEqual(output.toArray(), [
    0, 0, 0, 0,
    0, 0, 0, 0,
    3, 4, 0, 0,
  ]);
});

test('a pinned flip mirrors left–right; flip and shift together mirror first, then shift', () => {
  const input = numbered();
  const output = Tensor.zeros(input.shape);
  // uniform 0.25 < 1/2 → flip; no shift: out[y][x] = in[y][W − 1 − x].
  augmentBatch(input, output, { flip: true, maxShift: 0 }, new ScriptedRng([0.25], [], 1));
  assert.deepEqual(output.toArray(), [
    4, 3, 2, 1,
    14, 13, 12, 11,
    24, 23, 22, 21,
  ]);
  // uniform 0.75 → no flip: a plain copy.
  augmentBatch(input, output, { flip: true, maxShift: 0 }, new ScriptedRng([0.75], [], 1));
  assert.deepEqual(output.toArray(), input.toArray());
  // Flip, then dx = +1, dy = +1 (maxShift 1: int(3) = 2 → +1): out[y][x] = mirrored[y − 1][x − 1].
  augmentBatch(input, output, { flip: true, maxShift: 1 }, new ScriptedRng([0.25], [2, 2], 3));
  assert.deepEqual(output.toArray(), [
    0, 0, 0, 0,
    0, 4, 3, 2,
    0, 14, 13, 12,
  ]);
});

test('each image of a batch draws its own transform, and all its channels share it', () => {
  // Two images of two channels; channel c of image n holds numbered() + 100·(2n + c).
  const input = Tensor.zeros([2, 2, 3, 4]);
  const one = numbered().toArray();
  for (let plane = 0; plane < 4; plane++) for (let i = 0; i < 12; i++) input.data[plane * 12 + i] = one[i] + 100 * plane;
  const output = Tensor.zeros(input.shape);
  // Image 0: no flip, dx = +1, dy = 0. Image 1: flip, dx = 0, dy = +1.
  augmentBatch(input, output, { flip: true, maxShift: 1 }, new ScriptedRng([0.9, 0.1], [2, 1, 1, 2], 3));
  const plane = (p: number) => output.toArray().slice(p * 12, (p + 1) * 12);
  for (const c of [0, 1]) {
    const o = 100 * c;
    assert.deepEqual(plane(c), [0, 1 + o, 2 + o, 3 + o, 0, 11 + o, 12 + o, 13 + o, 0, 21 + o, 22 + o, 23 + o], `image 0 channel ${c}`);
    const p = 100 * (2 + c);
    assert.deepEqual(plane(2 + c), [0, 0, 0, 0, 4 + p, 3 + p, 2 + p, 1 + p, 14 + p, 13 + p, 12 + p, 11 + p], `image 1 channel ${c}`);
  }
});
