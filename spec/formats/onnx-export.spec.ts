/**
 * ONNX export, checked two ways:
 * 1. field by field against the ONNX schema (onnx/onnx.proto): the file is split with the project's
 *    own protobuf reader and every message's field numbers, wire types and values are compared with
 *    what the schema and the operator definitions (opset 13) say they must be;
 * 2. by running it: a small ONNX interpreter written for the specs (onnx-interpreter.ts, naive
 *    double-precision loops, none of the library's layers) runs the decoded graph on raw pixels, and
 *    its outputs must equal `predict`'s probabilities (PNG → pngFileToInput → net.forward) to 1e-5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportOnnx } from '../../src/formats/onnx-export.ts';
import { decodeOnnxModel } from '../../src/formats/onnx-proto.ts';
import { WIRE_I32, WIRE_LEN, WIRE_VARINT, readFields, readFloat32s, readPackedVarints } from '../../src/formats/protobuf.ts';
import type { ProtoField } from '../../src/formats/protobuf.ts';
import { RICH_NETWORK, SVM_NETWORK, makeModel, makePixels, makePreprocessing, predictOutputs } from './fixtures.ts';
import { runOnnx } from './onnx-interpreter.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-onnx-export-'));
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** The fields of a message with the given number, each checked to have `wireType`. */
function fieldsOf(fields: ProtoField[], number: number, wireType: number, where: string): ProtoField[] {
  const found = fields.filter((f) => f.field === number);
  for (const f of found) assert.equal(f.wireType, wireType, `${where}: field ${number} must have wire type ${wireType}`);
  return found;
}
const one = (fields: ProtoField[], number: number, wireType: number, where: string): ProtoField => {
  const found = fieldsOf(fields, number, wireType, where);
  assert.equal(found.length, 1, `${where}: field ${number} must occur once, occurs ${found.length} times`);
  return found[0];
};
const bytesOf = (f: ProtoField) => f.value as Uint8Array;
const strOf = (fields: ProtoField[], number: number, where: string) => text(bytesOf(one(fields, number, WIRE_LEN, where)));
const intOf = (fields: ProtoField[], number: number, where: string) => one(fields, number, WIRE_VARINT, where).value as number;

/** AttributeProto → {name: value}, checking field 20 (type) against the value field used. */
function attributesOf(nodeFields: ProtoField[], where: string): Record<string, number | number[]> {
  const out: Record<string, number | number[]> = {};
  for (const a of fieldsOf(nodeFields, 5, WIRE_LEN, where)) {
    const fields = readFields(bytesOf(a), where);
    const name = strOf(fields, 1, where);
    const type = intOf(fields, 20, `${where} ${name}`);
    if (type === 1) out[name] = readFloat32s(bytesOf(one(fields, 2, WIRE_I32, `${where} ${name}`)), name)[0]; // FLOAT: f = 2
    else if (type === 2) out[name] = intOf(fields, 3, `${where} ${name}`); // INT: i = 3
    else if (type === 7) out[name] = fieldsOf(fields, 8, WIRE_VARINT, `${where} ${name}`).map((f) => f.value as number); // INTS: ints = 8
    else assert.fail(`${where}: attribute ${name} has unexpected type ${type}`);
  }
  return out;
}

/** ValueInfoProto → [name, elem_type, dims (dim_value numbers or dim_param strings)]. */
function valueInfo(bytes: Uint8Array, where: string): [string, number, Array<number | string>] {
  const fields = readFields(bytes, where);
  const type = readFields(bytesOf(one(fields, 2, WIRE_LEN, where)), `${where} TypeProto`);
  const tensor = readFields(bytesOf(one(type, 1, WIRE_LEN, `${where} TypeProto`)), `${where} TypeProto.Tensor`);
  const shape = readFields(bytesOf(one(tensor, 2, WIRE_LEN, `${where} Tensor`)), `${where} TensorShapeProto`);
  const dims = fieldsOf(shape, 1, WIRE_LEN, where).map((d) => {
    const dim = readFields(bytesOf(d), `${where} Dimension`);
    return dim[0].field === 1 ? intOf(dim, 1, where) : strOf(dim, 2, where);
  });
  return [strOf(fields, 1, where), intOf(tensor, 1, where), dims];
}

test('the exported ModelProto of a conv/bn/pool/maxout/dropout/fc network with whitening matches the ONNX schema field by field', () => {
  const preprocessing = makePreprocessing(3);
  const { net, file } = makeModel(RICH_NETWORK, [3, 8, 8], { preprocessing, classNames: ['a', 'b', 'c', 'd'] });
  const bytes = exportOnnx(net, file, '0.1.0');
  const model = readFields(bytes, 'ModelProto');
  assert.equal(intOf(model, 1, 'ModelProto.ir_version'), 7);
  assert.equal(strOf(model, 2, 'ModelProto.producer_name'), 'convnet-ts');
  const opset = readFields(bytesOf(one(model, 8, WIRE_LEN, 'ModelProto.opset_import')), 'OperatorSetIdProto');
  assert.equal(strOf(opset, 1, 'OperatorSetIdProto.domain'), '');
  assert.equal(intOf(opset, 2, 'OperatorSetIdProto.version'), 13);
  const metadata = fieldsOf(model, 14, WIRE_LEN, 'ModelProto.metadata_props').map((m) => readFields(bytesOf(m), 'StringStringEntryProto'));
  assert.deepEqual(metadata.map((m) => [strOf(m, 1, 'key'), strOf(m, 2, 'value')]), [['convnet-ts.classNames', '["a","b","c","d"]'], ['convnet-ts.whitening.epsilon', '0.1']]);

  const graph = readFields(bytesOf(one(model, 7, WIRE_LEN, 'ModelProto.graph')), 'GraphProto');
  assert.deepEqual(valueInfo(bytesOf(one(graph, 11, WIRE_LEN, 'GraphProto.input')), 'input'), ['input', 1, ['N', 3, 8, 8]]);
  assert.deepEqual(valueInfo(bytesOf(one(graph, 12, WIRE_LEN, 'GraphProto.output')), 'output'), ['probabilities', 1, ['N', 4]]);

  const nodes = fieldsOf(graph, 1, WIRE_LEN, 'GraphProto.node').map((n, i) => {
    const fields = readFields(bytesOf(n), `node ${i}`);
    return {
      opType: strOf(fields, 4, `node ${i} op_type`), name: strOf(fields, 3, `node ${i} name`),
      inputs: fieldsOf(fields, 1, WIRE_LEN, `node ${i}`).map((f) => text(bytesOf(f))),
      outputs: fieldsOf(fields, 2, WIRE_LEN, `node ${i}`).map((f) => text(bytesOf(f))),
      attributes: attributesOf(fields, `node ${i}`),
    };
  });
  // Dropout is left out; Flatten comes before the first Gemm only (its input is (C, H, W)).
  assert.deepEqual(nodes.map((n) => n.opType), [
    'Sub', 'Div', 'Conv', 'Conv', 'BatchNormalization', 'Relu', 'MaxPool', 'Conv', 'Reshape', 'ReduceMax', 'AveragePool',
    'Flatten', 'Gemm', 'LeakyRelu', 'Gemm', 'BatchNormalization', 'Elu', 'Gemm', 'Softmax',
  ]);
  // A chain: each node reads the output of the one before it; the first reads `input`.
  nodes.forEach((n, i) => assert.equal(n.inputs[0], i === 0 ? 'input' : nodes[i - 1].outputs[0], `node ${i} (${n.opType}) input`));
  assert.equal(nodes.at(-1)!.outputs[0], 'probabilities');
  const byName = Object.fromEntries(nodes.map((n) => [n.name, n]));
  assert.deepEqual(byName['preprocessing.whitening'].attributes, { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 });
  assert.deepEqual(byName.conv1.attributes, { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 });
  assert.deepEqual(byName.conv2.attributes, { kernel_shape: [3, 3], strides: [1, 1], pads: [2, 2, 2, 2], dilations: [2, 2], group: 1 });
  assert.deepEqual(byName.pool1.attributes, { kernel_shape: [2, 2], strides: [2, 2] });
  assert.equal(byName.pool2.opType, 'AveragePool');
  assert.deepEqual(byName.maxout1.attributes, { axes: [2], keepdims: 0 });
  assert.deepEqual(byName['fc1.flatten'].attributes, { axis: 1 });
  assert.deepEqual(byName.fc1.attributes, { alpha: 1, beta: 1, transA: 0, transB: 1 });
  assert.equal(byName.lrelu1.attributes.alpha, Math.fround(0.1));
  assert.equal(byName.elu1.attributes.alpha, Math.fround(0.5));
  assert.deepEqual(byName.bn1.attributes, { epsilon: Math.fround(1e-5), momentum: Math.fround(0.9) });
  assert.deepEqual(byName.softmax1.attributes, { axis: 1 });

  // Initializers: FLOAT (1) in raw_data, 4 bytes per value; the maxout shape INT64 (7), packed.
  const initializers = Object.fromEntries(fieldsOf(graph, 5, WIRE_LEN, 'GraphProto.initializer').map((t, i) => {
    const fields = readFields(bytesOf(t), `initializer ${i}`);
    return [strOf(fields, 8, 'TensorProto.name'), {
      dims: fieldsOf(fields, 1, WIRE_VARINT, 'TensorProto.dims').map((f) => f.value as number),
      dataType: intOf(fields, 2, 'TensorProto.data_type'),
      raw: fields.find((f) => f.field === 9), int64: fields.find((f) => f.field === 7),
    }];
  }));
  const expectFloat = (name: string, dims: number[]) => {
    const t = initializers[name];
    assert.ok(t, `initializer ${name} missing`);
    assert.deepEqual(t.dims, dims, `${name} dims`);
    assert.equal(t.dataType, 1, `${name} data_type`);
    assert.equal(t.raw!.wireType, WIRE_LEN);
    assert.equal(bytesOf(t.raw!).length, 4 * dims.reduce((p, d) => p * d, 1), `${name} raw_data bytes`);
  };
  expectFloat('preprocessing.mean', [1, 3, 1, 1]);
  expectFloat('preprocessing.std', [1, 3, 1, 1]);
  expectFloat('preprocessing.whitening.kernel', [3, 3, 3, 3]);
  expectFloat('preprocessing.whitening.bias', [3]);
  expectFloat('conv1.weights', [8, 3, 3, 3]);
  expectFloat('conv1.bias', [8]);
  for (const name of ['gamma', 'beta', 'runningMean', 'runningVariance']) expectFloat(`bn1.${name}`, [8]);
  for (const name of ['gamma', 'beta', 'runningMean', 'runningVariance']) expectFloat(`bn2.${name}`, [10]);
  expectFloat('conv2.weights', [6, 8, 3, 3]);
  expectFloat('fc1.weights', [12, 12]);
  expectFloat('fc2.weights', [10, 12]);
  expectFloat('fc3.weights', [4, 10]);
  expectFloat('fc3.bias', [4]);
  const shape = initializers['maxout1.shape'];
  assert.equal(shape.dataType, 7);
  assert.deepEqual(shape.dims, [5]);
  assert.deepEqual(readPackedVarints(bytesOf(shape.int64!), 'maxout shape'), [0, 3, 2, 4, 4]);
  // The weights are the model's float32 bits, little-endian.
  const conv1 = net.layers[0].parameters()[0].value.data;
  assert.deepEqual(readFloat32s(bytesOf(initializers['conv1.weights'].raw!), 'conv1'), conv1);
  assert.deepEqual(Array.from(readFloat32s(bytesOf(initializers['preprocessing.whitening.bias'].raw!), 'bias')), preprocessing.whitening!.offset.map((o) => Math.fround(-o)));
});

for (const [label, compact, shape, withPreprocessing] of [
  ['softmax network with mean/std/whitening', RICH_NETWORK, [3, 8, 8], true],
  ['SVM network (raw scores) with maxout on vectors, no preprocessing', SVM_NETWORK, [3, 9, 9], false],
] as const) {
  test(`the decoded graph, run by the spec interpreter on raw pixels, gives predict's outputs to 1e-5: ${label}`, () => {
    const { net, file } = makeModel(compact, [...shape], withPreprocessing ? { preprocessing: makePreprocessing(3) } : {});
    const model = decodeOnnxModel(exportOnnx(net, file, '0.1.0'), 'export.onnx');
    assert.equal(model.graph.outputs[0].name, net.loss === 'softmax' ? 'probabilities' : 'scores');
    const count = 4;
    const pixels = makePixels(count, [...shape]);
    const expected = predictOutputs(net, file.preprocessing, pixels, count, scratch, label.slice(0, 3));
    const result = runOnnx(model, { dims: [count, ...shape], data: Float64Array.from(pixels) });
    assert.deepEqual(result.dims, [count, net.classes]);
    let largest = 0;
    for (let n = 0; n < count; n++) {
      for (let k = 0; k < net.classes; k++) {
        const difference = Math.abs(result.data[n * net.classes + k] - expected[n][k]);
        largest = Math.max(largest, difference);
        assert.ok(difference <= 1e-5, `image ${n} class ${k}: ONNX ${result.data[n * net.classes + k]} vs predict ${expected[n][k]}`);
      }
    }
    // The check must be able to fail: the outputs differ between images.
    assert.notDeepEqual(Array.from(expected[0]), Array.from(expected[1]));
  });
}
