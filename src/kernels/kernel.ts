/**
 * Kernel handles: what a layer passes to `executor.parallelFor(kernel, args, total)`.
 *
 * A range kernel processes the items [start, end) of its work range (images, planes, rows of C, ...)
 * and writes only the outputs those items own. A handle pairs such a function with the name under
 * which worker threads find it in the registry (registry.ts): a worker receives names, not
 * functions. Each kernel file defines its handles next to the loop they run —
 *
 *   export const conv2dForwardImplicitKernel = defineKernel('conv2dForwardImplicit', conv2dForwardImplicit);
 *
 * — so "go to definition" from a layer's parallelFor lands beside the loop, and `args` is checked
 * against the loop's own argument record.
 *
 * Arguments travel to workers as numbers, booleans and typed arrays only (KernelArgs; Float64Array for
 * per-channel statistics that must not lose bits between passes), which is why
 * the argument records are `type` aliases of such fields (an interface would not fit KernelArgs).
 */
export type KernelArgValue = Float32Array | Float64Array | Int32Array | Uint8Array | number | boolean;
export type KernelArgs = { readonly [key: string]: KernelArgValue };

/** A kernel that processes the items [start, end) of its work range. Pure; allocates nothing. */
export type RangeKernel<Args extends KernelArgs = KernelArgs> = (args: Args, start: number, end: number) => void;

/** A range kernel and its registry name. */
export interface KernelHandle<Args extends KernelArgs = KernelArgs> {
  readonly name: string;
  readonly run: RangeKernel<Args>;
  /** The name, so that `${kernel}` in a message or a recording executor reads as before. */
  toString(): string;
}

/** Names `run` for the registry; see the header. */
export function defineKernel<Args extends KernelArgs>(name: string, run: RangeKernel<Args>): KernelHandle<Args> {
  return Object.freeze({ name, run, toString: () => name });
}

/** The registry name of a handle or a plain name (executors accept both). */
export function kernelName(kernel: KernelHandle<never> | string): string {
  return typeof kernel === 'string' ? kernel : kernel.name;
}
