import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float32Bits, positiveMask, reluBackward, reluForward } from '../../src/kernels/relu.ts';
import { KERNEL_TIERS, kernelTier, setKernelTier } from '../../src/kernels/engines/kernel-tier.ts';
import { Rng } from '../../src/tensor/rng.ts';

// The kernels select with bit masks (see src/kernels/relu.ts); these specs hold them to the plain
// definitions y = x > 0 ? x : 0 and dx = x > 0 ? dy : 0, bit for bit, on every kind of float32.

/** Bit patterns of every class: ±0, subnormals, normals, the largest finite, ±Infinity, NaNs. */
const SPECIAL_BITS = [
  0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000, 0x3f800000, 0xbf800000,
  0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7f800001, 0x7fc00000, 0x7fffffff, 0xff800001, 0xffc00000, 0xffffffff,
].map((bits) => bits | 0);

/** SPECIAL_BITS, then `count` random bit patterns. */
function bitPatterns(count: number, rng: Rng): Float32Array {
  const values = new Float32Array(SPECIAL_BITS.length + count);
  const bits = float32Bits(values);
  bits.set(SPECIAL_BITS);
  for (let i = SPECIAL_BITS.length; i < bits.length; i++) bits[i] = rng.nextUint32() | 0;
  return values;
}

test('positiveMask is all ones exactly for the float32 values > 0', () => {
  const values = bitPatterns(100_000, new Rng(3));
  const bits = float32Bits(values);
  for (let i = 0; i < values.length; i++) {
    assert.equal(positiveMask(bits[i]), values[i] > 0 ? -1 : 0, `bits 0x${(bits[i] >>> 0).toString(16)} (${values[i]})`);
  }
});

test('reluForward gives the bits of x > 0 ? x : 0, for ±0, ±Infinity, NaNs and random patterns', () => {
  const input = bitPatterns(100_000, new Rng(4));
  const output = new Float32Array(input.length).fill(7);
  reluForward({ input, output }, 0, input.length);
  const expected = new Float32Array(input.length);
  for (let i = 0; i < input.length; i++) expected[i] = input[i] > 0 ? input[i] : 0;
  assert.deepEqual(float32Bits(output), float32Bits(expected));
});

test('reluBackward gives the bits of x > 0 ? dy : 0, and writes only [start, end)', () => {
  const rng = new Rng(5);
  const input = bitPatterns(50_000, rng);
  const outputGrad = new Float32Array(input.length);
  for (let i = 0; i < outputGrad.length; i++) outputGrad[i] = rng.gaussian(0, 1);
  // A −0 gradient on a kept unit (x = 1, index 7) stays −0; on a dropped one (x = −1e-45, index 3) it becomes +0.
  outputGrad[3] = -0;
  outputGrad[7] = -0;
  const inputGrad = new Float32Array(input.length).fill(7);
  const [start, end] = [3, input.length - 2];
  reluBackward({ input, outputGrad, inputGrad }, start, end);
  const expected = new Float32Array(input.length).fill(7);
  for (let i = start; i < end; i++) expected[i] = input[i] > 0 ? outputGrad[i] : 0;
  assert.deepEqual(float32Bits(inputGrad), float32Bits(expected));
});

test('every kernel tier gives the same bits (SIMD chunks through WebAssembly memory, leftover floats, ranges not on 4-float boundaries)', () => {
  const rng = new Rng(6);
  const input = bitPatterns(3 * 16384 + 37, rng);
  // Finite gradients (the expected values go through JavaScript numbers, which need not keep NaN payloads).
  const outputGrad = new Float32Array(input.length);
  for (let i = 0; i < outputGrad.length; i++) outputGrad[i] = rng.gaussian(0, 1);
  outputGrad[7] = -0;
  const before = kernelTier();
  try {
    for (const tier of KERNEL_TIERS) {
      setKernelTier(tier);
      for (const [start, end] of [[0, input.length], [1, input.length - 3], [5, 7], [16385, 16390]]) {
        const output = new Float32Array(input.length).fill(7);
        const inputGrad = new Float32Array(input.length).fill(7);
        reluForward({ input, output }, start, end);
        reluBackward({ input, outputGrad, inputGrad }, start, end);
        const expectedOutput = new Float32Array(input.length).fill(7);
        const expectedInputGrad = new Float32Array(input.length).fill(7);
        for (let i = start; i < end; i++) {
          expectedOutput[i] = input[i] > 0 ? input[i] : 0;
          expectedInputGrad[i] = input[i] > 0 ? outputGrad[i] : 0;
        }
        assert.deepEqual(float32Bits(output), float32Bits(expectedOutput), `${tier} forward [${start}, ${end})`);
        assert.deepEqual(float32Bits(inputGrad), float32Bits(expectedInputGrad), `${tier} backward [${start}, ${end})`);
      }
    }
  } finally {
    setKernelTier(before);
  }
});
