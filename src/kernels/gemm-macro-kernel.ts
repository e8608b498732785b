/**
 * The GEMM's inner engine: every 4×4 register tile of one packed block, C_block = A_block · B_block.
 * gemm.ts packs the operands into a scratch heap and adds C_block into the caller's C; this file
 * owns that heap's layout and the loops that run over it.
 *
 * Heap layout (Float64, offsets in doubles). All three blocks are padded to whole 4×4 tiles:
 *
 *   A block  at A_BLOCK_START  rows/4 panels, each (depth × 4): panel r holds rows 4r..4r+3, p-major
 *   B block  at B_BLOCK_START  cols/4 panels, each (depth × 4): panel q holds cols 4q..4q+3, p-major
 *   C block  at C_BLOCK_START  (rows × cols) partial sums, row-major with row stride C_BLOCK_STRIDE
 *
 *   C_block[i][j] = Σ_{p = 0 .. depth−1, ascending} A[i][p] · B[p][j]      (double precision)
 *
 * `macroKernelPortable` below is the version to read, and the 'portable' kernel tier. The same
 * operations in the same order are mirrored, for speed, by
 *   engines/gemm-macro-kernel-simd.ts   tier 'simd': WebAssembly SIMD, two doubles per register
 *                                       (about twice the asm.js speed; the default everywhere current)
 *   engines/gemm-macro-kernel-asm.ts    tier 'asm': asm.js (about 1.4× this loop on Node 20)
 * and engine-switch.ts picks one per thread (createScratchHeap). A port can skip engines/ entirely.
 * This file imports nothing engine-specific.
 */

/** Register tile: rows × columns of C computed together (= panel widths of A and B). */
export const TILE = 4;
/**
 * Largest block gemm.ts packs (multiples of TILE): MC rows, KC depth, NC columns. One A panel
 * (4 × KC doubles, 8 KiB) and one B panel stay in L1 while a tile runs; the MC×KC A block (128 KiB)
 * stays in L2 while it meets every B panel; the KC×NC B block (512 KiB) is reused by every row block.
 */
export const MC = 64;
export const KC = 256;
export const NC = 256;

export const A_BLOCK_START = 0;
export const B_BLOCK_START = MC * KC;
export const C_BLOCK_START = B_BLOCK_START + KC * NC;
/** Row stride of the C block, in doubles. */
export const C_BLOCK_STRIDE = NC;
/**
 * Size of the scratch heap: 1 MiB holds the 768 KiB of blocks above (a power of two, as asm.js
 * heaps must be, so every tier can share this size).
 */
export const HEAP_BYTES = 1 << 20;

/** The layout above as one record, for the engines that bake it into their code. */
export const MACRO_KERNEL_LAYOUT = {
  aBlockStart: A_BLOCK_START, bBlockStart: B_BLOCK_START, cBlockStart: C_BLOCK_START, cBlockStride: C_BLOCK_STRIDE,
} as const;

/** Runs every tile of a packed block; rows and cols are multiples of TILE, depth ≥ 1. */
export type MacroKernel = (rows: number, cols: number, depth: number) => void;

/** The portable macro-kernel: reads and writes `heap` (a Float64Array over the scratch heap). */
export function macroKernelPortable(heap: Float64Array, rows: number, cols: number, depth: number): void {
  for (let panelCol = 0; panelCol < cols; panelCol += TILE) {
    const bPanel = B_BLOCK_START + panelCol * depth;
    for (let panelRow = 0; panelRow < rows; panelRow += TILE) {
      let a = A_BLOCK_START + panelRow * depth;
      let b = bPanel;
      const aEnd = a + depth * TILE;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      while (a < aEnd) {
        // One step of p: four values of A's column p times four values of B's row p.
        const a0 = heap[a], a1 = heap[a + 1], a2 = heap[a + 2], a3 = heap[a + 3];
        const b0 = heap[b], b1 = heap[b + 1], b2 = heap[b + 2], b3 = heap[b + 3];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        a += TILE;
        b += TILE;
      }
      const out = C_BLOCK_START + panelRow * C_BLOCK_STRIDE + panelCol;
      heap[out] = c00; heap[out + 1] = c01; heap[out + 2] = c02; heap[out + 3] = c03;
      const out1 = out + C_BLOCK_STRIDE;
      heap[out1] = c10; heap[out1 + 1] = c11; heap[out1 + 2] = c12; heap[out1 + 3] = c13;
      const out2 = out1 + C_BLOCK_STRIDE;
      heap[out2] = c20; heap[out2 + 1] = c21; heap[out2 + 2] = c22; heap[out2 + 3] = c23;
      const out3 = out2 + C_BLOCK_STRIDE;
      heap[out3] = c30; heap[out3 + 1] = c31; heap[out3 + 2] = c32; heap[out3 + 3] = c33;
    }
  }
}
