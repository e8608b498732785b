/**
 * The table of range kernels a worker thread finds by name. Layers pass kernel HANDLES to
 * executor.parallelFor (kernel.ts: a function and its name, defined next to the function in its own
 * file); a worker receives the name and looks it up here. Worker threads import this same module, so
 * a name means the same function on every thread. Each kernel processes items [start, end) of its
 * work range and writes only the outputs those items own (see parallel/executor.ts for the
 * determinism rule).
 *
 * | name                          | items            | kernel                                   |
 * | ----------------------------- | ---------------- | ---------------------------------------- |
 * | gemmRows                      | rows of C        | gemm.ts                                  |
 * | conv2dForwardNaive            | images n         | conv-naive.ts                            |
 * | conv2dBackwardDataNaive       | images n         | conv-naive.ts                            |
 * | conv2dBackwardWeightsNaive    | filters k        | conv-naive.ts (weights and bias)         |
 * | conv2dForwardIm2col           | images n         | conv-im2col.ts                           |
 * | conv2dBackwardWeightsIm2col   | patch entries r  | conv-im2col.ts (dw columns; db by biasRange) |
 * | conv2dBackwardDataIm2col      | images n         | conv-im2col.ts                           |
 * | conv2dBackwardDataFlipped     | images n         | conv-backward-data-flipped.ts            |
 * | conv2dForwardImplicit         | images n         | conv-implicit-gemm.ts                    |
 * | conv2dBackwardWeightsImplicit | 4×4 blocks of dw | conv-implicit-gemm.ts (weightGradWorkItems; db by filter group) |
 * | conv2dBackwardDataImplicit    | images n         | conv-implicit-gemm.ts                    |
 * | maxPoolForward/Backward       | planes n·C + c   | pooling.ts                               |
 * | avgPoolForward/Backward       | planes n·C + c   | pooling.ts                               |
 * | reluForward/Backward          | elements         | relu.ts                                  |
 * | batchNormInputSums            | rows n·C + c     | batch-norm.ts                            |
 * | batchNormAffine               | rows n·C + c     | batch-norm.ts                            |
 * | batchNormGradientSums         | rows n·C + c     | batch-norm.ts                            |
 * | batchNormInputGrad            | rows n·C + c     | batch-norm.ts                            |
 * | fullyConnectedForwardNaive    | samples n        | fully-connected-naive.ts                 |
 * | fullyConnectedBackwardDataNaive | samples n      | fully-connected-naive.ts                 |
 * | fullyConnectedBackwardWeightsNaive | outputs k   | fully-connected-naive.ts (weights and bias) |
 *
 * The kernels take their typed argument records (GemmArgs, ConvForwardArgs, ...) directly: those
 * records hold only numbers, booleans and typed arrays, which is what KernelArgs carries to a worker.
 */
import type { KernelArgs, KernelHandle, RangeKernel } from './kernel.ts';
import { gemmRowsKernel } from './gemm.ts';
import { conv2dBackwardDataNaiveKernel, conv2dBackwardWeightsNaiveKernel, conv2dForwardNaiveKernel } from './conv-naive.ts';
import { conv2dBackwardDataIm2colKernel, conv2dBackwardWeightsIm2colKernel, conv2dForwardIm2colKernel } from './conv-im2col.ts';
import { conv2dBackwardDataFlippedKernel } from './conv-backward-data-flipped.ts';
import {
  conv2dBackwardDataImplicitKernel, conv2dBackwardWeightsImplicitKernel, conv2dForwardImplicitKernel,
} from './conv-implicit-gemm.ts';
import { avgPoolBackwardKernel, avgPoolForwardKernel, maxPoolBackwardKernel, maxPoolForwardKernel } from './pooling.ts';
import { reluBackwardKernel, reluForwardKernel } from './relu.ts';
import { batchNormAffineKernel, batchNormGradientSumsKernel, batchNormInputGradKernel, batchNormInputSumsKernel } from './batch-norm.ts';
import { fullyConnectedBackwardDataNaiveKernel, fullyConnectedBackwardWeightsNaiveKernel, fullyConnectedForwardNaiveKernel } from './fully-connected-naive.ts';

/**
 * Every built-in kernel, as handles; `kernelRegistry` is the same list by name. A kernel missing here
 * runs on the serial executor but a WorkerPool refuses it (its workers could not find it).
 */
export const builtInKernels: ReadonlyArray<KernelHandle<never>> = [
  gemmRowsKernel,
  conv2dForwardNaiveKernel, conv2dBackwardDataNaiveKernel, conv2dBackwardWeightsNaiveKernel,
  conv2dForwardIm2colKernel, conv2dBackwardWeightsIm2colKernel, conv2dBackwardDataIm2colKernel,
  conv2dBackwardDataFlippedKernel,
  conv2dForwardImplicitKernel, conv2dBackwardWeightsImplicitKernel, conv2dBackwardDataImplicitKernel,
  maxPoolForwardKernel, maxPoolBackwardKernel, avgPoolForwardKernel, avgPoolBackwardKernel,
  reluForwardKernel, reluBackwardKernel,
  batchNormInputSumsKernel, batchNormAffineKernel, batchNormGradientSumsKernel, batchNormInputGradKernel,
  fullyConnectedForwardNaiveKernel, fullyConnectedBackwardWeightsNaiveKernel, fullyConnectedBackwardDataNaiveKernel,
];

export const kernelRegistry: Readonly<Record<string, RangeKernel>> = Object.freeze(Object.fromEntries(
  builtInKernels.map((kernel) => [kernel.name, kernel.run as unknown as RangeKernel<KernelArgs>]),
));
