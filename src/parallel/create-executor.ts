/**
 * createExecutor: the executor for a requested thread count (Node).
 *
 *   createExecutor(1) → serialExecutor (no threads, the portable reference)
 *   createExecutor(N) → a WorkerPool of N threads, the calling thread counting as one
 *   createExecutor(0) → one thread per core (os.availableParallelism())
 *
 * More threads than cores is allowed (specs use it to vary the split) but slower: every dispatch
 * waits for its slowest part, and a part that waits for a core waits a whole time slice.
 */
import { availableParallelism } from 'node:os';
import { ConfigError } from '../errors.ts';
import type { Executor } from './executor.ts';
import { serialExecutor } from './serial-executor.ts';
import { WorkerPool } from './worker-pool.ts';
import type { WorkerPoolOptions } from './worker-pool.ts';

/** An executor with `workers` computing threads (0 = one per core); see the header. */
export function createExecutor(workers: number, options: Omit<WorkerPoolOptions, 'workers'> = {}): Executor {
  if (!Number.isInteger(workers) || workers < 0) {
    throw new ConfigError(`createExecutor: workers must be an integer ≥ 0 (0 = one per core), got ${workers}`);
  }
  const threads = workers === 0 ? availableParallelism() : workers;
  return threads === 1 ? serialExecutor : new WorkerPool({ ...options, workers: threads });
}

/** Closes `executor` if it is a WorkerPool (the serial executor has nothing to close). */
export async function closeExecutor(executor: Executor): Promise<void> {
  if (executor instanceof WorkerPool) await executor.close();
}
