/**
 * The model-format version policy (src/nn/model-file.ts): files written by earlier versions keep
 * loading. fixtures/model-v1.json was saved by version-1 code (every layer type that stores
 * something: conv, batch norm with running statistics, maxout, average pool, dropout, fc, leaky
 * ReLU, ELU, tanh, sigmoid, softmax; preprocessing and class names) together with the probabilities
 * it gave; today's code must give the same bits. A newer version is refused, naming both versions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { buildNet } from '../../src/nn/build-net.ts';
import { MODEL_VERSION, loadWeightsInto, validateModelFile } from '../../src/nn/model-file.ts';
import { DataError } from '../../src/errors.ts';
import { INFERENCE } from '../../src/tensor/forward-mode.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/model-v1.json', import.meta.url), 'utf8')) as {
  model: unknown; input: { shape: number[]; values: number[] }; probabilities: number[];
};

test('a version-1 model file saved on 2026-12-01 loads and gives the same probabilities, bit for bit', () => {
  const file = validateModelFile(fixture.model, 'model-v1.json');
  assert.equal(file.version, 1);
  const net = buildNet(file.definition, new Rng(0));
  loadWeightsInto(net, file, 'model-v1.json');
  assert.deepEqual(file.classNames, ['a', 'b', 'c']);
  assert.deepEqual(file.preprocessing, { mean: [100, 120], std: [50, 60] });
  const output = net.forward(Tensor.from(fixture.input.values, fixture.input.shape), INFERENCE);
  assert.deepEqual(Array.from(output.data), fixture.probabilities);
});

test('a file from a newer version is refused, naming both versions; a non-integer version is no version', () => {
  const newer = { ...(fixture.model as object), version: MODEL_VERSION + 1 };
  assert.throws(() => validateModelFile(newer, 'future.json'),
    (e: Error) => e instanceof DataError && e.message === `future.json: model file version ${MODEL_VERSION + 1} was written by a newer convnet-ts; this library reads versions 1 to ${MODEL_VERSION}`);
  for (const version of [0, 1.5, '1', null]) {
    assert.throws(() => validateModelFile({ ...(fixture.model as object), version }, 'odd.json'), /odd\.json: model file version .* is not a version/);
  }
});
