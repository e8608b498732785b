/**
 * The lecture's first sanity check: with all scores equal, each loss takes a known value
 * (multiclass SVM: C − 1, softmax: ln C). A freshly built classifier with small weights must start
 * there; a different starting loss means a bug in the loss or in the initialization.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FullyConnected } from '../../src/layers/fully-connected.ts';
import { TRAINING } from '../../src/layers/layer.ts';
import { softmaxCrossEntropyLoss } from '../../src/losses/softmax-cross-entropy.ts';
import { svmLoss } from '../../src/losses/svm.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

test('all-zero scores: SVM loss = C − 1, softmax loss = ln C', () => {
  const rng = new Rng(41);
  for (const classes of [2, 10, 1000]) {
    const labels = Int32Array.from({ length: 16 }, () => rng.int(classes));
    const scores = Tensor.zeros([16, classes]);
    assert.equal(svmLoss(scores, labels).loss, classes - 1);
    assert.ok(Math.abs(softmaxCrossEntropyLoss(scores, labels).loss - Math.log(classes)) < 1e-12);
  }
});

test('a linear classifier with tiny weights starts at ln 10 (softmax) and ≈ 9 (SVM)', () => {
  const rng = new Rng(43);
  const tiny = (weights: Tensor): void => {
    for (let i = 0; i < weights.size; i++) weights.data[i] = rng.gaussian(0, 1e-4);
  };
  const classifier = new FullyConnected({ inputShape: [3, 8, 8], outputs: 10, init: tiny });
  const images = Tensor.uniform([32, 3, 8, 8], rng, 0, 1);
  const labels = Int32Array.from({ length: 32 }, () => rng.int(10));
  const scores = classifier.forward(images, TRAINING);
  assert.ok(Math.abs(softmaxCrossEntropyLoss(scores, labels).loss - Math.log(10)) < 1e-2);
  assert.ok(Math.abs(svmLoss(scores, labels).loss - 9) < 1e-2);
});

test('the default initialization passes the sanity check: the demo net starts at ≈ ln 10, not 4–5', async () => {
  const { buildNet } = await import('../../src/nn/build-net.ts');
  const { parseCompactDefinition } = await import('../../src/nn/definition.ts');
  const { generateImageDataset } = await import('../../src/data/generated-images.ts');
  const { channelStatistics, toFloatBatch } = await import('../../src/data/dataset.ts');
  const demo = 'conv5x5x16p2-relu-pool2-conv5x5x20p2-relu-pool2-conv5x5x20p2-relu-pool2-fc10-softmax';
  const { train } = generateImageDataset(new Rng(5));
  const batch = 64;
  const indices = Int32Array.from({ length: batch }, (_, i) => i);
  const input = Tensor.zeros([batch, train.channels, train.height, train.width]);
  toFloatBatch(train, indices, input.data, channelStatistics(train));
  const labels = Int32Array.from(indices, (i) => train.labels[i]!);
  for (const [seed, definition] of [[1, demo], [2, demo], [3, demo.replaceAll('-relu', '-bn-relu')]] as const) {
    const net = buildNet(parseCompactDefinition(definition, [train.channels, train.height, train.width]), new Rng(seed));
    const loss = net.lossAndGradients(input, labels, TRAINING).loss;
    // With all scores near 0 the loss is ln 10 = 2.303; 10× smaller score-layer weights put the
    // scores at about ±0.3, which adds a few hundredths. He on the last layer too gave 4.8–5.2.
    assert.ok(Math.abs(loss - Math.log(10)) < 0.1, `seed ${seed} ${definition}: initial loss ${loss}, want ln 10 ± 0.1`);
  }
});
