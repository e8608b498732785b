/**
 * The GEMM macro-kernel of kernels/gemm-macro-kernel.ts (macroKernelPortable) in asm.js, the statically typed
 * subset of JavaScript that V8 (Node, Chrome, Deno) compiles ahead of time to WebAssembly: tier 'asm'.
 *
 * Why bother: in ordinary JavaScript every typed-array read carries a bounds check and index-overflow
 * checks (about six instructions around each load), and the sixteen accumulators spill to the stack;
 * compiled as asm.js the loads are bare and float-typed locals become single-precision registers.
 * asm.js is still JavaScript: an engine that does not recognise it runs it as normal code, where
 * `fround(x + fround(a * b))` rounds the same double results to the same floats, so both paths give
 * the same bits (a spec checks it). The source is a string compiled with `new Function` because a
 * TypeScript compiler would rewrite it (the 'use asm' directive goes) and the rewrite is no longer
 * valid asm.js; where `new Function` is forbidden (a strict Content-Security-Policy) the next tier
 * down runs instead.
 *
 * asm.js notation, for reading the string: `x | 0` marks an int, `fround(x)` a float (single
 * precision: every float operation's result must be wrapped in fround, which is the IEEE rounding the
 * float32 contract asks for); F[byteOffset >> 2] reads the heap as Float32; `imul` is Math.imul.
 */
import type { MacroKernelLayout } from './gemm-macro-kernel-simd.ts';


/**
 * macroKernelPortable in asm.js: each MR × 8 panel pair as two 4 × 4 tiles (left and right halves
 * of the B panel), the p loop unrolled by two (same operations in the same order). a, b, aEnd,
 * aPairsEnd and out are byte offsets; the layout's offsets and stride are baked into the source as
 * byte constants (asm.js addresses the heap in bytes). Requires panelRows = 4.
 */
function asmSource({ aBlockStart, bBlockStart, cBlockStart, cBlockStride, panelRows, panelCols }: MacroKernelLayout): string {
  if (panelRows !== 4) throw new Error(`gemm-macro-kernel-asm: written for 4-row A panels, got ${panelRows}`);
  const aBytes = aBlockStart * 4;
  const bBytes = bBlockStart * 4;
  const cBytes = cBlockStart * 4;
  const rowBytes = cBlockStride * 4;
  const bRowBytes = panelCols * 4;
  const step = (aAt: number, bAt: number): string => `
          a0 = fround(F[(a + ${aAt}) >> 2]); a1 = fround(F[(a + ${aAt + 4}) >> 2]); a2 = fround(F[(a + ${aAt + 8}) >> 2]); a3 = fround(F[(a + ${aAt + 12}) >> 2]);
          b0 = fround(F[(b + ${bAt}) >> 2]); b1 = fround(F[(b + ${bAt + 4}) >> 2]); b2 = fround(F[(b + ${bAt + 8}) >> 2]); b3 = fround(F[(b + ${bAt + 12}) >> 2]);
          c00 = fround(c00 + fround(a0 * b0)); c01 = fround(c01 + fround(a0 * b1)); c02 = fround(c02 + fround(a0 * b2)); c03 = fround(c03 + fround(a0 * b3));
          c10 = fround(c10 + fround(a1 * b0)); c11 = fround(c11 + fround(a1 * b1)); c12 = fround(c12 + fround(a1 * b2)); c13 = fround(c13 + fround(a1 * b3));
          c20 = fround(c20 + fround(a2 * b0)); c21 = fround(c21 + fround(a2 * b1)); c22 = fround(c22 + fround(a2 * b2)); c23 = fround(c23 + fround(a2 * b3));
          c30 = fround(c30 + fround(a3 * b0)); c31 = fround(c31 + fround(a3 * b1)); c32 = fround(c32 + fround(a3 * b2)); c33 = fround(c33 + fround(a3 * b3));`;
  return `
  'use asm';
  var F = new stdlib.Float32Array(heap);
  var imul = stdlib.Math.imul;
  var fround = stdlib.Math.fround;
  function macroKernel(rows, cols, depth, cRow) {
    rows = rows | 0; cols = cols | 0; depth = depth | 0; cRow = cRow | 0;
    var panelRow = 0, panelCol = 0, half = 0, a = 0, b = 0, aEnd = 0, aPairsEnd = 0, bPanel = 0, out = 0;
    var a0 = fround(0), a1 = fround(0), a2 = fround(0), a3 = fround(0);
    var b0 = fround(0), b1 = fround(0), b2 = fround(0), b3 = fround(0);
    var c00 = fround(0), c01 = fround(0), c02 = fround(0), c03 = fround(0);
    var c10 = fround(0), c11 = fround(0), c12 = fround(0), c13 = fround(0);
    var c20 = fround(0), c21 = fround(0), c22 = fround(0), c23 = fround(0);
    var c30 = fround(0), c31 = fround(0), c32 = fround(0), c33 = fround(0);
    for (panelCol = 0; (panelCol | 0) < (cols | 0); panelCol = (panelCol + ${panelCols}) | 0) {
      for (half = 0; (half | 0) < ${panelCols}; half = (half + 4) | 0) {
        bPanel = (${bBytes} + (imul(panelCol, depth) << 2) + (half << 2)) | 0;
        for (panelRow = 0; (panelRow | 0) < (rows | 0); panelRow = (panelRow + 4) | 0) {
          a = (${aBytes} + (imul(panelRow, depth) << 2)) | 0;
          b = bPanel;
          aEnd = (a + (depth << 4)) | 0;
          aPairsEnd = (a + ((depth >> 1) << 5)) | 0;
          c00 = fround(0); c01 = fround(0); c02 = fround(0); c03 = fround(0);
          c10 = fround(0); c11 = fround(0); c12 = fround(0); c13 = fround(0);
          c20 = fround(0); c21 = fround(0); c22 = fround(0); c23 = fround(0);
          c30 = fround(0); c31 = fround(0); c32 = fround(0); c33 = fround(0);
          // Two steps of p per trip (fewer loop branches; the same operations in the same order),
          // then the odd last step if depth is odd.
          while ((a | 0) < (aPairsEnd | 0)) {${step(0, 0)}${step(16, bRowBytes)}
            a = (a + 32) | 0;
            b = (b + ${2 * bRowBytes}) | 0;
          }
          if ((a | 0) < (aEnd | 0)) {${step(0, 0)}
          }
          out = (${cBytes} + ((imul((cRow + panelRow) | 0, ${cBlockStride}) + panelCol + half) << 2)) | 0;
          // C_block = f32(C_block + sum).
          F[(out + 0) >> 2] = fround(fround(F[(out + 0) >> 2]) + c00); F[(out + 4) >> 2] = fround(fround(F[(out + 4) >> 2]) + c01); F[(out + 8) >> 2] = fround(fround(F[(out + 8) >> 2]) + c02); F[(out + 12) >> 2] = fround(fround(F[(out + 12) >> 2]) + c03);
          out = (out + ${rowBytes}) | 0;
          F[(out + 0) >> 2] = fround(fround(F[(out + 0) >> 2]) + c10); F[(out + 4) >> 2] = fround(fround(F[(out + 4) >> 2]) + c11); F[(out + 8) >> 2] = fround(fround(F[(out + 8) >> 2]) + c12); F[(out + 12) >> 2] = fround(fround(F[(out + 12) >> 2]) + c13);
          out = (out + ${rowBytes}) | 0;
          F[(out + 0) >> 2] = fround(fround(F[(out + 0) >> 2]) + c20); F[(out + 4) >> 2] = fround(fround(F[(out + 4) >> 2]) + c21); F[(out + 8) >> 2] = fround(fround(F[(out + 8) >> 2]) + c22); F[(out + 12) >> 2] = fround(fround(F[(out + 12) >> 2]) + c23);
          out = (out + ${rowBytes}) | 0;
          F[(out + 0) >> 2] = fround(fround(F[(out + 0) >> 2]) + c30); F[(out + 4) >> 2] = fround(fround(F[(out + 4) >> 2]) + c31); F[(out + 8) >> 2] = fround(fround(F[(out + 8) >> 2]) + c32); F[(out + 12) >> 2] = fround(fround(F[(out + 12) >> 2]) + c33);
        }
      }
    }
  }
  return { macroKernel: macroKernel };
`;
}

/**
 * The asm.js macro-kernel over `buffer` (the scratch heap, a power of two ≥ 64 KiB), or undefined
 * where `new Function` is refused. Arguments as macroKernelPortable's: rows, cols, depth, cRow.
 */
export function compileAsmMacroKernel(
  layout: MacroKernelLayout, buffer: ArrayBuffer,
): ((rows: number, cols: number, depth: number, cRow: number) => void) | undefined {
  const source = asmSource(layout);
  try {
    const factory = new Function('stdlib', 'foreign', 'heap', source) as
      (stdlib: typeof globalThis, foreign: object, heap: ArrayBuffer) => { macroKernel(rows: number, cols: number, depth: number, cRow: number): void };
    return factory(globalThis, {}, buffer).macroKernel;
  } catch {
    // new Function refused (Content-Security-Policy without 'unsafe-eval'): the portable loops run.
    return undefined;
  }
}
