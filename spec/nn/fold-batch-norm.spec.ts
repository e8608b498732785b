import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INFERENCE, TRAINING } from '../../src/layers/layer.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition } from '../../src/nn/definition.ts';
import { foldBatchNorm } from '../../src/nn/fold-batch-norm.ts';
import type { Net } from '../../src/nn/net.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

/** A net with every batch-norm parameter and running statistic away from its initial value. */
function trainedLookingNet(spec: string): { net: Net; definition: ReturnType<typeof parseCompactDefinition> } {
  const definition = parseCompactDefinition(spec, [2, 6, 6]);
  const net = buildNet(definition, new Rng(1));
  const rng = new Rng(2);
  for (const layer of net.layers) {
    for (const p of layer.parameters()) if (layer.type === 'batchnorm') for (let i = 0; i < p.value.size; i++) p.value.data[i] = rng.uniformRange(0.5, 2) * (p.name === 'beta' ? rng.uniformRange(-1, 1) : 1);
  }
  // Training-mode passes on shifted, scaled data move the running statistics far from (0, 1).
  for (let step = 0; step < 5; step++) net.forward(Tensor.gaussian([8, 2, 6, 6], rng, 3, 2), TRAINING);
  return { net, definition };
}

/** Largest |a − b| / max(1, |b|) over two inference outputs. */
function worstRelativeDifference(a: Net, b: Net, input: Tensor): number {
  const x = a.forward(input, INFERENCE).toArray();
  const y = b.forward(input, INFERENCE).toArray();
  return Math.max(...x.map((v, i) => Math.abs(v - y[i]) / Math.max(1, Math.abs(y[i]))));
}

test('conv → bn and fc → bn fold into the conv and fc: same inference outputs, no batchnorm left, plain parameter count', () => {
  const { net, definition } = trainedLookingNet('conv3x3x4p1-bn-relu-pool2-fc6-bn-relu-fc3-softmax');
  const { net: folded, definition: foldedDefinition, folded: names } = foldBatchNorm(net, definition);
  assert.deepEqual(names, ['bn1', 'bn2']);
  assert.ok(!foldedDefinition.some((d) => d.type === 'batchnorm'));
  assert.deepEqual(folded.layers.map((l) => l.name), ['conv1', 'relu1', 'pool1', 'fc1', 'relu2', 'fc2', 'softmax1']);
  const plain = buildNet(parseCompactDefinition('conv3x3x4p1-relu-pool2-fc6-relu-fc3-softmax', [2, 6, 6]), new Rng(1));
  assert.equal(folded.parameterCount(), plain.parameterCount());
  // Logits agree to float32 rounding (the fold is computed in float64 and rounded once).
  const input = Tensor.gaussian([6, 2, 6, 6], new Rng(3), 3, 2);
  const before = net.layers.slice(0, -1);
  const after = folded.layers.slice(0, -1);
  let x = input;
  let y = input;
  for (const layer of before) x = layer.forward(x, INFERENCE);
  for (const layer of after) y = layer.forward(y, INFERENCE);
  const worst = Math.max(...x.toArray().map((v, i) => Math.abs(v - y.data[i]) / Math.max(1, Math.abs(v))));
  assert.ok(worst < 1e-5, `logits differ by up to ${worst}`);
  assert.ok(worstRelativeDifference(folded, net, input) < 1e-5);
  // The original net is untouched: it still has its batchnorm layers and gives the same outputs.
  assert.equal(net.layers.filter((l) => l.type === 'batchnorm').length, 2);
});

test('a batchnorm after a relu is not a linear follow-up of the conv and stays in place', () => {
  const { net, definition } = trainedLookingNet('conv3x3x4p1-relu-bn-pool2-fc3-softmax');
  const { net: folded, folded: names } = foldBatchNorm(net, definition);
  assert.deepEqual(names, []);
  assert.deepEqual(folded.layers.map((l) => l.type), net.layers.map((l) => l.type));
  assert.equal(worstRelativeDifference(folded, net, Tensor.gaussian([4, 2, 6, 6], new Rng(4))), 0);
});
