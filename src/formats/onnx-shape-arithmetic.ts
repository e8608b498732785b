/**
 * Shape arithmetic of an ONNX graph, evaluated while importing (onnx-import.ts): the nodes PyTorch
 * writes to compute a Reshape's target, e.g. for x.view(x.size(0), -1):
 *
 *   Shape(x) = [N, C, H, W] → Gather(index 0) = N → Unsqueeze(axes [0]) = [N] → Concat([N], [-1]) = [N, -1]
 *
 * Values are constants (initializers, Constant nodes) or shapes in which the batch size stays the
 * symbol 'N', so the arithmetic works for any batch size. Only this arithmetic is evaluated: a shape
 * operator applied to activations is refused.
 * Portable: no node:* imports.
 */
import { DataError } from '../errors.ts';
import type { OnnxNode, OnnxTensor } from './onnx-proto.ts';

/** A constant or shape value: dims and elements; 'N' is the symbolic batch size. */
export interface Value {
  dims: number[];
  data: ArrayLike<number | 'N'>;
}

/** The attribute `name` of `node`, if it has one. */
export function attribute(node: OnnxNode, name: string) {
  return node.attributes.find((a) => a.name === name);
}

/** An initializer or Constant tensor as a Value. */
export function tensorValue(tensor: OnnxTensor): Value {
  return { dims: tensor.dims, data: tensor.values };
}

/**
 * The per-example shape a Reshape produces, from its target (N, …) where the first entry is N, 0
 * (copy N) or −1 (then the rest must be fixed and give the per-example size), and one later entry
 * may be −1 (inferred) or 0 (copied from the input).
 */
export function resolveReshape(target: Array<number | 'N'>, shape: number[], where: string): number[] {
  const size = shape.reduce((p, d) => p * d, 1);
  const full = ['N' as const, ...shape];
  const fail = (why: string): never => {
    throw new DataError(`${where}: cannot reshape (N, ${shape.join(', ')}) to [${target.join(', ')}]: ${why}`);
  };
  if (target.length < 2) fail('the batch axis must stay first');
  const [first, ...rest] = target;
  const dims = rest.map((d, i) => (d === 0 ? full[i + 1] ?? fail(`0 copies input axis ${i + 1}, which does not exist`) : d));
  if (dims.some((d) => d === 'N')) fail('N may only be the first axis');
  const fixed = (dims as number[]).filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const inferred = (dims as number[]).filter((d) => d === -1).length;
  if (inferred > 1 || (dims as number[]).some((d) => d < -1)) fail('at most one −1 and no other negative sizes');
  if (first === 'N' || first === 0) {
    if (inferred === 1) {
      if (size % fixed !== 0) fail(`${size} values per example do not divide by ${fixed}`);
      return (dims as number[]).map((d) => (d === -1 ? size / fixed : d));
    }
  } else if (first === -1) {
    if (inferred === 1) fail('with −1 for the batch axis every other size must be given');
  } else {
    fail(`the first axis is ${first}; it must be the batch (N, 0 or −1)`);
  }
  if (fixed !== size) fail(`${fixed} values per example, the input has ${size}`);
  return dims as number[];
}

/** Evaluates Shape, Gather, Unsqueeze, Squeeze, Concat, Constant and Cast on constants and N. */
export function evaluateShapeNode(node: OnnxNode, values: Map<string, Value>, chain: string, shape: number[], where: string): Value {
  const get = (i: number): Value => {
    const name = node.inputs[i];
    const value = name !== undefined ? values.get(name) : undefined;
    if (!value) throw new DataError(`${where}: input '${name ?? ''}' is not a constant or a shape; ${node.opType} is read only for shape arithmetic`);
    return value;
  };
  const ints = (name: string) => attribute(node, name)?.ints;
  switch (node.opType) {
    case 'Constant': {
      const t = attribute(node, 'value')?.t;
      if (t) return tensorValue(t);
      const list = attribute(node, 'value_ints')?.ints;
      if (list) return { dims: [list.length], data: list };
      const single = attribute(node, 'value_int')?.i;
      if (single !== undefined) return { dims: [], data: [single] };
      throw new DataError(`${where}: only Constant with a tensor 'value', 'value_ints' or 'value_int' is read`);
    }
    case 'Shape':
      if (node.inputs[0] !== chain) throw new DataError(`${where}: Shape is read only of the current activations ('${chain}')`);
      return { dims: [shape.length + 1], data: ['N', ...shape] };
    case 'Cast':
      return get(0);
    case 'Gather': {
      const data = get(0);
      const indices = get(1);
      if (data.dims.length !== 1 || (attribute(node, 'axis')?.i ?? 0) !== 0) throw new DataError(`${where}: only Gather on a 1-D shape along axis 0 is read`);
      const picked = Array.from(indices.data, (i) => {
        const index = Number(i);
        const resolved = index < 0 ? index + data.data.length : index;
        if (!Number.isInteger(resolved) || resolved < 0 || resolved >= data.data.length) throw new DataError(`${where}: index ${i} outside a shape of ${data.data.length}`);
        return data.data[resolved];
      });
      return { dims: indices.dims, data: picked };
    }
    case 'Unsqueeze': {
      const value = get(0);
      const axes = ints('axes') ?? (node.inputs[1] ? Array.from(get(1).data, Number) : []);
      const dims = [...value.dims];
      for (const axis of [...axes].sort((a, b) => a - b)) dims.splice(axis < 0 ? axis + dims.length + 1 : axis, 0, 1);
      return { dims, data: value.data };
    }
    case 'Squeeze': {
      const value = get(0);
      return { dims: value.dims.filter((d) => d !== 1), data: value.data };
    }
    case 'Concat': {
      const parts = node.inputs.map((_, i) => get(i));
      if (parts.some((p) => p.dims.length !== 1)) throw new DataError(`${where}: only Concat of 1-D shapes is read`);
      const data = parts.flatMap((p) => Array.from(p.data));
      return { dims: [data.length], data };
    }
    default:
      throw new DataError(`${where}: not a shape operator`);
  }
}
