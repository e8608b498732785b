/**
 * ONNX export: a loaded model (its Net and model file) → an ONNX ModelProto (opset 13, IR version 7).
 *
 * The graph takes what `predict` takes — raw pixel values 0..255 as float32 NCHW `input` of shape
 * (N, C, H, W) (or (N, D) for vector input), N symbolic — and ends in `probabilities` (softmax head)
 * or `scores` (SVM head: the raw class scores). Operator mapping, in order:
 *
 *   preprocessing.mean / .std   Sub, Div with constants of shape (1, C, 1, 1) ((1) for vector input)
 *   preprocessing.whitening     Conv 'preprocessing.whitening': kernel (C, C, k, k), bias −offset, pads k/2
 *   conv                        Conv  kernel_shape [FH, FW], strides [SH, SW], pads [PH, PW, PH, PW],
 *                               dilations [D, D], group 1; W (K, C, FH, FW), B (K)
 *   pool max / avg              MaxPool / AveragePool  kernel_shape, strides (no padding: the library has none)
 *   fc                          Flatten (axis 1) when its input is (C, H, W) — the library's fc reads the
 *                               same row-major C·H·W order — then Gemm transB = 1, W (K, D), B (K)
 *   relu sigmoid tanh           Relu, Sigmoid, Tanh
 *   leaky-relu / elu            LeakyRelu alpha = slope / Elu alpha
 *   maxout k                    Reshape to (N, C/k, k, ...rest) (shape constant [0, C/k, k, ...rest]),
 *                               then ReduceMax axes [2], keepdims 0 (axes is an attribute before opset 18)
 *   batchnorm                   BatchNormalization (inference form) epsilon, momentum;
 *                               scale = γ, B = β, input_mean = running mean, input_var = running variance
 *   dropout                     nothing: at inference dropout is the identity (the library's is inverted)
 *   softmax                     Softmax axis 1 → `probabilities`
 *   svm                         nothing: the scores before it are the output `scores`
 * Weights are FLOAT initializers in raw_data (little-endian float32), named `<layer>.<parameter>`.
 * Class names and the whitening ε ride along as metadata_props, so `import` restores the model file.
 * Portable: no node:* imports; the command (src/cli/export-onnx-command.ts) writes the bytes.
 */
import { ConfigError } from '../errors.ts';
import type { Layer } from '../layers/layer.ts';
import type { LayerDefinition } from '../nn/definition.ts';
import type { ModelFile } from '../nn/model-file.ts';
import type { Net } from '../nn/net.ts';
import { ATTRIBUTE_TYPE, DATA_TYPE, encodeOnnxModel } from './onnx-proto.ts';
import type { OnnxAttribute, OnnxModel, OnnxNode, OnnxTensor } from './onnx-proto.ts';

/** The operator set the graph is written against (the default ai.onnx domain). */
export const ONNX_OPSET = 13;
/** IR version 7 goes with opset 13 (ONNX 1.8). */
export const ONNX_IR_VERSION = 7;
/** Name of the whitening Conv node; `import` recognizes it and restores `preprocessing.whitening`. */
export const WHITENING_NODE = 'preprocessing.whitening';
export const METADATA_CLASS_NAMES = 'convnet-ts.classNames';
export const METADATA_WHITENING_EPSILON = 'convnet-ts.whitening.epsilon';

const ints = (name: string, values: number[]): OnnxAttribute => ({ name, type: ATTRIBUTE_TYPE.INTS, ints: values });
const int = (name: string, value: number): OnnxAttribute => ({ name, type: ATTRIBUTE_TYPE.INT, i: value });
const float = (name: string, value: number): OnnxAttribute => ({ name, type: ATTRIBUTE_TYPE.FLOAT, f: value });

function floatTensor(name: string, dims: number[], values: ArrayLike<number>): OnnxTensor {
  return { name, dims, dataType: DATA_TYPE.FLOAT, values: Float32Array.from(values as ArrayLike<number>) };
}

function parameter(layer: Layer, name: string): Float32Array {
  const found = layer.parameters().find((p) => p.name === name) ?? layer.buffers?.().find((b) => b.name === name);
  if (!found) throw new ConfigError(`export-onnx: layer ${layer.name} has no '${name}'`);
  return found.value.data;
}

/**
 * Builds the ONNX model of `net` (built from `file.definition`, weights loaded). `producerVersion`
 * is the library's version. Shapes: input (N, ...net.inputShape) → output (N, classes).
 */
export function netToOnnx(net: Net, file: ModelFile, producerVersion: string): OnnxModel {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  let current = 'input';
  const add = (opType: string, name: string, inputs: string[], attributes: OnnxAttribute[] = []): void => {
    const output = `${name}.out`;
    nodes.push({ name, opType, domain: '', inputs: [current, ...inputs], outputs: [output], attributes });
    current = output;
  };
  const image = net.inputShape.length === 3;
  const channels = image ? net.inputShape[0] : 1;

  const preprocessing = file.preprocessing;
  if (preprocessing) {
    // mean/std may list one value for all channels: expand so the constant's shape is always (1, C, 1, 1).
    const expand = (values: readonly number[]) => Array.from({ length: channels }, (_, c) => values[values.length === 1 ? 0 : c]);
    const dims = image ? [1, channels, 1, 1] : [1];
    initializers.push(floatTensor('preprocessing.mean', dims, expand(preprocessing.mean)));
    initializers.push(floatTensor('preprocessing.std', dims, expand(preprocessing.std)));
    add('Sub', 'preprocessing.subtract_mean', ['preprocessing.mean']);
    add('Div', 'preprocessing.divide_by_std', ['preprocessing.std']);
    const whitening = preprocessing.whitening;
    if (whitening) {
      const k = whitening.size;
      const half = k >> 1;
      initializers.push(floatTensor(`${WHITENING_NODE}.kernel`, [channels, channels, k, k], whitening.kernel));
      initializers.push(floatTensor(`${WHITENING_NODE}.bias`, [channels], whitening.offset.map((o) => -o)));
      add('Conv', WHITENING_NODE, [`${WHITENING_NODE}.kernel`, `${WHITENING_NODE}.bias`], [
        ints('kernel_shape', [k, k]), ints('strides', [1, 1]), ints('pads', [half, half, half, half]), ints('dilations', [1, 1]), int('group', 1),
      ]);
    }
  }

  let outputName = 'scores';
  net.layers.forEach((layer, index) => {
    const definition = file.definition[index + 1] as LayerDefinition;
    const name = layer.name;
    const weight = (parameterName: string, dims: number[]): string => {
      const tensorName = `${name}.${parameterName}`;
      initializers.push(floatTensor(tensorName, dims, parameter(layer, parameterName)));
      return tensorName;
    };
    switch (definition.type) {
      case 'conv': {
        const [channelsIn] = layer.inputShape;
        const [fh, fw] = definition.size;
        add('Conv', name, [weight('weights', [definition.filters, channelsIn, fh, fw]), weight('bias', [definition.filters])], [
          ints('kernel_shape', [fh, fw]), ints('strides', [...definition.stride]),
          ints('pads', [definition.pad[0], definition.pad[1], definition.pad[0], definition.pad[1]]),
          ints('dilations', [definition.dilation, definition.dilation]), int('group', 1),
        ]);
        break;
      }
      case 'pool':
        add(definition.mode === 'max' ? 'MaxPool' : 'AveragePool', name, [], [ints('kernel_shape', [...definition.size]), ints('strides', [...definition.stride])]);
        break;
      case 'fc': {
        const inputSize = layer.inputShape.reduce((p, d) => p * d, 1);
        if (layer.inputShape.length > 1) add('Flatten', `${name}.flatten`, [], [int('axis', 1)]);
        add('Gemm', name, [weight('weights', [definition.units, inputSize]), weight('bias', [definition.units])], [
          float('alpha', 1), float('beta', 1), int('transA', 0), int('transB', 1),
        ]);
        break;
      }
      case 'relu': add('Relu', name, []); break;
      case 'sigmoid': add('Sigmoid', name, []); break;
      case 'tanh': add('Tanh', name, []); break;
      case 'leaky-relu': add('LeakyRelu', name, [], [float('alpha', definition.slope)]); break;
      case 'elu': add('Elu', name, [], [float('alpha', definition.alpha)]); break;
      case 'maxout': {
        const [groupsTimesPieces, ...rest] = layer.inputShape;
        const shapeName = `${name}.shape`;
        initializers.push({ name: shapeName, dims: [3 + rest.length], dataType: DATA_TYPE.INT64, values: [0, groupsTimesPieces / definition.pieces, definition.pieces, ...rest] });
        add('Reshape', `${name}.group`, [shapeName]);
        add('ReduceMax', name, [], [ints('axes', [2]), int('keepdims', 0)]);
        break;
      }
      case 'batchnorm': {
        const size = layer.inputShape[0];
        const bn = layer as Layer & { eps: number; momentum: number };
        add('BatchNormalization', name, [weight('gamma', [size]), weight('beta', [size]), weight('runningMean', [size]), weight('runningVariance', [size])], [
          float('epsilon', bn.eps), float('momentum', bn.momentum),
        ]);
        break;
      }
      case 'pad': {
        // Zero padding per side (what a ConvNetJS import writes before a conv whose output size it
        // floors). A negative amount crops, which ONNX's Pad does not promise to do: refused.
        const { top, bottom, left, right } = definition;
        if (Math.min(top, bottom, left, right) < 0) {
          throw new ConfigError(`export-onnx: ${name} crops (top ${top}, bottom ${bottom}, left ${left}, right ${right}); only non-negative zero padding has an ONNX mapping here`);
        }
        const padsName = `${name}.pads`;
        initializers.push({ name: padsName, dims: [8], dataType: DATA_TYPE.INT64, values: [0, 0, top, left, 0, 0, bottom, right] });
        add('Pad', name, [padsName]); // mode 'constant' and value 0 are Pad's defaults
        break;
      }
      case 'dropout': break;
      case 'softmax':
        add('Softmax', name, [], [int('axis', 1)]);
        outputName = 'probabilities';
        break;
      case 'svm': break;
      case 'input': throw new ConfigError(`export-onnx: 'input' may only be the first layer`);
      default: {
        const unmapped: never = definition;
        throw new ConfigError(`export-onnx: no ONNX mapping for layer type ${JSON.stringify((unmapped as { type: string }).type)}`);
      }
    }
  });
  // The last node writes the graph's output under its public name.
  const last = nodes.at(-1);
  if (!last) throw new ConfigError('export-onnx: the network has no layers to export');
  last.outputs[0] = outputName;

  const metadata: Array<{ key: string; value: string }> = [];
  if (file.classNames) metadata.push({ key: METADATA_CLASS_NAMES, value: JSON.stringify(file.classNames) });
  if (preprocessing?.whitening) metadata.push({ key: METADATA_WHITENING_EPSILON, value: String(preprocessing.whitening.epsilon) });
  return {
    irVersion: ONNX_IR_VERSION,
    producerName: 'convnet-ts',
    producerVersion,
    opsetImports: [{ domain: '', version: ONNX_OPSET }],
    metadata,
    graph: {
      name: 'convnet-ts',
      nodes,
      initializers,
      inputs: [{ name: 'input', elemType: DATA_TYPE.FLOAT, dims: ['N', ...net.inputShape] }],
      outputs: [{ name: outputName, elemType: DATA_TYPE.FLOAT, dims: ['N', net.classes] }],
    },
  };
}

/** The .onnx file's bytes for `net` (see netToOnnx). */
export function exportOnnx(net: Net, file: ModelFile, producerVersion: string): Uint8Array {
  return encodeOnnxModel(netToOnnx(net, file, producerVersion));
}
