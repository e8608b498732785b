import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../../src/errors.ts';
import { INFERENCE, TRAINING } from '../../src/layers/layer.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition } from '../../src/nn/definition.ts';
import { loadWeightsInto, netToModelFile, validateModelFile } from '../../src/nn/model-file.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const definition = parseCompactDefinition('conv3x3x4p1-bn-relu-pool2-fc6-relu-fc3-softmax', [2, 6, 6]);

test('a model file round-trips through JSON: same weights, running statistics and predictions', () => {
  const net = buildNet(definition, new Rng(1));
  // Move batch-norm running statistics away from their initial values.
  net.forward(Tensor.gaussian([5, 2, 6, 6], new Rng(2), 1, 3), TRAINING);
  const text = JSON.stringify(netToModelFile(net, definition, { classNames: ['a', 'b', 'c'], preprocessing: { mean: [1, 2], std: [3, 4] } }));
  const file = validateModelFile(JSON.parse(text), 'model.json');
  assert.equal(file.format, 'convnet-ts-model');
  assert.deepEqual(file.classNames, ['a', 'b', 'c']);
  const copy = buildNet(file.definition, new Rng(99));
  loadWeightsInto(copy, file, 'model.json');
  const x = Tensor.gaussian([3, 2, 6, 6], new Rng(3));
  assert.deepEqual(copy.forward(x, INFERENCE).toArray(), net.forward(x, INFERENCE).toArray());
  const bn = copy.layers.find((l) => l.type === 'batchnorm')!;
  const original = net.layers.find((l) => l.type === 'batchnorm')!;
  assert.deepEqual(bn.buffers!().map((b) => b.value.toArray()), original.buffers!().map((b) => b.value.toArray()));
  // The weights are stored as base64 text, not as a JSON object of typed-array indices.
  assert.match(text, /"float32":"[A-Za-z0-9+/]+=*"/);
});

test('bad model files are DataErrors naming the file and the problem', () => {
  const net = buildNet(definition, new Rng(1));
  const file = netToModelFile(net, definition);
  assert.throws(() => validateModelFile({ format: 'keras' }, 'm.json'), (e: Error) => e instanceof DataError && /m\.json: not a convnet-ts model file/.test(e.message));
  assert.throws(() => validateModelFile({ ...file, version: 7 }, 'm.json'), /version 7 is not supported/);
  const wrongShape = JSON.parse(JSON.stringify(file));
  wrongShape.layers[0].parameters.weights.shape = [4, 2, 5, 5];
  assert.throws(() => loadWeightsInto(buildNet(definition, new Rng(1)), wrongShape, 'm.json'), /m\.json: conv1\.weights: the file has shape \(4, 2, 5, 5\), the network expects \(4, 2, 3, 3\)/);
  const truncated = JSON.parse(JSON.stringify(file));
  truncated.layers[0].parameters.bias.float32 = 'AAAA';
  assert.throws(() => loadWeightsInto(buildNet(definition, new Rng(1)), truncated, 'm.json'), /conv1\.bias: expected 4 float32 values/);
});

test('a whitening kernel in the preprocessing round-trips, and one that does not fit the input channels is a DataError', () => {
  const net = buildNet(definition, new Rng(1));
  const whitening = { size: 1, epsilon: 0.1, kernel: [1, 0.5, -0.5, 1], offset: [0.25, -0.25] };
  const text = JSON.stringify(netToModelFile(net, definition, { preprocessing: { mean: [1, 2], std: [3, 4], whitening } }));
  assert.deepEqual(validateModelFile(JSON.parse(text), 'model.json').preprocessing?.whitening, whitening);
  const wrong = JSON.parse(text);
  wrong.preprocessing.whitening.kernel = [1, 0, 0];
  assert.throws(
    () => validateModelFile(wrong, 'm.json'),
    (e: Error) => e instanceof DataError && /m\.json: 'preprocessing\.whitening' for 2-channel input .* got size 1, 3 weights, 2 offsets/.test(e.message),
  );
  const noStd = JSON.parse(text);
  delete noStd.preprocessing.std;
  assert.throws(() => validateModelFile(noStd, 'm.json'), /m\.json: 'preprocessing' needs non-empty number lists 'mean' and 'std'/);
});
