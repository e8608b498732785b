/**
 * The table of range kernels an Executor runs by name. Worker threads import this same module, so a
 * name means the same function on every thread. Each entry adapts a pure kernel of this folder to
 * the RangeKernel form (args, start, end): it processes items [start, end) of its work range and
 * writes only the outputs those items own (see parallel/executor.ts for the determinism rule).
 */
import type { KernelArgs, RangeKernel } from '../parallel/executor.ts';
import { gemm } from './gemm.ts';

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

export const kernelRegistry: Readonly<Record<string, RangeKernel>> = {
  gemmRows,
};
