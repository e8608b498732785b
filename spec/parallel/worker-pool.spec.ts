/**
 * WorkerPool: results bit-identical to the serial executor for 2, 3 and 4 threads on 'gemmRows'
 * (every transpose variant, accumulation, views with offsets, fewer rows than threads), argument
 * validation, the shared-buffer registry beyond its size, close(), createExecutor, and a process
 * that uses a pool exiting by itself.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/errors.ts';
import type { Executor, KernelArgs } from '../../src/parallel/executor.ts';
import { defineKernel } from '../../src/kernels/kernel.ts';
import { serialExecutor } from '../../src/parallel/serial-executor.ts';
import { WorkerPool } from '../../src/parallel/worker-pool.ts';
import { closeExecutor, createExecutor } from '../../src/parallel/create-executor.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { allocFloat32 } from '../../src/tensor/tensor.ts';

// 1 thread runs inline (no worker); 2, 3 and 4 cut every range differently.
const pools = [1, 2, 3, 4].map((workers) => new WorkerPool({ workers }));
const [, pair, triple] = pools;
after(() => Promise.all(pools.map((pool) => pool.close())));

/** The raw bits of a float array, so that -0 ≠ 0 and every last-place difference shows. */
function bits(array: Float32Array): number[] {
  return Array.from(new Uint32Array(array.buffer, array.byteOffset, array.length));
}

function gaussianArray(length: number, rng: Rng): Float32Array {
  const array = allocFloat32(length);
  for (let i = 0; i < length; i++) array[i] = rng.gaussian(0, 1);
  return array;
}

interface GemmCase {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  accumulate: boolean;
}

/** Builds gemmRows arguments over padded views (offsets and leading dimensions ≠ the sizes). */
function gemmArgs(shape: GemmCase, rng: Rng): { args: KernelArgs; c: Float32Array; cStart: Float32Array } {
  const { transA, transB, m, n, k } = shape;
  const lda = (transA ? m : k) + 3;
  const ldb = (transB ? k : n) + 2;
  const ldc = n + 1;
  const a = gaussianArray(5 + (transA ? k : m) * lda, rng);
  const b = gaussianArray(7 + (transB ? n : k) * ldb, rng);
  const cStart = gaussianArray(4 + m * ldc, rng);
  const c = allocFloat32(cStart.length);
  c.set(cStart);
  const args = { ...shape, a, aOffset: 5, lda, b, bOffset: 7, ldb, c, cOffset: 4, ldc };
  return { args, c, cStart };
}

function runGemm(executor: Executor, shape: GemmCase, seed: number): Float32Array {
  const { args, c } = gemmArgs(shape, new Rng(seed));
  executor.parallelFor('gemmRows', args, shape.m);
  return c;
}

describe('WorkerPool', () => {
  it('matches the serial executor bit for bit on gemmRows for 1, 2, 3 and 4 threads', () => {
    const cases: GemmCase[] = [];
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        // k = 300 crosses a k-block boundary of the blocked GEMM; m = 37 splits unevenly.
        cases.push({ transA, transB, m: 37, n: 29, k: 300, accumulate: transA !== transB });
      }
    }
    cases.push({ transA: false, transB: false, m: 3, n: 5, k: 4, accumulate: true }); // fewer rows than threads
    cases.push({ transA: true, transB: false, m: 64, n: 70, k: 9, accumulate: false });
    let seed = 1;
    for (const shape of cases) {
      seed++;
      const expected = bits(runGemm(serialExecutor, shape, seed));
      for (const pool of pools) {
        assert.deepEqual(bits(runGemm(pool, shape, seed)), expected, `${pool.threads} threads, ${JSON.stringify(shape)}`);
      }
    }
  });

  it('computes every row: the parts cover [0, total) exactly once', () => {
    const shape: GemmCase = { transA: false, transB: false, m: 41, n: 3, k: 2, accumulate: true };
    for (const pool of pools) {
      const { args, c, cStart } = gemmArgs(shape, new Rng(99));
      const serial = gemmArgs(shape, new Rng(99));
      pool.parallelFor('gemmRows', args, shape.m);
      serialExecutor.parallelFor('gemmRows', serial.args, shape.m);
      // Every row changed (a row computed twice with accumulate would differ from the serial result).
      for (let row = 0; row < shape.m; row++) {
        const at = 4 + row * (shape.n + 1);
        assert.notEqual(c[at], cStart[at], `row ${row} untouched with ${pool.threads} threads`);
      }
      assert.deepEqual(bits(c), bits(serial.c));
    }
  });

  it('keeps working when more shared buffers pass through it than it remembers', () => {
    const pool = pair;
    const shape: GemmCase = { transA: false, transB: true, m: 6, n: 4, k: 5, accumulate: false };
    for (let round = 0; round < 90; round++) {
      const expected = bits(runGemm(serialExecutor, shape, 1000 + round));
      assert.deepEqual(bits(runGemm(pool, shape, 1000 + round)), expected, `round ${round}`);
    }
  });

  it('accepts views into one buffer at different offsets', () => {
    const pool = triple;
    const storage = gaussianArray(400, new Rng(5));
    const reference = allocFloat32(400);
    reference.set(storage);
    for (const offset of [0, 40, 200]) {
      for (const [data, executor] of [[storage, pool], [reference, serialExecutor]] as const) {
        const view = data.subarray(offset, offset + 100);
        const out = data.subarray(offset + 100, offset + 200);
        executor.parallelFor('gemmRows', {
          transA: false, transB: false, m: 10, n: 10, k: 10,
          a: view, aOffset: 0, lda: 10, b: view, bOffset: 0, ldb: 10, c: out, cOffset: 0, ldc: 10, accumulate: true,
        }, 10);
      }
      assert.deepEqual(bits(storage), bits(reference), `offset ${offset}`);
    }
  });

  it('rejects arrays that are not on shared memory, naming the argument', () => {
    const shared = allocFloat32(4);
    const args = {
      transA: false, transB: false, m: 2, n: 2, k: 1,
      a: new Float32Array(2), aOffset: 0, lda: 1, b: shared, bOffset: 0, ldb: 2, c: shared, cOffset: 0, ldc: 2, accumulate: false,
    };
    assert.throws(() => pair.parallelFor('gemmRows', args, 2), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /argument 'a' of kernel 'gemmRows' is a Float32Array on an ordinary ArrayBuffer/);
      return true;
    });
  });

  it('rejects unknown kernels and unsupported argument types', () => {
    assert.throws(() => pair.parallelFor('noSuchKernel', {}, 4), ConfigError);
    // A handle whose function is not the one registered under its name: its workers could not find it.
    const impostor = defineKernel<{ out: Float32Array }>('gemmRows', (args, start, end) => args.out.fill(1, start, end));
    assert.throws(() => pair.parallelFor(impostor, { out: allocFloat32(4) }, 4), (error: unknown) =>
      error instanceof ConfigError && /kernel handle 'gemmRows' is not the function registered under that name/.test(error.message));
    // The registered handle itself runs (the serial executor runs any handle).
    const out = allocFloat32(4);
    serialExecutor.parallelFor(impostor, { out }, 4);
    assert.deepEqual(Array.from(out), [1, 1, 1, 1]);
    const bad = { values: [1, 2] } as unknown as KernelArgs;
    assert.throws(() => pair.parallelFor('gemmRows', bad, 4), /argument 'values' of kernel 'gemmRows' must be/);
  });

  it('runs nothing for an empty range and validates its options', () => {
    pair.parallelFor('gemmRows', {}, 0); // no part runs, so the missing arguments are never read
    assert.throws(() => new WorkerPool({ workers: 0 }), ConfigError);
    assert.throws(() => new WorkerPool({ workers: 1.5 }), ConfigError);
  });

  it('createExecutor gives the serial executor for 1 and a pool otherwise', async () => {
    assert.equal(createExecutor(1), serialExecutor);
    const executor = createExecutor(2);
    assert.ok(executor instanceof WorkerPool);
    assert.equal(executor.threads, 2);
    await closeExecutor(executor);
    assert.ok(createExecutor(0).threads >= 1);
    assert.throws(() => createExecutor(-1), ConfigError);
  });

  it('lets a program that never calls close() exit by itself', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const program = fileURLToPath(new URL('./fixtures/pool-without-close.ts', import.meta.url));
    const started = performance.now();
    // A pool that kept the process alive would never let it exit: the timeout catches that. How long
    // the child takes to start is not this spec's business (it took 10 s at load 12).
    const child = spawnSync(process.execPath, ['--import', 'tsx', program], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const seconds = (performance.now() - started) / 1000;
    assert.equal(child.signal, null, `killed after ${seconds.toFixed(1)} s: the pool kept the process alive`);
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), 'sum 512');
  });

  it('throws a clear error once closed', async () => {
    const pool = pair; // last spec of the file: the after() hook's close() is then a no-op
    const shape: GemmCase = { transA: false, transB: false, m: 4, n: 4, k: 4, accumulate: false };
    assert.deepEqual(bits(runGemm(pool, shape, 3)), bits(runGemm(serialExecutor, shape, 3)));
    await pool.close();
    assert.throws(() => runGemm(pool, shape, 3), /the pool is closed/);
  });
});
