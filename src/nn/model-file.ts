/**
 * Model files: a network as versioned, human-readable JSON.
 *
 *   {
 *     "format": "convnet-ts-model", "version": 1,
 *     "inputShape": [3, 32, 32],
 *     "definition": [ {type: 'input', ...}, {type: 'conv', filters: 16, ...}, ... ],   // normalized
 *     "classNames": ["airplane", ...],                                                // optional
 *     "preprocessing": { "mean": [...per channel], "std": [...],                      // optional
 *                        "whitening": { "size": 5, "epsilon": 0.1, "kernel": [...], "offset": [...] } },  // optional
 *     "layers": [ { "name": "conv1", "type": "conv",
 *                   "parameters": { "weights": { "shape": [16, 3, 5, 5], "float32": "<base64>" }, ... },
 *                   "buffers":    { "runningMean": { ... } } }, ... ]
 *   }
 *
 * Hyper-parameters are spelled out in `definition`, weights are base64 of little-endian float32
 * (see float-codec.ts), so the file is exact, compact and readable from any language. This module is
 * portable: it turns a Net into a JSON-ready object and back; writing the file (atomically) is the
 * Node side's job (src/io/atomic-write.ts).
 */
import { DataError } from '../errors.ts';
import type { Normalization } from '../data/dataset.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { LayerDefinition } from './definition.ts';
import { decodeFloat32, encodeFloat32 } from './float-codec.ts';
import type { Net } from './net.ts';

export const MODEL_FORMAT = 'convnet-ts-model';
export const MODEL_VERSION = 1;

export interface EncodedTensor {
  shape: number[];
  float32: string;
}

/** Per-channel mean subtracted from 0..255 pixels, then divided by std, then optional patch whitening (src/data/). */
export type Preprocessing = Normalization;

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: number;
  inputShape: number[];
  definition: LayerDefinition[];
  classNames?: string[];
  preprocessing?: Preprocessing;
  layers: Array<{
    name: string;
    type: string;
    parameters: Record<string, EncodedTensor>;
    buffers: Record<string, EncodedTensor>;
  }>;
}

function encodeTensor(tensor: Tensor): EncodedTensor {
  return { shape: [...tensor.shape], float32: encodeFloat32(tensor.data) };
}

function decodeInto(target: Tensor, encoded: EncodedTensor | undefined, where: string): void {
  if (!encoded || typeof encoded.float32 !== 'string' || !Array.isArray(encoded.shape)) {
    throw new DataError(`${where}: missing from the model file`);
  }
  if (encoded.shape.length !== target.shape.length || encoded.shape.some((d, i) => d !== target.shape[i])) {
    throw new DataError(`${where}: the file has shape (${encoded.shape.join(', ')}), the network expects (${target.shape.join(', ')})`);
  }
  target.data.set(decodeFloat32(encoded.float32, target.size, where));
}

/** Captures a net's definition and every parameter and buffer as a JSON-ready ModelFile object. */
export function netToModelFile(
  net: Net,
  definition: LayerDefinition[],
  extras: { classNames?: string[]; preprocessing?: Preprocessing } = {},
): ModelFile {
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    inputShape: [...net.inputShape],
    definition,
    ...(extras.classNames ? { classNames: extras.classNames } : {}),
    ...(extras.preprocessing ? { preprocessing: extras.preprocessing } : {}),
    layers: net.layers.map((layer) => ({
      name: layer.name,
      type: layer.type,
      parameters: Object.fromEntries(layer.parameters().map((p) => [p.name, encodeTensor(p.value)])),
      buffers: Object.fromEntries((layer.buffers?.() ?? []).map((b) => [b.name, encodeTensor(b.value)])),
    })),
  };
}

/** Checks the header of a parsed model file; `source` names the file in errors. */
export function validateModelFile(json: unknown, source: string): ModelFile {
  const file = json as Partial<ModelFile> | null;
  if (!file || file.format !== MODEL_FORMAT) {
    throw new DataError(`${source}: not a convnet-ts model file (expected format '${MODEL_FORMAT}', got ${JSON.stringify(file?.format)})`);
  }
  if (file.version !== MODEL_VERSION) {
    throw new DataError(`${source}: model file version ${file.version} is not supported (this library reads version ${MODEL_VERSION})`);
  }
  if (!Array.isArray(file.definition) || !Array.isArray(file.layers) || !Array.isArray(file.inputShape)) {
    throw new DataError(`${source}: model file lacks 'inputShape', 'definition' or 'layers'`);
  }
  if (file.preprocessing !== undefined) checkPreprocessing(file.preprocessing, file.inputShape, source);
  return file as ModelFile;
}

/** Mean and std are lists of numbers; a whitening kernel is (C, C, k, k) with C offsets for C input channels. */
function checkPreprocessing(preprocessing: Preprocessing, inputShape: number[], source: string): void {
  const isNumbers = (values: unknown): boolean => Array.isArray(values) && values.length > 0 && values.every((v) => typeof v === 'number');
  if (!isNumbers(preprocessing.mean) || !isNumbers(preprocessing.std)) {
    throw new DataError(`${source}: 'preprocessing' needs non-empty number lists 'mean' and 'std'`);
  }
  const whitening = preprocessing.whitening;
  if (whitening === undefined) return;
  const channels = inputShape.length === 3 ? inputShape[0] : 1;
  const k = whitening.size;
  if (!Number.isInteger(k) || k < 1 || k % 2 === 0 || !isNumbers(whitening.kernel) || !isNumbers(whitening.offset) ||
      whitening.kernel.length !== channels * channels * k * k || whitening.offset.length !== channels) {
    throw new DataError(
      `${source}: 'preprocessing.whitening' for ${channels}-channel input needs an odd size k, ${channels}·${channels}·k·k kernel weights and ` +
        `${channels} offsets; got size ${k}, ${whitening.kernel?.length} weights, ${whitening.offset?.length} offsets`,
    );
  }
}

/** Copies weights and buffers from a model file into a net built from the same definition. */
export function loadWeightsInto(net: Net, file: ModelFile, source: string): void {
  if (file.layers.length !== net.layers.length) {
    throw new DataError(`${source}: the file has ${file.layers.length} layers, the network ${net.layers.length}`);
  }
  net.layers.forEach((layer, i) => {
    const stored = file.layers[i];
    if (stored.type !== layer.type) {
      throw new DataError(`${source}: layer ${i + 1} is '${stored.type}' in the file but '${layer.type}' in the network`);
    }
    for (const p of layer.parameters()) decodeInto(p.value, stored.parameters?.[p.name], `${source}: ${layer.name}.${p.name}`);
    for (const b of layer.buffers?.() ?? []) decodeInto(b.value, stored.buffers?.[b.name], `${source}: ${layer.name}.${b.name}`);
  });
}
