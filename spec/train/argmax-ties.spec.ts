/**
 * Which class is "predicted" when several scores tie for the maximum: the lowest class index (the
 * first maximum in scan order, as in max pooling and maxout). Two places compute it — the Trainer's
 * running train accuracy and evaluate() — and they must agree, or the train and test accuracies of
 * one network would be measured differently.
 *
 * A net whose weights and biases are all zero scores every class the same (softmax 1/3 each), so
 * every example is a full tie. Labels are i mod 3 over 20 examples: class 0 has 7 of them
 * (0, 3, …, 18), so "predict class 0" gives accuracy 7/20 = 0.35, and "predict the last maximum"
 * (class 2: 6 examples) would give 0.30.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition } from '../../src/nn/definition.ts';
import { Optimizer } from '../../src/optim/optimizer.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { evaluate } from '../../src/train/evaluate.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { INDEX_CLASSES, indexDataset } from './index-dataset.ts';

const data = indexDataset(20);
const IDENTITY = { mean: [0], std: [1] };

function zeroNet() {
  const rng = new Rng(4);
  const definition = parseCompactDefinition('fc3-softmax', [1, 1, 1]);
  const net = buildNet(definition, rng);
  for (const parameter of net.parameters()) parameter.value.data.fill(0);
  return { net, definition, rng };
}

test('evaluate: a tie for the highest score predicts the lowest class index', () => {
  const { net } = zeroNet();
  const result = evaluate(net, data, IDENTITY, { batchSize: 7, topK: 3 });
  assert.deepEqual(Array.from(result.predictions), new Array(20).fill(0));
  assert.equal(result.accuracy, 7 / 20);
  assert.deepEqual(Array.from(result.confusion), [7, 0, 0, 7, 0, 0, 6, 0, 0]);
  // Top-k lists tied classes in index order too.
  assert.deepEqual(Array.from(result.topK!.classes.subarray(0, 3)), [0, 1, 2]);
});

test('the trainer\'s train accuracy breaks ties the same way as evaluate', async () => {
  const { net, definition, rng } = zeroNet();
  let trainAccuracy: number | undefined;
  // One batch of all 20: the accuracy is computed from the forward pass before the only update.
  await new Trainer({
    net, definition, classNames: INDEX_CLASSES, train: data, preprocessing: IDENTITY,
    optimizer: new Optimizer({ type: 'sgd', learningRate: 0.01 }), batchSize: 20, epochs: 1, rng,
    onMetrics: (line) => { if (line.kind === 'epoch') trainAccuracy = line.trainAccuracy; },
  }).run();
  assert.equal(trainAccuracy, 7 / 20);
});
