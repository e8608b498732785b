/**
 * Executor: how a layer runs a kernel over a range of work, possibly split across threads.
 *
 * A layer never spawns threads. It calls `executor.parallelFor(kernel, args, total)` with a kernel
 * handle imported from the kernel's own file (src/kernels/kernel.ts: the function and its registry
 * name); the executor splits [0, total) into contiguous parts and runs `kernel.run(args, start, end)`
 * on each part — on the calling thread (SerialExecutor, portable, what browsers use) or on a pool of
 * worker_threads (Node; see worker-pool.ts), whose workers find the function by `kernel.name` in
 * src/kernels/registry.ts. A plain name is accepted too (kernels added through a WorkerPool's
 * kernelModules have no handle on the calling side).
 *
 * Determinism rule for every range kernel: each output element is written by exactly one part, and
 * its value does not depend on where the range was cut (sums run in the same order whatever the
 * split). That is what makes results bit-identical for any number of workers.
 */
import type { KernelArgs, KernelHandle } from '../kernels/kernel.ts';

export type { KernelArgValue, KernelArgs, KernelHandle, RangeKernel } from '../kernels/kernel.ts';
export { defineKernel } from '../kernels/kernel.ts';

export interface Executor {
  /** How many threads compute, the calling thread counting as one. */
  readonly threads: number;
  /** Runs `kernel` (a handle, or a registered name) over [0, total). Returns when all parts are done. */
  parallelFor<Args extends KernelArgs>(kernel: KernelHandle<Args> | string, args: Args, total: number): void;
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
  for (const key in args) { // not Object.values: no array allocated per call
    const value = args[key];
    if (typeof value === 'object' && !(value.buffer instanceof SharedArrayBuffer)) return fallback;
  }
  return executor;
}
