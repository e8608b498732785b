import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ShapeError } from '../../src/errors.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { classicArchitecture, parseCompactDefinition, parseDefinition, parseJsonDefinition } from '../../src/nn/definition.ts';
import { formatSummary, summaryRows } from '../../src/nn/summary.ts';
import { Rng } from '../../src/tensor/rng.ts';

test('compact form: every token kind becomes its normalized definition', () => {
  const layers = parseCompactDefinition('conv5x3x16s2p1d2-relu-pool2-avgpool3s1-fc10-lrelu0.1-elu-maxout2-dropout0.5-bn-tanh-sigmoid-softmax', [3, 32, 32]);
  assert.deepEqual(layers, [
    { type: 'input', shape: [3, 32, 32] },
    { type: 'conv', filters: 16, size: [5, 3], stride: [2, 2], pad: [1, 1], dilation: 2 },
    { type: 'relu' },
    { type: 'pool', mode: 'max', size: [2, 2], stride: [2, 2] },
    { type: 'pool', mode: 'avg', size: [3, 3], stride: [1, 1] },
    { type: 'fc', units: 10 },
    { type: 'leaky-relu', slope: 0.1 },
    { type: 'elu', alpha: 1 },
    { type: 'maxout', pieces: 2 },
    { type: 'dropout', rate: 0.5 },
    { type: 'batchnorm' },
    { type: 'tanh' },
    { type: 'sigmoid' },
    { type: 'softmax' },
  ]);
  assert.throws(() => parseCompactDefinition('conv5x16-relu', [3, 8, 8]), (e: Error) => e instanceof ConfigError && /cannot read layer 1 'conv5x16'/.test(e.message));
});

test('JSON form: ConvNetJS spellings, activation shorthand, input from out_sx/out_sy/out_depth', () => {
  const layers = parseJsonDefinition([
    { type: 'input', out_sx: 32, out_sy: 32, out_depth: 3 },
    { type: 'conv', sx: 5, filters: 16, stride: 1, pad: 2, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'fc', num_neurons: 10, init: { type: 'xavier' } },
    { type: 'dropout', drop_prob: 0.25 },
    { type: 'softmax' },
  ]);
  assert.deepEqual(layers.map((l) => l.type), ['input', 'conv', 'relu', 'pool', 'fc', 'dropout', 'softmax']);
  assert.deepEqual(layers[0], { type: 'input', shape: [3, 32, 32] });
  assert.deepEqual(layers[1], { type: 'conv', filters: 16, size: [5, 5], stride: [1, 1], pad: [2, 2], dilation: 1 });
  assert.equal((layers[4] as { init: { type: string } }).init.type, 'xavier');
  assert.equal((layers[5] as { rate: number }).rate, 0.25);
  assert.throws(() => parseJsonDefinition([{ type: 'convolution' }]), /layer 1 \(convolution\): unknown layer type; valid types: input, conv/);
  assert.throws(() => parseJsonDefinition([{ type: 'conv', size: 3, filters: 0 }]), /layer 1 \(conv\): 'filters' must be a positive integer, got 0/);
  assert.throws(() => parseJsonDefinition([{ type: 'fc', units: 4, init: { type: 'glorious' } }]), /layer 1 \(fc\): .*glorious/);
  assert.throws(() => parseDefinition('[{"type": "fc",', [4]), /not valid JSON/);
});

test('definitions without an input layer get the data shape', () => {
  const layers = parseDefinition('[{"type": "fc", "units": 3}, {"type": "softmax"}]', [2, 4, 4]);
  assert.deepEqual(layers[0], { type: 'input', shape: [2, 4, 4] });
});

test("the lecture's [(CONV-RELU)*N-POOL]*M-(FC-RELU)*K-FC-SOFTMAX builder", () => {
  const text = classicArchitecture({ convsPerBlock: 2, blocks: 2, fcLayers: 1, filters: [8, 16], classes: 10, fcUnits: 32 });
  assert.equal(text, 'conv3x3x8p1-relu-conv3x3x8p1-relu-pool2-conv3x3x16p1-relu-conv3x3x16p1-relu-pool2-fc32-relu-fc10-softmax');
  const net = buildNet(parseCompactDefinition(text, [3, 32, 32]), new Rng(1));
  // 'same' padding keeps 32×32 through the convs; two pools halve it twice.
  assert.deepEqual(net.layers.find((l) => l.name === 'pool2')!.outputShape, [16, 8, 8]);
  assert.equal(net.classes, 10);
});

test('shape inference fails at build time and names the layer', () => {
  // 3×8×8 → conv 5×5 (valid) → 4×4 → pool 2 → 2×2 → a 5×5 filter no longer fits.
  assert.throws(
    () => buildNet(parseCompactDefinition('conv5x5x4-relu-pool2-conv5x5x4-relu-fc10-softmax', [3, 8, 8]), new Rng(1)),
    (e: Error) => e instanceof ShapeError && /^conv2: /.test(e.message),
  );
  assert.throws(() => buildNet(parseCompactDefinition('fc10-conv3x3x4-softmax', [3, 8, 8]), new Rng(1)), /conv1: a conv layer needs image input \(C, H, W\), got \(10\)/);
  assert.throws(() => buildNet(parseCompactDefinition('fc10-relu', [4]), new Rng(1)), /the last layer must be 'softmax' or 'svm'/);
});

test('summary: output shapes and parameter counts of the ConvNetJS CIFAR-10 net', () => {
  const net = buildNet(parseCompactDefinition('conv5x5x16p2-relu-pool2-conv5x5x20p2-relu-pool2-conv5x5x20p2-relu-pool2-fc10-softmax', [3, 32, 32]), new Rng(1));
  const rows = summaryRows(net);
  const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
  // conv: K·C·F·F + K.  16·3·25+16 = 1,216; 20·16·25+20 = 8,020; 20·20·25+20 = 10,020; fc: 10·(20·4·4)+10 = 3,210.
  assert.deepEqual([byName.conv1.parameters, byName.conv2.parameters, byName.conv3.parameters, byName.fc1.parameters], [1216, 8020, 10020, 3210]);
  assert.deepEqual(byName.pool3.outputShape, [20, 4, 4]);
  assert.equal(net.parameterCount(), 22466);
  assert.match(formatSummary(net), /total parameters: 22,466$/);
});
