/**
 * The definition of GEMM as a plain triple loop: the reference the fast kernel (gemm.ts) is
 * spec'd against, bit for bit, on every kernel tier. Same signature and conventions as gemm():
 *
 *   C[m×n] (+)= op(A)[m×k] · op(B)[k×n]        op(X) = X, or Xᵀ when trans is set
 *
 *   element (i, p) of op(A) = transA ? a[aOffset + p·lda + i] : a[aOffset + i·lda + p]
 *   element (p, j) of op(B) = transB ? b[bOffset + j·ldb + p] : b[bOffset + p·ldb + j]
 *
 * The arithmetic is float32, in a fixed order (the float32 contract of issue 15; gemm.ts explains
 * why): with f32 = Math.fround, the rounding to the nearest float32,
 *
 *   C[i][j] = accumulate ? C[i][j] : 0
 *   for each k-block [p0, p0 + KC) ∩ [0, k), p0 = 0, KC, 2·KC, …:
 *     s = +0;  for p in the block, ascending:  s = f32(s + f32(op(A)[i][p] · op(B)[p][j]))
 *     C[i][j] = f32(C[i][j] + s)
 *
 * A product or sum of two floats computed in double precision and rounded once by Math.fround is
 * exactly the IEEE single-precision result, so these lines are what a float32 machine computes.
 * KC (256) is the fast kernel's k-block depth; blocking the sum keeps its error near KC + k/KC
 * roundings instead of k (spec/kernels/gemm.spec.ts states the bound it checks against a
 * double-precision sum). Slow on purpose: nothing here is clever, so it is easy to trust.
 *
 * Engines: none mirror this file — the definition the fast paths are spec'd against.
 */
import { KC } from './gemm-macro-kernel.ts';

const fround = Math.fround;

export function gemmReference(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  aOffset: number,
  lda: number,
  b: Float32Array,
  bOffset: number,
  ldb: number,
  c: Float32Array,
  cOffset: number,
  ldc: number,
  accumulate: boolean,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const index = cOffset + i * ldc + j;
      let value = accumulate ? c[index] : 0;
      for (let blockStart = 0; blockStart < k; blockStart += KC) {
        let sum = 0;
        for (let p = blockStart; p < Math.min(k, blockStart + KC); p++) {
          const aValue = transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
          const bValue = transB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j];
          sum = fround(sum + fround(aValue * bValue));
        }
        value = fround(value + sum);
      }
      c[index] = value;
    }
  }
}
