/**
 * GEMM: general matrix multiply on row-major Float32Array matrices, BLAS-style.
 *
 *   C[m×n] (+)= op(A)[m×k] · op(B)[k×n]        op(X) = X or Xᵀ
 *
 * Arguments follow BLAS sgemm, restricted to alpha = 1 and beta ∈ {0, 1}:
 * - transA: A is stored k×m (so op(A) = Aᵀ is m×k); otherwise m×k.
 * - transB: B is stored n×k; otherwise k×n.
 * - lda/ldb/ldc: row strides (leading dimensions) of the stored matrices.
 * - aOffset/bOffset/cOffset: where each matrix starts inside its array (lets callers pass views).
 * - accumulate: false → C = op(A)·op(B); true → C += op(A)·op(B) (gradients accumulate).
 *
 * TEMPORARY: a plain triple loop. The convolution issue replaces it with the blocked, register-tiled
 * kernel; this same signature stays.
 */
export function gemm(
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
