import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.ts';
import { softmaxCrossEntropyLoss } from '../../src/losses/softmax-cross-entropy.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition } from '../../src/nn/definition.ts';
import { TRAINING } from '../../src/tensor/forward-mode.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

test('Net.backwardFrom seeded with the loss gradient of the scores gives what lossAndGradients gives', () => {
  const definition = parseCompactDefinition('conv3x3x3p1-relu-pool2-fc4-softmax', [2, 6, 6]);
  const net = buildNet(definition, new Rng(3));
  const rng = new Rng(4);
  const input = Tensor.zeros([3, 2, 6, 6]);
  for (let i = 0; i < input.size; i++) input.data[i] = rng.gaussian(0, 1);
  const labels = [0, 3, 1];

  net.zeroGrad();
  net.lossAndGradients(input, labels, TRAINING);
  const expected = net.parameters().map((p) => Float32Array.from(p.grad.data));

  net.zeroGrad();
  const upTo = net.layers.length - 1;
  const logits = net.forward(input, TRAINING, upTo);
  const { scoresGrad } = softmaxCrossEntropyLoss(logits, labels);
  const inputGrad = net.backwardFrom(scoresGrad, upTo);
  assert.deepEqual(net.parameters().map((p) => Float32Array.from(p.grad.data)), expected);
  assert.deepEqual(inputGrad.shape, [3, 2, 6, 6]);
  assert.ok(inputGrad.data.some((g) => g !== 0), 'the image receives a gradient (the first layer computes dx here)');

  // From an inner layer: a seed on the conv output.
  net.forward(input, TRAINING, 1);
  assert.deepEqual(net.backwardFrom(Tensor.filled([3, 3, 6, 6], 1), 1).shape, [3, 2, 6, 6]);
  assert.throws(() => net.backwardFrom(scoresGrad, 0), ConfigError);
  assert.throws(() => net.backwardFrom(scoresGrad, net.layers.length + 1), ConfigError);
});
