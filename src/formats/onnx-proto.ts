/**
 * The part of the ONNX schema (onnx/onnx.proto, proto2) this library writes and reads, as plain
 * TypeScript objects, with their encoding to and decoding from the protobuf wire format (protobuf.ts).
 *
 * Field numbers (message: field = number, wire type; "rep" = repeated):
 *   ModelProto          ir_version = 1 (varint), producer_name = 2, producer_version = 3, domain = 4,
 *                       model_version = 5, doc_string = 6, graph = 7 (GraphProto),
 *                       opset_import = 8 (rep OperatorSetIdProto), metadata_props = 14 (rep StringStringEntryProto)
 *   OperatorSetIdProto  domain = 1 (string; "" is the default ai.onnx domain), version = 2 (varint)
 *   StringStringEntryProto  key = 1, value = 2
 *   GraphProto          node = 1 (rep NodeProto), name = 2, initializer = 5 (rep TensorProto),
 *                       doc_string = 10, input = 11, output = 12, value_info = 13 (rep ValueInfoProto)
 *   NodeProto           input = 1 (rep string), output = 2 (rep string), name = 3, op_type = 4,
 *                       attribute = 5 (rep AttributeProto), doc_string = 6, domain = 7
 *   AttributeProto      name = 1, f = 2 (float, I32), i = 3 (varint), s = 4 (bytes), t = 5 (TensorProto),
 *                       floats = 7 (rep float), ints = 8 (rep varint), type = 20 (AttributeType enum)
 *                       AttributeType: FLOAT = 1, INT = 2, STRING = 3, TENSOR = 4, FLOATS = 6, INTS = 7
 *   TensorProto         dims = 1 (rep varint), data_type = 2 (varint), float_data = 4 (packed float),
 *                       int32_data = 5 (packed varint), int64_data = 7 (packed varint), name = 8,
 *                       raw_data = 9 (bytes, little-endian), double_data = 10 (packed double),
 *                       data_location = 14 (EXTERNAL = 1 is refused: weights must be inside the file)
 *                       DataType: FLOAT = 1, INT32 = 6, INT64 = 7, DOUBLE = 11
 *   ValueInfoProto      name = 1, type = 2 (TypeProto), doc_string = 3
 *   TypeProto           tensor_type = 1 (TypeProto.Tensor: elem_type = 1 (varint), shape = 2 (TensorShapeProto))
 *   TensorShapeProto    dim = 1 (rep Dimension: dim_value = 1 (varint) | dim_param = 2 (string))
 *
 * In proto2 a repeated scalar is unpacked unless the schema says [packed = true]: dims and attribute
 * ints/floats are written one key per value, float_data/int64_data packed; the reader takes both.
 * Portable: no node:* imports.
 */
import { DataError } from '../errors.ts';
import {
  ProtoWriter, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, readFields, readFloat32s, readPackedVarints, readString,
} from './protobuf.ts';
import type { ProtoField } from './protobuf.ts';

export const DATA_TYPE = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11 } as const;
export const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** The values (float32 as written/read; int64 as safe integers). */
  values: Float32Array | Float64Array | number[];
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

/** A graph input or output: a float tensor type with fixed sizes or symbolic names ('N'). */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  dims: Array<number | string>;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetImports: Array<{ domain: string; version: number }>;
  metadata: Array<{ key: string; value: string }>;
  graph: OnnxGraph;
}

// ---------------------------------------------------------------------------------------------- encode

function encodeTensor(tensor: OnnxTensor): Uint8Array {
  const w = new ProtoWriter();
  for (const d of tensor.dims) w.int(1, d);
  w.int(2, tensor.dataType);
  w.string(8, tensor.name);
  if (tensor.dataType === DATA_TYPE.FLOAT) {
    // raw_data: the float32 values' little-endian bytes (written byte by byte: any host order).
    const bytes = new Uint8Array(4 * tensor.values.length);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < tensor.values.length; i++) view.setFloat32(4 * i, tensor.values[i], true);
    w.bytes(9, bytes);
  } else if (tensor.dataType === DATA_TYPE.INT64) {
    w.packedInts(7, Array.from(tensor.values));
  } else {
    throw new RangeError(`encodeTensor: data type ${tensor.dataType} is not written by this library`);
  }
  return w.finish();
}

function encodeAttribute(attribute: OnnxAttribute): Uint8Array {
  const w = new ProtoWriter();
  w.string(1, attribute.name);
  if (attribute.f !== undefined) w.float(2, attribute.f);
  if (attribute.i !== undefined) w.int(3, attribute.i);
  if (attribute.s !== undefined) w.string(4, attribute.s);
  if (attribute.t !== undefined) w.bytes(5, encodeTensor(attribute.t));
  for (const f of attribute.floats ?? []) w.float(7, f);
  for (const i of attribute.ints ?? []) w.int(8, i);
  w.int(20, attribute.type);
  return w.finish();
}

function encodeNode(node: OnnxNode): Uint8Array {
  const w = new ProtoWriter();
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name);
  w.string(4, node.opType);
  for (const attribute of node.attributes) w.bytes(5, encodeAttribute(attribute));
  if (node.domain) w.string(7, node.domain);
  return w.finish();
}

function encodeValueInfo(info: OnnxValueInfo): Uint8Array {
  const shape = new ProtoWriter();
  for (const d of info.dims) {
    const dimension = new ProtoWriter();
    if (typeof d === 'number') dimension.int(1, d);
    else dimension.string(2, d);
    shape.bytes(1, dimension.finish());
  }
  const tensorType = new ProtoWriter();
  tensorType.int(1, info.elemType);
  tensorType.bytes(2, shape.finish());
  const type = new ProtoWriter();
  type.bytes(1, tensorType.finish());
  const w = new ProtoWriter();
  w.string(1, info.name);
  w.bytes(2, type.finish());
  return w.finish();
}

/** The ModelProto bytes of `model`. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const graph = new ProtoWriter();
  for (const node of model.graph.nodes) graph.bytes(1, encodeNode(node));
  graph.string(2, model.graph.name);
  for (const tensor of model.graph.initializers) graph.bytes(5, encodeTensor(tensor));
  for (const input of model.graph.inputs) graph.bytes(11, encodeValueInfo(input));
  for (const output of model.graph.outputs) graph.bytes(12, encodeValueInfo(output));
  const w = new ProtoWriter();
  w.int(1, model.irVersion);
  w.string(2, model.producerName);
  w.string(3, model.producerVersion);
  w.bytes(7, graph.finish());
  for (const opset of model.opsetImports) {
    const entry = new ProtoWriter();
    entry.string(1, opset.domain);
    entry.int(2, opset.version);
    w.bytes(8, entry.finish());
  }
  for (const { key, value } of model.metadata) {
    const entry = new ProtoWriter();
    entry.string(1, key);
    entry.string(2, value);
    w.bytes(14, entry.finish());
  }
  return w.finish();
}

// ---------------------------------------------------------------------------------------------- decode

/** Reads fields with a check that each known field has the wire type the schema gives it. */
class Message {
  readonly fields: ProtoField[];
  constructor(bytes: Uint8Array, readonly where: string) {
    this.fields = readFields(bytes, where);
  }

  private all(field: number, wireTypes: number[], what: string): ProtoField[] {
    const found = this.fields.filter((f) => f.field === field);
    for (const f of found) {
      if (!wireTypes.includes(f.wireType)) {
        throw new DataError(`${this.where}: field ${field} (${what}) has wire type ${f.wireType}, the ONNX schema says ${wireTypes.join(' or ')}`);
      }
    }
    return found;
  }

  int(field: number, what: string, fallback: number): number {
    const found = this.all(field, [WIRE_VARINT], what).at(-1);
    return found ? (found.value as number) : fallback;
  }

  string(field: number, what: string): string {
    const found = this.all(field, [WIRE_LEN], what).at(-1);
    return found ? readString(found.value as Uint8Array, `${this.where} ${what}`) : '';
  }

  strings(field: number, what: string): string[] {
    return this.all(field, [WIRE_LEN], what).map((f) => readString(f.value as Uint8Array, `${this.where} ${what}`));
  }

  messages(field: number, what: string): Uint8Array[] {
    return this.all(field, [WIRE_LEN], what).map((f) => f.value as Uint8Array);
  }

  message(field: number, what: string): Uint8Array | undefined {
    return this.messages(field, what).at(-1);
  }

  /** Repeated varints, unpacked (one key each) or packed (one LEN field), in order. */
  ints(field: number, what: string): number[] {
    return this.all(field, [WIRE_VARINT, WIRE_LEN], what).flatMap((f) =>
      (f.wireType === WIRE_VARINT ? [f.value] : readPackedVarints(f.value, `${this.where} ${what}`)));
  }

  /** Repeated floats, unpacked (I32 each) or packed. */
  floats(field: number, what: string): number[] {
    return this.all(field, [WIRE_I32, WIRE_LEN], what).flatMap((f) => Array.from(readFloat32s(f.value as Uint8Array, `${this.where} ${what}`)));
  }

  float(field: number, what: string): number | undefined {
    const found = this.all(field, [WIRE_I32], what).at(-1);
    return found ? readFloat32s(found.value as Uint8Array, what)[0] : undefined;
  }

  /** Repeated doubles, unpacked (I64 each) or packed. */
  doubles(field: number, what: string): number[] {
    return this.all(field, [WIRE_I64, WIRE_LEN], what).flatMap((f) => {
      const bytes = f.value as Uint8Array;
      if (bytes.length % 8 !== 0) throw new DataError(`${this.where} ${what}: ${bytes.length} bytes is not a whole number of doubles`);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return Array.from({ length: bytes.length / 8 }, (_, i) => view.getFloat64(8 * i, true));
    });
  }

  has(field: number): boolean {
    return this.fields.some((f) => f.field === field);
  }
}

/** A TensorProto's dims, type and values (raw_data or the typed repeated fields). */
export function decodeTensor(bytes: Uint8Array, where: string): OnnxTensor {
  const m = new Message(bytes, where);
  const name = m.string(8, 'TensorProto.name');
  const here = name ? `${where} '${name}'` : where;
  const dims = m.ints(1, 'TensorProto.dims');
  const dataType = m.int(2, 'TensorProto.data_type', 0);
  if (m.int(14, 'TensorProto.data_location', 0) === 1) {
    throw new DataError(`${here}: its data is stored in an external file; only weights inside the .onnx file are read`);
  }
  if (dims.some((d) => d < 0)) throw new DataError(`${here}: negative dimension in dims [${dims.join(', ')}]`);
  const count = dims.reduce((p, d) => p * d, 1);
  const raw = m.message(9, 'TensorProto.raw_data');
  let values: Float32Array | Float64Array | number[];
  if (dataType === DATA_TYPE.FLOAT) {
    values = raw ? readFloat32s(raw, `${here} raw_data`) : Float32Array.from(m.floats(4, 'TensorProto.float_data'));
  } else if (dataType === DATA_TYPE.DOUBLE) {
    values = raw ? Float64Array.from({ length: raw.length / 8 }, (_, i) => new DataView(raw.buffer, raw.byteOffset).getFloat64(8 * i, true))
      : Float64Array.from(m.doubles(10, 'TensorProto.double_data'));
  } else if (dataType === DATA_TYPE.INT64) {
    if (raw) {
      if (raw.length % 8 !== 0) throw new DataError(`${here}: raw_data of ${raw.length} bytes is not whole int64 values`);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      values = Array.from({ length: raw.length / 8 }, (_, i) => Number(view.getBigInt64(8 * i, true)));
    } else {
      values = m.ints(7, 'TensorProto.int64_data');
    }
  } else if (dataType === DATA_TYPE.INT32) {
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      values = Array.from({ length: Math.floor(raw.length / 4) }, (_, i) => view.getInt32(4 * i, true));
    } else {
      values = m.ints(5, 'TensorProto.int32_data');
    }
  } else {
    throw new DataError(`${here}: data type ${dataType} is not read (float32, double, int32 and int64 are)`);
  }
  if (values.length !== count) {
    throw new DataError(`${here}: dims [${dims.join(', ')}] need ${count} values, the tensor holds ${values.length}`);
  }
  return { name, dims, dataType, values };
}

function decodeAttribute(bytes: Uint8Array, where: string): OnnxAttribute {
  const m = new Message(bytes, where);
  const attribute: OnnxAttribute = { name: m.string(1, 'AttributeProto.name'), type: m.int(20, 'AttributeProto.type', 0) };
  const here = `${where} attribute '${attribute.name}'`;
  const f = m.float(2, 'AttributeProto.f');
  if (f !== undefined) attribute.f = f;
  if (m.has(3)) attribute.i = m.int(3, 'AttributeProto.i', 0);
  if (m.has(4)) attribute.s = m.string(4, 'AttributeProto.s');
  const t = m.message(5, 'AttributeProto.t');
  if (t) attribute.t = decodeTensor(t, here);
  if (m.has(7)) attribute.floats = m.floats(7, 'AttributeProto.floats');
  if (m.has(8)) attribute.ints = m.ints(8, 'AttributeProto.ints');
  return attribute;
}

function decodeNode(bytes: Uint8Array, where: string): OnnxNode {
  const m = new Message(bytes, where);
  const node: OnnxNode = {
    name: m.string(3, 'NodeProto.name'),
    opType: m.string(4, 'NodeProto.op_type'),
    domain: m.string(7, 'NodeProto.domain'),
    inputs: m.strings(1, 'NodeProto.input'),
    outputs: m.strings(2, 'NodeProto.output'),
    attributes: [],
  };
  const here = `${where} (${node.opType}${node.name ? ` '${node.name}'` : ''})`;
  node.attributes = m.messages(5, 'NodeProto.attribute').map((a) => decodeAttribute(a, here));
  return node;
}

function decodeValueInfo(bytes: Uint8Array, where: string): OnnxValueInfo {
  const m = new Message(bytes, where);
  const name = m.string(1, 'ValueInfoProto.name');
  const info: OnnxValueInfo = { name, elemType: 0, dims: [] };
  const type = m.message(2, 'ValueInfoProto.type');
  if (!type) return info;
  const tensorType = new Message(type, `${where} '${name}' type`).message(1, 'TypeProto.tensor_type');
  if (!tensorType) return info;
  const tensor = new Message(tensorType, `${where} '${name}' tensor type`);
  info.elemType = tensor.int(1, 'TypeProto.Tensor.elem_type', 0);
  const shape = tensor.message(2, 'TypeProto.Tensor.shape');
  if (shape) {
    info.dims = new Message(shape, `${where} '${name}' shape`).messages(1, 'TensorShapeProto.dim').map((d) => {
      const dimension = new Message(d, `${where} '${name}' dimension`);
      return dimension.has(1) ? dimension.int(1, 'Dimension.dim_value', 0) : dimension.string(2, 'Dimension.dim_param');
    });
  }
  return info;
}

/**
 * Decodes a ModelProto. `source` (the file) prefixes every error.
 * @throws DataError on anything the wire format or this schema does not allow, or a model without a graph.
 */
export function decodeOnnxModel(bytes: Uint8Array, source: string): OnnxModel {
  if (bytes.length === 0) throw new DataError(`${source}: empty file, not an ONNX model`);
  const m = new Message(bytes, `${source}: ModelProto`);
  const graphBytes = m.message(7, 'ModelProto.graph');
  if (!graphBytes) throw new DataError(`${source}: not an ONNX model (no ModelProto.graph, field 7)`);
  const g = new Message(graphBytes, `${source}: GraphProto`);
  const graph: OnnxGraph = {
    name: g.string(2, 'GraphProto.name'),
    nodes: g.messages(1, 'GraphProto.node').map((n, index) => decodeNode(n, `${source}: node ${index}`)),
    initializers: g.messages(5, 'GraphProto.initializer').map((t, index) => decodeTensor(t, `${source}: initializer ${index}`)),
    inputs: g.messages(11, 'GraphProto.input').map((v) => decodeValueInfo(v, `${source}: graph input`)),
    outputs: g.messages(12, 'GraphProto.output').map((v) => decodeValueInfo(v, `${source}: graph output`)),
  };
  return {
    irVersion: m.int(1, 'ModelProto.ir_version', 0),
    producerName: m.string(2, 'ModelProto.producer_name'),
    producerVersion: m.string(3, 'ModelProto.producer_version'),
    opsetImports: m.messages(8, 'ModelProto.opset_import').map((o) => {
      const entry = new Message(o, `${source}: OperatorSetIdProto`);
      return { domain: entry.string(1, 'OperatorSetIdProto.domain'), version: entry.int(2, 'OperatorSetIdProto.version', 0) };
    }),
    metadata: m.messages(14, 'ModelProto.metadata_props').map((e) => {
      const entry = new Message(e, `${source}: StringStringEntryProto`);
      return { key: entry.string(1, 'key'), value: entry.string(2, 'value') };
    }),
    graph,
  };
}
