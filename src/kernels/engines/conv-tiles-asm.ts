/**
 * The scalar implicit-GEMM tiles of kernels/conv-tiles.ts in asm.js, the statically typed subset of
 * JavaScript that V8 compiles ahead of time to WebAssembly (gemm-macro-kernel-asm.ts explains why and
 * how to read it): tier 'asm'. The fallback where WebAssembly SIMD (conv-tiles-simd.ts) is missing, or
 * where a Content-Security-Policy forbids compiling WebAssembly ('wasm-unsafe-eval') but allows
 * `new Function`.
 */

/**
 * The smallest heap size asm.js accepts that holds `bytes`: a power of two from 64 KiB to 16 MiB,
 * above that a multiple of 16 MiB (V8 refuses to link other sizes and would run the loops as
 * ordinary JavaScript). The portable tier uses the same sizes, so both see the same heap.
 */
export function asmHeapSize(bytes: number): number {
  const sixteenMiB = 1 << 24;
  if (bytes > sixteenMiB) return Math.ceil(bytes / sixteenMiB) * sixteenMiB;
  let size = 1 << 16;
  while (size < bytes) size *= 2;
  return size;
}

/**
 * forwardTilesPortable and weightGradTilesPortable (kernels/conv-tiles.ts) in asm.js. Arguments are the same
 * fields in bytes (element address × 8), except tableAt, which stays an Int32 index; table entries
 * are element offsets, hence `<< 3`.
 */
const ASM_SOURCE = `
  'use asm';
  var H = new stdlib.Float64Array(heap);
  var I = new stdlib.Int32Array(heap);
  var imul = stdlib.Math.imul;
  function forwardTiles(filterGroups, depth, outputHeight, paddedOutputWidth, rowStep, columnStep, weightsAt, tableAt, inputAt, outputAt) {
    filterGroups = filterGroups | 0; depth = depth | 0; outputHeight = outputHeight | 0;
    paddedOutputWidth = paddedOutputWidth | 0; rowStep = rowStep | 0; columnStep = columnStep | 0;
    weightsAt = weightsAt | 0; tableAt = tableAt | 0; inputAt = inputAt | 0; outputAt = outputAt | 0;
    var pair = 0, y = 0, x = 0, panel = 0, rowBase = 0, base = 0, w = 0, t = 0, tEnd = 0, at = 0;
    var plane = 0, step2 = 0, step3 = 0, out = 0;
    var a0 = 0.0, a1 = 0.0, b0 = 0.0, b1 = 0.0, b2 = 0.0, b3 = 0.0;
    var c00 = 0.0, c01 = 0.0, c02 = 0.0, c03 = 0.0, c10 = 0.0, c11 = 0.0, c12 = 0.0, c13 = 0.0;
    plane = imul(outputHeight, paddedOutputWidth) << 3;
    step2 = columnStep << 1;
    step3 = (step2 + columnStep) | 0;
    for (pair = 0; (pair | 0) < (filterGroups | 0); pair = (pair + 1) | 0) {
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
    var quad = 0, p = 0, y = 0, grad = 0, d = 0, dEnd = 0, row = 0, t = 0;
    var at0 = 0, at1 = 0, rowBytes = 0, panelBytes = 0;
    var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, b0 = 0.0, b1 = 0.0;
    var c00 = 0.0, c01 = 0.0, c10 = 0.0, c11 = 0.0, c20 = 0.0, c21 = 0.0, c30 = 0.0, c31 = 0.0;
    rowBytes = outputWidth << 5;
    panelBytes = imul(imul(outputHeight, outputWidth), 32);
    for (quad = 0; (quad | 0) < (filterQuads | 0); quad = (quad + 1) | 0) {
      for (p = tileStart; (p | 0) < (tileEnd | 0); p = (p + 2) | 0) {
        grad = (gradAt + ((imul(quad, paddedDepth) + p) << 5)) | 0;
        c00 = +H[grad >> 3]; c10 = +H[(grad + 8) >> 3]; c20 = +H[(grad + 16) >> 3]; c30 = +H[(grad + 24) >> 3];
        c01 = +H[(grad + 32) >> 3]; c11 = +H[(grad + 40) >> 3]; c21 = +H[(grad + 48) >> 3]; c31 = +H[(grad + 56) >> 3];
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
        H[grad >> 3] = c00; H[(grad + 8) >> 3] = c10; H[(grad + 16) >> 3] = c20; H[(grad + 24) >> 3] = c30;
        H[(grad + 32) >> 3] = c01; H[(grad + 40) >> 3] = c11; H[(grad + 48) >> 3] = c21; H[(grad + 56) >> 3] = c31;
      }
    }
  }
  return { forwardTiles: forwardTiles, weightGradTiles: weightGradTiles };
`;

/** The compiled loops; arguments as listed in the source above, in bytes. */
export interface AsmTiles {
  forwardTiles(...args: number[]): void;
  weightGradTiles(...args: number[]): void;
}

/** The asm.js tiles over `buffer` (sized by asmHeapSize), or undefined where `new Function` is refused. */
export function compileAsmTiles(buffer: ArrayBuffer): AsmTiles | undefined {
  try {
    const factory = new Function('stdlib', 'foreign', 'heap', ASM_SOURCE) as
      (stdlib: typeof globalThis, foreign: object, heap: ArrayBuffer) => AsmTiles;
    return factory(globalThis, {}, buffer);
  } catch {
    // new Function refused (Content-Security-Policy without 'unsafe-eval'): use the portable loops.
    return undefined;
  }
}
