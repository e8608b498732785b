/**
 * THE ENGINE SWITCH: the one file outside engines/ that imports from it. It builds the per-thread
 * scratch heaps of the two fast kernels and binds each to the loops of the fastest kernel tier the
 * setting and the engine allow (engines/kernel-tier.ts):
 *
 *   createScratchHeap   the GEMM's heap (gemm.ts):     macroKernelPortable (gemm-macro-kernel.ts)
 *                       mirrored by engines/gemm-macro-kernel-simd.ts and engines/gemm-macro-kernel-asm.ts
 *   createTileHeap      the implicit GEMM's heap (conv-implicit-gemm.ts): forwardTilesPortable and
 *                       weightGradTilesPortable (conv-tiles.ts), mirrored by engines/conv-tiles-simd.ts
 *                       and engines/conv-tiles-asm.ts
 *
 * and, on the 'simd' tier only, the WebAssembly loops of three elementwise kernels (ReLU, 2×2 max
 * pooling, batch norm's row loops), which relu.ts, pooling.ts and batch-norm.ts fetch below and
 * replace by their TypeScript loops when there are none.
 *
 * Every tier gives the same bits; only the speed differs. A port to a language without these engines
 * keeps the reference loops and replaces this file by the two `portable` builders below.
 */
import { HEAP_BYTES, MACRO_KERNEL_LAYOUT, SIMD_HEAP_BYTES, macroKernelPortable } from './gemm-macro-kernel.ts';
import type { MacroKernel } from './gemm-macro-kernel.ts';
import { copyPlanesPortable, forwardTilesPortable, packPanelsPortable, weightGradTilesPortable } from './conv-tiles.ts';
import type { CopyPlanesArgs, ForwardTileArgs, PackPanelsArgs, WeightGradTileArgs } from './conv-tiles.ts';
import { kernelTier, pickFastestTier } from './engines/kernel-tier.ts';
import type { KernelTier } from './engines/kernel-tier.ts';
import { instantiateSimdMacroKernel } from './engines/gemm-macro-kernel-simd.ts';
import type { SimdPanelPackers } from './engines/gemm-macro-kernel-simd.ts';
import { compileAsmMacroKernel } from './engines/gemm-macro-kernel-asm.ts';
import { instantiateSimdTiles } from './engines/conv-tiles-simd.ts';
import { asmHeapSize, compileAsmTiles } from './engines/conv-tiles-asm.ts';
import { instantiateSimdRelu } from './engines/relu-simd.ts';
import type { SimdRelu } from './engines/relu-simd.ts';
import { instantiateSimdMaxPool } from './engines/max-pool-simd.ts';
import type { SimdMaxPool } from './engines/max-pool-simd.ts';
import { instantiateSimdBatchNorm } from './engines/batch-norm-simd.ts';
import type { SimdBatchNorm } from './engines/batch-norm-simd.ts';

export type { KernelTier } from './engines/kernel-tier.ts';
export type { SimdMaxPool } from './engines/max-pool-simd.ts';
export type { SimdBatchNorm } from './engines/batch-norm-simd.ts';
export type { SimdRelu } from './engines/relu-simd.ts';

/** False once the tier setting has changed since `heap` was built: the thread then builds a new one. */
export function builtUnderCurrentSetting(heap: { readonly ceiling: KernelTier }): boolean {
  return heap.ceiling === kernelTier();
}

/** A GEMM scratch heap (layout in gemm-macro-kernel.ts) and the macro-kernel that runs over it. */
export interface ScratchHeap {
  /** The heap as floats: gemm.ts packs operands into it and moves C blocks in and out. */
  readonly view: Float32Array;
  readonly run: MacroKernel;
  /**
   * SIMD tier only: packers that turn lines staged at STAGING_START into panels (offsets in floats);
   * undefined on the scalar tiers, where gemm.ts packs in TypeScript.
   */
  readonly packers?: SimdPanelPackers;
  /** The tier that runs. */
  readonly tier: KernelTier;
  /** The setting it was built under (a thread rebuilds its heap when the setting changes). */
  readonly ceiling: KernelTier;
}

/**
 * A fresh HEAP_BYTES scratch heap (SIMD_HEAP_BYTES on the SIMD tier: with the staging area) bound to
 * the fastest macro-kernel at or below `ceiling` (default: the setting in force; specs ask for each
 * tier to compare them).
 */
export function createScratchHeap(ceiling: KernelTier = kernelTier()): ScratchHeap {
  const { tier, built } = pickFastestTier<{ view: Float32Array; run: MacroKernel; packers?: SimdPanelPackers }>({
    simd: () => instantiateSimdMacroKernel(MACRO_KERNEL_LAYOUT, SIMD_HEAP_BYTES),
    asm: () => {
      const buffer = new ArrayBuffer(HEAP_BYTES);
      const run = compileAsmMacroKernel(MACRO_KERNEL_LAYOUT, buffer);
      return run && { view: new Float32Array(buffer), run };
    },
    portable: () => {
      const view = new Float32Array(HEAP_BYTES / 4);
      return { view, run: (rows, cols, depth, cRow) => macroKernelPortable(view, rows, cols, depth, cRow) };
    },
  }, ceiling);
  return { ...built, tier, ceiling };
}

/** An implicit-GEMM scratch heap (layout in conv-implicit-gemm.ts) and the tile loops bound to it. */
export interface TileHeap {
  /** Size in bytes (≥ what was asked for). */
  readonly bytes: number;
  /** The heap as floats (the tiles' arithmetic is float32) and as Int32 (the offset table): same addresses. */
  readonly f32: Float32Array;
  readonly i32: Int32Array;
  /** The tier that runs, and the setting it was built under. */
  readonly tier: KernelTier;
  readonly ceiling: KernelTier;
  /**
   * The forward tile for K filters: filters per weight panel (G) × neighbouring output pixels (T).
   * Scalar tiers: 2 × 4. SIMD: 4 × 8, or 3 × 8 when that pads fewer filters (K = 3, 6, 9, …). The
   * shape changes speed only, never bits.
   */
  forwardTile(filters: number): { readonly group: number; readonly width: number };
  forwardTiles(args: ForwardTileArgs): void;
  /** Adds one image into the accumulators; tileStart and tileEnd must be multiples of 4. */
  weightGradTiles(args: WeightGradTileArgs): void;
  /** Copies rows inside the heap (the padded copy of an image); planes and rows ≥ 1. */
  copyPlanes(args: CopyPlanesArgs): void;
  /** dy rows → the panels of backward-weights, summing db on the way (conv-tiles.ts). */
  packPanels(args: PackPanelsArgs): void;
}

type TileLoops = Omit<TileHeap, 'tier' | 'ceiling'>;

type CompiledTiles = (...args: number[]) => void;

/** Calls compiled forward tiles: every field in bytes (× 4). */
function callForward(tiles: CompiledTiles, a: ForwardTileArgs): void {
  tiles(
    a.filterGroups, a.depth, a.outputHeight, a.paddedOutputWidth, a.rowStep * 4, a.columnStep * 4,
    a.weightsAt * 4, a.tableAt * 4, a.inputAt * 4, a.outputAt * 4,
  );
}

/** Calls compiled weight-gradient tiles, in the same units. */
function callWeightGrad(tiles: CompiledTiles, a: WeightGradTileArgs): void {
  tiles(
    a.filterQuads, a.tileStart, a.tileEnd, a.paddedDepth, a.outputHeight, a.outputWidth, a.rowStep * 4,
    a.columnStep * 4, a.gradAt * 4, a.tableAt * 4, a.outputGradAt * 4, a.inputAt * 4,
  );
}

/** Calls the SIMD weight-gradient tiles on `quads` quads from gradAt / outputGradAt, pair steps in elements. */
function callWeightGradPairs(
  tiles: CompiledTiles, a: WeightGradTileArgs, quads: number, gradAt: number, outputGradAt: number, pairPanelStep: number, pairGradStep: number,
): void {
  tiles(
    quads, a.tileStart, a.tileEnd, a.paddedDepth, a.outputHeight, a.outputWidth, a.rowStep * 4, a.columnStep * 4,
    gradAt * 4, a.tableAt * 4, outputGradAt * 4, a.inputAt * 4, pairPanelStep * 4, pairGradStep * 4,
  );
}

/**
 * A fresh heap of at least `bytes` bound to the fastest tile loops at or below `ceiling` (default:
 * the setting in force; specs ask for each tier to compare them).
 */
export function createTileHeap(bytes: number, ceiling: KernelTier = kernelTier()): TileHeap {
  const { tier, built } = pickFastestTier<TileLoops>({
    simd: () => {
      const simd = instantiateSimdTiles(Math.ceil(bytes / 65536));
      if (simd === undefined) return undefined;
      const { memory, tiles } = simd;
      return {
        bytes: memory.buffer.byteLength, f32: new Float32Array(memory.buffer), i32: new Int32Array(memory.buffer),
        forwardTile: (filters) => ({ group: Math.ceil(filters / 3) * 3 < Math.ceil(filters / 4) * 4 ? 3 : 4, width: 8 }),
        forwardTiles: (a) => callForward(tiles[`${a.columnStep === 1 ? 'forwardTiles' : 'forwardTilesStrided'}${a.group}`], a),
        // Quads two at a time on the 8-filter tile; an odd last quad on the 4-filter tile (same sums,
        // same bits: the lanes of the quads are independent; 10 % faster than pairing the odd quad
        // with a zero panel, the earlier way, on K = 20 filters).
        weightGradTiles: (a) => {
          const paired = a.filterQuads & ~1;
          const panel = a.outputHeight * a.outputWidth * 4, block = a.paddedDepth * 4;
          if (paired > 0) callWeightGradPairs(tiles.weightGradTiles, a, paired, a.gradAt, a.outputGradAt, panel, block);
          if (paired < a.filterQuads) {
            callWeightGradPairs(tiles.weightGradTilesQuad, a, 1, a.gradAt + paired * block, a.outputGradAt + paired * panel, 0, 0);
          }
        },
        copyPlanes: (a) => tiles.copyPlanes(
          a.from * 4, a.to * 4, a.planes, a.rows, a.width * 4, a.fromPlaneStride * 4, a.toPlaneStride * 4, a.fromRowStride * 4, a.toRowStride * 4,
        ),
        packPanels: (a) => tiles.packPanels(a.from * 4, a.to * 4, a.quads, a.pixels, a.sumsAt * 4),
      };
    },
    asm: () => {
      const buffer = new ArrayBuffer(asmHeapSize(bytes));
      const asm = compileAsmTiles(buffer);
      if (asm === undefined) return undefined;
      const f32 = new Float32Array(buffer);
      const f64 = new Float64Array(buffer);
      return {
        bytes: buffer.byteLength, f32, i32: new Int32Array(buffer), forwardTile: () => ({ group: 2, width: 4 }),
        forwardTiles: (a) => callForward(asm.forwardTiles, a),
        weightGradTiles: (a) => callWeightGrad(asm.weightGradTiles, a),
        copyPlanes: (a) => copyPlanesPortable(f32, a),
        packPanels: (a) => packPanelsPortable(f32, f64, a),
      };
    },
    portable: () => {
      const buffer = new ArrayBuffer(asmHeapSize(bytes));
      const f32 = new Float32Array(buffer);
      const i32 = new Int32Array(buffer);
      const f64 = new Float64Array(buffer);
      return {
        bytes: buffer.byteLength, f32, i32, forwardTile: () => ({ group: 2, width: 4 }),
        forwardTiles: (a) => forwardTilesPortable(f32, i32, a),
        weightGradTiles: (a) => weightGradTilesPortable(f32, i32, a),
        copyPlanes: (a) => copyPlanesPortable(f32, a),
        packPanels: (a) => packPanelsPortable(f32, f64, a),
      };
    },
  }, ceiling);
  return { ...built, tier, ceiling };
}

/** This thread's SIMD ReLU, 2×2 max-pool and batch-norm loops: built on first use; null without WebAssembly SIMD. */
let threadRelu: SimdRelu | null | undefined;
let threadMaxPool: SimdMaxPool | null | undefined;
let threadBatchNorm: SimdBatchNorm | null | undefined;

/**
 * The SIMD ReLU loops (engines/relu-simd.ts) when the tier setting is 'simd' and the engine has
 * WebAssembly SIMD; undefined otherwise, and relu.ts runs its TypeScript loops (same bits).
 */
export function simdReluLoops(): SimdRelu | undefined {
  if (kernelTier() !== 'simd') return undefined;
  threadRelu ??= instantiateSimdRelu() ?? null;
  return threadRelu ?? undefined;
}

/** The SIMD 2×2 stride-2 max pooling (engines/max-pool-simd.ts), likewise (pooling.ts). */
export function simdMaxPoolLoop(): SimdMaxPool | undefined {
  if (kernelTier() !== 'simd') return undefined;
  threadMaxPool ??= instantiateSimdMaxPool() ?? null;
  return threadMaxPool ?? undefined;
}

/** The SIMD batch-norm row loops (engines/batch-norm-simd.ts), likewise (batch-norm.ts). */
export function simdBatchNormLoops(): SimdBatchNorm | undefined {
  if (kernelTier() !== 'simd') return undefined;
  threadBatchNorm ??= instantiateSimdBatchNorm() ?? null;
  return threadBatchNorm ?? undefined;
}
