/**
 * The GEMM macro-kernel of kernels/gemm-macro-kernel.ts (macroKernelPortable) in asm.js, the statically typed
 * subset of JavaScript that V8 (Node, Chrome, Deno) compiles ahead of time to WebAssembly: tier 'asm'.
 *
 * Why bother: in ordinary JavaScript every typed-array read carries a bounds check and index-overflow
 * checks (about six instructions around each load), and the sixteen accumulators spill to the stack;
 * compiled as asm.js the loads are bare and the same loop runs about 1.4× faster (measured on the
 * 2-core reference machine, Node 20; newer V8 versions narrow the gap). asm.js is still JavaScript:
 * an engine that does not recognise it runs it as normal code, and double-precision `+` and `*` are
 * IEEE operations either way, so both paths give the same bits (a spec checks it). The source is a
 * string compiled with `new Function` because a TypeScript compiler would rewrite it (`0.0` becomes
 * `0`, the 'use asm' directive goes) and the rewrite is no longer valid asm.js; where `new Function`
 * is forbidden (a strict Content-Security-Policy) the next tier down runs instead.
 *
 * asm.js notation, for reading the string: `x | 0` marks an int, `+x` a double, `0.0` a double
 * literal; H[byteOffset >> 3] reads the heap as Float64; `imul` is Math.imul.
 */
import type { MacroKernelLayout } from './gemm-macro-kernel-simd.ts';


/**
 * macroKernelPortable in asm.js, with the p loop unrolled by two (measured 5–9 % faster here; same
 * operations in the same order). a, b, aEnd, aPairsEnd and out are byte offsets; the layout's
 * offsets and stride are baked into the source as byte constants (asm.js addresses the heap in bytes).
 */
function asmSource({ aBlockStart, bBlockStart, cBlockStart, cBlockStride }: MacroKernelLayout): string {
  const aBytes = aBlockStart * 8;
  const bBytes = bBlockStart * 8;
  const cBytes = cBlockStart * 8;
  const rowBytes = cBlockStride * 8;
  return `
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
      bPanel = (${bBytes} + (imul(panelCol, depth) << 3)) | 0;
      for (panelRow = 0; (panelRow | 0) < (rows | 0); panelRow = (panelRow + 4) | 0) {
        a = (${aBytes} + (imul(panelRow, depth) << 3)) | 0;
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
        out = (${cBytes} + ((imul(panelRow, ${cBlockStride}) + panelCol) << 3)) | 0;
        H[out >> 3] = c00; H[(out + 8) >> 3] = c01; H[(out + 16) >> 3] = c02; H[(out + 24) >> 3] = c03;
        out = (out + ${rowBytes}) | 0;
        H[out >> 3] = c10; H[(out + 8) >> 3] = c11; H[(out + 16) >> 3] = c12; H[(out + 24) >> 3] = c13;
        out = (out + ${rowBytes}) | 0;
        H[out >> 3] = c20; H[(out + 8) >> 3] = c21; H[(out + 16) >> 3] = c22; H[(out + 24) >> 3] = c23;
        out = (out + ${rowBytes}) | 0;
        H[out >> 3] = c30; H[(out + 8) >> 3] = c31; H[(out + 16) >> 3] = c32; H[(out + 24) >> 3] = c33;
      }
    }
  }
  return { macroKernel: macroKernel };
`;
}

/**
 * The asm.js macro-kernel over `buffer` (the scratch heap, a power of two ≥ 64 KiB), or undefined
 * where `new Function` is refused. Arguments as macroKernelPortable's: rows, cols, depth.
 */
export function compileAsmMacroKernel(
  layout: MacroKernelLayout, buffer: ArrayBuffer,
): ((rows: number, cols: number, depth: number) => void) | undefined {
  try {
    const factory = new Function('stdlib', 'foreign', 'heap', asmSource(layout)) as
      (stdlib: typeof globalThis, foreign: object, heap: ArrayBuffer) => { macroKernel(rows: number, cols: number, depth: number): void };
    return factory(globalThis, {}, buffer).macroKernel;
  } catch {
    // new Function refused (Content-Security-Policy without 'unsafe-eval'): the portable loops run.
    return undefined;
  }
}
