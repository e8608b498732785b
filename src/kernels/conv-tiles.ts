/**
 * The register tiles of the implicit-GEMM convolution (conv-implicit-gemm.ts): the loops that do
 * all its multiply-adds, over a scratch heap that file lays out.
 *
 * A convolution is the GEMM  y (K × H′W′) = w (K × C·FH·FW) · cols (C·FH·FW × H′W′), where column j
 * of `cols` is the patch under output pixel j (im2col.ts). Entry (c, fy, fx) of the patch under
 * output pixel (y, x) is the padded input at
 *   x_padded[c][y·SH + fy·DH][x·SW + fx·DW]  =  x_padded[base(y, x) + offset(c, fy, fx)]
 * with base(y, x) = y·SH·Wp + x·SW and offset(c, fy, fx) = (c·Hp + fy·DH)·Wp + fx·DW (Hp × Wp: the
 * padded image). So instead of copying every patch into `cols`, the loops below read the padded
 * image through a table of the offsets: cols[p][j] = x_padded[base(j) + table[p]]. That is the
 * whole idea of an implicit GEMM (cuDNN's IMPLICIT_GEMM); the multiply-adds are those of a GEMM with
 * a small register tile.
 *
 * Two tile loops, here in plain TypeScript — the version to read:
 *
 * - forward tile, 2 filters × 4 neighbouring output pixels of one row:
 *     y[k][y][x + j] = Σ_{p = 0 .. depth−1, ascending} w[k][p] · x_padded[base(y, x) + j·SW + table[p]]
 *   Backward-data of a stride-1 convolution is this same loop on dy with rotated filters
 *   (conv-backward-data-flipped.ts gives the identity).
 * - weight-gradient tile, 4 filters × 2 patch entries, summed over every output pixel of an image:
 *     dw[k][p + j] += Σ_{y, x ascending} dy[k][y][x] · x_padded[base(y, x) + table[p + j]]
 *
 * Why 8 sums per tile, not the GEMM's 16 (gemm-macro-kernel.ts): x86-64 has 16 floating-point
 * registers. 16 running sums plus the 8 values of one step do not fit, and the compiled loop spills
 * sums to memory on every step; 8 sums plus 6 values do fit. Each tile keeps its 4 contiguous loads
 * (the neighbouring pixels, the dy panel) and pairs them with 2 others. Measured on the reference
 * machine, interleaved in one process: as isolated loops, 2 × 4 forward tiles ran 5–17 % faster than
 * 4 × 4 and 4 × 2 weight tiles about 9 % faster; inside the layer, 4–10 % on the best runs.
 *
 * The functions below are the version to read, and the 'portable' kernel tier. The same sums in the
 * same order are mirrored, for speed, by
 *   engines/conv-tiles-simd.ts   tier 'simd': WebAssembly SIMD, two doubles per register, tiles of
 *                                4 × 4; 2–3× the asm.js speed (the default everywhere current)
 *   engines/conv-tiles-asm.ts    tier 'asm': these loops line for line in asm.js (no bounds checks)
 * and engine-switch.ts picks one per thread (createTileHeap). IEEE double `+` and `*` give the same
 * bits in all three (a spec checks it). A port can skip engines/ entirely; this file imports nothing
 * engine-specific.
 *
 * Heap (Float64 elements; the offset table is Int32, in elements of the Float64 view):
 *   forward:  weight panels [⌈K/G⌉][depth][G] · table[depth] · x_padded [C][Hp][Wp] ·
 *             y [G·⌈K/G⌉][H′][W′ rounded up to 4]          (G = forwardGroup: 4 SIMD, 2 scalar)
 *   weights:  dw accumulators [⌈K/4⌉][depth rounded up to 4][4] · table · dy panels [⌈K/4⌉][H′W′][4] · x_padded
 * Every address below is relative to the heap's start; the caller places the regions.
 */

/** Forward tile loop arguments; every address and step is in Float64 elements of the heap. */
export interface ForwardTileArgs {
  /** ⌈K/G⌉ groups of G filters (G = TileHeap.forwardGroup); K is padded with zero filters. */
  readonly filterGroups: number;
  /** C·FH·FW, the GEMM's depth. */
  readonly depth: number;
  readonly outputHeight: number;
  /** W′ rounded up to a multiple of 4 (the surplus columns are computed and ignored). */
  readonly paddedOutputWidth: number;
  /** From output row y to y + 1 in x_padded: SH·Wp. */
  readonly rowStep: number;
  /** From output column x to x + 1 in x_padded: SW. */
  readonly columnStep: number;
  /** Weight panels: panel g holds filters G·g .. G·g+G−1, p-major ([depth][G]). */
  readonly weightsAt: number;
  /** Int32 index of table[0] in the heap's Int32 view (= 2 × its Float64 address). */
  readonly tableAt: number;
  readonly inputAt: number;
  /** y planes of H′ × paddedOutputWidth, one per (padded) filter. */
  readonly outputAt: number;
}

/** Weight-gradient tile loop arguments; addresses and steps in Float64 elements. */
export interface WeightGradTileArgs {
  /** ⌈K/4⌉: K is padded with zero filters to whole quads. */
  readonly filterQuads: number;
  /** Patch entries [tileStart, tileEnd), multiples of 4, tileEnd ≤ paddedDepth. */
  readonly tileStart: number;
  readonly tileEnd: number;
  /** depth rounded up to 4. */
  readonly paddedDepth: number;
  readonly outputHeight: number;
  readonly outputWidth: number;
  readonly rowStep: number;
  readonly columnStep: number;
  /** dw accumulators [filterQuads][paddedDepth][4] (the 4 filters of an entry together), read and written. */
  readonly gradAt: number;
  readonly tableAt: number;
  /** dy panels: panel kq is [H′W′][4], filters 4kq..4kq+3 for each pixel. */
  readonly outputGradAt: number;
  readonly inputAt: number;
}

/** Forward tiles in plain TypeScript, G = 2. f64 and i32 view the same heap. */
export function forwardTilesPortable(f64: Float64Array, i32: Int32Array, args: ForwardTileArgs): void {
  const { filterGroups, depth, outputHeight, paddedOutputWidth, rowStep, columnStep, tableAt } = args;
  const plane = outputHeight * paddedOutputWidth;
  const step2 = 2 * columnStep, step3 = 3 * columnStep;
  for (let pair = 0; pair < filterGroups; pair++) {
    const panel = args.weightsAt + pair * depth * 2;
    for (let y = 0; y < outputHeight; y++) {
      const rowBase = args.inputAt + y * rowStep;
      for (let x = 0; x < paddedOutputWidth; x += 4) {
        const base = rowBase + x * columnStep;
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
        let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        for (let p = 0, w = panel; p < depth; p++, w += 2) {
          // Two filters' weights for patch entry p, times entry p of four neighbouring patches.
          const at = base + i32[tableAt + p];
          const a0 = f64[w], a1 = f64[w + 1];
          const b0 = f64[at], b1 = f64[at + columnStep], b2 = f64[at + step2], b3 = f64[at + step3];
          c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
          c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        }
        const out0 = args.outputAt + pair * 2 * plane + y * paddedOutputWidth + x;
        f64[out0] = c00; f64[out0 + 1] = c01; f64[out0 + 2] = c02; f64[out0 + 3] = c03;
        const out1 = out0 + plane;
        f64[out1] = c10; f64[out1 + 1] = c11; f64[out1 + 2] = c12; f64[out1 + 3] = c13;
      }
    }
  }
}

/** Weight-gradient tiles in plain TypeScript: adds one image's contribution into the accumulators. */
export function weightGradTilesPortable(f64: Float64Array, i32: Int32Array, args: WeightGradTileArgs): void {
  const { filterQuads, tileStart, tileEnd, paddedDepth, outputHeight, outputWidth, rowStep, columnStep, tableAt } = args;
  const pixels = outputHeight * outputWidth;
  for (let quad = 0; quad < filterQuads; quad++) {
    for (let p = tileStart; p < tileEnd; p += 2) {
      // Accumulators of entry p for filters 0–3, then of entry p + 1.
      const grad = args.gradAt + (quad * paddedDepth + p) * 4;
      let c00 = f64[grad], c10 = f64[grad + 1], c20 = f64[grad + 2], c30 = f64[grad + 3];
      let c01 = f64[grad + 4], c11 = f64[grad + 5], c21 = f64[grad + 6], c31 = f64[grad + 7];
      let d = args.outputGradAt + quad * pixels * 4;
      let row = args.inputAt;
      for (let y = 0; y < outputHeight; y++) {
        // Where patch entries p and p + 1 of this row's first output pixel sit in x_padded.
        let at0 = row + i32[tableAt + p], at1 = row + i32[tableAt + p + 1];
        const dEnd = d + outputWidth * 4;
        while (d < dEnd) {
          const a0 = f64[d], a1 = f64[d + 1], a2 = f64[d + 2], a3 = f64[d + 3];
          const b0 = f64[at0], b1 = f64[at1];
          c00 += a0 * b0; c01 += a0 * b1;
          c10 += a1 * b0; c11 += a1 * b1;
          c20 += a2 * b0; c21 += a2 * b1;
          c30 += a3 * b0; c31 += a3 * b1;
          d += 4;
          at0 += columnStep; at1 += columnStep;
        }
        row += rowStep;
      }
      f64[grad] = c00; f64[grad + 1] = c10; f64[grad + 2] = c20; f64[grad + 3] = c30;
      f64[grad + 4] = c01; f64[grad + 5] = c11; f64[grad + 6] = c21; f64[grad + 7] = c31;
    }
  }
}
