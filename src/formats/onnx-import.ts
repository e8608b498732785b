/**
 * ONNX import: an ONNX model of a sequential CNN → a convnet-ts model file (the subset that
 * onnx-export.ts writes, and what PyTorch 1.13+ writes for the same networks).
 *
 * The graph is walked node by node along ONE chain of activations, from the graph input to its
 * output. Each node that takes the chain becomes a layer (or preprocessing); nodes that only compute
 * a shape are evaluated here, on constants and the symbolic batch size N. Read:
 *
 *   Sub, Div (before any layer, constant of 1 or C values)   → preprocessing.mean / .std
 *   Conv named 'preprocessing.whitening' (before any layer)   → preprocessing.whitening
 *   Conv (group 1, symmetric pads, equal dilations, auto_pad NOTSET/VALID)            → conv
 *   MaxPool / AveragePool (no pads, ceil_mode 0, dilations 1)                         → pool
 *   Flatten (axis 1); Reshape to (N, D) — its shape a constant such as [-1, D] or [0, -1], or
 *     built by Shape → Gather → Unsqueeze → Concat as PyTorch writes for x.view(x.size(0), -1)
 *                                                              → nothing (fc reads C·H·W row-major)
 *   Gemm (transA 0, any transB, alpha/beta folded into W and B)                       → fc
 *   Relu, Sigmoid, Tanh, LeakyRelu (alpha), Elu (alpha)          → activation layers
 *   Reshape (N, C, …) → (N, C/k, k, …) then ReduceMax axes [2] keepdims 0            → maxout k
 *   BatchNormalization (inference: training_mode 0)              → batchnorm (epsilon, momentum)
 *   Dropout, Identity                                            → nothing (identity at inference)
 *   Pad with all pads 0 (PyTorch writes one before AvgPool2d)    → nothing
 *   Softmax (axis 1 or −1 on (N, K)), last                       → softmax; a graph ending in raw
 *                                                                  scores gets an svm layer
 *   Shape, Gather, Unsqueeze, Squeeze, Concat, Constant, Cast    → evaluated (shape arithmetic only)
 * Anything else is refused before any work with the list of unsupported operators and their nodes.
 * Every refusal is a DataError naming the file and the node (index and name).
 * Portable: no node:* imports.
 */
import { ConfigError, DataError, ShapeError } from '../errors.ts';
import { convOutputShape, poolOutputShape } from '../layers/conv-shape.ts';
import { buildNet } from '../nn/build-net.ts';
import type { LayerDefinition } from '../nn/definition.ts';
import { parseJsonDefinition } from '../nn/definition.ts';
import { netToModelFile } from '../nn/model-file.ts';
import type { ModelFile, Preprocessing } from '../nn/model-file.ts';
import { Rng } from '../tensor/rng.ts';
import { DATA_TYPE, decodeOnnxModel } from './onnx-proto.ts';
import type { OnnxModel } from './onnx-proto.ts';
import { attribute, evaluateShapeNode, resolveReshape, tensorValue } from './onnx-shape-arithmetic.ts';
import type { Value } from './onnx-shape-arithmetic.ts';
import { METADATA_CLASS_NAMES, METADATA_WHITENING_EPSILON, WHITENING_NODE } from './onnx-export.ts';

/** Operators that become layers or preprocessing. */
export const LAYER_OPERATORS = [
  'Sub', 'Div', 'Conv', 'MaxPool', 'AveragePool', 'Flatten', 'Reshape', 'Gemm', 'Relu', 'Sigmoid', 'Tanh',
  'LeakyRelu', 'Elu', 'ReduceMax', 'BatchNormalization', 'Dropout', 'Identity', 'Pad', 'Softmax',
] as const;
/** Operators evaluated while reading (shape arithmetic on constants and N). */
export const SHAPE_OPERATORS = ['Shape', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Constant', 'Cast'] as const;

/** Decodes an ONNX file and converts it; `source` (the file) is named in every error. */
export function importOnnx(bytes: Uint8Array, source: string): ModelFile {
  return onnxToModelFile(decodeOnnxModel(bytes, source), source);
}

/** Converts a decoded ONNX model into a model file (see the module comment for what is read). */
export function onnxToModelFile(model: OnnxModel, source: string): ModelFile {
  const { graph } = model;
  const opset = model.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version;
  if (opset === undefined) throw new DataError(`${source}: no opset_import for the default ONNX domain`);
  if (opset < 9) throw new DataError(`${source}: opset ${opset} is too old; opset 9 or later is read (13 is written)`);

  const nodeWhere = (index: number) => {
    const node = graph.nodes[index];
    return `${source}: node ${index}${node.name ? ` '${node.name}'` : ''} (${node.opType})`;
  };
  // 1. Refuse unsupported operators up front, all of them at once.
  const known = new Set<string>([...LAYER_OPERATORS, ...SHAPE_OPERATORS]);
  const unsupported = graph.nodes
    .map((node, index) => ({ node, index }))
    .filter(({ node }) => !known.has(node.opType) || (node.domain !== '' && node.domain !== 'ai.onnx'));
  if (unsupported.length > 0) {
    const operators = [...new Set(unsupported.map(({ node }) => (node.domain ? `${node.domain}.${node.opType}` : node.opType)))];
    const where = unsupported.map(({ node, index }) => `${node.opType} at node ${index}${node.name ? ` '${node.name}'` : ''}`);
    throw new DataError(`${source}: unsupported ONNX operators ${operators.join(', ')} (${where.join('; ')}); supported: ${[...LAYER_OPERATORS, ...SHAPE_OPERATORS].join(', ')}`);
  }

  // 2. The input: one float tensor (N, ...inputShape) that is not an initializer.
  const values = new Map<string, Value>();
  for (const tensor of graph.initializers) values.set(tensor.name, tensorValue(tensor));
  const inputs = graph.inputs.filter((input) => !values.has(input.name));
  if (inputs.length !== 1) throw new DataError(`${source}: expected one graph input (the images), got ${inputs.length}: ${inputs.map((i) => i.name).join(', ')}`);
  const input = inputs[0];
  const inputShape = input.dims.slice(1);
  if (input.elemType !== DATA_TYPE.FLOAT || input.dims.length < 2 || inputShape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)) {
    throw new DataError(`${source}: graph input '${input.name}' must be float32 (N, C, H, W) or (N, D) with fixed C, H, W; got type ${input.elemType}, shape (${input.dims.join(', ')})`);
  }
  if (graph.outputs.length !== 1) throw new DataError(`${source}: expected one graph output (the class scores), got ${graph.outputs.length}`);

  let chain = input.name;
  let shape = inputShape as number[];
  const definitions: LayerDefinition[] = [{ type: 'input', shape: [...shape] }];
  const weights: Array<Record<string, Float32Array>> = [];
  const mean: number[] = [];
  const std: number[] = [];
  let whitening: Preprocessing['whitening'];
  let pendingMaxout: { pieces: number; node: number } | undefined;
  let endsInSoftmax = false;
  const layerStarted = () => definitions.length > 1;
  const channels = shape.length === 3 ? shape[0] : 1;

  const constant = (name: string | undefined, where: string, what: string): Value => {
    const value = name ? values.get(name) : undefined;
    if (!value) throw new DataError(`${where}: its ${what} '${name ?? ''}' must be a constant (an initializer or Constant node)`);
    return value;
  };
  const floats = (value: Value, where: string, what: string, size: number): Float32Array => {
    if (value.data.length !== size) throw new DataError(`${where}: ${what} has ${value.data.length} values, expected ${size} for input shape (${shape.join(', ')})`);
    return Float32Array.from(value.data as ArrayLike<number>);
  };
  const push = (definition: LayerDefinition, tensors: Record<string, Float32Array> = {}) => {
    definitions.push(definition);
    weights.push(tensors);
  };

  graph.nodes.forEach((node, index) => {
    const where = nodeWhere(index);
    const intsOf = (name: string, fallback: number[]) => attribute(node, name)?.ints ?? fallback;
    const intOf = (name: string, fallback: number) => attribute(node, name)?.i ?? fallback;
    const floatOf = (name: string, fallback: number) => {
      const f = attribute(node, name)?.f;
      return f === undefined ? fallback : shortestDecimal(f);
    };

    // Shape arithmetic: nodes whose inputs are all constants or shapes.
    if ((SHAPE_OPERATORS as readonly string[]).includes(node.opType)) {
      values.set(node.outputs[0], evaluateShapeNode(node, values, chain, shape, where));
      return;
    }
    if (node.inputs[0] !== chain) {
      throw new DataError(`${where}: its input '${node.inputs[0]}' is not the output of the node before it ('${chain}'); only sequential networks are read`);
    }
    if (pendingMaxout && node.opType !== 'ReduceMax') {
      throw new DataError(`${where}: a Reshape to groups (node ${pendingMaxout.node}) must be followed by ReduceMax over axis 2 (maxout)`);
    }
    if (endsInSoftmax) throw new DataError(`${where}: nothing may follow Softmax; it must be the last node`);
    const image = shape.length === 3;
    switch (node.opType) {
      case 'Sub': case 'Div': {
        const target = node.opType === 'Sub' ? mean : std;
        if (layerStarted() || whitening || target.length > 0 || (node.opType === 'Sub' && std.length > 0)) {
          throw new DataError(`${where}: ${node.opType} is read only as preprocessing at the front (Sub mean, then Div std, before any layer)`);
        }
        const value = constant(node.inputs[1], where, node.opType === 'Sub' ? 'subtrahend' : 'divisor');
        if (value.data.length !== 1 && value.data.length !== channels) {
          throw new DataError(`${where}: a ${node.opType} constant needs 1 or ${channels} values (one per channel), got ${value.data.length}`);
        }
        target.push(...Array.from(value.data as ArrayLike<number>));
        break;
      }
      case 'Conv': {
        const w = constant(node.inputs[1], where, 'weight');
        if (!image || w.dims.length !== 4 || w.dims[1] !== shape[0]) {
          throw new DataError(`${where}: weights (${w.dims.join(', ')}) do not fit input (${shape.join(', ')}); expected (K, ${shape[0]}, FH, FW) on a (C, H, W) input`);
        }
        const [k, c, fh, fw] = w.dims;
        const group = intOf('group', 1);
        const autoPad = attribute(node, 'auto_pad')?.s ?? 'NOTSET';
        const pads = intsOf('pads', [0, 0, 0, 0]);
        const strides = intsOf('strides', [1, 1]);
        const dilations = intsOf('dilations', [1, 1]);
        const kernelShape = intsOf('kernel_shape', [fh, fw]);
        if (group !== 1 || (autoPad !== 'NOTSET' && autoPad !== 'VALID') || pads.length !== 4 || pads[0] !== pads[2] || pads[1] !== pads[3] ||
            dilations[0] !== dilations[1] || kernelShape[0] !== fh || kernelShape[1] !== fw) {
          throw new DataError(`${where}: only group 1, symmetric pads, equal dilations and explicit padding are read; got group ${group}, pads [${pads}], dilations [${dilations}], auto_pad ${autoPad}`);
        }
        const bias = node.inputs[2] ? floats(constant(node.inputs[2], where, 'bias'), where, 'bias', k) : new Float32Array(k);
        const kernel = floats(w, where, 'weights', k * c * fh * fw);
        const geometry = shapeCheck(where, () => convOutputShape({
          inputHeight: shape[1], inputWidth: shape[2], filterHeight: fh, filterWidth: fw, strideH: strides[0], strideW: strides[1],
          padH: pads[0], padW: pads[1], dilationH: dilations[0], dilationW: dilations[1],
        }, where));
        if (node.name === WHITENING_NODE && !layerStarted() && !whitening) {
          if (fh !== fw || fh % 2 === 0 || k !== c || pads[0] !== fh >> 1 || pads[1] !== fh >> 1 || strides[0] !== 1 || strides[1] !== 1 || dilations[0] !== 1) {
            throw new DataError(`${where}: a whitening Conv must be C→C, k×k with odd k, stride 1 and pads k/2`);
          }
          const epsilon = Number(model.metadata.find((m) => m.key === METADATA_WHITENING_EPSILON)?.value ?? NaN);
          whitening = { size: fh, epsilon: Number.isFinite(epsilon) ? epsilon : 0, kernel: Array.from(kernel), offset: Array.from(bias, (b) => -b) };
          break;
        }
        push({ type: 'conv', filters: k, size: [fh, fw], stride: [strides[0], strides[1]], pad: [pads[0], pads[1]], dilation: dilations[0] }, { weights: kernel, bias });
        shape = [k, geometry.outputHeight, geometry.outputWidth];
        break;
      }
      case 'MaxPool': case 'AveragePool': {
        const kernelShape = intsOf('kernel_shape', []);
        const strides = intsOf('strides', [1, 1]);
        const pads = intsOf('pads', [0, 0, 0, 0]);
        const dilations = intsOf('dilations', [1, 1]);
        const autoPad = attribute(node, 'auto_pad')?.s ?? 'NOTSET';
        if (!image || kernelShape.length !== 2 || pads.some((p) => p !== 0) || dilations.some((d) => d !== 1) || intOf('ceil_mode', 0) !== 0 ||
            (autoPad !== 'NOTSET' && autoPad !== 'VALID')) {
          throw new DataError(`${where}: only 2-D pooling without padding, dilation or ceil_mode is read; got kernel_shape [${kernelShape}], pads [${pads}], dilations [${dilations}], ceil_mode ${intOf('ceil_mode', 0)} on input (${shape.join(', ')})`);
        }
        const geometry = shapeCheck(where, () => poolOutputShape({
          inputHeight: shape[1], inputWidth: shape[2], filterHeight: kernelShape[0], filterWidth: kernelShape[1], strideH: strides[0], strideW: strides[1],
        }, where));
        push({ type: 'pool', mode: node.opType === 'MaxPool' ? 'max' : 'avg', size: [kernelShape[0], kernelShape[1]], stride: [strides[0], strides[1]] });
        shape = [shape[0], geometry.outputHeight, geometry.outputWidth];
        break;
      }
      case 'Flatten': {
        if (intOf('axis', 1) !== 1) throw new DataError(`${where}: only Flatten with axis 1 (keep the batch axis) is read, got axis ${intOf('axis', 1)}`);
        shape = [shape.reduce((p, d) => p * d, 1)];
        break;
      }
      case 'Reshape': {
        const target = constant(node.inputs[1], where, 'shape');
        const resolved = resolveReshape(Array.from(target.data), shape, where);
        const next = graph.nodes[index + 1];
        if (resolved.length === 1) {
          shape = resolved;
        } else if (next?.opType === 'ReduceMax' && resolved.length === shape.length + 1 && resolved[0] * resolved[1] === shape[0] &&
                   resolved.slice(2).every((d, i) => d === shape[i + 1])) {
          pendingMaxout = { pieces: resolved[1], node: index };
          shape = resolved;
        } else {
          throw new DataError(`${where}: reshapes (${shape.join(', ')}) to (${resolved.join(', ')}); only a flatten to (N, D) or maxout's grouping (N, C/k, k, ...) followed by ReduceMax is read`);
        }
        break;
      }
      case 'ReduceMax': {
        const axes = attribute(node, 'axes')?.ints ?? (node.inputs[1] ? Array.from(constant(node.inputs[1], where, 'axes').data as ArrayLike<number>) : []);
        const rank = shape.length + 1;
        if (!pendingMaxout || axes.length !== 1 || (axes[0] !== 2 && axes[0] !== 2 - rank) || intOf('keepdims', 1) !== 0) {
          throw new DataError(`${where}: ReduceMax is read only as maxout: after a Reshape to (N, C/k, k, ...), axes [2], keepdims 0; got axes [${axes}], keepdims ${intOf('keepdims', 1)}`);
        }
        const pieces = pendingMaxout.pieces;
        shape = [shape[0], ...shape.slice(2)];
        pendingMaxout = undefined;
        push({ type: 'maxout', pieces });
        break;
      }
      case 'Gemm': {
        if (shape.length !== 1) throw new DataError(`${where}: Gemm needs a 2-D input (N, D) but gets (N, ${shape.join(', ')}); flatten first`);
        if (intOf('transA', 0) !== 0) throw new DataError(`${where}: transA 1 is not read (the input must be (N, D))`);
        const b = constant(node.inputs[1], where, 'weight');
        const transB = intOf('transB', 0) === 1;
        const d = shape[0];
        if (b.dims.length !== 2 || (transB ? b.dims[1] : b.dims[0]) !== d) {
          throw new DataError(`${where}: weight (${b.dims.join(', ')}) does not fit input size ${d}; expected ${transB ? `(K, ${d}) with transB 1` : `(${d}, K) with transB 0`}`);
        }
        const units = transB ? b.dims[0] : b.dims[1];
        const alpha = floatOf('alpha', 1);
        const beta = floatOf('beta', 1);
        const raw = floats(b, where, 'weight', units * d);
        const w = new Float32Array(units * d);
        for (let k = 0; k < units; k++) for (let j = 0; j < d; j++) w[k * d + j] = alpha * (transB ? raw[k * d + j] : raw[j * units + k]);
        const bias = new Float32Array(units);
        if (node.inputs[2]) {
          const c = constant(node.inputs[2], where, 'bias');
          if (c.data.length !== units && c.data.length !== 1) throw new DataError(`${where}: bias has ${c.data.length} values, expected ${units}`);
          for (let k = 0; k < units; k++) bias[k] = beta * Number(c.data[c.data.length === 1 ? 0 : k]);
        }
        push({ type: 'fc', units }, { weights: w, bias });
        shape = [units];
        break;
      }
      case 'Relu': push({ type: 'relu' }); break;
      case 'Sigmoid': push({ type: 'sigmoid' }); break;
      case 'Tanh': push({ type: 'tanh' }); break;
      case 'LeakyRelu': push({ type: 'leaky-relu', slope: floatOf('alpha', 0.01) }); break;
      case 'Elu': push({ type: 'elu', alpha: floatOf('alpha', 1) }); break;
      case 'BatchNormalization': {
        if (intOf('training_mode', 0) !== 0 || node.outputs.slice(1).some((o) => o !== '')) {
          throw new DataError(`${where}: only BatchNormalization in inference mode (one output, training_mode 0) is read`);
        }
        const size = shape[0];
        const [gamma, beta, runningMean, runningVariance] = ['scale', 'B', 'input_mean', 'input_var'].map((what, i) =>
          floats(constant(node.inputs[i + 1], where, what), where, what, size));
        const momentum = floatOf('momentum', 0.9);
        push({ type: 'batchnorm', eps: floatOf('epsilon', 1e-5), ...(momentum >= 0 && momentum < 1 ? { momentum } : {}) }, { gamma, beta, runningMean, runningVariance });
        break;
      }
      case 'Pad': {
        const pads = attribute(node, 'pads')?.ints ?? Array.from(constant(node.inputs[1], where, 'pads').data as ArrayLike<number>);
        if (pads.every((p) => p === 0)) break; // the identity PyTorch writes before AvgPool2d
        // Zero padding of H and W only, as export-onnx writes a library `pad` layer: [0, 0, top, left, 0, 0, bottom, right].
        const mode = attribute(node, 'mode')?.s;
        const zeroFill = node.inputs[2] === undefined || node.inputs[2] === '' || Array.from(constant(node.inputs[2], where, 'constant_value').data as ArrayLike<number>).every((v) => v === 0);
        if (pads.length !== 8 || shape.length !== 3 || pads[0] !== 0 || pads[1] !== 0 || pads[4] !== 0 || pads[5] !== 0 || pads.some((p) => p < 0) || (mode !== undefined && mode !== 'constant') || !zeroFill) {
          throw new DataError(`${where}: only zero Pad of the height and width of (N, C, H, W) is read; got pads [${pads}]${mode ? `, mode '${mode}'` : ''}`);
        }
        const [top, left, bottom, right] = [pads[2]!, pads[3]!, pads[6]!, pads[7]!];
        push({ type: 'pad', top, bottom, left, right });
        shape = [shape[0]!, shape[1]! + top + bottom, shape[2]! + left + right];
        break;
      }
      case 'Dropout': case 'Identity':
        if (node.outputs.slice(1).some((o) => o !== '' && graph.nodes.some((n) => n.inputs.includes(o)))) {
          throw new DataError(`${where}: Dropout's mask output is used; only inference-mode Dropout is read`);
        }
        break;
      case 'Softmax': {
        const axis = intOf('axis', opset >= 13 ? -1 : 1);
        if (shape.length !== 1 || (axis !== 1 && axis !== -1)) {
          throw new DataError(`${where}: Softmax is read over the class axis of (N, K) scores; got axis ${axis} on (N, ${shape.join(', ')})`);
        }
        endsInSoftmax = true;
        break;
      }
    }
    chain = node.outputs[0];
  });

  const output = graph.outputs[0].name;
  if (chain !== output) throw new DataError(`${source}: the graph's output '${output}' is not the end of the chain of nodes ('${chain}')`);
  if (shape.length !== 1) throw new DataError(`${source}: the graph ends in (N, ${shape.join(', ')}), not in class scores (N, K)`);
  const declared = graph.outputs[0].dims;
  if (declared.length > 0 && (declared.length !== 2 || (typeof declared[1] === 'number' && declared[1] !== shape[0]))) {
    throw new DataError(`${source}: the graph output '${output}' is declared (${declared.join(', ')}) but its last node (node ${graph.nodes.length - 1}) gives (N, ${shape[0]}) class scores`);
  }
  push({ type: endsInSoftmax ? 'softmax' : 'svm' });

  const classNamesText = model.metadata.find((m) => m.key === METADATA_CLASS_NAMES)?.value;
  let classNames: string[] | undefined;
  if (classNamesText !== undefined) {
    try {
      const parsed: unknown = JSON.parse(classNamesText);
      if (Array.isArray(parsed) && parsed.every((n) => typeof n === 'string') && parsed.length === shape[0]) classNames = parsed;
    } catch {
      classNames = undefined;
    }
  }
  const preprocessing: Preprocessing | undefined = mean.length > 0 || std.length > 0 || whitening
    ? { mean: mean.length > 0 ? mean : [0], std: std.length > 0 ? std : [1], ...(whitening ? { whitening } : {}) }
    : undefined;
  return buildModelFile(definitions, weights, source, { classNames, preprocessing });
}

/** Builds the net (the library's own checks), copies the weights in, and captures it as a model file. */
function buildModelFile(
  definitions: LayerDefinition[], weights: Array<Record<string, Float32Array>>, source: string,
  extras: { classNames?: string[]; preprocessing?: Preprocessing },
): ModelFile {
  let normalized: LayerDefinition[];
  let net;
  try {
    normalized = parseJsonDefinition(definitions);
    net = buildNet(normalized, new Rng(0));
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof ShapeError)) throw error;
    throw new DataError(`${source}: the imported network does not build: ${error.message}`);
  }
  net.layers.forEach((layer, index) => {
    const tensors = weights[index];
    for (const entry of [...layer.parameters(), ...(layer.buffers?.() ?? [])]) {
      const values = tensors[entry.name];
      if (!values) continue;
      if (values.length !== entry.value.size) throw new DataError(`${source}: ${layer.name}.${entry.name} needs ${entry.value.size} values, got ${values.length}`);
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new DataError(`${source}: ${layer.name}.${entry.name}[${bad}] is ${values[bad]}; weights must be finite`);
      entry.value.data.set(values);
    }
  });
  return netToModelFile(net, normalized, {
    ...(extras.classNames ? { classNames: extras.classNames } : {}),
    ...(extras.preprocessing ? { preprocessing: extras.preprocessing } : {}),
  });
}

/**
 * A float attribute is a float32: 0.9 is stored as 0.89999997615814209. The shortest decimal that
 * rounds to the same float32 (here 0.9) is an equally exact reading and keeps the model file readable.
 */
export function shortestDecimal(value: number): number {
  const target = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === target) return candidate;
  }
  return value;
}

function shapeCheck<T>(where: string, compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    if (error instanceof ShapeError || error instanceof ConfigError) throw new DataError(error.message.startsWith(where) ? error.message : `${where}: ${error.message}`);
    throw error;
  }
}
