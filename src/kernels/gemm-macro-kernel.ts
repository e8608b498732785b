/**
 * The GEMM's inner engine: every register tile of one packed block, C_block += A_block · B_block, in
 * float32 arithmetic. gemm.ts packs the operands into a scratch heap and moves rows of C in and out
 * of its C block; this file owns that heap's layout and the loops that run over it.
 *
 * Heap layout (Float32, offsets in floats). The blocks are padded to whole panels:
 *
 *   A block  at A_BLOCK_START  rows/MR panels, each (depth × MR): panel r holds rows MR·r .. MR·r+MR−1, p-major
 *   B block  at B_BLOCK_START  cols/NR panels, each (depth × NR): panel q holds cols NR·q .. NR·q+NR−1, p-major
 *   C block  at C_BLOCK_START  up to C_BLOCK_ROWS × NC values of C, row-major with row stride C_BLOCK_STRIDE
 *
 * One call adds one k-block into rows cRow .. cRow + rows − 1 of the C block:
 *
 *   C_block[cRow + i][j] = f32(C_block[cRow + i][j] + s), where s = +0, then for p = 0 .. depth−1
 *                          ascending:  s = f32(s + f32(A[i][p] · B[p][j]))      (f32: round to float32)
 *
 * gemm.ts loads the C block (a copy of C's rows, or zeros) once, lets every k-block add into it, and
 * copies it out once: this is the GEMM's order, and C is touched twice per element, not per k-block.
 *
 * Why float32 and why this order (the float32 contract of issue 15). The operands are float32
 * already; summing in float32 lets WebAssembly put four sums in one 128-bit register (f32x4) where
 * double sums fit two (f64x2) — twice the multiply-adds per instruction — and halves the heap. Every
 * tier must still give the same bits, so each multiply-add is exactly two IEEE single roundings (a
 * product, then a sum; never a fused multiply-add) and each C element is summed over p in ascending
 * order, alone: SIMD lanes run across neighbouring *columns* (independent outputs), never across the
 * terms of one sum. Then the tile's shape is free — each tier picks the one its registers like — and
 * the bits are not. In TypeScript the rule reads `s = Math.fround(s + Math.fround(a * b))`: a and b
 * are floats, so the double product (and sum) rounded once by fround is the IEEE float32 result.
 *
 * `macroKernelPortable` below is the version to read, and the 'portable' kernel tier. The same
 * operations in the same order are mirrored, for speed, by
 *   engines/gemm-macro-kernel-simd.ts   tier 'simd': WebAssembly SIMD, one MR × NR tile in 2·MR f32x4
 *                                       registers (the default everywhere current)
 *   engines/gemm-macro-kernel-asm.ts    tier 'asm': asm.js with float-typed locals
 * and engine-switch.ts picks one per thread (createScratchHeap). A port can skip engines/ entirely.
 * This file imports nothing engine-specific.
 */

/**
 * Panel widths, shared by every tier because packing (gemm.ts, im2col.ts) writes them: A panels of
 * MR rows, B panels of NR columns. They are the SIMD register tile: NR = 8 columns are two f32x4
 * registers, MR = 4 rows give 8 accumulators + 2 B rows + 1 broadcast A value = 11 of x86-64's 16
 * vector registers. (6 rows — 15 registers — measured 40 % slower on Node 20: the JIT spills.)
 */
export const MR = 4;
export const NR = 8;
/**
 * Largest block gemm.ts packs (MC a multiple of MR, NC of NR): MC rows, KC depth, NC columns. One A
 * panel (MR × KC floats, 4 KiB) and one B panel (8 KiB) stay in L1 while a tile runs; the MC×KC A
 * block (64 KiB) stays in L2 while it meets every B panel; the KC×NC B block (512 KiB) is reused by
 * every row block. NC = 512 rather than 256 packs A once instead of twice when n ≤ 512 (on the
 * scalar tiers packing is plain JavaScript, several times slower per value than the SIMD loop; the
 * SIMD tier packs with native copies and WebAssembly, about 5 % of a 512³ product).
 *
 * KC is also part of the arithmetic (see gemm.ts, "Determinism"): each C element gets one float32
 * sum per k-block of KC terms, blocks starting at p = 0. It never depends on the tier, the thread
 * split or the shape — and changing it changes the bits of every GEMM.
 */
export const MC = 64;
export const KC = 256;
export const NC = 512;

/**
 * Rows of C the C block holds (a multiple of MC): gemm.ts runs up to this many rows of C through all
 * k-blocks before it writes them back, re-packing the B block for each such chunk of rows.
 */
export const C_BLOCK_ROWS = 512;

export const A_BLOCK_START = 0;
export const B_BLOCK_START = MC * KC;
export const C_BLOCK_START = B_BLOCK_START + KC * NC;
/** Row stride of the C block, in floats. */
export const C_BLOCK_STRIDE = NC;
/**
 * Size of the scratch heap in bytes: 2 MiB holds the 1.56 MiB of blocks above (a power of two, as
 * asm.js heaps must be, so every tier can share this size).
 */
export const HEAP_BYTES = 1 << 21;

/**
 * The SIMD tier's heap has one more area, after the C block: the staging area, where gemm.ts copies
 * the lines of an operand with TypedArray.set (native copies) before the tier's packers rearrange
 * them into panels (engines/gemm-macro-kernel-simd.ts). It holds one B block's worth, KC × NC floats
 * (512 KiB) — every operand block, A or B, plain or transposed, fits. The scalar tiers pack in
 * TypeScript and have no staging area.
 */
export const STAGING_START = C_BLOCK_START + C_BLOCK_ROWS * C_BLOCK_STRIDE;
export const STAGING_FLOATS = KC * NC;
export const SIMD_HEAP_BYTES = (STAGING_START + STAGING_FLOATS) * 4;

/** The layout above as one record, for the engines that bake it into their code. */
export const MACRO_KERNEL_LAYOUT = {
  aBlockStart: A_BLOCK_START, bBlockStart: B_BLOCK_START, cBlockStart: C_BLOCK_START, cBlockStride: C_BLOCK_STRIDE,
  panelRows: MR, panelCols: NR,
} as const;

/**
 * Adds every tile of a packed block into the C block from row cRow on; rows is a multiple of MR,
 * cols of NR, depth ≥ 1.
 */
export type MacroKernel = (rows: number, cols: number, depth: number, cRow: number) => void;

const fround = Math.fround;

/**
 * The portable macro-kernel: reads and writes `heap` (a Float32Array over the scratch heap). Scalar
 * JavaScript has no vector registers, so it runs each MR × NR panel pair as two 4 × 4 tiles (16
 * sums in locals; wider tiles spill), the left and right halves of the B panel.
 */
export function macroKernelPortable(heap: Float32Array, rows: number, cols: number, depth: number, cRow: number): void {
  for (let panelCol = 0; panelCol < cols; panelCol += NR) {
    for (let half = 0; half < NR; half += 4) {
      const bPanel = B_BLOCK_START + panelCol * depth + half;
      for (let panelRow = 0; panelRow < rows; panelRow += MR) {
        let a = A_BLOCK_START + panelRow * depth;
        let b = bPanel;
        const aEnd = a + depth * MR;
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
        let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
        let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        while (a < aEnd) {
          // One step of p: four values of A's column p times four values of B's row p, each
          // multiply-add rounded twice to float32 (product, then sum).
          const a0 = heap[a], a1 = heap[a + 1], a2 = heap[a + 2], a3 = heap[a + 3];
          const b0 = heap[b], b1 = heap[b + 1], b2 = heap[b + 2], b3 = heap[b + 3];
          c00 = fround(c00 + fround(a0 * b0)); c01 = fround(c01 + fround(a0 * b1));
          c02 = fround(c02 + fround(a0 * b2)); c03 = fround(c03 + fround(a0 * b3));
          c10 = fround(c10 + fround(a1 * b0)); c11 = fround(c11 + fround(a1 * b1));
          c12 = fround(c12 + fround(a1 * b2)); c13 = fround(c13 + fround(a1 * b3));
          c20 = fround(c20 + fround(a2 * b0)); c21 = fround(c21 + fround(a2 * b1));
          c22 = fround(c22 + fround(a2 * b2)); c23 = fround(c23 + fround(a2 * b3));
          c30 = fround(c30 + fround(a3 * b0)); c31 = fround(c31 + fround(a3 * b1));
          c32 = fround(c32 + fround(a3 * b2)); c33 = fround(c33 + fround(a3 * b3));
          a += MR;
          b += NR;
        }
        // C_block = f32(C_block + sum): storing a double sum of two floats into the Float32Array
        // rounds it once, which is the float32 sum.
        const out = C_BLOCK_START + (cRow + panelRow) * C_BLOCK_STRIDE + panelCol + half;
        heap[out] += c00; heap[out + 1] += c01; heap[out + 2] += c02; heap[out + 3] += c03;
        const out1 = out + C_BLOCK_STRIDE;
        heap[out1] += c10; heap[out1 + 1] += c11; heap[out1 + 2] += c12; heap[out1 + 3] += c13;
        const out2 = out1 + C_BLOCK_STRIDE;
        heap[out2] += c20; heap[out2 + 1] += c21; heap[out2 + 2] += c22; heap[out2 + 3] += c23;
        const out3 = out2 + C_BLOCK_STRIDE;
        heap[out3] += c30; heap[out3 + 1] += c31; heap[out3 + 2] += c32; heap[out3 + 3] += c33;
      }
    }
  }
}
