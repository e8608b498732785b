/**
 * Loading a saved model (model.json, or a run folder that holds one) back into a Net.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
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

/** `location`: a model.json file, or a run folder containing model.json. */
export function loadModel(location: string): LoadedModel {
  const source = fs.existsSync(location) && fs.statSync(location).isDirectory() ? path.join(location, 'model.json') : location;
  const file = validateModelFile(readJsonFile(source), source);
  // The Rng only initializes weights that are overwritten at once; any seed gives the same net.
  const net = buildNet(file.definition, new Rng(0));
  loadWeightsInto(net, file, source);
  return { net, file, source };
}
