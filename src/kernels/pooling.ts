/**
 * Max and average pooling kernels, forward next to backward.
 *
 * Shapes: x (N, C, H, W) → y (N, C, H′, W′), H′ = (H − FH)/SH + 1, W′ = (W − FW)/SW + 1
 * (poolOutputShape in src/layers/conv-shape.ts; no padding; WindowGeometry in conv-geometry.ts). Output pixel (y, x) of a plane pools the
 * FH×FW window whose top-left input pixel is (y·SH, x·SW).
 *
 *   max:  y[n,c,y,x] = max over the window;  argmax[n,c,y,x] = flat index into x of that maximum
 *         Ties: the FIRST maximum in row-major window order (fy, then fx) wins, so results do not
 *         depend on anything but the data. (A NaN in the window's first position propagates; later
 *         NaNs are skipped, since no comparison with NaN is true.)
 *         backward: dx[argmax[o]] += dy[o] — the gradient goes to the one input that won.
 *   avg:  y[n,c,y,x] = (Σ window) / (FH·FW)   — the divisor is always the full window size
 *         backward: every input of the window gets dx += dy / (FH·FW)
 *
 * Backward ADDS into dx. Windows overlap when S < F, so one input may receive several additions.
 *
 * Why the 2×2 loop has no branches: which input of a window wins is close to a coin flip, so an
 * `if (value > best)` is mispredicted about once per window, which costs more than the window's
 * loads and comparisons together. That loop instead moves the index of the best input by the
 * comparison read as 0 or 1,  best += (candidate − best) · (x[candidate] > x[best]),  and reads the
 * maximum at the end: the same comparisons in the same order as the `if` form, so the same winner
 * (first maximum on ties; a NaN in the window's first position is never replaced, since no
 * comparison with NaN is true; later NaNs never win) — 2–3× faster. The general loop keeps the
 * `if`: in larger windows the best so far changes less and less often, the branch predicts well, and
 * the branch-free form (each comparison waits for the load of the previous winner) was no faster.
 *
 * On the 'simd' tier, 2×2 windows with stride 2 (when W′ is a multiple of 4) run four at a time in
 * WebAssembly (engines/max-pool-simd.ts: the same comparisons in the same order, so the same bits),
 * planes passing through that module's memory in block copies.
 *
 * Work split (RangeKernel form): a range of planes p = n·C + c. A window never leaves its plane, so
 * plane p writes only y[p], argmax[p] and dx[p], and the order of additions inside a plane is fixed.
 *
 * Engines: engines/max-pool-simd.ts (through engine-switch.ts) mirrors the 2×2 stride-2 forward
 * (0.88 → 0.36 ms of CPU time on a 32×16×32×32 batch); the rest runs as written on every kernel tier.
 */
import type { WindowGeometry } from './conv-geometry.ts';
import { simdMaxPoolLoop } from './engine-switch.ts';
import { defineKernel } from './kernel.ts';

export type MaxPoolForwardArgs = WindowGeometry & {
  /** x (planes × H × W) → y (planes × H′ × W′) and argmax (planes × H′ × W′), both overwritten. */
  readonly input: Float32Array;
  readonly output: Float32Array;
  readonly argmax: Int32Array;
};

export type MaxPoolBackwardArgs = WindowGeometry & {
  /** dy (planes × H′ × W′), argmax from forward → dx (planes × H × W), added to. */
  readonly outputGrad: Float32Array;
  readonly argmax: Int32Array;
  readonly inputGrad: Float32Array;
};

export type AvgPoolForwardArgs = WindowGeometry & {
  /** x (planes × H × W) → y (planes × H′ × W′), overwritten. */
  readonly input: Float32Array;
  readonly output: Float32Array;
};

export type AvgPoolBackwardArgs = WindowGeometry & {
  /** dy (planes × H′ × W′) → dx (planes × H × W), added to. */
  readonly outputGrad: Float32Array;
  readonly inputGrad: Float32Array;
};

/** Max pooling forward for planes [planeStart, planeEnd). */
export function maxPoolForward(args: MaxPoolForwardArgs, planeStart: number, planeEnd: number): void {
  if (args.filterHeight === 2 && args.filterWidth === 2) {
    maxPoolForward2x2(args, planeStart, planeEnd);
    return;
  }
  const {
    inputHeight, inputWidth, filterHeight, filterWidth, strideH, strideW, outputHeight, outputWidth,
    input, output, argmax,
  } = args;
  for (let plane = planeStart; plane < planeEnd; plane++) {
    const inputPlane = plane * inputHeight * inputWidth;
    let o = plane * outputHeight * outputWidth;
    for (let y = 0; y < outputHeight; y++) {
      for (let x = 0; x < outputWidth; x++) {
        const corner = inputPlane + y * strideH * inputWidth + x * strideW;
        let bestIndex = corner;
        let best = input[corner];
        for (let fy = 0; fy < filterHeight; fy++) {
          const rowStart = corner + fy * inputWidth;
          for (let fx = 0; fx < filterWidth; fx++) {
            const value = input[rowStart + fx];
            // Strictly greater: an equal value later in the window does not replace the first one.
            if (value > best) {
              best = value;
              bestIndex = rowStart + fx;
            }
          }
        }
        output[o] = best;
        argmax[o] = bestIndex;
        o++;
      }
    }
  }
}

/**
 * maxPoolForward for 2×2 windows, by far the most common: the same three comparisons in the same
 * order (top-right, bottom-left, bottom-right against the best so far; strictly greater replaces),
 * unrolled. The general loop spends more on its two tiny inner loops than on comparing.
 */
function maxPoolForward2x2(args: MaxPoolForwardArgs, planeStart: number, planeEnd: number): void {
  const { inputHeight, inputWidth, strideH, strideW, outputHeight, outputWidth, input, output, argmax } = args;
  const planeSize = inputHeight * inputWidth, outputPlane = outputHeight * outputWidth;
  const simd = strideH === 2 && strideW === 2 && outputWidth % 4 === 0 ? simdMaxPoolLoop() : undefined;
  const planesPerChunk = simd === undefined ? 0 : Math.floor(simd.chunk / planeSize);
  if (simd !== undefined && planesPerChunk >= 1) {
    for (let first = planeStart; first < planeEnd; first += planesPerChunk) {
      const planes = Math.min(planesPerChunk, planeEnd - first);
      simd.f32.set(input.subarray(first * planeSize, (first + planes) * planeSize), 0);
      simd.maxPool2x2(planes, outputHeight, outputWidth, inputWidth, planeSize, first * planeSize);
      output.set(simd.f32.subarray(simd.outputAt, simd.outputAt + planes * outputPlane), first * outputPlane);
      argmax.set(simd.i32.subarray(simd.argmaxAt, simd.argmaxAt + planes * outputPlane), first * outputPlane);
    }
    return;
  }
  for (let plane = planeStart; plane < planeEnd; plane++) {
    const inputPlane = plane * inputHeight * inputWidth;
    let o = plane * outputHeight * outputWidth;
    for (let y = 0; y < outputHeight; y++) {
      let topLeft = inputPlane + y * strideH * inputWidth;
      for (let x = 0; x < outputWidth; x++, o++, topLeft += strideW) {
        const bottomLeft = topLeft + inputWidth;
        // Each step: bestIndex moves to the candidate when candidate > input[bestIndex] (a 0/1 factor).
        let bestIndex = topLeft + +(input[topLeft + 1] > input[topLeft]);
        bestIndex += (bottomLeft - bestIndex) * +(input[bottomLeft] > input[bestIndex]);
        bestIndex += (bottomLeft + 1 - bestIndex) * +(input[bottomLeft + 1] > input[bestIndex]);
        output[o] = input[bestIndex];
        argmax[o] = bestIndex;
      }
    }
  }
}

/** Max pooling backward for planes [planeStart, planeEnd): dx[argmax[o]] += dy[o]. */
export function maxPoolBackward(args: MaxPoolBackwardArgs, planeStart: number, planeEnd: number): void {
  const { outputHeight, outputWidth, outputGrad, argmax, inputGrad } = args;
  const outputPlane = outputHeight * outputWidth;
  const end = planeEnd * outputPlane;
  for (let o = planeStart * outputPlane; o < end; o++) inputGrad[argmax[o]] += outputGrad[o];
}

/** Average pooling forward for planes [planeStart, planeEnd): y = window sum / (FH·FW). */
export function avgPoolForward(args: AvgPoolForwardArgs, planeStart: number, planeEnd: number): void {
  const {
    inputHeight, inputWidth, filterHeight, filterWidth, strideH, strideW, outputHeight, outputWidth, input, output,
  } = args;
  const windowSize = filterHeight * filterWidth;
  for (let plane = planeStart; plane < planeEnd; plane++) {
    const inputPlane = plane * inputHeight * inputWidth;
    let o = plane * outputHeight * outputWidth;
    for (let y = 0; y < outputHeight; y++) {
      for (let x = 0; x < outputWidth; x++) {
        const corner = inputPlane + y * strideH * inputWidth + x * strideW;
        let sum = 0;
        for (let fy = 0; fy < filterHeight; fy++) {
          const rowStart = corner + fy * inputWidth;
          for (let fx = 0; fx < filterWidth; fx++) sum += input[rowStart + fx];
        }
        output[o++] = sum / windowSize;
      }
    }
  }
}

/** Average pooling backward for planes [planeStart, planeEnd): each window input += dy / (FH·FW). */
export function avgPoolBackward(args: AvgPoolBackwardArgs, planeStart: number, planeEnd: number): void {
  const {
    inputHeight, inputWidth, filterHeight, filterWidth, strideH, strideW, outputHeight, outputWidth,
    outputGrad, inputGrad,
  } = args;
  const windowSize = filterHeight * filterWidth;
  for (let plane = planeStart; plane < planeEnd; plane++) {
    const inputPlane = plane * inputHeight * inputWidth;
    let o = plane * outputHeight * outputWidth;
    for (let y = 0; y < outputHeight; y++) {
      for (let x = 0; x < outputWidth; x++) {
        const share = outputGrad[o++] / windowSize;
        const corner = inputPlane + y * strideH * inputWidth + x * strideW;
        for (let fy = 0; fy < filterHeight; fy++) {
          const rowStart = corner + fy * inputWidth;
          for (let fx = 0; fx < filterWidth; fx++) inputGrad[rowStart + fx] += share;
        }
      }
    }
  }
}

/** Handles for executor.parallelFor (kernel.ts): the functions above under their registry names. */
export const maxPoolForwardKernel = defineKernel('maxPoolForward', maxPoolForward);
export const maxPoolBackwardKernel = defineKernel('maxPoolBackward', maxPoolBackward);
export const avgPoolForwardKernel = defineKernel('avgPoolForward', avgPoolForward);
export const avgPoolBackwardKernel = defineKernel('avgPoolBackward', avgPoolBackward);
