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
 *
 * Version policy. `version` changes only when a file written by the new code would be misread by
 * older code (a field that changes meaning, a layer that stores its weights differently); adding an
 * optional field with a default that keeps the old meaning does not change it. A reader loads every
 * version from 1 to MODEL_VERSION — an older file is upgraded in `validateModelFile` before anything
 * else reads it — and refuses a newer one, naming both versions. spec/nn/fixtures/model-v1.json was
 * saved by version-1 code and must keep loading and giving the same probabilities, bit for bit; each
 * new version adds its own fixture.
 */
import { ConfigError, DataError, formatShape } from '../errors.ts';
import type { Normalization } from '../data/dataset.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { LayerDefinition } from './definition.ts';
import { parseJsonDefinition } from './definition.ts';
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

/**
 * Decodes `encoded` into `target` after checking its shape; refuses NaN and ±Infinity (a model that
 * holds them predicts nothing meaningful: every score it computes would be NaN).
 */
function decodeInto(target: Tensor, encoded: EncodedTensor | undefined, where: string, layerIndex: number): void {
  if (!encoded || typeof encoded !== 'object' || typeof encoded.float32 !== 'string' || !Array.isArray(encoded.shape)) {
    throw new DataError(`${where}: missing from the model file`);
  }
  if (encoded.shape.length !== target.shape.length || encoded.shape.some((d, i) => d !== target.shape[i])) {
    throw new DataError(`${where}: the file has shape (${encoded.shape.join(', ')}), the network expects (${target.shape.join(', ')})`);
  }
  const values = decodeFloat32(encoded.float32, target.size, where);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new DataError(`${where} (layer ${layerIndex + 1}): value ${i} of ${values.length} is ${values[i]}; a model's weights must be finite (was it saved from a run that diverged?)`);
    }
  }
  target.data.set(values);
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

/**
 * Checks a parsed model file and returns it with its definition normalized, or throws a DataError
 * naming `source` (the file) and the place: the header (format, version), `inputShape` (positive
 * integers, and equal to the definition's input layer — a definition without one gets it from
 * `inputShape`), every definition layer through the very validation JSON definitions get
 * (parseJsonDefinition: unknown types such as 'lstm' or '__proto__' are refused with the layer index),
 * the `layers` list's entries, `classNames` and `preprocessing`. Weights are checked when they are
 * loaded (loadWeightsInto), sizes when the net is built (buildNet's caps).
 */
export function validateModelFile(json: unknown, source: string): ModelFile {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new DataError(`${source}: not a convnet-ts model file (expected a JSON object with format '${MODEL_FORMAT}', got ${Array.isArray(json) ? 'an array' : JSON.stringify(json)})`);
  }
  const file = json as Partial<ModelFile>;
  if (file.format !== MODEL_FORMAT) {
    throw new DataError(`${source}: not a convnet-ts model file (expected format '${MODEL_FORMAT}', got ${JSON.stringify(file.format)})`);
  }
  if (typeof file.version !== 'number' || !Number.isInteger(file.version) || file.version < 1) {
    throw new DataError(`${source}: model file version ${JSON.stringify(file.version)} is not a version (expected an integer from 1 to ${MODEL_VERSION})`);
  }
  if (file.version > MODEL_VERSION) {
    throw new DataError(`${source}: model file version ${file.version} was written by a newer convnet-ts; this library reads versions 1 to ${MODEL_VERSION}`);
  }
  if (!Array.isArray(file.definition) || !Array.isArray(file.layers) || !Array.isArray(file.inputShape)) {
    throw new DataError(`${source}: model file lacks 'inputShape', 'definition' or 'layers'`);
  }
  const inputShape = file.inputShape;
  if (inputShape.length === 0 || inputShape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)) {
    throw new DataError(`${source}: 'inputShape' must list positive integers like [3, 32, 32], got ${JSON.stringify(inputShape)}`);
  }
  let definition: LayerDefinition[];
  try {
    definition = parseJsonDefinition(file.definition);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new DataError(`${source}: 'definition' ${error.message}`);
  }
  const first = definition[0];
  if (first.type === 'input') {
    if (first.shape.length !== inputShape.length || first.shape.some((d, i) => d !== inputShape[i])) {
      throw new DataError(`${source}: 'inputShape' is ${formatShape(inputShape)} but the definition's input layer is ${formatShape(first.shape)}`);
    }
  } else {
    definition = [{ type: 'input', shape: [...inputShape] }, ...definition];
  }
  file.layers.forEach((layer, index) => {
    const isRecord = (value: unknown) => value === undefined || (value !== null && typeof value === 'object' && !Array.isArray(value));
    if (layer === null || typeof layer !== 'object' || typeof layer.type !== 'string' || !isRecord(layer.parameters) || !isRecord(layer.buffers)) {
      throw new DataError(`${source}: 'layers' entry ${index + 1} must be {name, type, parameters, buffers}, got ${JSON.stringify(layer)?.slice(0, 80)}`);
    }
  });
  if (file.classNames !== undefined && (!Array.isArray(file.classNames) || file.classNames.some((name) => typeof name !== 'string'))) {
    throw new DataError(`${source}: 'classNames' must be a list of strings`);
  }
  if (file.preprocessing !== undefined) checkPreprocessing(file.preprocessing, inputShape, source);
  return { ...(file as ModelFile), definition };
}

/**
 * Mean and std are lists of finite numbers (one, or one per channel), every std positive; a whitening
 * kernel is (C, C, k, k) with C offsets for C input channels, all finite.
 */
function checkPreprocessing(preprocessing: Preprocessing, inputShape: number[], source: string): void {
  const isNumbers = (values: unknown): boolean => Array.isArray(values) && values.length > 0 && values.every((v) => typeof v === 'number');
  if (preprocessing === null || typeof preprocessing !== 'object' || !isNumbers(preprocessing.mean) || !isNumbers(preprocessing.std)) {
    throw new DataError(`${source}: 'preprocessing' needs non-empty number lists 'mean' and 'std'`);
  }
  const channels = inputShape.length === 3 ? inputShape[0] : 1;
  for (const key of ['mean', 'std'] as const) {
    const values = preprocessing[key];
    if (values.length !== 1 && values.length !== channels) {
      throw new DataError(`${source}: 'preprocessing.${key}' needs 1 or ${channels} values (one per input channel), got ${values.length}`);
    }
    const bad = values.findIndex((v) => !Number.isFinite(v) || (key === 'std' && v <= 0));
    if (bad >= 0) {
      throw new DataError(`${source}: 'preprocessing.${key}[${bad}]' is ${values[bad]}; it must be a finite number${key === 'std' ? ' > 0' : ''}`);
    }
  }
  const whitening = preprocessing.whitening;
  if (whitening === undefined) return;
  const k = whitening.size;
  if (!Number.isInteger(k) || k < 1 || k % 2 === 0 || !isNumbers(whitening.kernel) || !isNumbers(whitening.offset) ||
      whitening.kernel.length !== channels * channels * k * k || whitening.offset.length !== channels) {
    throw new DataError(
      `${source}: 'preprocessing.whitening' for ${channels}-channel input needs an odd size k, ${channels}·${channels}·k·k kernel weights and ` +
        `${channels} offsets; got size ${k}, ${whitening.kernel?.length} weights, ${whitening.offset?.length} offsets`,
    );
  }
  for (const key of ['kernel', 'offset'] as const) {
    const bad = whitening[key].findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new DataError(`${source}: 'preprocessing.whitening.${key}[${bad}]' is ${whitening[key][bad]}; it must be finite`);
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
    const own = (record: Record<string, EncodedTensor> | undefined, name: string) =>
      (record && Object.hasOwn(record, name) ? record[name] : undefined);
    for (const p of layer.parameters()) decodeInto(p.value, own(stored.parameters, p.name), `${source}: ${layer.name}.${p.name}`, i);
    for (const b of layer.buffers?.() ?? []) decodeInto(b.value, own(stored.buffers, b.name), `${source}: ${layer.name}.${b.name}`, i);
  });
}
