import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gemm } from '../../src/kernels/gemm.ts';
import { gemmReference } from '../../src/kernels/gemm-reference.ts';
import {
  A_BLOCK_START, B_BLOCK_START, C_BLOCK_START, C_BLOCK_STRIDE, C_BLOCK_ROWS, HEAP_BYTES, KC, MC, MR, NC, NR,
  SIMD_HEAP_BYTES, STAGING_START,
} from '../../src/kernels/gemm-macro-kernel.ts';
import { createScratchHeap } from '../../src/kernels/engine-switch.ts';
import { KERNEL_TIERS, kernelTier, setKernelTier } from '../../src/kernels/engines/kernel-tier.ts';
import type { KernelTier } from '../../src/kernels/engines/kernel-tier.ts';
import { gemmKernelTier } from '../../src/kernels/gemm.ts';
import { Rng } from '../../src/tensor/rng.ts';

/** Runs `body` with this thread's kernel tier set to `tier`, checking that tier really runs. */
function onTier(tier: KernelTier, body: () => void): void {
  const before = kernelTier();
  setKernelTier(tier);
  try {
    // Node has WebAssembly SIMD and allows new Function: each tier must really be the one asked for.
    assert.equal(gemmKernelTier(), tier);
    body();
  } finally {
    setKernelTier(before);
  }
}

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

test('gemm equals the float32 triple loop bit for bit on every tier (all transposes, odd sizes, offsets, strides)', () => {
  const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 13, 17, 31, 65];
  for (const tier of KERNEL_TIERS) {
    onTier(tier, () => {
      const rng = new Rng(11);
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
            // Same products, same order, same roundings: identical bits, padding and offsets untouched.
            assert.deepEqual(fast, reference, `${tier}: ${describe(testCase)}`);
            cases++;
          }
        }
      }
      assert.equal(cases, 48);
    });
  }
});

test('gemm equals the float32 triple loop bit for bit across block edges (MC=64, KC=256, NC=512, C_BLOCK_ROWS=512) on every tier', () => {
  const shapes: Array<[number, number, number]> = [[70, 260, 300], [129, 5, 513], [3, 1030, 257], [65, 67, 600], [1030, 9, 270]];
  for (const tier of KERNEL_TIERS) {
    onTier(tier, () => {
      const rng = new Rng(12);
      for (const [m, n, k] of shapes) {
        for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
          const testCase: Case = { transA, transB, m, n, k, accumulate: transA, extra: 3, offset: 2 };
          const { fast, reference } = runBoth(testCase, rng);
          assert.deepEqual(fast, reference, `${tier}: ${describe(testCase)}`);
        }
      }
    });
  }
});

test('gemm is within the float32 summation bound of the double-precision sum, relative to Σ|terms|', () => {
  // How far the float32 arithmetic is from the exact result. Each C element is a dot product of
  // k terms plus (when accumulating) the old C, summed as ⌈k/KC⌉ blocks of at most KC float32
  // multiply-adds, then the block sums added one by one. Higham's bound for such a sum (products
  // and sums each rounded once, unit roundoff u = 2⁻²⁴): |computed − exact| ≤ γ_r · Σ|terms|, with
  // γ_r = r·u / (1 − r·u) and r = min(k, KC) + ⌈k/KC⌉ + 1 roundings on any term's path. The
  // "exact" sum here is in double precision (error ~k·2⁻⁵³, negligible). Cancelling sums (a
  // column of B that nearly sums to zero) have a tiny result but not tiny Σ|terms|: the relative
  // error of the result is unbounded, the bound on Σ|terms| still holds.
  const rng = new Rng(14);
  const u = 2 ** -24;
  let worst = 0;
  for (const [m, n, k] of [[9, 11, 40], [6, 17, 300], [5, 9, 1100]] as Array<[number, number, number]>) {
    for (const accumulate of [false, true]) {
      const a = randomArray(m * k, rng);
      const b = randomArray(k * n, rng);
      // Make the last column of op(B) cancel: B[p][n−1] = −B[p−1][n−1] for odd p.
      for (let p = 1; p < k; p += 2) b[p * n + n - 1] = -b[(p - 1) * n + n - 1];
      const c = randomArray(m * n, rng);
      const start = c.slice();
      gemm(false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, accumulate);
      const roundings = Math.min(k, KC) + Math.ceil(k / KC) + 1;
      const gamma = (roundings * u) / (1 - roundings * u);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let exact = accumulate ? start[i * n + j] : 0;
          let sumOfAbs = Math.abs(exact);
          for (let p = 0; p < k; p++) {
            const term = a[i * k + p] * b[p * n + j];
            exact += term;
            sumOfAbs += Math.abs(term);
          }
          const error = Math.abs(c[i * n + j] - exact);
          assert.ok(error <= gamma * sumOfAbs, `m ${m} n ${n} k ${k}: C[${i}][${j}] = ${c[i * n + j]}, exact ${exact}, error ${error} > ${gamma} · ${sumOfAbs}`);
          worst = Math.max(worst, error / sumOfAbs / u);
        }
      }
    }
  }
  // And the sums really are float32: somewhere the error exceeds what one double rounding could give.
  assert.ok(worst > 0.5, `worst error only ${worst} · 2⁻²⁴ · Σ|terms|: is the GEMM still summing in double?`);
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
  const m = 37, n = 29, k = 2 * KC + 45;
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
  assert.equal(portable.view.length * 4, HEAP_BYTES);
  const rng = new Rng(13);
  for (const [rows, cols, depth, cRow] of [[4, 8, 1, 0], [MC, NC, KC, C_BLOCK_ROWS - MC], [8, 16, 75, 12], [20, 8, 3, 0], [60, 248, 17, 101]]) {
    for (let i = 0; i < HEAP_BYTES / 4; i++) simd.view[i] = asm.view[i] = portable.view[i] = rng.gaussian(0, 1);
    const before = portable.view.slice();
    simd.run(rows, cols, depth, cRow);
    asm.run(rows, cols, depth, cRow);
    portable.run(rows, cols, depth, cRow);
    // Every float of the heap: the C block rows the call owns, and nothing else, may change.
    for (let at = 0; at < HEAP_BYTES / 4; at++) {
      const row = Math.floor((at - C_BLOCK_START) / C_BLOCK_STRIDE);
      if (at >= C_BLOCK_START && row >= cRow && row < cRow + rows && (at - C_BLOCK_START) % C_BLOCK_STRIDE < cols) continue;
      assert.ok(Object.is(portable.view[at], before[at]) && Object.is(simd.view[at], before[at]) && Object.is(asm.view[at], before[at]),
        `rows ${rows} cols ${cols} depth ${depth} cRow ${cRow}: heap float ${at} changed`);
    }
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const at = C_BLOCK_START + (cRow + i) * C_BLOCK_STRIDE + j;
        assert.ok(Object.is(asm.view[at], portable.view[at]), `asm.js, rows ${rows} cols ${cols} depth ${depth}: C[${i}][${j}]`);
        assert.ok(Object.is(simd.view[at], portable.view[at]), `wasm-simd, rows ${rows} cols ${cols} depth ${depth}: C[${i}][${j}]`);
      }
    }
    // And row cRow + i of the C block had the float32 sum s = Σ_p A[i][p]·B[p][j] (packed-panel
    // order) added to it, C_block = f32(C_block + s), checked at the corners.
    for (const [i, j] of [[0, 0], [0, cols - 1], [rows - 1, 0], [rows - 1, cols - 1]]) {
      let sum = 0;
      for (let p = 0; p < depth; p++) {
        const a = portable.view[A_BLOCK_START + Math.floor(i / MR) * MR * depth + p * MR + (i % MR)];
        const b = portable.view[B_BLOCK_START + Math.floor(j / NR) * NR * depth + p * NR + (j % NR)];
        sum = Math.fround(sum + Math.fround(a * b));
      }
      const at = C_BLOCK_START + (cRow + i) * C_BLOCK_STRIDE + j;
      assert.equal(portable.view[at], Math.fround(before[at] + sum), `C[${i}][${j}] of rows ${rows} cols ${cols} depth ${depth}`);
    }
  }
});

test('the SIMD packers turn staged lines into exactly the panels of the layout (gathers, 4×4 transposes, every depth mod 4)', () => {
  const simd = createScratchHeap('simd');
  const packers = simd.packers;
  assert.ok(packers !== undefined, 'the simd tier has packers');
  assert.equal(simd.view.length * 4, SIMD_HEAP_BYTES);
  assert.equal(createScratchHeap('portable').packers, undefined);
  const heap = simd.view;
  const rng = new Rng(15);
  const SENTINEL = -7.5;
  for (const width of [4, 8] as const) {
    for (const depth of [1, 2, 3, 4, 5, 7, 8, 17, 256]) {
      for (const panels of [1, 3]) {
        for (const kind of ['gather', 'transpose'] as const) {
          // gather: line p holds depth p of every panel side by side; transpose: line t is row t of the panels.
          const lines = kind === 'gather' ? depth : panels * width;
          const stride = (kind === 'gather' ? panels * width : depth) + rng.int(3);
          for (let at = 0; at < lines * stride; at++) heap[STAGING_START + at] = rng.gaussian(0, 1);
          const to = width === MR ? A_BLOCK_START : B_BLOCK_START;
          const size = panels * depth * width;
          heap.fill(SENTINEL, to, to + size + 16);
          if (kind === 'gather') packers.gather(width, STAGING_START, stride, to, depth, panels);
          else packers.transpose(width, STAGING_START, stride, to, depth, panels);
          for (let q = 0; q < panels; q++) {
            for (let p = 0; p < depth; p++) {
              for (let t = 0; t < width; t++) {
                const staged = kind === 'gather' ? p * stride + q * width + t : (q * width + t) * stride + p;
                assert.ok(Object.is(heap[to + q * depth * width + p * width + t], heap[STAGING_START + staged]),
                  `${kind} width ${width} depth ${depth} panels ${panels}: panel ${q}, p ${p}, lane ${t}`);
              }
            }
          }
          for (let at = to + size; at < to + size + 16; at++) assert.equal(heap[at], SENTINEL, `${kind}: wrote past the panels`);
        }
      }
    }
  }
});

test('gemm on the SIMD tier (staged, WebAssembly-packed operands) equals the triple loop: adjacent and strided lines, short lines, edge panels', () => {
  // Shapes that take each branch of the staging: lines copied as one span (adjacent, or up to twice
  // their length apart) or one by one (far apart: k = 603, 1030; or padded: n mod 8, m mod 4), lines
  // shorter than a native copy is worth (m = 9 transposed), depths of every remainder mod 4, partial
  // panels of A and B, and whole C rows of C_BLOCK_STRIDE columns.
  const shapes: Array<[number, number, number]> = [
    [37, 45, 203], [20, 70, 300], [130, 130, 129], [9, 48, 300], [64, 512, 256], [66, 61, 258], [37, 45, 603], [13, 21, 1030],
  ];
  onTier('simd', () => {
    const rng = new Rng(16);
    for (const [m, n, k] of shapes) {
      for (const extra of [0, 3]) {
        for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
          const testCase: Case = { transA, transB, m, n, k, accumulate: extra === 0, extra, offset: extra };
          const { fast, reference } = runBoth(testCase, rng);
          assert.deepEqual(fast, reference, `simd: ${describe(testCase)}`);
        }
      }
    }
  });
});
