/**
 * Fast 2-D convolution as an implicit GEMM.
 *
 * KEY IDEA. A convolution is the GEMM  y (K × H′W′) = w (K × C·FH·FW) · cols (C·FH·FW × H′W′), where
 * column j of `cols` is the patch under output pixel j (im2col.ts, conv-im2col.ts). Entry p = (c, fy, fx)
 * of the patch under output pixel (y, x) is one pixel of the zero-padded image x_padded:
 *
 *   cols[p][(y, x)] = x_padded[ base(y, x) + table[p] ]
 *   base(y, x) = y·SH·Wp + x·SW,    table[p] = (c·Hp + fy·DH)·Wp + fx·DW      (Hp × Wp: padded image)
 *
 * So the patch matrix is never built: the GEMM's register tiles (conv-tiles.ts) read x_padded through
 * the table of offsets (cuDNN calls this IMPLICIT_GEMM). Same results as conv-naive.ts (a spec checks
 * they agree); index arithmetic in conv-geometry.ts.
 *
 *   forward          y[n]  = w · cols(x[n]) + b                 split by image n
 *   backward-weights dw   += Σ_n dy[n] · cols(x[n])ᵀ,  db       split by 4 × 4 block of dw (weightGradWorkItems)
 *   backward-data    dx[n] += dy[n] ⋆ w̃  (stride 1 only)         split by image n
 *
 * Why it is faster than the explicit im2col + GEMM. There, every image's C·FH·FW × H′·W′ patch
 * matrix is written by im2col, then copied again into the GEMM's panels, and the 4 × 4 tile's
 * partial sums go through a C block in KC-deep slices. Here the image is copied once (with its zero
 * border, FH·FW times smaller than its patches), every output value is summed over the full depth
 * in registers, and nothing else moves. On the reference machine, with both paths' inner loops in
 * WebAssembly SIMD, that is 2–3× the explicit path's speed on the small layers of a CIFAR-10 net
 * (`npm run bench`). The price: the tiles read the image through the offset table (one extra load
 * per step), and each thread keeps a scratch heap big enough for one image.
 *
 * Backward-data for stride 1 is the forward loop on dy with the rotated filters w̃ (the identity and
 * flipWeights are in conv-backward-data-flipped.ts). For strides > 1 conv2d.ts uses conv-im2col.ts.
 *
 * Determinism: each output value, dw entry and dx value is summed by exactly one thread in a fixed
 * order (p ascending; for dw, images then pixels ascending), so any split gives the same bits.
 *
 * Precision: float32 arithmetic, every multiply and every add rounded (conv-tiles.ts explains the
 * contract and why). forward: s = Σ_p f32(w·x) from +0, then y = f32(s + b); backward-data:
 * dx = f32(dx + s); backward-weights: per image n, s_n = Σ_pixels f32(dy·x), acc = f32(acc + s_n)
 * (acc from +0), then dw = f32(dw + acc). db stays a double sum (sumOutputGrad's order in conv-naive.ts).
 * A sequential float32 sum of n terms is within about n·2⁻²⁴·Σ|terms| of the exact sum — conv-naive.ts
 * sums in double and is the accuracy reference; the naive-vs-fast sweep (spec/layers/conv2d-sweep.spec.ts)
 * checks that bound and reports how close the fast path comes.
 *
 * Data movement: images, dy and outputs enter and leave the scratch heap as block copies (set, and
 * the heap's copyPlanes / packPanels, WebAssembly on the SIMD tier); the tiles add into y planes
 * that already hold the bias or dx. With float32 tiles twice as fast as the old double ones, a
 * JavaScript loop touching every value once had grown to 10–50 % of a shallow layer's time.
 *
 * Reading order: the kernels first, then the planning code (where each region of the scratch heap
 * sits, the offset table, the padded copy) at the end of the file. The heap and the tier its tile
 * loops run on come from engine-switch.ts.
 */
import type { ConvGeometry } from './conv-geometry.ts';
import type { ConvBackwardWeightsArgs, ConvForwardArgs } from './conv-naive.ts';
import { flippedGeometry } from './conv-backward-data-flipped.ts';
import type { ConvBackwardDataFlippedArgs } from './conv-backward-data-flipped.ts';
import { builtUnderCurrentSetting, createTileHeap } from './engine-switch.ts';
import type { KernelTier, TileHeap } from './engine-switch.ts';
import { defineKernel } from './kernel.ts';

/**
 * Argument records: the same as the other conv kernels' — x, w, b → y as conv-naive.ts's forward;
 * x, dy → dw, db as its backward-weights; dy, w̃ → dx as conv-backward-data-flipped.ts (stride 1).
 */
export type ConvForwardImplicitArgs = ConvForwardArgs;
export type ConvBackwardWeightsImplicitArgs = ConvBackwardWeightsArgs;
export type ConvBackwardDataImplicitArgs = ConvBackwardDataFlippedArgs;

/** This thread's tile heap: made on first use, replaced by a bigger one when a layer needs more. */
let threadHeap: TileHeap | undefined;

/** This thread's heap if it holds `bytes` and was built under the current tier setting, else a new one. */
function tileHeapFor(bytes: number): TileHeap {
  if (threadHeap === undefined || threadHeap.bytes < bytes || !builtUnderCurrentSetting(threadHeap)) {
    threadHeap = createTileHeap(Math.max(bytes, threadHeap?.bytes ?? 1));
  }
  return threadHeap;
}

/** Which kernel tier this thread's tile loops run under the current setting ('simd', 'asm' or 'portable'), for reports. */
export function convTileKernelTier(): KernelTier {
  return tileHeapFor(1).tier;
}

/** The forward tile this thread's heap would use for K filters (sizing a plan before the heap is big enough). */
function threadForwardTile(filters: number): { group: number; width: number } {
  return tileHeapFor(1).forwardTile(filters);
}

/**
 * For images n in [imageStart, imageEnd): y[n] = w ⋆ x[n], then `target[n] = y[n] + bias` when bias is
 * given, `target[n] += y[n]` when it is null. Shapes per `g`: input (N, C, H, W), weights (K, C, FH, FW),
 * target (N, K, H′, W′).
 */
function convolveImages(
  g: ConvGeometry, input: Float32Array, weights: Float32Array, bias: Float32Array | null,
  target: Float32Array, imageStart: number, imageEnd: number, heap: TileHeap | undefined,
): void {
  if (imageStart >= imageEnd) return;
  const tile = threadForwardTile(g.filters);
  const scratch = heap ?? tileHeapFor(planForward(g, tile.group, tile.width).bytes);
  const { group: tileGroup, width: tileWidth } = scratch.forwardTile(g.filters);
  const plan = planForward(g, tileGroup, tileWidth);
  const { f32, i32 } = scratch;
  const { group, filterGroups, depth, paddedOutputWidth, paddedHeight, paddedWidth } = plan;
  const { filters, inputChannels, outputHeight, outputWidth } = g;
  // Weight panels: panel j, step p holds w[G·j .. G·j+G−1][p] (G = group); filters past K are zero.
  for (let panelIndex = 0; panelIndex < filterGroups; panelIndex++) {
    for (let lane = 0; lane < group; lane++) {
      const k = panelIndex * group + lane;
      const panel = plan.weightsAt + panelIndex * depth * group + lane;
      for (let p = 0; p < depth; p++) f32[panel + p * group] = k < filters ? weights[k * depth + p] : 0;
    }
  }
  fillOffsetTable(g, i32, plan.tableAt, paddedHeight, paddedWidth, 0, depth);
  f32.fill(0, plan.inputAt, plan.stagingAt);
  const tileArgs = {
    group, filterGroups, depth, outputHeight, paddedOutputWidth,
    rowStep: g.strideH * paddedWidth, columnStep: g.strideW,
    weightsAt: plan.weightsAt, tableAt: plan.tableAt, inputAt: plan.inputAt, outputAt: plan.outputAt,
  };
  const plane = outputHeight * paddedOutputWidth;
  const targetImage = filters * outputHeight * outputWidth;
  // The y planes with padded rows ↔ a block [K][H′][W′] in the staging area (when W′ ≠ W′_T).
  const rowsOf = (from: number, to: number, fromRow: number, toRow: number, fromPlane: number, toPlane: number) => ({
    from, to, planes: filters, rows: outputHeight, width: outputWidth,
    fromPlaneStride: fromPlane, toPlaneStride: toPlane, fromRowStride: fromRow, toRowStride: toRow,
  });
  const contiguous = paddedOutputWidth === outputWidth;
  for (let n = imageStart; n < imageEnd; n++) {
    copyPadded(g, input, n, scratch, plan.inputAt, plan.stagingAt, paddedHeight, paddedWidth, 0, inputChannels);
    // The tiles add each finished sum to what the y planes hold: the bias, or target[n] (dx += s).
    if (bias !== null) {
      for (let k = 0; k < filters; k++) f32.fill(bias[k], plan.outputAt + k * plane, plan.outputAt + (k + 1) * plane);
    } else if (contiguous) {
      f32.set(target.subarray(n * targetImage, (n + 1) * targetImage), plan.outputAt);
    } else {
      f32.set(target.subarray(n * targetImage, (n + 1) * targetImage), plan.stagingAt);
      scratch.copyPlanes(rowsOf(plan.stagingAt, plan.outputAt, outputWidth, paddedOutputWidth, outputHeight * outputWidth, plane));
    }
    scratch.forwardTiles(tileArgs);
    if (contiguous) {
      target.set(f32.subarray(plan.outputAt, plan.outputAt + targetImage), n * targetImage);
    } else {
      scratch.copyPlanes(rowsOf(plan.outputAt, plan.stagingAt, paddedOutputWidth, outputWidth, plane, outputHeight * outputWidth));
      target.set(f32.subarray(plan.stagingAt, plan.stagingAt + targetImage), n * targetImage);
    }
  }
}

/** y[n] = w ⋆ x[n] + b for images n in [imageStart, imageEnd). `heap` replaces this thread's (specs). */
export function conv2dForwardImplicit(args: ConvForwardImplicitArgs, imageStart: number, imageEnd: number, heap?: TileHeap): void {
  convolveImages(args, args.input, args.weights, args.bias, args.output, imageStart, imageEnd, heap);
}

/** dx[n] += dy[n] ⋆ w̃ (stride 1) for images n in [imageStart, imageEnd). */
export function conv2dBackwardDataImplicit(args: ConvBackwardDataImplicitArgs, imageStart: number, imageEnd: number, heap?: TileHeap): void {
  convolveImages(flippedGeometry(args), args.outputGrad, args.flippedWeights, null, args.inputGrad, imageStart, imageEnd, heap);
}

/**
 * The work items of backward-weights: every (group of 4 filters, group of 4 patch entries) pair —
 * one 4 × 4 block of dw — numbered filter-group-major: item = quad · ⌈depth/4⌉ + entryGroup.
 *
 * Why this numbering: a contiguous range of items is mostly whole filter groups, so a thread packs
 * dy only for its own filters, and it still splits finely inside a group when there are few of them
 * (K = 20 filters are 5 groups; two threads get 2.5 each). Splitting by patch entry alone made every
 * thread pack dy for all K filters — on a shallow layer (3 channels × 5 × 5 = 75 entries) about a
 * sixth of each thread's work, done twice.
 */
export function weightGradWorkItems(g: ConvGeometry): number {
  return Math.ceil(g.filters / 4) * Math.ceil((g.inputChannels * g.filterHeight * g.filterWidth) / ENTRY_GROUP);
}

/**
 * dw[k, r] += Σ_n Σ_pixels dy[n, k, pixel] · cols(x[n])[r, pixel] for the 4 × 4 blocks (filters k,
 * patch entries r) of work items [itemStart, itemEnd) (weightGradWorkItems), and db[k] for the
 * filter groups whose first item is in the range. Entries and filters past the real ones (padding of
 * the last group) are computed and not written.
 */
export function conv2dBackwardWeightsImplicit(args: ConvBackwardWeightsImplicitArgs, itemStart: number, itemEnd: number, heap?: TileHeap): void {
  const { batchSize, filters, outputGrad, weightsGrad, biasGrad } = args;
  const pixels = args.outputHeight * args.outputWidth;
  const depth = args.inputChannels * args.filterHeight * args.filterWidth;
  const entryGroups = Math.ceil(depth / ENTRY_GROUP);
  if (itemStart >= itemEnd) return;
  const plan = planWeightGrad(args);
  const scratch = heap ?? tileHeapFor(plan.bytes);
  const { f32, i32 } = scratch;
  const { paddedDepth, paddedHeight, paddedWidth } = plan;
  // The filter groups this range touches, and for each the patch entries [tileStart, tileEnd) it owns.
  const quadStart = Math.floor(itemStart / entryGroups);
  const quadEnd = Math.ceil(itemEnd / entryGroups);
  const blocks: Array<{ quad: number; tileStart: number; tileEnd: number }> = [];
  for (let quad = quadStart; quad < quadEnd; quad++) {
    const first = Math.max(itemStart, quad * entryGroups) - quad * entryGroups;
    const last = Math.min(itemEnd, (quad + 1) * entryGroups) - quad * entryGroups;
    blocks.push({ quad, tileStart: ENTRY_GROUP * first, tileEnd: ENTRY_GROUP * last });
  }
  // Neighbouring filter groups with the same entries go to the tiles in one call (the SIMD tier then
  // runs them two at a time, 8 filters per tile, and an odd last one on its 4-filter tile).
  const runs: Array<{ quad: number; quads: number; tileStart: number; tileEnd: number }> = [];
  for (const { quad, tileStart, tileEnd } of blocks) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.tileStart === tileStart && last.tileEnd === tileEnd) runs[runs.length - 1] = { ...last, quads: last.quads + 1 };
    else runs.push({ quad, quads: 1, tileStart, tileEnd });
  }
  // Only the input channels these patch entries read are copied.
  const tileStart = Math.min(...blocks.map((block) => block.tileStart));
  const tileEnd = Math.max(...blocks.map((block) => block.tileEnd));
  const taps = args.filterHeight * args.filterWidth;
  const channelStart = Math.floor(tileStart / taps);
  const channelEnd = Math.min(args.inputChannels, Math.ceil(tileEnd / taps));
  const filterEnd = Math.min(filters, 4 * quadEnd);
  fillOffsetTable(args, i32, plan.tableAt, paddedHeight, paddedWidth, tileStart, tileEnd);
  f32.fill(0, plan.gradAt, plan.tableAt);
  f32.fill(0, plan.outputGradAt, plan.bytes / 4);
  const biasSums = new Float64Array(f32.buffer, f32.byteOffset + plan.biasSumsAt * 4, 4 * (quadEnd - quadStart));
  const quads = quadEnd - quadStart;
  const imageGrad = filters * pixels;
  for (let n = 0; n < batchSize; n++) {
    copyPadded(args, args.input, n, scratch, plan.inputAt, plan.stagingAt, paddedHeight, paddedWidth, channelStart, channelEnd);
    // dy panels of this range's filter groups: panel q, pixel p holds dy[n][4q..4q+3][p] (filters past K
    // are zero rows). The same pass sums db in double, in sumOutputGrad's order (n, then pixels, ascending).
    const source = n * imageGrad + 4 * quadStart * pixels;
    f32.set(outputGrad.subarray(source, n * imageGrad + filterEnd * pixels), plan.stagingAt);
    f32.fill(0, plan.stagingAt + (filterEnd - 4 * quadStart) * pixels, plan.stagingAt + 4 * quads * pixels);
    scratch.packPanels({ from: plan.stagingAt, to: plan.outputGradAt + quadStart * pixels * 4, quads, pixels, sumsAt: plan.biasSumsAt });
    for (const block of runs) {
      scratch.weightGradTiles({
        filterQuads: block.quads, tileStart: block.tileStart, tileEnd: block.tileEnd, paddedDepth,
        outputHeight: args.outputHeight, outputWidth: args.outputWidth,
        rowStep: args.strideH * paddedWidth, columnStep: args.strideW,
        gradAt: plan.gradAt + block.quad * paddedDepth * 4, tableAt: plan.tableAt,
        outputGradAt: plan.outputGradAt + block.quad * pixels * 4, inputAt: plan.inputAt,
      });
    }
  }
  for (const { quad, tileStart: start, tileEnd: end } of blocks) {
    for (let k = 4 * quad; k < Math.min(filters, 4 * quad + 4); k++) {
      const accumulators = plan.gradAt + quad * paddedDepth * 4 + (k & 3);
      for (let r = start; r < Math.min(end, depth); r++) weightsGrad[k * depth + r] += f32[accumulators + r * 4];
    }
    // db of a filter group goes with its first item.
    if (quad * entryGroups >= itemStart) {
      for (let k = 4 * quad; k < Math.min(filters, 4 * quad + 4); k++) biasGrad[k] += biasSums[k - 4 * quadStart];
    }
  }
}

/** Handles for executor.parallelFor (kernel.ts): the kernels above under their registry names. */
export const conv2dForwardImplicitKernel = defineKernel('conv2dForwardImplicit', conv2dForwardImplicit);
export const conv2dBackwardDataImplicitKernel = defineKernel('conv2dBackwardDataImplicit', conv2dBackwardDataImplicit);
export const conv2dBackwardWeightsImplicitKernel = defineKernel('conv2dBackwardWeightsImplicit', conv2dBackwardWeightsImplicit);

// ---------------------------------------------------------------------------------------------
// Planning: where each region of the scratch heap sits, the offset table, the padded copy.

const roundUpTo = (value: number, multiple: number): number => Math.ceil(value / multiple) * multiple;

/** Patch entries per work item of backward-weights (the tiles step through them 2 or 4 at a time). */
const ENTRY_GROUP = 4;

/**
 * Heap regions of the forward loop (4-byte element addresses), for one image at a time:
 *   weights [⌈K/G⌉][depth][G] · table (depth Int32s) · x_padded [C][Hp][Wp] · y [G⌈K/G⌉][H′][W′_T] ·
 *   staging [C][H][W] or [K][H′][W′], whichever is larger (copyPadded, and y when W′_T ≠ W′)
 * with G × T the heap's forward tile (filters per weight panel × output pixels per tile) and W′_T =
 * W′ rounded up to T. x_padded holds every input pixel the tiles read: Hp = (H′−1)·SH + (FH−1)·DH + 1
 * rows and Wp = (W′_T−1)·SW + (FW−1)·DW + 1 columns, input pixel (h, w) at (h + PH, w + PW), zeros
 * elsewhere. Regions start on 16-byte boundaries (whole SIMD registers).
 */
export interface ForwardPlan {
  readonly group: number;
  readonly filterGroups: number;
  readonly depth: number;
  readonly paddedOutputWidth: number;
  readonly paddedHeight: number;
  readonly paddedWidth: number;
  readonly weightsAt: number;
  readonly tableAt: number;
  readonly inputAt: number;
  readonly outputAt: number;
  /** Where an image is block-copied before its rows are placed in x_padded (copyPadded). */
  readonly stagingAt: number;
  /** Heap bytes the plan uses. */
  readonly bytes: number;
}

export function planForward(g: ConvGeometry, group: number, width: number): ForwardPlan {
  const filterGroups = Math.ceil(g.filters / group);
  const depth = g.inputChannels * g.filterHeight * g.filterWidth;
  const paddedOutputWidth = roundUpTo(g.outputWidth, width);
  const paddedHeight = (g.outputHeight - 1) * g.strideH + (g.filterHeight - 1) * g.dilationH + 1;
  const paddedWidth = (paddedOutputWidth - 1) * g.strideW + (g.filterWidth - 1) * g.dilationW + 1;
  const weightsAt = 0;
  const tableAt = roundUpTo(weightsAt + filterGroups * depth * group, 4);
  const inputAt = roundUpTo(tableAt + depth, 4);
  const outputAt = roundUpTo(inputAt + g.inputChannels * paddedHeight * paddedWidth, 4);
  const stagingAt = outputAt + filterGroups * group * g.outputHeight * paddedOutputWidth;
  const end = stagingAt + Math.max(g.inputChannels * g.inputHeight * g.inputWidth, g.filters * g.outputHeight * g.outputWidth);
  return {
    group, filterGroups, depth, paddedOutputWidth, paddedHeight, paddedWidth, weightsAt, tableAt, inputAt, outputAt, stagingAt, bytes: end * 4,
  };
}

/**
 * Heap regions of the weight-gradient loop (4-byte elements):
 *   dw accumulators [⌈K/4⌉][depth₄][4] · table (depth₄ Int32s) · dy panels [⌈K/4⌉][H′W′][4] · x_padded [C][Hp][Wp] ·
 *   db sums (doubles) [4⌈K/4⌉] · staging [C][H][W] or [4⌈K/4⌉][H′W′], whichever is larger
 * with depth₄ = C·FH·FW rounded up to 4 and Hp, Wp as in the forward plan but for W′ itself.
 */
export interface WeightGradPlan {
  readonly filterQuads: number;
  readonly depth: number;
  readonly paddedDepth: number;
  readonly paddedHeight: number;
  readonly paddedWidth: number;
  readonly gradAt: number;
  readonly tableAt: number;
  readonly outputGradAt: number;
  readonly inputAt: number;
  /** Running double sums of dy per filter (db), 2 elements each. */
  readonly biasSumsAt: number;
  readonly stagingAt: number;
  readonly bytes: number;
}

export function planWeightGrad(g: ConvGeometry): WeightGradPlan {
  const filterQuads = Math.ceil(g.filters / 4);
  const depth = g.inputChannels * g.filterHeight * g.filterWidth;
  const paddedDepth = roundUpTo(depth, ENTRY_GROUP);
  const paddedHeight = (g.outputHeight - 1) * g.strideH + (g.filterHeight - 1) * g.dilationH + 1;
  const paddedWidth = (g.outputWidth - 1) * g.strideW + (g.filterWidth - 1) * g.dilationW + 1;
  const gradAt = 0;
  const tableAt = gradAt + filterQuads * 4 * paddedDepth;
  const outputGradAt = tableAt + paddedDepth;
  const inputAt = outputGradAt + filterQuads * g.outputHeight * g.outputWidth * 4;
  // db sums are doubles: an even element address (8-byte aligned).
  const biasSumsAt = roundUpTo(inputAt + g.inputChannels * paddedHeight * paddedWidth, 4);
  const stagingAt = biasSumsAt + 2 * 4 * filterQuads;
  const end = stagingAt + Math.max(g.inputChannels * g.inputHeight * g.inputWidth, 4 * filterQuads * g.outputHeight * g.outputWidth);
  return {
    filterQuads, depth, paddedDepth, paddedHeight, paddedWidth, gradAt, tableAt, outputGradAt, inputAt, biasSumsAt, stagingAt,
    bytes: end * 4,
  };
}

/**
 * Fills table[p] for patch entries p in [start, end) with offset(c, fy, fx) = (c·Hp + fy·DH)·Wp + fx·DW,
 * p = (c·FH + fy)·FW + fx; entries past the real depth (padding of the last tile) read offset 0.
 */
function fillOffsetTable(g: ConvGeometry, i32: Int32Array, tableAt: number, paddedHeight: number, paddedWidth: number, start: number, end: number): void {
  const taps = g.filterHeight * g.filterWidth;
  const depth = g.inputChannels * taps;
  for (let p = start; p < end; p++) {
    if (p >= depth) { i32[tableAt + p] = 0; continue; }
    const c = Math.floor(p / taps);
    const fy = Math.floor((p % taps) / g.filterWidth);
    const fx = p % g.filterWidth;
    i32[tableAt + p] = (c * paddedHeight + fy * g.dilationH) * paddedWidth + fx * g.dilationW;
  }
}

/**
 * Copies channels [channelStart, channelEnd) of image n of x (N, C, H, W) into x_padded, pixel (h, w)
 * at (h + PH, w + PW). Pixels that fall outside x_padded are never read by a tile and are skipped.
 * The border is not touched: the caller zeroes the region once and every image leaves it zero.
 *
 * In two steps: one block copy of the channels into the heap's staging area (set: a memcpy), then
 * the heap's copyPlanes places the rows (memory.copy in the SIMD tier). A JavaScript loop reading and
 * writing one float at a time cost 10–35 % of a whole convolution on the small layers.
 */
function copyPadded(
  g: ConvGeometry, input: Float32Array, n: number, heap: TileHeap, inputAt: number, stagingAt: number,
  paddedHeight: number, paddedWidth: number, channelStart: number, channelEnd: number,
): void {
  const { inputHeight, inputWidth, padH, padW } = g;
  const rows = Math.min(inputHeight, paddedHeight - padH);
  const columns = Math.min(inputWidth, paddedWidth - padW);
  if (rows <= 0 || columns <= 0 || channelEnd <= channelStart) return;
  const plane = inputHeight * inputWidth;
  const source = (n * g.inputChannels + channelStart) * plane;
  heap.f32.set(input.subarray(source, source + (channelEnd - channelStart) * plane), stagingAt);
  heap.copyPlanes({
    from: stagingAt, to: inputAt + (channelStart * paddedHeight + padH) * paddedWidth + padW,
    planes: channelEnd - channelStart, rows, width: columns,
    fromPlaneStride: plane, toPlaneStride: paddedHeight * paddedWidth, fromRowStride: inputWidth, toRowStride: paddedWidth,
  });
}
