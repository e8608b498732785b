/**
 * The definition of GEMM as a plain triple loop: the reference the fast kernel (gemm.ts) is
 * spec'd against. Same signature and conventions as gemm():
 *
 *   C[m×n] (+)= op(A)[m×k] · op(B)[k×n]        op(X) = X, or Xᵀ when trans is set
 *
 *   element (i, p) of op(A) = transA ? a[aOffset + p·lda + i] : a[aOffset + i·lda + p]
 *   element (p, j) of op(B) = transB ? b[bOffset + j·ldb + p] : b[bOffset + p·ldb + j]
 *
 * Each sum runs over p = 0..k−1 in double precision and is rounded to float32 once, when stored.
 * Slow on purpose: nothing here is clever, so it is easy to trust.
 *
 * Engines: none mirror this file — the definition the fast paths are spec'd against.
 */
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
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const aValue = transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
        const bValue = transB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j];
        sum += aValue * bValue;
      }
      const index = cOffset + i * ldc + j;
      c[index] = accumulate ? c[index] + sum : sum;
    }
  }
}
