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
 * Three implementations of exactly these operations, in exactly this order:
 *
 * - `macroKernelPortable`, plain TypeScript over a Float64Array. It is the one to read.
 * - The same tile in WebAssembly SIMD (gemm-macro-kernel-simd.ts), two doubles per register: about
 *   twice the asm.js speed. Used wherever the engine has WebAssembly SIMD.
 * - The same loops written in asm.js, the statically typed subset of JavaScript that V8 (Node, Chrome,
 *   Deno) compiles ahead of time to WebAssembly. Why bother: in ordinary JavaScript every typed-array
 *   read carries a bounds check and index-overflow checks (about six instructions around each load),
 *   and the sixteen accumulators spill to the stack; compiled as asm.js the loads are bare and the
 *   same loop runs about 1.4× faster (measured on the 2-core reference machine, Node 20).
 *   asm.js is still JavaScript: an engine that does not recognise it runs it as normal code, and
 *   double-precision `+` and `*` are IEEE operations either way, so both paths give the same bits (a
 *   spec checks it). The source is a string compiled with `new Function` because a TypeScript
 *   compiler would rewrite it (`0.0` becomes `0`, the 'use asm' directive goes) and the rewrite is no
 *   longer valid asm.js; where `new Function` is forbidden (a strict Content-Security-Policy) the
 *   portable version runs instead.
 *
 * asm.js notation, for reading the string: `x | 0` marks an int, `+x` a double, `0.0` a double
 * literal; H[byteOffset >> 3] reads the heap as Float64; `imul` is Math.imul.
 */

import { instantiateSimdMacroKernel } from './gemm-macro-kernel-simd.ts';

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
/** asm.js heaps must be a power of two in size: 1 MiB holds the 768 KiB of blocks above. */
export const HEAP_BYTES = 1 << 20;

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

/** Byte offsets and strides baked into the asm.js source (asm.js addresses the heap in bytes). */
const A_BYTES = A_BLOCK_START * 8;
const B_BYTES = B_BLOCK_START * 8;
const C_BYTES = C_BLOCK_START * 8;
const ROW_BYTES = C_BLOCK_STRIDE * 8;

/**
 * macroKernelPortable in asm.js, with the p loop unrolled by two (measured 5–9 % faster here; same
 * operations in the same order). a, b, aEnd, aPairsEnd and out are byte offsets.
 */
const ASM_SOURCE = `
  'use asm';
  var H = new stdlib.Float64Array(heap);
  var imul = stdlib.Math.imul;
  function macroKernel(rows, cols, depth) {
    rows = rows | 0; cols = cols | 0; depth = depth | 0;
    var panelRow = 0, panelCol = 0, a = 0, b = 0, aEnd = 0, aPairsEnd = 0, bPanel = 0, out = 0;
    var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, b0 = 0.0, b1 = 0.0, b2 = 0.0, b3 = 0.0;
    var c00 = 0.0, c01 = 0.0, c02 = 0.0, c03 = 0.0, c10 = 0.0, c11 = 0.0, c12 = 0.0, c13 = 0.0;
    var c20 = 0.0, c21 = 0.0, c22 = 0.0, c23 = 0.0, c30 = 0.0, c31 = 0.0, c32 = 0.0, c33 = 0.0;
    for (panelCol = 0; (panelCol | 0) < (cols | 0); panelCol = (panelCol + 4) | 0) {
      bPanel = (${B_BYTES} + (imul(panelCol, depth) << 3)) | 0;
      for (panelRow = 0; (panelRow | 0) < (rows | 0); panelRow = (panelRow + 4) | 0) {
        a = (${A_BYTES} + (imul(panelRow, depth) << 3)) | 0;
        b = bPanel;
        aEnd = (a + (depth << 5)) | 0;
        aPairsEnd = (a + ((depth >> 1) << 6)) | 0;
        c00 = 0.0; c01 = 0.0; c02 = 0.0; c03 = 0.0; c10 = 0.0; c11 = 0.0; c12 = 0.0; c13 = 0.0;
        c20 = 0.0; c21 = 0.0; c22 = 0.0; c23 = 0.0; c30 = 0.0; c31 = 0.0; c32 = 0.0; c33 = 0.0;
        // Two steps of p per trip (fewer loop branches; the same additions in the same order),
        // then the odd last step if depth is odd.
        while ((a | 0) < (aPairsEnd | 0)) {
          a0 = +H[(a + 0) >> 3]; a1 = +H[(a + 8) >> 3]; a2 = +H[(a + 16) >> 3]; a3 = +H[(a + 24) >> 3];
          b0 = +H[(b + 0) >> 3]; b1 = +H[(b + 8) >> 3]; b2 = +H[(b + 16) >> 3]; b3 = +H[(b + 24) >> 3];
          c00 = c00 + a0 * b0; c01 = c01 + a0 * b1; c02 = c02 + a0 * b2; c03 = c03 + a0 * b3;
          c10 = c10 + a1 * b0; c11 = c11 + a1 * b1; c12 = c12 + a1 * b2; c13 = c13 + a1 * b3;
          c20 = c20 + a2 * b0; c21 = c21 + a2 * b1; c22 = c22 + a2 * b2; c23 = c23 + a2 * b3;
          c30 = c30 + a3 * b0; c31 = c31 + a3 * b1; c32 = c32 + a3 * b2; c33 = c33 + a3 * b3;
          a0 = +H[(a + 32) >> 3]; a1 = +H[(a + 40) >> 3]; a2 = +H[(a + 48) >> 3]; a3 = +H[(a + 56) >> 3];
          b0 = +H[(b + 32) >> 3]; b1 = +H[(b + 40) >> 3]; b2 = +H[(b + 48) >> 3]; b3 = +H[(b + 56) >> 3];
          c00 = c00 + a0 * b0; c01 = c01 + a0 * b1; c02 = c02 + a0 * b2; c03 = c03 + a0 * b3;
          c10 = c10 + a1 * b0; c11 = c11 + a1 * b1; c12 = c12 + a1 * b2; c13 = c13 + a1 * b3;
          c20 = c20 + a2 * b0; c21 = c21 + a2 * b1; c22 = c22 + a2 * b2; c23 = c23 + a2 * b3;
          c30 = c30 + a3 * b0; c31 = c31 + a3 * b1; c32 = c32 + a3 * b2; c33 = c33 + a3 * b3;
          a = (a + 64) | 0;
          b = (b + 64) | 0;
        }
        if ((a | 0) < (aEnd | 0)) {
          a0 = +H[(a + 0) >> 3]; a1 = +H[(a + 8) >> 3]; a2 = +H[(a + 16) >> 3]; a3 = +H[(a + 24) >> 3];
          b0 = +H[(b + 0) >> 3]; b1 = +H[(b + 8) >> 3]; b2 = +H[(b + 16) >> 3]; b3 = +H[(b + 24) >> 3];
          c00 = c00 + a0 * b0; c01 = c01 + a0 * b1; c02 = c02 + a0 * b2; c03 = c03 + a0 * b3;
          c10 = c10 + a1 * b0; c11 = c11 + a1 * b1; c12 = c12 + a1 * b2; c13 = c13 + a1 * b3;
          c20 = c20 + a2 * b0; c21 = c21 + a2 * b1; c22 = c22 + a2 * b2; c23 = c23 + a2 * b3;
          c30 = c30 + a3 * b0; c31 = c31 + a3 * b1; c32 = c32 + a3 * b2; c33 = c33 + a3 * b3;
        }
        out = (${C_BYTES} + ((imul(panelRow, ${C_BLOCK_STRIDE}) + panelCol) << 3)) | 0;
        H[out >> 3] = c00; H[(out + 8) >> 3] = c01; H[(out + 16) >> 3] = c02; H[(out + 24) >> 3] = c03;
        out = (out + ${ROW_BYTES}) | 0;
        H[out >> 3] = c10; H[(out + 8) >> 3] = c11; H[(out + 16) >> 3] = c12; H[(out + 24) >> 3] = c13;
        out = (out + ${ROW_BYTES}) | 0;
        H[out >> 3] = c20; H[(out + 8) >> 3] = c21; H[(out + 16) >> 3] = c22; H[(out + 24) >> 3] = c23;
        out = (out + ${ROW_BYTES}) | 0;
        H[out >> 3] = c30; H[(out + 8) >> 3] = c31; H[(out + 16) >> 3] = c32; H[(out + 24) >> 3] = c33;
      }
    }
  }
  return { macroKernel: macroKernel };
`;

/**
 * Which implementation a scratch heap runs: 'wasm-simd' (gemm-macro-kernel-simd.ts) where the engine
 * has WebAssembly SIMD, else 'asm.js' unless compiling it is forbidden, else 'portable'. All three
 * give the same bits.
 */
export type MacroKernelKind = 'wasm-simd' | 'asm.js' | 'portable';

export interface ScratchHeap {
  /** The heap as doubles: gemm.ts packs into it and reads C blocks from it. */
  readonly view: Float64Array;
  readonly run: MacroKernel;
  readonly kind: MacroKernelKind;
}

const KINDS: readonly MacroKernelKind[] = ['wasm-simd', 'asm.js', 'portable'];

/**
 * A fresh HEAP_BYTES scratch heap and the fastest macro-kernel available at or below `prefer`, in
 * the order wasm-simd, asm.js, portable (specs ask for each to compare them).
 */
export function createScratchHeap(prefer: MacroKernelKind = 'wasm-simd'): ScratchHeap {
  const allowed = KINDS.slice(KINDS.indexOf(prefer));
  if (allowed.includes('wasm-simd')) {
    const layout = { aBlockStart: A_BLOCK_START, bBlockStart: B_BLOCK_START, cBlockStart: C_BLOCK_START, cBlockStride: C_BLOCK_STRIDE };
    const simd = instantiateSimdMacroKernel(layout, HEAP_BYTES);
    if (simd !== undefined) return { ...simd, kind: 'wasm-simd' };
  }
  const buffer = new ArrayBuffer(HEAP_BYTES);
  const view = new Float64Array(buffer);
  if (allowed.includes('asm.js')) {
    const compiled = compileAsm(buffer);
    if (compiled !== undefined) return { view, run: compiled, kind: 'asm.js' };
  }
  return { view, run: (rows, cols, depth) => macroKernelPortable(view, rows, cols, depth), kind: 'portable' };
}

function compileAsm(buffer: ArrayBuffer): MacroKernel | undefined {
  try {
    const factory = new Function('stdlib', 'foreign', 'heap', ASM_SOURCE) as
      (stdlib: typeof globalThis, foreign: object, heap: ArrayBuffer) => { macroKernel: MacroKernel };
    return factory(globalThis, {}, buffer).macroKernel;
  } catch {
    // new Function refused (Content-Security-Policy without 'unsafe-eval'): use the portable loops.
    return undefined;
  }
}
