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
 * Two tile loops:
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
 * machine, interleaved in one process: 2 × 4 forward tiles 5–17 % faster than 4 × 4; 4 × 2 weight
 * tiles about 9 % faster than 4 × 4.
 *
 * Heap (Float64 elements; the offset table is Int32, in elements of the Float64 view):
 *   forward:  weight panels [K/2][depth][2] · table[depth] · x_padded [C][Hp][Wp] ·
 *             y [2·⌈K/2⌉][H′][W′ rounded up to 4]
 *   weights:  dw accumulators [4·⌈K/4⌉][depth rounded up to 2] · table · dy panels [⌈K/4⌉][H′W′][4] · x_padded
 * Every address below is relative to the heap's start; the caller places the regions.
 *
 * Two implementations of exactly these operations in exactly this order, as for the GEMM
 * (gemm-macro-kernel.ts explains why): `forwardTilesPortable` / `weightGradTilesPortable` in plain
 * TypeScript — the ones to read — and the same loops in asm.js, which V8 compiles ahead of time to
 * WebAssembly without bounds checks. IEEE double `+` and `*` give the same bits on both paths (a spec
 * checks it). asm.js addresses the heap in bytes, so there every element address is ×8.
 */

/** Forward tile loop arguments; every address and step is in Float64 elements of the heap. */
export interface ForwardTileArgs {
  /** ⌈K/2⌉: an odd K gets a zero filter to make whole pairs. */
  readonly filterPairs: number;
  /** C·FH·FW, the GEMM's depth. */
  readonly depth: number;
  readonly outputHeight: number;
  /** W′ rounded up to a multiple of 4 (the surplus columns are computed and ignored). */
  readonly paddedOutputWidth: number;
  /** From output row y to y + 1 in x_padded: SH·Wp. */
  readonly rowStep: number;
  /** From output column x to x + 1 in x_padded: SW. */
  readonly columnStep: number;
  /** Weight panels: panel kp holds filters 2kp and 2kp+1, p-major ([depth][2]). */
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
  /** Patch entries [tileStart, tileEnd), both even, tileEnd ≤ paddedDepth. */
  readonly tileStart: number;
  readonly tileEnd: number;
  /** Row stride of the dw accumulators: depth rounded up to 2. */
  readonly paddedDepth: number;
  readonly outputHeight: number;
  readonly outputWidth: number;
  readonly rowStep: number;
  readonly columnStep: number;
  /** dw accumulators [4·filterQuads][paddedDepth], read and written. */
  readonly gradAt: number;
  readonly tableAt: number;
  /** dy panels: panel kq is [H′W′][4], filters 4kq..4kq+3 for each pixel. */
  readonly outputGradAt: number;
  readonly inputAt: number;
}

/** Forward tiles in plain TypeScript. f64 and i32 view the same heap. */
export function forwardTilesPortable(f64: Float64Array, i32: Int32Array, args: ForwardTileArgs): void {
  const { filterPairs, depth, outputHeight, paddedOutputWidth, rowStep, columnStep, tableAt } = args;
  const plane = outputHeight * paddedOutputWidth;
  const step2 = 2 * columnStep, step3 = 3 * columnStep;
  for (let pair = 0; pair < filterPairs; pair++) {
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
      const g0 = args.gradAt + quad * 4 * paddedDepth + p;
      const g1 = g0 + paddedDepth, g2 = g1 + paddedDepth, g3 = g2 + paddedDepth;
      let c00 = f64[g0], c01 = f64[g0 + 1];
      let c10 = f64[g1], c11 = f64[g1 + 1];
      let c20 = f64[g2], c21 = f64[g2 + 1];
      let c30 = f64[g3], c31 = f64[g3 + 1];
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
      f64[g0] = c00; f64[g0 + 1] = c01;
      f64[g1] = c10; f64[g1 + 1] = c11;
      f64[g2] = c20; f64[g2 + 1] = c21;
      f64[g3] = c30; f64[g3 + 1] = c31;
    }
  }
}

/**
 * The two loops above in asm.js. Arguments are the same fields in bytes (element address × 8), except
 * tableAt, which stays an Int32 index; table entries are element offsets, hence `<< 3`.
 */
const ASM_SOURCE = `
  'use asm';
  var H = new stdlib.Float64Array(heap);
  var I = new stdlib.Int32Array(heap);
  var imul = stdlib.Math.imul;
  function forwardTiles(filterPairs, depth, outputHeight, paddedOutputWidth, rowStep, columnStep, weightsAt, tableAt, inputAt, outputAt) {
    filterPairs = filterPairs | 0; depth = depth | 0; outputHeight = outputHeight | 0;
    paddedOutputWidth = paddedOutputWidth | 0; rowStep = rowStep | 0; columnStep = columnStep | 0;
    weightsAt = weightsAt | 0; tableAt = tableAt | 0; inputAt = inputAt | 0; outputAt = outputAt | 0;
    var pair = 0, y = 0, x = 0, panel = 0, rowBase = 0, base = 0, w = 0, t = 0, tEnd = 0, at = 0;
    var plane = 0, step2 = 0, step3 = 0, out = 0;
    var a0 = 0.0, a1 = 0.0, b0 = 0.0, b1 = 0.0, b2 = 0.0, b3 = 0.0;
    var c00 = 0.0, c01 = 0.0, c02 = 0.0, c03 = 0.0, c10 = 0.0, c11 = 0.0, c12 = 0.0, c13 = 0.0;
    plane = imul(outputHeight, paddedOutputWidth) << 3;
    step2 = columnStep << 1;
    step3 = (step2 + columnStep) | 0;
    for (pair = 0; (pair | 0) < (filterPairs | 0); pair = (pair + 1) | 0) {
      panel = (weightsAt + (imul(pair, depth) << 4)) | 0;
      for (y = 0; (y | 0) < (outputHeight | 0); y = (y + 1) | 0) {
        rowBase = (inputAt + imul(y, rowStep)) | 0;
        for (x = 0; (x | 0) < (paddedOutputWidth | 0); x = (x + 4) | 0) {
          base = (rowBase + imul(x, columnStep)) | 0;
          c00 = 0.0; c01 = 0.0; c02 = 0.0; c03 = 0.0; c10 = 0.0; c11 = 0.0; c12 = 0.0; c13 = 0.0;
          w = panel;
          t = tableAt << 2;
          tEnd = (t + (depth << 2)) | 0;
          while ((t | 0) < (tEnd | 0)) {
            at = (base + (I[t >> 2] << 3)) | 0;
            a0 = +H[w >> 3]; a1 = +H[(w + 8) >> 3];
            b0 = +H[at >> 3]; b1 = +H[(at + columnStep) >> 3]; b2 = +H[(at + step2) >> 3]; b3 = +H[(at + step3) >> 3];
            c00 = c00 + a0 * b0; c01 = c01 + a0 * b1; c02 = c02 + a0 * b2; c03 = c03 + a0 * b3;
            c10 = c10 + a1 * b0; c11 = c11 + a1 * b1; c12 = c12 + a1 * b2; c13 = c13 + a1 * b3;
            w = (w + 16) | 0;
            t = (t + 4) | 0;
          }
          out = (outputAt + imul(pair << 1, plane) + (imul(y, paddedOutputWidth) << 3) + (x << 3)) | 0;
          H[out >> 3] = c00; H[(out + 8) >> 3] = c01; H[(out + 16) >> 3] = c02; H[(out + 24) >> 3] = c03;
          out = (out + plane) | 0;
          H[out >> 3] = c10; H[(out + 8) >> 3] = c11; H[(out + 16) >> 3] = c12; H[(out + 24) >> 3] = c13;
        }
      }
    }
  }
  function weightGradTiles(filterQuads, tileStart, tileEnd, paddedDepth, outputHeight, outputWidth, rowStep, columnStep, gradAt, tableAt, outputGradAt, inputAt) {
    filterQuads = filterQuads | 0; tileStart = tileStart | 0; tileEnd = tileEnd | 0; paddedDepth = paddedDepth | 0;
    outputHeight = outputHeight | 0; outputWidth = outputWidth | 0; rowStep = rowStep | 0; columnStep = columnStep | 0;
    gradAt = gradAt | 0; tableAt = tableAt | 0; outputGradAt = outputGradAt | 0; inputAt = inputAt | 0;
    var quad = 0, p = 0, y = 0, g0 = 0, g1 = 0, g2 = 0, g3 = 0, d = 0, dEnd = 0, row = 0, t = 0;
    var at0 = 0, at1 = 0, rowBytes = 0, panelBytes = 0, gradRow = 0;
    var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, b0 = 0.0, b1 = 0.0;
    var c00 = 0.0, c01 = 0.0, c10 = 0.0, c11 = 0.0, c20 = 0.0, c21 = 0.0, c30 = 0.0, c31 = 0.0;
    rowBytes = outputWidth << 5;
    panelBytes = imul(imul(outputHeight, outputWidth), 32);
    gradRow = paddedDepth << 3;
    for (quad = 0; (quad | 0) < (filterQuads | 0); quad = (quad + 1) | 0) {
      for (p = tileStart; (p | 0) < (tileEnd | 0); p = (p + 2) | 0) {
        g0 = (gradAt + (imul(quad << 2, paddedDepth) << 3) + (p << 3)) | 0;
        g1 = (g0 + gradRow) | 0; g2 = (g1 + gradRow) | 0; g3 = (g2 + gradRow) | 0;
        c00 = +H[g0 >> 3]; c01 = +H[(g0 + 8) >> 3];
        c10 = +H[g1 >> 3]; c11 = +H[(g1 + 8) >> 3];
        c20 = +H[g2 >> 3]; c21 = +H[(g2 + 8) >> 3];
        c30 = +H[g3 >> 3]; c31 = +H[(g3 + 8) >> 3];
        d = (outputGradAt + imul(quad, panelBytes)) | 0;
        row = inputAt;
        t = (tableAt + p) << 2;
        for (y = 0; (y | 0) < (outputHeight | 0); y = (y + 1) | 0) {
          at0 = (row + (I[t >> 2] << 3)) | 0;
          at1 = (row + (I[(t + 4) >> 2] << 3)) | 0;
          dEnd = (d + rowBytes) | 0;
          while ((d | 0) < (dEnd | 0)) {
            a0 = +H[d >> 3]; a1 = +H[(d + 8) >> 3]; a2 = +H[(d + 16) >> 3]; a3 = +H[(d + 24) >> 3];
            b0 = +H[at0 >> 3]; b1 = +H[at1 >> 3];
            c00 = c00 + a0 * b0; c01 = c01 + a0 * b1;
            c10 = c10 + a1 * b0; c11 = c11 + a1 * b1;
            c20 = c20 + a2 * b0; c21 = c21 + a2 * b1;
            c30 = c30 + a3 * b0; c31 = c31 + a3 * b1;
            d = (d + 32) | 0;
            at0 = (at0 + columnStep) | 0; at1 = (at1 + columnStep) | 0;
          }
          row = (row + rowStep) | 0;
        }
        H[g0 >> 3] = c00; H[(g0 + 8) >> 3] = c01;
        H[g1 >> 3] = c10; H[(g1 + 8) >> 3] = c11;
        H[g2 >> 3] = c20; H[(g2 + 8) >> 3] = c21;
        H[g3 >> 3] = c30; H[(g3 + 8) >> 3] = c31;
      }
    }
  }
  return { forwardTiles: forwardTiles, weightGradTiles: weightGradTiles };
`;

/** Which implementation a tile heap runs: 'asm.js' unless the environment forbids compiling it. */
export type TileKernelKind = 'asm.js' | 'portable';

export interface TileHeap {
  /** Size in bytes (≥ what was asked for; asm.js allows only some sizes). */
  readonly bytes: number;
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  readonly kind: TileKernelKind;
  forwardTiles(args: ForwardTileArgs): void;
  weightGradTiles(args: WeightGradTileArgs): void;
}

/**
 * The smallest heap size asm.js accepts that holds `bytes`: a power of two from 64 KiB to 16 MiB,
 * above that a multiple of 16 MiB (V8 refuses to link other sizes and would run the loops as
 * ordinary JavaScript).
 */
export function asmHeapSize(bytes: number): number {
  const sixteenMiB = 1 << 24;
  if (bytes > sixteenMiB) return Math.ceil(bytes / sixteenMiB) * sixteenMiB;
  let size = 1 << 16;
  while (size < bytes) size *= 2;
  return size;
}

/** A fresh heap of at least `bytes` and the tile loops bound to it; 'portable' skips asm.js (specs compare the two). */
export function createTileHeap(bytes: number, prefer: TileKernelKind = 'asm.js'): TileHeap {
  const buffer = new ArrayBuffer(asmHeapSize(bytes));
  const f64 = new Float64Array(buffer);
  const i32 = new Int32Array(buffer);
  const common = { bytes: buffer.byteLength, f64, i32 };
  if (prefer === 'asm.js') {
    const compiled = compileAsm(buffer);
    if (compiled !== undefined) {
      return {
        ...common,
        kind: 'asm.js',
        forwardTiles: (a) => compiled.forwardTiles(
          a.filterPairs, a.depth, a.outputHeight, a.paddedOutputWidth, a.rowStep * 8, a.columnStep * 8,
          a.weightsAt * 8, a.tableAt, a.inputAt * 8, a.outputAt * 8,
        ),
        weightGradTiles: (a) => compiled.weightGradTiles(
          a.filterQuads, a.tileStart, a.tileEnd, a.paddedDepth, a.outputHeight, a.outputWidth, a.rowStep * 8,
          a.columnStep * 8, a.gradAt * 8, a.tableAt, a.outputGradAt * 8, a.inputAt * 8,
        ),
      };
    }
  }
  return {
    ...common,
    kind: 'portable',
    forwardTiles: (a) => forwardTilesPortable(f64, i32, a),
    weightGradTiles: (a) => weightGradTilesPortable(f64, i32, a),
  };
}

interface AsmTiles {
  forwardTiles(...args: number[]): void;
  weightGradTiles(...args: number[]): void;
}

function compileAsm(buffer: ArrayBuffer): AsmTiles | undefined {
  try {
    const factory = new Function('stdlib', 'foreign', 'heap', ASM_SOURCE) as
      (stdlib: typeof globalThis, foreign: object, heap: ArrayBuffer) => AsmTiles;
    return factory(globalThis, {}, buffer);
  } catch {
    // new Function refused (Content-Security-Policy without 'unsafe-eval'): use the portable loops.
    return undefined;
  }
}
