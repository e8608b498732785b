/**
 * The convolution implementation in definitions and model files: a conv layer's `implementation`
 * ('implicit-gemm' — the default, never written —, 'im2col' or 'naive') is parsed from JSON
 * definitions, builds that Conv2d, and survives a model file round trip; existing definitions and files
 * (without the field) are unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition, parseJsonDefinition } from '../../src/nn/definition.ts';
import { loadWeightsInto, netToModelFile, validateModelFile } from '../../src/nn/model-file.ts';
import { Conv2d } from '../../src/layers/conv2d.ts';
import { INFERENCE } from '../../src/layers/layer.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const layers = (implementation?: string): unknown[] => [
  { type: 'input', shape: [3, 8, 8] },
  { type: 'conv', filters: 4, size: 3, pad: 1, ...(implementation ? { implementation } : {}) },
  { type: 'pool', size: 2 },
  { type: 'fc', units: 3 },
  { type: 'softmax' },
];

function convLayers(definition: ReturnType<typeof parseJsonDefinition>): Conv2d[] {
  return buildNet(definition, new Rng(1)).layers.filter((layer): layer is Conv2d => layer instanceof Conv2d);
}

test('a conv layer takes its implementation from the definition; the default is implicit-gemm and is not written', () => {
  for (const implementation of ['implicit-gemm', 'im2col', 'naive'] as const) {
    const definition = parseJsonDefinition(layers(implementation));
    assert.equal(convLayers(definition)[0].implementation, implementation);
  }
  const plain = parseJsonDefinition(layers());
  assert.equal(convLayers(plain)[0].implementation, 'implicit-gemm');
  assert.ok(!('implementation' in plain[1]), 'a definition without the field gains none');
  const compact = parseCompactDefinition('conv3x3x4p1-relu-pool2-fc3-softmax', [3, 8, 8]);
  assert.ok(compact.every((layer) => !('implementation' in layer)));
  const file = netToModelFile(buildNet(plain, new Rng(1)), plain);
  assert.ok(!JSON.stringify(file).includes('implementation'), 'model files of default nets are as before');
});

test('the implementation survives a model file round trip, with the same outputs', () => {
  const definition = parseJsonDefinition(layers('naive'));
  const net = buildNet(definition, new Rng(2));
  const json = JSON.parse(JSON.stringify(netToModelFile(net, definition))) as unknown;
  const file = validateModelFile(json, 'model.json');
  const loaded = buildNet(file.definition, new Rng(0));
  loadWeightsInto(loaded, file, 'model.json');
  assert.equal(convLayers(file.definition)[0].implementation, 'naive');
  const input = Tensor.gaussian([2, 3, 8, 8], new Rng(3));
  assert.deepEqual(Array.from(loaded.forward(input, INFERENCE).data), Array.from(net.forward(input, INFERENCE).data));
});

test('an unknown implementation is a ConfigError naming the layer and the choices', () => {
  assert.throws(() => parseJsonDefinition(layers('winograd')), (error: unknown) =>
    error instanceof ConfigError &&
    /layer 2 \(conv\): 'implementation' must be one of 'implicit-gemm', 'im2col', 'naive', got "winograd"/.test(error.message));
});
