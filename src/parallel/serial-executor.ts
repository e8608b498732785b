/**
 * SerialExecutor: runs every kernel on the calling thread, in one part. Portable (browsers, Deno,
 * Bun) and the reference that the worker pool must match bit for bit.
 */
import { ConfigError } from '../errors.ts';
import type { Executor } from './executor.ts';
import type { KernelArgs, KernelHandle, RangeKernel } from '../kernels/kernel.ts';
import { kernelRegistry } from '../kernels/registry.ts';

export class SerialExecutor implements Executor {
  readonly threads = 1;

  /** A handle runs its own function; a name is looked up in the registry. */
  parallelFor<Args extends KernelArgs>(kernel: KernelHandle<Args> | string, args: Args, total: number): void {
    const run: RangeKernel<Args> | undefined = typeof kernel === 'string' ? kernelRegistry[kernel] : kernel.run;
    if (!run) throw new ConfigError(`executor: no kernel named '${String(kernel)}' is registered`);
    if (total > 0) run(args, 0, total);
  }
}

/** The default executor of every layer. */
export const serialExecutor = new SerialExecutor();
