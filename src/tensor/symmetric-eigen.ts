/**
 * Eigen-decomposition of a small real symmetric matrix by the cyclic Jacobi method.
 *
 *   A = V Λ Vᵀ,   A: (n, n) symmetric,  V: (n, n) orthogonal (eigenvectors in its columns),
 *   Λ = diag(values), values sorted from largest to smallest.
 *
 * Why Jacobi: it is the shortest correct algorithm — each step picks an off-diagonal entry a_pq and
 * applies the plane rotation that zeroes it; the sum of squares off the diagonal shrinks every sweep
 * (quadratically once it is small), and the product of the rotations is V. It is O(n³) per sweep with
 * about ten sweeps, which is nothing for the 75×75 patch covariances of whitening (src/data/
 * patch-whitening.ts). For n in the thousands use Householder tridiagonalisation + QL instead.
 *
 * Works in float64 throughout: the inputs are covariance sums, and whitening divides by the square roots
 * of the smallest eigenvalues, so their accuracy matters.
 */
import { ShapeError } from '../errors.ts';

export interface SymmetricEigen {
  /** n eigenvalues, largest first. */
  values: Float64Array;
  /** (n, n) row-major; column j (vectors[i*n + j], i = 0..n-1) is the unit eigenvector of values[j]. */
  vectors: Float64Array;
}

/**
 * Eigenvalues and eigenvectors of the symmetric (n, n) row-major matrix `matrix` (not modified).
 * Only symmetry within rounding is assumed: the upper triangle is what is read.
 * @throws ShapeError if matrix.length is not n².
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): SymmetricEigen {
  if (!Number.isInteger(n) || n < 0 || matrix.length !== n * n) {
    throw new ShapeError(`symmetricEigen: a ${n}x${n} matrix needs ${n * n} entries, got ${matrix.length}`);
  }
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      a[i * n + j] = matrix[i * n + j];
      a[j * n + i] = matrix[i * n + j];
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;

  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]));
  const MAX_SWEEPS = 100;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let offDiagonal = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) offDiagonal += a[p * n + q] * a[p * n + q];
    // Converged when what is left off the diagonal is rounding noise relative to the matrix.
    if (offDiagonal <= (1e-15 * scale) ** 2) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // The rotation angle θ with tan 2θ = 2 a_pq / (a_qq − a_pp); t = tan θ, the smaller root,
        // which keeps the rotation below 45° and the update stable.
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← Jᵀ A J, touching rows and columns p and q only.
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        // V ← V J accumulates the rotations: its columns become the eigenvectors.
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }

  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i] || i - j);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((source, target) => {
    values[target] = a[source * n + source];
    for (let k = 0; k < n; k++) vectors[k * n + target] = v[k * n + source];
  });
  return { values, vectors };
}
