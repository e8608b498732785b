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
 * The same sums in the same order run in three implementations, chosen per thread by createTileHeap:
 *   'wasm-simd'  conv-tiles-simd.ts: WebAssembly SIMD, two doubles per register, tiles of 4 × 4;
 *                2–3× the asm.js speed.
 *   'asm.js'     conv-tiles-asm.ts: these loops line for line in asm.js (no bounds checks).
 *   'portable'   the functions below.
 * IEEE double `+` and `*` give the same bits in all three (a spec checks it).
 *
 * Heap (Float64 elements; the offset table is Int32, in elements of the Float64 view):
 *   forward:  weight panels [⌈K/G⌉][depth][G] · table[depth] · x_padded [C][Hp][Wp] ·
 *             y [G·⌈K/G⌉][H′][W′ rounded up to 4]          (G = forwardGroup: 4 SIMD, 2 scalar)
 *   weights:  dw accumulators [⌈K/4⌉][depth rounded up to 4][4] · table · dy panels [⌈K/4⌉][H′W′][4] · x_padded
 * Every address below is relative to the heap's start; the caller places the regions.
 */
import { compileAsmTiles } from './conv-tiles-asm.ts';
import { instantiateSimdTiles } from './conv-tiles-simd.ts';

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

/**
 * Which loops a tile heap runs: 'wasm-simd' where the engine has WebAssembly SIMD (Node, Deno, Bun and
 * current browsers), else 'asm.js', else 'portable' (a Content-Security-Policy that forbids both
 * compiling WebAssembly and `new Function`). All three give the same bits.
 */
export type TileKernelKind = 'wasm-simd' | 'asm.js' | 'portable';

export interface TileHeap {
  /** Size in bytes (≥ what was asked for). */
  readonly bytes: number;
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  readonly kind: TileKernelKind;
  /** Filters per forward weight panel: 4 for the SIMD tiles, 2 for the scalar ones. */
  readonly forwardGroup: 2 | 4;
  forwardTiles(args: ForwardTileArgs): void;
  /** Adds one image into the accumulators; tileStart and tileEnd must be multiples of 4. */
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

const KINDS: readonly TileKernelKind[] = ['wasm-simd', 'asm.js', 'portable'];

/**
 * A fresh heap of at least `bytes` with the fastest tile loops available at or below `prefer` in
 * the order wasm-simd, asm.js, portable (specs ask for each to compare them).
 */
export function createTileHeap(bytes: number, prefer: TileKernelKind = 'wasm-simd'): TileHeap {
  const allowed = KINDS.slice(KINDS.indexOf(prefer));
  if (allowed.includes('wasm-simd')) {
    const simd = instantiateSimdTiles(Math.ceil(bytes / 65536));
    if (simd !== undefined) {
      const { memory, tiles } = simd;
      return {
        bytes: memory.buffer.byteLength, f64: new Float64Array(memory.buffer), i32: new Int32Array(memory.buffer),
        kind: 'wasm-simd', forwardGroup: 4,
        forwardTiles: (a) => (a.columnStep === 1 ? tiles.forwardTiles : tiles.forwardTilesStrided)(
          a.filterGroups, a.depth, a.outputHeight, a.paddedOutputWidth, a.rowStep * 8, a.columnStep * 8,
          a.weightsAt * 8, a.tableAt, a.inputAt * 8, a.outputAt * 8,
        ),
        weightGradTiles: (a) => tiles.weightGradTiles(
          a.filterQuads, a.tileStart, a.tileEnd, a.paddedDepth, a.outputHeight, a.outputWidth, a.rowStep * 8,
          a.columnStep * 8, a.gradAt * 8, a.tableAt, a.outputGradAt * 8, a.inputAt * 8,
        ),
      };
    }
  }
  const buffer = new ArrayBuffer(asmHeapSize(bytes));
  const f64 = new Float64Array(buffer);
  const i32 = new Int32Array(buffer);
  const common = { bytes: buffer.byteLength, f64, i32, forwardGroup: 2 as const };
  const asm = allowed.includes('asm.js') ? compileAsmTiles(buffer) : undefined;
  if (asm !== undefined) {
    return {
      ...common,
      kind: 'asm.js',
      forwardTiles: (a) => asm.forwardTiles(
        a.filterGroups, a.depth, a.outputHeight, a.paddedOutputWidth, a.rowStep * 8, a.columnStep * 8,
        a.weightsAt * 8, a.tableAt, a.inputAt * 8, a.outputAt * 8,
      ),
      weightGradTiles: (a) => asm.weightGradTiles(
        a.filterQuads, a.tileStart, a.tileEnd, a.paddedDepth, a.outputHeight, a.outputWidth, a.rowStep * 8,
        a.columnStep * 8, a.gradAt * 8, a.tableAt, a.outputGradAt * 8, a.inputAt * 8,
      ),
    };
  }
  return {
    ...common,
    kind: 'portable',
    forwardTiles: (a) => forwardTilesPortable(f64, i32, a),
    weightGradTiles: (a) => weightGradTilesPortable(f64, i32, a),
  };
}
