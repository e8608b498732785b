import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../../src/errors.ts';
import { INFERENCE, TRAINING } from '../../src/layers/layer.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition, parseJsonDefinition } from '../../src/nn/definition.ts';
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
  assert.throws(() => validateModelFile({ ...file, version: 7 }, 'm.json'), /version 7 was written by a newer convnet-ts; this library reads versions 1 to/);
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

/** Asserts a DataError whose message contains every fragment. */
function dataError(run: () => unknown, ...fragments: string[]): void {
  assert.throws(run, (error: Error) => {
    assert.equal(error.constructor, DataError, `expected a DataError, got ${error.name}: ${error.message}`);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `'${error.message}' should contain '${fragment}'`);
    return true;
  });
}

function savedFile(): Record<string, any> {
  return JSON.parse(JSON.stringify(netToModelFile(buildNet(definition, new Rng(1)), definition, { classNames: ['a', 'b', 'c'] })));
}

test('model files go through the definition\'s validation: unknown layer types, prototype keys included, name the file and layer', () => {
  for (const type of ['lstm', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    const file = savedFile();
    file.definition[2].type = type;
    dataError(() => validateModelFile(file, 'm.json'), `m.json: 'definition' layer 3 (${type}): unknown layer type; valid types: input, conv`);
  }
  const activation = savedFile();
  activation.definition[1].activation = 'constructor';
  dataError(() => validateModelFile(activation, 'm.json'), 'm.json: \'definition\' layer 2 (conv): unknown activation "constructor"');
  const badHyper = savedFile();
  badHyper.definition[1].filters = -4;
  dataError(() => validateModelFile(badHyper, 'm.json'), "m.json: 'definition' layer 2 (conv): 'filters' must be a positive integer, got -4");
  const nullLayer = savedFile();
  nullLayer.layers[1] = null;
  dataError(() => validateModelFile(nullLayer, 'm.json'), "m.json: 'layers' entry 2 must be {name, type, parameters, buffers}, got null");
  dataError(() => validateModelFile([1, 2], 'm.json'), 'm.json: not a convnet-ts model file (expected a JSON object');
  dataError(() => validateModelFile({ ...savedFile(), version: '1' }, 'm.json'), 'm.json: model file version "1" is not a version');
  dataError(() => validateModelFile({ ...savedFile(), classNames: [1, 2, 3] }, 'm.json'), "m.json: 'classNames' must be a list of strings");
});

test('a saved definition reads back unchanged (normalizing is idempotent for every layer type)', () => {
  const every = parseCompactDefinition('conv3x3x4s1p1d1-bn-lrelu0.2-pool2-conv2x2x4-elu0.5-avgpool1-maxout2-fc6-tanh-dropout0.25-fc5-sigmoid-fc3-relu-fc3-svm', [2, 8, 8]);
  // A conv with its own initializer and name, normalized as every definition is before it is saved.
  every[1] = parseJsonDefinition([{ ...every[1], init: { type: 'gaussian', std: 0.01 }, name: 'first' }])[0]!;
  const file = JSON.parse(JSON.stringify(netToModelFile(buildNet(every, new Rng(1)), every)));
  assert.deepEqual(validateModelFile(file, 'm.json').definition, every);
});

test('inputShape is honoured and checked against the definition', () => {
  const mismatch = savedFile();
  mismatch.inputShape = [2, 7, 7];
  dataError(() => validateModelFile(mismatch, 'm.json'), "m.json: 'inputShape' is (2, 7, 7) but the definition's input layer is (2, 6, 6)");
  const malformed = savedFile();
  malformed.inputShape = [2, 0, 6];
  dataError(() => validateModelFile(malformed, 'm.json'), "m.json: 'inputShape' must list positive integers like [3, 32, 32], got [2,0,6]");
  // Without an input layer in the definition, the file's inputShape is the input.
  const headless = savedFile();
  headless.definition = headless.definition.slice(1);
  const file = validateModelFile(headless, 'm.json');
  assert.deepEqual(file.definition[0], { type: 'input', shape: [2, 6, 6] });
  const net = buildNet(file.definition, new Rng(5));
  loadWeightsInto(net, file, 'm.json');
  assert.deepEqual([...net.inputShape], [2, 6, 6]);
});

test('non-finite weights, buffers and preprocessing are refused at load, naming the layer and parameter', () => {
  const encode = (values: number[]) => Buffer.from(new Float32Array(values).buffer).toString('base64');
  const cases: Array<[(file: Record<string, any>) => void, string]> = [
    [(f) => { f.layers[0].parameters.bias.float32 = encode([1, NaN, 2, 3]); }, 'm.json: conv1.bias (layer 1): value 1 of 4 is NaN'],
    [(f) => { f.layers[4].parameters.weights.float32 = encode([...Array(6 * 36).fill(0.5).slice(0, 6 * 36 - 1), Infinity]); }, 'm.json: fc1.weights (layer 5): value 215 of 216 is Infinity'],
    [(f) => { f.layers[1].buffers.runningVariance.float32 = encode([1, 1, -Infinity, 1]); }, 'm.json: bn1.runningVariance (layer 2): value 2 of 4 is -Infinity'],
  ];
  for (const [spoil, fragment] of cases) {
    const file = savedFile();
    spoil(file);
    const valid = validateModelFile(file, 'm.json');
    dataError(() => loadWeightsInto(buildNet(valid.definition, new Rng(1)), valid, 'm.json'), fragment, "a model's weights must be finite");
  }
  const mean = { ...savedFile(), preprocessing: { mean: [1, 'x'], std: [1, 1] } };
  dataError(() => validateModelFile(mean, 'm.json'), "m.json: 'preprocessing' needs non-empty number lists 'mean' and 'std'");
  const zeroStd = { ...savedFile(), preprocessing: { mean: [1, 2], std: [1, 0] } };
  dataError(() => validateModelFile(zeroStd, 'm.json'), "m.json: 'preprocessing.std[1]' is 0; it must be a finite number > 0");
  const threeMeans = { ...savedFile(), preprocessing: { mean: [1, 2, 3], std: [1] } };
  dataError(() => validateModelFile(threeMeans, 'm.json'), "m.json: 'preprocessing.mean' needs 1 or 2 values (one per input channel), got 3");
});
