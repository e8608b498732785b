/**
 * The layers on a WorkerPool give the same bits as on the serial executor, whatever the number of
 * threads: Conv2d (implicit GEMM, im2col and naive; forward, dx, dW, db), MaxPool2d and AvgPool2d (forward, dx),
 * ReLU and BatchNorm (forward, dx, dγ, dβ). Work splits unevenly over 2, 3 and 4 threads.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AvgPool2d } from '../../src/layers/avg-pool.ts';
import { Conv2d } from '../../src/layers/conv2d.ts';
import type { ConvImplementation } from '../../src/layers/conv2d.ts';
import type { Layer } from '../../src/layers/layer.ts';
import { TRAINING } from '../../src/layers/layer.ts';
import { MaxPool2d } from '../../src/layers/max-pool.ts';
import { Relu } from '../../src/layers/relu.ts';
import { BatchNorm } from '../../src/layers/batch-norm.ts';
import type { Executor } from '../../src/parallel/executor.ts';
import { serialExecutor } from '../../src/parallel/serial-executor.ts';
import { WorkerPool } from '../../src/parallel/worker-pool.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const pools = [1, 2, 3, 4].map((workers) => new WorkerPool({ workers }));
after(() => Promise.all(pools.map((pool) => pool.close())));

const BATCH = 5;

function bits(tensor: Tensor): number[] {
  return Array.from(new Uint32Array(tensor.data.buffer, tensor.data.byteOffset, tensor.size));
}

/** Everything a forward + backward produces, as bits: y, dx, then each parameter gradient. */
function runLayer(makeLayer: () => Layer, executor: Executor, seed: number): Record<string, number[]> {
  const layer = makeLayer();
  layer.setExecutor!(executor);
  const rng = new Rng(seed);
  const input = Tensor.gaussian([BATCH, ...layer.inputShape], rng);
  const outputGrad = Tensor.gaussian([BATCH, ...layer.outputShape], rng);
  const result: Record<string, number[]> = { output: bits(layer.forward(input, TRAINING)) };
  result.inputGrad = bits(layer.backward(outputGrad));
  for (const parameter of layer.parameters()) result[parameter.name] = bits(parameter.grad);
  return result;
}

function assertSameOnEveryPool(name: string, makeLayer: () => Layer, seed: number): void {
  const expected = runLayer(makeLayer, serialExecutor, seed);
  for (const pool of pools) {
    const actual = runLayer(makeLayer, pool, seed);
    for (const key of Object.keys(expected)) {
      assert.deepEqual(actual[key], expected[key], `${name}: ${key} differs with ${pool.threads} threads`);
    }
  }
}

describe('layers on a WorkerPool', () => {
  for (const implementation of ['implicit-gemm', 'im2col', 'naive'] as ConvImplementation[]) {
    it(`Conv2d (${implementation}) forward and backward are bit-identical for 1-4 threads`, () => {
      const geometries = [
        { inputShape: [3, 9, 9], filters: 5, size: 3, stride: 1, pad: 1 },
        { inputShape: [4, 9, 7], filters: 3, size: 5, stride: 2, pad: 2 },
      ];
      geometries.forEach((geometry, index) => {
        const makeLayer = (): Layer => new Conv2d({ ...geometry, implementation, rng: new Rng(40 + index) });
        assertSameOnEveryPool(`conv ${JSON.stringify(geometry)}`, makeLayer, 7 + index);
      });
    });
  }

  it('MaxPool2d and AvgPool2d forward and backward are bit-identical for 1-4 threads', () => {
    assertSameOnEveryPool('max-pool', () => new MaxPool2d({ inputShape: [3, 8, 6], size: 2, stride: 2 }), 21);
    assertSameOnEveryPool('avg-pool', () => new AvgPool2d({ inputShape: [3, 9, 9], size: 3, stride: 3 }), 22);
  });

  it('ReLU and BatchNorm (large enough to be split) are bit-identical for 1-4 threads', () => {
    // 5 × 7 × 24 × 24 = 20,160 values: above both layers' hand-off thresholds.
    assertSameOnEveryPool('relu', () => new Relu({ inputShape: [7, 24, 24] }), 23);
    assertSameOnEveryPool('batchnorm', () => new BatchNorm({ inputShape: [7, 24, 24] }), 24);
  });
});
