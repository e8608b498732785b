/**
 * The kernel-tier setting (src/kernels/engines/kernel-tier.ts): 'simd', 'asm' and 'portable' give the
 * same bits through the public setting — a small conv net's forward and backward (implicit GEMM,
 * im2col, fully connected), on the calling thread and on a 2-thread WorkerPool — and the pool hands
 * the setting to its worker threads.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.ts';
import { KERNEL_TIERS, kernelTier, parseKernelTier, setKernelTier } from '../../src/index.ts';
import type { KernelTier } from '../../src/index.ts';
import { gemmKernelTier } from '../../src/kernels/gemm.ts';
import { convTileKernelTier } from '../../src/kernels/conv-implicit-gemm.ts';
import { Conv2d } from '../../src/layers/conv2d.ts';
import type { ConvImplementation } from '../../src/layers/conv2d.ts';
import { FullyConnected } from '../../src/layers/fully-connected.ts';
import type { Layer } from '../../src/layers/layer.ts';
import { TRAINING } from '../../src/layers/layer.ts';
import type { Executor } from '../../src/parallel/executor.ts';
import { serialExecutor } from '../../src/parallel/serial-executor.ts';
import { WorkerPool, loadKernelModule } from '../../src/parallel/worker-pool.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const tierKernels = await loadKernelModule(new URL('../parallel/fixtures/tier-kernels.ts', import.meta.url));
const pool = new WorkerPool({ workers: 2, kernelModules: [tierKernels] });
after(async () => {
  setKernelTier('simd');
  await pool.close();
});

function bits(tensor: Tensor): number[] {
  return Array.from(new Uint32Array(tensor.data.buffer, tensor.data.byteOffset, tensor.size));
}

/** conv (given implementation) → conv 5×5 pad 2 → fc: forward and backward, every output as bits. */
function runNet(implementation: ConvImplementation, executor: Executor): Record<string, number[]> {
  const rng = new Rng(41);
  const layers: Layer[] = [
    new Conv2d({ inputShape: [3, 12, 12], filters: 6, size: 3, pad: 1, implementation, rng }),
    new Conv2d({ inputShape: [6, 12, 12], filters: 5, size: 5, pad: 2, stride: 1, implementation, rng }),
    new FullyConnected({ inputShape: [5, 12, 12], outputs: 7, rng }),
  ];
  for (const layer of layers) layer.setExecutor!(executor);
  let x = Tensor.gaussian([4, 3, 12, 12], rng);
  for (const layer of layers) x = layer.forward(x, TRAINING);
  const result: Record<string, number[]> = { output: bits(x) };
  let grad = Tensor.gaussian([4, 7], rng);
  for (let i = layers.length - 1; i >= 0; i--) {
    grad = layers[i].backward(grad);
    result[`dx${i}`] = bits(grad);
    for (const parameter of layers[i].parameters()) result[`${parameter.name}${i}`] = bits(parameter.grad);
  }
  return result;
}

test('the tier setting is simd by default and rejects unknown tiers with a ConfigError naming the caller', () => {
  assert.equal(kernelTier(), 'simd');
  assert.deepEqual(KERNEL_TIERS, ['simd', 'asm', 'portable']);
  assert.throws(() => parseKernelTier('fast', 'train --tier'), (error: unknown) =>
    error instanceof ConfigError && /train --tier: the kernel tier must be one of simd, asm, portable, got "fast"/.test(error.message));
  assert.throws(() => setKernelTier('wasm' as KernelTier), ConfigError);
});

test('simd, asm and portable give the same bits through the setting (conv implicit GEMM and im2col, fc; 1 and 2 threads)', () => {
  for (const implementation of ['implicit-gemm', 'im2col'] as const) {
    const expected = (setKernelTier('simd'), runNet(implementation, serialExecutor));
    for (const tier of KERNEL_TIERS) {
      setKernelTier(tier);
      // Node has all three engines, so each fast kernel really runs on the tier that was set.
      assert.equal(gemmKernelTier(), tier);
      assert.equal(convTileKernelTier(), tier);
      for (const executor of [serialExecutor, pool] as Executor[]) {
        const actual = runNet(implementation, executor);
        for (const key of Object.keys(expected)) {
          assert.deepEqual(actual[key], expected[key], `${implementation}, tier ${tier}, ${executor.threads} thread(s): ${key} differs`);
        }
      }
    }
  }
  setKernelTier('simd');
});

test('a WorkerPool hands the setting to its worker threads, and follows a change on the next call', () => {
  const out = new Int32Array(new SharedArrayBuffer(2 * 3 * Int32Array.BYTES_PER_ELEMENT));
  for (const tier of ['asm', 'portable', 'simd'] as const) {
    setKernelTier(tier);
    out.fill(-1);
    pool.parallelFor('reportTier', { out }, 2); // item 0 on the calling thread, item 1 on the worker
    const expected = KERNEL_TIERS.indexOf(tier);
    assert.deepEqual(Array.from(out), [expected, expected, expected, expected, expected, expected], `tier ${tier}`);
  }
});
