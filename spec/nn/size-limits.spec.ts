/**
 * Size caps: a definition that asks for more than SIZE_LIMITS is refused by buildNet before any
 * layer allocates, with a ConfigError naming the layer and counting values and bytes. No spec here
 * allocates anything large: the refusals happen first, and the totals are probed with preset sums.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import type { LayerDefinition } from '../../src/nn/definition.ts';
import { parseCompactDefinition, parseDefinition } from '../../src/nn/definition.ts';
import { SIZE_LIMITS, checkLayerSizes, checkTensorSize, plannedLayerShapes } from '../../src/nn/size-limits.ts';
import { Rng } from '../../src/tensor/rng.ts';

function refusedWith(run: () => unknown, ...fragments: string[]): void {
  assert.throws(run, (error: Error) => {
    assert.equal(error.constructor, ConfigError, `expected a ConfigError, got ${error.name}: ${error.message}`);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `'${error.message}' should contain '${fragment}'`);
    return true;
  });
}

test('the caps are the documented ones', () => {
  assert.deepEqual({ ...SIZE_LIMITS }, { valuesPerTensor: 67_108_864, totalParameters: 134_217_728, activationsPerExample: 134_217_728 });
});

test('impossible sizes in compact definitions are refused before allocation, with values, bytes and the layer', () => {
  const build = (text: string, input = [3, 32, 32]) => buildNet(parseCompactDefinition(text, input), new Rng(1));
  refusedWith(() => build('conv3x3x1000000000-relu-fc10-softmax'),
    'conv1 (layer 2, conv): weights (1000000000, 3, 3, 3) would hold 27,000,000,000 values (108,000,000,000 bytes as float32)',
    'the cap is 67,108,864 values (256 MiB) per tensor');
  refusedWith(() => build('conv3x3x4p1-relu-fc1000000000000-softmax'),
    'fc1 (layer 4, fc): weights (1000000000000, 4096) would hold 4,096,000,000,000,000 values (16,384,000,000,000,000 bytes as float32)');
  refusedWith(() => build('conv3x3x4p100000-fc10-softmax'),
    'conv1 (layer 2, conv): output (4, 200030, 200030) would hold 160,048,003,600 values (640,192,014,400 bytes as float32)');
  refusedWith(() => build('fc10-softmax', [3, 100000, 100000]),
    'input layer: input (3, 100000, 100000) would hold 30,000,000,000 values (120,000,000,000 bytes as float32)');
  // Small weights, a large output: a 1×1 conv with 100 filters on a 1024×1024 image.
  refusedWith(() => build('conv1x1x100-fc10-softmax', [3, 1024, 1024]), 'conv1 (layer 2, conv): output (100, 1024, 1024) would hold 104,857,600 values');
});

test('JSON definitions go through the same caps', () => {
  const text = JSON.stringify([{ type: 'input', shape: [1, 28, 28] }, { type: 'conv', filters: 8, size: 3, pad: 50000 }, { type: 'fc', units: 10 }, { type: 'softmax' }]);
  refusedWith(() => buildNet(parseDefinition(text, [1, 28, 28]), new Rng(1)), 'conv1 (layer 2, conv): output (8, 100026, 100026) would hold');
  const named = JSON.stringify([{ type: 'fc', units: 1e9, name: 'scores' }, { type: 'softmax' }]);
  refusedWith(() => buildNet(parseDefinition(named, [784]), new Rng(1)), 'scores (layer 2, fc): weights (1000000000, 784) would hold 784,000,000,000 values');
});

test('exactly at the per-tensor cap is accepted, one value more is refused', () => {
  checkTensorSize('here', 'output', [SIZE_LIMITS.valuesPerTensor]);
  refusedWith(() => checkTensorSize('here', 'output', [SIZE_LIMITS.valuesPerTensor + 1]), 'here: output (67108865) would hold 67,108,865 values (268,435,460 bytes as float32)');
});

test('total parameters and activations per example are capped across layers (sums probed without allocating)', () => {
  const fc: LayerDefinition = { type: 'fc', units: 100 };
  const totals = { parameters: SIZE_LIMITS.totalParameters - 1000, activations: 0 };
  // fc100 on 10 inputs: 100·10 weights + 100 biases = 1,100 parameters, 100 over the cap.
  refusedWith(() => checkLayerSizes(fc, [10], 'fc7', 'fc7 (layer 8, fc)', totals),
    'fc7 (layer 8, fc): the parameters of the network up to this layer would hold 134,217,828 values', 'in all');
  const activations = { parameters: 0, activations: SIZE_LIMITS.activationsPerExample - 50 };
  refusedWith(() => checkLayerSizes({ type: 'relu' }, [100], 'relu3', 'relu3 (layer 4, relu)', activations),
    "relu3 (layer 4, relu): one example's outputs of the layers up to this one would hold 134,217,778 values", 'per example');
  const fine = { parameters: 0, activations: 0 };
  checkLayerSizes(fc, [10], 'fc1', 'fc1 (layer 2, fc)', fine);
  assert.deepEqual(fine, { parameters: 1100, activations: 100 });
});

test('the planned shapes are the shapes the layers allocate', () => {
  const definition = parseCompactDefinition('conv5x5x16p2-bn-relu-pool2-maxout2-fc10-softmax', [3, 32, 32]);
  const net = buildNet(definition, new Rng(1));
  let shape = [...net.inputShape];
  net.layers.forEach((layer, i) => {
    const planned = plannedLayerShapes(definition[i + 1]!, shape, layer.name);
    assert.deepEqual(planned.outputShape, [...layer.outputShape], layer.name);
    assert.deepEqual(planned.parameters.map(([name, s]) => [name, s]), layer.parameters().map((p) => [p.name, [...p.value.shape]]), layer.name);
    shape = [...layer.outputShape];
  });
});
