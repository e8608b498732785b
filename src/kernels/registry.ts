/**
 * The table of range kernels an Executor runs by name. Worker threads import this same module, so a
 * name means the same function on every thread. Each entry adapts a pure kernel of this folder to
 * the RangeKernel form (args, start, end): it processes items [start, end) of its work range and
 * writes only the outputs those items own (see parallel/executor.ts for the determinism rule).
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
 * | batchNormForward/Backward     | channels c       | batch-norm.ts                            |
 *
 * The conv and pool kernels take their typed argument records (ConvForwardArgs, ...) directly: those
 * records hold only numbers and typed arrays, which is what KernelArgs carries to a worker.
 */
import type { KernelArgs, RangeKernel } from './range-kernel.ts';
import { gemm } from './gemm.ts';
import {
  conv2dBackwardDataNaive, conv2dBackwardWeightsNaive, conv2dForwardNaive,
} from './conv-naive.ts';
import type { ConvBackwardDataArgs, ConvBackwardWeightsArgs, ConvForwardArgs } from './conv-naive.ts';
import {
  conv2dBackwardDataIm2col, conv2dBackwardWeightsIm2col, conv2dForwardIm2col,
} from './conv-im2col.ts';
import type {
  ConvBackwardDataIm2colArgs, ConvBackwardWeightsIm2colArgs, ConvForwardIm2colArgs,
} from './conv-im2col.ts';
import { conv2dBackwardDataFlipped } from './conv-backward-data-flipped.ts';
import type { ConvBackwardDataFlippedArgs } from './conv-backward-data-flipped.ts';
import {
  conv2dBackwardDataImplicit, conv2dBackwardWeightsImplicit, conv2dForwardImplicit,
} from './conv-implicit-gemm.ts';
import type {
  ConvBackwardDataImplicitArgs, ConvBackwardWeightsImplicitArgs, ConvForwardImplicitArgs,
} from './conv-implicit-gemm.ts';
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward } from './pooling.ts';
import { reluBackward, reluForward } from './relu.ts';
import type { ReluBackwardArgs, ReluForwardArgs } from './relu.ts';
import { batchNormBackward, batchNormForward } from './batch-norm.ts';
import type { BatchNormBackwardArgs, BatchNormForwardArgs } from './batch-norm.ts';
import type { AvgPoolBackwardArgs, AvgPoolForwardArgs, MaxPoolBackwardArgs, MaxPoolForwardArgs } from './pooling.ts';

/**
 * 'gemmRows': C rows [start, end) of C (+)= op(A)·op(B). Args: transA, transB, m, n, k, a, aOffset,
 * lda, b, bOffset, ldb, c, cOffset, ldc, accumulate — as in gemm(). Each row of C is one item.
 */
function gemmRows(args: KernelArgs, start: number, end: number): void {
  const transA = args.transA as boolean;
  const lda = args.lda as number;
  const aOffset = (args.aOffset as number) + (transA ? start : start * lda);
  gemm(
    transA, args.transB as boolean, end - start, args.n as number, args.k as number,
    args.a as Float32Array, aOffset, lda,
    args.b as Float32Array, args.bOffset as number, args.ldb as number,
    args.c as Float32Array, (args.cOffset as number) + start * (args.ldc as number), args.ldc as number,
    args.accumulate as boolean,
  );
}

/** Adapts a kernel over a typed argument record to the RangeKernel form (a cast, no wrapper work). */
function typed<Args>(kernel: (args: Args, start: number, end: number) => void): RangeKernel {
  return kernel as unknown as RangeKernel;
}

export const kernelRegistry: Readonly<Record<string, RangeKernel>> = {
  gemmRows,
  conv2dForwardNaive: typed<ConvForwardArgs>(conv2dForwardNaive),
  conv2dBackwardDataNaive: typed<ConvBackwardDataArgs>(conv2dBackwardDataNaive),
  conv2dBackwardWeightsNaive: typed<ConvBackwardWeightsArgs>(conv2dBackwardWeightsNaive),
  conv2dForwardIm2col: typed<ConvForwardIm2colArgs>(conv2dForwardIm2col),
  conv2dBackwardWeightsIm2col: typed<ConvBackwardWeightsIm2colArgs>(conv2dBackwardWeightsIm2col),
  conv2dBackwardDataIm2col: typed<ConvBackwardDataIm2colArgs>(conv2dBackwardDataIm2col),
  conv2dBackwardDataFlipped: typed<ConvBackwardDataFlippedArgs>(conv2dBackwardDataFlipped),
  conv2dForwardImplicit: typed<ConvForwardImplicitArgs>(conv2dForwardImplicit),
  conv2dBackwardWeightsImplicit: typed<ConvBackwardWeightsImplicitArgs>(conv2dBackwardWeightsImplicit),
  conv2dBackwardDataImplicit: typed<ConvBackwardDataImplicitArgs>(conv2dBackwardDataImplicit),
  maxPoolForward: typed<MaxPoolForwardArgs>(maxPoolForward),
  maxPoolBackward: typed<MaxPoolBackwardArgs>(maxPoolBackward),
  avgPoolForward: typed<AvgPoolForwardArgs>(avgPoolForward),
  avgPoolBackward: typed<AvgPoolBackwardArgs>(avgPoolBackward),
  reluForward: typed<ReluForwardArgs>(reluForward),
  reluBackward: typed<ReluBackwardArgs>(reluBackward),
  batchNormForward: typed<BatchNormForwardArgs>(batchNormForward),
  batchNormBackward: typed<BatchNormBackwardArgs>(batchNormBackward),
};
