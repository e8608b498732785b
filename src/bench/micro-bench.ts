/**
 * The small benchmarks: the machine's 2-thread scaling on a pure compute loop, the cost of one
 * parallelFor hand-off, and GEMM at 512×512×512 on 1 and 2 threads.
 */
import { gemm } from '../kernels/gemm.ts';
import type { WorkerPool } from '../parallel/worker-pool.ts';
import { allocFloat32 } from '../tensor/tensor.ts';
import { Rng } from '../tensor/rng.ts';
import { measureInterleaved, median } from './measure.ts';
import type { TimingOptions } from './measure.ts';
import type { DispatchResult, GemmResult, ScalingResult } from './results.ts';

/** The pools a benchmark run shares: 1 thread (runs inline) and 2 threads, both with the bench kernels. */
export interface BenchPools {
  readonly single: WorkerPool;
  readonly pair: WorkerPool;
}

/** The same compute loop on 1 thread and 2 threads, interleaved: time(1) / time(2). */
export function benchScaling(pools: BenchPools, timing: TimingOptions): ScalingResult {
  const items = 2000; // ≈ 8 M multiply-adds, ~10 ms on one thread
  const out = allocFloat32(items);
  const [oneThread, twoThreads] = measureInterleaved(
    [
      { run: () => pools.single.parallelFor('computeLoop', { out }, items) },
      { run: () => pools.pair.parallelFor('computeLoop', { out }, items) },
    ],
    timing,
  );
  return { bench: 'scaling', threads: 2, factor: oneThread / twoThreads };
}

/**
 * Hand-off cost: a gemmRows over 2 one-element rows, on the 2-thread pool minus on 1 thread.
 * Hot = back to back; cold = 2 ms apart (the worker spins 200 µs, then sleeps).
 */
export function benchDispatch(pools: BenchPools, timing: TimingOptions): DispatchResult {
  const a = allocFloat32(2).fill(1);
  const c = allocFloat32(2);
  const args = {
    transA: false, transB: false, m: 2, n: 1, k: 1,
    a, aOffset: 0, lda: 1, b: a, bOffset: 0, ldb: 1, c, cOffset: 0, ldc: 1, accumulate: false,
  };
  const [single, pair] = measureInterleaved(
    [
      { run: () => pools.single.parallelFor('gemmRows', args, 2) },
      { run: () => pools.pair.parallelFor('gemmRows', args, 2) },
    ],
    timing,
  );
  const gap = new Int32Array(new SharedArrayBuffer(4));
  const coldSamples: number[] = [];
  for (let call = 0; call < (timing.runs < 7 ? 15 : 41); call++) {
    Atomics.wait(gap, 0, 0, 2); // let the worker go to sleep
    const started = performance.now();
    pools.pair.parallelFor('gemmRows', args, 2);
    coldSamples.push(performance.now() - started);
  }
  return {
    bench: 'dispatch',
    workers: 2,
    hotMicroseconds: (pair - single) * 1e6,
    coldMicroseconds: median(coldSamples) * 1000 - single * 1e6,
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
      { run: () => pools.pair.parallelFor('gemmRows', args, size) },
    ],
    timing,
  );
  const flops = 2 * size * size * size;
  return [
    { bench: 'gemm', m: size, n: size, k: size, workers: 1, gflops: flops / single / 1e9 },
    { bench: 'gemm', m: size, n: size, k: size, workers: 2, gflops: flops / pair / 1e9 },
  ];
}
