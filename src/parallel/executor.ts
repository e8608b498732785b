/**
 * Executor: how a layer runs a kernel over a range of work, possibly split across threads.
 *
 * A layer never spawns threads. It calls `executor.parallelFor(kernelName, args, total)`; the
 * executor splits [0, total) into contiguous parts and runs the registered range kernel
 * `kernels[kernelName](args, start, end)` on each part — on the calling thread (SerialExecutor,
 * portable, what browsers use) or on a pool of worker_threads (Node; see worker-pool.ts).
 *
 * Determinism rule for every range kernel: each output element is written by exactly one part, and
 * its value does not depend on where the range was cut (sums run in the same order whatever the
 * split). That is what makes results bit-identical for any number of workers.
 */
import type { KernelArgs } from '../kernels/range-kernel.ts';
export type { KernelArgValue, KernelArgs, RangeKernel } from '../kernels/range-kernel.ts';

export interface Executor {
  /** How many threads compute, the calling thread counting as one. */
  readonly threads: number;
  /** Runs registered kernel `kernelName` over [0, total). Returns when all parts are done. */
  parallelFor(kernelName: string, args: KernelArgs, total: number): void;
}

/**
 * Splits [0, total) into `parts` contiguous ranges whose sizes differ by at most one.
 * Returns part boundaries b[0]=0 < … ≤ b[parts]=total.
 */
export function splitRange(total: number, parts: number): number[] {
  const bounds = [0];
  for (let part = 1; part <= parts; part++) bounds.push(Math.floor((total * part) / parts));
  return bounds;
}

/**
 * Below this many values an elementwise or per-channel job runs on the calling thread: handing it to
 * a worker costs a few microseconds, about what one thread needs for ~10,000 values of ReLU.
 */
export const PARALLEL_MIN_VALUES = 1 << 14;

/**
 * The executor to run `args` on: `executor` itself when it has several threads, the work is at least
 * `minItems` items (smaller jobs cost more to hand off than to do) and every array in `args` lives
 * in shared memory (what a worker pool needs; Tensors allocate there); otherwise `fallback`, the
 * calling thread's serial executor.
 */
export function executorFor(executor: Executor, fallback: Executor, args: KernelArgs, items: number, minItems: number): Executor {
  if (executor.threads <= 1 || items < minItems || typeof SharedArrayBuffer === 'undefined') return fallback;
  for (const value of Object.values(args)) {
    if (typeof value === 'object' && !(value.buffer instanceof SharedArrayBuffer)) return fallback;
  }
  return executor;
}
