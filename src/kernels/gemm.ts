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
 * Convolution backward needs the transposed forms: dW += dY·colsᵀ (transB) and cols = Wᵀ·dY
 * (transA). The plain triple loop that defines the result lives in gemm-reference.ts.
 *
 * How it is fast (the Goto/BLIS scheme, scaled to what a JavaScript JIT does well):
 *
 * 1. Blocking. The k dimension is cut into blocks of KC, n into blocks of NC, m into blocks of MC.
 *    For one (k-block, n-block) the KC×NC slab of op(B) is *packed* — copied into a contiguous
 *    scratch buffer in the exact order the inner loop reads it — and reused by every row block;
 *    for one row block the MC×KC slab of op(A) is packed likewise. Packing also removes the
 *    transposes: after it, all four variants run the same inner loop over unit-stride memory.
 * 2. Register tile. The micro-kernel computes a 4×4 tile of C in sixteen local variables, reading
 *    four values of A and four of B per step of p: 16 multiply-adds per 8 loads, where the naive
 *    loop does 1 per 2. Sixteen accumulators plus eight operands still fit in the 16 xmm registers
 *    V8's optimiser hands out without spilling too much; wider tiles measured slower here.
 * 3. Float64 scratch. JavaScript arithmetic is double precision, so every Float32Array read costs a
 *    float→double conversion. The packed panels are Float64Arrays: each element is converted once
 *    while packing (O(mk + kn) work) instead of once per use in the inner loop (O(mnk)). As a bonus
 *    each k-block is summed in double precision before it is rounded into C.
 *
 * Scratch memory is two module-level Float64Arrays that grow once (to MC·KC and KC·NC values,
 * 512 KiB in all) and are reused by every call: no allocation per call. Each worker thread imports
 * its own copy of this module, so threads never share scratch.
 *
 * Determinism (what the worker pool relies on). Every element C[i][j] is computed as
 *   for each k-block b = 0, 1, … in order:  s = Σ_{p in block b, ascending} A[i][p]·B[p][j]  (double)
 *                                           C[i][j] = fround(C[i][j] + s)   (or = fround(s) for b = 0
 *                                                                             when not accumulating)
 * The k-blocks start at 0 and have fixed size KC, whatever m, n, the row offset or the tile an
 * element falls into; padding of edge tiles only adds rows/columns that are thrown away. So the bits
 * of C[i][j] do not depend on how the rows of C are split between threads ('gemmRows').
 */

/** Rows of the register tile (of C and of a packed A panel). */
const MR = 4;
/** Columns of the register tile (of C and of a packed B panel). */
const NR = 4;
/** Depth of a k-block: one packed A panel (MR×KC) and B panel (KC×NR) stay in L1 together. */
const KC = 256;
/** Rows of C per packed A block: MC×KC doubles (128 KiB) stay in L2. */
const MC = 64;
/** Columns of C per packed B block: KC×NC doubles (512 KiB) stay in L2/L3. */
const NC = 256;

let packedA = new Float64Array(0);
let packedB = new Float64Array(0);
/** One register tile, used only to store edge tiles whose real size is below MR×NR. */
const edgeTile = new Float64Array(MR * NR);

/** Grows the packing buffers once to their fixed maximum sizes. */
function ensureScratch(): void {
  if (packedA.length === 0) {
    packedA = new Float64Array(MC * KC);
    packedB = new Float64Array(KC * NC);
  }
}

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
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    // An empty sum: C = 0 (or C += 0).
    if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOffset + i * ldc, cOffset + i * ldc + n);
    return;
  }
  ensureScratch();
  for (let colStart = 0; colStart < n; colStart += NC) {
    const cols = Math.min(NC, n - colStart);
    for (let depthStart = 0; depthStart < k; depthStart += KC) {
      const depth = Math.min(KC, k - depthStart);
      // The first k-block overwrites C unless the caller asked to accumulate.
      const overwrite = !accumulate && depthStart === 0;
      packB(transB, b, bOffset, ldb, depthStart, depth, colStart, cols);
      for (let rowStart = 0; rowStart < m; rowStart += MC) {
        const rows = Math.min(MC, m - rowStart);
        packA(transA, a, aOffset, lda, rowStart, rows, depthStart, depth);
        macroKernel(rows, cols, depth, c, cOffset + rowStart * ldc + colStart, ldc, overwrite);
      }
    }
  }
}

/**
 * Packs op(B)[depthStart .. +depth, colStart .. +cols] into `packedB` as consecutive KC×NR panels:
 * panel q holds columns q·NR .. q·NR+NR−1, laid out p-major (the NR values of one p are adjacent).
 * Columns past the edge are zero-filled.
 */
function packB(
  transB: boolean, b: Float32Array, bOffset: number, ldb: number,
  depthStart: number, depth: number, colStart: number, cols: number,
): void {
  const dst = packedB;
  let index = 0;
  for (let panel = 0; panel < cols; panel += NR) {
    const width = Math.min(NR, cols - panel);
    for (let p = 0; p < depth; p++) {
      for (let j = 0; j < NR; j++) {
        if (j >= width) {
          dst[index++] = 0;
        } else {
          const row = depthStart + p;
          const col = colStart + panel + j;
          dst[index++] = transB ? b[bOffset + col * ldb + row] : b[bOffset + row * ldb + col];
        }
      }
    }
  }
}

/**
 * Packs op(A)[rowStart .. +rows, depthStart .. +depth] into `packedA` as consecutive MR×KC panels:
 * panel r holds rows r·MR .. r·MR+MR−1, laid out p-major (the MR values of one p are adjacent).
 * Rows past the edge are zero-filled.
 */
function packA(
  transA: boolean, a: Float32Array, aOffset: number, lda: number,
  rowStart: number, rows: number, depthStart: number, depth: number,
): void {
  const dst = packedA;
  let index = 0;
  for (let panel = 0; panel < rows; panel += MR) {
    const height = Math.min(MR, rows - panel);
    for (let p = 0; p < depth; p++) {
      for (let i = 0; i < MR; i++) {
        if (i >= height) {
          dst[index++] = 0;
        } else {
          const row = rowStart + panel + i;
          const col = depthStart + p;
          dst[index++] = transA ? a[aOffset + col * lda + row] : a[aOffset + row * lda + col];
        }
      }
    }
  }
}

/** Runs the micro-kernel over every MR×NR tile of a packed (rows × cols) block of C. */
function macroKernel(
  rows: number, cols: number, depth: number,
  c: Float32Array, cStart: number, ldc: number, overwrite: boolean,
): void {
  for (let panelCol = 0; panelCol < cols; panelCol += NR) {
    const width = Math.min(NR, cols - panelCol);
    const bStart = panelCol * depth;
    for (let panelRow = 0; panelRow < rows; panelRow += MR) {
      const height = Math.min(MR, rows - panelRow);
      microKernel(depth, panelRow * depth, bStart, c, cStart + panelRow * ldc + panelCol, ldc, height, width, overwrite);
    }
  }
}

/**
 * The 4×4 register tile: C[0..3][0..3] (+)= Σ_p Apanel[p][0..3] ⊗ Bpanel[p][0..3].
 * `height`×`width` (≤ 4×4) is the part of the tile inside C; the rest is computed and discarded.
 */
function microKernel(
  depth: number, aStart: number, bStart: number,
  c: Float32Array, cIndex: number, ldc: number, height: number, width: number, overwrite: boolean,
): void {
  const pa = packedA;
  const pb = packedB;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  let ai = aStart;
  let bi = bStart;
  const aEnd = aStart + depth * MR;
  while (ai < aEnd) {
    const a0 = pa[ai], a1 = pa[ai + 1], a2 = pa[ai + 2], a3 = pa[ai + 3];
    const b0 = pb[bi], b1 = pb[bi + 1], b2 = pb[bi + 2], b3 = pb[bi + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ai += MR;
    bi += NR;
  }
  if (height === MR && width === NR) {
    // Full tile: write straight from the registers.
    let r = cIndex;
    if (overwrite) {
      c[r] = c00; c[r + 1] = c01; c[r + 2] = c02; c[r + 3] = c03; r += ldc;
      c[r] = c10; c[r + 1] = c11; c[r + 2] = c12; c[r + 3] = c13; r += ldc;
      c[r] = c20; c[r + 1] = c21; c[r + 2] = c22; c[r + 3] = c23; r += ldc;
      c[r] = c30; c[r + 1] = c31; c[r + 2] = c32; c[r + 3] = c33;
    } else {
      c[r] += c00; c[r + 1] += c01; c[r + 2] += c02; c[r + 3] += c03; r += ldc;
      c[r] += c10; c[r + 1] += c11; c[r + 2] += c12; c[r + 3] += c13; r += ldc;
      c[r] += c20; c[r + 1] += c21; c[r + 2] += c22; c[r + 3] += c23; r += ldc;
      c[r] += c30; c[r + 1] += c31; c[r + 2] += c32; c[r + 3] += c33;
    }
    return;
  }
  // Edge tile: park the sixteen sums, then store only the part inside C (same values, same rounding).
  const t = edgeTile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
  t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
  t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23;
  t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33;
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      const index = cIndex + i * ldc + j;
      c[index] = overwrite ? t[i * NR + j] : c[index] + t[i * NR + j];
    }
  }
}
