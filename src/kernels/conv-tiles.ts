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
 * ARITHMETIC: IEEE single precision, in a fixed order (the float32 contract of the fast kernels).
 * Every multiply-add is two roundings, never fused:  prod = f32(a · b);  s = f32(s + prod)  — in
 * TypeScript `s = Math.fround(s + Math.fround(a * b))`: a and b are float32 values, and their exact
 * double product (or sum) rounded once by Math.fround is exactly the IEEE float32 result. Why float32
 * and not double: a 128-bit SIMD register holds four floats but only two doubles, so XNNPACK-class
 * speed needs four lanes. Why the fixed order: SIMD lanes run across *independent* sums (neighbouring
 * output pixels, or filters), never across the terms of one sum, so every tier — whatever its tile
 * shape — adds each sum's terms in the same order and gets the same bits.
 *
 * Two tile loops, here in plain TypeScript — the version to read:
 *
 * - forward tile, 2 filters × 4 neighbouring output pixels of one row:
 *     s = Σ_{p = 0 .. depth−1, ascending} w[k][p] · x_padded[base(y, x + j) + table[p]]   (from +0)
 *     y[k][y][x + j] = f32(y[k][y][x + j] + s)
 *   The tile adds its finished sum to what the output region holds: the bias (forward: y = f32(b + s))
 *   or dx (backward-data: dx = f32(dx + s)), both placed there by the caller with block copies. So the
 *   sum's order never depends on them, and no JavaScript loop touches the outputs one by one.
 *   Backward-data of a stride-1 convolution is this same loop on dy with rotated filters
 *   (conv-backward-data-flipped.ts gives the identity).
 * - weight-gradient tile, 4 filters × 2 patch entries, one image per call:
 *     s = Σ_{pixels (y, x) ascending, row-major} dy[k][y][x] · x_padded[base(y, x) + table[p + j]]  (from +0)
 *     dw[k][p + j] = f32(dw[k][p + j] + s)
 *   Per-image partial sums: a float32 sum of N·H′·W′ terms (32 × 1024 for a batch of CIFAR-10
 *   images) would lose about log2(32·1024) = 15 of its 24 bits in the worst case; a sum of H′·W′
 *   terms per image, then N such sums, keeps the error bound near (H′W′ + N)·2⁻²⁴ instead.
 *
 * Why 8 sums per tile: x86-64 has 16 floating-point registers. 8 sums plus the 6 values of one
 * step fit; 16 sums plus 8 values do not, and the compiled loop spills sums to memory on every step.
 *
 * The functions below are the version to read, and the 'portable' kernel tier. The same sums in the
 * same order are computed, for speed, by
 *   engines/conv-tiles-simd.ts   tier 'simd': WebAssembly SIMD, four floats per register, tiles of
 *                                4 (or 3) filters × 8 pixels (forward) and 8 (or 4) filters × 4 entries (dw)
 *   engines/conv-tiles-asm.ts    tier 'asm': these loops line for line in asm.js (float locals, fround)
 * and engine-switch.ts picks one per thread (createTileHeap). A spec checks the three give the same
 * bits. A port can skip engines/ entirely; this file imports nothing engine-specific.
 *
 * Heap (4-byte elements: Float32 values and the Int32 offset table share one address space):
 *   forward:  weight panels [⌈K/G⌉][depth][G] · table[depth] · x_padded [C][Hp][Wp] ·
 *             y [G·⌈K/G⌉][H′][W′ rounded up to T]   (G × T = TileHeap's forward tile: 4 × 8 or 3 × 8
 *             SIMD, 2 × 4 scalar)
 *   weights:  dw accumulators [⌈K/4⌉][depth rounded up to 4][4] · table · dy panels [⌈K/4⌉][H′W′][4] · x_padded
 * Every address below is relative to the heap's start; the caller places the regions.
 */

/** Forward tile loop arguments; every address and step is in 4-byte elements of the heap. */
export interface ForwardTileArgs {
  /** G, filters per weight panel (TileHeap.forwardTile; the scalar tiles always use 2). */
  readonly group: number;
  /** ⌈K/G⌉ groups of G filters; K is padded with zero filters. */
  readonly filterGroups: number;
  /** C·FH·FW, the GEMM's depth. */
  readonly depth: number;
  readonly outputHeight: number;
  /** W′ rounded up to a multiple of the tile width T (the surplus columns are computed and ignored). */
  readonly paddedOutputWidth: number;
  /** From output row y to y + 1 in x_padded: SH·Wp. */
  readonly rowStep: number;
  /** From output column x to x + 1 in x_padded: SW. */
  readonly columnStep: number;
  /** Weight panels: panel g holds filters G·g .. G·g+G−1, p-major ([depth][G]). */
  readonly weightsAt: number;
  /** table[0] (Int32 offsets, in elements). */
  readonly tableAt: number;
  readonly inputAt: number;
  /** y planes of H′ × paddedOutputWidth, one per (padded) filter: read (bias or dx) and written. */
  readonly outputAt: number;
}

/** Weight-gradient tile loop arguments; addresses and steps in 4-byte elements. */
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

const fround = Math.fround;

/** Forward tiles in plain TypeScript, G × T = 2 × 4. f32 and i32 view the same heap. */
export function forwardTilesPortable(f32: Float32Array, i32: Int32Array, args: ForwardTileArgs): void {
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
          const a0 = f32[w], a1 = f32[w + 1];
          const b0 = f32[at], b1 = f32[at + columnStep], b2 = f32[at + step2], b3 = f32[at + step3];
          c00 = fround(c00 + fround(a0 * b0)); c01 = fround(c01 + fround(a0 * b1));
          c02 = fround(c02 + fround(a0 * b2)); c03 = fround(c03 + fround(a0 * b3));
          c10 = fround(c10 + fround(a1 * b0)); c11 = fround(c11 + fround(a1 * b1));
          c12 = fround(c12 + fround(a1 * b2)); c13 = fround(c13 + fround(a1 * b3));
        }
        // y = f32(y + s): the Float32Array store rounds the double sum of two floats once.
        const out0 = args.outputAt + pair * 2 * plane + y * paddedOutputWidth + x;
        f32[out0] += c00; f32[out0 + 1] += c01; f32[out0 + 2] += c02; f32[out0 + 3] += c03;
        const out1 = out0 + plane;
        f32[out1] += c10; f32[out1 + 1] += c11; f32[out1 + 2] += c12; f32[out1 + 3] += c13;
      }
    }
  }
}

/** Weight-gradient tiles in plain TypeScript: adds one image's sums into the accumulators. */
export function weightGradTilesPortable(f32: Float32Array, i32: Int32Array, args: WeightGradTileArgs): void {
  const { filterQuads, tileStart, tileEnd, paddedDepth, outputHeight, outputWidth, rowStep, columnStep, tableAt } = args;
  const pixels = outputHeight * outputWidth;
  for (let quad = 0; quad < filterQuads; quad++) {
    for (let p = tileStart; p < tileEnd; p += 2) {
      // This image's sums of entry p for filters 0–3, then of entry p + 1, each from +0.
      let c00 = 0, c10 = 0, c20 = 0, c30 = 0;
      let c01 = 0, c11 = 0, c21 = 0, c31 = 0;
      let d = args.outputGradAt + quad * pixels * 4;
      let row = args.inputAt;
      for (let y = 0; y < outputHeight; y++) {
        // Where patch entries p and p + 1 of this row's first output pixel sit in x_padded.
        let at0 = row + i32[tableAt + p], at1 = row + i32[tableAt + p + 1];
        const dEnd = d + outputWidth * 4;
        while (d < dEnd) {
          const a0 = f32[d], a1 = f32[d + 1], a2 = f32[d + 2], a3 = f32[d + 3];
          const b0 = f32[at0], b1 = f32[at1];
          c00 = fround(c00 + fround(a0 * b0)); c01 = fround(c01 + fround(a0 * b1));
          c10 = fround(c10 + fround(a1 * b0)); c11 = fround(c11 + fround(a1 * b1));
          c20 = fround(c20 + fround(a2 * b0)); c21 = fround(c21 + fround(a2 * b1));
          c30 = fround(c30 + fround(a3 * b0)); c31 = fround(c31 + fround(a3 * b1));
          d += 4;
          at0 += columnStep; at1 += columnStep;
        }
        row += rowStep;
      }
      // dw = f32(dw + s): the Float32Array store rounds the double sum of two floats once.
      const grad = args.gradAt + (quad * paddedDepth + p) * 4;
      f32[grad] += c00; f32[grad + 1] += c10; f32[grad + 2] += c20; f32[grad + 3] += c30;
      f32[grad + 4] += c01; f32[grad + 5] += c11; f32[grad + 6] += c21; f32[grad + 7] += c31;
    }
  }
}

/** Where copyPlanes copies from and to; every address and stride in 4-byte elements. */
export interface CopyPlanesArgs {
  readonly from: number;
  readonly to: number;
  readonly planes: number;
  readonly rows: number;
  readonly width: number;
  readonly fromPlaneStride: number;
  readonly toPlaneStride: number;
  readonly fromRowStride: number;
  readonly toRowStride: number;
}

/**
 * Copies `planes` × `rows` rows of `width` values inside the heap (the padded copy of an image, from
 * the staging area it was block-copied to). Not arithmetic: the SIMD tier does the same with
 * memory.copy, faster than a JavaScript element loop.
 */
export function copyPlanesPortable(f32: Float32Array, args: CopyPlanesArgs): void {
  for (let plane = 0; plane < args.planes; plane++) {
    for (let row = 0; row < args.rows; row++) {
      const from = args.from + plane * args.fromPlaneStride + row * args.fromRowStride;
      const to = args.to + plane * args.toPlaneStride + row * args.toRowStride;
      f32.copyWithin(to, from, from + args.width);
    }
  }
}

/** Where packPanels reads and writes; addresses in 4-byte elements (sumsAt even: doubles). */
export interface PackPanelsArgs {
  /** dy rows [4·quads][pixels]. */
  readonly from: number;
  /** Panels [quads][pixels][4]. */
  readonly to: number;
  readonly quads: number;
  readonly pixels: number;
  /** One running double sum per row (db), at element address sumsAt (8-byte aligned). */
  readonly sumsAt: number;
}

/**
 * The dy panels of backward-weights: rows [4·quads][pixels] → panels [quads][pixels][4] (row k to
 * lane k & 3 of panel k >> 2), and each row's values added in double, pixel by pixel, to its running
 * sum (db, in sumOutputGrad's order). f64 views the same heap as f32.
 */
export function packPanelsPortable(f32: Float32Array, f64: Float64Array, args: PackPanelsArgs): void {
  const { from, to, quads, pixels, sumsAt } = args;
  for (let row = 0; row < 4 * quads; row++) {
    const source = from + row * pixels;
    const destination = to + (row >> 2) * pixels * 4 + (row & 3);
    let sum = f64[sumsAt / 2 + row];
    for (let q = 0; q < pixels; q++) {
      const value = f32[source + q];
      f32[destination + 4 * q] = value;
      sum += value;
    }
    f64[sumsAt / 2 + row] = sum;
  }
}
