/**
 * SerialExecutor: runs every kernel on the calling thread, in one part. Portable (browsers, Deno,
 * Bun) and the reference that the worker pool must match bit for bit.
 */
import { ConfigError } from '../errors.ts';
import type { Executor, KernelArgs } from './executor.ts';
import { kernelRegistry } from '../kernels/registry.ts';

export class SerialExecutor implements Executor {
  readonly threads = 1;

  parallelFor(kernelName: string, args: KernelArgs, total: number): void {
    const kernel = kernelRegistry[kernelName];
    if (!kernel) throw new ConfigError(`executor: no kernel named '${kernelName}' is registered`);
    if (total > 0) kernel(args, 0, total);
  }
}

/** The default executor of every layer. */
export const serialExecutor = new SerialExecutor();
