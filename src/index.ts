/**
 * convnet-ts — the portable core: everything here runs unchanged in Node, browsers, Deno and Bun
 * (no `node:*` imports). Node-only pieces — files, datasets on disk, the worker pool, the CLI — are
 * exported from `convnet-ts/node` (src/node.ts).
 */
export * from './errors.ts';
export * from './tensor/tensor.ts';
export * from './tensor/rng.ts';
export * from './tensor/symmetric-eigen.ts';
export * from './tensor/argmax.ts';
export * from './tensor/parameter.ts';
export * from './tensor/forward-mode.ts';

export * from './kernels/gemm.ts';
export { im2col, col2im } from './kernels/im2col.ts';
export type { ConvGeometry, WindowGeometry } from './kernels/conv-geometry.ts';
export { kernelRegistry } from './kernels/registry.ts';
export * from './kernels/engines/kernel-tier.ts';
export * from './parallel/executor.ts';
export * from './parallel/serial-executor.ts';

export * from './graph/node.ts';
export * from './graph/ops.ts';
export * from './graph/matrix-ops.ts';
export * from './graph/loss-gates.ts';
export * from './graph/layer-gate.ts';

export * from './layers/layer.ts';
export * from './layers/fully-connected.ts';
export * from './layers/conv2d.ts';
export * from './layers/max-pool.ts';
export * from './layers/avg-pool.ts';
export * from './layers/relu.ts';
export * from './layers/leaky-relu.ts';
export * from './layers/elu.ts';
export * from './layers/sigmoid.ts';
export * from './layers/tanh.ts';
export * from './layers/maxout.ts';
export * from './layers/softmax.ts';
export * from './layers/svm-output.ts';
export * from './layers/dropout.ts';
export * from './layers/batch-norm.ts';

export * from './losses/svm.ts';
export * from './losses/softmax-cross-entropy.ts';
export * from './losses/squared-error.ts';
export * from './regularizers/penalties.ts';
export * from './regularizers/regularize.ts';
export * from './optim/update-rule.ts';
export * from './optim/optimizer.ts';
export * from './optim/schedules.ts';
export { updateRuleNames } from './optim/rules.ts';

export * from './nn/definition.ts';
export * from './nn/build-net.ts';
export * from './nn/net.ts';
export * from './nn/linear-classifier.ts';
export * from './nn/gradcheck.ts';
export * from './nn/summary.ts';
export * from './nn/initializers.ts';
export * from './nn/model-file.ts';
export * from './nn/float-codec.ts';
export * from './nn/fold-batch-norm.ts';

export * from './train/augment.ts';
export * from './train/evaluate.ts';
export * from './train/trainer.ts';
export * from './train/minibatch.ts';
export * from './train/checkpoint.ts';
export * from './train/divergence.ts';
export * from './train/training-data.ts';
export * from './train/yield-to-event-loop.ts';

export * from './explain/class-scores.ts';
export * from './explain/occlusion.ts';
export * from './explain/saliency.ts';
export * from './explain/receptive-field.ts';
export * from './explain/top-patches.ts';
export * from './explain/class-model.ts';
export * from './explain/tsne.ts';

export * from './data/dataset.ts';
export * from './data/patch-whitening.ts';
export * from './data/generated-images.ts';
export * from './data/toy2d.ts';

export * from './viz/index.ts';
