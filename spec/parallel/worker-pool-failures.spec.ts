/**
 * WorkerPool failure paths: a kernel that throws in a worker, a worker that calls process.exit, a
 * worker that runs out of memory (dies without its 'exit' hook). Each must become an error thrown
 * by parallelFor in the caller — never a hang — and the pool must work again on the next call.
 * The misbehaving kernels come from spec/parallel/fixtures/failing-kernels.ts via `kernelModules`.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ShapeError } from '../../src/errors.ts';
import { WorkerPool, loadKernelModule } from '../../src/parallel/worker-pool.ts';
import { allocFloat32 } from '../../src/tensor/tensor.ts';

const fixtures = await loadKernelModule(new URL('./fixtures/failing-kernels.ts', import.meta.url));
// A small heap lets the out-of-memory spec fail fast; gemm and the fixtures need far less.
const pool = new WorkerPool({ workers: 2, kernelModules: [fixtures], resourceLimits: { maxOldGenerationSizeMb: 48 } });
after(() => pool.close());

const total = 8;
const out = allocFloat32(total);

/** Runs `run` and returns how long it took, in seconds. */
function timed(run: () => void): number {
  const started = performance.now();
  run();
  return (performance.now() - started) / 1000;
}

/** The control: writeIndex fills out[i] = i on both threads. */
function assertPoolWorks(): void {
  out.fill(-1);
  pool.parallelFor('writeIndex', { out }, total);
  assert.deepEqual(Array.from(out), [0, 1, 2, 3, 4, 5, 6, 7]);
}

describe('WorkerPool failures', () => {
  it('turns an exception in a worker into an error of the same type in the caller', () => {
    assertPoolWorks();
    out.fill(-1);
    assert.throws(() => pool.parallelFor('throwInWorker', { out }, total), (error: unknown) => {
      assert.ok(error instanceof ShapeError, `expected a ShapeError, got ${String(error)}`);
      assert.match(
        error.message,
        /kernel 'throwInWorker' threw in worker 1 on items \[4, 8\) of 8: ShapeError: bad range \[4, 8\)/,
      );
      assert.ok(error.cause instanceof Error && /failing-kernels/.test(error.cause.stack ?? ''), 'worker stack kept');
      return true;
    });
    // The caller's own part ran to the end before the error was thrown.
    assert.deepEqual(Array.from(out.subarray(0, 4)), [0, 1, 2, 3]);
    assertPoolWorks();
  });

  it('turns a worker that calls process.exit into an error, then restarts it', () => {
    const seconds = timed(() => {
      assert.throws(
        () => pool.parallelFor('exitInWorker', { out, code: 7 }, total),
        /worker 1 died while running kernel 'exitInWorker' on items \[4, 8\) of 8 \(exit code 7\)/,
      );
    });
    assert.ok(seconds < 5, `noticed after ${seconds.toFixed(1)} s`);
    assertPoolWorks();
  });

  it('turns a worker that dies without an exit hook (out of memory) into an error, then restarts it', () => {
    const seconds = timed(() => {
      assert.throws(
        () => pool.parallelFor('exhaustMemoryInWorker', { out }, total),
        /worker 1 died while running kernel 'exhaustMemoryInWorker' on items \[4, 8\) of 8/,
      );
    });
    assert.ok(seconds < 10, `noticed after ${seconds.toFixed(1)} s`);
    assertPoolWorks();
  });

  it('rethrows the caller-thread exception as is, after the workers finished', () => {
    out.fill(-1);
    assert.throws(() => pool.parallelFor('throwInCaller', { out }, total), /^RangeError: caller part \[0, 4\) failed$/);
    assert.deepEqual(Array.from(out.subarray(4)), [4, 5, 6, 7]);
    assertPoolWorks();
  });

  it('refuses kernel modules whose names collide with the registry', () => {
    const clash = { url: fixtures.url, kernels: { gemmRows: fixtures.kernels.writeIndex } };
    assert.throws(() => new WorkerPool({ workers: 2, kernelModules: [clash] }), ConfigError);
  });
});
