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
 *    loop does 1 per 2. V8 emits scalar (not SIMD) double arithmetic, so this is about as far as a
 *    JavaScript tile goes: 2×4 up to 8×4, 4×6 and 4×8 tiles, unrolling p by two and int32 index
 *    hints all measured the same or slower on the reference machine (2-core AMD EPYC, Node 20),
 *    and the 4×4 kernel runs at the speed of a bare loop of sixteen multiply-add chains.
 * 3. Float64 scratch. JavaScript arithmetic is double precision, so every Float32Array read costs a
 *    float→double conversion. The packed panels are Float64Arrays: each element is converted once
 *    while packing (O(mk + kn) work) instead of once per use in the inner loop (O(mnk)). As a bonus
 *    each k-block is summed in double precision before it is rounded into C.
 *
 * Scratch memory is ONE module-level Float64Array, allocated on the first call (MC·KC + KC·NC values,
 * 640 KiB) and reused by every call: no allocation per call. The packed A block sits at its start
 * and the packed B block after it; one array instead of two leaves the micro-kernel a free register
 * (measured ~3% faster). Each worker thread imports its own copy of this module, so threads never
 * share scratch.
 *
 * Determinism (what the worker pool relies on). Every element C[i][j] is computed as
 *   (not accumulating: C[i][j] = 0 first)
 *   for each k-block b = 0, 1, … in order:  s = Σ_{p in block b, ascending} A[i][p]·B[p][j]  (double)
 *                                           C[i][j] = fround(C[i][j] + s)
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

/** Where the packed B block starts in `packed` (edge panels are padded to whole MR-row tiles). */
const PACKED_B_START = Math.ceil(MC / MR) * MR * KC;
/** Packed A block, then packed B block; empty until the first call. */
let packed = new Float64Array(0);
/** The register tile's sums on their way to C (see microKernel). */
const tile = new Float64Array(MR * NR);

/** Allocates the packing buffer once, at its fixed maximum size. */
function ensureScratch(): void {
  if (packed.length === 0) packed = new Float64Array(PACKED_B_START + KC * Math.ceil(NC / NR) * NR);
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
  // beta = 0: clear C first, so that every k-block below simply adds (0 + s = s exactly, so the
  // bits are those of a store). One code path keeps the micro-kernel free of rarely-taken branches.
  if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOffset + i * ldc, cOffset + i * ldc + n);
  if (k <= 0) return;
  ensureScratch();
  for (let colStart = 0; colStart < n; colStart += NC) {
    const cols = Math.min(NC, n - colStart);
    for (let depthStart = 0; depthStart < k; depthStart += KC) {
      const depth = Math.min(KC, k - depthStart);
      packB(transB, b, bOffset, ldb, depthStart, depth, colStart, cols);
      for (let rowStart = 0; rowStart < m; rowStart += MC) {
        const rows = Math.min(MC, m - rowStart);
        packA(transA, a, aOffset, lda, rowStart, rows, depthStart, depth);
        macroKernel(rows, cols, depth, c, cOffset + rowStart * ldc + colStart, ldc);
      }
    }
  }
}

/**
 * Packs op(B)[depthStart .. +depth, colStart .. +cols] into the B block of `packed` as KC×NR panels:
 * panel q holds columns q·NR .. q·NR+NR−1, laid out p-major (the NR values of one p are adjacent).
 * Columns past the edge are zero-filled. op(B)[p][j] = transB ? b[j·ldb + p] : b[p·ldb + j].
 */
function packB(
  transB: boolean, b: Float32Array, bOffset: number, ldb: number,
  depthStart: number, depth: number, colStart: number, cols: number,
): void {
  const dst = packed;
  let index = PACKED_B_START;
  for (let panel = 0; panel < cols; panel += NR) {
    const col = colStart + panel;
    if (cols - panel < NR) {
      index = packEdgePanel(dst, index, b, bOffset, ldb, transB, depthStart, depth, col, cols - panel, NR);
    } else if (transB) {
      // Column j of op(B) is row j of the stored B: four rows read side by side.
      let s0 = bOffset + col * ldb + depthStart;
      let s1 = s0 + ldb, s2 = s1 + ldb, s3 = s2 + ldb;
      for (let p = 0; p < depth; p++) {
        dst[index] = b[s0++]; dst[index + 1] = b[s1++]; dst[index + 2] = b[s2++]; dst[index + 3] = b[s3++];
        index += NR;
      }
    } else {
      // Row p of op(B) is row p of the stored B: four adjacent values per row.
      let source = bOffset + depthStart * ldb + col;
      for (let p = 0; p < depth; p++) {
        dst[index] = b[source]; dst[index + 1] = b[source + 1]; dst[index + 2] = b[source + 2]; dst[index + 3] = b[source + 3];
        index += NR;
        source += ldb;
      }
    }
  }
}

/**
 * Packs op(A)[rowStart .. +rows, depthStart .. +depth] into the A block of `packed` as MR×KC panels:
 * panel r holds rows r·MR .. r·MR+MR−1, laid out p-major (the MR values of one p are adjacent).
 * Rows past the edge are zero-filled. op(A)[i][p] = transA ? a[p·lda + i] : a[i·lda + p].
 */
function packA(
  transA: boolean, a: Float32Array, aOffset: number, lda: number,
  rowStart: number, rows: number, depthStart: number, depth: number,
): void {
  const dst = packed;
  let index = 0;
  for (let panel = 0; panel < rows; panel += MR) {
    const row = rowStart + panel;
    if (rows - panel < MR) {
      index = packEdgePanel(dst, index, a, aOffset, lda, !transA, depthStart, depth, row, rows - panel, MR);
    } else if (transA) {
      // Row i of op(A) is column i of the stored A: four adjacent values per stored row.
      let source = aOffset + depthStart * lda + row;
      for (let p = 0; p < depth; p++) {
        dst[index] = a[source]; dst[index + 1] = a[source + 1]; dst[index + 2] = a[source + 2]; dst[index + 3] = a[source + 3];
        index += MR;
        source += lda;
      }
    } else {
      // Four stored rows read side by side.
      let s0 = aOffset + row * lda + depthStart;
      let s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda;
      for (let p = 0; p < depth; p++) {
        dst[index] = a[s0++]; dst[index + 1] = a[s1++]; dst[index + 2] = a[s2++]; dst[index + 3] = a[s3++];
        index += MR;
      }
    }
  }
}

/**
 * The general (slow) packing of one edge panel that has `count` < `width` real lines, zero-filling
 * the rest; `lineMajor` says whether line t, depth p is at source[(first + t)·ld + p] (else at
 * source[p·ld + first + t]). Returns the next free index of `dst`.
 */
function packEdgePanel(
  dst: Float64Array, index: number, source: Float32Array, offset: number, ld: number, lineMajor: boolean,
  depthStart: number, depth: number, first: number, count: number, width: number,
): number {
  for (let p = depthStart; p < depthStart + depth; p++) {
    for (let t = 0; t < width; t++) {
      dst[index++] = t >= count ? 0 : lineMajor ? source[offset + (first + t) * ld + p] : source[offset + p * ld + first + t];
    }
  }
  return index;
}

/** Runs the micro-kernel over every MR×NR tile of a packed (rows × cols) block of C. */
function macroKernel(rows: number, cols: number, depth: number, c: Float32Array, cStart: number, ldc: number): void {
  for (let panelCol = 0; panelCol < cols; panelCol += NR) {
    const width = Math.min(NR, cols - panelCol);
    const bStart = PACKED_B_START + panelCol * depth;
    for (let panelRow = 0; panelRow < rows; panelRow += MR) {
      const height = Math.min(MR, rows - panelRow);
      microKernel(depth, panelRow * depth, bStart, c, cStart + panelRow * ldc + panelCol, ldc, height, width);
    }
  }
}

/**
 * The 4×4 register tile: tile[0..3][0..3] = Σ_p Apanel[p][0..3] ⊗ Bpanel[p][0..3], then added to the
 * `height`×`width` (≤ 4×4) part of the tile that lies inside C.
 */
function microKernel(
  depth: number, aStart: number, bStart: number,
  c: Float32Array, cIndex: number, ldc: number, height: number, width: number,
): void {
  const p = packed;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  let ai = aStart;
  let bi = bStart;
  const aEnd = aStart + depth * MR;
  while (ai < aEnd) {
    const a0 = p[ai], a1 = p[ai + 1], a2 = p[ai + 2], a3 = p[ai + 3];
    const b0 = p[bi], b1 = p[bi + 1], b2 = p[bi + 2], b3 = p[bi + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ai += MR;
    bi += NR;
  }
  // Park the sixteen sums and let one small loop update C. Keeping the edge cases (height or width
  // below 4) out of this function matters: code that a tile shape only sometimes reaches would
  // make V8 throw away this function's optimized code whenever an edge tile comes by.
  const t = tile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
  t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
  t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23;
  t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33;
  addTile(c, cIndex, ldc, height, width);
}

/** C[i][j] += tile[i][j] for the part of the tile inside C (height × width rows and columns). */
function addTile(c: Float32Array, cIndex: number, ldc: number, height: number, width: number): void {
  const t = tile;
  for (let i = 0; i < height; i++) {
    const row = cIndex + i * ldc;
    for (let j = 0; j < width; j++) c[row + j] += t[i * NR + j];
  }
}
