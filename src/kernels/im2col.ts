/**
 * im2col and col2im: how a convolution becomes one matrix multiply.
 *
 * A convolution computes, for every output pixel, a dot product between one filter (C·FH·FW
 * weights) and the input patch under it (C·FH·FW values). im2col copies every patch of one image
 * into a column of a matrix:
 *
 *   columns: (C·FH·FW) × (H′·W′)      row r = (c·FH + fy)·FW + fx,  column q = y·W′ + x
 *   columns[r][q] = x[c, y·SH − PH + fy·DH, x·SW − PW + fx·DW]   (0 where that falls in the padding)
 *
 * so the whole forward pass for that image is one GEMM, (K × C·FH·FW) · (C·FH·FW × H′·W′) → y (K × H′·W′),
 * which runs at GEMM speed instead of the speed of six nested loops. The price is memory: each input
 * pixel is copied up to FH·FW/(SH·SW) times.
 *
 * col2im is the adjoint (transpose) of im2col: it sends every column entry back to the input pixel it
 * was copied from and ADDS it there, because one pixel feeds several patches and its gradient is the
 * sum over all of them. Entries that came from padding are dropped.
 *
 * Both walk the columns in the same order; each row of the columns matrix is split once into
 * [padding | pixels | padding] ranges (firstOutputAtOrAbove), so the inner loop is a strided copy
 * with no per-pixel bounds test. Pure functions: they allocate nothing.
 *
 * Engines: none mirror this file — it runs as written on every kernel tier (engines/kernel-tier.ts).
 */
import type { ConvGeometry } from './conv-geometry.ts';
import { firstOutputAtOrAbove } from './conv-geometry.ts';

/**
 * columns[columnsOffset ..] (C·FH·FW × H′·W′) = patches of the image input[inputOffset ..] (C, H, W).
 * Every entry of the columns matrix is written.
 */
export function im2col(
  geometry: ConvGeometry, input: Float32Array, inputOffset: number, columns: Float32Array, columnsOffset: number,
): void {
  const {
    inputChannels, inputHeight, inputWidth, filterHeight, filterWidth,
    strideH, strideW, padH, padW, dilationH, dilationW, outputHeight, outputWidth,
  } = geometry;
  let row = columnsOffset;
  for (let c = 0; c < inputChannels; c++) {
    const plane = inputOffset + c * inputHeight * inputWidth;
    for (let fy = 0; fy < filterHeight; fy++) {
      const yOffset = fy * dilationH - padH;
      const yStart = firstOutputAtOrAbove(0, yOffset, strideH, outputHeight);
      const yEnd = firstOutputAtOrAbove(inputHeight, yOffset, strideH, outputHeight);
      for (let fx = 0; fx < filterWidth; fx++) {
        const xOffset = fx * dilationW - padW;
        const xStart = firstOutputAtOrAbove(0, xOffset, strideW, outputWidth);
        const xEnd = firstOutputAtOrAbove(inputWidth, xOffset, strideW, outputWidth);
        for (let y = 0; y < outputHeight; y++) {
          const destination = row + y * outputWidth;
          if (y < yStart || y >= yEnd) {
            columns.fill(0, destination, destination + outputWidth);
            continue;
          }
          // Input index of output pixel x is source + x·SW.
          const source = plane + (y * strideH + yOffset) * inputWidth + xOffset;
          for (let x = 0; x < xStart; x++) columns[destination + x] = 0;
          for (let x = xStart; x < xEnd; x++) columns[destination + x] = input[source + x * strideW];
          for (let x = xEnd; x < outputWidth; x++) columns[destination + x] = 0;
        }
        row += outputHeight * outputWidth;
      }
    }
  }
}

/**
 * inputGrad[inputOffset ..] (C, H, W) += the columns matrix columns[columnsOffset ..]
 * (C·FH·FW × H′·W′) folded back onto the pixels it was copied from. ADDS; padding entries are dropped.
 */
export function col2im(
  geometry: ConvGeometry, columns: Float32Array, columnsOffset: number, inputGrad: Float32Array, inputOffset: number,
): void {
  const {
    inputChannels, inputHeight, inputWidth, filterHeight, filterWidth,
    strideH, strideW, padH, padW, dilationH, dilationW, outputHeight, outputWidth,
  } = geometry;
  let row = columnsOffset;
  for (let c = 0; c < inputChannels; c++) {
    const plane = inputOffset + c * inputHeight * inputWidth;
    for (let fy = 0; fy < filterHeight; fy++) {
      const yOffset = fy * dilationH - padH;
      const yStart = firstOutputAtOrAbove(0, yOffset, strideH, outputHeight);
      const yEnd = firstOutputAtOrAbove(inputHeight, yOffset, strideH, outputHeight);
      for (let fx = 0; fx < filterWidth; fx++) {
        const xOffset = fx * dilationW - padW;
        const xStart = firstOutputAtOrAbove(0, xOffset, strideW, outputWidth);
        const xEnd = firstOutputAtOrAbove(inputWidth, xOffset, strideW, outputWidth);
        for (let y = yStart; y < yEnd; y++) {
          const source = row + y * outputWidth;
          const destination = plane + (y * strideH + yOffset) * inputWidth + xOffset;
          for (let x = xStart; x < xEnd; x++) inputGrad[destination + x * strideW] += columns[source + x];
        }
        row += outputHeight * outputWidth;
      }
    }
  }
}

/**
 * The columns matrix of one image, packed straight into GEMM panels — im2col and the GEMM's B
 * packing fused, so the matrix is never stored (no N·C·FH·FW·H′·W′ buffer); the stride-1
 * backward-data (conv-backward-data-flipped.ts) uses it. Writes op(B)[depthStart .. +depth]
 * [colStart .. +cols] of
 *
 *   op(B) = columns        (rows r = patch entries c·FH·FW + fy·FW + fx, cols q = output pixels)
 *
 * into dst from dstStart as the GEMM's B panels (gemm-macro-kernel.ts, NR = 8): ⌈cols/8⌉ panels of
 * depth × 8 values, p-major (dst[dstStart + (j>>3)·depth·8 + p·8 + (j&7)] holds
 * op(B)[depthStart+p][colStart+j]), the columns of the last panel past `cols` set to 0. Every value
 * equals what im2col writes (a spec checks it).
 */
export function packIm2colPanels(
  geometry: ConvGeometry, input: Float32Array, inputOffset: number,
  dst: Float32Array, dstStart: number, depthStart: number, depth: number, colStart: number, cols: number,
): void {
  const {
    inputHeight, inputWidth, filterHeight, filterWidth,
    strideH, strideW, padH, padW, dilationH, dilationW, outputHeight, outputWidth,
  } = geometry;
  const panelStride = depth * 8;
  const paddedCols = Math.ceil(cols / 8) * 8;
  const taps = filterHeight * filterWidth;
  for (let p = 0; p < depth; p++) {
    const r = depthStart + p;
    const c = Math.floor(r / taps);
    const fy = Math.floor((r - c * taps) / filterWidth);
    const fx = r - c * taps - fy * filterWidth;
    const plane = inputOffset + c * inputHeight * inputWidth;
    const yOffset = fy * dilationH - padH;
    const xOffset = fx * dilationW - padW;
    const yStart = firstOutputAtOrAbove(0, yOffset, strideH, outputHeight);
    const yEnd = firstOutputAtOrAbove(inputHeight, yOffset, strideH, outputHeight);
    const xStart = firstOutputAtOrAbove(0, xOffset, strideW, outputWidth);
    const xEnd = firstOutputAtOrAbove(inputWidth, xOffset, strideW, outputWidth);
    const rowStart = dstStart + p * 8;
    // Walk the pixels q = colStart .. colStart+cols−1 one output row (y) at a time; j = q − colStart.
    let y = Math.floor(colStart / outputWidth);
    let x = colStart - y * outputWidth;
    let j = 0;
    while (j < cols) {
      const runEnd = x + Math.min(outputWidth - x, cols - j);
      // Split the run into [padding | pixels | padding] once, as im2col does.
      const inside = y >= yStart && y < yEnd;
      const copyStart = inside ? Math.min(Math.max(xStart, x), runEnd) : runEnd;
      const copyEnd = inside ? Math.max(Math.min(xEnd, runEnd), copyStart) : runEnd;
      const source = plane + (y * strideH + yOffset) * inputWidth + xOffset;
      for (; x < copyStart; x++, j++) dst[rowStart + (j >> 3) * panelStride + (j & 7)] = 0;
      for (; x < copyEnd; x++, j++) dst[rowStart + (j >> 3) * panelStride + (j & 7)] = input[source + x * strideW];
      for (; x < runEnd; x++, j++) dst[rowStart + (j >> 3) * panelStride + (j & 7)] = 0;
      x = 0;
      y++;
    }
    for (; j < paddedCols; j++) dst[rowStart + (j >> 3) * panelStride + (j & 7)] = 0;
  }
}
