/**
 * A training's memory stays flat after its first epoch (issue 15: a full CIFAR-10 run grew by ~85 MB
 * per epoch). An epoch changes the batch size N four times — the last training batch and the last
 * evaluation batch are smaller — and every layer, loss and the trainer used to allocate new buffers at
 * each change. A worker pool sends every new SharedArrayBuffer to its workers, which keep it alive
 * until their own garbage collector runs (rarely: a worker hardly allocates), so the old buffers
 * piled up. Now a smaller batch is a view of the larger batch's memory (reuseFloat32 in tensor.ts).
 *
 * Measured without clocks or garbage collectors: a recording executor (two "threads", run serially,
 * so the layers hand it their kernels as they would a worker pool) collects every distinct
 * ArrayBuffer given to a kernel. After the first epoch, no new one may appear.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateImageDataset } from '../../src/data/generated-images.ts';
import { channelStatistics } from '../../src/data/dataset.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition } from '../../src/nn/definition.ts';
import { Optimizer } from '../../src/optim/optimizer.ts';
import type { Executor, KernelArgs, KernelHandle } from '../../src/parallel/executor.ts';
import { serialExecutor } from '../../src/parallel/serial-executor.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { reuseFloat32 } from '../../src/tensor/tensor.ts';
import { Trainer } from '../../src/train/trainer.ts';

/** Runs every kernel on the calling thread and remembers the memory of each array argument. */
class RecordingExecutor implements Executor {
  readonly threads = 2;
  readonly memory = new Set<ArrayBufferLike>();

  parallelFor<Args extends KernelArgs>(kernel: KernelHandle<Args> | string, args: Args, total: number): void {
    for (const value of Object.values(args)) if (typeof value === 'object') this.memory.add(value.buffer);
    serialExecutor.parallelFor(kernel, args, total);
  }
}

// 120 = 7·16 + 8 training images and 40 = 2·16 + 8 test images: both end in a smaller batch.
const data = generateImageDataset(new Rng(3), { trainCount: 120, testCount: 40, size: 8 });

/** Distinct memory handed to the kernels after epoch 1 and after `epochs` epochs of `net`. */
async function memoryAfterEpochs(net: string, epochs: number): Promise<{ afterFirst: number; afterAll: number; steps: number }> {
  const rng = new Rng(7);
  const definition = parseCompactDefinition(net, [3, 8, 8]);
  const built = buildNet(definition, rng);
  const executor = new RecordingExecutor();
  built.setExecutor(executor);
  let afterFirst = -1;
  const trainer = new Trainer({
    net: built, definition, classNames: [...data.train.classNames], train: data.train, test: data.test,
    preprocessing: channelStatistics(data.train), optimizer: new Optimizer({ type: 'adam', learningRate: 0.002 }),
    batchSize: 16, epochs, rng, augment: { flip: true, maxShift: 1 },
    // The epoch line comes after the epoch's evaluation: every batch size of an epoch has been seen.
    onMetrics: (line) => { if (line.kind === 'epoch' && line.epoch === 1) afterFirst = executor.memory.size; },
  });
  const result = await trainer.run();
  return { afterFirst, afterAll: executor.memory.size, steps: result.steps };
}

for (const [name, net] of [
  ['the ConvNetJS demo net', 'conv5x5x16p2-relu-pool2-conv5x5x20p2-relu-pool2-conv5x5x20p2-relu-pool2-fc10-softmax'],
  ['its batch-norm variant (npm run train:cifar10)', 'conv5x5x16p2-bn-relu-pool2-conv5x5x20p2-bn-relu-pool2-conv5x5x20p2-bn-relu-pool2-fc10-softmax'],
  ['a net with dropout, fc hidden layers and batch norm on vectors', 'conv3x3x4p1-relu-pool2-fc12-bn-relu-dropout0.25-fc10-softmax'],
] as const) {
  test(`${name}: after the first epoch, training and evaluating hand the kernels no new memory`, async () => {
    const { afterFirst, afterAll, steps } = await memoryAfterEpochs(net, 4);
    assert.equal(steps, 4 * 8, 'four epochs of 8 steps (7 of 16 images and one of 8) ran');
    assert.ok(afterFirst > 10, `the kernels received the layers' buffers in epoch 1 (${afterFirst} distinct buffers)`);
    assert.equal(afterAll, afterFirst, `epochs 2–4 handed the kernels ${afterAll - afterFirst} buffer(s) that epoch 1 did not: memory that grows with every epoch`);
  });
}

test('reuseFloat32: a smaller length is a view of the same memory, a larger one is fresh zeroed memory', () => {
  const full = reuseFloat32(null, 12);
  assert.equal(full.length, 12);
  full.fill(5);
  const small = reuseFloat32(full, 4);
  assert.equal(small.length, 4);
  assert.equal(small.buffer, full.buffer, 'the smaller buffer shares the larger one\'s memory');
  assert.equal(reuseFloat32(small, 12).buffer, full.buffer, 'and grows back into it without allocating');
  assert.equal(reuseFloat32(full, 12), full, 'the same length returns the array itself');
  const bigger = reuseFloat32(small, 13);
  assert.notEqual(bigger.buffer, full.buffer);
  assert.deepEqual([...bigger], new Array<number>(13).fill(0));
});
