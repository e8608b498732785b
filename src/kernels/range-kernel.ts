/**
 * The form every parallel kernel takes: a pure function over the items [start, end) of its work
 * range, reading and writing only numbers and typed arrays (what can be handed to a worker thread).
 *
 * These types sit with the kernels, not with the executors that run them, so that the registry of
 * kernels (registry.ts) and the executors of parallel/ both import them downward.
 */
export type KernelArgValue = Float32Array | Int32Array | Uint8Array | number | boolean;
export type KernelArgs = { readonly [key: string]: KernelArgValue };

/** A kernel that processes the items [start, end) of its work range. Pure; allocates nothing. */
export type RangeKernel = (args: KernelArgs, start: number, end: number) => void;
