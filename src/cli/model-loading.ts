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
import { Rng } from '../tensor/rng.ts';
import { readJsonFile } from './run-directory.ts';

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
