/**
 * GEMM: general matrix multiply on row-major Float32Array matrices, BLAS-style.
 *
 *   C[m×n] (+)= op(A)[m×k] · op(B)[k×n]        op(X) = X or Xᵀ
 *
 * Arguments follow BLAS sgemm, restricted to alpha = 1 and beta ∈ {0, 1}; they are the fields of
 * GemmArgs below, in that order (gemm() takes them positionally, the 'gemmRows' kernel as a record).
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
 *    The part of C being computed (up to C_BLOCK_ROWS × NC) lives in the scratch heap too, through
 *    all its k-blocks: C is read once and written once per element, by native copies, not once per
 *    k-block by a JavaScript loop (which cost about 10 % of a 512³ product).
 * 2. Register tile. The macro-kernel (gemm-macro-kernel.ts) runs over the packed blocks one tile of
 *    C at a time, its sums in registers, reading a few values of A and of B per step of p and doing
 *    a multiply-add for every pair: for a 4×4 tile, 16 multiply-adds per 8 loads, where the naive
 *    loop does 1 per 2. The panels are MR = 4 rows of A and NR = 8 columns of B: the WebAssembly
 *    SIMD tier keeps a whole 4×8 tile in eight f32x4 registers (four columns each); the scalar tiers
 *    (asm.js, plain TypeScript) cut it into two 4×4 tiles, about as far as a tile goes in scalar
 *    JavaScript before the sums spill.
 * 3. Float32 scratch, float32 sums. The operands are float32, and so is the arithmetic: every
 *    multiply-add rounds the product and then the sum to float32 (never fused), so the SIMD tier can
 *    hold four sums per register — twice the lanes of double precision — and the packed panels are
 *    plain copies into a Float32Array heap (half the memory of doubles). Packing still pays for
 *    itself: it removes the transposes and strides, once per element per block instead of per use.
 *    The price is accuracy: a float32 sum of n terms is off by up to about n·2⁻²⁴·Σ|terms| (the
 *    reference spec states the bound it checks against a double-precision sum).
 *
 * Scratch memory is ONE heap per thread (an ArrayBuffer of 2 MiB holding the packed A block, the
 * packed B block and a C block that rows of C are summed in), made on the first call and reused by
 * every call: no scratch allocation per call (only small views to copy C rows in and out). Each
 * worker thread imports its own copy of this module, so threads never share scratch.
 *
 * Determinism (what the worker pool relies on; the order of the float32 contract, issue 15). Every
 * element C[i][j] is computed as (f32 = round to float32)
 *   (not accumulating: C[i][j] = 0 first)
 *   for each k-block b = 0, 1, … in order:  s = +0
 *                                           for p in block b, ascending:  s = f32(s + f32(A[i][p]·B[p][j]))
 *                                           C[i][j] = f32(C[i][j] + s)
 * Why the order is spelled out, not just "the sum rounded to float32": float32 addition is not
 * associative, so the same terms summed in another order — a tile stepping p two at a time into two
 * sums, SIMD lanes splitting one sum, blocks that start where a thread's share starts — give other
 * bits. The k-blocks start at 0 and have fixed size KC, whatever m, n, the row offset, the tier or the tile
 * an element falls into; padding of edge tiles only adds rows/columns that are thrown away. So the
 * bits of C[i][j] do not depend on how the rows of C are split between threads ('gemmRows'), nor on
 * the kernel tier: gemm-reference.ts spells out the same sums as a plain loop, and specs demand its
 * bits from every tier.
 *
 * Engines: the blocking here is plain TypeScript on every tier; the macro-kernel it feeds
 * (gemm-macro-kernel.ts) is mirrored by engines/gemm-macro-kernel-simd.ts and -asm.ts, and this file's
 * one engine contact is createScratchHeap (engine-switch.ts), which picks the tier. Packing is
 * TypeScript (packA, packB below: the version to read) on the scalar tiers; on the SIMD tier the heap
 * also has the packers of the SIMD module (ScratchHeap.packers): stageLines copies the contiguous
 * lines of an operand into the heap with native copies and one WebAssembly pass rearranges them into
 * panels (v128 copies, or 4×4 transposes for the lines that become panel rows). It moves the same
 * floats to the same places — the bits do not change — at several times the speed of a JavaScript
 * loop, which made packing 10–20 % of a 512³ product.
 */

import {
  A_BLOCK_START, B_BLOCK_START, C_BLOCK_ROWS, C_BLOCK_START, C_BLOCK_STRIDE, KC, MC, MR, NC, NR, STAGING_FLOATS, STAGING_START,
} from './gemm-macro-kernel.ts';
import { builtUnderCurrentSetting, createScratchHeap } from './engine-switch.ts';
import type { KernelTier, ScratchHeap } from './engine-switch.ts';
import { defineKernel } from './kernel.ts';

/**
 * The arguments of a GEMM, C[m×n] (+)= op(A)[m×k] · op(B)[k×n] — declared once: gemm() takes these
 * fields positionally in this order, the 'gemmRows' kernel as this record.
 */
export type GemmArgs = {
  /** A is stored k×m (so op(A) = Aᵀ is m×k); otherwise m×k. */
  readonly transA: boolean;
  /** B is stored n×k; otherwise k×n. */
  readonly transB: boolean;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** A, where it starts inside the array (lets callers pass views), and its row stride (leading dimension). */
  readonly a: Float32Array;
  readonly aOffset: number;
  readonly lda: number;
  readonly b: Float32Array;
  readonly bOffset: number;
  readonly ldb: number;
  readonly c: Float32Array;
  readonly cOffset: number;
  readonly ldc: number;
  /** false → C = op(A)·op(B); true → C += op(A)·op(B) (gradients accumulate). */
  readonly accumulate: boolean;
};

/** This thread's scratch heap: packed blocks, the C block and the macro-kernel; made on first use. */
let scratch: ScratchHeap | undefined;
/** scratch.view, cached for the packing loops. */
let packed: Float32Array = new Float32Array(0);

/** The heap, made on first use and made again when the kernel-tier setting has changed since. */
function ensureScratch(): ScratchHeap {
  if (scratch === undefined || !builtUnderCurrentSetting(scratch)) {
    scratch = createScratchHeap();
    packed = scratch.view;
  }
  return scratch;
}

/**
 * Which kernel tier this thread's GEMM macro-kernel runs under the current setting: 'simd'
 * (WebAssembly SIMD, the default wherever the engine has it), 'asm' or 'portable'. The bench reports it.
 */
export function gemmKernelTier(): KernelTier {
  return ensureScratch().tier;
}

/** The former name of gemmKernelTier (it returned 'wasm-simd' / 'asm.js' / 'portable'). */
export const gemmMacroKernelKind = gemmKernelTier;

/** C (+)= op(A)·op(B) with the arguments of GemmArgs, positionally (see the header). */
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
  const packStoredB: PanelPacker = (dst, dstStart, depthStart, depth, colStart, cols) =>
    packB(transB, b, bOffset, ldb, dst, dstStart, depthStart, depth, colStart, cols);
  gemmPackedB(transA, m, n, k, a, aOffset, lda, packStoredB, c, cOffset, ldc, accumulate);
}

/**
 * Rows [start, end) of C (+)= op(A)·op(B): the GEMM as a range kernel, one item per row of C. The
 * bits of a row do not depend on the split (see "Determinism" above).
 */
export function gemmRows(args: GemmArgs, start: number, end: number): void {
  const { transA, lda, ldc } = args;
  const aOffset = args.aOffset + (transA ? start : start * lda);
  gemm(
    transA, args.transB, end - start, args.n, args.k, args.a, aOffset, lda, args.b, args.bOffset, args.ldb,
    args.c, args.cOffset + start * ldc, ldc, args.accumulate,
  );
}

export const gemmRowsKernel = defineKernel('gemmRows', gemmRows);

/**
 * Writes op(B)[depthStart .. +depth][colStart .. +cols] into dst from dstStart as B panels:
 * ⌈cols/NR⌉ panels of depth × NR floats (NR = 8), p-major — dst[dstStart + ⌊j/NR⌋·depth·NR + p·NR +
 * (j mod NR)] holds op(B)[depthStart + p][colStart + j] — with the columns of the last panel past
 * `cols` set to 0.
 */
export type PanelPacker = (
  dst: Float32Array, dstStart: number, depthStart: number, depth: number, colStart: number, cols: number,
) => void;

/**
 * gemm with op(B) given by a packer instead of a stored matrix: C[m×n] (+)= op(A)[m×k] · op(B)[k×n].
 * Convolutions use it to pack image patches straight into the panels (im2col.ts), so the k×n
 * matrix is never stored. Same blocking, same bits as gemm for the same op(B).
 */
export function gemmPackedB(
  transA: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  aOffset: number,
  lda: number,
  packOpB: PanelPacker,
  c: Float32Array,
  cOffset: number,
  ldc: number,
  accumulate: boolean,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    // No k-blocks: C keeps its values, or is 0 (beta = 0).
    if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOffset + i * ldc, cOffset + i * ldc + n);
    return;
  }
  ensureScratch();
  for (let colStart = 0; colStart < n; colStart += NC) {
    const cols = Math.min(NC, n - colStart);
    const paddedCols = Math.ceil(cols / NR) * NR;
    for (let chunkStart = 0; chunkStart < m; chunkStart += C_BLOCK_ROWS) {
      const chunkRows = Math.min(C_BLOCK_ROWS, m - chunkStart);
      const cChunk = cOffset + chunkStart * ldc + colStart;
      loadCBlock(accumulate, c, cChunk, ldc, chunkRows, cols);
      for (let depthStart = 0; depthStart < k; depthStart += KC) {
        const depth = Math.min(KC, k - depthStart);
        packOpB(packed, B_BLOCK_START, depthStart, depth, colStart, cols);
        for (let rowStart = 0; rowStart < chunkRows; rowStart += MC) {
          const rows = Math.min(MC, chunkRows - rowStart);
          packA(transA, a, aOffset, lda, chunkStart + rowStart, rows, depthStart, depth);
          scratch!.run(Math.ceil(rows / MR) * MR, paddedCols, depth, rowStart);
        }
      }
      storeCBlock(c, cChunk, ldc, chunkRows, cols);
    }
  }
}

/**
 * The PanelPacker of a stored B: op(B)[depthStart .. +depth, colStart .. +cols] as KC×NR panels:
 * panel q holds columns q·NR .. q·NR+NR−1, laid out p-major (the NR values of one p are adjacent).
 * Columns past the edge are zero-filled. op(B)[p][j] = transB ? b[j·ldb + p] : b[p·ldb + j].
 */
function packB(
  transB: boolean, b: Float32Array, bOffset: number, ldb: number,
  dst: Float32Array, dstStart: number, depthStart: number, depth: number, colStart: number, cols: number,
): void {
  const packers = scratch!.packers;
  if (packers !== undefined && dst === packed && depth * cols >= WASM_PACK_MIN) {
    const paddedCols = Math.ceil(cols / NR) * NR;
    if (transB) {
      // Staged line j = column j of op(B) = stored row j: depth values, transposed into the panels.
      const stride = stageLines(b, bOffset + colStart * ldb + depthStart, ldb, cols, depth, depth, paddedCols);
      packers.transpose(NR, STAGING_START, stride, dstStart, depth, paddedCols / NR);
    } else {
      // Staged line p = row p of op(B): cols values (zero-padded to whole panels), gathered NR at a time.
      const stride = stageLines(b, bOffset + depthStart * ldb + colStart, ldb, depth, cols, paddedCols, depth);
      packers.gather(NR, STAGING_START, stride, dstStart, depth, paddedCols / NR);
    }
    return;
  }
  let index = dstStart;
  for (let panel = 0; panel < cols; panel += NR) {
    const col = colStart + panel;
    if (cols - panel < NR) {
      index = packEdgePanel(dst, index, b, bOffset, ldb, transB, depthStart, depth, col, cols - panel, NR);
    } else if (transB) {
      // Column j of op(B) is row j of the stored B: eight rows read side by side.
      let s0 = bOffset + col * ldb + depthStart;
      const s1 = ldb, s2 = 2 * ldb, s3 = 3 * ldb, s4 = 4 * ldb, s5 = 5 * ldb, s6 = 6 * ldb, s7 = 7 * ldb;
      for (let p = 0; p < depth; p++) {
        dst[index] = b[s0]; dst[index + 1] = b[s0 + s1]; dst[index + 2] = b[s0 + s2]; dst[index + 3] = b[s0 + s3];
        dst[index + 4] = b[s0 + s4]; dst[index + 5] = b[s0 + s5]; dst[index + 6] = b[s0 + s6]; dst[index + 7] = b[s0 + s7];
        index += NR;
        s0++;
      }
    } else {
      // Row p of op(B) is row p of the stored B: eight adjacent values per row.
      let source = bOffset + depthStart * ldb + col;
      for (let p = 0; p < depth; p++) {
        dst[index] = b[source]; dst[index + 1] = b[source + 1]; dst[index + 2] = b[source + 2]; dst[index + 3] = b[source + 3];
        dst[index + 4] = b[source + 4]; dst[index + 5] = b[source + 5]; dst[index + 6] = b[source + 6]; dst[index + 7] = b[source + 7];
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
  const packers = scratch!.packers;
  if (packers !== undefined && rows * depth >= WASM_PACK_MIN) {
    const paddedRows = Math.ceil(rows / MR) * MR;
    if (transA) {
      // Staged line p = column p of op(A) = stored row p: rows values (zero-padded), gathered MR at a time.
      const stride = stageLines(a, aOffset + depthStart * lda + rowStart, lda, depth, rows, paddedRows, depth);
      packers.gather(MR, STAGING_START, stride, A_BLOCK_START, depth, paddedRows / MR);
    } else {
      // Staged line i = row i of op(A): depth values, transposed into the panels.
      const stride = stageLines(a, aOffset + rowStart * lda + depthStart, lda, rows, depth, depth, paddedRows);
      packers.transpose(MR, STAGING_START, stride, A_BLOCK_START, depth, paddedRows / MR);
    }
    return;
  }
  let index = A_BLOCK_START;
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
  dst: Float32Array, index: number, source: Float32Array, offset: number, ld: number, lineMajor: boolean,
  depthStart: number, depth: number, first: number, count: number, width: number,
): number {
  for (let p = depthStart; p < depthStart + depth; p++) {
    for (let t = 0; t < width; t++) {
      dst[index++] = t >= count ? 0 : lineMajor ? source[offset + (first + t) * ld + p] : source[offset + p * ld + first + t];
    }
  }
  return index;
}

/**
 * Rows shorter than this are copied by a JavaScript loop: for a few values, making the view
 * objects of a native copy costs more than the copy.
 */
const NATIVE_COPY_MIN = 32;

/**
 * Blocks of fewer floats than this are packed in TypeScript even on the SIMD tier: below it, the
 * calls and view objects of staging cost more than the loops they replace.
 */
const WASM_PACK_MIN = 1024;

/**
 * The SIMD tier's packing, first half: copies `count` lines of `length` floats — line t starts at
 * source[sourceStart + t·ld] — into the staging area (gemm-macro-kernel.ts), line t at STAGING_START +
 * t·stride, with native copies, and returns the stride it used (≥ the one asked for). Floats
 * length .. stride−1 of each line and lines count .. paddedCount−1 are set to 0: they become the zero
 * padding of the edge panels. The SIMD packers then rearrange the lines into panels.
 *
 * One native copy per line costs a view object and a call (about 0.1 µs); when the lines need no
 * padding and lie at most 2·length apart in the source, one copy of the whole span between them is
 * cheaper, and the lines keep the source's stride ld (the values between them are copied and unused).
 */
function stageLines(
  source: Float32Array, sourceStart: number, ld: number, count: number, length: number, stride: number, paddedCount: number,
): number {
  const heap = packed;
  if (stride === length && ld <= 2 * length && paddedCount * ld <= STAGING_FLOATS) {
    heap.set(source.subarray(sourceStart, sourceStart + (count - 1) * ld + length), STAGING_START);
    if (paddedCount > count) heap.fill(0, STAGING_START + count * ld, STAGING_START + paddedCount * ld);
    return ld;
  } else {
    for (let t = 0; t < count; t++) {
      const from = sourceStart + t * ld;
      const to = STAGING_START + t * stride;
      if (length < NATIVE_COPY_MIN) for (let x = 0; x < length; x++) heap[to + x] = source[from + x];
      else heap.set(source.subarray(from, from + length), to);
      for (let x = length; x < stride; x++) heap[to + x] = 0;
    }
  }
  if (paddedCount > count) heap.fill(0, STAGING_START + count * stride, STAGING_START + paddedCount * stride);
  return stride;
}

/**
 * Fills the C block with the starting values of rows × cols of C at cStart: C itself when
 * accumulating, else zeros (beta = 0: the first k-block then adds into 0, and f32(0 + s) = s).
 * Copies are TypedArray.set and fill — native memory operations, several times faster than a
 * JavaScript loop — at the price of one small view object per row. (Columns of the block past
 * `cols` keep stale values: the kernel adds zeros from B's padding into them and nobody reads them.)
 */
function loadCBlock(accumulate: boolean, c: Float32Array, cStart: number, ldc: number, rows: number, cols: number): void {
  const block = packed;
  if (cols === C_BLOCK_STRIDE && ldc === cols) {
    // Whole rows of C, adjacent in C and in the block: one native copy.
    if (accumulate) block.set(c.subarray(cStart, cStart + rows * cols), C_BLOCK_START);
    else block.fill(0, C_BLOCK_START, C_BLOCK_START + rows * cols);
    return;
  }
  for (let i = 0; i < rows; i++) {
    const start = C_BLOCK_START + i * C_BLOCK_STRIDE;
    const row = cStart + i * ldc;
    if (cols < NATIVE_COPY_MIN) for (let j = 0; j < cols; j++) block[start + j] = accumulate ? c[row + j] : 0;
    else if (accumulate) block.set(c.subarray(row, row + cols), start);
    else block.fill(0, start, start + cols);
  }
}

/** Writes the C block's rows × cols back into C at cStart, once all k-blocks have added into it. */
function storeCBlock(c: Float32Array, cStart: number, ldc: number, rows: number, cols: number): void {
  const block = packed;
  if (cols === C_BLOCK_STRIDE && ldc === cols) {
    c.set(block.subarray(C_BLOCK_START, C_BLOCK_START + rows * cols), cStart);
    return;
  }
  for (let i = 0; i < rows; i++) {
    const source = C_BLOCK_START + i * C_BLOCK_STRIDE;
    const row = cStart + i * ldc;
    if (cols < NATIVE_COPY_MIN) for (let j = 0; j < cols; j++) c[row + j] = block[source + j];
    else c.set(block.subarray(source, source + cols), row);
  }
}
