/**
 * convnet-ts for Node: the portable core plus what needs Node — files (PNG, tar, atomic writes),
 * dataset loaders that read from disk, and the worker_threads pool.
 */
export * from './index.ts';
export * from './io/png.ts';
export * from './io/tar.ts';
export * from './io/atomic-write.ts';
export * from './data/cifar10.ts';
export * from './data/idx.ts';
export * from './parallel/worker-pool.ts';
export * from './parallel/create-executor.ts';
export * from './viz/write-images.ts';
