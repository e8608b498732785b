/**
 * Loading a saved model (model.json, or a run folder that holds one) back into a Net.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, DataError, ShapeError } from '../errors.ts';
import { buildNet } from '../nn/build-net.ts';
import type { ModelFile } from '../nn/model-file.ts';
import { loadWeightsInto, validateModelFile } from '../nn/model-file.ts';
import type { Net } from '../nn/net.ts';
import type { ImageDataset } from '../data/dataset.ts';
import { Rng } from '../tensor/rng.ts';
import { readJsonFile } from './run-directory.ts';

/**
 * A saved model can classify a dataset when it takes the dataset's images — C·H·W values, as the
 * trainer requires — and scores exactly its classes. Refused with a DataError naming both.
 */
export function checkModelFitsData(net: Net, source: string, dataset: ImageDataset): void {
  const values = net.inputShape.reduce((product, d) => product * d, 1);
  if (values !== dataset.channels * dataset.height * dataset.width) {
    throw new DataError(`${source} takes input (${net.inputShape.join(', ')}) but '${dataset.name}' images are (${dataset.channels}, ${dataset.height}, ${dataset.width})`);
  }
  if (net.classes !== dataset.classNames.length) {
    throw new DataError(`${source} scores ${net.classes} classes but '${dataset.name}' has ${dataset.classNames.length}`);
  }
}

export interface LoadedModel {
  net: Net;
  file: ModelFile;
  source: string;
}

/**
 * `location`: a model.json file, or a run folder containing model.json. The file goes through the
 * checks a definition goes through (validateModelFile, then buildNet's geometry, size caps and loss
 * layer), then its weights are loaded (finite values of the right shapes); any refusal is a DataError
 * naming the file.
 */
export function loadModel(location: string): LoadedModel {
  const source = fs.existsSync(location) && fs.statSync(location).isDirectory() ? path.join(location, 'model.json') : location;
  const file = validateModelFile(readJsonFile(source), source);
  let net: Net;
  try {
    // The Rng only initializes weights that are overwritten at once; any seed gives the same net.
    net = buildNet(file.definition, new Rng(0));
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof ShapeError)) throw error;
    throw new DataError(`${source}: its definition does not build: ${error.message}`);
  }
  if (file.classNames !== undefined && file.classNames.length !== net.classes) {
    throw new DataError(`${source}: 'classNames' lists ${file.classNames.length} names but the network scores ${net.classes} classes`);
  }
  loadWeightsInto(net, file, source);
  return { net, file, source };
}
