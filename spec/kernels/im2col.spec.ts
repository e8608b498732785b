import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConvGeometry } from '../../src/kernels/conv-geometry.ts';
import { col2im, im2col, packIm2colPanels } from '../../src/kernels/im2col.ts';
import { NR } from '../../src/kernels/gemm-macro-kernel.ts';
import { Rng } from '../../src/tensor/rng.ts';

function geometry(partial: Partial<ConvGeometry> & Pick<ConvGeometry, 'inputHeight' | 'inputWidth' | 'filterHeight' | 'filterWidth'>): ConvGeometry {
  const g = { batchSize: 1, inputChannels: 1, filters: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, ...partial };
  const outputHeight = (g.inputHeight - g.dilationH * (g.filterHeight - 1) - 1 + 2 * g.padH) / g.strideH + 1;
  const outputWidth = (g.inputWidth - g.dilationW * (g.filterWidth - 1) - 1 + 2 * g.padW) / g.strideW + 1;
  assert.ok(Number.isInteger(outputHeight) && Number.isInteger(outputWidth), 'spec geometry must fit');
  return { ...g, outputHeight, outputWidth };
}

test('im2col of a 3x3 image with a 2x2 filter: each column is one patch (hand-computed)', () => {
  // x = 1 2 3 / 4 5 6 / 7 8 9; patches at (0,0) (0,1) (1,0) (1,1).
  const g = geometry({ inputHeight: 3, inputWidth: 3, filterHeight: 2, filterWidth: 2 });
  const input = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const columns = new Float32Array(4 * 4).fill(-1);
  im2col(g, input, 0, columns, 0);
  // Rows: taps (fy, fx) = (0,0) (0,1) (1,0) (1,1); columns: output pixels in row-major order.
  assert.deepEqual([...columns], [
    1, 2, 4, 5,
    2, 3, 5, 6,
    4, 5, 7, 8,
    5, 6, 8, 9,
  ]);
});

test('im2col with padding 1 and stride 2 writes zeros for taps in the padding (hand-computed)', () => {
  // x (3x3) = 1..9, 3x3 filter, pad 1, stride 2 → H′ = (3−3+2)/2+1 = 2: patches centred on (0,0) (0,2) (2,0) (2,2).
  const g = geometry({ inputHeight: 3, inputWidth: 3, filterHeight: 3, filterWidth: 3, padH: 1, padW: 1, strideH: 2, strideW: 2 });
  const columns = new Float32Array(9 * 4).fill(-1);
  im2col(g, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 0, columns, 0);
  assert.deepEqual([...columns], [
    0, 0, 0, 5, // tap (0,0) reads pixel (2y−1, 2x−1)
    0, 0, 4, 6,
    0, 0, 5, 0,
    0, 2, 0, 8, // tap (1,0)
    1, 3, 7, 9, // the centre tap reads the patch centres
    2, 0, 8, 0,
    0, 5, 0, 0,
    4, 6, 0, 0,
    5, 0, 0, 0, // tap (2,2) reads pixel (2y+1, 2x+1)
  ]);
});

test('im2col with dilation 2 reads every other pixel (hand-computed)', () => {
  // x (1x5) = 1..5, filter 1x2 with dilation 2 → taps 2 apart, W′ = (5−3)/1+1 = 3.
  const g = geometry({ inputHeight: 1, inputWidth: 5, filterHeight: 1, filterWidth: 2, dilationW: 2 });
  const columns = new Float32Array(6);
  im2col(g, Float32Array.from([1, 2, 3, 4, 5]), 0, columns, 0);
  assert.deepEqual([...columns], [1, 2, 3, 3, 4, 5]);
});

test('col2im is the transpose of im2col: <im2col(x), y> = <x, col2im(y)>, and it adds', () => {
  const rng = new Rng(21);
  for (let trial = 0; trial < 40; trial++) {
    const filterHeight = 1 + rng.int(4);
    const filterWidth = 1 + rng.int(4);
    const strideH = 1 + rng.int(3);
    const strideW = 1 + rng.int(3);
    const padH = rng.int(3);
    const padW = rng.int(3);
    const dilationH = 1 + rng.int(2);
    const dilationW = 1 + rng.int(2);
    // Pick H′, W′ and derive the input size so that the geometry fits exactly.
    const outputHeight = 1 + rng.int(4);
    const outputWidth = 1 + rng.int(4);
    const inputHeight = (outputHeight - 1) * strideH + dilationH * (filterHeight - 1) + 1 - 2 * padH;
    const inputWidth = (outputWidth - 1) * strideW + dilationW * (filterWidth - 1) + 1 - 2 * padW;
    if (inputHeight < 1 || inputWidth < 1) continue;
    const g = geometry({
      inputChannels: 1 + rng.int(3), inputHeight, inputWidth, filterHeight, filterWidth,
      strideH, strideW, padH, padW, dilationH, dilationW,
    });
    const inputSize = g.inputChannels * inputHeight * inputWidth;
    const columnsSize = g.inputChannels * filterHeight * filterWidth * outputHeight * outputWidth;
    const offset = 3; // both functions honour offsets
    const x = new Float32Array(offset + inputSize);
    const y = new Float32Array(offset + columnsSize);
    for (let i = offset; i < x.length; i++) x[i] = rng.gaussian(0, 1);
    for (let i = offset; i < y.length; i++) y[i] = rng.gaussian(0, 1);

    const columns = new Float32Array(offset + columnsSize);
    im2col(g, x, offset, columns, offset);
    const start = new Float32Array(offset + inputSize);
    for (let i = offset; i < start.length; i++) start[i] = rng.gaussian(0, 1);
    const folded = start.slice();
    col2im(g, y, offset, folded, offset);

    let left = 0;
    let right = 0;
    for (let i = offset; i < columns.length; i++) left += columns[i] * y[i];
    for (let i = offset; i < folded.length; i++) right += x[i] * (folded[i] - start[i]);
    assert.ok(Math.abs(left - right) <= 1e-4 * Math.max(1, Math.abs(left)), `trial ${trial}: ${left} vs ${right}`);
    for (let i = 0; i < offset; i++) assert.equal(folded[i], 0, 'col2im wrote before its offset');
  }
});

test('packIm2colPanels writes exactly the GEMM panels of im2col (random windows)', () => {
  const rng = new Rng(22);
  let checked = 0;
  for (let trial = 0; trial < 60; trial++) {
    const filterHeight = 1 + rng.int(4), filterWidth = 1 + rng.int(4);
    const strideH = 1 + rng.int(3), strideW = 1 + rng.int(3);
    const padH = rng.int(3), padW = rng.int(3);
    const dilationH = 1 + rng.int(2), dilationW = 1 + rng.int(2);
    const outputHeight = 1 + rng.int(6), outputWidth = 1 + rng.int(6);
    const inputHeight = (outputHeight - 1) * strideH + dilationH * (filterHeight - 1) + 1 - 2 * padH;
    const inputWidth = (outputWidth - 1) * strideW + dilationW * (filterWidth - 1) + 1 - 2 * padW;
    if (inputHeight < 1 || inputWidth < 1) continue;
    const g = geometry({
      inputChannels: 1 + rng.int(3), inputHeight, inputWidth, filterHeight, filterWidth,
      strideH, strideW, padH, padW, dilationH, dilationW,
    });
    const patch = g.inputChannels * filterHeight * filterWidth;
    const pixels = outputHeight * outputWidth;
    const offset = 2;
    const x = new Float32Array(offset + g.inputChannels * inputHeight * inputWidth);
    for (let i = offset; i < x.length; i++) x[i] = rng.gaussian(0, 1);
    const columns = new Float32Array(patch * pixels);
    im2col(g, x, offset, columns, 0);

    {
      // op(B) is the columns matrix (patch × pixels); pick a window of it.
      const [rows, cols] = [patch, pixels];
      const depthStart = rng.int(rows), colStart = rng.int(cols);
      const depth = 1 + rng.int(rows - depthStart), width = 1 + rng.int(cols - colStart);
      const dstStart = 5;
      const panels = Math.ceil(width / NR);
      const dst = new Float32Array(dstStart + panels * depth * NR + 3).fill(Number.NaN);
      packIm2colPanels(g, x, offset, dst, dstStart, depthStart, depth, colStart, width);
      for (let p = 0; p < depth; p++) {
        for (let j = 0; j < panels * NR; j++) {
          const row = depthStart + p, col = colStart + j;
          const expected = j >= width ? 0 : columns[row * pixels + col];
          const at = dstStart + Math.floor(j / NR) * depth * NR + p * NR + (j % NR);
          assert.equal(dst[at], expected, `trial ${trial}: p ${p} j ${j}`);
          checked++;
        }
      }
      // Nothing outside the panels is touched.
      for (let i = 0; i < dstStart; i++) assert.ok(Number.isNaN(dst[i]));
      for (let i = dstStart + panels * depth * NR; i < dst.length; i++) assert.ok(Number.isNaN(dst[i]));
    }
  }
  assert.ok(checked > 500, `only ${checked} values checked`);
});
