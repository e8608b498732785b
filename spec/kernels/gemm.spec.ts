import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gemm } from '../../src/kernels/gemm.ts';
import { gemmReference } from '../../src/kernels/gemm-reference.ts';
import {
  A_BLOCK_START, B_BLOCK_START, C_BLOCK_START, C_BLOCK_STRIDE, HEAP_BYTES, TILE,
} from '../../src/kernels/gemm-macro-kernel.ts';
import { createScratchHeap } from '../../src/kernels/engine-switch.ts';
import { Rng } from '../../src/tensor/rng.ts';

/** The GEMM's k-block depth (gemm.ts KC): up to this depth both kernels round exactly once. */
const SINGLE_BLOCK_DEPTH = 256;

interface Case {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  accumulate: boolean;
  /** Extra columns beyond the stored width (lda/ldb/ldc > width) and start offsets. */
  extra: number;
  offset: number;
}

function randomArray(length: number, rng: Rng): Float32Array {
  const array = new Float32Array(length);
  for (let i = 0; i < length; i++) array[i] = rng.gaussian(0, 1);
  return array;
}

/** Runs gemm and gemmReference on the same inputs; returns both C arrays (whole arrays, padding included). */
function runBoth(testCase: Case, rng: Rng): { fast: Float32Array; reference: Float32Array } {
  const { transA, transB, m, n, k, accumulate, extra, offset } = testCase;
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const lda = aCols + extra;
  const ldb = bCols + extra;
  const ldc = n + extra;
  const a = randomArray(offset + aRows * lda, rng);
  const b = randomArray(offset + bRows * ldb, rng);
  const c = randomArray(offset + m * ldc + extra, rng);
  const fast = c.slice();
  const reference = c.slice();
  gemm(transA, transB, m, n, k, a, offset, lda, b, offset, ldb, fast, offset, ldc, accumulate);
  gemmReference(transA, transB, m, n, k, a, offset, lda, b, offset, ldb, reference, offset, ldc, accumulate);
  return { fast, reference };
}

function describe(testCase: Case): string {
  return JSON.stringify(testCase);
}

test('gemm equals the triple loop bit for bit when k fits one k-block (all transposes, odd sizes, offsets, strides)', () => {
  const rng = new Rng(11);
  const sizes = [1, 2, 3, 4, 5, 7, 9, 13, 17, 31, 65];
  let cases = 0;
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (let trial = 0; trial < 12; trial++) {
        const testCase: Case = {
          transA, transB,
          m: sizes[rng.int(sizes.length)], n: sizes[rng.int(sizes.length)], k: sizes[rng.int(sizes.length)],
          accumulate: rng.int(2) === 1, extra: rng.int(4), offset: rng.int(5),
        };
        const { fast, reference } = runBoth(testCase, rng);
        // Same products, same order, one rounding: identical bits, padding and offsets untouched.
        assert.deepEqual(fast, reference, describe(testCase));
        cases++;
      }
    }
  }
  assert.equal(cases, 48);
});

test('gemm agrees with the triple loop to float32 rounding across block edges (MC=64, KC=256, NC=256)', () => {
  const rng = new Rng(12);
  const shapes: Array<[number, number, number]> = [[70, 260, 300], [129, 5, 513], [3, 513, 257], [65, 67, 600]];
  for (const [m, n, k] of shapes) {
    for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      const testCase: Case = { transA, transB, m, n, k, accumulate: true, extra: 3, offset: 2 };
      const { fast, reference } = runBoth(testCase, rng);
      for (let i = 0; i < fast.length; i++) {
        // The fast kernel rounds to float32 once per k-block: relative error ~ k/KC · 6e-8.
        const error = Math.abs(fast[i] - reference[i]) / Math.max(1, Math.abs(reference[i]));
        assert.ok(error <= 1e-5, `${describe(testCase)}: element ${i}: ${fast[i]} vs ${reference[i]}`);
      }
    }
  }
});

test('gemm with accumulate=false overwrites C; with k = 0 it writes zeros (or leaves C when accumulating)', () => {
  const a = Float32Array.from([1, 2, 3, 4]);
  const b = Float32Array.from([5, 6, 7, 8]);
  const c = Float32Array.from([100, 100, 100, 100]);
  gemm(false, false, 2, 2, 2, a, 0, 2, b, 0, 2, c, 0, 2, false);
  assert.deepEqual([...c], [1 * 5 + 2 * 7, 1 * 6 + 2 * 8, 3 * 5 + 4 * 7, 3 * 6 + 4 * 8]);
  gemm(false, false, 2, 2, 2, a, 0, 2, b, 0, 2, c, 0, 2, true);
  assert.deepEqual([...c], [38, 44, 86, 100]);
  gemm(false, false, 2, 2, 0, a, 0, 2, b, 0, 2, c, 0, 2, true);
  assert.deepEqual([...c], [38, 44, 86, 100]);
  gemm(false, false, 2, 2, 0, a, 0, 2, b, 0, 2, c, 0, 2, false);
  assert.deepEqual([...c], [0, 0, 0, 0]);
});

test('gemm: each row of C has the same bits whether computed alone or with the others (row-split invariance)', () => {
  const rng = new Rng(13);
  const m = 37, n = 29, k = 2 * SINGLE_BLOCK_DEPTH + 45;
  for (const transA of [false, true]) {
    const a = randomArray(m * k, rng);
    const b = randomArray(k * n, rng);
    const lda = transA ? m : k;
    const whole = new Float32Array(m * n);
    gemm(transA, false, m, n, k, a, 0, lda, b, 0, n, whole, 0, n, false);
    const pieces = new Float32Array(m * n);
    for (const [start, end] of [[0, 5], [5, 6], [6, 23], [23, 37]]) {
      const aOffset = transA ? start : start * lda;
      gemm(transA, false, end - start, n, k, a, aOffset, lda, b, 0, n, pieces, start * n, n, false);
    }
    assert.deepEqual(pieces, whole, `transA=${transA}`);
  }
});

test('the simd, asm and portable tiers of the macro-kernel give the same bits on the same packed blocks', () => {
  const simd = createScratchHeap('simd');
  const asm = createScratchHeap('asm');
  const portable = createScratchHeap('portable');
  // Node has WebAssembly SIMD and allows new Function: each fast path must really be the one asked for.
  assert.equal(simd.tier, 'simd');
  assert.equal(asm.tier, 'asm');
  assert.equal(portable.tier, 'portable');
  const rng = new Rng(13);
  for (const [rows, cols, depth] of [[4, 4, 1], [64, 256, 256], [8, 12, 75], [20, 4, 3], [60, 252, 17]]) {
    for (let i = 0; i < HEAP_BYTES / 8; i++) simd.view[i] = asm.view[i] = portable.view[i] = rng.gaussian(0, 1);
    simd.run(rows, cols, depth);
    asm.run(rows, cols, depth);
    portable.run(rows, cols, depth);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const at = C_BLOCK_START + i * C_BLOCK_STRIDE + j;
        assert.ok(Object.is(asm.view[at], portable.view[at]), `asm.js, rows ${rows} cols ${cols} depth ${depth}: C[${i}][${j}]`);
        assert.ok(Object.is(simd.view[at], portable.view[at]), `wasm-simd, rows ${rows} cols ${cols} depth ${depth}: C[${i}][${j}]`);
      }
    }
    // And the C block holds Σ_p A[i][p]·B[p][j] in packed-panel order, checked at one corner element.
    let expected = 0;
    const [i, j] = [rows - 1, cols - 1];
    for (let p = 0; p < depth; p++) {
      const a = portable.view[A_BLOCK_START + Math.floor(i / TILE) * TILE * depth + p * TILE + (i % TILE)];
      const b = portable.view[B_BLOCK_START + Math.floor(j / TILE) * TILE * depth + p * TILE + (j % TILE)];
      expected += a * b;
    }
    assert.equal(portable.view[C_BLOCK_START + i * C_BLOCK_STRIDE + j], expected);
  }
});
