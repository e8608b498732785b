/**
 * The small benchmarks: the machine's 2-thread scaling on a pure compute loop, the cost of one
 * parallelFor hand-off, and GEMM at 512×512×512 on 1 and 2 threads.
 */
import { gemm, gemmRowsKernel } from '../kernels/gemm.ts';
import type { WorkerPool } from '../parallel/worker-pool.ts';
import { allocFloat32 } from '../tensor/tensor.ts';
import { Rng } from '../tensor/rng.ts';
import { measureInterleaved, median } from './measure.ts';
import type { TimedCase, TimingOptions } from './measure.ts';
import type { DispatchResult, GemmResult, ScalingResult } from './results.ts';

/** The pools a benchmark run shares: 1 thread (runs inline) and 2 threads, both with the bench kernels. */
export interface BenchPools {
  readonly single: WorkerPool;
  readonly pair: WorkerPool;
}

/** The compute loop on 1 thread and on 2 threads, as two timed cases (see bench-kernels.ts). */
export function scalingCases(pools: BenchPools): [TimedCase, TimedCase] {
  const items = 2000; // ≈ 8 M multiply-adds, ~10 ms on one thread
  const out = allocFloat32(items);
  return [
    { run: () => pools.single.parallelFor('computeLoop', { out }, items) },
    { run: () => pools.pair.parallelFor('computeLoop', { out }, items) },
  ];
}

/** The same compute loop on 1 thread and 2 threads, interleaved: time(1) / time(2). */
export function benchScaling(pools: BenchPools, timing: TimingOptions): ScalingResult {
  const [oneThread, twoThreads] = measureInterleaved(scalingCases(pools), timing);
  return { bench: 'scaling', threads: 2, factor: oneThread / twoThreads };
}

/**
 * Hand-off cost: a gemmRows over 2 one-element rows on the 2-thread pool, minus the same call on
 * 1 thread. Hot = back to back (the worker still spins); cold = 2 ms apart (the worker spins 200 µs,
 * then sleeps). Each call is timed on its own and the median taken: on a busy machine some calls
 * wait milliseconds for a core, and a mean would report the scheduler rather than the pool.
 */
export function benchDispatch(pools: BenchPools, timing: TimingOptions): DispatchResult {
  const a = allocFloat32(2).fill(1);
  const c = allocFloat32(2);
  const args = {
    transA: false, transB: false, m: 2, n: 1, k: 1,
    a, aOffset: 0, lda: 1, b: a, bOffset: 0, ldb: 1, c, cOffset: 0, ldc: 1, accumulate: false,
  };
  const calls = timing.runs < 7 ? 2000 : 20000;
  const perCall = (pool: WorkerPool, gapMilliseconds: number, count: number): number => {
    const gap = new Int32Array(new SharedArrayBuffer(4));
    const samples = new Float64Array(count);
    for (let call = -count / 10; call < count; call++) { // the first tenth warms up
      if (gapMilliseconds > 0) Atomics.wait(gap, 0, 0, gapMilliseconds);
      const started = performance.now();
      pool.parallelFor(gemmRowsKernel, args, 2);
      if (call >= 0) samples[call] = performance.now() - started;
    }
    return median(Array.from(samples)) * 1000;
  };
  const single = perCall(pools.single, 0, calls);
  return {
    bench: 'dispatch',
    workers: 2,
    hotMicroseconds: perCall(pools.pair, 0, calls) - single,
    coldMicroseconds: perCall(pools.pair, 2, timing.runs < 7 ? 20 : 100) - single,
  };
}

/** C = A·B at m = n = k = size: the kernel alone on 1 thread, and gemmRows on the 2-thread pool. */
export function benchGemm(pools: BenchPools, timing: TimingOptions, size = 512): GemmResult[] {
  const rng = new Rng(7);
  const a = allocFloat32(size * size);
  const b = allocFloat32(size * size);
  const c = allocFloat32(size * size);
  for (let i = 0; i < a.length; i++) [a[i], b[i]] = [rng.gaussian(0, 1), rng.gaussian(0, 1)];
  const args = {
    transA: false, transB: false, m: size, n: size, k: size,
    a, aOffset: 0, lda: size, b, bOffset: 0, ldb: size, c, cOffset: 0, ldc: size, accumulate: false,
  };
  const [single, pair] = measureInterleaved(
    [
      { run: () => gemm(false, false, size, size, size, a, 0, size, b, 0, size, c, 0, size, false) },
      { run: () => pools.pair.parallelFor(gemmRowsKernel, args, size) },
    ],
    timing,
  );
  const flops = 2 * size * size * size;
  return [
    { bench: 'gemm', m: size, n: size, k: size, workers: 1, gflops: flops / single / 1e9 },
    { bench: 'gemm', m: size, n: size, k: size, workers: 2, gflops: flops / pair / 1e9 },
  ];
}
