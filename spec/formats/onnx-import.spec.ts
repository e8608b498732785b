/**
 * ONNX import: export → import gives the same outputs to 1e-6; the shapes PyTorch 1.13+ writes for
 * flattening (Flatten; Reshape to (N, −1) built from Shape → Gather → Unsqueeze → Concat; Reshape with a
 * constant [-1, D] or [0, -1]) and BatchNormalization in inference mode are read, from hand-built
 * protobuf models; and bad input is refused with a one-line DataError naming the file and the node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../src/errors.ts';
import { exportOnnx } from '../../src/formats/onnx-export.ts';
import { importOnnx } from '../../src/formats/onnx-import.ts';
import { ATTRIBUTE_TYPE, DATA_TYPE, decodeOnnxModel, encodeOnnxModel } from '../../src/formats/onnx-proto.ts';
import type { OnnxAttribute, OnnxModel, OnnxNode, OnnxTensor } from '../../src/formats/onnx-proto.ts';
import { INFERENCE } from '../../src/layers/layer.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { loadWeightsInto, validateModelFile } from '../../src/nn/model-file.ts';
import type { Net } from '../../src/nn/net.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { RICH_NETWORK, SVM_NETWORK, makeModel, makePixels, makePreprocessing, predictOutputs } from './fixtures.ts';
import { runOnnx } from './onnx-interpreter.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-onnx-import-'));

/** A model file (as import returns it) → its Net, through the same checks loadModel applies. */
function netOf(file: unknown, source: string): Net {
  const model = validateModelFile(JSON.parse(JSON.stringify(file)), source);
  const net = buildNet(model.definition, new Rng(0));
  loadWeightsInto(net, model, source);
  return net;
}

function refused(action: () => unknown, ...fragments: string[]): void {
  assert.throws(action, (error: Error) => {
    assert.equal(error.constructor, DataError, `expected a DataError, got ${error.name}: ${error.message}`);
    assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `'${error.message}' should contain '${fragment}'`);
    return true;
  });
}

for (const [label, compact, shape, withPreprocessing] of [
  ['conv/bn/pool/maxout/dropout/fc with mean/std/whitening', RICH_NETWORK, [3, 8, 8], true],
  ['SVM head, maxout on vectors', SVM_NETWORK, [3, 9, 9], false],
] as const) {
  test(`export → import reproduces predict's outputs to 1e-6: ${label}`, () => {
    const preprocessing = withPreprocessing ? makePreprocessing(3) : undefined;
    const { net, file } = makeModel(compact, [...shape], { ...(preprocessing ? { preprocessing } : {}), classNames: net3Names(compact) });
    const imported = importOnnx(exportOnnx(net, file, '0.1.0'), 'model.onnx');
    // Same layers but dropout (the identity at inference, not written), same preprocessing and class names.
    assert.deepEqual(imported.definition.map((l) => l.type), file.definition.map((l) => l.type).filter((t) => t !== 'dropout'));
    assert.deepEqual(imported.classNames, file.classNames);
    if (preprocessing) {
      assert.deepEqual(imported.preprocessing!.mean, preprocessing.mean);
      assert.deepEqual(imported.preprocessing!.std, preprocessing.std);
      assert.equal(imported.preprocessing!.whitening!.epsilon, 0.1);
      assert.deepEqual(imported.preprocessing!.whitening!.kernel, preprocessing.whitening!.kernel.map(Math.fround));
    } else {
      assert.equal(imported.preprocessing, undefined);
    }
    const back = netOf(imported, 'model.json');
    const count = 3;
    const pixels = makePixels(count, [...shape], 5);
    const expected = predictOutputs(net, file.preprocessing, pixels, count, scratch, `a${label.length}`);
    const actual = predictOutputs(back, imported.preprocessing, pixels, count, scratch, `b${label.length}`);
    for (let n = 0; n < count; n++) {
      for (let k = 0; k < net.classes; k++) assert.ok(Math.abs(actual[n][k] - expected[n][k]) <= 1e-6, `image ${n} class ${k}: ${actual[n][k]} vs ${expected[n][k]}`);
    }
  });
}

function net3Names(compact: string): string[] {
  return compact.endsWith('svm') ? ['x', 'y', 'z'] : ['a', 'b', 'c', 'd'];
}

// ------------------------------------------------------------------------ hand-built PyTorch-style graphs

const ints = (name: string, values: number[]): OnnxAttribute => ({ name, type: ATTRIBUTE_TYPE.INTS, ints: values });
const int = (name: string, value: number): OnnxAttribute => ({ name, type: ATTRIBUTE_TYPE.INT, i: value });
const flt = (name: string, value: number): OnnxAttribute => ({ name, type: ATTRIBUTE_TYPE.FLOAT, f: value });
const node = (opType: string, name: string, inputs: string[], outputs: string[], attributes: OnnxAttribute[] = []): OnnxNode =>
  ({ opType, name, domain: '', inputs, outputs, attributes });
const int64 = (name: string, dims: number[], values: number[]): OnnxTensor => ({ name, dims, dataType: DATA_TYPE.INT64, values });

function randomFloats(name: string, dims: number[], rng: Rng, offset = 0, scale = 0.5): OnnxTensor {
  return { name, dims, dataType: DATA_TYPE.FLOAT, values: Float32Array.from({ length: dims.reduce((p, d) => p * d, 1) }, () => offset + scale * rng.gaussian()) };
}

type Flattening = 'shape-gather-unsqueeze-concat' | 'flatten' | 'reshape [-1, D]' | 'reshape [0, -1]';

/**
 * What torch.onnx.export (1.13, opset 13) writes for
 *   Conv2d(3, 4, 3, padding=1) → BatchNorm2d(4) → ReLU → MaxPool2d(2) → flatten → Linear(64, 6) → BatchNorm1d(6)
 *   → ReLU → Linear(6, 5) [→ Softmax(dim=1)]
 * with its naming ('/features/features.0/Conv', 'onnx::Conv_27'), and `flattening` in one of its forms.
 * The flatten of x.view(x.size(0), -1): Shape → Gather(Constant 0) → Unsqueeze(axes input [0]) →
 * Concat with Constant [-1] → Reshape.
 */
function pytorchStyleModel(flattening: Flattening, softmax: boolean, seed = 1): OnnxModel {
  const rng = new Rng(seed);
  const initializers: OnnxTensor[] = [
    randomFloats('onnx::Conv_27', [4, 3, 3, 3], rng), randomFloats('onnx::Conv_28', [4], rng),
    randomFloats('features.1.weight', [4], rng, 1, 0.2), randomFloats('features.1.bias', [4], rng),
    randomFloats('features.1.running_mean', [4], rng), { ...randomFloats('features.1.running_var', [4], rng), values: Float32Array.from([0.5, 1.2, 0.8, 1.7]) },
    randomFloats('fc.0.weight', [6, 64], rng, 0, 0.2), randomFloats('fc.0.bias', [6], rng),
    randomFloats('fc.1.weight', [6], rng, 1, 0.2), randomFloats('fc.1.bias', [6], rng),
    randomFloats('fc.1.running_mean', [6], rng), { ...randomFloats('fc.1.running_var', [6], rng), values: Float32Array.from([0.6, 1.1, 0.9, 1.4, 0.7, 1.3]) },
    randomFloats('fc.3.weight', [5, 6], rng), randomFloats('fc.3.bias', [5], rng),
  ];
  const pool = '/features/features.3/MaxPool_output_0';
  const nodes: OnnxNode[] = [
    node('Conv', '/features/features.0/Conv', ['input', 'onnx::Conv_27', 'onnx::Conv_28'], ['/features/features.0/Conv_output_0'],
      [ints('dilations', [1, 1]), int('group', 1), ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), ints('strides', [1, 1])]),
    node('BatchNormalization', '/features/features.1/BatchNormalization',
      ['/features/features.0/Conv_output_0', 'features.1.weight', 'features.1.bias', 'features.1.running_mean', 'features.1.running_var'],
      ['/features/features.1/BatchNormalization_output_0'], [flt('epsilon', 1e-5), flt('momentum', 0.9)]),
    node('Relu', '/features/features.2/Relu', ['/features/features.1/BatchNormalization_output_0'], ['/features/features.2/Relu_output_0']),
    node('MaxPool', '/features/features.3/MaxPool', ['/features/features.2/Relu_output_0'], [pool],
      [int('ceil_mode', 0), ints('kernel_shape', [2, 2]), ints('pads', [0, 0, 0, 0]), ints('strides', [2, 2])]),
  ];
  const flat = '/Reshape_output_0';
  if (flattening === 'shape-gather-unsqueeze-concat') {
    nodes.push(
      node('Shape', '/Shape', [pool], ['/Shape_output_0']),
      node('Constant', '/Constant', [], ['/Constant_output_0'], [{ name: 'value', type: ATTRIBUTE_TYPE.TENSOR, t: int64('', [], [0]) }]),
      node('Gather', '/Gather', ['/Shape_output_0', '/Constant_output_0'], ['/Gather_output_0'], [int('axis', 0)]),
      node('Constant', 'Constant_6', [], ['onnx::Unsqueeze_18'], [{ name: 'value', type: ATTRIBUTE_TYPE.TENSOR, t: int64('', [1], [0]) }]),
      node('Unsqueeze', '/Unsqueeze', ['/Gather_output_0', 'onnx::Unsqueeze_18'], ['/Unsqueeze_output_0']),
      node('Constant', '/Constant_1', [], ['/Constant_1_output_0'], [{ name: 'value', type: ATTRIBUTE_TYPE.TENSOR, t: int64('', [1], [-1]) }]),
      node('Concat', '/Concat', ['/Unsqueeze_output_0', '/Constant_1_output_0'], ['/Concat_output_0'], [int('axis', 0)]),
      node('Reshape', '/Reshape', [pool, '/Concat_output_0'], [flat]),
    );
  } else if (flattening === 'flatten') {
    nodes.push(node('Flatten', '/flatten/Flatten', [pool], [flat], [int('axis', 1)]));
  } else {
    initializers.push(int64('onnx::Reshape_9', [2], flattening === 'reshape [-1, D]' ? [-1, 64] : [0, -1]));
    nodes.push(node('Reshape', '/Reshape', [pool, 'onnx::Reshape_9'], [flat]));
  }
  const last = softmax ? '/fc/fc.3/Gemm_output_0' : 'output';
  const gemm = [flt('alpha', 1), flt('beta', 1), int('transB', 1)];
  nodes.push(
    node('Gemm', '/fc/fc.0/Gemm', [flat, 'fc.0.weight', 'fc.0.bias'], ['/fc/fc.0/Gemm_output_0'], gemm),
    node('BatchNormalization', '/fc/fc.1/BatchNormalization', ['/fc/fc.0/Gemm_output_0', 'fc.1.weight', 'fc.1.bias', 'fc.1.running_mean', 'fc.1.running_var'],
      ['/fc/fc.1/BatchNormalization_output_0'], [flt('epsilon', 1e-5), flt('momentum', 0.9)]),
    node('Relu', '/fc/fc.2/Relu', ['/fc/fc.1/BatchNormalization_output_0'], ['/fc/fc.2/Relu_output_0']),
    node('Gemm', '/fc/fc.3/Gemm', ['/fc/fc.2/Relu_output_0', 'fc.3.weight', 'fc.3.bias'], [last], gemm),
  );
  if (softmax) nodes.push(node('Softmax', '/softmax/Softmax', [last], ['output'], [int('axis', 1)]));
  return {
    irVersion: 7, producerName: 'pytorch', producerVersion: '1.13.0', opsetImports: [{ domain: '', version: 13 }], metadata: [],
    graph: {
      name: 'torch_jit', nodes, initializers,
      inputs: [{ name: 'input', elemType: DATA_TYPE.FLOAT, dims: ['N', 3, 8, 8] }],
      outputs: [{ name: 'output', elemType: DATA_TYPE.FLOAT, dims: ['N', 5] }],
    },
  };
}

/** The library's outputs for float input `x` (N, C, H, W), fed to the net directly (no preprocessing). */
function forward(net: Net, x: Float32Array, dims: number[]): Float32Array {
  const input = Tensor.zeros(dims);
  input.data.set(x);
  return Float32Array.from(net.forward(input, INFERENCE).data);
}

for (const flattening of ['shape-gather-unsqueeze-concat', 'flatten', 'reshape [-1, D]', 'reshape [0, -1]'] as const) {
  for (const softmax of [true, false]) {
    test(`a PyTorch-style graph (${flattening}, BatchNormalization in inference mode, ${softmax ? 'Softmax' : 'raw scores'}) imports and agrees with the spec interpreter to 1e-5`, () => {
      const bytes = encodeOnnxModel(pytorchStyleModel(flattening, softmax));
      const file = importOnnx(bytes, 'torch.onnx');
      assert.deepEqual(file.definition.map((l) => l.type), ['input', 'conv', 'batchnorm', 'relu', 'pool', 'fc', 'batchnorm', 'relu', 'fc', softmax ? 'softmax' : 'svm']);
      assert.equal(file.preprocessing, undefined);
      const bn = file.definition[2] as { eps: number; momentum: number };
      assert.deepEqual([bn.eps, bn.momentum], [1e-5, 0.9]);
      const net = netOf(file, 'torch.onnx');
      const rng = new Rng(9);
      const x = Float32Array.from({ length: 2 * 3 * 8 * 8 }, () => rng.gaussian());
      const ours = forward(net, x, [2, 3, 8, 8]);
      const theirs = runOnnx(decodeOnnxModel(bytes, 'torch.onnx'), { dims: [2, 3, 8, 8], data: Float64Array.from(x) });
      assert.deepEqual(theirs.dims, [2, 5]);
      for (let i = 0; i < ours.length; i++) assert.ok(Math.abs(ours[i] - theirs.data[i]) <= 1e-5, `output ${i}: ${ours[i]} vs ${theirs.data[i]}`);
    });
  }
}

test('Sub and Div at the front become the model file\'s preprocessing', () => {
  const model = pytorchStyleModel('flatten', true);
  model.graph.initializers.push(
    { name: 'mean', dims: [1, 3, 1, 1], dataType: DATA_TYPE.FLOAT, values: Float32Array.from([125, 120, 110]) },
    { name: 'std', dims: [1], dataType: DATA_TYPE.FLOAT, values: Float32Array.from([64]) },
  );
  model.graph.nodes.unshift(node('Sub', 'sub', ['pixels', 'mean'], ['centered']), node('Div', 'div', ['centered', 'std'], ['input']));
  model.graph.inputs[0].name = 'pixels';
  const file = importOnnx(encodeOnnxModel(model), 'normalized.onnx');
  assert.deepEqual(file.preprocessing, { mean: [125, 120, 110], std: [64] });
});

// ------------------------------------------------------------------------ bad input

test('truncated or garbage protobuf is a one-line DataError naming the file', () => {
  const { net, file } = makeModel(SVM_NETWORK, [3, 9, 9]);
  const bytes = exportOnnx(net, file, '0.1.0');
  refused(() => importOnnx(bytes.subarray(0, bytes.length - 7), 'cut.onnx'), 'cut.onnx', 'truncated');
  refused(() => importOnnx(bytes.subarray(0, 3), 'tiny.onnx'), 'tiny.onnx');
  refused(() => importOnnx(new Uint8Array(0), 'empty.onnx'), 'empty.onnx', 'empty');
  refused(() => importOnnx(new TextEncoder().encode('{"format": "convnet-ts-model"}'), 'json.onnx'), 'json.onnx', 'not a valid protobuf message');
  const rng = new Rng(4);
  for (let trial = 0; trial < 20; trial++) {
    const garbage = Uint8Array.from({ length: 64 + trial }, () => rng.int(256));
    refused(() => importOnnx(garbage, `garbage${trial}.onnx`), `garbage${trial}.onnx`);
  }
});

test('unsupported operators are refused at once, listed with their node indices and names', () => {
  const model = pytorchStyleModel('flatten', true);
  model.graph.nodes.splice(3, 0, node('LSTM', '/rnn/LSTM', ['x'], ['y']), node('Resize', '/up/Resize', ['y'], ['z']));
  model.graph.nodes.push(node('LSTM', '/rnn2/LSTM', ['a'], ['b']));
  refused(() => importOnnx(encodeOnnxModel(model), 'odd.onnx'), 'odd.onnx', 'unsupported ONNX operators LSTM, Resize',
    "LSTM at node 3 '/rnn/LSTM'", "Resize at node 4 '/up/Resize'", "LSTM at node 12 '/rnn2/LSTM'");
});

test('inconsistent shapes, a mismatched head and a branching graph are refused naming the node', () => {
  const wide = pytorchStyleModel('flatten', true);
  const weight = wide.graph.initializers.find((t) => t.name === 'fc.0.weight')!;
  weight.dims = [6, 65];
  weight.values = new Float32Array(6 * 65);
  refused(() => importOnnx(encodeOnnxModel(wide), 'wide.onnx'), 'wide.onnx', "node 5 '/fc/fc.0/Gemm' (Gemm)", 'weight (6, 65) does not fit input size 64');

  const head = pytorchStyleModel('flatten', false);
  head.graph.outputs[0].dims = ['N', 10];
  refused(() => importOnnx(encodeOnnxModel(head), 'head.onnx'), 'head.onnx', "declared (N, 10)", '(N, 5) class scores');

  const branch = pytorchStyleModel('flatten', true);
  branch.graph.nodes[2].inputs = ['/features/features.0/Conv_output_0'];
  refused(() => importOnnx(encodeOnnxModel(branch), 'branch.onnx'), 'branch.onnx', "node 2 '/features/features.2/Relu' (Relu)", 'only sequential networks');

  const conv = pytorchStyleModel('flatten', true);
  conv.graph.nodes[0].attributes = conv.graph.nodes[0].attributes.map((a) => (a.name === 'pads' ? ints('pads', [0, 0, 1, 1]) : a));
  refused(() => importOnnx(encodeOnnxModel(conv), 'pads.onnx'), 'pads.onnx', "node 0 '/features/features.0/Conv'", 'symmetric pads');

  const pool = pytorchStyleModel('flatten', true);
  pool.graph.inputs[0].dims = ['N', 3, 9, 9];
  refused(() => importOnnx(encodeOnnxModel(pool), 'odd-size.onnx'), 'odd-size.onnx', "node 3 '/features/features.3/MaxPool'", '9x9');
});

test('a network on vector input (N, D) exports with a (1) mean/std and imports back to the same outputs', () => {
  const { net, file } = makeModel('fc8-tanh-maxout2-fc3-softmax', [6], { preprocessing: { mean: [2], std: [3] } });
  const bytes = exportOnnx(net, file, '0.1.0');
  const model = decodeOnnxModel(bytes, 'vector.onnx');
  assert.deepEqual(model.graph.inputs[0].dims, ['N', 6]);
  assert.deepEqual(model.graph.initializers.find((t) => t.name === 'preprocessing.mean')!.dims, [1]);
  assert.ok(!model.graph.nodes.some((n) => n.opType === 'Flatten'), 'no Flatten before an fc on vectors');
  const back = netOf(importOnnx(bytes, 'vector.onnx'), 'vector.onnx');
  const rng = new Rng(2);
  const raw = Float32Array.from({ length: 4 * 6 }, () => 10 * rng.uniform());
  const normalized = raw.map((v) => (v - 2) / 3);
  const expected = forward(net, normalized, [4, 6]);
  const viaImport = forward(back, normalized, [4, 6]);
  const viaInterpreter = runOnnx(model, { dims: [4, 6], data: Float64Array.from(raw) }).data;
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(viaImport[i] - expected[i]) <= 1e-6, `import ${i}: ${viaImport[i]} vs ${expected[i]}`);
    assert.ok(Math.abs(viaInterpreter[i] - expected[i]) <= 1e-5, `interpreter ${i}: ${viaInterpreter[i]} vs ${expected[i]}`);
  }
});

test('a zero-pad layer (what a ConvNetJS import writes) exports as ONNX Pad and imports back; a crop is refused', async () => {
  const { parseJsonDefinition } = await import('../../src/nn/definition.ts');
  const { netToModelFile } = await import('../../src/nn/model-file.ts');
  const definition = parseJsonDefinition([
    { type: 'input', shape: [2, 5, 5] }, { type: 'pad', top: 1, bottom: 1, left: 2, right: 0 },
    { type: 'conv', filters: 3, size: 3, stride: 2 }, { type: 'fc', units: 4 }, { type: 'softmax' },
  ]);
  const net = buildNet(definition, new Rng(3));
  const file = netToModelFile(net, definition, {});
  const onnx = exportOnnx(net, file, '0.1.0');
  const pad = decodeOnnxModel(onnx, 'pad.onnx').graph.nodes.find((n) => n.opType === 'Pad');
  assert.ok(pad, 'a Pad node');
  const imported = importOnnx(onnx, 'pad.onnx');
  assert.deepEqual(imported.definition.map((l) => l.type), ['input', 'pad', 'conv', 'fc', 'softmax']);
  assert.deepEqual(imported.definition[1], { type: 'pad', top: 1, bottom: 1, left: 2, right: 0 });
  const back = netOf(imported, 'pad.json');
  const input = Tensor.gaussian([2, 2, 5, 5], new Rng(4));
  const a = net.forward(input, INFERENCE).data.slice();
  const b = back.forward(input, INFERENCE).data;
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-6, `output ${i}: ${a[i]} vs ${b[i]}`);

  const cropping = parseJsonDefinition([{ type: 'input', shape: [1, 6, 6] }, { type: 'pad', top: -1, bottom: 0, left: 0, right: 0 }, { type: 'fc', units: 2 }, { type: 'softmax' }]);
  const cropNet = buildNet(cropping, new Rng(5));
  assert.throws(() => exportOnnx(cropNet, netToModelFile(cropNet, cropping, {}), '0.1.0'), /crops .*only non-negative zero padding has an ONNX mapping/);
});
