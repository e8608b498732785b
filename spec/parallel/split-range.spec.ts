/**
 * splitRange(total, parts) and the worker pool's use of it.
 *
 * The contract (src/parallel/executor.ts): [0, total) cut into `parts` contiguous ranges whose sizes
 * differ by at most one, bounds b[0] = 0 ≤ b[1] ≤ … ≤ b[parts] = total, b[part] = ⌊total·part/parts⌋.
 * The references here do not call splitRange: hand-worked bounds, and a check of the contract from
 * its definition (every item in exactly one part, sizes ⌊total/parts⌋ or ⌈total/parts⌉).
 *
 * The worker pool must cut its dispatches the same way (the caller takes part 0, worker w takes part
 * w): a recording kernel run on pools of 2, 3 and 4 threads shows that every item is processed exactly
 * once and that the parts start where splitRange says.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { splitRange } from '../../src/parallel/executor.ts';
import { WorkerPool, loadKernelModule } from '../../src/parallel/worker-pool.ts';

test('splitRange: hand-worked bounds, including fewer items than parts and an empty range', () => {
  // ⌊10·1/3⌋ = 3, ⌊10·2/3⌋ = 6;  ⌊7/4⌋ = 1, ⌊14/4⌋ = 3, ⌊21/4⌋ = 5;  ⌊2/4⌋ = 0, ⌊4/4⌋ = 1, ⌊6/4⌋ = 1.
  assert.deepEqual(splitRange(10, 3), [0, 3, 6, 10]);
  assert.deepEqual(splitRange(7, 4), [0, 1, 3, 5, 7]);
  assert.deepEqual(splitRange(2, 4), [0, 0, 1, 1, 2]);
  assert.deepEqual(splitRange(12, 4), [0, 3, 6, 9, 12]);
  assert.deepEqual(splitRange(5, 1), [0, 5]);
  assert.deepEqual(splitRange(1, 1), [0, 1]);
  assert.deepEqual(splitRange(0, 3), [0, 0, 0, 0]);
});

test('splitRange: every item in exactly one part, parts contiguous, sizes ⌊total/parts⌋ or ⌈total/parts⌉', () => {
  for (let total = 0; total <= 40; total++) {
    for (let parts = 1; parts <= 9; parts++) {
      const bounds = splitRange(total, parts);
      const where = `splitRange(${total}, ${parts}) = [${bounds.join(', ')}]`;
      assert.equal(bounds.length, parts + 1, `${where}: parts + 1 bounds`);
      assert.equal(bounds[0], 0, `${where}: starts at 0`);
      assert.equal(bounds[parts], total, `${where}: ends at total (the last item is not dropped)`);
      const owner = new Array<number>(total).fill(0);
      for (let part = 0; part < parts; part++) {
        const size = bounds[part + 1] - bounds[part];
        assert.ok(size === Math.floor(total / parts) || size === Math.ceil(total / parts), `${where}: part ${part} has ${size} items`);
        for (let i = bounds[part]; i < bounds[part + 1]; i++) owner[i]++;
      }
      assert.ok(owner.every((count) => count === 1), `${where}: items covered ${owner.join('')}`);
    }
  }
});

const recorder = await loadKernelModule(new URL('./fixtures/range-recorder.ts', import.meta.url));
const pools = [2, 3, 4].map((workers) => new WorkerPool({ workers, kernelModules: [recorder] }));
after(() => Promise.all(pools.map((pool) => pool.close())));

function shared(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, length) * Int32Array.BYTES_PER_ELEMENT));
}

test('the worker pool processes every item exactly once, cut where splitRange cuts', () => {
  for (const pool of pools) {
    for (const total of [1, 2, 3, 4, 5, 7, 10, 13, 64, 101]) {
      const count = shared(total);
      const first = shared(total);
      pool.parallelFor('recordRange', { count, first }, total);
      const where = `${pool.threads} threads, ${total} items`;
      assert.deepEqual(Array.from(count.subarray(0, total)), new Array(total).fill(1), `${where}: times each item ran`);
      // Parts of the pool: T = min(threads, total) (an empty part would be a wasted hand-off).
      const parts = Math.min(pool.threads, total);
      const bounds = splitRange(total, parts);
      const expectedFirst: number[] = [];
      for (let part = 0; part < parts; part++) {
        for (let i = bounds[part]; i < bounds[part + 1]; i++) expectedFirst.push(bounds[part]);
      }
      assert.deepEqual(Array.from(first.subarray(0, total)), expectedFirst, `${where}: where the parts start`);
    }
  }
});
