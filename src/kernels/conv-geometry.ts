/**
 * The numbers every convolution and pooling kernel reads — ONE geometry type for both, which the
 * layers' shape functions (layers/conv-shape.ts) fill in — and the index arithmetic they share.
 *
 * Layout (NCHW, row-major, as everywhere in this library):
 *   input    x: (N, C, H, W)       element (n, c, h, w)   at ((n·C + c)·H + h)·W + w
 *   weights  w: (K, C, FH, FW)     element (k, c, fy, fx) at ((k·C + c)·FH + fy)·FW + fx
 *   bias     b: (K)
 *   output   y: (N, K, H′, W′)     element (n, k, y, x)   at ((n·K + k)·H′ + y)·W′ + x
 *
 * Output pixel (y, x) meets filter tap (fy, fx) at input pixel
 *   inputY = y·SH − PH + fy·DH,   inputX = x·SW − PW + fx·DW
 * and taps that land outside the input read the zero padding. Pooling is the same window without
 * padding or dilation (WindowGeometry alone). H′ and W′ come from convOutputShape / poolOutputShape
 * (src/layers/conv-shape.ts); kernels trust them.
 *
 * These are `type` aliases (not interfaces) so that argument records built from them are plain
 * KernelArgs records that an executor can ship to worker threads.
 */
export type WindowGeometry = {
  /** H, W. */
  readonly inputHeight: number;
  readonly inputWidth: number;
  /** FH, FW: the filter or pooling window. */
  readonly filterHeight: number;
  readonly filterWidth: number;
  /** SH, SW. */
  readonly strideH: number;
  readonly strideW: number;
  /** H′, W′. */
  readonly outputHeight: number;
  readonly outputWidth: number;
};

/** A convolution: the window over each plane, plus batch, channels, filters, padding and dilation. */
export type ConvGeometry = WindowGeometry & {
  /** N: images in the batch. */
  readonly batchSize: number;
  /** C. */
  readonly inputChannels: number;
  /** K: number of filters = output channels. */
  readonly filters: number;
  /** PH, PW: zero rows/columns added on each side. */
  readonly padH: number;
  readonly padW: number;
  /** DH, DW: distance between filter taps (1 = ordinary convolution). */
  readonly dilationH: number;
  readonly dilationW: number;
};

/**
 * The first output index o in [0, count] whose input coordinate o·stride + offset is ≥ bound
 * (count when there is none). With bound 0 it is where valid taps start; with bound = input size
 * it is where they end. Used to split each row into [zero padding | real pixels | zero padding]
 * once, instead of testing every pixel.
 */
export function firstOutputAtOrAbove(bound: number, offset: number, stride: number, count: number): number {
  const first = Math.ceil((bound - offset) / stride);
  return first < 0 ? 0 : first > count ? count : first;
}
