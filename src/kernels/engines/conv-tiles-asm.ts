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
 * forwardTilesPortable and weightGradTilesPortable (kernels/conv-tiles.ts) in asm.js, line for line.
 * Arguments are the same fields in bytes (element address × 4); table entries are element offsets,
 * hence `<< 2`.
 *
 * Float32 in asm.js: locals declared `fround(0)` are float-typed, a Float32Array read must be coerced
 * with fround, and `float * float` or `float + float` is "floatish" until fround rounds it to a
 * float — the validator enforces exactly the contract's two roundings per multiply-add, and V8
 * compiles them to WebAssembly f32.mul and f32.add. The same bits as Math.fround in the portable tier.
 */
const ASM_SOURCE = `
  'use asm';
  var H = new stdlib.Float32Array(heap);
  var I = new stdlib.Int32Array(heap);
  var imul = stdlib.Math.imul;
  var fround = stdlib.Math.fround;
  function forwardTiles(filterGroups, depth, outputHeight, paddedOutputWidth, rowStep, columnStep, weightsAt, tableAt, inputAt, outputAt) {
    filterGroups = filterGroups | 0; depth = depth | 0; outputHeight = outputHeight | 0;
    paddedOutputWidth = paddedOutputWidth | 0; rowStep = rowStep | 0; columnStep = columnStep | 0;
    weightsAt = weightsAt | 0; tableAt = tableAt | 0; inputAt = inputAt | 0; outputAt = outputAt | 0;
    var pair = 0, y = 0, x = 0, panel = 0, rowBase = 0, base = 0, w = 0, t = 0, tEnd = 0, at = 0;
    var plane = 0, step2 = 0, step3 = 0, out = 0;
    var a0 = fround(0), a1 = fround(0), b0 = fround(0), b1 = fround(0), b2 = fround(0), b3 = fround(0);
    var c00 = fround(0), c01 = fround(0), c02 = fround(0), c03 = fround(0);
    var c10 = fround(0), c11 = fround(0), c12 = fround(0), c13 = fround(0);
    plane = imul(outputHeight, paddedOutputWidth) << 2;
    step2 = columnStep << 1;
    step3 = (step2 + columnStep) | 0;
    for (pair = 0; (pair | 0) < (filterGroups | 0); pair = (pair + 1) | 0) {
      panel = (weightsAt + (imul(pair, depth) << 3)) | 0;
      for (y = 0; (y | 0) < (outputHeight | 0); y = (y + 1) | 0) {
        rowBase = (inputAt + imul(y, rowStep)) | 0;
        for (x = 0; (x | 0) < (paddedOutputWidth | 0); x = (x + 4) | 0) {
          base = (rowBase + imul(x, columnStep)) | 0;
          c00 = fround(0); c01 = fround(0); c02 = fround(0); c03 = fround(0);
          c10 = fround(0); c11 = fround(0); c12 = fround(0); c13 = fround(0);
          w = panel;
          t = tableAt;
          tEnd = (t + (depth << 2)) | 0;
          while ((t | 0) < (tEnd | 0)) {
            at = (base + (I[t >> 2] << 2)) | 0;
            a0 = fround(H[w >> 2]); a1 = fround(H[(w + 4) >> 2]);
            b0 = fround(H[at >> 2]); b1 = fround(H[(at + columnStep) >> 2]);
            b2 = fround(H[(at + step2) >> 2]); b3 = fround(H[(at + step3) >> 2]);
            c00 = fround(c00 + fround(a0 * b0)); c01 = fround(c01 + fround(a0 * b1));
            c02 = fround(c02 + fround(a0 * b2)); c03 = fround(c03 + fround(a0 * b3));
            c10 = fround(c10 + fround(a1 * b0)); c11 = fround(c11 + fround(a1 * b1));
            c12 = fround(c12 + fround(a1 * b2)); c13 = fround(c13 + fround(a1 * b3));
            w = (w + 8) | 0;
            t = (t + 4) | 0;
          }
          out = (outputAt + imul(pair << 1, plane) + (imul(y, paddedOutputWidth) << 2) + (x << 2)) | 0;
          H[out >> 2] = fround(fround(H[out >> 2]) + c00); H[(out + 4) >> 2] = fround(fround(H[(out + 4) >> 2]) + c01);
          H[(out + 8) >> 2] = fround(fround(H[(out + 8) >> 2]) + c02); H[(out + 12) >> 2] = fround(fround(H[(out + 12) >> 2]) + c03);
          out = (out + plane) | 0;
          H[out >> 2] = fround(fround(H[out >> 2]) + c10); H[(out + 4) >> 2] = fround(fround(H[(out + 4) >> 2]) + c11);
          H[(out + 8) >> 2] = fround(fround(H[(out + 8) >> 2]) + c12); H[(out + 12) >> 2] = fround(fround(H[(out + 12) >> 2]) + c13);
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
    var a0 = fround(0), a1 = fround(0), a2 = fround(0), a3 = fround(0), b0 = fround(0), b1 = fround(0);
    var c00 = fround(0), c01 = fround(0), c10 = fround(0), c11 = fround(0);
    var c20 = fround(0), c21 = fround(0), c30 = fround(0), c31 = fround(0);
    rowBytes = outputWidth << 4;
    panelBytes = imul(imul(outputHeight, outputWidth), 16);
    for (quad = 0; (quad | 0) < (filterQuads | 0); quad = (quad + 1) | 0) {
      for (p = tileStart; (p | 0) < (tileEnd | 0); p = (p + 2) | 0) {
        c00 = fround(0); c10 = fround(0); c20 = fround(0); c30 = fround(0);
        c01 = fround(0); c11 = fround(0); c21 = fround(0); c31 = fround(0);
        d = (outputGradAt + imul(quad, panelBytes)) | 0;
        row = inputAt;
        t = (tableAt + (p << 2)) | 0;
        for (y = 0; (y | 0) < (outputHeight | 0); y = (y + 1) | 0) {
          at0 = (row + (I[t >> 2] << 2)) | 0;
          at1 = (row + (I[(t + 4) >> 2] << 2)) | 0;
          dEnd = (d + rowBytes) | 0;
          while ((d | 0) < (dEnd | 0)) {
            a0 = fround(H[d >> 2]); a1 = fround(H[(d + 4) >> 2]); a2 = fround(H[(d + 8) >> 2]); a3 = fround(H[(d + 12) >> 2]);
            b0 = fround(H[at0 >> 2]); b1 = fround(H[at1 >> 2]);
            c00 = fround(c00 + fround(a0 * b0)); c01 = fround(c01 + fround(a0 * b1));
            c10 = fround(c10 + fround(a1 * b0)); c11 = fround(c11 + fround(a1 * b1));
            c20 = fround(c20 + fround(a2 * b0)); c21 = fround(c21 + fround(a2 * b1));
            c30 = fround(c30 + fround(a3 * b0)); c31 = fround(c31 + fround(a3 * b1));
            d = (d + 16) | 0;
            at0 = (at0 + columnStep) | 0; at1 = (at1 + columnStep) | 0;
          }
          row = (row + rowStep) | 0;
        }
        // dw = f32(dw + s), one image's sums into the accumulators.
        grad = (gradAt + ((imul(quad, paddedDepth) + p) << 4)) | 0;
        H[grad >> 2] = fround(fround(H[grad >> 2]) + c00); H[(grad + 4) >> 2] = fround(fround(H[(grad + 4) >> 2]) + c10);
        H[(grad + 8) >> 2] = fround(fround(H[(grad + 8) >> 2]) + c20); H[(grad + 12) >> 2] = fround(fround(H[(grad + 12) >> 2]) + c30);
        H[(grad + 16) >> 2] = fround(fround(H[(grad + 16) >> 2]) + c01); H[(grad + 20) >> 2] = fround(fround(H[(grad + 20) >> 2]) + c11);
        H[(grad + 24) >> 2] = fround(fround(H[(grad + 24) >> 2]) + c21); H[(grad + 28) >> 2] = fround(fround(H[(grad + 28) >> 2]) + c31);
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
