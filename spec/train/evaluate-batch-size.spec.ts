/**
 * `evaluate` gives the same figures, to the bit, whatever batch size it runs in: each example's
 * scores do not depend on the other examples of its batch (inference mode: batch norm uses its
 * running statistics, dropout is the identity). The Trainer relies on this to evaluate in its
 * training batch size, so that evaluation reuses the layers' buffers instead of allocating new ones.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channelStatistics } from '../../src/data/dataset.ts';
import { generateImageDataset } from '../../src/data/generated-images.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition } from '../../src/nn/definition.ts';
import { closeExecutor, createExecutor } from '../../src/parallel/create-executor.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { evaluate } from '../../src/train/evaluate.ts';

const data = generateImageDataset(new Rng(11), { trainCount: 40, testCount: 103, size: 12 });
const NET = 'conv5x5x6p2-relu-pool2-conv3x3x8p1-bn-relu-pool2-fc16-relu-dropout0.5-fc10-softmax';

test('evaluate: the same predictions and the same loss bits for batch sizes 100, 32, 16, 7 and 1, serial and on 2 workers', async () => {
  const preprocessing = channelStatistics(data.train);
  for (const workers of [1, 2]) {
    const net = buildNet(parseCompactDefinition(NET, [3, 12, 12]), new Rng(3));
    const executor = createExecutor(workers);
    net.setExecutor(executor);
    try {
      const reference = evaluate(net, data.test, preprocessing, { batchSize: 100 });
      assert.equal(reference.count, 103);
      assert.ok(Number.isFinite(reference.loss) && reference.loss > 0, `a real loss, got ${reference.loss}`);
      for (const batchSize of [32, 16, 7, 1]) {
        const result = evaluate(net, data.test, preprocessing, { batchSize });
        const where = `batch ${batchSize}, ${workers} worker(s)`;
        assert.deepEqual(result.predictions, reference.predictions, where);
        assert.deepEqual(result.confusion, reference.confusion, where);
        assert.ok(Object.is(result.loss, reference.loss), `${where}: loss ${result.loss} vs ${reference.loss}`);
        assert.equal(result.accuracy, reference.accuracy, where);
      }
    } finally {
      await closeExecutor(executor);
    }
  }
});
