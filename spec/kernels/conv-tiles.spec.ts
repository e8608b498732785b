/**
 * The implicit-GEMM tiles (src/kernels/conv-tiles.ts): the WebAssembly SIMD loops, the asm.js loops
 * and the portable TypeScript loops give the same bits, and those are the bits of the float32
 * contract's formula written as plain loops; Node really gets the SIMD tiles; V8 really
 * validates and links the asm.js (it reports a rejected module only as a process warning, and then
 * runs it as slow ordinary JavaScript); heap sizes follow the asm.js rules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConvGeometry } from '../../src/kernels/conv-geometry.ts';
import { flippedGeometry } from '../../src/kernels/conv-backward-data-flipped.ts';
import {
  conv2dBackwardDataImplicit, conv2dBackwardWeightsImplicit, conv2dForwardImplicit, planForward, planWeightGrad, weightGradWorkItems,
} from '../../src/kernels/conv-implicit-gemm.ts';
import { createTileHeap } from '../../src/kernels/engine-switch.ts';
import { asmHeapSize } from '../../src/kernels/engines/conv-tiles-asm.ts';
import type { KernelTier } from '../../src/kernels/engines/kernel-tier.ts';
import { Rng } from '../../src/tensor/rng.ts';

function gaussianArray(length: number, rng: Rng): Float32Array {
  const array = new Float32Array(length);
  for (let i = 0; i < length; i++) array[i] = rng.gaussian(0, 1);
  return array;
}

function geometry(g: Omit<ConvGeometry, 'outputHeight' | 'outputWidth'>): ConvGeometry {
  const size = (input: number, filter: number, stride: number, pad: number, dilation: number): number =>
    (input + 2 * pad - dilation * (filter - 1) - 1) / stride + 1;
  const outputHeight = size(g.inputHeight, g.filterHeight, g.strideH, g.padH, g.dilationH);
  const outputWidth = size(g.inputWidth, g.filterWidth, g.strideW, g.padW, g.dilationW);
  assert.ok(Number.isInteger(outputHeight) && Number.isInteger(outputWidth));
  return { ...g, outputHeight, outputWidth };
}

const GEOMETRIES: ConvGeometry[] = [
  // K = 6 (a zero-padded quad of filters in dw), odd depth 3·3·3 = 27, W′ = 7 (a padded output tile).
  geometry({ batchSize: 3, inputChannels: 3, inputHeight: 6, inputWidth: 7, filters: 6, filterHeight: 3, filterWidth: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 1 }),
  // Stride 2 × 3, dilation 2 × 1, non-square; K = 5 (a zero-padded pair of filters in forward).
  geometry({ batchSize: 2, inputChannels: 2, inputHeight: 9, inputWidth: 11, filters: 5, filterHeight: 3, filterWidth: 2, strideH: 2, strideW: 3, padH: 2, padW: 0, dilationH: 2, dilationW: 1 }),
  // Few filters on a wide image (K = 3, and C = 2 filters for backward-data), several tiles per row.
  geometry({ batchSize: 2, inputChannels: 2, inputHeight: 3, inputWidth: 32, filters: 3, filterHeight: 3, filterWidth: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 1 }),
  // One filter, stride 2, W′ = 17: strided tiles (lane by lane) and a padded last tile.
  geometry({ batchSize: 2, inputChannels: 2, inputHeight: 5, inputWidth: 33, filters: 1, filterHeight: 3, filterWidth: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, dilationH: 1, dilationW: 1 }),
  // A CIFAR-10 layer shape: 16 → 20 channels, 5×5 pad 2.
  geometry({ batchSize: 2, inputChannels: 16, inputHeight: 8, inputWidth: 8, filters: 20, filterHeight: 5, filterWidth: 5, strideH: 1, strideW: 1, padH: 2, padW: 2, dilationH: 1, dilationW: 1 }),
];

/** The random operands of one geometry, drawn in a fixed order from `seed` (so two specs see the same case). */
function drawCase(g: ConvGeometry, seed: number) {
  const rng = new Rng(seed);
  const depth = g.inputChannels * g.filterHeight * g.filterWidth;
  const input = gaussianArray(g.batchSize * g.inputChannels * g.inputHeight * g.inputWidth, rng);
  const weights = gaussianArray(g.filters * depth, rng);
  const bias = gaussianArray(g.filters, rng);
  const output = new Float32Array(g.batchSize * g.filters * g.outputHeight * g.outputWidth);
  const outputGrad = gaussianArray(output.length, rng);
  const weightsGrad = gaussianArray(weights.length, rng);
  const biasGrad = gaussianArray(g.filters, rng);
  const inputGrad = gaussianArray(input.length, rng);
  return { input, weights, bias, output, outputGrad, weightsGrad, biasGrad, inputGrad };
}

/** Runs forward, backward-weights and (stride 1) backward-data on a heap of the given kind. */
function runAll(g: ConvGeometry, kind: KernelTier, seed: number): Float32Array[] {
  const { input, weights, bias, output, outputGrad, weightsGrad, biasGrad, inputGrad } = drawCase(g, seed);
  const shapes = [[2, 4], [4, 8], [3, 8]];
  const bytes = Math.max(planWeightGrad(g).bytes, ...shapes.flatMap(([group, width]) => [planForward(g, group, width).bytes, planForward(flippedGeometry(g), group, width).bytes]));
  const heap = createTileHeap(bytes, kind);
  assert.equal(heap.tier, kind);
  conv2dForwardImplicit({ ...g, input, weights, bias, output }, 0, g.batchSize, heap);
  conv2dBackwardWeightsImplicit({ ...g, input, outputGrad, weightsGrad, biasGrad }, 0, weightGradWorkItems(g), heap);
  // Backward-data needs stride 1; the rotation of the filters does not matter for this comparison.
  if (g.strideH === 1 && g.strideW === 1) conv2dBackwardDataImplicit({ ...g, outputGrad, flippedWeights: weights, inputGrad }, 0, g.batchSize, heap);
  return [output, weightsGrad, biasGrad, inputGrad];
}

test('the simd, asm and portable tiers of the tiles give the same bits (forward, dw, db, dx; unit and larger strides)', () => {
  GEOMETRIES.forEach((g, index) => {
    const portable = runAll(g, 'portable', 50 + index);
    for (const kind of ['simd', 'asm'] as const) {
      const fast = runAll(g, kind, 50 + index);
      ['output', 'dw', 'db', 'dx'].forEach((name, which) => {
        for (let i = 0; i < fast[which].length; i++) {
          assert.ok(Object.is(fast[which][i], portable[which][i]), `geometry ${index}: ${name}[${i}] ${kind} ${fast[which][i]} vs portable ${portable[which][i]}`);
        }
      });
    }
  });
});

/**
 * The float32 contract written out as plain loops over the formula (no tiles, no heap): every
 * multiply-add is s = f32(s + f32(a·b)), each sum starts at +0 and runs in the stated order.
 *   forward:          s = Σ_{p = (c, fy, fx) row-major} w·x_padded,  y = f32(s + b)   (or f32(y + s), no bias)
 *   backward-weights: per image n, s_n = Σ_{(y, x) row-major} dy·x_padded,  acc = f32(acc + s_n);  dw = f32(dw + acc)
 * Padded positions are zeros and their products are summed like any other (as the tiles do).
 */
const fround = Math.fround;

function contractConvolve(g: ConvGeometry, input: Float32Array, weights: Float32Array, bias: Float32Array | null, target: Float32Array): void {
  const { inputChannels: C, inputHeight: H, inputWidth: W, filters: K, filterHeight: FH, filterWidth: FW } = g;
  for (let n = 0; n < g.batchSize; n++) {
    for (let k = 0; k < K; k++) {
      for (let y = 0; y < g.outputHeight; y++) {
        for (let x = 0; x < g.outputWidth; x++) {
          let sum = 0;
          for (let c = 0; c < C; c++) {
            for (let fy = 0; fy < FH; fy++) {
              for (let fx = 0; fx < FW; fx++) {
                const h = y * g.strideH - g.padH + fy * g.dilationH, w = x * g.strideW - g.padW + fx * g.dilationW;
                const value = h >= 0 && h < H && w >= 0 && w < W ? input[((n * C + c) * H + h) * W + w] : 0;
                sum = fround(sum + fround(weights[((k * C + c) * FH + fy) * FW + fx] * value));
              }
            }
          }
          const at = ((n * K + k) * g.outputHeight + y) * g.outputWidth + x;
          target[at] = bias !== null ? fround(sum + bias[k]) : fround(target[at] + sum);
        }
      }
    }
  }
}

function contractWeightGrad(g: ConvGeometry, input: Float32Array, outputGrad: Float32Array, weightsGrad: Float32Array): void {
  const { inputChannels: C, inputHeight: H, inputWidth: W, filters: K, filterHeight: FH, filterWidth: FW, outputHeight: OH, outputWidth: OW } = g;
  for (let k = 0; k < K; k++) {
    for (let c = 0; c < C; c++) {
      for (let fy = 0; fy < FH; fy++) {
        for (let fx = 0; fx < FW; fx++) {
          let accumulator = 0;
          for (let n = 0; n < g.batchSize; n++) {
            let sum = 0;
            for (let y = 0; y < OH; y++) {
              for (let x = 0; x < OW; x++) {
                const h = y * g.strideH - g.padH + fy * g.dilationH, w = x * g.strideW - g.padW + fx * g.dilationW;
                const value = h >= 0 && h < H && w >= 0 && w < W ? input[((n * C + c) * H + h) * W + w] : 0;
                sum = fround(sum + fround(outputGrad[((n * K + k) * OH + y) * OW + x] * value));
              }
            }
            accumulator = fround(accumulator + sum);
          }
          const at = ((k * C + c) * FH + fy) * FW + fx;
          weightsGrad[at] = fround(weightsGrad[at] + accumulator);
        }
      }
    }
  }
}

test('every tier computes exactly the float32 contract: same bits as the formula written as plain fround loops (forward, dx, dw)', () => {
  GEOMETRIES.forEach((g, index) => {
    // The same operands runAll draws for this geometry; the gradients start from its values too.
    const { input, weights, bias, output, outputGrad, weightsGrad, inputGrad } = drawCase(g, 50 + index);
    contractConvolve(g, input, weights, bias, output);
    contractWeightGrad(g, input, outputGrad, weightsGrad);
    // Backward-data is the forward loop on dy (runAll passes w itself as the rotated filters).
    const unitStride = g.strideH === 1 && g.strideW === 1;
    if (unitStride) contractConvolve(flippedGeometry(g), outputGrad, weights, null, inputGrad);
    for (const kind of ['simd', 'asm', 'portable'] as const) {
      const [fastOutput, fastWeightsGrad, , fastInputGrad] = runAll(g, kind, 50 + index);
      const pairs: Array<[string, Float32Array, Float32Array]> = [['output', fastOutput, output], ['dw', fastWeightsGrad, weightsGrad]];
      if (unitStride) pairs.push(['dx', fastInputGrad, inputGrad]);
      for (const [name, fast, contract] of pairs) {
        for (let i = 0; i < fast.length; i++) {
          assert.ok(Object.is(fast[i], contract[i]), `geometry ${index}: ${name}[${i}] ${kind} ${fast[i]} vs the contract's ${contract[i]}`);
        }
      }
    }
  });
});

test('Node gets the WebAssembly SIMD tiles by default: 4 filters × 8 pixels, 3 × 8 when that pads fewer filters', () => {
  const heap = createTileHeap(1000);
  assert.equal(heap.tier, 'simd');
  assert.deepEqual([16, 20, 64, 3, 6, 5, 1].map((filters) => heap.forwardTile(filters).group), [4, 4, 4, 3, 3, 3, 3]);
  assert.deepEqual(createTileHeap(1000, 'asm').forwardTile(3), { group: 2, width: 4 });
  assert.ok(heap.bytes >= 1000);
});

test('V8 validates and links the asm.js tiles at small and large heap sizes (no warning)', async () => {
  const warnings: string[] = [];
  const listener = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', listener);
  try {
    for (const bytes of [1000, 3 << 20, 17 << 20]) {
      const heap = createTileHeap(bytes, 'asm');
      assert.equal(heap.tier, 'asm');
      assert.ok(heap.bytes >= bytes);
    }
    // V8 reports a rejected asm.js module as a process warning, emitted asynchronously.
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    process.off('warning', listener);
  }
  assert.deepEqual(warnings, []);
});

test('asm.js heap sizes: a power of two from 64 KiB to 16 MiB, then multiples of 16 MiB', () => {
  assert.equal(asmHeapSize(1), 1 << 16);
  assert.equal(asmHeapSize(1 << 16), 1 << 16);
  assert.equal(asmHeapSize((1 << 16) + 1), 1 << 17);
  assert.equal(asmHeapSize(3 << 20), 4 << 20);
  assert.equal(asmHeapSize(1 << 24), 1 << 24);
  assert.equal(asmHeapSize((1 << 24) + 1), 2 << 24);
  assert.equal(asmHeapSize(40 << 20), 3 << 24);
});
